"""What the discrete distributions share: SciPy's support of counts and its parameter checks."""

from __future__ import annotations

import math
from typing import Any

from ... import kinks, logic
from ...arrays import floor
from ...joins import as_array
from ._common import Number


def between(p: Number, lo: float, hi: float, open_lo: bool = False) -> Any:
    """Whether ``lo <= p <= hi`` (``lo < p`` with ``open_lo``): an elementwise condition."""
    above = logic.gt(p, lo) if open_lo else logic.ge(p, lo)
    return logic.logical_and(above, logic.le(p, hi))


def off_support(x: Number, low: Number, high: Number = math.inf) -> Any:
    """Where the count ``x`` is no integer of ``[low, high]``; a nan ``x`` is not (it stays nan)."""
    fraction = logic.logical_and(logic.ne(x, floor(x)), logic.eq(x, x))
    return logic.logical_or(logic.logical_or(logic.lt(x, low), logic.gt(x, high)), fraction)


def log_mass(r: Number, x: Number, low: Number, high: Number, ok: Any) -> Number:
    """SciPy's log-mass: ``r`` on the support, ``-inf`` off it, ``nan`` where not ``ok``."""
    r = kinks.where(off_support(x, low, high), -math.inf, r)
    return kinks.where(ok, r, math.nan)


def whole(n: Number) -> Any:
    """Whether ``n`` is a count: an integer at least 0."""
    return logic.logical_and(logic.ge(n, 0.0), logic.eq(n, floor(n)))


def shifted(k: Number, loc: Number) -> Number:
    """``k - loc`` of arrays (lists read as NumPy reads them)."""
    return as_array(k) - as_array(loc)


def step_cdf(x: Number, low: Number, high: Number, inside: Number, ok: Any) -> Number:
    """SciPy's CDF of a count: 0 below ``low``, 1 from ``high`` on, ``inside`` between."""
    r = kinks.where(logic.lt(x, low), 0.0, kinks.where(logic.ge(x, high), 1.0, inside))
    return kinks.where(ok, r, math.nan)
