"""The uniform distribution on ``[loc, loc + scale]``: ``scipy.stats.uniform``, differentiable.

Examples:
  >>> from tapegrad.scipy.stats import uniform
  >>> uniform.pdf(0.5), uniform.cdf(0.25, 0.0, 2.0)
  (1.0, 0.125)
"""

from __future__ import annotations

import math

from ... import kinks, logic
from .. import _numpy_ops as ops
from ._common import Number, positive, standardize, where_ok

__all__ = ["cdf", "entropy", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


def _outside(z: Number) -> object:
    return logic.logical_or(logic.lt(z, 0.0), logic.gt(z, 1.0))


def logpdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``-log(scale)`` on ``[loc, loc + scale]``, ``-inf`` outside.

    Args:
      x: Where to evaluate.
      loc: The start of the interval.
      scale: Its length (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    z = standardize(x, loc, scale)
    r = kinks.where(_outside(z), -math.inf, -ops.log(scale) + 0.0 * z)
    return where_ok(positive(scale), r, math.nan)


def pdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density at ``x`` (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, loc, scale))


def cdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x)``: ``z`` clipped to ``[0, 1]`` (arguments as ``logpdf``)."""
    return where_ok(positive(scale), kinks.clip(standardize(x, loc, scale), 0.0, 1.0), math.nan)


def logcdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x)`` (arguments as ``logpdf``)."""
    return ops.log(cdf(x, loc, scale))


def sf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x) = 1 - z`` clipped (arguments as ``logpdf``)."""
    z = standardize(x, loc, scale)
    return where_ok(positive(scale), kinks.clip(1.0 - z, 0.0, 1.0), math.nan)


def logsf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x) = log1p(-z)``, ``z`` clipped: tiny just above ``loc``, not 0."""
    z = kinks.clip(standardize(x, loc, scale), 0.0, 1.0)
    return where_ok(positive(scale), ops.log1p(-z), math.nan)


def ppf(q: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile function ``loc + scale q`` (``nan`` outside ``[0, 1]``)."""
    r = kinks.where(_outside(q), math.nan, loc + scale * q)
    return where_ok(positive(scale), r, math.nan)


def isf(q: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``: ``loc + scale (1 - q)`` (``nan`` outside ``[0, 1]``)."""
    r = kinks.where(_outside(q), math.nan, loc + scale * (1.0 - q))
    return where_ok(positive(scale), r, math.nan)


def entropy(loc: Number = 0, scale: Number = 1) -> Number:
    """The differential entropy ``log(scale)`` (``loc`` has no effect)."""
    return where_ok(positive(scale), ops.log(scale) + 0.0 * loc, math.nan)
