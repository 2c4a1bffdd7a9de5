"""The geometric distribution: ``scipy.stats.geom``'s functions, differentiable in ``p``.

The number of trials up to the first success, on ``1, 2, ...``.

Examples:
  >>> from tapegrad.scipy.stats import geom
  >>> round(float(geom.pmf(2, 0.5)), 12), round(float(geom.cdf(2, 0.5)), 12)
  (0.25, 0.75)
"""

from __future__ import annotations

import math

import numpy as np

from ... import kinks, logic
from ...arrays import floor
from .. import _numpy_ops as ops
from ..special import xlog1py
from ._common import Number
from ._discrete import between, log_mass, shifted

__all__ = ["cdf", "entropy", "logpmf", "logsf", "pmf", "sf"]


def _ok(p: Number) -> Number:
    return between(p, 0.0, 1.0, open_lo=True)


def logpmf(k: Number, p: Number, loc: Number = 0) -> Number:
    """Log of the probability that the first success is trial ``k``: ``(k-1) log(1-p) + log p``.

    Args:
      k: The trial (``-inf`` where ``k - loc`` is no integer from 1 on).
      p: The probability of a success (``nan`` outside ``(0, 1]``).
      loc: A shift of ``k``.

    Returns:
      The log-probability, broadcast over the arguments.
    """
    x = shifted(k, loc)
    return log_mass(xlog1py(x - 1.0, -p) + ops.log(p), x, 1.0, math.inf, _ok(p))


def pmf(k: Number, p: Number, loc: Number = 0) -> Number:
    """The probability of ``k`` (arguments as ``logpmf``)."""
    return ops.exp(logpmf(k, p, loc))


def logsf(k: Number, p: Number, loc: Number = 0) -> Number:
    """``log P(K > k) = floor(k) log(1 - p)`` (0 below 1; arguments as ``logpmf``)."""
    x = floor(kinks.maximum(shifted(k, loc), 0.0))
    r = kinks.where(logic.eq(x, 0.0), 0.0, x * ops.log1p(-p))     # 0 at p = 1 too
    return kinks.where(_ok(p), r, math.nan)


def sf(k: Number, p: Number, loc: Number = 0) -> Number:
    """``P(K > k) = (1 - p)^floor(k)`` (arguments as ``logpmf``)."""
    return ops.exp(logsf(k, p, loc))


def cdf(k: Number, p: Number, loc: Number = 0) -> Number:
    """``P(K <= k) = -expm1(floor(k) log(1 - p))``, accurate for small ``p``."""
    return -ops.expm1(logsf(k, p, loc))


def entropy(p: Number, loc: Number = 0) -> Number:
    """SciPy's ``-log(p) - log1p(-p) (1 - p) / p`` (``nan`` at ``p = 1``, as SciPy's).

    ``loc`` has no effect.
    """
    with np.errstate(all="ignore"):        # p = 1 and p outside (0, 1]: nan, as SciPy's
        r = -ops.log(p) - ops.log1p(-p) * (1.0 - p) / p + 0.0 * loc
        return kinks.where(_ok(p), r, math.nan)
