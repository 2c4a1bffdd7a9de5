"""The gamma distribution: ``scipy.stats.gamma``'s density, differentiable.

Examples:
  >>> from tapegrad.scipy.stats import gamma
  >>> round(gamma.pdf(1.0, 1.0), 12)      # exponential: exp(-1)
  0.367879441171
"""

from __future__ import annotations

import math

from ... import kinks, logic, ops
from ..special import gammaln, xlogy
from ._common import Number, positive, standardize, where_ok

__all__ = ["logpdf", "pdf"]


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
