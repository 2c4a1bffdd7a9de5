"""Which examples check a program's rolled while loops: trip counts not checked before.

``rolled`` runs a program's ``while`` loops on the batch from one traced
example; what the tape does not show (a value read after the loop counting
from its start or its end, a Python number that moves with the trip count)
is checked at other examples: ``vmap`` traces each probe chosen here, plays
it straight, and compares (``vmap._confirmed``); where they disagree, the
program plays straight from then on.

Three kinds of trip count are probed, each once per program:

* the examples whose trip counts differ most from the traced ones (until a
  probe has confirmed the loops);
* per pattern of loops that ran no iteration, one example: after a loop
  whose body never ran, a name its body binds to a value from before the
  loop (``x = xs[1]``, ``for x in xs``, ``x = y``) still holds its older
  value, and the tape, which records no equation for such a binding, shows
  the traced example's;
* under ``grad`` (``spec.inner``), per pattern of parities relative to the
  traced counts, one example: Python computes ``d(-s)/ds`` over ``n``
  iterations as ``(-1) ** n``, so a probe at ``n + 2`` agrees where one at
  ``n + 1`` would not.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["chosen"]


def chosen(dyns: list[Any], st: Any, spec: Any) -> list[int]:
    """The examples of ``st`` (a played batch) that ``vmap`` should trace to check ``spec``.

    ``dyns``: the loops run on the batch (``rolled.Dyn``); ``st.counts``
    holds each kept example's trip count per loop.
    """
    whiles = [m for m, d in enumerate(dyns) if d.tie < 0 and m in st.counts]
    if not whiles or not len(st.idx):
        return []
    found = set(_extremes(dyns, st, whiles)) if not spec.confirmed else set()
    zeros = np.stack([st.counts[m] == 0 for m in whiles], axis=1)
    found |= set(_unseen(st, zeros, spec.zeros, found))
    if spec.inner:
        parities = np.stack([(st.counts[m] - dyns[m].loop.trips) % 2 for m in whiles], axis=1)
        found |= set(_unseen(st, parities, spec.parities, found))
    return sorted(found)


def _extremes(dyns: list[Any], st: Any, whiles: list[int]) -> list[int]:
    """The examples whose trip counts differ most from the traced ones (or none).

    A loop's values read after it are read counting from its end or its
    start, as the traced trip count suggests; an example at another trip
    count tells the two apart.
    """
    diff = sum(np.abs(st.counts[m] - dyns[m].loop.trips) for m in whiles)
    low = st.counts[whiles[0]]
    found = {int(st.idx[np.argmax(diff)]), int(st.idx[np.argmin(low)]),
             int(st.idx[np.argmax(low)])}
    return [int(i) for i, d in zip(st.idx, diff) if d and int(i) in found]


def _unseen(st: Any, keys: np.ndarray, seen: set[tuple[int, ...]],
            prefer: set[int]) -> list[int]:
    """An example per row of ``keys`` not all zero nor ``seen`` before (now seen).

    The examples in ``prefer`` (probed anyway) are taken first.
    """
    new: dict[tuple[int, ...], int] = {}
    order = sorted(range(len(st.idx)), key=lambda j: int(st.idx[j]) not in prefer)
    rows = keys.astype(np.int64).tolist()
    for j in order:
        key = tuple(rows[j])
        if any(key) and key not in seen:
            new.setdefault(key, int(st.idx[j]))
    seen.update(new)
    return list(new.values())
