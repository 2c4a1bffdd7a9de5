"""Shared test helpers: central finite differences in float64; hypothesis under CI.

Under CI (``CI`` set) hypothesis draws the same examples every run, so a
run is reproducible; elsewhere it explores anew each time.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def fd(f: Callable[[Any], Any], x: Any, eps: float = 1e-6) -> Any:
    """Central difference of a scalar function at a float or an array."""
    if isinstance(x, np.ndarray):
        g = np.zeros_like(x, dtype=float)
        for idx in np.ndindex(x.shape):
            e = np.zeros_like(x, dtype=float)
            e[idx] = eps
            g[idx] = (f(x + e) - f(x - e)) / (2 * eps)
        return g
    return (f(x + eps) - f(x - eps)) / (2 * eps)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
