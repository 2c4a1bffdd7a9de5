"""The cotangent seed of a ``grad`` inside ``jit`` whose function ran a loop.

Reverse mode starts from the float ``1.0``. Where a loop's body is linear
in its carry (``s = s * 0.9 + x``), every partial is a constant, so the
backward pass multiplies floats in Python and records nothing: ``jit``
sees the gradient as a number computed for the traced trip count only, and
another trip count needs another trace. Inside ``jit``, once the function
ran a loop's test, the seed is instead a value on ``jit``'s tape (a record
whose value is ``1.0``): the same products, in the same order, are then
recorded, one backward iteration per forward one, and ``jit`` rolls them
into a loop as long as the forward loop (``Tape.origins`` says which
forward value each backward record comes from).
"""

from __future__ import annotations

import ast
import weakref
from typing import Any

import numpy as np

from .primitive import Primitive, defjvp, defvjp, primitive
from .pysteps import stepped
from .staging.copies import loop_if
from .staging.counted import counted_line
from .staging.while_source import break_line, while_line
from .tape import Tape, active_tapes
from .values import Traced


def _one(x: Any) -> Any:
    """``1.0`` (the seed of a float output, of a float32 one np.float32's); ones on a batch."""
    if x.__class__ is float or x.__class__ is np.float64:
        return 1.0
    return x.dtype.type(1.0) if isinstance(x, np.generic) else np.ones_like(x)


seed_one: Primitive = primitive(_one, "seed", elementwise=True, check_rules=False)
defvjp(seed_one, None)
defjvp(seed_one, None)


_FLOATS = (float, np.float64, np.float32)      # eager's seeds: 1.0, and np.float32(1.0)


def staged() -> tuple[Tape, int] | None:
    """``jit``'s tape right around this call and its length now, or None."""
    tapes = active_tapes()
    if not tapes or tapes[-1].origins is None:
        return None
    return tapes[-1], len(tapes[-1].records)


def jit_tapes() -> list[tuple[Tape, int]]:
    """``jit``'s tapes active now, each with its length: where a transform's trace starts."""
    return [(t, len(t.records)) for t in active_tapes() if t.origins is not None]


def note_spans(starts: list[tuple[Tape, int]]) -> None:
    """Note on each of ``jit``'s tapes what a transform traced since ``starts`` (``Tape.spans``)."""
    for t, first in starts:
        if t.spans is None:
            t.spans = []
        t.spans.append((first, len(t.records)))


def loop_seed(out: Any, at: tuple[Tape, int] | None) -> Traced | None:
    """A recorded seed ``1.0`` for ``out`` where it ran a loop's test since ``at``.

    Args:
      out: The output of the function ``grad`` traced, as seen outside it.
      at: ``staged()`` before the trace: ``jit``'s tape and its length.

    Returns:
      A value on ``jit``'s tape, or None (then the seed is the float ``1.0``).
    """
    if at is None or out.__class__ is not Traced:
        return None
    tape, start = at
    if out.tape is not tape or out._value.__class__ not in _FLOATS:
        return None
    lines = {where for i, where in tape.sources.items() if i >= start}   # each line once
    if not any(map(_loop_test, lines)):
        return None
    return seed_one.apply1(out)    # type: ignore[no-any-return]


def _loop_test(where: str) -> bool:
    """Whether ``file:line`` is a loop's test (``while``, ``if ...: break``) or an ``if`` in one.

    The backward pass of a loop whose iterations branch is a loop over the
    outcomes only where it is recorded (``staging.branchy_back``).
    """
    plan = stepped(where)            # a Python float step jit writes itself (``pysteps``)
    skip = plan.nodes if plan else frozenset()
    return while_line(where, skip=skip) or break_line(where) or break_line(where, ast.While) or \
        loop_if(where) or counted_line(where, skip=skip)


def origin_tape(seeds: list[tuple[int, Any]]) -> Tape | None:
    """``jit``'s tape where a seed is recorded there (``loop_seed``), else None."""
    for _, ct in seeds:
        if ct.__class__ is Traced and ct.tape.origins is not None:
            return ct.tape         # type: ignore[no-any-return]
    return None


def note_origins(tape: Tape, marks: list[tuple[int, Any]]) -> None:
    """Note in ``tape.origins`` the forward value each backward record comes from.

    ``marks``: ``(length of tape, forward value)`` as each record's derivative
    rules start; what the tape records until the next mark is that value's.
    """
    assert tape.origins is not None
    ends = [n for n, _ in marks[1:]] + [len(tape.records)]
    for (lo, ans), hi in zip(marks, ends):
        if ans.__class__ is Traced and ans.tape is tape:
            for r in range(lo, hi):
                tape.origins[r] = ans.id


_UNSEEDED: weakref.WeakKeyDictionary[Tape, int] = weakref.WeakKeyDictionary()


def note_unseeded(seeds: list[tuple[int, Any]] | None) -> None:
    """Note, on each ``jit`` tape active, a derivative pass whose records jit cannot follow.

    A ``grad`` whose seed is the float ``1.0`` computes what is linear in it
    in Python: a number for the traced branch pattern only. A ``jvp``
    (``seeds`` None) records its tangents after the function ran, one per
    record, with no mark of the loop they come from. ``jit`` then keeps the
    guards of a loop whose iterations branch (``seeded``).
    """
    for _, s in seeds if seeds is not None else [(0, None)]:
        if s.__class__ is not Traced or s.tape.origins is None:
            _UNSEEDED.update((t, len(t.records)) for t in active_tapes() if t.origins is not None)
            return


def seeded(tape: Tape) -> bool:
    """Whether every derivative pass run inside ``jit``'s ``tape`` started from its values."""
    return tape not in _UNSEEDED


def unseeded_at(tape: Tape) -> int:
    """The length of ``tape`` as the last derivative pass it cannot follow started (-1: none).

    A loop whose first record comes later ran after every such pass (a
    ``grad`` inside ``jit`` runs its backward pass right after its trace).
    """
    return _UNSEEDED.get(tape, -1)
