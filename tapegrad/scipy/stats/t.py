"""Student's t distribution: ``scipy.stats.t``'s density and CDF, differentiable.

Examples:
  >>> from tapegrad.scipy.stats import t
  >>> round(t.pdf(0.0, 1.0), 12)          # Cauchy: 1 / pi
  0.318309886184
"""

from __future__ import annotations

import math

import numpy as np

from ... import kinks, logic
from .. import _numpy_ops as ops
from ..special import digamma, gammaln, stdtr, stdtrit
from ._common import LOG_SQRT_2PI, Number, mean_var, positive, quantile, standardize, where_ok

__all__ = ["cdf", "entropy", "isf", "logcdf", "logpdf", "logsf", "mean", "pdf", "ppf", "sf", "var"]


def logpdf(x: Number, df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of Student's t density at ``x``; the normal's for an infinite ``df``, as SciPy's.

    Args:
      x: Where to evaluate.
      df: Degrees of freedom (``nan`` where not positive).
      loc: The location.
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    z = standardize(x, loc, scale)
    half = 0.5 * df
    with np.errstate(invalid="ignore"):        # an infinite df: inf * 0 in the branch not taken
        r = (_lgamma_half_ratio(half) - 0.5 * ops.log(df * math.pi)
             - (half + 0.5) * ops.log1p(ops.div(z * z, df)) - ops.log(scale))
    if not (isinstance(df, int | float) and df < math.inf):
        r = kinks.where(logic.eq(df, math.inf), -0.5 * (z * z) - LOG_SQRT_2PI - ops.log(scale), r)
    return where_ok(positive(df, scale), r, float("nan"))


def _lgamma_half_ratio(a: Number) -> Number:
    """``gammaln(a + 1/2) - gammaln(a)``, from Stirling's series for ``a >= 20``.

    There the two logs are large and their difference is not: subtracted,
    they lose 4e-10 relative at ``df = 1e6``.
    """
    big = logic.ge(a, 20.0)
    s = kinks.where(big, a, 20.0)
    series = 0.5 * ops.log(s) + (s * ops.log1p(ops.div(0.5, s)) - 0.5) \
        + _stirling(s + 0.5) - _stirling(s)
    return kinks.where(big, series, gammaln(a + 0.5) - gammaln(a))


def _stirling(x: Number) -> Number:
    """``gammaln(x) - ((x - 1/2) log x - x + log(2 pi) / 2)`` for ``x >= 20``."""
    u = ops.div(1.0, x * x)
    return ops.div(1.0 / 12 - u * (1.0 / 360 - u * (1.0 / 1260 - u * (1.0 / 1680))), x)


def pdf(x: Number, df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Student's t density at ``x`` (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, df, loc, scale))


def cdf(x: Number, df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x)`` (arguments as ``logpdf``): ``stdtr(df, (x - loc) / scale)``.

    Differentiable in ``x``, ``loc`` and ``scale`` to any order, once in
    ``df`` (``stdtr``'s; a second derivative in ``df`` raises
    ``NotImplementedError``).
    """
    return where_ok(positive(df, scale), stdtr(df, standardize(x, loc, scale)), float("nan"))


def sf(x: Number, df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x) = cdf(-x)`` by symmetry, accurate in the right tail."""
    return where_ok(positive(df, scale), stdtr(df, -standardize(x, loc, scale)), float("nan"))


def logcdf(x: Number, df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x)``: ``log1p(-sf)`` above the median, so tiny in the right tail."""
    z = standardize(x, loc, scale)
    r = kinks.where(logic.gt(z, 0.0), ops.log1p(-stdtr(df, -z)), ops.log(stdtr(df, z)))
    return where_ok(positive(df, scale), r, float("nan"))


def logsf(x: Number, df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x) = logcdf(-x)``."""
    return where_ok(positive(df, scale), logcdf(-standardize(x, loc, scale), df), float("nan"))


def entropy(df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The differential entropy, SciPy's: its closed form below ``df = 100``, the series above.

    ``(df+1)/2 (psi((df+1)/2) - psi(df/2)) + log(sqrt(df) B(df/2, 1/2)) + log(scale)``;
    the normal's at an infinite ``df`` (``loc`` has no effect).
    """
    big = logic.ge(df, 100.0)
    small, large = kinks.where(big, 1.0, df), kinks.where(big, df, 100.0)
    half, half1 = 0.5 * small, 0.5 * (small + 1.0)
    regular = (half1 * (digamma(half1) - digamma(half)) + 0.5 * ops.log(small)
               - _lgamma_half_ratio(half) + 0.5 * math.log(math.pi))
    u = ops.div(1.0, large)
    series = 0.5 + LOG_SQRT_2PI + u * (1.0 + u * (0.25 - u * (1.0 / 6 + u * (
        0.125 - u * (0.3 + u * 0.25)))))
    r = kinks.where(big, series, regular) + ops.log(scale) + 0.0 * loc
    return where_ok(positive(df, scale), r, float("nan"))


def ppf(q: Number, df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile function, SciPy's: ``stdtrit(df, q) * scale + loc``.

    Differentiable in every argument (``stdtrit``'s twin; in ``df`` once);
    needs SciPy, whose ufunc computes the value.

    Args:
      q: The probabilities: ``-inf`` at 0, ``inf`` at 1, ``nan`` outside ``[0, 1]``.
      df: Degrees of freedom (``nan`` where not positive).
      loc: The location.
      scale: The scale (``nan`` where not positive).

    Returns:
      The quantiles, broadcast over the arguments; SciPy's values bit for bit.

    Examples:
      >>> from tapegrad.scipy.stats import t
      >>> float(t.ppf(0.5, 3.0)), round(float(t.ppf(0.975, 3.0)), 12)
      (0.0, 3.182446305284)
    """
    return quantile(q, lambda p: stdtrit(df, p), loc, scale, positive(df, scale))


def isf(q: Number, df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``, SciPy's: ``-stdtrit(df, q) * scale + loc``."""
    return quantile(q, lambda p: -stdtrit(df, p), loc, scale, positive(df, scale),
                    (math.inf, -math.inf))


def _moments(df: Number) -> tuple[Number, Number]:
    """The standard t's mean (0 for ``df > 1``, else ``inf``) and variance, SciPy's."""
    mu = kinks.where(logic.gt(df, 1.0), 0.0, math.inf)
    finite = kinks.where(logic.gt(df, 2.0), df, 3.0)
    finite = kinks.where(logic.eq(finite, math.inf), 3.0, finite)
    mu2 = kinks.where(logic.gt(df, 2.0), ops.div(finite, finite - 2.0), math.inf)
    mu2 = kinks.where(logic.eq(df, math.inf), 1.0, mu2)
    return mu, kinks.where(logic.gt(df, 1.0), mu2, math.nan)


def mean(df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The mean: ``loc`` for ``df > 1``, ``inf`` for ``0 < df <= 1`` (SciPy's)."""
    return mean_var(*_moments(df), loc, scale, positive(df, scale), "mean")


def var(df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The variance, SciPy's: ``df / (df - 2) * scale**2`` for ``df > 2``.

    ``inf`` for ``1 < df <= 2``, ``nan`` below, ``scale**2`` at an infinite ``df``.
    """
    return mean_var(*_moments(df), loc, scale, positive(df, scale), "var")
