"""The Laplace distribution: ``scipy.stats.laplace``'s functions, differentiable.

Examples:
  >>> from tapegrad.scipy.stats import laplace
  >>> round(laplace.pdf(0.0), 12), round(laplace.cdf(0.0), 12)
  (0.5, 0.5)
"""

from __future__ import annotations

import math

from ... import kinks, logic
from .. import _numpy_ops as ops
from ._common import Number, positive, standardize, where_ok

__all__ = ["cdf", "entropy", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
_LOG2 = math.log(2.0)


def logpdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density ``exp(-|z|) / (2 scale)`` at ``x`` (derivative 0 at the peak).

    Args:
      x: Where to evaluate.
      loc: The location (the median).
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    z = standardize(x, loc, scale)
    return where_ok(positive(scale), -kinks.abs(z) - _LOG2 - ops.log(scale), math.nan)


def pdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density at ``x`` (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, loc, scale))


def _logcdf(z: Number) -> Number:
    """``log P(Z <= z)``: ``z - log 2`` below 0, ``log1p(-exp(-z) / 2)`` above."""
    neg = logic.lt(z, 0.0)          # each branch sees z only where it is taken: at z = 0 the
    return kinks.where(neg, kinks.where(neg, z, 0.0) - _LOG2,      # derivative is the pdf's,
                       ops.log1p(-0.5 * ops.exp(-kinks.where(neg, 0.0, z))))   # not half of it


def cdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x)`` (arguments as ``logpdf``)."""
    return ops.exp(logcdf(x, loc, scale))


def logcdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x)``, accurate in both tails (arguments as ``logpdf``)."""
    return where_ok(positive(scale), _logcdf(standardize(x, loc, scale)), math.nan)


def sf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x) = cdf(-x)`` by symmetry (arguments as ``logpdf``)."""
    return ops.exp(logsf(x, loc, scale))


def logsf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x)`` (arguments as ``logpdf``)."""
    return where_ok(positive(scale), _logcdf(-standardize(x, loc, scale)), math.nan)


def ppf(q: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile function: ``loc + scale log(2 q)`` below 1/2, ``- scale log(2 - 2 q)`` above."""
    upper = logic.gt(q, 0.5)
    r = loc + scale * kinks.where(upper, -ops.log(2.0 - 2.0 * q), ops.log(2.0 * q))
    r = kinks.where(logic.logical_or(logic.lt(q, 0.0), logic.gt(q, 1.0)), math.nan, r)
    return where_ok(positive(scale), r, math.nan)


def isf(q: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``, ``ppf``'s mirror: ``loc - scale log(2 q)`` above 1/2."""
    upper = logic.gt(q, 0.5)
    r = loc - scale * kinks.where(upper, -ops.log(2.0 - 2.0 * q), ops.log(2.0 * q))
    r = kinks.where(logic.logical_or(logic.lt(q, 0.0), logic.gt(q, 1.0)), math.nan, r)
    return where_ok(positive(scale), r, math.nan)


def entropy(loc: Number = 0, scale: Number = 1) -> Number:
    """The differential entropy ``1 + log(2 scale)`` (``loc`` has no effect)."""
    return where_ok(positive(scale), 1.0 + math.log(2.0) + ops.log(scale) + 0.0 * loc, math.nan)
