"""The negative binomial distribution: ``scipy.stats.nbinom``, differentiable in ``n`` and ``p``.

The number of failures before the ``n``-th success; ``n`` may be any
positive number, as in SciPy.

Examples:
  >>> from tapegrad.scipy.stats import nbinom
  >>> round(float(nbinom.pmf(0, 2.0, 0.5)), 12), round(float(nbinom.cdf(1, 2.0, 0.5)), 12)
  (0.25, 0.5)
"""

from __future__ import annotations

import math

from ... import kinks, logic
from ...arrays import floor
from .. import _numpy_ops as ops
from ..special import _betainc, gammaln, xlog1py
from ._common import Number, positive
from ._discrete import between, log_mass, shifted

__all__ = ["cdf", "logpmf", "pmf", "sf"]


def _ok(n: Number, p: Number) -> Number:
    return logic.logical_and(positive(n), between(p, 0.0, 1.0, open_lo=True))


def logpmf(k: Number, n: Number, p: Number, loc: Number = 0) -> Number:
    """Log of the probability of ``k`` failures before the ``n``-th success.

    ``gammaln(n + k) - gammaln(k + 1) - gammaln(n) + n log p + k log(1 - p)``.

    Args:
      k: The count (``-inf`` where ``k - loc`` is no integer from 0 on).
      n: The number of successes (``nan`` where not positive).
      p: The probability of a success (``nan`` outside ``(0, 1]``).
      loc: A shift of ``k``.

    Returns:
      The log-probability, broadcast over the arguments.
    """
    x = shifted(k, loc)
    coeff = gammaln(n + x) - gammaln(x + 1.0) - gammaln(n)
    return log_mass(coeff + n * ops.log(p) + xlog1py(x, -p), x, 0.0, math.inf, _ok(n, p))


def pmf(k: Number, n: Number, p: Number, loc: Number = 0) -> Number:
    """The probability of ``k`` failures (arguments as ``logpmf``)."""
    return ops.exp(logpmf(k, n, p, loc))


def _tail(k: Number, n: Number, p: Number, loc: Number, upper: bool) -> Number:
    """``sf`` (``upper``) or ``cdf``: ``betainc`` at the floor of ``k - loc``, 0 or 1 below 0."""
    x = floor(shifted(k, loc))
    b = kinks.maximum(x, 0.0) + 1.0
    inside = _betainc(b, n, 1.0 - p) if upper else _betainc(n, b, p)
    r = kinks.where(logic.lt(x, 0.0), float(upper), inside)
    return kinks.where(logic.logical_and(logic.eq(x, x), _ok(n, p)), r, math.nan)


def cdf(k: Number, n: Number, p: Number, loc: Number = 0) -> Number:
    """``P(K <= k) = betainc(n, floor(k) + 1, p)`` (arguments as ``logpmf``).

    Differentiable in ``p`` to any order and once in ``n`` (``betainc``'s).
    """
    return _tail(k, n, p, loc, upper=False)


def sf(k: Number, n: Number, p: Number, loc: Number = 0) -> Number:
    """``P(K > k) = betainc(floor(k) + 1, n, 1 - p)``, accurate in the right tail."""
    return _tail(k, n, p, loc, upper=True)
