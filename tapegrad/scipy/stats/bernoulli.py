"""The Bernoulli distribution: ``scipy.stats.bernoulli``'s functions, differentiable in ``p``.

Examples:
  >>> import tapegrad as tg
  >>> from tapegrad.scipy.stats import bernoulli
  >>> round(float(bernoulli.pmf(1, 0.3)), 12)
  0.3
  >>> round(float(tg.grad(bernoulli.logpmf, 1)(0, 0.5)), 12)
  -2.0
"""

from __future__ import annotations

import math

from ... import kinks, logic
from ...joins import as_array
from .. import _numpy_ops as ops
from ..special import entr, xlog1py, xlogy
from ._common import Number, typed_like
from ._discrete import between, log_mass, shifted, step_cdf

__all__ = ["cdf", "entropy", "logpmf", "pmf", "ppf", "sf"]


def logpmf(k: Number, p: Number, loc: Number = 0) -> Number:
    """Log of the probability of ``k``: ``log p`` at 1, ``log(1 - p)`` at 0.

    Args:
      k: The outcome (``-inf`` where ``k - loc`` is not 0 or 1).
      p: The probability of a 1 (``nan`` outside ``[0, 1]``).
      loc: A shift of ``k``.

    Returns:
      The log-probability, broadcast over the arguments.
    """
    x = shifted(k, loc)
    return log_mass(xlogy(x, p) + xlog1py(1.0 - x, -p), x, 0.0, 1.0, between(p, 0.0, 1.0))


def pmf(k: Number, p: Number, loc: Number = 0) -> Number:
    """The probability of ``k`` (arguments as ``logpmf``)."""
    return ops.exp(logpmf(k, p, loc))


def cdf(k: Number, p: Number, loc: Number = 0) -> Number:
    """``P(K <= k)``: 0 below 0, ``1 - p`` on ``[0, 1)``, 1 from 1 on."""
    x = shifted(k, loc)
    r = step_cdf(x, 0.0, 1.0, 1.0 - p, between(p, 0.0, 1.0))
    return kinks.where(logic.ne(x, x), math.nan, r)


def sf(k: Number, p: Number, loc: Number = 0) -> Number:
    """``P(K > k)``: 1 below 0, ``p`` on ``[0, 1)``, 0 from 1 on."""
    x = shifted(k, loc)
    r = 1.0 - step_cdf(x, 0.0, 1.0, 1.0 - p, between(p, 0.0, 1.0))
    return kinks.where(logic.ne(x, x), math.nan, r)


def ppf(q: Number, p: Number, loc: Number = 0) -> Number:
    """The least ``k`` with ``cdf(k) >= q``: ``-1`` at ``q = 0``, 1 at ``q = 1`` (plus ``loc``)."""
    zero, one = typed_like(as_array(q), 0.0, 1.0)        # float32 q: float32 answers
    r = kinks.where(logic.logical_and(logic.le(q, 1.0 - p), logic.lt(q, 1.0)), zero, one)
    r = kinks.where(logic.eq(q, 0.0), -one, r)
    ok = logic.logical_and(between(q, 0.0, 1.0), between(p, 0.0, 1.0))
    return kinks.where(ok, r + loc, math.nan)


def entropy(p: Number, loc: Number = 0) -> Number:
    """``entr(p) + entr(1 - p)`` (0 at ``p`` = 0 or 1, ``nan`` outside; ``loc`` has no effect)."""
    r = entr(p) + entr(1.0 - p) + 0.0 * as_array(loc)
    return kinks.where(between(p, 0.0, 1.0), r, math.nan)
