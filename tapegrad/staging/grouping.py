"""Which records packing packs together: levels, kinds and groups, on a program's columns.

Each record gets a *level*, one above its deepest argument's (records
after a guard are not lifted above it), so records of one level never
depend on each other. The records of one level with the same primitive
(one packing can write as lanes), the same kinds of arguments (values,
constants by type) and result form a group. Kinds, keys and groups are
NumPy operations on ``columns.Columns``; the levels are one Python loop.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..logic import guard
from .chains import chain_p
from .columns import Columns, first_rows
from .lanes import LANES
from .program import Program

__all__ = ["MIN_LANES", "groups", "numpy_typed"]

MIN_LANES = 4        # a smaller group stays scalar
_EXACT = 2 ** 53
# kinds as numbers: 0 unpackable; values: 1 float, 2 bool, 3 / 4 a batched float / bool
# array (under vmap); constants: 5 a float (or an int a float holds exactly), 6 a bool
_BATCHED = {"f": 3, "b": 4}


def _kind(v: Any, vmap: bool) -> int:
    """A value's kind: float, bool, or (under vmap) a batched float or bool array."""
    t = type(v)
    if t is float or t is bool:
        return 1 if t is float else 2
    if vmap and t is np.ndarray and v.ndim == 1 and v.dtype.kind in "fb":
        return _BATCHED[v.dtype.kind]
    return 0


def _const_kind(v: Any) -> int:
    """What a constant argument is for grouping (0: unpackable)."""
    t = type(v)
    if t is float or t is bool or (t is int and -_EXACT <= v <= _EXACT):
        return 6 if t is bool else 5
    return 0


def groups(prog: Program, vmap: bool, apart: frozenset[int] = frozenset(),
           cols: Columns | None = None) -> tuple[list[int], list[list[int]]]:
    """Each record's level, and the records (by index) packed together.

    A level is one above the deepest argument's, not below a guard before it;
    a group's records share level, primitive and kinds (and being in
    ``apart``), each group in order of its first record, each in order.
    ``cols``: ``prog``'s columns, where they are at hand.
    """
    cols = cols if cols is not None else Columns(prog)
    if not cols.prims:
        return [], []
    kinds = _value_kinds(prog, cols, vmap)
    lv = _levels(cols)
    args = np.where(cols.is_int, kinds[cols.ids], 0)
    args[~cols.is_int] = np.fromiter(map(_const_kind, cols.consts()), np.intp,
                                     int(len(args) - cols.is_int.sum()))
    bad = np.zeros(len(args) + 1, dtype=np.intp)
    np.cumsum(args == 0, out=bad[1:])                # an unpackable argument: no group
    out = kinds[cols.outs]
    ok = (out != 0) & (bad[cols.starts[1:]] == bad[cols.starts[:-1]])
    exact = set(LANES) | {chain_p}
    packable = np.zeros(len(cols.code_of), dtype=np.int8)      # 2: exact; 1: one batched arg
    for prim, code in cols.code_of.items():
        packable[code] = 2 if prim in exact else int(
            vmap and getattr(prim, "elementwise", False) and prim is not guard)
    by = packable[cols.codes]
    ok &= (by == 2) | (by == 1) & (out >= 3) & (cols.arity == 1)
    split = np.zeros(len(out), dtype=np.intp)
    if apart:
        split = np.isin(cols.outs, np.fromiter(apart, np.intp, len(apart))).astype(np.intp)
    found = _keyed(cols, np.flatnonzero(ok), np.stack([cols.codes, out, split, lv]), args)
    chain = cols.code_of.get(chain_p, -1)
    return lv.tolist(), [ks.tolist() for ks in found
                         if len(ks) >= MIN_LANES or cols.codes[ks[0]] == chain]


def _keyed(cols: Columns, eligible: Any, keys: Any, args: Any) -> list[Any]:
    """The ``eligible`` records grouped by their ``keys`` (columns) and arguments' kinds.

    Records of one arity at a time (their arguments' kinds a matrix), each
    group in order, the groups in order of their first record.
    """
    found: list[tuple[int, Any]] = []
    arity = cols.arity[eligible]
    for m in np.unique(arity).tolist():
        sel = eligible[arity == m]
        at = cols.starts[sel][:, None] + np.arange(m)
        rows = np.concatenate([keys[:, sel].T, args[at]], axis=1)
        label, first = first_rows(rows)
        order = np.argsort(label, kind="stable")
        bounds = np.cumsum(np.bincount(label, minlength=len(first)))[:-1]
        members = np.split(sel[order], bounds)
        found += zip(sel[first].tolist(), members)
    found.sort(key=lambda f: f[0])
    return [ks for _, ks in found]


def _value_kinds(prog: Program, cols: Columns, vmap: bool) -> Any:
    """Each value's kind, by id (``_kind``; a float some NumPy float went into: 0)."""
    kinds = np.zeros(cols.size + 1, dtype=np.intp)
    for i, v in zip(prog.inputs, prog.seen):
        kinds[i] = _kind(v, vmap)
    types = cols.types
    code = {t: 1 if t is float else 2 if t is bool else -1 if vmap and t is np.ndarray else 0
            for t in set(types)}
    out = np.fromiter(map(code.__getitem__, types), np.intp, len(types))
    for k in np.flatnonzero(out < 0).tolist():
        out[k] = _kind(cols.anss[k], vmap)
    kinds[cols.outs] = out
    loose = numpy_typed(prog, cols, types)
    if loose:
        at = np.fromiter(loose, np.intp, len(loose))
        kinds[at[kinds[at] == 1]] = 0
    return kinds


_CHUNK = 8192       # records whose ids are Python lists at a time (bounded memory)


def _levels(cols: Columns) -> Any:
    """Each record's level: one above its deepest argument's, and not below a guard's before it.

    A Python loop over the records (each level waits for its arguments'):
    a record's first two arguments' ids as two lists (a constant's level is
    -1), a wider record's (a sum chain's) as a list of their own; the lists
    made ``_CHUNK`` records at a time.
    """
    none, n = cols.size, len(cols.outs)
    level = [0] * (none + 1)
    level[none] = -1                                  # a constant's
    ids, starts, arity = np.append(cols.ids, none), cols.starts, cols.arity
    first = np.where(arity >= 1, ids[starts[:-1]], none)
    second = np.where(arity >= 2, ids[np.minimum(starts[:-1] + 1, len(ids) - 1)], none)
    second[arity > 2] = -1                            # < 0: its arguments listed apart
    guard_at = np.zeros(n, dtype=bool)                # a guard: nothing after it below it
    guard_at[[k for k in cols.where(guard).tolist()
              if cols.arity[k] == 2 and not cols.is_int[cols.starts[k] + 1]]] = True
    floor = 0
    for c in range(0, n, _CHUNK):
        d = min(c + _CHUNK, n)
        wides = iter([ids[s:e].tolist() for s, e in zip(starts[c:d][second[c:d] < 0].tolist(),
                                                         starts[c + 1:d + 1][second[c:d] < 0]
                                                         .tolist())])
        floor = _chunk(level, cols.outs[c:d].tolist(), first[c:d].tolist(),
                       second[c:d].tolist(), guard_at[c:d].tolist(), wides, floor)
    return np.array(level, dtype=np.intp)[cols.outs]


def _chunk(level: list[int], outs: list[int], first: list[int], second: list[int],
           guards: list[bool], wides: Any, floor: int) -> int:
    """``_levels`` of a chunk of records; the floor after it."""
    get = level.__getitem__
    for out, a, b, g in zip(outs, first, second, guards):
        if b < 0:
            x = max(map(get, next(wides))) + 1
        else:
            x, y = level[a], level[b]
            x = (x if x > y else y) + 1
        level[out] = x = x if x > floor else floor
        if g:
            floor = x
    return floor


def numpy_typed(prog: Program, cols: Columns | None = None, types: list[Any] | None = None
                ) -> set[int]:
    """The floats that a NumPy float scalar (an input, a constant) went into: unpackable.

    Such a value is a float at the tracing inputs only by their values (the
    zero-safe product's ``0.0`` where the cotangent is zero, a sum of such
    zeros); eagerly, and in the scalar program, it is an ``np.float64`` (or
    ``np.float32``) at inputs where the cotangent is not zero. A lane would
    come back a float there. Where no NumPy float is among the inputs, the
    values and the constants (``cols``, ``types``: the values' types), none.
    """
    if cols is not None and types is not None:
        every = {*map(type, prog.seen), *types, *map(type, cols.consts())}
        if not any(issubclass(t, np.floating) for t in every):
            return set()
    numpy = {i for i, v in zip(prog.inputs, prog.seen) if isinstance(v, np.floating)}
    loose: set[int] = set()
    for e in prog.eqns:
        if isinstance(e.ans, np.floating):
            numpy.add(e.out)
        elif e.ans.__class__ is float:
            for a in e.args:
                if a in numpy if a.__class__ is int else \
                        isinstance(a.value, np.floating):     # type: ignore[union-attr]
                    numpy.add(e.out)
                    loose.add(e.out)
                    break
    return loose
