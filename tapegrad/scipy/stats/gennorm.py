"""The generalized normal distribution: ``scipy.stats.gennorm``'s functions, differentiable.

The density ``beta / (2 Gamma(1 / beta)) exp(-|z|**beta)``: Laplace's at
``beta = 1``, a normal's (variance 1/2) at ``beta = 2``.

Examples:
  >>> from tapegrad.scipy.stats import gennorm
  >>> round(float(gennorm.pdf(0.0, 1.0)), 12), round(float(gennorm.cdf(0.0, 3.0)), 12)
  (0.5, 0.5)
"""

from __future__ import annotations

import math

from ... import kinks, logic
from .. import _numpy_ops as ops
from ..special import gammaincc, gammaln
from ._common import Number, positive, standardize, where_ok

__all__ = ["cdf", "entropy", "logpdf", "pdf", "sf"]
_LOG2 = math.log(2.0)


def _power(z: Number, beta: Number) -> Number:
    """``|z|**beta``, 0 at ``z = 0`` (its derivative in ``beta`` there 0, not ``nan``)."""
    a = kinks.abs(z)
    zero = logic.eq(a, 0.0)
    return kinks.where(zero, 0.0, ops.exp(beta * ops.log(kinks.where(zero, 1.0, a))))


def logpdf(x: Number, beta: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density at ``x``: ``log(beta / 2) - gammaln(1 / beta) - |z|**beta - log(scale)``.

    Args:
      x: Where to evaluate.
      beta: The shape (``nan`` where not positive).
      loc: The location.
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    z = standardize(x, loc, scale)
    r = ops.log(beta) - _LOG2 - gammaln(ops.div(1.0, beta)) - _power(z, beta) - ops.log(scale)
    return where_ok(positive(beta, scale), r, math.nan)


def pdf(x: Number, beta: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density at ``x`` (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, beta, loc, scale))


def _tail(z: Number, beta: Number) -> Number:
    """``P(Z <= z)``: ``(1/2 + c) - c * gammaincc(1 / beta, |z|**beta)``, ``c = sign(z) / 2``."""
    c = 0.5 * kinks.sign(z)
    return (0.5 + c) - c * gammaincc(ops.div(1.0, beta), _power(z, beta))


def cdf(x: Number, beta: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x)`` (arguments as ``logpdf``).

    Differentiable in ``x``, ``loc`` and ``scale`` to any order, once in
    ``beta`` (``gammaincc``'s shape derivative).
    """
    return where_ok(positive(beta, scale), _tail(standardize(x, loc, scale), beta), math.nan)


def sf(x: Number, beta: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x)``, the CDF at ``-z`` (arguments as ``logpdf``)."""
    return where_ok(positive(beta, scale), _tail(-standardize(x, loc, scale), beta), math.nan)


def entropy(beta: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The differential entropy ``1 / beta - log(beta / 2) + gammaln(1 / beta) + log(scale)``."""
    inv = ops.div(1.0, beta)
    r = inv - ops.log(0.5 * beta) + gammaln(inv) + ops.log(scale) + 0.0 * loc
    return where_ok(positive(beta, scale), r, math.nan)
