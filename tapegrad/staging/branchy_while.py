"""A ``while`` loop whose iterations branch: its guard before the ``if`` ends the loop.

``while y > 1: if y > 10: y = y / 3 else: y = y - 0.7``: each iteration
runs the loop's test (a guard that held), then the ``if``. After the last
one the test runs once more and fails. Where the equations after the loop
are the iteration's first ones up to that guard, reading the variables'
last values and data that every iteration reads, and the guard flipped,
the loop is written ``while True:`` with ``if <test fails>: break``: any
trip count runs under one specialization.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from ..pycounters import tallied
from .copies import source
from .program import Const, Program, is_guard
from .rolling import arg_key
from .while_source import break_line, while_line

Branchy = Any     # branches.Branchy (which imports this module)
Slot = int | str


def closing(prog: Program, s: np.ndarray, loop: Branchy) -> int:
    """The offset (a slot before the branch) of the guard ending ``loop``, or -1."""
    eqns, stop, first = prog.eqns, loop.stop, loop.at[0]
    g = next((o for o in range(loop.pre) if is_guard(eqns[first + o])), -1)
    shown = frozenset(prog.sources.get(eqns[j].out, "") for k, _, j in loop.members()
                      if k == loop.trips - 1 and is_guard(eqns[j]))     # a break's too
    where = prog.sources.get(eqns[stop + g].out, "") if 0 <= g < len(eqns) - stop else ""
    if g < 0 or stop + g >= len(eqns) or not is_guard(eqns[stop + g]) or not (
            while_line(where, shown) or break_line(where, ast.While, shown)) or \
            tallied(where) is not None:       # a counter returned: written by rolled loops alone
        return -1
    reads = loop.reads
    if any(r.how in ("table", "share") for key, r in reads.items() if key != (loop.pre, 1)) \
            or any(
            len(r.w) > 1 and any(isinstance(sl, int) and sl <= g for sl in r.w)
            for r in reads.values()):
        return -1       # data that advances, or a variable the test's equations write
    out = {(k, slot): eqns[j].out for k, slot, j in loop.members()}
    for o in range(g + 1):
        e = eqns[stop + o]
        if o < g and s[stop + o] != s[first + o]:
            return -1
        for a, x in enumerate(e.args):
            r = reads.get((o, a))
            want = _wanted(loop, r, out, o, a, g, prog)
            if want is None or arg_key(x) != arg_key(want):
                return -1
    return g


def _wanted(loop: Branchy, r: Any, out: dict[tuple[int, Slot], int], o: int, a: int,
            g: int, prog: Program) -> Any:
    """What argument ``a`` of the closing test's equation ``o`` must read, or None."""
    e0 = prog.eqns[loop.at[0] + o]
    if is_guard(e0) and a == 1:
        return Const(not e0.args[1].value)                  # type: ignore[union-attr]
    if r is None or r.how not in ("data", "var"):
        return None
    if r.how == "data":
        return r.args[0]
    (sl, *more) = r.w
    if not more and isinstance(sl, int) and sl <= g:     # this iteration's own value
        return prog.eqns[loop.stop + sl].out if sl < o else None
    last = loop.finals.get(r.w)
    return r.init if last is None else out[(last[0], source(last[1]))]
