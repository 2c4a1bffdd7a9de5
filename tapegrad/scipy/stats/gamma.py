"""The gamma distribution: ``scipy.stats.gamma``'s density and CDF, differentiable.

Examples:
  >>> from tapegrad.scipy.stats import gamma
  >>> round(gamma.pdf(1.0, 1.0), 12)      # exponential: exp(-1)
  0.367879441171
"""

from __future__ import annotations

import math

from ... import kinks, logic
from .. import _numpy_ops as ops
from ..special import digamma, gammainc, gammaincc, gammainccinv, gammaincinv, gammaln, xlogy
from ._common import Number, mean_var, positive, quantile, standardize, where_ok

__all__ = ["cdf", "entropy", "isf", "logcdf", "logpdf", "logsf", "mean", "pdf", "ppf", "sf", "var"]


def logpdf(x: Number, a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the gamma density at ``x``: ``(a-1) log z - z - gammaln(a) - log(scale)``.

    Args:
      x: Where to evaluate (``-inf`` below ``loc``).
      a: The shape (``nan`` where not positive).
      loc: The location.
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    z = standardize(x, loc, scale)
    r = xlogy(a - 1.0, z) - z - gammaln(a) - ops.log(scale)
    r = kinks.where(logic.lt(z, 0.0), -math.inf, r)
    return where_ok(positive(a, scale), r, float("nan"))


def pdf(x: Number, a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The gamma density at ``x`` (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, a, loc, scale))


def _z(x: Number, loc: Number, scale: Number) -> Number:
    """``(x - loc) / scale`` clipped to the support ``[0, inf)``, as JAX's."""
    return kinks.maximum(standardize(x, loc, scale), 0.0)


def cdf(x: Number, a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x) = gammainc(a, (x - loc) / scale)`` (arguments as ``logpdf``).

    Differentiable in ``x``, ``loc`` and ``scale`` to any order; in ``a`` it
    raises ``NotImplementedError`` (``gammainc``'s).
    """
    return where_ok(positive(a, scale), gammainc(a, _z(x, loc, scale)), float("nan"))


def sf(x: Number, a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x) = gammaincc(a, (x - loc) / scale)``, accurate in the right tail."""
    return where_ok(positive(a, scale), gammaincc(a, _z(x, loc, scale)), float("nan"))


def logcdf(x: Number, a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x)``: ``log1p(-sf)`` where the CDF is above 1/2, so tiny in the right tail."""
    z = _z(x, loc, scale)
    q = gammaincc(a, z)
    r = kinks.where(logic.lt(q, 0.5), ops.log1p(-q), ops.log(gammainc(a, z)))
    return where_ok(positive(a, scale), r, float("nan"))


def logsf(x: Number, a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x)``: ``log1p(-cdf)`` where the CDF is below 1/2."""
    z = _z(x, loc, scale)
    p = gammainc(a, z)
    r = kinks.where(logic.lt(p, 0.5), ops.log1p(-p), ops.log(gammaincc(a, z)))
    return where_ok(positive(a, scale), r, float("nan"))


def entropy(a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The differential entropy ``a + gammaln(a) + (1 - a) digamma(a) + log(scale)``."""
    r = a + gammaln(a) + (1.0 - a) * digamma(a) + ops.log(scale)
    return where_ok(positive(a, scale), r + 0.0 * loc, math.nan)


def ppf(q: Number, a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile function, SciPy's: ``gammaincinv(a, q) * scale + loc``.

    ``loc`` at ``q = 0``, ``inf`` at ``q = 1``, ``nan`` outside ``[0, 1]``;
    differentiable in every argument (``gammaincinv``'s twin; in ``a`` once).
    """
    return quantile(q, lambda p: gammaincinv(a, p), loc, scale, positive(a, scale),
                    (0.0, math.inf))


def isf(q: Number, a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``, SciPy's: ``gammainccinv(a, q) * scale + loc``."""
    return quantile(q, lambda p: gammainccinv(a, p), loc, scale, positive(a, scale),
                    (math.inf, 0.0))


def mean(a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The mean ``a * scale + loc``."""
    return mean_var(a, a, loc, scale, positive(a, scale), "mean")


def var(a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The variance ``a * scale**2``."""
    return mean_var(a, a, loc, scale, positive(a, scale), "var")
