"""The wrapped Cauchy distribution: ``scipy.stats.wrapcauchy``'s density, differentiable.

Examples:
  >>> import math
  >>> from tapegrad.scipy.stats import wrapcauchy
  >>> round(float(wrapcauchy.pdf(math.pi, 0.5)) * 2 * math.pi, 12)    # (1 - c) / (1 + c)
  0.333333333333
"""

from __future__ import annotations

import math

from ... import kinks, logic
from .. import _numpy_ops as ops
from ._common import Number, positive, standardize, where_ok

__all__ = ["logpdf", "pdf"]
_LOG_2PI = math.log(2.0 * math.pi)


def logpdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density ``(1 - c**2) / (2 pi (1 + c**2 - 2 c cos z)) / scale`` at ``x``.

    Args:
      x: Where to evaluate (``-inf`` where ``z = (x - loc) / scale`` is outside ``[0, 2 pi]``).
      c: The shape (``nan`` outside ``(0, 1)``).
      loc: The location.
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    z = standardize(x, loc, scale)
    r = (ops.log1p(-c * c) - _LOG_2PI - ops.log(1.0 + c * c - 2.0 * c * ops.cos(z))
         - ops.log(scale))
    r = kinks.where(logic.logical_or(logic.lt(z, 0.0), logic.gt(z, 2.0 * math.pi)), -math.inf, r)
    ok = logic.logical_and(logic.gt(c, 0.0), logic.lt(c, 1.0))
    p = positive(scale)
    return where_ok(ok if p is True else logic.logical_and(ok, p), r, math.nan)


def pdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density at ``x`` (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, c, loc, scale))
