"""Writing into a traced array: ``y = x.copy(); y[i] = v``, ``y[mask] = v``, ``y[i] += v``.

A write is one ``setitem`` record, the array with ``v`` written at the
index, as NumPy writes it: its dtype stays, ``v`` broadcasts, and where an
index repeats the last write stays (so ``y[i] += v`` with ``i`` repeated
adds once, NumPy's buffered semantics: Python reads ``y[i]``, adds, and
writes back). The traced value then stands for the written array: every
name bound to it sees the write, as in NumPy. Two writes are refused, each
naming the fix: into an argument of the transformed function (NumPy would
change the caller's array; copy it first) and into a view (``x[1:]``,
``x.reshape(...)``), whose write NumPy would make in ``x`` too. A view
taken *before* a write keeps the old numbers, where NumPy's would change.
``x.copy()`` of a traced array is a ``copy`` record: a new array to write to.
A value of an inner transform written into an array of an outer one moves
the array onto the inner tape: read after the inner transform returns, it
raises ``EscapedTracerError``, as the value itself would.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import read_only
from .arrays import astype
from .backend_rules import np_dtype
from .backends import foreign
from .batching.rules import batch_rules
from .indexing import _MAX_PARTS, _basic, _fill, _index, gather, getitem
from .kinks import where
from .numpy_dispatch import copy_makers, fresh, out_writers
from .primitive import Primitive, defjvp, defvjp, primitive
from .shapes import broadcast_to_p, reshape_p, sum_like, transpose_p
from .tape import rec_args, rec_op
from .values import Traced, primal_value, shape_of
from .zero_dim import zero_d_p

__all__ = ["copy_p", "filled", "is_view", "refusal", "setitem_p", "stand_for", "traced_copy",
           "undo", "undoable", "writable", "write", "write_out", "written_into"]


def _copy(x: Any) -> Any:
    return x.copy() if type(x) is np.ndarray else x


copy_p: Primitive = primitive(_copy, "copy", elementwise=True, check_rules=False)
defvjp(copy_p, lambda g, ans, x: g)
defjvp(copy_p, lambda t, ans, x: t)


def _filled(a: Any, fill: Any, dtype: Any, shape: tuple[int, ...]) -> Any:
    return np.full(shape, fill, dtype)


filled: Primitive = primitive(_filled, "full_like", check_rules=False)
"""``np.zeros_like(a)`` of a traced ``a``: a new array to write into, with no derivative."""
defvjp(filled, None, None, None, None)
defjvp(filled, None, None, None, None)
batch_rules[filled] = lambda e, values, batched, n: np.full(
    (n,) + tuple(values[3]), values[1], values[2])


def _key(template: Any, parts: tuple[Any, ...]) -> Any:
    return _fill(template, parts) if parts else template


def _setitem(x: Any, v: Any, template: Any, *parts: Any) -> Any:
    r = np.array(x, copy=True)
    r[_key(template, parts)] = v
    return r


def _winners(shape: tuple[int, ...], template: Any, *parts: Any) -> Any:
    """Which of the written elements stays: the last write where an index repeats."""
    key = _key(template, parts)
    written = np.broadcast_to(0, shape)[key].shape
    order = np.arange(math.prod(written)).reshape(written)
    last = np.full(shape, -1, np.intp)
    last[key] = order
    return last[key] == order


setitem_p: Primitive = primitive(_setitem, "setitem", check_rules=False)
winners_p: Primitive = primitive(_winners, "winners", check_rules=False)
_NONE = (None,) * (_MAX_PARTS + 1)        # the index and its traced integer parts
defvjp(winners_p, None, *_NONE)            # a boolean mask: nothing to differentiate
defjvp(winners_p, None, *_NONE)


def _read(g: Any, template: Any, parts: tuple[Any, ...]) -> Any:
    return gather(g, template, *parts) if parts else getitem(g, template)


def _written_ct(g: Any, ans: Any, x: Any, v: Any, template: Any, *parts: Any) -> Any:
    """The cotangent of ``v``: ``g`` where each element of ``v`` stayed, summed to its shape."""
    ct = _read(g, template, parts)
    if parts or not _basic(template):          # repeated indices: only the last write stays
        ct = ct * winners_p(shape_of(ans), template, *parts)
    sv, sc = shape_of(v), shape_of(ct)
    if len(sv) > len(sc):      # NumPy drops v's leading 1s to fit (y[...] = v of shape (1, 3))
        ct = reshape_p(ct, (1,) * (len(sv) - len(sc)) + sc)
    return ct if shape_of(ct) == sv else sum_like(ct, v)


defvjp(setitem_p, lambda g, ans, x, v, template, *parts: setitem_p(g, 0.0, template, *parts),
       _written_ct, *_NONE)
defjvp(setitem_p, lambda t, ans, x, v, template, *parts: setitem_p(t, 0.0, template, *parts),
       lambda t, ans, x, v, template, *parts: setitem_p(
           np.zeros(shape_of(ans), np.asarray(primal_value(ans)).dtype), t, template, *parts),
       *_NONE)


READ_ONLY_MSG = "assignment destination is read-only"     # NumPy's words
_VIEWS = {reshape_p, transpose_p, broadcast_to_p, zero_d_p}     # NumPy gives views


def _element(rec: Any) -> bool:
    """``x[0]`` of a vector, ``x[1, 2]`` of a matrix: NumPy's scalar, a copy, not a view."""
    x, key = rec_args(rec)[:2]
    keys = key if type(key) is tuple else (key,)
    return len(keys) == len(shape_of(x)) and all(type(k) is int or isinstance(k, np.integer)
                                                 for k in keys)


def is_view(rec: Any) -> bool:
    """Whether NumPy's result of the record is a view of its first argument.

    A 0-d array made of a scalar (``np.where`` of two numbers) is a new array:
    only one made of an array (``a.reshape(())``) views it.
    """
    op = rec_op(rec)
    if op is getitem:
        return _basic(rec_args(rec)[1]) and not _element(rec)
    if op is zero_d_p:
        return type(primal_value(rec_args(rec)[0])) is np.ndarray
    return op in _VIEWS


def refusal(x: Traced) -> str | None:
    """Why NumPy's write into ``x`` would not be this one, or None."""
    value = primal_value(x)
    if foreign(value) is not None:
        return ("x is another library's array, and tapegrad writes into NumPy arrays only: "
                "build the new array instead (x = xp.where(mask, v, x) with a constant mask)")
    if type(value) is not np.ndarray:
        return (f"a traced {type(value).__name__} does not support item assignment (neither "
                "does NumPy's scalar); compute the new number instead")
    rec = x.tape.records[x.id]
    op = rec_op(rec)
    if read_only.kind(x) == read_only.VIEW:
        return ("x is a writable view NumPy makes (sliding_window_view(..., writeable=True)), "
                "and NumPy would write into the array it views: write into that array "
                "itself, or copy the view first (x = x.copy())")
    if op is None:
        return ("x is an argument of the transformed function, and NumPy would write into "
                "the caller's array: write x = x.copy() first")
    if read_only.kind(x) == read_only.FRESH:      # svd's S: NumPy's own new array
        return None
    if is_view(rec) or (value.base is not None and op is not zero_d_p):
        return ("x is a view of another array (x = y[1:], y.reshape(...), y.T), and NumPy "
                "would write into that array too: write into y itself (y[1:][i] is y[1 + i]), "
                "or copy the view first (x = y[1:].copy())")
    return None


def _traced_setitem(self: Traced, key: Any, value: Any) -> None:
    write(self, key, value, "x[...] = y on a traced array")


def writable(self: Any, what: str) -> None:
    """Raise the ``TypeError`` naming the fix where NumPy's write into ``self`` is not ours."""
    if type(self) is not Traced:
        raise TypeError(f"{what}: its array is a NumPy array, which cannot hold a traced "
                        "value: write into a traced array (y = x.copy(), y = x * 0.0).")
    if read_only.kind(self) == read_only.READ_ONLY:
        raise ValueError(READ_ONLY_MSG)       # np.diagonal, np.broadcast_to: NumPy's error
    why = refusal(self)
    if why is not None:
        raise TypeError(f"{what}: {why}.")


def write(self: Any, key: Any, value: Any, what: str) -> None:
    """``self[key] = value``, ``what`` naming the write in a refusal."""
    writable(self, what)
    where = None                                        # written where: None, anywhere
    if type(key) is Traced and np_dtype(primal_value(key)).kind == "b":
        out = _masked(self, key, value)                 # x[x < 0] = 0.0
    else:
        idx, traced = _index(key)
        out = setitem_p(self, value, idx, *traced)
        where = None if traced else idx
    if out.tape is self.tape:
        for note in write_notes:        # stale_views.py: a view read after this write
            note(out.tape, self.id, out.id, where)
    # a value of an inner transform moves the array onto its tape: used after that
    # transform returns, the array is an escaped tracer (an error), as the value is
    stand_for(self, out)


def written_into(array: Traced, out: Traced) -> Traced:
    """NumPy's write of all of ``array`` with ``out`` (``u += v``): ``array``, or ``out``.

    A traced array a write may change stands for ``out`` from now on, so every
    name bound to it sees the write. An argument or a view is not written:
    ``out`` is returned, and a later read of the old array is refused where
    the function returns (``stale_views.py``), as NumPy would show the write.
    """
    if read_only.kind(array) == read_only.READ_ONLY:
        raise ValueError("output array is read-only")            # NumPy's, for d += v
    same = out.tape is array.tape   # else a value of an inner transform: as write's
    if refusal(array) is None:
        for note in write_notes if same else ():
            note(out.tape, array.id, out.id, None)
        stand_for(array, out)
        return array
    for note in rebind_notes if same else ():
        note(out.tape, array.id, out.id)
    return out


_undo_log: contextvars.ContextVar[list[tuple[Any, ...]] | None] = \
    contextvars.ContextVar("undo_log", default=None)


def stand_for(array: Traced, out: Traced) -> None:
    """The traced ``array`` stands for ``out`` now (a write), noted where it may be undone."""
    log = _undo_log.get()
    if log is not None:
        log.append((array, array.tape, array.id, array._value))
    array.tape, array.id, array._value = out.tape, out.id, out._value


@contextlib.contextmanager
def undoable() -> Iterator[list[tuple[Any, ...]]]:
    """The writes made inside, for ``undo``; kept for an outer ``undoable`` if not undone.

    ``jit`` traces a function, and where the recording closed over a value of an
    outer transform it runs the function again instead: a write the trace made
    into an array of an outer transform must not happen twice.
    """
    log: list[tuple[Any, ...]] = []
    outer = _undo_log.get()
    token = _undo_log.set(log)
    try:
        yield log
    finally:
        _undo_log.reset(token)
        if outer is not None:
            outer.extend(log)


def undo(log: list[tuple[Any, ...]]) -> None:
    """Each array of ``log`` back to what it stood for before its writes, the last first."""
    for array, tape, i, value in reversed(log):
        array.tape, array.id, array._value = tape, i, value
    log.clear()


write_notes: list[Any] = []
"""Called with (tape, old id, new id, key) at each write (``stale_views.py``)."""

rebind_notes: list[Any] = []
"""Called with (tape, old id, new id) where ``u op= v`` rebinds ``u`` to a new array
because ``u`` may not be written (an argument, a view): ``stale_views.py`` refuses
a read of the old array after it (through another name, the view's base)."""


def _masked(x: Traced, mask: Traced, value: Any) -> Any:
    """``x[mask] = value`` with a traced mask: ``where``, in ``x``'s dtype."""
    if shape_of(mask) != shape_of(x) or np.ndim(primal_value(value)) != 0:
        raise TypeError(
            "x[mask] = v with a traced boolean mask takes a mask of x's shape and one "
            f"number v (a mask of shape {shape_of(mask)} for x of shape {shape_of(x)}, v of "
            f"shape {np.shape(primal_value(value))}): NumPy's v would hold one number per "
            "True, a count that depends on the values. Write x = np.where(mask, v, x).")
    out = where(mask, value, x)
    dtype = np_dtype(primal_value(x))
    return out if np_dtype(primal_value(out)) == dtype else astype(out, dtype)


def traced_copy(self: Traced, order: str = "C") -> Traced:
    """NumPy's ``x.copy(order)``: a new array (a ``copy`` record), which a write may change.

    Its layout is NumPy's (``ravel(order="K")`` reads it): C-ordered, unless
    ``order`` is "F", or "A"/"K" of a column-major ``x``.
    """
    v = primal_value(self)
    if type(v) is not np.ndarray:
        return self
    if order == "C" or v.flags.c_contiguous and order != "F":
        return copy_p(self)
    return copy_in(self, order)


def _copy_in(x: Any, order: Any) -> Any:
    return np.copy(x, order=order) if type(x) is np.ndarray else x


copy_in: Primitive = primitive(_copy_in, "copy_in", check_rules=False)
"""``np.copy(x, order=order)``: a copy in NumPy's layout for that order."""
defvjp(copy_in, lambda g, ans, x, order: g, None)
defjvp(copy_in, lambda t, ans, x, order: t, None)


Traced.__setitem__ = _traced_setitem                     # type: ignore[index]
Traced.copy = traced_copy                                # type: ignore[attr-defined]


def write_out(out: Traced, result: Any, what: str) -> Traced:
    """NumPy's ``f(..., out=out)`` of a traced ``out``: ``result`` written into all of it.

    Cast as NumPy's ufuncs cast (``same_kind``: float64 into float32, not
    into an int array) and broadcast to its shape; ``out`` itself is
    returned, and now stands for the written array.
    """
    have, want = np_dtype(primal_value(result)), np_dtype(primal_value(out))
    if not np.can_cast(have, want, "same_kind"):
        raise TypeError(f"{what}: cannot cast the result from {have} to out's {want} "
                        "with casting rule 'same_kind', as NumPy would not")
    write(out, Ellipsis, result, what)
    return out


copy_makers.append(traced_copy)
out_writers.append(write_out)
_positive = vars(Traced)["__pos__"]


def _positive_copy(self: Traced) -> Any:
    """``+x``: a new array, as NumPy's (a write into it leaves ``x`` alone)."""
    return fresh(_positive(self), (self,))


Traced.__pos__ = _positive_copy                          # type: ignore[operator]
