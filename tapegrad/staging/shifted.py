"""Roles reaching further back than one iteration: ``x0, x1 = x1, new``.

In the secant method each iteration reads the value the iteration two
back computed (``x0`` is the ``x1`` before the last update). Such an
argument plays the role ``back`` of depth ``d``: iterations ``0 .. d - 1``
read values from before the loop (``args[k]``), iteration ``k >= d`` reads
offset ``at`` of iteration ``k - d``. Rolled, the loop keeps the last ``d``
values of that offset in a shift register (``registers``).
"""

from __future__ import annotations

import numpy as np

BACK = 4      # the furthest an iteration may read back, in iterations


def deeper(step: np.ndarray, at: np.ndarray, how: np.ndarray, ok: np.ndarray, trips: int
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where a ``data`` role holds longer as ``back``: ``how`` (3), ``ok``, depth, ``at``.

    ``step[k, o]``: how many iterations back iteration ``k`` reads at offset
    ``o`` (``trips + 1``: before the loop), ``at[k, o]`` the offset it reads;
    ``how``: 0 (data), 1 (carry), 2 (local) per offset, ``ok`` how many
    iterations keep that role. Returned updated, with each offset's depth
    (1: not ``back``) and the offset a ``back`` role reads (else -1).
    """
    how, ok = how.copy(), ok.copy()
    a_at = np.full(len(how), -1, dtype=np.int64)
    depth = np.ones(len(how), dtype=np.int64)
    outside = step == trips + 1
    for d in range(2, min(BACK, trips - 1) + 1):
        cand = (how == 0) & (ok < trips) & outside[:d].all(axis=0) & (step[d] == -d)
        if not cand.any():
            continue
        bad = (step[d:] != -d) | (at[d:] != at[d])
        ok_d = np.where(bad.any(axis=0), bad.argmax(axis=0) + d, trips)
        better = cand & (ok_d > np.maximum(ok, d))
        how[better], ok[better], depth[better], a_at[better] = 3, ok_d[better], d, at[d][better]
    return how, ok, depth, a_at

