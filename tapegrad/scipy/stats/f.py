"""The F distribution: ``scipy.stats.f``'s functions, differentiable.

Density of ``(U / dfn) / (V / dfd)`` for chi-squared ``U`` and ``V``, at
``z = (x - loc) / scale >= 0``.
The CDF, survival function and quantiles are SciPy's ``fdtr``, ``fdtrc`` and
``fdtri`` (their twins: SciPy's values, differentiable in ``x`` to any order
and in ``dfn`` and ``dfd`` once).

Examples:
  >>> from tapegrad.scipy.stats import f
  >>> round(float(f.cdf(1.0, 2.0, 2.0)), 12)
  0.5
"""

from __future__ import annotations

import math

from ... import kinks, logic
from .. import _numpy_ops as ops
from ..special import betaln, digamma, fdtr, fdtrc, fdtri, xlogy
from ._common import Number, log_tails, mean_var, positive, quantile, scaled_logpdf, tail

__all__ = ["cdf", "entropy", "isf", "logcdf", "logpdf", "logsf", "mean", "pdf", "ppf", "sf",
           "var"]
_HALF = (0.0, math.inf)


def logpdf(x: Number, dfn: Number, dfd: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density, SciPy's formula (``-inf`` below ``loc``).

    ``m/2 log m + n/2 log n + (n/2 - 1) log z - ((n + m)/2) log(m + n z) - betaln(n/2, m/2)``
    with ``n = dfn``, ``m = dfd``, minus ``log(scale)``.

    Args:
      x: Where to evaluate.
      dfn: The numerator's degrees of freedom (``nan`` where not positive).
      dfd: The denominator's degrees of freedom (``nan`` where not positive).
      loc: The location.
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    n, m = dfn, dfd
    return scaled_logpdf(x, loc, scale, lambda z: (
        m / 2 * ops.log(m) + n / 2 * ops.log(n) + xlogy(n / 2 - 1, z)
        - ((n + m) / 2 * ops.log(m + n * z) + betaln(n / 2, m / 2))), positive(dfn, dfd, scale),
        _HALF)


def pdf(x: Number, dfn: Number, dfd: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, dfn, dfd, loc, scale))


def cdf(x: Number, dfn: Number, dfd: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x) = fdtr(dfn, dfd, z)``."""
    return tail(x, loc, scale, lambda z: fdtr(dfn, dfd, z), positive(dfn, dfd, scale), _HALF,
                (0.0, 1.0))


def sf(x: Number, dfn: Number, dfd: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x) = fdtrc(dfn, dfd, z)``."""
    return tail(x, loc, scale, lambda z: fdtrc(dfn, dfd, z), positive(dfn, dfd, scale), _HALF,
                (1.0, 0.0))


def _log(x: Number, dfn: Number, dfd: Number, loc: Number, scale: Number, which: str) -> Number:
    median = fdtri(dfn, dfd, 0.5)
    outside = (-math.inf, 0.0) if which == "cdf" else (0.0, -math.inf)
    return tail(x, loc, scale, lambda z: log_tails(z, lambda u: fdtr(dfn, dfd, u),
                                                   lambda u: fdtrc(dfn, dfd, u), median, which),
                positive(dfn, dfd, scale), _HALF, outside)


def logcdf(x: Number, dfn: Number, dfd: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x)``: ``log(cdf)`` below the median, ``log1p(-sf)`` above (SciPy's)."""
    return _log(x, dfn, dfd, loc, scale, "cdf")


def logsf(x: Number, dfn: Number, dfd: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x)``: ``log(sf)`` above the median, ``log1p(-cdf)`` below (SciPy's)."""
    return _log(x, dfn, dfd, loc, scale, "sf")


def ppf(q: Number, dfn: Number, dfd: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile ``fdtri(dfn, dfd, q) * scale + loc``."""
    return quantile(q, lambda p: fdtri(dfn, dfd, p), loc, scale, positive(dfn, dfd, scale), _HALF)


def isf(q: Number, dfn: Number, dfd: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``: ``fdtri(dfn, dfd, 1 - q) * scale + loc`` (SciPy's)."""
    return quantile(q, lambda p: fdtri(dfn, dfd, 1.0 - p), loc, scale, positive(dfn, dfd, scale),
                    _HALF[::-1])


def _moments(dfn: Number, dfd: Number) -> tuple[Number, Number]:
    """``dfd / (dfd - 2)`` for ``dfd > 2`` and the variance for ``dfd > 4``; ``inf`` below."""
    v2 = kinks.where(logic.gt(dfd, 2.0), dfd, 5.0)
    v4 = kinks.where(logic.gt(dfd, 4.0), dfd, 5.0)
    mu = kinks.where(logic.gt(dfd, 2.0), v2 / (v2 - 2.0), math.inf)
    mu2 = kinks.where(logic.gt(dfd, 4.0), 2 * v4 * v4 * (dfn + (v4 - 2.0))
                      / (dfn * ((v4 - 2.0) * (v4 - 2.0)) * (v4 - 4.0)), math.inf)
    return mu, mu2


def mean(dfn: Number, dfd: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The mean ``dfd / (dfd - 2) * scale + loc`` (``inf`` for ``dfd <= 2``)."""
    return mean_var(*_moments(dfn, dfd), loc, scale, positive(dfn, dfd, scale), "mean")


def var(dfn: Number, dfd: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The variance ``2 dfd**2 (dfn + dfd - 2) / (dfn (dfd-2)**2 (dfd-4))`` times ``scale**2``."""
    return mean_var(*_moments(dfn, dfd), loc, scale, positive(dfn, dfd, scale), "var")


def entropy(dfn: Number, dfd: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The differential entropy, SciPy's formula, plus ``log(scale)``."""
    hn, hd, hs = 0.5 * dfn, 0.5 * dfd, 0.5 * (dfn + dfd)
    r = (ops.log(dfd) - ops.log(dfn) + betaln(hn, hd) + (1 - hn) * digamma(hn)
         - (1 + hd) * digamma(hd) + hs * digamma(hs)) + ops.log(scale) + 0.0 * loc
    return mean_var(r, r, 0.0, 1.0, positive(dfn, dfd, scale), "mean")
