"""The normal distribution: ``scipy.stats.norm``'s functions, differentiable.

Examples:
  >>> import tapegrad as tg
  >>> from tapegrad.scipy.stats import norm
  >>> round(norm.cdf(0.0), 12), round(tg.grad(norm.cdf)(0.0), 12)
  (0.5, 0.398942280401)
"""

from __future__ import annotations

import math

from .. import _numpy_ops as ops
from ..special import log_ndtr, ndtr, ndtri
from ._common import LOG_SQRT_2PI, Number, positive, standardize, where_ok

__all__ = ["cdf", "entropy", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


def logpdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the normal density at ``x``.

    Args:
      x: Where to evaluate.
      loc: The mean.
      scale: The standard deviation (``nan`` where it is not positive).

    Returns:
      ``-((x - loc) / scale)**2 / 2 - log(sqrt(2 pi) scale)``, broadcast.
    """
    z = standardize(x, loc, scale)
    return where_ok(positive(scale), -0.5 * (z * z) - LOG_SQRT_2PI - ops.log(scale), float("nan"))


def pdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The normal density at ``x`` (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, loc, scale))


def cdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x)`` (arguments as ``logpdf``)."""
    return where_ok(positive(scale), ndtr(standardize(x, loc, scale)), float("nan"))


def logcdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x)``, accurate far in the left tail (arguments as ``logpdf``)."""
    return where_ok(positive(scale), log_ndtr(standardize(x, loc, scale)), float("nan"))


def sf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x)``, accurate in the right tail (arguments as ``logpdf``)."""
    return where_ok(positive(scale), ndtr(-standardize(x, loc, scale)), float("nan"))


def logsf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x)`` (arguments as ``logpdf``)."""
    return where_ok(positive(scale), log_ndtr(-standardize(x, loc, scale)), float("nan"))


def ppf(q: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile function, the inverse of ``cdf``: ``loc + scale * ndtri(q)``."""
    return where_ok(positive(scale), loc + scale * ndtri(q), float("nan"))


def isf(q: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``: ``loc - scale * ndtri(q)``."""
    return where_ok(positive(scale), loc - scale * ndtri(q), float("nan"))


def entropy(loc: Number = 0, scale: Number = 1) -> Number:
    """The differential entropy ``log(2 pi e) / 2 + log(scale)`` (``loc`` has no effect)."""
    return where_ok(positive(scale), 0.5 + LOG_SQRT_2PI + ops.log(scale) + 0.0 * loc, math.nan)
