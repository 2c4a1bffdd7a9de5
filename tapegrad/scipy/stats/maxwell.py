"""The Maxwell distribution: ``scipy.stats.maxwell``'s functions, differentiable.

Density ``sqrt(2/pi) z**2 exp(-z**2 / 2)`` for ``z = (x - loc) / scale >= 0``
(the chi distribution with 3 degrees of freedom).

Examples:
  >>> from tapegrad.scipy.stats import maxwell
  >>> round(float(maxwell.mean()), 12)          # 2 sqrt(2/pi)
  1.595769121606
"""

from __future__ import annotations

import math

from .. import _numpy_ops as ops
from ..special import gammainc, gammaincc, gammainccinv, gammaincinv
from ._common import (
    Number,
    log_tails,
    mean_var,
    positive,
    quantile,
    scaled_logpdf,
    tail,
    typed_like,
)

__all__ = ["cdf", "entropy", "isf", "logcdf", "logpdf", "logsf", "mean", "pdf", "ppf", "sf",
           "var"]
_HALF = (0.0, math.inf)
_EULER = 0.5772156649015329
_MEDIAN = 1.5381722544550522


def logpdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density: ``log(sqrt(2/pi)) + 2 log z - z**2 / 2 - log(scale)``.

    Args:
      x: Where to evaluate (``-inf`` below ``loc``).
      loc: The location.
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    return scaled_logpdf(x, loc, scale, lambda z: 0.5 * math.log(2.0 / math.pi) + 2 * ops.log(z)
                         - 0.5 * z * z, positive(scale), _HALF)


def pdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, loc, scale))


def _cdf(z: Number) -> Number:
    return gammainc(1.5, z * z / 2.0)


def _sf(z: Number) -> Number:
    return gammaincc(1.5, z * z / 2.0)


def cdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x) = gammainc(3/2, z**2 / 2)``."""
    return tail(x, loc, scale, _cdf, positive(scale), _HALF, (0.0, 1.0))


def sf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x) = gammaincc(3/2, z**2 / 2)``."""
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
    """The quantile ``sqrt(2 gammaincinv(3/2, q)) * scale + loc``."""
    return quantile(q, lambda p: ops.sqrt(2 * gammaincinv(typed_like(p, 1.5)[0], p)), loc,
                    scale, positive(scale), _HALF)


def isf(q: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``: ``sqrt(2 gammainccinv(3/2, q)) * scale + loc``."""
    return quantile(q, lambda p: ops.sqrt(2 * gammainccinv(typed_like(p, 1.5)[0], p)), loc,
                    scale, positive(scale), _HALF[::-1])


def mean(loc: Number = 0, scale: Number = 1) -> Number:
    """The mean ``2 sqrt(2/pi) * scale + loc``."""
    return mean_var(2 * math.sqrt(2.0 / math.pi), 0.0, loc, scale, positive(scale), "mean")


def var(loc: Number = 0, scale: Number = 1) -> Number:
    """The variance ``(3 - 8/pi) * scale**2``."""
    return mean_var(0.0, 3 - 8.0 / math.pi, loc, scale, positive(scale), "var")


def entropy(loc: Number = 0, scale: Number = 1) -> Number:
    """The differential entropy ``euler + log(2 pi) / 2 - 1/2 + log(scale)``."""
    r = _EULER + 0.5 * math.log(2 * math.pi) - 0.5 + ops.log(scale) + 0.0 * loc
    return mean_var(r, r, 0.0, 1.0, positive(scale), "mean")
