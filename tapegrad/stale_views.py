"""A view read after a write into its base: refused when the traced function returns.

NumPy's view (``r = d[0:2]``, ``d.T``, ``d.reshape(...)``) shows a later write
into its base (``d[0] = v``); a traced view keeps the values it was made
with. So where a tape that saw a write (``writes.write``) reads such a view
after a write that overlaps it, or returns it, the transform raises rather
than return a number NumPy would not. One pass over the records, when the
function returns, and only on a tape with a write.
"""

from __future__ import annotations

import math
import weakref
from typing import Any

import numpy as np

from .indexing import _basic, getitem
from .tape import rec_args, rec_ids, rec_op
from .tracing import trace_checks
from .tree import leaves
from .values import Traced, shape_of
from .writes import _VIEWS, write_notes

__all__ = ["check_views"]

STALE_MSG = (
    "a view of a traced array ({view}) was read after a write into that array: NumPy's "
    "view would show the write, this one keeps the values it was made with. Make the view "
    "again after the write, or take a copy when you make it (r = d[0:2].copy()).")

_written: weakref.WeakKeyDictionary[Any, dict[int, tuple[int, Any]]] = \
    weakref.WeakKeyDictionary()      # tape -> {new id: (old id, key or None: anywhere)}


def _note(tape: Any, old: int, new: int, key: Any) -> None:
    _written.setdefault(tape, {})[new] = (old, key)


def _last_uses(tape: Any, aux: Any) -> dict[int, float]:
    last: dict[int, float] = {}
    for i, rec in enumerate(tape.records):
        for j in rec_ids(rec):
            if j is not None:
                last[j] = i
    for o in [*tape.outputs, *(x.id for x in leaves(aux) if type(x) is Traced and
                               x.tape is tape)]:
        if isinstance(o, int):
            last[o] = math.inf
    return last


def _overlap(shape: tuple[int, ...], view_key: Any, write_key: Any) -> bool:
    if view_key is None or write_key is None:
        return True
    try:
        mask = np.zeros(shape, bool)
        mask[view_key] = True
        return bool(np.any(mask[write_key]))
    except (IndexError, TypeError, ValueError):
        return True


def _element(rec: Any) -> bool:
    """``x[0]`` of a vector, ``x[1, 2]`` of a matrix: NumPy's scalar, a copy, not a view."""
    x, key = rec_args(rec)[:2]
    keys = key if type(key) is tuple else (key,)
    return len(keys) == len(shape_of(x)) and all(type(k) is int or isinstance(k, np.integer)
                                                 for k in keys)


def check_views(tape: Any, aux: Any) -> None:
    """Raise where ``tape`` read a view after a write into its base (see the module)."""
    writes = _written.pop(tape, None) if _written else None    # most tapes: no write
    if not writes:
        return
    records, last = tape.records, _last_uses(tape, aux)
    lineage: dict[int, int] = {}                   # a written array's id -> its first id
    views: dict[int, list[tuple[int, Any]]] = {}   # first id -> [(view id, key or None)]
    roots: dict[int, int] = {}                     # a view's id -> the first id it views
    for i, rec in enumerate(records):
        if i in writes:
            old, key = writes[i]
            root = lineage[i] = lineage.get(old, old)
            for v, k in views.get(root, []):
                if last.get(v, -1) > i and _overlap(shape_of(rec[1]), k, key):
                    name = getattr(rec_op(records[v]), "name", "")
                    raise TypeError(STALE_MSG.format(view=f"v{v}, {name}"))
            continue
        op = rec_op(rec)
        ids = rec_ids(rec) if op is not None else ()
        if not ids or ids[0] is None:
            continue
        if (op is getitem and _basic(rec_args(rec)[1]) and not _element(rec)) or op in _VIEWS:
            base = ids[0]
            root = roots.get(base, lineage.get(base, base))
            whole = base in roots or op is not getitem
            roots[i] = root
            views.setdefault(root, []).append((i, None if whole else rec_args(rec)[1]))


write_notes.append(_note)
trace_checks.append(check_views)
