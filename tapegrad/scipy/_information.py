"""SciPy's information-theory ufuncs, ``entr``, ``rel_entr`` and ``kl_div``, as composites.

Each is ``x log(x / y)`` (and friends) with SciPy's values off the domain
selected branch-free, so every transform sees one program: 0 where ``x`` is
0, ``inf`` (``-inf`` for ``entr``) where an argument is negative, nan where
one is nan. Integer data is computed in float64, as SciPy's ufuncs do.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import kinks, logic
from ..arrays import astype
from . import _numpy_ops as ops

Number = Any


def _float(x: Number) -> Number:
    dtype = getattr(x, "dtype", None)
    return astype(x, np.float64) if dtype is not None and np.dtype(dtype).kind in "iub" else x


def _nan_if_nan(r: Number, *args: Number) -> Number:
    for a in args:
        r = kinks.where(logic.ne(a, a), math.nan, r)
    return r


def entr(x: Number) -> Number:
    """``-x log(x)`` for ``x > 0``; 0 at 0, ``-inf`` below (SciPy's ``entr``).

    Examples:
      >>> round(float(entr(0.5)), 12)
      0.34657359028
    """
    x = _float(x)
    with np.errstate(all="ignore"):        # the branches not taken may hold inf * 0
        r = kinks.where(logic.gt(x, 0.0), -(x * ops.log(x)), -math.inf)
        return _nan_if_nan(kinks.where(logic.eq(x, 0.0), 0.0, r), x)


def _both_positive(x: Number, y: Number) -> Any:
    return logic.gt(kinks.minimum(x, y), 0.0)      # a condition only: never differentiated


def rel_entr(x: Number, y: Number) -> Number:
    """``x log(x / y)`` for positive ``x, y``; 0 where ``x = 0 <= y``; ``inf`` elsewhere.

    Examples:
      >>> float(rel_entr(1.0, 1.0)), float(rel_entr(0.0, 2.0)), float(rel_entr(1.0, 0.0))
      (0.0, 0.0, inf)
    """
    x, y = _float(x), _float(y)
    with np.errstate(all="ignore"):
        r = kinks.where(_both_positive(x, y), x * ops.log(ops.div(x, y)), math.inf)
        r = kinks.where(logic.eq(x, 0.0), kinks.where(logic.ge(y, 0.0), 0.0 * y, math.inf), r)
        return _nan_if_nan(r, x, y)


def kl_div(x: Number, y: Number) -> Number:
    """``x log(x / y) - x + y`` for positive ``x, y``; ``y`` where ``x = 0 <= y``, else ``inf``.

    Examples:
      >>> float(kl_div(1.0, 1.0)), float(kl_div(0.0, 2.0))
      (0.0, 2.0)
    """
    x, y = _float(x), _float(y)
    with np.errstate(all="ignore"):
        r = kinks.where(_both_positive(x, y), x * ops.log(ops.div(x, y)) - x + y, math.inf)
        r = kinks.where(logic.eq(x, 0.0), kinks.where(logic.ge(y, 0.0), y, math.inf), r)
        return _nan_if_nan(r, x, y)
