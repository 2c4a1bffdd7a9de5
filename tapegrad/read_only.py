"""The traced arrays NumPy makes read-only, and the writable views tapegrad copies.

``np.diagonal`` (``np.diag`` of a matrix, ``a.diagonal()``), ``np.broadcast_to``
and ``sliding_window_view`` give read-only views in NumPy: a write into one is
NumPy's ``ValueError`` ("assignment destination is read-only"; "output array
is read-only" for ``d += v``). tapegrad gathers their elements into a new
array, which a write would change silently, so each such result is marked
here, by its tape and id, and ``writes.py`` refuses the write as NumPy does.
``sliding_window_view(..., writeable=True)`` is a writable view of ``x`` in
NumPy: it is marked as a view, a write into which tapegrad refuses (NumPy
would write into ``x``). The factors of a decomposition (``svd``'s ``U, S,
Vh``, ``eigh``'s ``w, v``, ``qr``'s, ``lu``'s) are new arrays in NumPy and
SciPy, though tapegrad cuts them out of one packed result: they are marked
fresh, and written into as any array of their own.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from .values import Traced

__all__ = ["FRESH", "READ_ONLY", "VIEW", "fresh", "kind", "mark"]

READ_ONLY, VIEW, FRESH = "read-only", "view", "fresh"
_marks: weakref.WeakKeyDictionary[Any, dict[int, str]] = weakref.WeakKeyDictionary()


def mark(x: Any, how: str = READ_ONLY) -> Any:
    """``x``, noted as NumPy's read-only array (or a view): a write into it is refused.

    A NumPy array (tapegrad's function on NumPy arrays) is made read-only
    itself: it is a new array (a gather) or a view of one, never the input.
    """
    if type(x) is Traced:
        _marks.setdefault(x.tape, {})[x.id] = how
    elif type(x) is np.ndarray and how == READ_ONLY:
        x.flags.writeable = False
    return x


def fresh(*xs: Any) -> tuple[Any, ...]:
    """``xs``, each marked as a new array of its own (a factor NumPy returns)."""
    return tuple(mark(x, FRESH) for x in xs)


def kind(x: Any) -> str | None:
    """``READ_ONLY``, ``VIEW`` or ``FRESH`` where ``x`` was marked, else None."""
    marks = _marks.get(x.tape) if type(x) is Traced else None
    return None if marks is None else marks.get(x.id)
