"""Guard patterns a loop makes: the batch splits as many ways as it takes.

A Python loop on traced values that ``rolled`` cannot run on the batch (a
``break`` in a ``for``, an ``if`` in a ``while``, a ``return`` from inside
a loop) gives one guard pattern per trip count and sequence of branch
outcomes. Such patterns are not bounded by the 8 specializations a
function keeps: past them, ``vmap`` traces the program at the first
example left, plays it on every example left, and goes on with the
examples that fail a guard. Each extra pattern is traced
once per call (not kept). Where the patterns are nearly as many as the
examples (a bisection written with ``if``/``else``), tracing each costs
more than running the example: once three are traced, one example runs
eagerly to time it, and if that is cheaper per example the examples left
run one by one through ``fun`` (``OneByOne``), as the Python loop does.
Either way the result is a Python loop's. A function whose guards are
all outside loops keeps the bound (``in_loop``).
"""

from __future__ import annotations

import ast
import functools
import linecache
import time
import weakref
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .. import tree
from ..staging.program import is_guard

__all__ = ["Extras", "OneByOne", "in_loop", "straight"]

TRIES = 3      # extra patterns traced before judging whether tracing them pays

_LOOPED: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()
"""Per traced program (its ``Spec``): whether a guard of it is in a loop."""


def in_loop(specs: Iterable[Any]) -> bool:
    """Whether a guard of one of ``specs``' programs is in a loop.

    Its source line lies inside a ``for`` or ``while``, or two guards of one
    program share a line: a loop the file does not show (a helper called in
    a loop, a jitted function's program replayed under ``vmap``).
    """
    for spec in specs:
        found = _LOOPED.get(spec)
        if found is None:
            prog = spec.prog
            lines = [prog.sources.get(e.out, "") for e in prog.eqns if is_guard(e)]
            found = _LOOPED[spec] = len(set(lines)) < len(lines) or \
                any(map(_inside_loop, set(lines)))
        if found:
            return True
    return False


class Extras:
    """The patterns traced past the bound for one call, numbered after the kept ones.

    Each costs its trace, its analysis and its play. Once ``TRIES`` are
    traced, one example runs eagerly to time an eager call; where tracing
    costs more per example it takes, the examples left run one by one.
    """

    def __init__(self, specs: list[Any]) -> None:
        self.specs, self.traced = specs, list[Any]()
        self.cost = {True: [0.0, 0], False: [0.0, 0]}   # one by one?: [seconds, examples]
        self.pending = 0.0             # a trace's time, until its play is noted

    def __getitem__(self, k: int) -> Any:
        return self.specs[k] if k < len(self.specs) else self.traced[k - len(self.specs)]

    def add(self, make: Callable[[], Any]) -> int:
        """Trace a pattern (``make()``), kept for this call: its number."""
        t = time.perf_counter()
        self.traced.append(make())
        self.pending = time.perf_counter() - t
        return len(self.specs) + len(self.traced) - 1

    def note(self, spec: Any, kept: int, seconds: float) -> None:
        """``spec`` took ``kept`` examples in ``seconds``."""
        if any(spec is s for s in self.traced):
            cost = self.cost[isinstance(spec, OneByOne)]
            cost[0] += seconds + self.pending
            cost[1] += kept
        self.pending = 0.0

    def next(self) -> Callable[[], Any] | None:
        """How to take the next examples: one by one (a ``OneByOne``), or None: trace."""
        if len(self.traced) < TRIES:
            return None
        (eager, timed), (traced, took) = self.cost[True], self.cost[False]
        if not timed:
            return lambda: OneByOne(1)
        return OneByOne if eager / timed < traced / max(took, 1) else None


class OneByOne:
    """Examples through ``fun`` one at a time, eagerly: the Python loop ``vmap`` equals."""

    probes: list[int] = []

    def __init__(self, limit: int = 0) -> None:
        self.out_def: Any = None
        self.limit = limit         # at most this many examples (0: all), the rest failed

    def play(self, fun: Callable[..., Any], treedef: Any, leaves: list[Any],
             axes: list[int | None], idx: np.ndarray) -> tuple[Any, ...]:
        """As ``interpret.play``: the examples of one output structure, the others failed."""
        rows, kept, failed = [], [], []
        rest = idx[self.limit:] if self.limit else idx[:0]
        for i in idx[:self.limit] if self.limit else idx:
            args, kwargs = tree.unflatten(treedef, [x[int(i)] if a is not None else x
                                                    for x, a in zip(leaves, axes)])
            flat, out_def = tree.flatten(fun(*args, **kwargs))
            self.out_def = out_def if self.out_def is None else self.out_def
            if out_def != self.out_def:
                failed.append(i)
                continue
            rows.append(flat)
            kept.append(i)
        values = [np.stack([np.asarray(r[k]) for r in rows]) for k in range(len(rows[0]))]
        same = [bool((v == v[:1]).all()) for v in values]     # as a constant of the trace
        return (np.array(kept, dtype=np.int64), [v[0] if b else v for v, b in zip(values, same)],
                [not b for b in same],
                [np.array(failed, dtype=np.int64)] * bool(failed) + [rest] * bool(len(rest)))


def straight(spec: Any, specs: list[Any]) -> Any:
    """``spec``, played straight where none of ``specs`` ran a loop on the batch.

    Their loops did not roll, so an extra pattern's would not either: the
    analysis (a few milliseconds a program) is skipped.
    """
    if not any(s.rolls() for s in specs):
        spec.reject()
    return spec


def _inside_loop(where: str) -> bool:
    """Whether the source line ``file:line`` is inside a loop of its file."""
    filename, _, line = where.rpartition(":")
    if not line.isdigit():
        return False
    text = "".join(linecache.getlines(filename))
    return any(a <= int(line) <= b for a, b in _loop_spans(filename, text))


@functools.lru_cache(maxsize=64)
def _loop_spans(filename: str, text: str) -> tuple[tuple[int, int], ...]:
    """The line spans of every ``for`` and ``while`` statement in ``text``."""
    del filename                     # in the cache's key only
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return ()
    return tuple((n.lineno, n.end_lineno or n.lineno) for n in ast.walk(tree)
                 if isinstance(n, ast.For | ast.While | ast.AsyncFor))
