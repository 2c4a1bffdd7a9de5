"""The inverse gamma distribution: ``scipy.stats.invgamma``'s functions, differentiable.

Density ``z**(-a-1) exp(-1/z) / Gamma(a)`` for ``z = (x - loc) / scale > 0``, shape ``a > 0``.

Examples:
  >>> from tapegrad.scipy.stats import invgamma
  >>> round(float(invgamma.mean(3.0)), 12)        # 1 / (a - 1)
  0.5
"""

from __future__ import annotations

import math

from ... import kinks, logic
from .. import _numpy_ops as ops
from ..special import digamma, gammainc, gammaincc, gammainccinv, gammaincinv, gammaln
from ._common import Number, log_tails, mean_var, positive, quantile, scaled_logpdf, tail

__all__ = ["cdf", "entropy", "isf", "logcdf", "logpdf", "logsf", "mean", "pdf", "ppf", "sf",
           "var"]
_HALF = (0.0, math.inf)


def logpdf(x: Number, a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density: ``-(a+1) log z - gammaln(a) - 1/z - log(scale)``.

    Args:
      x: Where to evaluate (``-inf`` at and below ``loc``).
      a: The shape (``nan`` where not positive).
      loc: The location.
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    def standard(z: Number) -> Number:
        pos = logic.gt(z, 0.0)
        zs = kinks.where(pos, z, 1.0)
        return kinks.where(pos, -(a + 1) * ops.log(zs) - gammaln(a) - 1.0 / zs, -math.inf)
    return scaled_logpdf(x, loc, scale, standard, positive(a, scale), _HALF)


def pdf(x: Number, a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, a, loc, scale))


def _cdf(a: Number) -> object:
    return lambda z: gammaincc(a, 1.0 / z)


def _sf(a: Number) -> object:
    return lambda z: gammainc(a, 1.0 / z)


def cdf(x: Number, a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x) = gammaincc(a, 1/z)``."""
    return tail(x, loc, scale, _cdf(a), positive(a, scale), _HALF, (0.0, 1.0))  # type: ignore


def sf(x: Number, a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x) = gammainc(a, 1/z)``."""
    return tail(x, loc, scale, _sf(a), positive(a, scale), _HALF, (1.0, 0.0))  # type: ignore


def _log(x: Number, a: Number, loc: Number, scale: Number, which: str) -> Number:
    median = 1.0 / gammainccinv(a, 0.5)
    outside = (-math.inf, 0.0) if which == "cdf" else (0.0, -math.inf)
    return tail(x, loc, scale, lambda z: log_tails(z, _cdf(a), _sf(a), median,  # type: ignore
                                                   which), positive(a, scale), _HALF, outside)


def logcdf(x: Number, a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x)``: ``log(cdf)`` below the median, ``log1p(-sf)`` above (SciPy's)."""
    return _log(x, a, loc, scale, "cdf")


def logsf(x: Number, a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x)``: ``log(sf)`` above the median, ``log1p(-cdf)`` below (SciPy's)."""
    return _log(x, a, loc, scale, "sf")


def ppf(q: Number, a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile ``1 / gammainccinv(a, q) * scale + loc`` (in ``a`` differentiable once)."""
    return quantile(q, lambda p: 1.0 / gammainccinv(a, p), loc, scale, positive(a, scale), _HALF)


def isf(q: Number, a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``: ``1 / gammaincinv(a, q) * scale + loc``."""
    return quantile(q, lambda p: 1.0 / gammaincinv(a, p), loc, scale, positive(a, scale),
                    _HALF[::-1])


def _moments(a: Number) -> tuple[Number, Number]:
    """``1 / (a - 1)`` for ``a > 1`` (else ``inf``), ``1 / ((a-1)**2 (a-2))`` for ``a > 2``."""
    a1 = kinks.where(logic.gt(a, 1.0), a, 3.0)
    a2 = kinks.where(logic.gt(a, 2.0), a, 3.0)
    m1 = kinks.where(logic.gt(a, 1.0), 1.0 / (a1 - 1.0), math.inf)
    m2 = kinks.where(logic.gt(a, 2.0), 1.0 / ((a2 - 1.0) * (a2 - 1.0)) / (a2 - 2.0), math.inf)
    return m1, m2


def mean(a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The mean ``scale / (a - 1) + loc`` for ``a > 1``, ``inf`` below."""
    return mean_var(*_moments(a), loc, scale, positive(a, scale), "mean")


def var(a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The variance ``scale**2 / ((a-1)**2 (a-2))`` for ``a > 2``, ``inf`` below."""
    return mean_var(*_moments(a), loc, scale, positive(a, scale), "var")


def entropy(a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The differential entropy ``a - (a+1) digamma(a) + gammaln(a) + log(scale)``.

    From ``a = 200`` on, SciPy's asymptotic series, as SciPy.
    """
    big = logic.ge(a, 200.0)
    small, large = kinks.where(big, 1.0, a), kinks.where(big, a, 200.0)
    regular = small - (small + 1.0) * digamma(small) + gammaln(small)
    u = 1.0 / large
    series = ((1 - 3 * ops.log(large) + math.log(2) + math.log(math.pi)) / 2
              + 2 / 3 * u + u * u / 12 - u * u * u / 90 - u * u * u * u / 120)
    r = kinks.where(big, series, regular) + ops.log(scale) + 0.0 * loc
    return mean_var(r, r, 0.0, 1.0, positive(a, scale), "mean")
