"""Which loops a transform traced inside ``jit`` runs over (``Tape.spans``).

A ``grad`` (or ``jvp``, ``vjp``) inside ``jit`` may compute part of a
derivative in Python: a constant partial, the gradient of a loop linear in
its carry, is a number on the tape, right for the traced trip count only.
That holds for a loop the transformed function runs: its trace covers the
loop's tests. A ``grad`` called in a loop's body (gradient descent to a
tolerance: ``g = tg.grad(loss)(w)`` each trip) differentiates one
iteration, the same way in each: its trace holds none of the loop's tests,
and the loop runs any trip count as a loop without one does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .program import Program
from .rolling import Loop

Spans = tuple[tuple[int, int], ...]


def spanned(prog: Program, loop: Any, spans: Spans | None) -> bool:
    """Whether a transform traced inside ``jit`` ran a test of while loop ``loop``.

    ``spans``: the records each such transform traced (``(first, stop)`` ids);
    None where they are not known (then every loop is taken as run by one).
    A loop whose iterations branch is taken as run by one always.
    """
    if spans is None or not isinstance(loop, Loop) or loop.exit < 0:
        return True
    eqns = prog.eqns
    tests = [eqns[loop.start + k * loop.period + loop.exit].out for k in range(loop.trips)]
    if loop.stop + loop.exit < len(eqns):
        tests.append(eqns[loop.stop + loop.exit].out)
    if not spans:
        return False
    top = max(max(b for _, b in spans), max(tests)) + 1
    depth = np.zeros(top + 1, dtype=np.int64)
    for a, b in spans:
        depth[a] += 1
        depth[b] -= 1
    inside = np.cumsum(depth) > 0
    return bool(inside[np.array(tests)].any())
