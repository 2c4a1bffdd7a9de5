"""The Fisk (log-logistic) distribution: ``scipy.stats.fisk``'s functions, differentiable.

Density ``c z**(c-1) / (1 + z**c)**2`` for ``z = (x - loc) / scale >= 0``, shape ``c > 0``
(SciPy's Burr with ``d = 1``, and its formulas).

Examples:
  >>> from tapegrad.scipy.stats import fisk
  >>> round(float(fisk.cdf(1.0, 3.0)), 12)
  0.5
"""

from __future__ import annotations

import math

from ... import kinks, logic
from .. import _numpy_ops as ops
from ..special import beta, xlog1py, xlogy
from ._common import Number, mean_var, positive, quantile, scaled_logpdf, tail

__all__ = ["cdf", "entropy", "isf", "logcdf", "logpdf", "logsf", "mean", "pdf", "ppf", "sf",
           "var"]
_HALF = (0.0, math.inf)


def _inverse_power(z: Number, c: Number) -> Number:
    """``z**(-c)`` for ``z > 0``."""
    return ops.exp(-c * ops.log(z))


def logpdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density: ``log(c) - (c+1) log z - 2 log1p(z**-c) - log(scale)``.

    Args:
      x: Where to evaluate (``-inf`` below ``loc``).
      c: The shape (``nan`` where not positive).
      loc: The location.
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    def standard(z: Number) -> Number:
        zero = logic.eq(z, 0.0)
        zs = kinks.where(zero, 1.0, z)
        at_zero = ops.log(c) + xlogy(c - 1.0, z)
        return kinks.where(zero, at_zero, ops.log(c) + xlogy(-c - 1.0, zs)
                           - xlog1py(2.0, _inverse_power(zs, c)))
    return scaled_logpdf(x, loc, scale, standard, positive(c, scale), _HALF)


def pdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, c, loc, scale))


def cdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x) = 1 / (1 + z**-c)``."""
    return tail(x, loc, scale, lambda z: 1.0 / (1.0 + _inverse_power(z, c)), positive(c, scale),
                _HALF, (0.0, 1.0))


def logcdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x) = -log1p(z**-c)``."""
    return tail(x, loc, scale, lambda z: -ops.log1p(_inverse_power(z, c)), positive(c, scale),
                _HALF, (-math.inf, 0.0))


def logsf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x) = log1p(-1 / (1 + z**-c))``."""
    return tail(x, loc, scale, lambda z: ops.log1p(-1.0 / (1.0 + _inverse_power(z, c))),
                positive(c, scale), _HALF, (0.0, -math.inf))


def sf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x) = exp(logsf)``."""
    return ops.exp(logsf(x, c, loc, scale))


def ppf(q: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile ``(1/q - 1)**(-1/c) * scale + loc``."""
    return quantile(q, lambda p: ops.exp(-ops.log(1.0 / p - 1) / c), loc, scale,
                    positive(c, scale), _HALF)


def isf(q: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``: ``expm1(-log1p(-q))**(-1/c) * scale + loc``."""
    return quantile(q, lambda p: ops.exp(-ops.log(ops.expm1(xlog1py(-1.0, -p))) / c), loc, scale,
                    positive(c, scale), _HALF[::-1])


def _moments(c: Number) -> tuple[Number, Number]:
    """``beta(1 + 1/c, 1 - 1/c)`` for ``c > 1``, the variance for ``c > 2``; ``nan`` below."""
    c1 = kinks.where(logic.gt(c, 1.0), c, 3.0)
    c2 = kinks.where(logic.gt(c, 2.0), c, 3.0)
    mu = kinks.where(logic.gt(c, 1.0), beta(1.0 + 1.0 / c1, 1.0 - 1.0 / c1), math.nan)
    e1 = beta(1.0 + 1.0 / c2, 1.0 - 1.0 / c2)
    mu2 = kinks.where(logic.gt(c, 2.0), beta(1.0 + 2.0 / c2, 1.0 - 2.0 / c2) - e1 * e1, math.nan)
    return mu, mu2


def mean(c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The mean ``beta(1 + 1/c, 1 - 1/c) * scale + loc`` (``nan`` for ``c <= 1``)."""
    return mean_var(*_moments(c), loc, scale, positive(c, scale), "mean")


def var(c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The variance (``nan`` for ``c <= 2``)."""
    return mean_var(*_moments(c), loc, scale, positive(c, scale), "var")


def entropy(c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The differential entropy ``2 - log(c) + log(scale)``."""
    r = 2 - ops.log(c) + ops.log(scale) + 0.0 * loc
    return mean_var(r, r, 0.0, 1.0, positive(c, scale), "mean")
