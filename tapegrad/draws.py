"""Refusing a recording that drew from a global random generator.

A tape (and so ``jit`` and ``vmap``, which replay one) keeps the numbers
drawn while recording as constants: a draw from ``np.random.*`` or
``random`` inside a recorded function would be frozen, the same on every
later call. The recording compares the generators' states before and after.
"""

from __future__ import annotations

import random
import threading
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["check_rngs", "global_rngs"]


def global_rngs() -> tuple[Any, Any]:
    """The state of NumPy's global generator (``np.random.*``) and of ``random``."""
    return np.random.get_state(), random.getstate()


def check_rngs(fun: Callable[..., Any], before: tuple[Any, Any]) -> None:
    """Refuse a recording that drew from a global generator: its draw would be frozen.

    A tape (and so ``jit`` and ``vmap``, which replay one) keeps the numbers
    drawn while recording as constants, the same on every later call.
    """
    np_state, py_state = global_rngs()
    np_before, py_before = before
    np_moved = np_state[2:] != np_before[2:] or not np.array_equal(np_state[1], np_before[1])
    if np_moved or py_state != py_before:
        which = "NumPy's global random generator (np.random)" if np_moved else \
            "Python's global random generator (random)"
        msg = (f"{getattr(fun, '__name__', 'the function')} drew from {which} while jit, "
               "vmap or make_tape recorded it: the recording would replay that one draw "
               "on every call, frozen. Draw the numbers outside the function and pass "
               "them in as an argument (a new draw per call).")
        if threading.active_count() > 1:     # another thread may have drawn: say, not stop
            warnings.warn(msg + " (Another thread may have drawn instead.)", RuntimeWarning,
                          stacklevel=5)
            return
        raise RuntimeError(msg)
