"""The log-normal distribution: ``scipy.stats.lognorm``'s functions, differentiable.

``X = loc + scale * exp(s * Z)`` for a standard normal ``Z``: SciPy's
parametrization, the shape ``s`` first (``scale = exp(mu)`` for the ``mu``
and ``sigma = s`` of the normal beneath).

Examples:
  >>> import tapegrad as tg
  >>> from tapegrad.scipy.stats import lognorm
  >>> round(float(lognorm.cdf(1.0, 0.5)), 12), round(float(tg.grad(lognorm.logpdf)(1.0, 0.5)), 12)
  (0.5, -1.0)
"""

from __future__ import annotations

import math

from ... import kinks, logic
from .. import _numpy_ops as ops
from ..special import log_ndtr, ndtr, ndtri
from ._common import LOG_SQRT_2PI, Number, positive, standardize, where_ok

__all__ = ["cdf", "entropy", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


def _log_y(x: Number, loc: Number, scale: Number) -> tuple[Number, Number, Number]:
    """``log((x - loc) / scale)`` where that is positive (0 elsewhere), where it is, and nan."""
    y = standardize(x, loc, scale)
    inside = logic.gt(y, 0.0)
    return ops.log(kinks.where(inside, y, 1.0)), inside, logic.ne(y, y)   # no log(0) outside


def logpdf(x: Number, s: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density at ``x``: ``-log(y)^2 / (2 s^2) - log(s y scale sqrt(2 pi))``.

    Args:
      x: Where to evaluate (``-inf`` at or below ``loc``).
      s: The shape, the standard deviation of ``log`` of the variable (``nan``
        where not positive).
      loc: The start of the support.
      scale: ``exp`` of the mean of ``log`` of the variable (``nan`` where not
        positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    ly, inside, nan = _log_y(x, loc, scale)
    z = ops.div(ly, s)
    r = -0.5 * (z * z) - LOG_SQRT_2PI - ops.log(s) - ly - ops.log(scale)
    r = kinks.where(nan, math.nan, kinks.where(inside, r, -math.inf))
    return where_ok(positive(s, scale), r, math.nan)


def pdf(x: Number, s: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density at ``x`` (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, s, loc, scale))


def _z(x: Number, s: Number, loc: Number, scale: Number) -> tuple[Number, Number]:
    ly, inside, nan = _log_y(x, loc, scale)
    z = kinks.where(nan, math.nan, kinks.where(inside, ops.div(ly, s), -math.inf))
    return z, positive(s, scale)


def cdf(x: Number, s: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x) = ndtr(log(y) / s)`` (0 at or below ``loc``; arguments as ``logpdf``)."""
    z, ok = _z(x, s, loc, scale)
    return where_ok(ok, ndtr(z), math.nan)


def logcdf(x: Number, s: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x)``, accurate far in the left tail (arguments as ``logpdf``)."""
    z, ok = _z(x, s, loc, scale)
    return where_ok(ok, log_ndtr(z), math.nan)


def sf(x: Number, s: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x) = ndtr(-log(y) / s)``, accurate in the right tail (arguments as ``logpdf``)."""
    z, ok = _z(x, s, loc, scale)
    return where_ok(ok, ndtr(-z), math.nan)


def logsf(x: Number, s: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x)`` (arguments as ``logpdf``)."""
    z, ok = _z(x, s, loc, scale)
    return where_ok(ok, log_ndtr(-z), math.nan)


def ppf(q: Number, s: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile function, the inverse of ``cdf``: ``loc + scale * exp(s * ndtri(q))``."""
    return where_ok(positive(s, scale), loc + scale * ops.exp(s * ndtri(q)), math.nan)


def isf(q: Number, s: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``: ``loc + scale * exp(-s * ndtri(q))``."""
    return where_ok(positive(s, scale), loc + scale * ops.exp(-s * ndtri(q)), math.nan)


def entropy(s: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The differential entropy ``(1 + log(2 pi)) / 2 + log(s) + log(scale)``."""
    r = 0.5 + LOG_SQRT_2PI + ops.log(s) + ops.log(scale)
    return where_ok(positive(s, scale), r + 0.0 * loc, math.nan)
