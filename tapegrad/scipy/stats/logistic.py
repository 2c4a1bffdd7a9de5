"""The logistic distribution: ``scipy.stats.logistic``'s functions, differentiable.

Every function is one of ``softplus``, ``expit`` and ``logit`` of the
standardized ``z``, so both tails keep their relative accuracy.

Examples:
  >>> from tapegrad.scipy.stats import logistic
  >>> round(logistic.pdf(0.0), 12), round(logistic.cdf(0.0), 12)
  (0.25, 0.5)
"""

from __future__ import annotations

import math

from ... import kinks, logic
from .. import _numpy_ops as ops
from ..special import expit, logit
from ._common import Number, positive, standardize, where_ok

__all__ = ["cdf", "entropy", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


def logpdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density ``exp(-z) / (1 + exp(-z))^2 / scale`` at ``x``.

    Args:
      x: Where to evaluate.
      loc: The location (the median).
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    z = standardize(x, loc, scale)     # even in z: -|z| - 2 softplus(-|z|), finite at -inf too,
    neg = logic.lt(z, 0.0)             # each side written in z (smooth at 0 to any order)
    r = kinks.where(neg, z - 2.0 * ops.softplus(z), -z - 2.0 * ops.softplus(-z)) - ops.log(scale)
    return where_ok(positive(scale), r, math.nan)


def pdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density at ``x`` (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, loc, scale))


def cdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x) = expit(z)`` (arguments as ``logpdf``)."""
    return where_ok(positive(scale), expit(standardize(x, loc, scale)), math.nan)


def logcdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x) = -softplus(-z)`` (arguments as ``logpdf``)."""
    return where_ok(positive(scale), -ops.softplus(-standardize(x, loc, scale)), math.nan)


def sf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x) = expit(-z)`` (arguments as ``logpdf``)."""
    return where_ok(positive(scale), expit(-standardize(x, loc, scale)), math.nan)


def logsf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x) = -softplus(z)`` (arguments as ``logpdf``)."""
    return where_ok(positive(scale), -ops.softplus(standardize(x, loc, scale)), math.nan)


def ppf(q: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile function: ``loc + scale * logit(q)``."""
    return where_ok(positive(scale), loc + scale * logit(q), math.nan)


def isf(q: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``: ``loc - scale * logit(q)``."""
    return where_ok(positive(scale), loc - scale * logit(q), math.nan)


def entropy(loc: Number = 0, scale: Number = 1) -> Number:
    """The differential entropy ``2 + log(scale)`` (``loc`` has no effect)."""
    return where_ok(positive(scale), 2.0 + ops.log(scale) + 0.0 * loc, math.nan)
