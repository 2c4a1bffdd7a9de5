"""The beta-binomial distribution: ``scipy.stats.betabinom``, differentiable in ``a`` and ``b``.

Examples:
  >>> from tapegrad.scipy.stats import betabinom
  >>> round(float(betabinom.pmf(1, 2, 1.0, 1.0)), 12)       # uniform on 0, 1, 2
  0.333333333333
"""

from __future__ import annotations

from ... import logic
from .. import _numpy_ops as ops
from ..special import betaln
from ._common import Number, positive
from ._discrete import log_mass, shifted, whole

__all__ = ["logpmf", "pmf"]


def logpmf(k: Number, n: Number, a: Number, b: Number, loc: Number = 0) -> Number:
    """Log of the probability of ``k`` successes in ``n`` trials of a beta-distributed ``p``.

    ``-log(n + 1) - betaln(n - k + 1, k + 1) + betaln(k + a, n - k + b) - betaln(a, b)``.

    Args:
      k: The count (``-inf`` where ``k - loc`` is no integer of ``[0, n]``).
      n: The number of trials (``nan`` where not a whole number).
      a: The beta's first shape (``nan`` where not positive).
      b: The beta's second shape (``nan`` where not positive).
      loc: A shift of ``k``.

    Returns:
      The log-probability, broadcast over the arguments.
    """
    x = shifted(k, loc)
    comb = -ops.log(n + 1.0) - betaln(n - x + 1.0, x + 1.0)
    r = comb + betaln(x + a, n - x + b) - betaln(a, b)
    return log_mass(r, x, 0.0, n, logic.logical_and(whole(n), positive(a, b)))


def pmf(k: Number, n: Number, a: Number, b: Number, loc: Number = 0) -> Number:
    """The probability of ``k`` (arguments as ``logpmf``)."""
    return ops.exp(logpmf(k, n, a, b, loc))
