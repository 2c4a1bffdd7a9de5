"""Zero-safe products by a ReLU's lanes: a plain product where it has the same bits.

``zmul(g, d)`` is ``g * d`` except where ``g`` is zero: there it is ``+0.0``
whatever ``d`` is, where ``g * d`` is ``nan`` (``d`` infinite or a nan) or
``-0.0`` (``g`` is ``-0.0``, or ``d`` is negative or ``-0.0``). Its lanes
spelling pays for that with a zero test and a masked clear, two passes
over the product's lanes. Where ``d``'s lanes are read from a ReLU's vector
(the backward products of a layer's weights by its inputs' activations)
and ``g``'s from a smaller vector (a cotangent repeated per weight), the
sources are checked instead, at each call: no lane of ``d``'s source has
its sign bit set or is infinite or a nan (a ReLU's lanes are ``+0.0`` or
positive unless its input was a nan or infinite), and no lane of ``g``'s
source is ``-0.0``. Then every zero lane of ``g`` is ``+0.0`` and its
product by a finite ``d >= +0.0`` is ``+0.0``, which is what ``zmul``
gives: the plain product has ``zmul``'s bits in every lane. Otherwise the
zero-safe product runs as before.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kinks
from ..primitive import Primitive, zmul
from .lanes import LANES, _zmul, shaped, take, view
from .program import Arg, Eqn, Program

__all__ = ["by_relu", "by_relu_into", "nonneg"]

_SIGN = np.iinfo(np.int64).min        # the bits of -0.0


def _plain(g_src: Any, d_src: Any) -> bool:
    """Whether every zero of ``g`` is +0.0 and every ``d`` finite and >= +0.0 (no lanes: so)."""
    return bool(d_src.view(np.int64).min(initial=0) >= 0 and d_src.max(initial=0.0) < np.inf
                and g_src.view(np.int64).min(initial=0) != _SIGN)


def _by_relu(g: Any, d: Any, g_src: Any, d_src: Any) -> Any:
    if _plain(g_src, d_src):
        return np.multiply(g, d)
    return _zmul(g, d)


def by_relu_into(out: Any, g: Any, d: Any, g_src: Any, d_src: Any) -> None:
    """``_by_relu(g, d, g_src, d_src)`` written into ``out`` (``rows_out``'s write)."""
    if _plain(g_src, d_src):
        np.multiply(g, d, out=out)
    else:
        out[...] = _zmul(g, d)


by_relu = Primitive(_by_relu, "lanes_zmul_by_relu", check_rules=False)   # sources: not broadcast
"""``by_relu(g, d, g_src, d_src)``: ``zmul(g, d)``, ``g``'s lanes read from ``g_src`` and
``d``'s from the ReLU's vector ``d_src``; a plain product where the sources show it equal."""

_READS = (shaped, view, take)      # lanes read from another vector, not computed


def _source(defs: dict[int, Eqn], a: Arg) -> Arg:
    """The vector whose lanes ``a`` reads (through reshapes, strided views and gathers)."""
    while isinstance(a, int) and a in defs and defs[a].prim in _READS:
        a = defs[a].args[0]
    return a


def _float64(v: Any) -> bool:
    return type(v) is np.ndarray and v.dtype == np.float64 and v.flags.c_contiguous


def nonneg(prog: Program) -> Program:
    """``prog`` (packed) with its zero-safe products by a ReLU's lanes as ``by_relu``."""
    defs = {e.out: e for e in prog.eqns}
    relu, zm = LANES[kinks.relu], LANES[zmul]
    eqns, changed = list(prog.eqns), False
    for k, e in enumerate(eqns):
        if e.prim is not zm or not isinstance(e.args[0], int) or not isinstance(e.args[1], int):
            continue
        g_src, d_src = _source(defs, e.args[0]), _source(defs, e.args[1])
        if not isinstance(g_src, int) or not isinstance(d_src, int) or g_src == e.args[0] or \
                d_src not in defs or defs[d_src].prim is not relu:
            continue
        g_v: Any = defs[g_src].ans if g_src in defs else None
        d_v: Any = defs[d_src].ans
        if not (_float64(g_v) and _float64(d_v) and _float64(e.ans)) or \
                g_v.size + d_v.size > e.ans.size:       # checks as long as the product: no gain
            continue
        eqns[k] = Eqn(by_relu, e.out, (*e.args, g_src, d_src), e.ans)
        changed = True
    return prog._replace(eqns=tuple(eqns)) if changed else prog
