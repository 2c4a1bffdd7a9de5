"""Permutations pushed into operands: a lane operation computed in the order it is read.

Packing writes a group's lanes in the order its records came, and a reader
that wants them otherwise gathers them: the 25,600 products of a layer are
computed (example, neuron, input) and read (input, example, neuron) by the
in-order sums over the inputs, a transposing copy of 25,600 lanes. Where
an elementwise lane operation's result is read by one gather only, which
takes every lane once (a permutation ``p``), and its operands are evenly
spaced gathers (read in place by ``strided``), constants or scalars,
``pushed`` computes it in ``p``'s order instead: each operand's gather
takes ``index[p]``, as evenly spaced, and the gather of the result goes.
Each lane gets the same operation on the same operands: the same bits.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..primitive import zmul
from .lanes import LANES, shaped, take
from .program import Arg, Const, Eqn, Program, use_counts
from .strided import IN_PLACE, decompose

__all__ = ["pushed"]

# read in place by ``strided``, or (a zero-safe product) as contiguous copies of
# the views: in the reader's order the copies are of the operands, often a few
# lanes repeated, rather than of the product's many lanes
_PUSHED = IN_PLACE | {LANES[zmul]}


def _permutation(index: Any, n: int) -> bool:
    """Whether ``index`` takes each of ``n`` lanes exactly once."""
    if type(index) is not np.ndarray or index.size != n or index.dtype.kind not in "iu":
        return False
    flat = index.reshape(-1)
    if flat.min() < 0 or flat.max() >= n:
        return False
    seen = np.zeros(n, dtype=bool)
    seen[flat] = True
    return bool(seen.all())


class _Pusher:
    def __init__(self, prog: Program):
        self.defs = {e.out: e for e in prog.eqns}
        self.uses = use_counts(prog)
        self.inputs = dict(zip(prog.inputs, prog.seen))
        self.fresh = max([*prog.inputs, *(e.out for e in prog.eqns), 0]) + 1
        self.readers: set[int] = set()            # gathers gone: their source computed in order

    def new_id(self) -> int:
        self.fresh += 1
        return self.fresh - 1

    def operand(self, a: Arg, p: np.ndarray, n: int, out: list[Eqn]) -> Arg | None:
        """``a`` (an operand of ``n`` lanes) read in the order ``p``, or None."""
        if isinstance(a, Const):
            v = a.value
            if type(v) is not np.ndarray:
                return a                                  # a scalar, read by every lane
            return Const(v[p]) if v.shape == (n,) else None
        e = self.defs.get(a)
        if np.ndim(e.ans if e is not None else self.inputs.get(a, 0.0)) == 0:
            return a                                      # a scalar value
        if e is None or e.prim is not take or not isinstance(e.args[1], Const) or \
                a in self.readers:
            return None          # (a gather gone: its source is no longer computed as it was)
        index = e.args[1].value
        if type(index) is not np.ndarray or index.shape != (n,) or \
                decompose(index[p]) is None:
            return None                                   # not read in place after
        k = self.new_id()
        out.append(Eqn(take, k, (e.args[0], Const(index[p])), e.ans[p]))
        return k

    def push(self, e: Eqn, g: Eqn) -> list[Eqn] | None:
        """``e`` computed in the order its one gather ``g`` reads it (as ``g.out``), or None."""
        p = g.args[1].value.reshape(-1)                    # type: ignore[union-attr]
        n = e.ans.shape[0]
        out: list[Eqn] = []
        args = []
        for a in e.args:
            got = self.operand(a, p, n, out)
            if got is None:
                return None
            args.append(got)
        if not out:
            return None                        # no gather to take the order from
        flat = np.ascontiguousarray(g.ans).reshape(-1)
        if g.ans.ndim == 1:
            return [*out, Eqn(e.prim, g.out, tuple(args), flat)]
        k = self.new_id()
        return [*out, Eqn(e.prim, k, tuple(args), flat),
                Eqn(shaped, g.out, (k, Const(g.ans.shape)), g.ans)]


def _candidate(w: _Pusher, g: Eqn) -> Eqn | None:
    """The lane operation ``g`` (a gather) reads every lane of once, if its only reader."""
    if g.prim is not take or not isinstance(g.args[0], int) or not isinstance(g.args[1], Const):
        return None
    e = w.defs.get(g.args[0])
    if e is None or e.prim not in _PUSHED or w.uses.get(e.out, 0) != 1:
        return None
    ans = e.ans
    if type(ans) is not np.ndarray or ans.ndim != 1 or ans.shape[0] < 2 or \
            type(g.ans) is not np.ndarray or ans.dtype != g.ans.dtype:
        return None
    return e if _permutation(g.args[1].value, ans.shape[0]) else None


def pushed(prog: Program) -> Program:
    """``prog`` (packed) with permuting gathers of lane operations pushed into their operands."""
    w = _Pusher(prog)
    moved: dict[int, list[Eqn]] = {}                   # e.out -> e in its reader's order
    readers = w.readers                               # gathers no longer needed
    for g in prog.eqns:
        e = _candidate(w, g)
        if e is None or e.out in moved:
            continue
        got = w.push(e, g)
        if got is not None:
            moved[e.out] = got
            readers.add(g.out)
    if not moved:
        return prog
    eqns: list[Eqn] = []
    for e in prog.eqns:
        if e.out in moved:
            eqns.extend(moved[e.out])
        elif e.out not in readers:
            eqns.append(e)
    return prog._replace(eqns=tuple(eqns))
