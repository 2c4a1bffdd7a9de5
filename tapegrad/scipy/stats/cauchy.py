"""The Cauchy distribution: ``scipy.stats.cauchy``'s functions, differentiable.

The tails are computed as ``atan(1 / |z|) / pi`` rather than ``1/2 - atan(|z|) / pi``,
so ``cdf(-1e10)`` keeps its digits (SciPy's loses six).

Examples:
  >>> from tapegrad.scipy.stats import cauchy
  >>> round(cauchy.pdf(0.0), 12), round(cauchy.cdf(1.0), 12)
  (0.318309886184, 0.75)
"""

from __future__ import annotations

import math

from ... import kinks, logic
from .. import _numpy_ops as ops
from ._common import Number, positive, standardize, where_ok

__all__ = ["cdf", "entropy", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
_LOG_PI = math.log(math.pi)


def logpdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density ``1 / (pi scale (1 + z^2))`` at ``x``.

    ``log1p(z^2)`` is ``2 log|z| + log1p(1 / z^2)`` beyond 1, so ``z^2`` never
    overflows.

    Args:
      x: Where to evaluate.
      loc: The location (the median).
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    z = standardize(x, loc, scale)
    big = logic.gt(kinks.abs(z), 1.0)       # a condition: each branch smooth where taken
    ab, sm = kinks.abs(kinks.where(big, z, 1.0)), kinks.where(big, 0.0, z)
    log1p_z2 = kinks.where(big, 2.0 * ops.log(ab) + ops.log1p(ops.div(1.0, ab * ab)),
                           ops.log1p(sm * sm))
    return where_ok(positive(scale), -_LOG_PI - ops.log(scale) - log1p_z2, math.nan)


def pdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density at ``x`` (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, loc, scale))


def _cdf(z: Number) -> Number:
    """``P(Z <= z)``: ``atan(-1 / z) / pi`` below -1, ``1/2 + atan(z) / pi`` above."""
    far = logic.lt(z, -1.0)
    zf, zn = kinks.where(far, z, -1.0), kinks.where(far, -1.0, z)     # no split at z = -1
    return kinks.where(far, ops.arctan(ops.div(-1.0, zf)) / math.pi,
                       0.5 + ops.arctan(zn) / math.pi)


def cdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x)`` (arguments as ``logpdf``)."""
    return where_ok(positive(scale), _cdf(standardize(x, loc, scale)), math.nan)


def logcdf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x)``: ``log1p(-sf)`` above the median, so tiny far to the right."""
    z = standardize(x, loc, scale)
    r = kinks.where(logic.gt(z, 0.0), ops.log1p(-_cdf(-z)), ops.log(_cdf(z)))
    return where_ok(positive(scale), r, math.nan)


def sf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x) = cdf(-x)`` by symmetry (arguments as ``logpdf``)."""
    return where_ok(positive(scale), _cdf(-standardize(x, loc, scale)), math.nan)


def logsf(x: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x) = logcdf(-x)`` by symmetry (arguments as ``logpdf``)."""
    return where_ok(positive(scale), logcdf(-standardize(x, loc, scale)), math.nan)


def ppf(q: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile function ``loc + scale tan(pi (q - 1/2))`` (``nan`` outside ``[0, 1]``).

    Each tail from its own end (``-1 / tan(pi q)``), so ``ppf(1e-300)`` keeps its digits.
    """
    upper, middle = logic.gt(q, 0.5), logic.le(kinks.abs(q - 0.5), 0.25)    # q - 1/2 exact
    t = ops.tan(math.pi * kinks.where(upper, 1.0 - q, q))
    tails = kinks.where(upper, ops.div(1.0, t), ops.div(-1.0, t))
    r = loc + scale * kinks.where(middle, ops.tan(math.pi * (q - 0.5)), tails)
    r = kinks.where(logic.logical_or(logic.lt(q, 0.0), logic.gt(q, 1.0)), math.nan, r)
    return where_ok(positive(scale), r, math.nan)


def isf(q: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``: ``ppf(1 - q)`` written as ``2 loc - ppf(q)``."""
    return 2.0 * loc - ppf(q, loc, scale)


def entropy(loc: Number = 0, scale: Number = 1) -> Number:
    """The differential entropy ``log(4 pi scale)`` (``loc`` has no effect)."""
    return where_ok(positive(scale), math.log(4.0 * math.pi) + ops.log(scale) + 0.0 * loc, math.nan)
