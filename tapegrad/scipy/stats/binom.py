"""The binomial distribution: ``scipy.stats.binom``'s functions, differentiable in ``p``.

Examples:
  >>> from tapegrad.scipy.stats import binom
  >>> round(float(binom.pmf(1, 3, 0.5)), 12), round(float(binom.cdf(1, 3, 0.5)), 12)
  (0.375, 0.5)
"""

from __future__ import annotations

import math

import numpy as np

from ... import kinks, logic, reductions
from ...arrays import floor
from ...values import Traced, primal_value
from .. import _numpy_ops as ops
from ..special import _betainc, entr, gammaln, xlog1py, xlogy
from ._common import Number
from ._discrete import between, log_mass, shifted, whole

__all__ = ["cdf", "entropy", "logpmf", "pmf", "sf"]


def _ok(n: Number, p: Number) -> Number:
    return logic.logical_and(whole(n), between(p, 0.0, 1.0))


def logpmf(k: Number, n: Number, p: Number, loc: Number = 0) -> Number:
    """Log of the probability of ``k`` successes in ``n`` trials.

    ``log C(n, k) + k log p + (n - k) log(1 - p)``.

    Args:
      k: The count (``-inf`` where ``k - loc`` is no integer of ``[0, n]``).
      n: The number of trials (``nan`` where not a whole number).
      p: The probability of a success (``nan`` outside ``[0, 1]``).
      loc: A shift of ``k``.

    Returns:
      The log-probability, broadcast over the arguments.
    """
    x = shifted(k, loc)
    comb = gammaln(n + 1.0) - (gammaln(x + 1.0) + gammaln(n - x + 1.0))
    return log_mass(comb + xlogy(x, p) + xlog1py(n - x, -p), x, 0.0, n, _ok(n, p))


def pmf(k: Number, n: Number, p: Number, loc: Number = 0) -> Number:
    """The probability of ``k`` successes (arguments as ``logpmf``)."""
    return ops.exp(logpmf(k, n, p, loc))


def _tail(k: Number, n: Number, p: Number, loc: Number, upper: bool) -> Number:
    """``sf`` (``upper``) or ``cdf``: ``betainc`` at the floor of ``k - loc``, 0 or 1 outside."""
    x = floor(shifted(k, loc))
    inner = kinks.clip(x, 0.0, kinks.maximum(n - 1.0, 0.0))   # the shapes positive at any x
    a, b = kinks.maximum(n - inner, 1.0), inner + 1.0
    inside = _betainc(b, a, p) if upper else _betainc(a, b, 1.0 - p)
    below, above = (1.0, 0.0) if upper else (0.0, 1.0)
    r = kinks.where(logic.lt(x, 0.0), below, kinks.where(logic.ge(x, n), above, inside))
    return kinks.where(logic.logical_and(logic.eq(x, x), _ok(n, p)), r, math.nan)


def cdf(k: Number, n: Number, p: Number, loc: Number = 0) -> Number:
    """``P(K <= k) = betainc(n - k, k + 1, 1 - p)`` for ``k`` below ``n`` (arguments as ``logpmf``).

    Differentiable in ``p`` to any order; ``k`` and ``n`` are counts.
    """
    return _tail(k, n, p, loc, upper=False)


def sf(k: Number, n: Number, p: Number, loc: Number = 0) -> Number:
    """``P(K > k) = betainc(k + 1, n - k, p)``, accurate in the right tail."""
    return _tail(k, n, p, loc, upper=True)


def entropy(n: Number, p: Number, loc: Number = 0) -> Number:
    """``sum(entr(pmf(k, n, p)))`` over ``k = 0 .. n``, as SciPy sums it.

    Differentiable in ``p``; ``n`` sets the number of terms, so it must not
    be traced. ``nan`` where ``n`` is no count or ``p`` is outside ``[0, 1]``;
    ``loc`` has no effect.
    """
    if isinstance(n, Traced):
        raise TypeError("tapegrad.scipy.stats.binom.entropy: n must be a plain count, not a "
                        "traced value (its value sets the number of terms); pass it as a "
                        "constant, or as a static argument of tg.jit (static_argnums).")
    data = np.asarray(primal_value(p))
    kind = np.float32 if data.dtype == np.float32 else np.float64       # float32 p: float32
    counts = np.asarray(n, dtype=kind)
    top = int(np.max(np.where(np.isfinite(counts), counts, 0), initial=0))
    k = np.arange(max(top, 0) + 1, dtype=kind).reshape((-1,) + (1,) * max(counts.ndim, data.ndim))
    return reductions.sum(entr(pmf(k, counts, p)), axis=0) + 0.0 * loc
