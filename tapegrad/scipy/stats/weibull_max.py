"""The Weibull maximum distribution: ``scipy.stats.weibull_max``'s functions, differentiable.

Density ``c (-z)**(c-1) exp(-(-z)**c)`` for ``z = (x - loc) / scale <= 0``, shape ``c > 0``:
``weibull_min`` mirrored.

Examples:
  >>> from tapegrad.scipy.stats import weibull_max
  >>> round(float(weibull_max.sf(-1.0, 2.0)), 12)        # 1 - exp(-1)
  0.632120558829
"""

from __future__ import annotations

import math

from .. import _numpy_ops as ops
from ..special import xlogy
from . import weibull_min
from ._common import Number, log_tails, mean_var, positive, quantile, scaled_logpdf, tail
from .weibull_min import power, root

__all__ = ["cdf", "entropy", "isf", "logcdf", "logpdf", "logsf", "mean", "pdf", "ppf", "sf",
           "var"]
_NEG = (-math.inf, 0.0)


def logpdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density ``log(c) + (c-1) log(-z) - (-z)**c - log(scale)`` (``z <= 0``).

    Args:
      x: Where to evaluate.
      c: The shape (``nan`` where not positive).
      loc: The location.
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    return scaled_logpdf(x, loc, scale, lambda z: ops.log(c) + xlogy(c - 1.0, -z) - power(-z, c),
                         positive(c, scale), _NEG, safe=-1.0)


def pdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, c, loc, scale))


def _cdf(c: Number) -> object:
    return lambda z: ops.exp(-power(-z, c))


def _sf(c: Number) -> object:
    return lambda z: -ops.expm1(-power(-z, c))


def cdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x) = exp(-(-z)**c)``."""
    return tail(x, loc, scale, _cdf(c), positive(c, scale), _NEG, (0.0, 1.0), -1.0)  # type: ignore


def logcdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x) = -(-z)**c``."""
    return tail(x, loc, scale, lambda z: -power(-z, c), positive(c, scale), _NEG,
                (-math.inf, 0.0), -1.0)


def sf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x) = -expm1(-(-z)**c)``."""
    return tail(x, loc, scale, _sf(c), positive(c, scale), _NEG, (1.0, 0.0), -1.0)  # type: ignore


def logsf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x)``: ``log(sf)`` above the median, ``log1p(-cdf)`` below (SciPy's)."""
    median = -root(math.log(2.0), c)
    return tail(x, loc, scale, lambda z: log_tails(z, _cdf(c), _sf(c), median, "sf"),  # type: ignore
                positive(c, scale), _NEG, (0.0, -math.inf), -1.0)


def ppf(q: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile ``-(-log(q))**(1/c) * scale + loc``."""
    return quantile(q, lambda p: -root(-ops.log(p), c), loc, scale,
                    positive(c, scale), _NEG)


def isf(q: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``: ``ppf(1 - q)``, SciPy's."""
    return quantile(q, lambda p: -root(-ops.log(1.0 - p), c), loc, scale,
                    positive(c, scale), _NEG[::-1])


def mean(c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The mean ``-gamma(1 + 1/c) * scale + loc``."""
    m1, m2 = weibull_min._moments(c)
    return mean_var(-m1, m2, loc, scale, positive(c, scale), "mean")


def var(c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The variance, ``weibull_min``'s."""
    return weibull_min.var(c, loc, scale)


def entropy(c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The differential entropy, ``weibull_min``'s."""
    return weibull_min.entropy(c, loc, scale)
