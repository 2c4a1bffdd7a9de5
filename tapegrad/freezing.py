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
    if a.nbytes > KEEP_BYTES:            # a copy would cost more than the operation
        _watch(a, tape)
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
    """Drop the arrays ``kept`` saw on ``tape`` (its records hold their copies).

    A large array it left uncopied must read as it did: where its samples
    changed, the function wrote into it after an operation read it, and the
    records would read the new numbers: a ``TypeError`` naming the fix.
    """
    _kept.pop(tape, None)
    for a, was in _watched.pop(tape, {}).values():
        if _samples(a) != was:
            raise TypeError(
                f"an array of shape {a.shape} ({a.nbytes} bytes) was written after an "
                "operation on a traced value read it: the derivative and any replay would "
                "read the new numbers, where NumPy's operation read the old ones. Arrays "
                f"over {KEEP_BYTES} bytes are not copied when read; write into a copy "
                "(u = u.copy() before the write), or make the write before the read.")


KEEP_BYTES = 1 << 20
"""A constant array larger than this is not copied when a record reads it (``kept``)."""

_watched: weakref.WeakKeyDictionary[Tape, dict[int, tuple[np.ndarray, bytes]]] = \
    weakref.WeakKeyDictionary()     # tape -> {id of a large array: (the array, samples)}


def _watch(a: np.ndarray, tape: Tape) -> None:
    """Note a large array a record of ``tape`` reads uncopied, with samples of its numbers."""
    seen = _watched.get(tape)
    if seen is None:
        seen = _watched[tape] = {}
    if id(a) not in seen:
        seen[id(a)] = (a, _samples(a))


def _samples(a: np.ndarray) -> bytes:
    """The first and last 512 of ``a``'s numbers and 4,096 spread evenly between.

    A write that overwrites a run of numbers (a buffer filled again, an
    array normalized in place) changes some; one that misses all of them (a
    single number far from the ends) goes unseen: a full comparison would
    cost a pass over ``a``, as much as the copy it replaces.
    """
    n = a.size
    idx = np.concatenate([np.arange(min(n, 512)), np.linspace(0, n - 1, 4096).astype(np.intp),
                          np.arange(max(n - 512, 0), n)])
    return a.flat[idx].tobytes()


def _layout_copy(a: np.ndarray) -> np.ndarray:
    """A copy of ``a`` with its axis order, the signs of its strides and their gaps.

    NumPy's ``@`` takes another path (BLAS or not) for a reversed view
    (``v[::-1]``) than for its contiguous copy, and BLAS sums a strided
    vector (a column ``X[:, 1]``) in another order than its contiguous copy:
    each differs in the last bit for most inputs. So a constant keeps the
    layout the eager run read it in.
    """
    flipped = tuple(k for k, s in enumerate(a.strides) if s < 0)
    if not flipped:
        return _gapped_copy(a)
    return np.flip(_gapped_copy(np.flip(a, flipped)), flipped)


def _gapped_copy(a: np.ndarray) -> np.ndarray:
    """A copy of ``a`` (no negative stride) with its strides, gaps included.

    Each copy spans its gaps: a column of a matrix up to 16 columns wide (or
    of one up to 64 KiB) keeps them; a wider one's column, and a view with a
    zero stride, is copied compact (its products may round apart from eager's).
    """
    c = a.copy(order="K")
    if a.ndim == 0 or c.strides == a.strides or 0 in a.strides or a.size == 0:
        return c
    span = sum((n - 1) * s for n, s in zip(a.shape, a.strides)) + a.itemsize
    if span > max(16 * a.nbytes, 1 << 16):
        return c
    buffer = np.empty(span // a.itemsize + 1, a.dtype)
    g = np.ndarray(a.shape, a.dtype, buffer, 0, a.strides)
    g[...] = a
    return g


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
