"""The Rayleigh distribution: ``scipy.stats.rayleigh``'s functions, differentiable.

Density ``z exp(-z**2 / 2)`` for ``z = (x - loc) / scale >= 0``.

Examples:
  >>> from tapegrad.scipy.stats import rayleigh
  >>> round(float(rayleigh.sf(1.0)), 12)        # exp(-1/2)
  0.606530659713
"""

from __future__ import annotations

import math

from ... import kinks, logic
from .. import _numpy_ops as ops
from ._common import Number, log_tails, mean_var, positive, quantile, scaled_logpdf, tail

__all__ = ["cdf", "entropy", "isf", "logcdf", "logpdf", "logsf", "mean", "pdf", "ppf", "sf",
           "var"]
_HALF = (0.0, math.inf)
_MEDIAN = math.sqrt(2.0 * math.log(2.0))
_EULER = 0.5772156649015329


def logpdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density: ``log(z) - z**2 / 2 - log(scale)`` (``-inf`` for ``z <= 0``).

    Args:
      x: Where to evaluate.
      loc: The location.
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    return scaled_logpdf(x, loc, scale, _standard, positive(scale), _HALF)


def _standard(z: Number) -> Number:
    """``log(z) - z**2 / 2``, ``-inf`` at ``z = inf`` (as SciPy's)."""
    big = logic.eq(z, math.inf)
    zs = kinks.where(big, 1.0, z)
    return kinks.where(big, -math.inf, ops.log(zs) - 0.5 * zs * zs)


def pdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, loc, scale))


def _cdf(z: Number) -> Number:
    return -ops.expm1(-0.5 * (z * z))


def _sf(z: Number) -> Number:
    return ops.exp(-0.5 * z * z)


def cdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x) = -expm1(-z**2 / 2)``."""
    return tail(x, loc, scale, _cdf, positive(scale), _HALF, (0.0, 1.0))


def sf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x) = exp(-z**2 / 2)``."""
    return tail(x, loc, scale, _sf, positive(scale), _HALF, (1.0, 0.0))


def logcdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x)``: ``log(cdf)`` below the median, ``log1p(-sf)`` above (SciPy's)."""
    return tail(x, loc, scale, lambda z: log_tails(z, _cdf, _sf, _MEDIAN, "cdf"),
                positive(scale), _HALF, (-math.inf, 0.0))


def logsf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x) = -z**2 / 2``."""
    return tail(x, loc, scale, lambda z: -0.5 * z * z, positive(scale), _HALF, (0.0, -math.inf))


def ppf(q: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile ``sqrt(-2 log1p(-q)) * scale + loc``."""
    return quantile(q, lambda p: ops.sqrt(-2 * ops.log1p(-p)), loc, scale, positive(scale), _HALF)


def isf(q: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``: ``sqrt(-2 log(q)) * scale + loc``."""
    return quantile(q, lambda p: ops.sqrt(-2 * ops.log(p)), loc, scale, positive(scale),
                    _HALF[::-1])


def mean(loc: Number = 0, scale: Number = 1) -> Number:
    """The mean ``sqrt(pi/2) * scale + loc``."""
    return mean_var(math.sqrt(math.pi / 2), 0.0, loc, scale, positive(scale), "mean")


def var(loc: Number = 0, scale: Number = 1) -> Number:
    """The variance ``(4 - pi) / 2 * scale**2``."""
    return mean_var(0.0, (4 - math.pi) / 2, loc, scale, positive(scale), "var")


def entropy(loc: Number = 0, scale: Number = 1) -> Number:
    """The differential entropy ``euler / 2 + 1 - log(2) / 2 + log(scale)``."""
    r = _EULER / 2.0 + 1 - 0.5 * math.log(2) + ops.log(scale) + 0.0 * loc
    return mean_var(r, r, 0.0, 1.0, positive(scale), "mean")
