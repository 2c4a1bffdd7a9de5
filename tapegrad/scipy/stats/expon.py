"""The exponential distribution: ``scipy.stats.expon``'s functions, differentiable.

Examples:
  >>> import tapegrad as tg
  >>> from tapegrad.scipy.stats import expon
  >>> round(expon.logpdf(2.0), 12), tg.grad(expon.logpdf)(0.0)     # the right derivative at 0
  (-2.0, -1.0)
"""

from __future__ import annotations

import math

from ... import kinks, logic
from .. import _numpy_ops as ops
from ._common import Number, positive, standardize, where_ok

__all__ = ["cdf", "entropy", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
_LOG2 = math.log(2.0)


def logpdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density ``exp(-z) / scale`` at ``x``, ``z = (x - loc) / scale``.

    Args:
      x: Where to evaluate (``-inf`` below ``loc``).
      loc: The start of the support.
      scale: The mean above ``loc`` (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    z = standardize(x, loc, scale)
    r = kinks.where(logic.lt(z, 0.0), -math.inf, -z - ops.log(scale))
    return where_ok(positive(scale), r, math.nan)


def pdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density at ``x`` (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, loc, scale))


def cdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x) = -expm1(-z)``, accurate near ``loc`` (arguments as ``logpdf``)."""
    z = kinks.maximum(standardize(x, loc, scale), 0.0)
    return where_ok(positive(scale), -ops.expm1(-z), math.nan)


def logcdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x)``: ``log(-expm1(-z))`` near ``loc``, ``log1p(-exp(-z))`` beyond log 2."""
    z = kinks.maximum(standardize(x, loc, scale), 0.0)
    far = logic.gt(z, _LOG2)
    zn = kinks.where(far, _LOG2, z)             # each branch on its own side: no log(0) warning
    zf = kinks.where(far, z, _LOG2)
    r = kinks.where(far, ops.log1p(-ops.exp(-zf)), ops.log(-ops.expm1(-zn)))
    return where_ok(positive(scale), kinks.where(logic.eq(z, 0.0), -math.inf, r), math.nan)


def sf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x) = exp(-z)`` (1 below ``loc``; arguments as ``logpdf``)."""
    return ops.exp(logsf(x, loc, scale))


def logsf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x) = -z`` (0 below ``loc``; arguments as ``logpdf``)."""
    z = kinks.maximum(standardize(x, loc, scale), 0.0)
    return where_ok(positive(scale), -z, math.nan)


def ppf(q: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile function: ``loc - scale * log1p(-q)`` (``nan`` outside ``[0, 1]``)."""
    r = loc - scale * ops.log1p(-q)
    r = kinks.where(logic.logical_or(logic.lt(q, 0.0), logic.gt(q, 1.0)), math.nan, r)
    return where_ok(positive(scale), r, math.nan)


def isf(q: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``: ``loc - scale * log(q)`` (``nan`` outside ``[0, 1]``)."""
    r = loc - scale * ops.log(q)
    r = kinks.where(logic.logical_or(logic.lt(q, 0.0), logic.gt(q, 1.0)), math.nan, r)
    return where_ok(positive(scale), r, math.nan)


def entropy(loc: Number = 0, scale: Number = 1) -> Number:
    """The differential entropy ``1 + log(scale)`` (``loc`` has no effect)."""
    return where_ok(positive(scale), 1.0 + ops.log(scale) + 0.0 * loc, math.nan)
