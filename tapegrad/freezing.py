"""A staged tape's constant arrays, copied as they are when the recording ends.

A tape that ``jit``, ``vmap`` or ``make_tape`` replays reads the arrays it
took from a closure or a global as constants; a copy taken at the end of the
recording makes a later mutation read stale in every use, consistently
(TRAPS row 37), with the layout eager read them in.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from .tape import Const, Tape

__all__ = ["forget_kept", "freeze_constants", "kept"]


def freeze_constants(tape: Tape) -> None:
    """Every array the recording read as a constant becomes a copy taken now.

    A global or closure array mutated after recording then reads stale in
    every use, consistently (TRAPS row 37), as a folded ``W * W`` always did.
    One copy per array, however many records read it.
    """
    copies: dict[int, Any] = {}

    def frozen(a: Any) -> Any:
        if a.__class__ is not np.ndarray or not a.flags.writeable:
            return a
        c = copies.get(id(a))
        if c is None:
            c = copies[id(a)] = (a, _layout_copy(a))
        return c[1]

    records = tape.records
    nd = np.ndarray
    for i, rec in enumerate(records):
        if len(rec) == 6 and rec[3].__class__ is not nd and rec[5].__class__ is not nd:
            continue                          # most records: no array (no call)
        if _reads_a_constant_array(rec):
            new = list(rec)
            for k in range(2, len(rec), 2):
                if rec[k] is None:
                    new[k + 1] = frozen(rec[k + 1])
            records[i] = tuple(new)
    tape.outputs = [Const(frozen(o.value)) if isinstance(o, Const) else o
                    for o in tape.outputs]


_kept: weakref.WeakKeyDictionary[Tape, dict[int, tuple[np.ndarray, np.ndarray]]] = \
    weakref.WeakKeyDictionary()     # tape -> {id of an array: (the array, its copy)}


def kept(a: np.ndarray, tape: Tape) -> np.ndarray:
    """A constant array as a record of ``tape`` keeps it: a read-only copy of a writable one.

    NumPy's operation read ``a`` as it was then; a write into ``a`` later in
    the function (``u = np.ones(3); s = u * x; u += 9.0``) must not reach the
    derivative rules or a replay, which read the record. The records that
    read ``a`` unchanged share one copy (``jit`` merges the calls on it).
    """
    if not a.flags.writeable:
        return a
    seen = _kept.get(tape)
    if seen is None:
        seen = _kept[tape] = {}
    hit = seen.get(id(a))
    if hit is not None and hit[0] is a and hit[1].shape == a.shape and \
            hit[1].tobytes() == a.tobytes():
        return hit[1]
    c = _layout_copy(a)
    c.flags.writeable = False
    seen[id(a)] = (a, c)
    return c


def forget_kept(tape: Tape) -> None:
    """Drop the arrays ``kept`` saw on ``tape`` (its records hold their copies)."""
    _kept.pop(tape, None)


def _layout_copy(a: np.ndarray) -> np.ndarray:
    """A copy of ``a`` with its axis order and the signs of its strides.

    NumPy's ``@`` takes another path (BLAS or not) for a reversed view
    (``v[::-1]``) than for its contiguous copy, and the two differ in the last
    bit: a constant keeps the layout the eager run read it in.
    """
    flipped = tuple(k for k, s in enumerate(a.strides) if s < 0)
    if not flipped:
        return a.copy(order="K")
    return np.flip(np.flip(a, flipped).copy(order="K"), flipped)


def _reads_a_constant_array(rec: tuple[Any, ...]) -> bool:
    """Whether a record takes an array as a constant (most records: no array at all)."""
    nd = np.ndarray
    n = len(rec)                 # one test for most records
    if n == 6:
        if rec[3].__class__ is not nd and rec[5].__class__ is not nd:
            return False
    elif n == 4:
        if rec[3].__class__ is not nd:
            return False
    elif rec[0] is None or all(a.__class__ is not nd for a in rec[3::2]):
        return False
    return None in rec[2::2]                             # rec_ids: a constant
