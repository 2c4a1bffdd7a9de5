"""The truncated normal distribution: ``scipy.stats.truncnorm``'s functions, differentiable.

The standard normal restricted to ``[a, b]`` (in standardized units, as
SciPy's: the support is ``[loc + a scale, loc + b scale]``). The mass of
the interval is computed in the left tail, as SciPy's, so a far truncation
(``a = 30``) keeps its digits.

Examples:
  >>> from tapegrad.scipy.stats import truncnorm
  >>> round(float(truncnorm.cdf(0.0, -1.0, 1.0)), 12)
  0.5
"""

from __future__ import annotations

import math

from ... import kinks, logic
from ...joins import as_array
from .. import _numpy_ops as ops
from ..special import log_ndtr, ndtr
from ._common import LOG_SQRT_2PI, Number, positive, standardize, typed_like, where_ok

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]


def _log_diff(p: Number, q: Number) -> Number:
    """``log(exp(p) - exp(q))`` for ``q <= p``; ``-inf`` where they are equal (``-inf`` too)."""
    same = logic.eq(p, q)
    return kinks.where(same, -math.inf, p + ops.log(-ops.expm1(kinks.where(same, -1.0, q - p))))


def log_mass(a: Number, b: Number) -> Number:
    """``log(ndtr(b) - ndtr(a))``: in the left tail, the right one mirrored, or around 0.

    Each branch computes on values meant for it (the others' are replaced),
    so no ``nan`` of a branch not taken reaches a derivative.
    """
    left, right = logic.le(b, 0.0), logic.gt(a, 0.0)
    al, bl = kinks.where(left, a, -1.0), kinks.where(left, b, 0.0)
    ar, br = kinks.where(right, a, 0.0), kinks.where(right, b, 1.0)
    middle = ops.log1p(-ndtr(a) - ndtr(-b))
    return kinks.where(left, _log_diff(log_ndtr(bl), log_ndtr(al)),
                       kinks.where(right, _log_diff(log_ndtr(-ar), log_ndtr(-br)), middle))


def _ok(a: Number, b: Number, scale: Number) -> Number:
    ok = positive(scale)
    less = logic.lt(a, b)
    return less if ok is True else logic.logical_and(ok, less)


def logpdf(x: Number, a: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density at ``x``: the normal's, less the log of the mass of ``[a, b]``.

    Args:
      x: Where to evaluate (``-inf`` outside the support).
      a: The lower truncation, in standard deviations from ``loc``.
      b: The upper truncation (``nan`` where not above ``a``).
      loc: The normal's mean.
      scale: The normal's standard deviation (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    z = standardize(x, loc, scale)
    r = -0.5 * (z * z) - LOG_SQRT_2PI - log_mass(a, b) - ops.log(scale)
    r = kinks.where(logic.logical_or(logic.lt(z, a), logic.gt(z, b)), -math.inf, r)
    return where_ok(_ok(a, b, scale), r, math.nan)


def pdf(x: Number, a: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density at ``x`` (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, a, b, loc, scale))


def _logs(x: Number, a: Number, b: Number, loc: Number, scale: Number,
          upper: bool) -> Number:
    """``logsf`` (``upper``) or ``logcdf``, ``log1p(-exp(other))`` where it is above -0.1."""
    a, b = typed_like(as_array(x), a, b)
    z = kinks.clip(standardize(x, loc, scale), a, b)
    total = log_mass(a, b)
    low, high = log_mass(a, z) - total, log_mass(z, b) - total
    mine, other = (high, low) if upper else (low, high)
    near = logic.gt(mine, -0.1)             # SciPy's switch: no cancellation near 0
    r = kinks.where(near, ops.log1p(-ops.exp(kinks.where(near, other, -1.0))), mine)
    return where_ok(_ok(a, b, scale), r, math.nan)


def logcdf(x: Number, a: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x)`` (arguments as ``logpdf``)."""
    return _logs(x, a, b, loc, scale, upper=False)


def logsf(x: Number, a: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x)`` (arguments as ``logpdf``)."""
    return _logs(x, a, b, loc, scale, upper=True)


def cdf(x: Number, a: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x)`` (arguments as ``logpdf``)."""
    return ops.exp(logcdf(x, a, b, loc, scale))


def sf(x: Number, a: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x)`` (arguments as ``logpdf``)."""
    return ops.exp(logsf(x, a, b, loc, scale))
