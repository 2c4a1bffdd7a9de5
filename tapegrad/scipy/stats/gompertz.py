"""The Gompertz distribution: ``scipy.stats.gompertz``'s functions, differentiable.

Density ``c exp(z) exp(-c (exp(z) - 1))`` for ``z = (x - loc) / scale >= 0``, shape ``c > 0``.

Examples:
  >>> from tapegrad.scipy.stats import gompertz
  >>> round(float(gompertz.sf(1.0, 1.0)), 12)       # exp(-(e - 1))
  0.179374078734
"""

from __future__ import annotations

import math

from .. import _numpy_ops as ops
from ._common import Number, log_tails, positive, quantile, scaled_logpdf, tail

__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
_HALF = (0.0, math.inf)


def logpdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density: ``log(c) + z - c expm1(z) - log(scale)`` (``-inf`` for ``z < 0``).

    Args:
      x: Where to evaluate.
      c: The shape (``nan`` where not positive).
      loc: The location.
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    return scaled_logpdf(x, loc, scale, lambda z: ops.log(c) + z - c * ops.expm1(z),
                         positive(c, scale), _HALF)


def pdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, c, loc, scale))


def _cdf(c: Number) -> object:
    return lambda z: -ops.expm1(-c * ops.expm1(z))


def _sf(c: Number) -> object:
    return lambda z: ops.exp(-c * ops.expm1(z))


def cdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x) = -expm1(-c expm1(z))``."""
    return tail(x, loc, scale, _cdf(c), positive(c, scale), _HALF, (0.0, 1.0))  # type: ignore


def sf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x) = exp(-c expm1(z))``."""
    return tail(x, loc, scale, _sf(c), positive(c, scale), _HALF, (1.0, 0.0))  # type: ignore


def _log(x: Number, c: Number, loc: Number, scale: Number, which: str) -> Number:
    median = ops.log1p(math.log(2.0) / c)
    outside = (-math.inf, 0.0) if which == "cdf" else (0.0, -math.inf)
    return tail(x, loc, scale, lambda z: log_tails(z, _cdf(c), _sf(c), median,  # type: ignore
                                                   which), positive(c, scale), _HALF, outside)


def logcdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x)``: ``log(cdf)`` below the median, ``log1p(-sf)`` above (SciPy's)."""
    return _log(x, c, loc, scale, "cdf")


def logsf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x)``: ``log(sf)`` above the median, ``log1p(-cdf)`` below (SciPy's)."""
    return _log(x, c, loc, scale, "sf")


def ppf(q: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile ``log1p(-log1p(-q) / c) * scale + loc``."""
    return quantile(q, lambda p: ops.log1p(-1.0 / c * ops.log1p(-p)), loc, scale,
                    positive(c, scale), _HALF)


def isf(q: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``: ``log1p(-log(q) / c) * scale + loc``."""
    return quantile(q, lambda p: ops.log1p(-ops.log(p) / c), loc, scale, positive(c, scale),
                    _HALF[::-1])
