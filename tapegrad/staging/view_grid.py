"""Under ``jit``: a chain over a product of two broadcast views, made with the long axis inner.

A layer of a network looped over examples packs to a product on a grid
``(rows, p, q)``: the rows are what a chain sums (a neuron's inputs), the
examples one of ``p`` and ``q``, the neurons the other. Each factor is a
strided view that repeats along one of ``p`` and ``q`` (stride 0: the
weights repeat over the examples, the activations over the neurons). In C
order the product's inner loops are ``q`` long (16 neurons) and each factor
is first copied out of its view.

``view_chains`` computes such a chain from the factors' compact forms (the
view without its repeated axis), on a grid whose inner axis is the longer
of ``p`` and ``q``: one broadcast product, the zero-safe product's zeros
cleared by a mask of the compact factor, and the rows summed in order over
the grid's first axis (started at ``-0.0``, after the chain's first link,
as ``chains`` does). The same products and sums in the same order: the
same bits.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from ..primitive import Primitive, zmul
from .chains import chain_rows
from .joined import chain_parts
from .lanes import LANES, shaped, view
from .program import Const, Eqn, Program, use_counts
from .strided import C_ORDERED

__all__ = ["view_chains"]

_MUL, _ZMUL = LANES[ops.mul], LANES[zmul]
_MODES = {_MUL: "mul", _ZMUL: "zmul", **{p: "mul" for p in C_ORDERED if p.name == "lanes_mul_c"}}
_MIN_INNER = 32     # a shorter long axis: the C-order product is as fast


def _compact(buf: Any, shape: tuple[int, ...], off: int, strides: tuple[int, ...],
             inner: int) -> Any:
    """A factor's view on the grid ``(rows, other, inner)``: its repeated axis of length 1."""
    v = np.ndarray(shape, np.float64, buf, off, strides)
    if inner == 1:
        v = v.transpose(0, 2, 1)
    return np.ascontiguousarray(v[:, :1, :] if v.strides[1] == 0 else v[:, :, :1])


def _view_chain(b1: Any, b2: Any, init: Any, spec: tuple[Any, ...]) -> Any:
    shape, (o1, s1), (o2, s2), mode, inner = spec
    x = _compact(b1, shape, o1, s1, inner)
    y = _compact(b2, shape, o2, s2, inner)
    grid = np.multiply(x, y)
    if mode == "zmul":
        bits = grid.view(np.int64)
        np.multiply(bits, np.not_equal(x, 0.0).view(np.uint8), out=bits)   # +0.0 is all bits 0
    if init is not None:              # the chain's first link: init + the first row
        first = init.reshape(shape[1:])
        np.add(first.T if inner == 1 else first, grid[0], out=grid[0])
    total = np.add.reduce(grid, 0, initial=-0.0)
    return np.ascontiguousarray(total.T if inner == 1 else total).reshape(-1)


view_chain = Primitive(_view_chain, "lanes_view_chain", check_rules=False)
"""``view_chain(b1, b2, init, spec)``: the chain over the rows of a product of two views of
``b1`` and ``b2`` (``spec``: their grid, offsets and strides, the product, the inner axis)."""


_Factor = tuple[Any, tuple[int, ...], int, tuple[int, ...]]


def _factor(defs: dict[int, Eqn], arg: Any) -> _Factor | None:
    """A factor read as a 3-d view of a float64 vector: the vector, shape, offset, strides."""
    e = defs.get(arg) if isinstance(arg, int) else None
    if e is not None and e.prim is shaped:
        e = defs.get(e.args[0]) if isinstance(e.args[0], int) else None
    if e is None or e.prim is not view or not all(isinstance(a, Const) for a in e.args[1:]):
        return None
    buf, (shape, dtype, off, strides) = e.args[0], (a.value for a in e.args[1:])  # type: ignore
    src = defs[buf].ans if isinstance(buf, int) and buf in defs else \
        buf.value if isinstance(buf, Const) else None
    if type(src) is not np.ndarray or src.dtype != np.float64 or src.ndim != 1 or \
            np.dtype(dtype) != np.float64 or len(shape) != 3:
        return None
    return buf, tuple(shape), off, tuple(strides)


def _product(defs: dict[int, Eqn], p: Eqn) -> tuple[Any, ...] | None:
    """The two factors of the product ``p`` and its grid spec, or None."""
    mode = _MODES.get(p.prim) if p.prim is not None else None
    if mode is None or len(p.args) != 2:
        return None
    f1, f2 = _factor(defs, p.args[0]), _factor(defs, p.args[1])
    if f1 is None or f2 is None or f1[1] != f2[1] or p.ans.size != int(np.prod(f1[1])):
        return None
    rows, pn, qn = f1[1]
    zeros1 = [s == 0 for s in f1[3][1:]]
    zeros2 = [s == 0 for s in f2[3][1:]]
    if sorted([zeros1, zeros2]) != [[False, True], [True, False]] or max(pn, qn) < _MIN_INNER:
        return None
    inner = 1 if pn > qn else 2
    spec = (f1[1], (f1[2], f1[3]), (f2[2], f2[3]), mode, inner)
    return f1[0], f2[0], spec


def _chain(defs: dict[int, Eqn], uses: dict[int, int], e: Eqn) -> tuple[Any, ...] | None:
    """``e``'s product (an equation), its first link and the lanes of a row, or None."""
    if e.prim is chain_rows:                          # chain_rows(shaped(product, (rows, L)))
        s = _only(defs, uses, e.args[0])
        if s is None or s.prim is not shaped or not isinstance(s.args[1], Const):
            return None
        return _only(defs, uses, s.args[0]), Const(None), s.ans.shape[-1]
    if e.prim is chain_parts and len(e.args) == 3:    # chain_parts(L, init, product)
        lanes, p = e.args[0].value, _only(defs, uses, e.args[2])  # type: ignore[union-attr]
        if p is not None and p.prim is shaped:        # a C-order product, flattened
            p = _only(defs, uses, p.args[0])
        init = e.args[1]
        v = init.value if isinstance(init, Const) else defs[init].ans if init in defs else None
        if type(v) is not np.ndarray or v.shape != (lanes,) or v.dtype != np.float64:
            return None
        return p, init, lanes
    return None


def _only(defs: dict[int, Eqn], uses: dict[int, int], arg: Any) -> Eqn | None:
    return defs.get(arg) if isinstance(arg, int) and uses.get(arg) == 1 else None


def view_chains(prog: Program) -> Program:
    """``prog`` (packed, under ``jit``) with its chains over products of views on grids."""
    defs = {e.out: e for e in prog.eqns}
    uses = use_counts(prog)
    eqns, changed = list(prog.eqns), False
    for k, e in enumerate(eqns):
        found = _chain(defs, uses, e)
        p = found[0] if found is not None else None
        made = _product(defs, p) if p is not None else None
        if made is None or found is None or type(e.ans) is not np.ndarray or \
                e.ans.shape != (found[2],) or found[2] != made[2][0][1] * made[2][0][2]:
            continue
        b1, b2, spec = made
        x, y, init = (defs[a].ans if isinstance(a, int) else a.value for a in (b1, b2, found[1]))
        got = _view_chain(x, y, init, spec)
        if got.tobytes() != np.ascontiguousarray(e.ans).tobytes():
            continue                          # the traced values say otherwise: as it is
        eqns[k] = Eqn(view_chain, e.out, (b1, b2, found[1], Const(spec)), e.ans)
        changed = True
    return prog._replace(eqns=tuple(eqns)) if changed else prog
