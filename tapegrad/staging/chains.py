"""Sum chains: ``((init + x1) + x2) + ... + xT`` as one record.

A neuron's ``sum(w * x ...)``, Python's ``sum`` of losses over examples, a
gradient accumulated over the examples that use a weight: each is a chain
of additions, each link read by the next only. ``fold`` makes each chain of
at least ``MIN_CHAIN`` terms one ``chain`` record of its initial value and
its terms; packing then writes a group of chains as one reduction over a
``(terms, lanes)`` matrix. Exact: ``np.add.reduce`` over the rows (not the
fast axis: NumPy's pairwise summation is only along that one) adds them one
after the other, in the chain's order (``acc + x``, as the links did), so
every lane gets the scalar chain's bits. ``reassociate=True`` sums the
terms with ``np.sum`` instead (pairwise; the rounding differs, see
``docs/compiling.md``).
"""

from __future__ import annotations

from functools import partial
from itertools import compress
from operator import is_
from typing import Any

import numpy as np

from ..ops import add
from ..primitive import Primitive
from .columns import Columns
from .program import Eqn, Program

__all__ = ["MIN_CHAIN", "chain_lanes", "chain_lanes_reassociated", "chain_p", "chain_rows",
           "fold", "fold_columns"]

MIN_CHAIN = 4        # a shorter chain stays additions
_is_float = partial(is_, float)
_new = tuple.__new__          # an Eqn without its Python-level __new__


def _chain(init: Any, *terms: Any) -> Any:
    acc = init
    for x in terms:
        acc = acc + x
    return acc


chain_p = Primitive(_chain, "chain", check_rules=False)
"""``chain(init, x1, ..., xT)``: ``((init + x1) + ...) + xT``, in that order."""


def _chain_lanes(init: Any, terms: Any) -> Any:
    if np.ndim(init) == 0:
        if terms.shape[-1] > 1:                 # init + the rows, in order: no copy
            return np.add.reduce(terms, axis=-2, initial=init)
        flat = terms[..., 0]                    # one lane: init, then its terms, along one axis
        if flat.size > flat.shape[-1]:          # a batch of them: the terms outermost
            rows = np.ascontiguousarray(np.moveaxis(flat, -1, 0),
                                        dtype=np.result_type(init, flat))
            return np.add.reduce(rows, 0, initial=init)[..., None]
        first = np.full(flat.shape[:-1] + (1,), init, dtype=np.result_type(init, flat))
        return np.add.accumulate(np.concatenate([first, flat], -1), axis=-1)[..., -1:]
    shape = np.broadcast_shapes(np.shape(init), terms.shape[:-2] + terms.shape[-1:])
    terms = np.broadcast_to(terms, shape[:-1] + terms.shape[-2:])
    rows = np.concatenate([np.broadcast_to(init, shape)[..., None, :], terms], -2)
    if shape[-1] < 2:                   # one lane: the rows are the fast axis
        return _one_lane(rows)
    return _reduce_rows(rows)


def _chain_rows(rows: Any) -> Any:
    if rows.shape[-1] < 2:
        return _one_lane(rows)
    return _reduce_rows(rows)


NARROW = 32          # at most so many lanes beside a batch axis: the rows moved outermost
_MOVED = 4096        # ... where there are at least this many numbers


def _reduce_rows(rows: Any) -> Any:
    """The rows (axis -2) of ``rows`` added one after the other, per lane.

    Not along the fast axis, NumPy adds the rows one after the other
    (pairwise summation is only along the fast axis): the chain's order, in
    one call. Under ``vmap`` the rows are ``(batch, rows, lanes)``: where the
    lanes are few, NumPy's inner loop is that short (16 additions a call for
    a layer of 16 neurons); a copy with the rows outermost makes it the
    batch times the lanes long, the same additions in the same order, about
    twice as fast with the copy. NumPy starts the sum from its identity,
    ``+0.0``, which turns a first row's ``-0.0`` into ``+0.0``; ``-0.0``
    plus any float is that float, so a float sum starts there (``sum_rows``):
    a lane of ``-0.0`` rows stays ``-0.0``, as the chain's links leave it.
    """
    if rows.ndim > 2 and rows.shape[-1] <= NARROW and rows.size >= _MOVED:
        return sum_rows(np.ascontiguousarray(np.moveaxis(rows, -2, 0)), 0)
    return sum_rows(rows, -2)


def sum_rows(rows: Any, axis: int) -> Any:
    """``np.add.reduce(rows, axis)``, a float sum started at ``-0.0`` (in order off axis -1)."""
    if rows.dtype.kind == "f":
        return np.add.reduce(rows, axis, initial=-0.0)
    return np.add.reduce(rows, axis)


def _one_lane(rows: Any) -> Any:
    """The chain of a one-lane ``rows`` (accumulated one after the other along its one axis).

    A batch of them (under ``vmap``) is summed with the rows outermost, the batch
    the fast axis: the same additions in the same order, not one short loop each.
    (Of a batch of one, the rows would be NumPy's fast axis: summed pairwise.)
    """
    flat = rows[..., 0]
    if flat.size > flat.shape[-1]:
        return sum_rows(np.ascontiguousarray(np.moveaxis(flat, -1, 0)), 0)[..., None]
    return np.add.accumulate(flat, axis=-1)[..., -1:]


def _chain_lanes_reassociated(init: Any, terms: Any) -> Any:
    return init + terms.sum(-2)


chain_lanes = Primitive(_chain_lanes, "lanes_chain", check_rules=False)
"""``chain_lanes(init, terms)``: per lane, the chain of ``terms``' rows (axis -2), in order."""
chain_rows = Primitive(_chain_rows, "lanes_chain_rows", check_rules=False)
"""``chain_rows(rows)``: per lane, the chain of ``rows`` (axis -2), the first the initial value."""
chain_lanes_reassociated = Primitive(_chain_lanes_reassociated, "lanes_sum", check_rules=False)
"""``init + terms.sum(-2)``: pairwise sums, for ``reassociate=True``."""


def _float_like(v: Any, batched: bool) -> bool:
    """A float, or under vmap a batched one (an array of one float per example)."""
    return type(v) is float or (batched and type(v) is np.ndarray and v.ndim == 1
                                and v.dtype.kind == "f")


def fold(prog: Program, batched: bool = False) -> Program:
    """``prog`` with each chain of at least ``MIN_CHAIN`` additions one ``chain`` record."""
    return fold_columns(prog, Columns(prog), batched)[0]


def fold_columns(prog: Program, cols: Columns, batched: bool = False
                 ) -> tuple[Program, Columns]:
    """``fold`` on ``prog``'s columns ``cols``: the program folded, and its columns.

    A link is an addition of two floats whose first argument is the previous
    link, read by it alone. Each link's previous one is found on the columns,
    then (pointer jumping) each link's chain and its place there.
    """
    prev = _links(cols, batched, prog.outputs)
    q = np.flatnonzero(prev > -2)                 # the additions a chain may hold
    if len(q) < MIN_CHAIN:
        return prog, cols
    loc = np.full(len(prev), -1, dtype=np.intp)
    loc[q] = np.arange(len(q))
    up = prev[q]
    anc = np.where(up >= 0, loc[up], np.arange(len(q)))
    depth = (up >= 0).astype(np.intp)
    while True:                                   # each link's first link, and its distance
        nxt = anc[anc]
        if np.array_equal(nxt, anc):
            break
        depth += depth[anc]
        anc = nxt
    long = np.bincount(anc, minlength=len(q))[anc] >= MIN_CHAIN
    if not long.any():
        return prog, cols
    members = np.flatnonzero(long)
    members = members[np.lexsort((depth[members], anc[members]))]
    links = q[members]                             # chain after chain, each in order
    ends = np.flatnonzero(np.diff(anc[members], append=-1))
    eqns = _folded(prog.eqns, cols, links, ends.tolist())
    return prog._replace(eqns=eqns), cols.folded(links, ends, depth[members], chain_p)


def _links(cols: Columns, batched: bool, outputs: tuple[Any, ...]) -> Any:
    """Each record's previous link: its index; -1: none (a first link); -2: not an addition."""
    prev = np.full(len(cols.prims), -2, dtype=np.intp)
    adds = cols.where(add)
    if not len(adds):
        return prev
    ok = np.fromiter(map(_is_float, map(cols.types.__getitem__, adds.tolist())), bool, len(adds))
    if batched:
        anss = list(map(cols.anss.__getitem__, adds.tolist()))
        ok |= np.array([_float_like(v, True) for v in anss], dtype=bool)
    adds = adds[ok & (cols.arity[adds] == 2)]
    prev[adds] = -1
    a = cols.ids[cols.starts[adds]]               # ``size`` where a constant
    uses = cols.uses(outputs)
    where = np.full(cols.size + 1, -1, dtype=np.intp)
    where[cols.outs] = np.arange(len(cols.outs))
    p = where[a]
    linked = (p >= 0) & (uses[a] == 1)            # read by this link only
    linked &= prev[np.where(linked, p, 0)] == -1     # after an addition a chain may hold
    prev[adds[linked]] = p[linked]
    return prev


def _folded(eqns: tuple[Eqn, ...], cols: Columns, at: Any, ends: list[int]
            ) -> tuple[Eqn, ...]:
    """``eqns`` with each chain (records ``at[start:end + 1]``, ``ends``) one record at its end."""
    links = at.tolist()
    kept = list(eqns)
    keep = np.ones(len(eqns), dtype=bool)
    keep[at] = False                               # dropped: the chain holds it
    keep[at[ends]] = True
    argss = cols.argss
    seconds = cols.args(cols.starts[at] + 1)
    start = 0
    for end in ends:
        terms = (*argss[links[start]], *seconds[start + 1:end + 1])
        e = eqns[links[end]]
        kept[links[end]] = _new(Eqn, (chain_p, e.out, terms, e.ans))
        start = end + 1
    return tuple(compress(kept, keep.tolist()))
