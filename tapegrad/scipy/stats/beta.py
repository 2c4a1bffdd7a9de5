"""The beta distribution: ``scipy.stats.beta``'s density and CDF, differentiable.

Examples:
  >>> from tapegrad.scipy.stats import beta
  >>> round(beta.pdf(0.5, 2.0, 2.0), 12)
  1.5
"""

from __future__ import annotations

import math
from typing import Any

from ... import kinks, logic
from .. import _numpy_ops as ops
from ..special import _betainc, betainccinv, betaincinv, digamma, gammaln, xlog1py, xlogy
from ._common import Number, mean_var, positive, quantile, standardize, where_ok

__all__ = ["cdf", "entropy", "isf", "logcdf", "logpdf", "logsf", "mean", "pdf", "ppf", "sf", "var"]


def logpdf(x: Number, a: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the beta density at ``x``: ``(a-1) log z + (b-1) log(1-z) - betaln(a, b)``.

    Args:
      x: Where to evaluate (``-inf`` outside ``[loc, loc + scale]``).
      a: The first shape (``nan`` where not positive).
      b: The second shape (``nan`` where not positive).
      loc: The location.
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    z = standardize(x, loc, scale)
    betaln = gammaln(a) + gammaln(b) - gammaln(a + b)
    r = xlogy(a - 1.0, z) + xlog1py(b - 1.0, -z) - betaln - ops.log(scale)
    r = kinks.where(logic.logical_or(logic.lt(z, 0.0), logic.gt(z, 1.0)), -math.inf, r)
    return where_ok(positive(a, b, scale), r, float("nan"))


def pdf(x: Number, a: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The beta density at ``x`` (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, a, b, loc, scale))


def _tails(x: Number, a: Number, b: Number, loc: Number, scale: Number) -> tuple[Any, Any]:
    """``(cdf, sf)``: ``I_z(a, b)`` and ``I_(1-z)(b, a)``, ``z`` clipped to ``[0, 1]``."""
    z = kinks.clip(standardize(x, loc, scale), 0.0, 1.0)
    return _betainc(a, b, z), _betainc(b, a, 1.0 - z)


def cdf(x: Number, a: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x) = betainc(a, b, (x - loc) / scale)`` (arguments as ``logpdf``).

    Differentiable in ``x``, ``loc`` and ``scale`` to any order, once in ``a``
    and ``b`` (``betainc``'s shape derivatives; a second one raises
    ``NotImplementedError``).
    """
    z = kinks.clip(standardize(x, loc, scale), 0.0, 1.0)
    return where_ok(positive(a, b, scale), _betainc(a, b, z), float("nan"))


def sf(x: Number, a: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x) = betainc(b, a, 1 - z)``, accurate in the right tail."""
    z = kinks.clip(standardize(x, loc, scale), 0.0, 1.0)
    return where_ok(positive(a, b, scale), _betainc(b, a, 1.0 - z), float("nan"))


def logcdf(x: Number, a: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x)``: ``log1p(-sf)`` where the CDF is above 1/2."""
    p, q = _tails(x, a, b, loc, scale)
    r = kinks.where(logic.lt(q, 0.5), ops.log1p(-q), ops.log(p))
    return where_ok(positive(a, b, scale), r, float("nan"))


def logsf(x: Number, a: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x)``: ``log1p(-cdf)`` where the CDF is below 1/2."""
    p, q = _tails(x, a, b, loc, scale)
    r = kinks.where(logic.lt(p, 0.5), ops.log1p(-p), ops.log(q))
    return where_ok(positive(a, b, scale), r, float("nan"))


def entropy(a: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The differential entropy (``loc`` has no effect).

    ``betaln(a, b) - (a-1) psi(a) - (b-1) psi(b) + (a+b-2) psi(a+b) + log(scale)``.
    """
    r = (gammaln(a) + gammaln(b) - gammaln(a + b) - (a - 1.0) * digamma(a)
         - (b - 1.0) * digamma(b) + (a + b - 2.0) * digamma(a + b) + ops.log(scale))
    return where_ok(positive(a, b, scale), r + 0.0 * loc, math.nan)


def ppf(q: Number, a: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile function: ``betaincinv(a, b, q) * scale + loc``.

    SciPy's ``beta.ppf`` computes with Boost's inverse, this with
    ``betaincinv``: the two agree to a few units in the last place.
    ``loc`` at ``q = 0``, ``loc + scale`` at ``q = 1``, ``nan`` outside
    ``[0, 1]``; differentiable in every argument (in ``a`` and ``b`` once).
    """
    return quantile(q, lambda p: betaincinv(a, b, p), loc, scale, positive(a, b, scale),
                    (0.0, 1.0))


def isf(q: Number, a: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``, SciPy's: ``betainccinv(a, b, q) * scale + loc``."""
    return quantile(q, lambda p: betainccinv(a, b, p), loc, scale, positive(a, b, scale),
                    (1.0, 0.0))


def _moments(a: Number, b: Number) -> tuple[Number, Number]:
    s = a + b
    return ops.div(a, s), ops.div(a * b, s * s * (s + 1))


def mean(a: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The mean ``a / (a + b) * scale + loc``."""
    return mean_var(*_moments(a, b), loc, scale, positive(a, b, scale), "mean")


def var(a: Number, b: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The variance ``a b / ((a + b)**2 (a + b + 1)) * scale**2``."""
    return mean_var(*_moments(a, b), loc, scale, positive(a, b, scale), "var")
