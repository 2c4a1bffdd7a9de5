"""The half-normal distribution: ``scipy.stats.halfnorm``'s functions, differentiable.

Density ``sqrt(2/pi) exp(-z**2 / 2)`` for ``z = (x - loc) / scale >= 0``.

Examples:
  >>> from tapegrad.scipy.stats import halfnorm
  >>> round(float(halfnorm.cdf(1.0)), 12)
  0.682689492137
"""

from __future__ import annotations

import math

from .. import _numpy_ops as ops
from ..special import erf, ndtr, ndtri
from ._common import Number, log_tails, mean_var, positive, quantile, scaled_logpdf, tail

__all__ = ["cdf", "entropy", "isf", "logcdf", "logpdf", "logsf", "mean", "pdf", "ppf", "sf",
           "var"]
_HALF = (0.0, math.inf)
_MEDIAN = 0.6744897501960817


def logpdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density: ``log(2/pi) / 2 - z**2 / 2 - log(scale)`` (``-inf`` for ``z < 0``).

    Args:
      x: Where to evaluate.
      loc: The location.
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    return scaled_logpdf(x, loc, scale, lambda z: 0.5 * math.log(2.0 / math.pi) - z * z / 2.0,
                         positive(scale), _HALF)


def pdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, loc, scale))


def _cdf(z: Number) -> Number:
    return erf(z / math.sqrt(2))


def _sf(z: Number) -> Number:
    return 2 * ndtr(-z)


def cdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x) = erf(z / sqrt(2))``."""
    return tail(x, loc, scale, _cdf, positive(scale), _HALF, (0.0, 1.0))


def sf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x) = 2 ndtr(-z)``."""
    return tail(x, loc, scale, _sf, positive(scale), _HALF, (1.0, 0.0))


def logcdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x)``: ``log(cdf)`` below the median, ``log1p(-sf)`` above (SciPy's)."""
    return tail(x, loc, scale, lambda z: log_tails(z, _cdf, _sf, _MEDIAN, "cdf"),
                positive(scale), _HALF, (-math.inf, 0.0))


def logsf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x)``: ``log(sf)`` above the median, ``log1p(-cdf)`` below (SciPy's)."""
    return tail(x, loc, scale, lambda z: log_tails(z, _cdf, _sf, _MEDIAN, "sf"),
                positive(scale), _HALF, (0.0, -math.inf))


def ppf(q: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile ``ndtri((1 + q) / 2) * scale + loc``."""
    return quantile(q, lambda p: ndtri((1 + p) / 2.0), loc, scale, positive(scale), _HALF)


def isf(q: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``: ``-ndtri(q / 2) * scale + loc``."""
    return quantile(q, lambda p: -ndtri(p / 2), loc, scale, positive(scale), _HALF[::-1])


def mean(loc: Number = 0, scale: Number = 1) -> Number:
    """The mean ``sqrt(2/pi) * scale + loc``."""
    return mean_var(math.sqrt(2.0 / math.pi), 1.0 - 2.0 / math.pi, loc, scale, positive(scale),
                    "mean")


def var(loc: Number = 0, scale: Number = 1) -> Number:
    """The variance ``(1 - 2/pi) * scale**2``."""
    return mean_var(0.0, 1.0 - 2.0 / math.pi, loc, scale, positive(scale), "var")


def entropy(loc: Number = 0, scale: Number = 1) -> Number:
    """The differential entropy ``log(pi/2) / 2 + 1/2 + log(scale)``."""
    r = 0.5 * math.log(math.pi / 2.0) + 0.5 + ops.log(scale) + 0.0 * loc
    return mean_var(r, r, 0.0, 1.0, positive(scale), "mean")
