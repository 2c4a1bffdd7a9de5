"""Sum chains over joined rows without the join: each part's first row takes the sum so far.

An exact sum chain whose terms come from several vectors (a layer's
biases, then its 16 inputs' products; a weight's gradient over the two
halves of the examples) reads one ``(terms, lanes)`` matrix: packing joins
the parts with ``concat`` (a copy of every term) and reduces its rows in
order. ``joined`` drops the join where every part after the first is a
new vector only the chain reads: the first part's rows are reduced, then
each later part's first row becomes the sum so far plus that row (written
in place) and its rows are reduced, so every lane adds the same terms in
the same order, ``((init + x1) + x2) + ...``: the same bits. Under ``vmap``
the parts after the first are ``(batch, lanes)`` and the first may be
unbatched: its sum is broadcast into each example's first row.

``in_place_rows`` reads in place the rows a chain gathers as whole blocks
of a vector (``v.take(k, -1)`` with ``k[i] = b0 + i * step`` blocks of
``lanes`` lanes, say a layer's weights' rows reversed): a view of ``v``'s
rows, not a copy, as the chain only reads them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..primitive import Primitive
from .chains import _reduce_rows, chain_rows
from .lanes import LANES, concat, rows, shaped, take
from .program import Const, Eqn, Program, use_counts
from .strided import C_ORDERED

__all__ = ["chain_parts", "in_place_rows", "joined", "row_blocks"]


def _chain_parts(lanes: int, *parts: Any) -> Any:
    first = parts[0]
    acc = _reduce_rows(first.reshape(first.shape[:-1] + (first.shape[-1] // lanes, lanes)))
    for p in parts[1:]:      # the rows counted, not -1: a batch of 0 examples has size 0
        terms = p.reshape(p.shape[:-1] + (p.shape[-1] // lanes, lanes))
        head = terms[..., 0, :]
        np.add(acc, head, out=head)              # a new vector only this chain reads
        acc = _reduce_rows(terms)                # not the fast axis: in order
    return acc


chain_parts = Primitive(_chain_parts, "lanes_chain_parts", check_rules=False)
"""``chain_parts(lanes, v1, v2, ...)``: the in-order chain of the rows of ``lanes`` lanes of
``v1``, ``v2``, ... one after the other (the later parts' first rows written over)."""

_NEW = frozenset(LANES.values()) | C_ORDERED      # each returns a new array


def _new(defs: dict[int, Eqn], uses: dict[int, int], a: Any) -> bool:
    """Whether ``a`` is a new vector nothing else reads (its memory is the chain's)."""
    e = defs.get(a) if isinstance(a, int) else None
    if e is None or uses.get(a, 0) != 1:
        return False
    if e.prim is shaped:                 # a grid's lanes: a view of the grid, or a copy
        return _new(defs, uses, e.args[0])
    return e.prim in _NEW or (e.prim is take and isinstance(e.args[1], Const)
                              and type(e.args[1].value) is np.ndarray)


def _whole(defs: dict[int, Eqn], c: Eqn) -> bool:
    """Whether the gather ``c`` takes every lane of its vector, in order (a view)."""
    k, src = c.args[1], defs.get(c.args[0]) if isinstance(c.args[0], int) else None
    return isinstance(k, Const) and type(k.value) is slice and src is not None and \
        type(src.ans) is np.ndarray and k.value == slice(0, src.ans.shape[-1], 1)


def _parts(defs: dict[int, Eqn], uses: dict[int, int], e: Eqn
           ) -> tuple[int, tuple[Any, ...]] | None:
    """The lanes and the joined parts of the chain ``e`` (``chain_rows`` of a join), or None."""
    r = defs.get(e.args[0]) if isinstance(e.args[0], int) else None
    if r is None or r.prim is not rows or uses.get(r.out) != 1 or \
            not isinstance(r.args[1], Const) or type(r.args[1].value) is not int:
        return None
    lanes, c = r.args[1].value, defs.get(r.args[0]) if isinstance(r.args[0], int) else None
    if c is not None and c.prim is take and uses.get(c.out) == 1 and _whole(defs, c):
        c = defs.get(c.args[0])  # type: ignore[arg-type]  # all its lanes, in order
    if c is None or c.prim is not concat or uses.get(c.out) != 1 or lanes < 2:
        return None
    vals: list[Any] = [a.value if isinstance(a, Const) else defs[a].ans if a in defs else None
                       for a in c.args]
    if any(type(v) is not np.ndarray or v.ndim not in (1, 2) or v.dtype != np.float64 or
           v.shape[-1] % lanes for v in vals):
        return None
    shapes = [v.shape for v in vals]                 # each later part holds the whole batch
    if any(s[:-1] != shapes[-1][:-1] for s in shapes[1:]) or len(shapes[0]) > len(shapes[-1]):
        return None
    if not all(_new(defs, uses, a) for a in c.args[1:]):
        return None
    return lanes, c.args


def joined(prog: Program) -> Program:
    """``prog`` (packed, under jit) with its chains over joined new vectors read part by part."""
    defs = {e.out: e for e in prog.eqns}
    uses = use_counts(prog)
    eqns = list(prog.eqns)
    changed = False
    for k, e in enumerate(eqns):
        found = _parts(defs, uses, e) if e.prim is chain_rows else None
        if found is None:
            continue
        lanes, parts = found
        vals = [a.value if isinstance(a, Const) else defs[a].ans for a in parts]
        got = _chain_parts(lanes, *[np.array(v) for v in vals])      # the traced values kept
        if got.tobytes() != np.ascontiguousarray(e.ans).tobytes() or got.shape != e.ans.shape:
            continue
        eqns[k] = Eqn(chain_parts, e.out, (Const(lanes), *parts), e.ans)
        changed = True
    return prog._replace(eqns=tuple(eqns)) if changed else prog


def _row_blocks(v: Any, lanes: int, k: slice) -> Any:
    return v.reshape(v.shape[:-1] + (v.shape[-1] // lanes, lanes))[..., k, :]


row_blocks = Primitive(_row_blocks, "lanes_row_blocks", check_rules=False)
"""``row_blocks(v, lanes, k)``: rows ``k`` (a slice) of ``v`` cut in rows of ``lanes`` (a view)."""


def _blocks(k: Any, size: int) -> tuple[int, slice] | None:
    """``k`` (a ``(rows, lanes)`` index) as lanes and a slice of whole row blocks, or None."""
    if type(k) is not np.ndarray or k.ndim != 2 or k.shape[1] < 2 or k.dtype.kind not in "iu":
        return None
    lanes = k.shape[1]
    first = k[:, 0]
    if size % lanes or (first % lanes).any() or \
            not np.array_equal(k, first[:, None] + np.arange(lanes)):
        return None
    b = (first // lanes).tolist()
    step = b[1] - b[0] if len(b) > 1 else 1
    stop = b[0] + step * len(b)
    sl = slice(b[0], stop if stop >= 0 else None, step)
    if step == 0 or np.arange(size // lanes)[sl].tolist() != b:
        return None
    return lanes, sl


def in_place_rows(prog: Program) -> Program:
    """``prog`` (packed) with the row blocks its chains gather read in place."""
    defs = {e.out: e for e in prog.eqns}
    uses = use_counts(prog)
    eqns = list(prog.eqns)
    changed = False
    at = {e.out: k for k, e in enumerate(eqns)}
    for e in prog.eqns:
        a = e.args[0] if e.prim is chain_rows and e.args else None
        t = defs.get(a) if isinstance(a, int) and uses.get(a) == 1 else None
        if t is None or t.prim is not take or not isinstance(t.args[1], Const) or \
                not isinstance(t.args[0], int) or t.args[0] not in defs:
            continue
        src = defs[t.args[0]].ans
        found = _blocks(t.args[1].value, src.shape[-1]) if type(src) is np.ndarray else None
        if found is None:
            continue
        ans = _row_blocks(src, *found)
        if not np.array_equal(ans, t.ans) or ans.shape != t.ans.shape:
            continue
        eqns[at[t.out]] = Eqn(row_blocks, t.out, (t.args[0], Const(found[0]), Const(found[1])),
                              ans)
        changed = True
    return prog._replace(eqns=tuple(eqns)) if changed else prog
