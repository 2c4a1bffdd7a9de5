"""Under ``vmap``: a layer's products of every lane by every lane, on a grid.

A dense layer written with scalar loops multiplies each of ``a`` values by
each of ``c`` others: in the forward pass each input by each weight (then
summed per neuron), in the backward pass each cotangent by each weight
(summed per input) and by each input (the weights' gradients). Packed under
``vmap``, such a product is an ``(n, a*c)`` vector made from gathered
copies, ``u.repeat(c, -1)`` (each lane of ``u`` ``c`` times) and
``v`` tiled ``a`` times or a weights vector, and its sums run over rows of
``c`` lanes beside the batch axis: short inner loops.

Here those products are made on a grid ``(a, c, n)``, the batch axis
innermost, each factor broadcast along the axis it repeats over (no
gathered copy): the weights' gradients straight into the rows ``rows_out``
returns them in (``outer_write``), and a product a chain sums, with the
chain, as one reduction over the grid's first axis (``outer_chains``). The
same multiplications of the same numbers, the zero-safe products' zeros
where they were, the sums in the chain's order (``np.add.reduce`` over a
non-fast axis adds one row after the other, started at ``-0.0`` as
``chains.sum_rows`` is): the same bits.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from ..primitive import Primitive, zmul
from .chains import chain_rows
from .joined import chain_parts, row_blocks
from .lanes import LANES, take
from .nonneg import _plain, by_relu
from .program import Const, Eqn, Program, use_counts

__all__ = ["outer_chains", "outer_write"]

_MODES = {LANES[ops.mul]: "mul", LANES[zmul]: "zmul", by_relu: "relu"}
"""How a product's lanes are made: plain, zero-safe (``+0.0`` where the first factor is
zero), or by a ReLU's lanes (plain where ``nonneg``'s check of the factors allows)."""


def _grid(x: Any, kind: str, a: int, c: int) -> Any:
    """Factor ``x`` broadcast to the grid ``(a, c, n)``.

    ``"r"``: ``x`` is ``(n, a)``, each lane repeated ``c`` times; ``"t"``: ``x`` is
    ``(n, c)``, tiled ``a`` times; ``"w"``: ``x`` is the ``a*c`` lanes of a vector.
    """
    if kind == "w":
        return x.reshape(a, c)[:, :, None]
    xt = np.ascontiguousarray(x.T)
    return xt[:, None, :] if kind == "r" else xt[None, :, :]


def _products(grid: Any, x: Any, y: Any, spec: tuple[Any, ...]) -> None:
    """The product's lanes (``spec = (a, c, x's kind, y's kind, mode)``) written on ``grid``."""
    a, c, kx, ky, mode = spec
    g = _grid(x, kx, a, c)
    np.multiply(g, _grid(y, ky, a, c), out=grid)
    if mode == "mul" or mode == "relu" and _plain(x, y):
        return
    bits = grid.view(np.int64)
    np.multiply(bits, np.not_equal(g, 0.0).view(np.uint8), out=bits)   # +0.0 is all bits 0


def _into(out: Any, x: Any, y: Any, spec: tuple[Any, ...]) -> None:
    """The product written into ``out``: ``(n, a*c)``, the transpose of contiguous rows."""
    a, c = spec[0], spec[1]
    rows = out.T
    if not rows.flags.c_contiguous:        # not ``rows_out``'s rows: made, then copied
        grid = np.empty((a, c, out.shape[0]))
        _products(grid, x, y, spec)
        out[...] = grid.reshape(a * c, -1).T
        return
    _products(rows.reshape(a, c, out.shape[0]), x, y, spec)


def _outer_chain(x: Any, y: Any, init: Any, spec: tuple[Any, ...], k: slice) -> Any:
    a, c = spec[0], spec[1]
    grid = np.empty((a, c, x.shape[0] if spec[2] != "w" else y.shape[0]))
    _products(grid, x, y, spec)
    terms = grid[k]
    if init is not None:                   # the chain's first link: init + the first row
        np.add(init[:, None] if init.ndim == 1 else init.T, terms[0], out=terms[0])
    return np.ascontiguousarray(np.add.reduce(terms, 0, initial=-0.0).T)


outer_chain = Primitive(_outer_chain, "lanes_outer_chain", check_rules=False)
"""``outer_chain(x, y, init, spec, k)``: ``chain_rows`` (``init`` first, if any) of the rows
``k`` of the product ``spec`` says how to make, grouped by ``a`` (``(n, c)``, contiguous)."""


def _factor(defs: dict[int, Eqn], arg: Any, a: int, c: int) -> tuple[Any, str] | None:
    """What a product's factor is gathered from, and how (``_grid``'s kinds), or None."""
    e = defs.get(arg) if isinstance(arg, int) else None
    if e is None:
        v = arg.value if isinstance(arg, Const) else None
        return (arg, "w") if _vector(v, a * c) else None
    if _vector(e.ans, a * c) and e.ans.ndim == 1:
        return arg, "w"
    k = e.args[1].value if e.prim is take and isinstance(e.args[1], Const) else None
    src = defs[e.args[0]].ans if isinstance(e.args[0], int) and e.args[0] in defs else None
    if type(k) is not np.ndarray or type(src) is not np.ndarray or src.ndim != 2 or \
            src.dtype != np.float64 or k.shape != (a * c,):
        return None
    if src.shape[1] == a and np.array_equal(k, np.repeat(np.arange(a), c)):
        return e.args[0], "r"
    if src.shape[1] == c and np.array_equal(k, np.tile(np.arange(c), a)):
        return e.args[0], "t"
    return None


def _vector(v: Any, size: int) -> bool:
    return type(v) is np.ndarray and v.dtype == np.float64 and v.ndim == 1 and v.size == size


def _outer(defs: dict[int, Eqn], e: Eqn, a: int, c: int) -> tuple[Any, Any, tuple[Any, ...]] | None:
    """``e`` (a product of ``a*c`` lanes per example) as factors and a grid spec, or None."""
    mode = _MODES.get(e.prim) if e.prim is not None else None
    if mode is None or type(e.ans) is not np.ndarray or e.ans.ndim != 2 or \
            e.ans.dtype != np.float64 or e.ans.shape[1] != a * c or a < 2 or c < 2:
        return None
    fx, fy = _factor(defs, e.args[0], a, c), _factor(defs, e.args[1], a, c)
    if fx is None or fy is None or fx[1] == fy[1] or "r" not in (fx[1], fy[1]):
        return None
    if mode == "relu" and (e.args[2], e.args[3]) != (fx[0], fy[0]):
        return None                          # the check reads the factors' own sources
    return fx[0], fy[0], (a, c, fx[1], fy[1], mode)


def outer_write(defs: dict[int, Eqn], e: Eqn) -> tuple[Any, ...] | None:
    """``rows_out``'s write of the product ``e`` on a grid: ``(write, arity), *args``, or None."""
    if type(e.ans) is not np.ndarray or e.ans.ndim != 2:
        return None
    for a in _sizes(e.ans.shape[1]):
        found = _outer(defs, e, a, e.ans.shape[1] // a)
        if found is not None:
            x, y, spec = found
            return Const((_into, 3)), x, y, Const(spec)
    return None


def _sizes(lanes: int) -> list[int]:
    """The ``a`` that may be a product's (at least 2 and ``lanes // a`` at least 2)."""
    return [a for a in range(2, lanes // 2 + 1) if lanes % a == 0]


def outer_chains(prog: Program) -> Program:
    """``prog`` (``vmap``'s, packed) with its chains over outer products made on a grid."""
    defs = {e.out: e for e in prog.eqns}
    uses = use_counts(prog)
    eqns, changed = list(prog.eqns), False
    for k, e in enumerate(eqns):
        found = _chain(defs, uses, e)
        if found is None:
            continue
        x, y, init, spec, rows = found
        got = _outer_chain(x=_value(defs, x), y=_value(defs, y), init=_value(defs, init),
                           spec=spec, k=rows)
        if got.shape != e.ans.shape or got.tobytes() != np.ascontiguousarray(e.ans).tobytes():
            continue                          # the traced values say otherwise: as it is
        eqns[k] = Eqn(outer_chain, e.out, (x, y, init, Const(spec), Const(rows)), e.ans)
        changed = True
    return prog._replace(eqns=tuple(eqns)) if changed else prog


def _value(defs: dict[int, Eqn], arg: Any) -> Any:
    if isinstance(arg, Const):
        return arg.value
    return defs[arg].ans if isinstance(arg, int) else None


def _chain(defs: dict[int, Eqn], uses: dict[int, int], e: Eqn) -> tuple[Any, ...] | None:
    """``e``'s factors, first link, grid spec and rows, for a chain over an outer product."""
    if e.prim is chain_rows:                 # chain_rows(row_blocks(product, c, rows))
        r = _only(defs, uses, e.args[0])
        if r is None or r.prim is not row_blocks:
            return None
        p, c, rows = _only(defs, uses, r.args[0]), _value(defs, r.args[1]), _value(defs, r.args[2])
        init: Any = Const(None)
    elif e.prim is chain_parts and len(e.args) == 3:     # chain_parts(c, init, product)
        p, c, init, rows = _only(defs, uses, e.args[2]), _value(defs, e.args[0]), e.args[1], \
            slice(None)
        v = _value(defs, init)
        if type(v) is not np.ndarray or v.ndim not in (1, 2) or v.shape[-1] != c:
            return None
    else:
        return None
    if p is None or type(p.ans) is not np.ndarray or p.ans.ndim != 2 or type(c) is not int \
            or c < 2 or p.ans.shape[1] % c:
        return None
    found = _outer(defs, p, p.ans.shape[1] // c, c)
    return None if found is None else (found[0], found[1], init, found[2], rows)


def _only(defs: dict[int, Eqn], uses: dict[int, int], arg: Any) -> Eqn | None:
    """The equation making ``arg`` where nothing else reads it, or None."""
    return defs.get(arg) if isinstance(arg, int) and uses.get(arg) == 1 else None
