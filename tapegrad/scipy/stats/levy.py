"""The Lévy distribution: ``scipy.stats.levy``'s functions, differentiable.

Density ``exp(-1 / (2 z)) / sqrt(2 pi z**3)`` for ``z = (x - loc) / scale >= 0``.

Examples:
  >>> from tapegrad.scipy.stats import levy
  >>> round(float(levy.cdf(1.0)), 12)           # erfc(sqrt(1/2))
  0.317310507863
"""

from __future__ import annotations

import math

from ... import kinks, logic
from .. import _numpy_ops as ops
from ..special import erf, erfc, erfinv, ndtri
from ._common import Number, log_tails, mean_var, positive, quantile, scaled_logpdf, tail

__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "mean", "pdf", "ppf", "sf", "var"]
_HALF = (0.0, math.inf)
_MEDIAN = 2.198109338317732


def logpdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density: ``-log(2 pi) / 2 - 3/2 log z - 1 / (2 z) - log(scale)``.

    Args:
      x: Where to evaluate (``-inf`` at and below ``loc``).
      loc: The location.
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    def standard(z: Number) -> Number:
        pos = logic.gt(z, 0.0)
        zs = kinks.where(pos, z, 1.0)
        return kinks.where(pos, -0.5 * math.log(2 * math.pi) - 1.5 * ops.log(zs) - 0.5 / zs,
                           -math.inf)
    return scaled_logpdf(x, loc, scale, standard, positive(scale), _HALF)


def pdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, loc, scale))


def _cdf(z: Number) -> Number:
    return erfc(ops.sqrt(0.5 / z))


def _sf(z: Number) -> Number:
    return erf(ops.sqrt(0.5 / z))


def cdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x) = erfc(sqrt(1 / (2 z)))``."""
    return tail(x, loc, scale, _cdf, positive(scale), _HALF, (0.0, 1.0))


def sf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x) = erf(sqrt(1 / (2 z)))``."""
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
    """The quantile ``1 / ndtri(q / 2)**2 * scale + loc``."""
    def standard(p: Number) -> Number:
        v = -ndtri(p / 2)
        return 1.0 / (v * v)
    return quantile(q, standard, loc, scale, positive(scale), _HALF)


def isf(q: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``: ``1 / (2 erfinv(q)**2) * scale + loc``."""
    return quantile(q, lambda p: 1 / (2 * (erfinv(p) * erfinv(p))), loc, scale, positive(scale),
                    _HALF[::-1])


def mean(loc: Number = 0, scale: Number = 1) -> Number:
    """The mean: ``inf``."""
    return mean_var(math.inf, math.inf, loc, scale, positive(scale), "mean")


def var(loc: Number = 0, scale: Number = 1) -> Number:
    """The variance: ``inf``."""
    return mean_var(math.inf, math.inf, loc, scale, positive(scale), "var")
