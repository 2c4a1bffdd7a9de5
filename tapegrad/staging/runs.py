"""A run of a ``while``'s iterations that take one arm of an ``if``, ended where it flips.

``lo, hi = 0.0, c + 1.0`` then ``while hi - lo > tol: mid = 0.5 * (lo + hi);
if mid * mid > c: hi = mid else: lo = mid``: until the first ``else``,
``lo`` is the Python float ``0.0`` and each iteration records other
equations than the later ones (``0.0 + hi``; ``hi - 0.0`` is ``hi``). How
many iterations take the ``if`` first depends on ``c``: written as
straight-line code, each count was a specialization. Where the ``if`` is a
statement of the ``while``'s own body whose arms change nothing the tape
does not show (``arms.quiet_arms``) and the ``while`` is one the tape shows
whole (``while_source.while_line``), the run is a ``while`` loop that ends
where the ``if`` goes the other way: after it, the code tracing saw follows
(the other arm, the iterations after it), reading the run's last values.
Python's state there is the same whatever the run's length: its names are
traced values or the constants they were before the run.
"""

from __future__ import annotations

import ast

from ..pyindex import if_in_body
from ..pysource import file_tree
from .arms import quiet_arms
from .while_source import while_line

__all__ = ["if_run"]


def if_run(where: str, shown: frozenset[str]) -> bool:
    """Whether the guard at ``file:line``, an ``if`` of a ``while``'s body, may end a run.

    ``shown``: the ``file:line`` of the guards of one iteration, the
    ``while``'s test among them (each iteration rolled is one of that loop's).
    """
    filename, _, line = where.rpartition(":")
    tree = file_tree(filename) if line.isdigit() else None
    if tree is None:
        return False
    held = if_in_body(tree, int(line), ast.While)
    if held is None:
        return False
    test = f"{filename}:{held[0].lineno}"
    return test in shown and quiet_arms(where) and while_line(test, shown)
