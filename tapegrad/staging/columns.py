"""A program's records as columns: what packing asks of every record, at NumPy speed.

Packing reads a whole program (a network written micrograd's way is a
hundred thousand records and more) to find its sum chains and its groups.
Asked record by record in Python, each question costs about a microsecond
a record. Here each field is read out once (``operator.itemgetter`` and
``int.__instancecheck__`` through ``map``: C loops, no Python frame per
record) and the questions become NumPy ones on those columns; only the
levels, one above each record's deepest argument, are a Python loop.
"""

from __future__ import annotations

from itertools import chain, compress
from operator import itemgetter
from typing import Any

import numpy as np

from .program import Program

__all__ = ["Columns", "first_rows"]

_PRIM, _OUT, _ARGS, _ANS = itemgetter(0), itemgetter(1), itemgetter(2), itemgetter(3)
_VALUE = itemgetter(0)                # a Const's
_is_int = int.__instancecheck__


class Columns:
    """The records of ``prog`` as columns.

    Attributes:
      prims, anss, types: each record's primitive, value and its type (lists).
      argss: each record's arguments (as read; not kept by ``folded``).
      outs: each record's value id (an array).
      arity: each record's number of arguments; ``starts``: where its
        arguments begin among all (record after record: ``args``).
      is_int: which arguments are value ids; ``ids``: those ids, and
        ``size`` (above every id) where an argument is a constant.
      codes: each record's primitive as a small number (``code_of``).
    """

    _consts: list[Any] | None = None
    pos: Any = None          # where ``flat`` holds each argument (None: in order)

    def __init__(self, prog: Program):
        eqns = prog.eqns
        n = len(eqns)
        self.prims: list[Any] = list(map(_PRIM, eqns))
        self.outs = np.fromiter(map(_OUT, eqns), np.intp, n)
        self.argss: list[tuple[Any, ...]] = list(map(_ARGS, eqns))
        self.anss: list[Any] = list(map(_ANS, eqns))
        self.types: list[type] = list(map(type, self.anss))
        self.arity = np.fromiter(map(len, self.argss), np.intp, n)
        self.starts = np.zeros(n + 1, dtype=np.intp)
        np.cumsum(self.arity, out=self.starts[1:])
        self.flat: list[Any] = list(chain.from_iterable(self.argss))
        m = len(self.flat)
        self.is_int = np.fromiter(map(_is_int, self.flat), bool, m)
        self.first = max([*prog.inputs, 0]) + 1        # above every input
        self.size = max(int(self.outs.max()) + 1 if n else 0, self.first)
        self.ids = np.full(m, self.size, dtype=np.intp)
        self.ids[self.is_int] = np.fromiter(filter(_is_int, self.flat), np.intp,
                                            int(self.is_int.sum()))
        self.code_of: dict[Any, int] = {p: k for k, p in enumerate(dict.fromkeys(self.prims))}
        self.codes = np.fromiter(map(self.code_of.__getitem__, self.prims), np.intp, n)

    def folded(self, links: Any, ends: Any, depth: Any, prim: Any) -> Columns:
        """The columns once each chain is one ``prim`` record of its terms, at its last link.

        ``links`` are the chains' records, chain after chain, each in order;
        ``ends`` where in ``links`` each chain ends; ``depth`` each link's place.
        """
        n, last = len(self.prims), links[ends]
        keep = np.ones(n, dtype=bool)
        keep[links] = False
        keep[last] = True
        new = Columns.__new__(Columns)
        prims = self.prims.copy()
        for k in last.tolist():
            prims[k] = prim
        kept = keep.tolist()
        new.prims, new.anss = list(compress(prims, kept)), list(compress(self.anss, kept))
        new.types, new.outs = list(compress(self.types, kept)), self.outs[keep]
        new.first = self.first
        new.size = max(int(new.outs.max()) + 1 if len(new.outs) else 0, self.first)
        lengths = np.diff(ends, prepend=-1)
        arity = self.arity.copy()
        arity[last] = lengths + 1
        new.arity = arity[keep]
        new.starts = np.zeros(len(new.arity) + 1, dtype=np.intp)
        np.cumsum(new.arity, out=new.starts[1:])
        new.positions(self, keep, last, links, depth, lengths)
        new.code_of = dict(self.code_of)
        codes = self.codes.copy()
        codes[last] = new.code_of.setdefault(prim, len(new.code_of))
        new.codes = codes[keep]
        return new

    def positions(self, old: Columns, keep: Any, last: Any, links: Any, depth: Any,
                  lengths: Any) -> None:
        """``pos``, ``is_int`` and ``ids`` from ``old``'s, as ``folded`` keeps and joins them."""
        rec = np.cumsum(keep) - 1                  # each kept record's new index
        plain = keep.copy()
        plain[last] = False
        owner = np.repeat(np.arange(len(keep)), old.arity)
        at = np.flatnonzero(plain[owner])          # old positions kept as they are
        pos = np.empty(int(self.starts[-1]), dtype=np.intp)
        pos[at + (self.starts[rec] - old.starts[:-1])[owner[at]]] = at
        base = self.starts[rec[last]]              # each chain's first term
        pos[base[np.repeat(np.arange(len(lengths)), lengths)] + depth + 1] = old.starts[links] + 1
        pos[base] = old.starts[links[np.cumsum(lengths) - lengths]]   # each first link's start
        self.flat, self.pos = old.flat, pos if old.pos is None else old.pos[pos]
        self.is_int, self.ids = old.is_int[pos], old.ids[pos]
        self.ids[~self.is_int] = self.size           # no dropped link is read: ids below it

    def where(self, prim: Any) -> Any:
        """The indices of the records of ``prim``."""
        code = self.code_of.get(prim)
        return np.flatnonzero(self.codes == code) if code is not None else \
            np.zeros(0, dtype=np.intp)

    def uses(self, outputs: tuple[Any, ...]) -> Any:
        """How many times each value is read (``program.use_counts``), as an array by id."""
        uses = np.bincount(self.ids[self.is_int], minlength=self.size + 1)
        for o in outputs:
            if o.__class__ is int:
                uses[o] += 2          # never inlined: it is returned
        return uses

    def consts(self) -> list[Any]:
        """The constant arguments' values, in order."""
        if self._consts is None:
            self._consts = list(map(_VALUE, self.args(np.flatnonzero(~self.is_int))))
        return self._consts

    def args(self, at: Any) -> list[Any]:
        """The arguments at places ``at`` (an index array)."""
        if self.pos is not None:
            at = self.pos[at]
        return list(map(self.flat.__getitem__, at.tolist()))


def first_rows(rows: Any) -> tuple[Any, Any]:
    """Each row's number among the distinct rows of ``rows`` (an int matrix), and each's first row.

    Rows that fit one int64 (mixed radix by each column's range) are compared
    as that number; the numbers are in no particular order.
    """
    n, m = rows.shape
    if n == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    lo, hi = rows.min(axis=0), rows.max(axis=0)
    spans = (hi - lo + 1).tolist()
    radix = 1
    for s in spans:
        radix *= s
    if radix < 2 ** 62:
        key = np.zeros(n, dtype=np.int64)
        for j, s in enumerate(spans):
            if s > 1:
                key = key * s + (rows[:, j] - lo[j])
        _, first, label = np.unique(key, return_index=True, return_inverse=True)
        return label.reshape(-1), first
    order = np.lexsort(rows.T[::-1])
    ordered = rows[order]
    starts = np.ones(n, dtype=bool)
    starts[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    run = np.cumsum(starts) - 1
    label = np.empty(n, dtype=np.intp)
    label[order] = run
    return label, order[starts]
