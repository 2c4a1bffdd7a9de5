"""Student's t distribution: ``scipy.stats.t``'s density and CDF, differentiable.

Examples:
  >>> from tapegrad.scipy.stats import t
  >>> round(t.pdf(0.0, 1.0), 12)          # Cauchy: 1 / pi
  0.318309886184
"""

from __future__ import annotations

import math

from ... import kinks, logic, ops
from ..special import gammaln, stdtr
from ._common import Number, positive, standardize, where_ok

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]


def logpdf(x: Number, df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of Student's t density at ``x``.

    Args:
      x: Where to evaluate.
      df: Degrees of freedom (``nan`` where not positive).
      loc: The location.
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    z = standardize(x, loc, scale)
    half = 0.5 * (df + 1.0)
    r = (gammaln(half) - gammaln(0.5 * df) - 0.5 * ops.log(df * math.pi)
         - half * ops.log1p(z * z / df) - ops.log(scale))
    return where_ok(positive(df, scale), r, float("nan"))


def pdf(x: Number, df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Student's t density at ``x`` (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, df, loc, scale))


def cdf(x: Number, df: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x)`` (arguments as ``logpdf``): ``stdtr(df, (x - loc) / scale)``.

    Differentiable in ``x``, ``loc`` and ``scale`` to any order; in ``df``
    it raises ``NotImplementedError``.
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
