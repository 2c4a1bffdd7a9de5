"""Strided reads: a packed program's gathers read in place where their lanes are evenly spaced.

Packing lines lanes up with ``take``: the 25,600 (example, neuron, input)
products of a layer read a weight vector and an activation vector each
through an index array, a copy of 25,600 lanes. Those indices are mostly
affine: lane ``(e, k, j)`` of the products reads weight ``64 + 16 k + j``
and activation ``16 e + j``. ``strided`` finds such gathers (an index array
that is ``base + sum(i_d * stride_d)`` over a grid of lanes) and lets an
elementwise lane operation read its operands as strided views of the
vectors they come from, on that grid (a stride of 0 repeats a lane),
its result the same lanes flattened; a sum chain reads its ``(terms,
lanes)`` matrix the same way. Nothing is computed differently: each lane
gets the same operation on the same operands, so the bits are the same
(each rewritten record is checked against what it replaces).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kinks, logic, ops
from ..numerics import ieee
from ..primitive import Primitive, zmul
from .chains import chain_lanes, chain_rows, sum_rows
from .lanes import LANES, shaped, take, view
from .program import Arg, Const, Eqn, Program

__all__ = ["C_ORDERED", "IN_PLACE", "decompose", "strided"]

Dims = list[tuple[int, int]]       # (size, stride) per axis, outer to inner


def _reduce_rows(terms: Any, *init: Any) -> Any:
    if init:
        return np.add.reduce(terms, 0, initial=init[0])
    return sum_rows(terms, 0)             # started at -0.0: a first row's -0.0 kept


reduce_rows = Primitive(_reduce_rows, "lanes_reduce_rows", check_rules=False)
"""``reduce_rows(terms[, init])``: the sum chain of a grid's axis 0, in order (after ``init``)."""

# a zero-safe product passes over its operands three times (product, zero test,
# masked store): it reads them as contiguous copies of the views, faster there
_ELEMENTWISE = frozenset(LANES.values()) - {LANES[zmul]}
IN_PLACE = _ELEMENTWISE
"""The lane primitives whose operands ``strided`` reads as views, in place."""


def _c_ordered(ufunc: Any, name: str) -> Primitive:
    def impl(*args: Any) -> Any:
        return ufunc(*args, order="C")
    return Primitive(impl, f"lanes_{name}_c", check_rules=False)


# NumPy lays a result out as its operands are (order "K"): on views of a grid
# read across (a transposed layout), flattening it would copy it once more
_C_ORDER = {LANES[p]: _c_ordered(f, LANES[p].name.removeprefix("lanes_")) for p, f in (
    (ops.add, np.add), (ops.sub, np.subtract), (ops.mul, np.multiply), (ops.div, np.divide),
    (logic.gt, np.greater), (logic.lt, np.less), (logic.ge, np.greater_equal),
    (logic.le, np.less_equal), (logic.eq, np.equal), (logic.ne, np.not_equal),
    (ops.neg, np.negative), (ops.sqrt, np.sqrt), (kinks.abs, np.abs))}
C_ORDERED = frozenset(_C_ORDER.values())
"""The lane primitives ``strided`` writes in C order (a new array each, as the others)."""


def decompose(index: np.ndarray) -> tuple[int, Dims] | None:
    """``index`` (flattened) as ``base + sum(i_d * stride_d)`` over a grid, or None."""
    cur = index.reshape(-1).astype(np.int64)
    base, dims = int(cur[0]), []
    while cur.size > 1:
        step = cur[1] - cur[0]
        bad = np.flatnonzero(np.diff(cur) != step)
        m = int(bad[0]) + 1 if bad.size else cur.size
        if cur.size % m:
            return None
        rows = cur.reshape(-1, m)
        if (np.diff(rows, axis=1) != step).any():
            return None
        dims.append((m, int(step)))
        cur = rows[:, 0]
    return base, dims[::-1] or [(1, 0)]


def _bounds(dims: Dims) -> list[int]:
    """The grid's sizes from its inner axis out: ``[n_last, n_last * n_before, ...]``."""
    out, c = [], 1
    for size, _ in reversed(dims):
        c *= size
        out.append(c)
    return out


def refine(dimss: list[Dims], keep: tuple[int, ...] = ()
           ) -> tuple[list[int], list[list[int]]] | None:
    """One grid for all operands (each axis split where another's is), or None.

    Returns the grid's shape and each operand's strides on it (outer to
    inner); adjacent axes every operand reads as one are merged, except at
    the sizes in ``keep``.
    """
    bounds = sorted(set().union(*map(_bounds, dimss), keep) - {1})
    if not bounds:                                  # one lane
        return [1], [[0] for _ in dimss]
    lows = [1] + bounds[:-1]
    if any(b % a for a, b in zip(lows, bounds)):
        return None
    shape = [b // a for a, b in zip(lows, bounds)]          # inner to outer
    strides = []
    for dims in dimss:
        axes, c = [], 1
        for size, stride in reversed(dims):
            axes.append((c, c * size, stride))
            c *= size
        strides.append([next(s * (lo // c0) for c0, c1, s in axes if c0 <= lo < c1)
                        for lo in lows])
    k = 0
    while k + 1 < len(shape):
        if bounds[k] not in keep and all(s[k + 1] == s[k] * shape[k] for s in strides):
            shape[k] *= shape.pop(k + 1)
            bounds.pop(k)
            for s in strides:
                s.pop(k + 1)
        else:
            k += 1
    return shape[::-1], [s[::-1] for s in strides]


Pattern = tuple[str, Arg, int, Dims]     # how an operand reads: kind, source, base, grid


class _Rewriter:
    """The rewritten program's records, each value computed as written."""

    def __init__(self, prog: Program):
        self.defs = {e.out: e for e in prog.eqns}
        self.values: dict[int, Any] = dict(zip(prog.inputs, prog.seen))
        self.values.update((e.out, e.ans) for e in prog.eqns)
        self.fresh = max([*prog.inputs, *(e.out for e in prog.eqns), 0]) + 1
        self.eqns: list[Eqn] = []
        self.gathered = _gathered_only(prog)
        self.moved: dict[int, np.ndarray] = {}     # a vector laid out anew -> each lane's place

    def new(self, prim: Primitive, args: tuple[Arg, ...], out: int | None = None) -> int:
        """``prim(args)`` written as ``out`` (a new value by default); its id."""
        if out is None:
            out, self.fresh = self.fresh, self.fresh + 1
        vals = [self.values[x] if isinstance(x, int) else x.value for x in args]
        self.values[out] = prim.impl(*vals)
        self.eqns.append(Eqn(prim, out, args, self.values[out]))
        return out

    def pattern(self, a: Arg, n: int) -> Pattern | None:
        """How an operand of ``n`` lanes reads: a scalar, a whole vector, a gather's grid."""
        v = a.value if isinstance(a, Const) else self.values[a]
        if type(v) is not np.ndarray:
            return ("scalar", a, 0, [])
        if v.shape != (n,):
            return None
        e = self.defs.get(a) if isinstance(a, int) else None
        if e is not None and e.prim is take and isinstance(e.args[0], int) and \
                isinstance(e.args[1], Const) and type(e.args[1].value) is np.ndarray:
            src = self.values[e.args[0]]
            found = decompose(e.args[1].value)
            if found is not None and type(src) is np.ndarray and src.ndim == 1 and \
                    src.flags.c_contiguous and src.dtype == v.dtype:
                return ("view", e.args[0], found[0], found[1])
        return ("whole", a, 0, [(n, 1)])

    def operand(self, p: Pattern, shape: list[int], strides: list[int]) -> Arg:
        """The operand read on the grid ``shape``."""
        kind, a, base, _ = p
        if kind == "scalar":
            return a
        if kind == "view":
            v = self.values[a]          # type: ignore[index]
            size = v.itemsize
            return self.new(view, (a, Const(tuple(shape)), Const(v.dtype), Const(base * size),
                                   Const(tuple(s * size for s in strides))))
        if isinstance(a, Const):
            return Const(a.value.reshape(shape))
        return self.new(shaped, (a, Const(tuple(shape))))

    def rewrite(self, e: Eqn, n: int) -> bool:
        """``e`` (elementwise, ``n`` lanes) reading its operands on one grid, or False."""
        found_pats = [self.pattern(a, n) for a in e.args]
        pats = [p for p in found_pats if p is not None]
        if len(pats) < len(found_pats) or not any(p[0] == "view" for p in pats):
            return False
        dims = [p[3] for p in pats if p[0] != "scalar"]
        found = refine(dims)
        if found is None:
            return False
        shape, strides = found
        order = _order(shape, strides) if e.out in self.gathered else list(range(len(shape)))
        if order != sorted(order):
            if any(p[0] == "whole" for p in pats):
                return False
            lanes = np.arange(n).reshape(shape).transpose(order).reshape(-1)
            shape = [shape[k] for k in order]
            strides = [[s[k] for k in order] for s in strides]
            self.moved[e.out] = np.argsort(lanes)
        at = iter(strides)
        start = len(self.eqns)
        args = tuple(p[1] if p[0] == "scalar" else self.operand(p, shape, next(at))
                     for p in pats)
        if self.finish(e, args, start, laid_out=e.out in self.moved):
            return True
        self.moved.pop(e.out, None)
        return False

    def regathered(self, e: Eqn) -> Eqn:
        """A gather from a vector laid out anew, its lanes where they are now."""
        place = self.moved[e.args[0]]                       # type: ignore[index]
        e = Eqn(take, e.out, (e.args[0], Const(place[e.args[1].value])), e.ans)  # type: ignore[union-attr]
        self.defs[e.out] = e
        return e

    def finish(self, e: Eqn, args: tuple[Arg, ...], start: int,
               prim: Primitive | None = None, laid_out: bool = False) -> bool:
        """``prim(args)`` flattened as ``e.out``, where it gives ``e``'s bits; else undone."""
        grid = self.new(prim or e.prim, args)   # type: ignore[arg-type]
        if prim is None and e.prim in _C_ORDER and not self.values[grid].flags.c_contiguous:
            self.eqns.pop()
            grid = self.new(_C_ORDER[e.prim], args)
        got = np.ascontiguousarray(self.values[grid]).reshape(-1)
        if laid_out:
            got = got[self.moved[e.out]]
        if got.dtype != e.ans.dtype or got.tobytes() != np.ascontiguousarray(e.ans).tobytes():
            del self.eqns[start:]
            return False
        self.new(shaped, (grid, Const(-1)), e.out)
        return True

    def copied(self, e: Eqn) -> bool:
        """An evenly spaced gather as a copy of a strided view (faster than by an index)."""
        index = e.args[1].value if isinstance(e.args[1], Const) else None
        if type(index) is not np.ndarray or e.ans.shape != index.shape:
            return False
        p = self.pattern(e.out, index.size) if index.ndim == 1 else None
        if index.ndim == 2:
            src = self.values[e.args[0]]             # type: ignore[index]
            found = decompose(index)
            if found is None or type(src) is not np.ndarray or src.ndim != 1 or \
                    not src.flags.c_contiguous:
                return False
            p = ("view", e.args[0], found[0], found[1])
        if p is None or p[0] != "view":
            return False
        start = len(self.eqns)
        grid = self.operand(p, [n for n, _ in p[3]], [s for _, s in p[3]])
        self.new(shaped, (grid, Const(index.shape)), e.out)
        got = self.values[e.out]
        if not got.flags.c_contiguous or got.tobytes() != e.ans.tobytes():   # a sum reads it
            del self.eqns[start:]
            self.values[e.out] = e.ans
            return False
        return True

    def chain(self, e: Eqn) -> bool:
        """A sum chain reading its ``(terms, lanes)`` gather on a grid, the terms first."""
        terms = e.args[-1]
        te = self.defs.get(terms) if isinstance(terms, int) else None
        if te is None or te.prim is not take or not isinstance(te.args[1], Const):
            return False
        index = te.args[1].value
        if type(index) is not np.ndarray or index.ndim != 2 or index.shape[1] < 2:
            return False
        t, n = index.shape
        p = self.pattern(terms, t * n)
        if p is None or p[0] != "view":
            return False
        found = refine([p[3]], (n,))
        if found is None or len(found[0]) < 2 or found[0][0] != t or found[1][0][0] <= 0:
            return False
        shape, (strides,) = found
        if abs(strides[0]) <= min(abs(s) for s in strides[1:]):
            return False             # the terms' axis innermost: NumPy would sum pairwise
        start = len(self.eqns)
        grid = self.operand(p, shape, strides)
        init = () if e.prim is chain_rows else (e.args[0],)
        return self.finish(e, (grid, *init), start, reduce_rows)


def strided(prog: Program) -> Program:
    """``prog`` (packed, under jit) with its affine gathers read as strided views.

    Where they feed an elementwise lane operation or a sum chain; a gather
    no longer read is left for ``dce``.
    """
    w = _Rewriter(prog)
    with ieee():
        for e in prog.eqns:
            _one(w, e)
    return prog._replace(eqns=tuple(w.eqns))


def _one(w: _Rewriter, e: Eqn) -> None:
    """``e`` rewritten to read on a grid where it can, else as it is."""
    ans = e.ans
    done = False
    if e.prim is take and e.args[0] in w.moved:
        e = w.regathered(e)
    if e.prim is take:
        done = w.copied(e)
    elif type(ans) is np.ndarray and ans.ndim == 1 and ans.shape[0] > 1:
        if e.prim in _ELEMENTWISE:
            done = w.rewrite(e, ans.shape[0])
        elif e.prim is chain_rows or (e.prim is chain_lanes and np.ndim(
                w.values[e.args[0]] if isinstance(e.args[0], int) else e.args[0].value) == 0):
            done = w.chain(e)
    if not done:
        w.eqns.append(e)


def _gathered_only(prog: Program) -> set[int]:
    """The vectors only gathers read (their lanes may be laid out anew)."""
    out: set[int] = set()
    other = {o for o in prog.outputs if isinstance(o, int)}
    for e in prog.eqns:
        if e.prim is take and isinstance(e.args[1], Const) and isinstance(
                e.args[1].value, (np.ndarray, slice)):
            out.add(e.args[0])                              # type: ignore[arg-type]
            other.update(a for a in e.args[1:] if isinstance(a, int))
        else:
            other.update(a for a in e.args if isinstance(a, int))
    return out - other


def _order(shape: list[int], strides: list[list[int]]) -> list[int]:
    """The grid's axes in the order that reads the operands most nearly in place.

    The axis with the smallest strides goes innermost (NumPy's inner loop runs along it).
    """
    def key(k: int) -> tuple[int, int]:
        return max(abs(s[k]) for s in strides), -shape[k]
    return sorted(range(len(shape)), key=key, reverse=True)
