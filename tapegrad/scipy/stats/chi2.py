"""The chi-squared distribution: ``scipy.stats.chi2``'s functions, differentiable.

``chi2(df)`` is ``gamma(df / 2, scale=2)``: each function is the gamma
distribution's, with SciPy's ``loc`` and ``scale`` on top.

Examples:
  >>> import tapegrad as tg
  >>> from tapegrad.scipy.stats import chi2
  >>> round(float(chi2.cdf(2.0, 2.0)), 12), round(float(tg.grad(chi2.cdf)(2.0, 2.0)), 12)
  (0.632120558829, 0.183939720586)
"""

from __future__ import annotations

import math

from ..special import chdtri, gammaincinv
from . import gamma
from ._common import Number, mean_var, positive, quantile

__all__ = ["cdf", "entropy", "isf", "logcdf", "logpdf", "logsf", "mean", "pdf", "ppf", "sf", "var"]


def logpdf(x: Number, df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the chi-squared density with ``df`` degrees of freedom at ``x``.

    Args:
      x: Where to evaluate (``-inf`` below ``loc``).
      df: The degrees of freedom (``nan`` where not positive).
      loc: The location.
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    return gamma.logpdf(x, df * 0.5, loc, scale * 2.0)


def pdf(x: Number, df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density at ``x`` (arguments as ``logpdf``)."""
    return gamma.pdf(x, df * 0.5, loc, scale * 2.0)


def cdf(x: Number, df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x)``, differentiable in ``x``, ``loc`` and ``scale`` (not ``df``)."""
    return gamma.cdf(x, df * 0.5, loc, scale * 2.0)


def logcdf(x: Number, df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x)`` (arguments as ``cdf``)."""
    return gamma.logcdf(x, df * 0.5, loc, scale * 2.0)


def sf(x: Number, df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x)``, accurate in the right tail (arguments as ``cdf``)."""
    return gamma.sf(x, df * 0.5, loc, scale * 2.0)


def logsf(x: Number, df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x)`` (arguments as ``cdf``)."""
    return gamma.logsf(x, df * 0.5, loc, scale * 2.0)


def entropy(df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The differential entropy: the gamma's of shape ``df / 2`` and scale ``2 scale``."""
    return gamma.entropy(df * 0.5, loc, scale * 2.0)


def ppf(q: Number, df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile function, SciPy's: ``2 gammaincinv(df / 2, q) * scale + loc``.

    ``loc`` at ``q = 0``, ``inf`` at ``q = 1``, ``nan`` outside ``[0, 1]``;
    differentiable in every argument (in ``df`` once).
    """
    return quantile(q, lambda p: 2 * gammaincinv(df / 2, p), loc, scale, positive(df, scale),
                    (0.0, math.inf))


def isf(q: Number, df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``, SciPy's: ``chdtri(df, q) * scale + loc``."""
    return quantile(q, lambda p: chdtri(df, p), loc, scale, positive(df, scale),
                    (math.inf, 0.0))


def mean(df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The mean ``df * scale + loc``."""
    return mean_var(df, 2 * df, loc, scale, positive(df, scale), "mean")


def var(df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The variance ``2 df * scale**2``."""
    return mean_var(df, 2 * df, loc, scale, positive(df, scale), "var")
