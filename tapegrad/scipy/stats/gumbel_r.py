"""The right-skewed Gumbel distribution: ``scipy.stats.gumbel_r``'s functions, differentiable.

Examples:
  >>> import tapegrad as tg
  >>> from tapegrad.scipy.stats import gumbel_r
  >>> round(float(gumbel_r.cdf(0.0)), 12), round(float(tg.grad(gumbel_r.logpdf)(0.0)), 12)
  (0.367879441171, 0.0)
"""

from __future__ import annotations

import math

from ... import kinks, logic
from .. import _numpy_ops as ops
from ._common import Number, positive, standardize, where_ok

__all__ = ["cdf", "entropy", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
EULER = 0.5772156649015329


def logpdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density ``exp(-z - exp(-z)) / scale`` at ``x``, ``z = (x - loc) / scale``.

    Args:
      x: Where to evaluate.
      loc: The mode.
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    z = standardize(x, loc, scale)
    return where_ok(positive(scale), -z - ops.exp(-z) - ops.log(scale), math.nan)


def pdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density at ``x`` (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, loc, scale))


def logcdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x) = -exp(-z)`` (arguments as ``logpdf``)."""
    return where_ok(positive(scale), -ops.exp(-standardize(x, loc, scale)), math.nan)


def cdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x) = exp(-exp(-z))`` (arguments as ``logpdf``)."""
    return ops.exp(logcdf(x, loc, scale))


def sf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x) = -expm1(-exp(-z))``, accurate in the right tail."""
    return where_ok(positive(scale), -ops.expm1(-ops.exp(-standardize(x, loc, scale))), math.nan)


def logsf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x)``: ``log1p(-cdf)`` where the CDF is below 1/2, else ``log(sf)``."""
    p = cdf(x, loc, scale)
    low = logic.lt(p, 0.5)
    return kinks.where(low, ops.log1p(-p), ops.log(sf(x, loc, scale)))


def _quantile(q: Number, loc: Number, scale: Number, inner: Number) -> Number:
    """``loc - scale * log(-inner)`` where ``q`` is in ``[0, 1]``, else ``nan``."""
    r = loc - scale * ops.log(-inner)
    r = kinks.where(logic.logical_or(logic.lt(q, 0.0), logic.gt(q, 1.0)), math.nan, r)
    return where_ok(positive(scale), r, math.nan)


def ppf(q: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile function: ``loc - scale * log(-log q)``."""
    return _quantile(q, loc, scale, ops.log(q))


def isf(q: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``: ``loc - scale * log(-log1p(-q))``."""
    return _quantile(q, loc, scale, ops.log1p(-q))


def entropy(loc: Number = 0, scale: Number = 1) -> Number:
    """The differential entropy ``euler_gamma + 1 + log(scale)`` (``loc`` has no effect)."""
    return where_ok(positive(scale), EULER + 1.0 + ops.log(scale) + 0.0 * loc, math.nan)
