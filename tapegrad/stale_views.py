"""A view read after a write into its base, or a name ``u op= v`` left behind: refused.

NumPy's view (``r = d[0:2]``, ``d.T``, ``d.reshape(...)``) shows a later write
into its base (``d[0] = v``); a traced view keeps the values it was made
with. So where a tape that saw a write (``writes.write``) reads such a view
after a write that overlaps it, or returns it, the transform raises rather
than return a number NumPy would not. Likewise where ``u op= v`` could not
write into ``u`` (an argument of the transform, a view) and rebound the name
``u`` to a new array: another name bound to the old array (``w = u`` before),
the view's base and its other views would show the change in NumPy, so a read
of them afterwards is refused, unless the base is written back first
(``d[1:] += v`` is ``t = d[1:]; t += v; d[1:] = t``). One pass over the
records, when the function returns, and only on a tape with a write.
"""

from __future__ import annotations

import math
import weakref
from typing import Any

import numpy as np

from .indexing import getitem
from .tape import rec_args, rec_ids, rec_op
from .tracing import trace_checks
from .tree import leaves
from .values import Traced, shape_of
from .writes import is_view, rebind_notes, write_notes

__all__ = ["check_views"]

STALE_MSG = (
    "a view of a traced array ({view}) was read after a write into that array: NumPy's "
    "view would show the write, this one keeps the values it was made with. Make the view "
    "again after the write, or take a copy when you make it (r = d[0:2].copy()).")
ALIAS_MSG = (
    "u op= v on a traced array u that may not be written ({why}) gives the name u a new "
    "array, and the old one (v{old}) was read afterwards through another name (w = u "
    "before u += v) or returned: NumPy would show the change there too. Write u = u + v "
    "and read u, or copy where the other name is made (w = u.copy()).")
THROUGH_MSG = (
    "u op= v on a view u of a traced array d (u = d[1:]; u += v) gives u a new array, "
    "and d (v{old}) or another view of it was read afterwards: NumPy would have written "
    "through to d. Write the update into d itself (d[1:] += v), or copy the view first "
    "(u = d[1:].copy()).")

_written: weakref.WeakKeyDictionary[Any, dict[int, tuple[int, Any]]] = \
    weakref.WeakKeyDictionary()      # tape -> {new id: (old id, key or None: anywhere)}
_rebound: weakref.WeakKeyDictionary[Any, dict[int, int]] = \
    weakref.WeakKeyDictionary()      # tape -> {new id: old id} of u op= v not written


def _note(tape: Any, old: int, new: int, key: Any) -> None:
    _written.setdefault(tape, {})[new] = (old, key)


def _note_rebind(tape: Any, old: int, new: int) -> None:
    _rebound.setdefault(tape, {})[new] = old


def _outputs(tape: Any, aux: Any) -> list[int]:
    return [o for o in [*tape.outputs, *(x.id for x in leaves(aux) if type(x) is Traced and
                                         x.tape is tape)] if isinstance(o, int)]


def _last_uses(tape: Any, aux: Any) -> dict[int, float]:
    last: dict[int, float] = {}
    for i, rec in enumerate(tape.records):
        for j in rec_ids(rec):
            if j is not None:
                last[j] = i
    for o in _outputs(tape, aux):
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


class _Pass:
    """The state of the pass over one tape's records."""

    def __init__(self, tape: Any, aux: Any, writes: dict[int, tuple[int, Any]],
                 rebinds: dict[int, int]):
        self.records, self.last = tape.records, _last_uses(tape, aux)
        self.writes, self.rebinds = writes, rebinds
        self.lineage: dict[int, int] = {}                  # a written array's id -> first id
        self.current: dict[int, int] = {}                  # first id -> its latest id
        self.views: dict[int, list[tuple[int, Any]]] = {}  # first id -> [(view id, key)]
        self.roots: dict[int, int] = {}                    # a view's id -> the first id
        self.stale: dict[int, tuple[str, int]] = {}        # id -> (message, rebound result)

    def write(self, i: int) -> None:
        old, key = self.writes[i]
        root = self.lineage[i] = self.lineage.get(old, old)
        self.current[root] = i
        for v, k in self.views.get(root, []):
            if self.last.get(v, -1) > i and _overlap(shape_of(self.records[i][1]), k, key):
                name = getattr(rec_op(self.records[v]), "name", "")
                raise TypeError(STALE_MSG.format(view=f"v{v}, {name}"))

    def view(self, i: int, op: Any, base: int) -> None:
        root = self.roots.get(base, self.lineage.get(base, base))
        whole = base in self.roots or op is not getitem
        self.roots[i] = root
        self.views.setdefault(root, []).append((i, None if whole else rec_args(self.records[i])[1]))

    def rebind(self, i: int) -> None:
        old = self.rebinds[i]
        root = self.roots.get(old)
        if root is None:
            op = rec_op(self.records[old])
            why = "an argument of the transform" if op is None else "not a NumPy array of its own"
            self.stale[old] = (ALIAS_MSG.replace("{why}", why), i)
            return
        self.stale[old] = (THROUGH_MSG, i)
        self.stale[self.current.get(root, root)] = (THROUGH_MSG, i)
        for v, _ in self.views.get(root, []):
            self.stale.setdefault(v, (THROUGH_MSG, i))

    def read(self, i: int, rec: Any) -> None:
        """Refuse a read of a stale array at record ``i``, but for a write-back into a base."""
        ids = rec_ids(rec)
        for j in ids:
            if j is None or j not in self.stale:
                continue
            msg, result = self.stale[j]
            if i in self.writes and self.writes[i][0] == j and len(ids) > 1 and ids[1] == result:
                # d[1:] = u: the view's update written back; d's views are the write's now
                self.stale = {k: s for k, s in self.stale.items() if s[1] != result}
                continue
            raise TypeError(msg.format(old=j))

    def run(self, outputs: list[int]) -> None:
        for i, rec in enumerate(self.records):
            if self.stale:
                self.read(i, rec)
            if i in self.writes:
                self.write(i)
            if i in self.rebinds:
                self.rebind(i)
            op = rec_op(rec)
            ids = rec_ids(rec) if op is not None else ()
            if i not in self.writes and ids and ids[0] is not None and is_view(rec):
                self.view(i, op, ids[0])
        for o in outputs:
            if o in self.stale:
                raise TypeError(self.stale[o][0].format(old=o))


def check_views(tape: Any, aux: Any) -> None:
    """Raise where ``tape`` read a view after a write into its base (see the module)."""
    writes = _written.pop(tape, None) if _written else None    # most tapes: no write
    rebinds = _rebound.pop(tape, None) if _rebound else None
    if writes or rebinds:
        _Pass(tape, aux, writes or {}, rebinds or {}).run(_outputs(tape, aux))


write_notes.append(_note)
rebind_notes.append(_note_rebind)
trace_checks.append(check_views)
