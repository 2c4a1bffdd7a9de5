"""Guard patterns a loop makes: the batch splits as many ways as it takes.

A Python loop on traced values that ``rolled`` cannot run on the batch (a
``break`` in a ``for``, an ``if`` in a ``while``, a ``return`` from inside
a loop) gives one guard pattern per trip count and sequence of branch
outcomes. Such patterns are not bounded by the 8 specializations a
function keeps: past them, ``vmap`` traces the program at the first
example left, plays it on every example left, and goes on with the
examples that fail a guard. Each extra pattern is traced
once per call (not kept), so the batch needs as many traces as it has
patterns among its examples, and the result is a Python loop's. A
function whose guards are all outside loops keeps the bound (``in_loop``).
"""

from __future__ import annotations

import ast
import functools
import linecache
import weakref
from collections.abc import Iterable
from typing import Any

from ..staging.program import is_guard

__all__ = ["in_loop", "straight"]

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
