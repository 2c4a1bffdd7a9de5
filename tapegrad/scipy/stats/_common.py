"""What the distributions share: standardizing, and SciPy's values outside the support."""

from __future__ import annotations

import math
from typing import Any

from ... import kinks, logic, ops

Number = Any
LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def where_ok(ok: Any, value: Number, fill: float) -> Number:
    """``value`` where ``ok``, ``fill`` elsewhere; no select when ``ok`` is a plain True."""
    if ok is True:
        return value
    return kinks.where(ok, value, fill)


def positive(*params: Number) -> Any:
    """Whether every parameter is positive: True, or an elementwise condition."""
    ok: Any = True
    for p in params:
        if isinstance(p, int | float) and not isinstance(p, bool) and p > 0:
            continue
        gt = logic.gt(p, 0.0)
        ok = gt if ok is True else logic.logical_and(ok, gt)
    return ok


def standardize(x: Number, loc: Number, scale: Number) -> Number:
    """``(x - loc) / scale``, IEEE's: a zero scale gives inf or nan, never ZeroDivisionError."""
    return ops.div(x - loc, scale)
