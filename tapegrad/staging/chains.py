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

from typing import Any

import numpy as np

from ..ops import add
from ..primitive import Primitive
from .program import Eqn, Program, use_counts

__all__ = ["MIN_CHAIN", "chain_lanes", "chain_lanes_reassociated", "chain_p", "chain_rows",
           "fold"]

MIN_CHAIN = 4        # a shorter chain stays additions


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
    """The chain of a one-lane ``rows`` (accumulated one after the other along its one axis)."""
    return np.add.accumulate(rows[..., 0], axis=-1)[..., -1:]


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
    uses = use_counts(prog)
    eqns = prog.eqns
    ending: dict[int, list[int]] = {}      # a link's value -> the links (indices) it ends
    for k, e in enumerate(eqns):
        if e.prim is not add:
            continue
        args, ans = e.args, e.ans
        if len(args) == 2 and (ans.__class__ is float or _float_like(ans, batched)):
            a = args[0]
            if a.__class__ is int and a in ending and uses[a] == 1:     # read by this link only
                links = ending.pop(a)
                links.append(k)
            else:
                links = [k]
            ending[e.out] = links
    kept: list[Eqn | None] = []
    for links in ending.values():
        if len(links) < MIN_CHAIN:
            continue
        if not kept:
            kept = list(eqns)
        first, end = eqns[links[0]], eqns[links[-1]]
        terms = (*first.args, *[eqns[j].args[1] for j in links[1:]])
        for j in links[:-1]:
            kept[j] = None                               # dropped: the chain holds it
        kept[links[-1]] = Eqn(chain_p, end.out, terms, end.ans)
    if not kept:
        return prog
    return prog._replace(eqns=tuple(filter(None, kept)))     # an Eqn is never empty
