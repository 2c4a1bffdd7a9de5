"""A ``while`` test that records more than one guard: ``while (a if flag else b) > tol:``.

Each run of such a test records a guard for the conditional expression's
test, then one for the comparison the ``while`` reads, all on the
``while``'s line. A line whose guards come more than once in an iteration
is otherwise an inner loop's test (run once per inner iteration). These
are one run of the test where the ``while`` at that line holds conditional
expressions or chained comparisons enough for them, nothing but its own
test's guards lies between them, and the last one held (the loop went
on): that last one is the test that may end the loop; the others stay
guards, as in the straight-line program.
"""

from __future__ import annotations

import ast
from typing import Any

from ..pysource import file_tree, walked
from .program import Const, Program

__all__ = ["exit_candidates"]


def exit_candidates(prog: Program, loop: Any, offsets: list[int], lines: list[str]
                    ) -> list[int]:
    """The offsets, among the guards ``offsets`` of ``loop``'s iteration, of tests that may end it.

    ``lines``: each guard's ``file:line``. A guard alone on its line, or
    the last of one run of a compound ``while`` test.
    """
    out = []
    for o, line in zip(offsets, lines):
        same = [p for p, w in zip(offsets, lines) if w == line]
        if len(same) == 1 or o == same[-1] and _one_run(prog, loop, same, offsets, lines, line):
            out.append(o)
    return out


def _one_run(prog: Program, loop: Any, same: list[int], offsets: list[int],
             lines: list[str], line: str) -> bool:
    """Whether the guards ``same`` of ``line`` are one run of a ``while`` test that held."""
    last = prog.eqns[loop.start + same[-1]].args[1]
    if not (isinstance(last, Const) and last.value is True):
        return False
    between = [w for p, w in zip(offsets, lines) if same[0] <= p <= same[-1]]
    return all(w == line for w in between) and len(same) <= _most_guards(line)


def _most_guards(where: str) -> int:
    """How many guards one run of the test of the ``while`` at ``file:line`` may record."""
    filename, _, line = where.rpartition(":")
    tree = file_tree(filename) if line.isdigit() else None
    loop = None if tree is None else next(
        (n for n in walked(tree) if isinstance(n, ast.While) and n.lineno == int(line)), None)
    if loop is None or any(isinstance(n, ast.BoolOp) for n in walked(loop.test)):
        return 1
    nodes = walked(loop.test)
    return 1 + sum(isinstance(n, ast.IfExp) for n in nodes) + \
        sum(len(n.ops) - 1 for n in nodes if isinstance(n, ast.Compare))
