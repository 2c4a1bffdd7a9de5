"""The Weibull minimum distribution: ``scipy.stats.weibull_min``'s functions, differentiable.

Density ``c z**(c-1) exp(-z**c)`` for ``z = (x - loc) / scale >= 0``, shape ``c > 0``.

Examples:
  >>> from tapegrad.scipy.stats import weibull_min
  >>> round(float(weibull_min.cdf(1.0, 2.0)), 12)        # 1 - exp(-1)
  0.632120558829
"""

from __future__ import annotations

import math

from ... import kinks, logic
from .. import _numpy_ops as ops
from ..special import gamma, xlogy
from ._common import Number, log_tails, mean_var, positive, quantile, scaled_logpdf, tail

__all__ = ["cdf", "entropy", "isf", "logcdf", "logpdf", "logsf", "mean", "pdf", "ppf", "sf",
           "var"]
_EULER = 0.5772156649015329
_HALF = (0.0, math.inf)


def power(z: Number, c: Number) -> Number:
    """``z**c`` for ``z >= 0``: 0 at ``z = 0`` with a derivative in ``c`` (0, not ``0 * -inf``)."""
    pos = logic.gt(z, 0.0)
    return kinks.where(pos, ops.exp(c * ops.log(kinks.where(pos, z, 1.0))), 0.0 * c)


def root(u: Number, c: Number) -> Number:
    """``u**(1/c)`` for ``u >= 0`` as ``exp(log(u) / c)``: the same bits eager and batched."""
    return ops.exp(ops.log(u) / c)


def logpdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density: ``log(c) + (c - 1) log z - z**c - log(scale)`` (``-inf`` for ``z < 0``).

    Args:
      x: Where to evaluate.
      c: The shape (``nan`` where not positive).
      loc: The location.
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    return scaled_logpdf(x, loc, scale, lambda z: ops.log(c) + xlogy(c - 1.0, z) - power(z, c),
                         positive(c, scale), _HALF)


def pdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, c, loc, scale))


def _cdf(c: Number) -> object:
    return lambda z: -ops.expm1(-power(z, c))


def _sf(c: Number) -> object:
    return lambda z: ops.exp(-power(z, c))


def cdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x) = -expm1(-z**c)``."""
    return tail(x, loc, scale, _cdf(c), positive(c, scale), _HALF, (0.0, 1.0))  # type: ignore


def logcdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x)``: ``log(cdf)`` below the median, ``log1p(-sf)`` above (SciPy's)."""
    median = root(math.log(2.0), c)
    return tail(x, loc, scale, lambda z: log_tails(z, _cdf(c), _sf(c), median, "cdf"),  # type: ignore
                positive(c, scale), _HALF, (-math.inf, 0.0))


def sf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x) = exp(-z**c)``."""
    return tail(x, loc, scale, _sf(c), positive(c, scale), _HALF, (1.0, 0.0))  # type: ignore


def logsf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x) = -z**c``."""
    return tail(x, loc, scale, lambda z: -power(z, c), positive(c, scale), _HALF, (0.0, -math.inf))


def ppf(q: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile ``(-log1p(-q))**(1/c) * scale + loc``."""
    return quantile(q, lambda p: root(-ops.log1p(-p), c), loc, scale,
                    positive(c, scale), _HALF)


def isf(q: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``: ``(-log(q))**(1/c) * scale + loc``."""
    return quantile(q, lambda p: root(-ops.log(p), c), loc, scale,
                    positive(c, scale), _HALF[::-1])


def _moments(c: Number) -> tuple[Number, Number]:
    m1 = gamma(1.0 + 1.0 / c)
    return m1, gamma(1.0 + 2.0 / c) - m1 * m1


def mean(c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The mean ``gamma(1 + 1/c) * scale + loc``."""
    return mean_var(*_moments(c), loc, scale, positive(c, scale), "mean")


def var(c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The variance ``(gamma(1 + 2/c) - gamma(1 + 1/c)**2) * scale**2``."""
    return mean_var(*_moments(c), loc, scale, positive(c, scale), "var")


def entropy(c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The differential entropy ``-euler / c - log(c) + euler + 1 + log(scale)``."""
    r = -_EULER / c - ops.log(c) + _EULER + 1 + ops.log(scale) + 0.0 * loc
    return mean_var(r, r, 0.0, 1.0, positive(c, scale), "mean")
