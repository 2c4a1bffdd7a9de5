"""The Pareto distribution: ``scipy.stats.pareto``'s functions, differentiable.

Examples:
  >>> import tapegrad as tg
  >>> from tapegrad.scipy.stats import pareto
  >>> round(float(pareto.pdf(2.0, 1.0)), 12), round(float(tg.grad(pareto.logpdf)(2.0, 1.0)), 12)
  (0.25, -1.0)
"""

from __future__ import annotations

import math

from ... import kinks, logic
from .. import _numpy_ops as ops
from ._common import Number, positive, standardize, where_ok

__all__ = ["cdf", "entropy", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


def logpdf(x: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density ``b / z**(b + 1) / scale`` at ``x``, ``z = (x - loc) / scale``.

    Args:
      x: Where to evaluate (``-inf`` where ``z < 1``).
      b: The shape (``nan`` where not positive).
      loc: The location.
      scale: The scale, the support's start above ``loc`` (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    z = standardize(x, loc, scale)
    below = logic.lt(z, 1.0)         # a nan z is not: its log-density stays nan
    r = ops.log(b) - (b + 1.0) * ops.log(kinks.where(below, 1.0, z)) - ops.log(scale)
    return where_ok(positive(b, scale), kinks.where(below, -math.inf, r), math.nan)


def pdf(x: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density at ``x`` (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, b, loc, scale))


def logsf(x: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x) = -b log z`` (0 below the support; arguments as ``logpdf``)."""
    z = kinks.maximum(standardize(x, loc, scale), 1.0)
    return where_ok(positive(b, scale), -b * ops.log(z), math.nan)


def sf(x: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x) = z**-b`` (arguments as ``logpdf``)."""
    return ops.exp(logsf(x, b, loc, scale))


def cdf(x: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x) = 1 - z**-b`` (arguments as ``logpdf``)."""
    return -ops.expm1(logsf(x, b, loc, scale))


def logcdf(x: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x) = log1p(-z**-b)`` (arguments as ``logpdf``)."""
    return ops.log(cdf(x, b, loc, scale))


def _quantile(q: Number, b: Number, loc: Number, scale: Number, log_tail: Number) -> Number:
    r = loc + scale * ops.exp(-log_tail / b)
    r = kinks.where(logic.logical_or(logic.lt(q, 0.0), logic.gt(q, 1.0)), math.nan, r)
    return where_ok(positive(b, scale), r, math.nan)


def ppf(q: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile function: ``loc + scale * (1 - q)**(-1 / b)``."""
    return _quantile(q, b, loc, scale, ops.log1p(-q))


def isf(q: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``: ``loc + scale * q**(-1 / b)``."""
    return _quantile(q, b, loc, scale, ops.log(q))


def entropy(b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The differential entropy ``1 + 1 / b - log(b) + log(scale)``."""
    r = 1.0 + 1.0 / b - ops.log(b) + ops.log(scale) + 0.0 * loc
    return where_ok(positive(b, scale), r, math.nan)
