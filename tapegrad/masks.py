"""The constant masks the matrix rules multiply by: an identity, a lower triangle.

The rules of ``cholesky``, ``eigh``, ``solve_triangular`` and the
determinants ask for them at every call, so each is made once per size and
dtype, and kept read-only: every rule shares the one array.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .shapes import _dtype
from .values import shape_of

__all__ = ["eye_like", "tri_like"]


def eye_like(x: Any) -> np.ndarray:
    """The identity matrix of ``x``'s last axis, in its float dtype."""
    return _mask(shape_of(x)[-1], None, _dtype(x))


def tri_like(x: Any, k: int = 0) -> np.ndarray:
    """The lower-triangle mask of ``x``'s matrices (diagonal ``k`` and below)."""
    return _mask(shape_of(x)[-1], k, _dtype(x))


@functools.lru_cache(maxsize=256)
def _mask(n: int, k: int | None, dtype: np.dtype[Any]) -> np.ndarray:
    """``np.eye(n)`` (``k`` None) or ``np.tri(n, n, k)``, read-only."""
    m = np.eye(n, dtype=dtype) if k is None else np.tri(n, n, k, dtype=dtype)
    m.setflags(write=False)
    return m
