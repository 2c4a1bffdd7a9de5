"""The beta distribution: ``scipy.stats.beta``'s density, differentiable.

Examples:
  >>> from tapegrad.scipy.stats import beta
  >>> round(beta.pdf(0.5, 2.0, 2.0), 12)
  1.5
"""

from __future__ import annotations

import math

from ... import kinks, logic, ops
from ..special import gammaln, xlog1py, xlogy
from ._common import Number, positive, standardize, where_ok

__all__ = ["logpdf", "pdf"]


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
