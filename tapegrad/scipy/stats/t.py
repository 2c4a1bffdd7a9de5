"""Student's t distribution: ``scipy.stats.t``'s density, differentiable.

Examples:
  >>> from tapegrad.scipy.stats import t
  >>> round(t.pdf(0.0, 1.0), 12)          # Cauchy: 1 / pi
  0.318309886184
"""

from __future__ import annotations

import math

from ... import ops
from ..special import gammaln
from ._common import Number, positive, standardize, where_ok

__all__ = ["logpdf", "pdf"]


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
