"""The half-Cauchy distribution: ``scipy.stats.halfcauchy``'s functions, differentiable.

Density ``2 / (pi (1 + z**2))`` for ``z = (x - loc) / scale >= 0``.

Examples:
  >>> from tapegrad.scipy.stats import halfcauchy
  >>> round(float(halfcauchy.cdf(1.0)), 12)
  0.5
"""

from __future__ import annotations

import math

from ... import elementary
from .. import _numpy_ops as ops
from ._common import Number, log_tails, mean_var, positive, quantile, scaled_logpdf, tail

__all__ = ["cdf", "entropy", "isf", "logcdf", "logpdf", "logsf", "mean", "pdf", "ppf", "sf",
           "var"]
_HALF = (0.0, math.inf)


def logpdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density: ``log(2/pi) - log1p(z**2) - log(scale)`` (``-inf`` for ``z < 0``).

    Args:
      x: Where to evaluate.
      loc: The location.
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    return scaled_logpdf(x, loc, scale, lambda z: math.log(2.0 / math.pi) - ops.log1p(z * z),
                         positive(scale), _HALF)


def pdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, loc, scale))


def _cdf(z: Number) -> Number:
    return 2.0 / math.pi * ops.arctan(z)


def _sf(z: Number) -> Number:
    return 2.0 / math.pi * elementary.arctan2(1.0, z)


def cdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x) = 2/pi arctan(z)``."""
    return tail(x, loc, scale, _cdf, positive(scale), _HALF, (0.0, 1.0))


def sf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x) = 2/pi arctan2(1, z)``."""
    return tail(x, loc, scale, _sf, positive(scale), _HALF, (1.0, 0.0))


def logcdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x)``: ``log(cdf)`` below the median 1, ``log1p(-sf)`` above (SciPy's)."""
    return tail(x, loc, scale, lambda z: log_tails(z, _cdf, _sf, 1.0, "cdf"), positive(scale),
                _HALF, (-math.inf, 0.0))


def logsf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x)``: ``log(sf)`` above the median 1, ``log1p(-cdf)`` below (SciPy's)."""
    return tail(x, loc, scale, lambda z: log_tails(z, _cdf, _sf, 1.0, "sf"), positive(scale),
                _HALF, (0.0, -math.inf))


def ppf(q: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile ``tan(pi q / 2) * scale + loc``."""
    return quantile(q, lambda p: ops.tan(math.pi / 2 * p), loc, scale, positive(scale), _HALF)


def isf(q: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``: ``1 / tan(pi q / 2) * scale + loc``."""
    return quantile(q, lambda p: 1.0 / ops.tan(math.pi * p / 2), loc, scale, positive(scale),
                    _HALF[::-1])


def mean(loc: Number = 0, scale: Number = 1) -> Number:
    """The mean: ``inf``."""
    return mean_var(math.inf, math.inf, loc, scale, positive(scale), "mean")


def var(loc: Number = 0, scale: Number = 1) -> Number:
    """The variance: ``inf``."""
    return mean_var(math.inf, math.inf, loc, scale, positive(scale), "var")


def entropy(loc: Number = 0, scale: Number = 1) -> Number:
    """The differential entropy ``log(2 pi) + log(scale)``."""
    r = math.log(2.0 * math.pi) + ops.log(scale) + 0.0 * loc
    return mean_var(r, r, 0.0, 1.0, positive(scale), "mean")
