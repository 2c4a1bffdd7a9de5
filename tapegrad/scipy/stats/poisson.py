"""The Poisson distribution: ``scipy.stats.poisson``'s mass function, differentiable in ``mu``.

Examples:
  >>> import tapegrad as tg
  >>> from tapegrad.scipy.stats import poisson
  >>> round(tg.grad(poisson.logpmf, argnums=1)(3, 2.0), 12)      # k / mu - 1
  0.5
"""

from __future__ import annotations

import math

import numpy as np

from ... import kinks, logic, reductions
from ...arrays import floor
from ...joins import as_array
from ...values import Traced, primal_value
from .. import _numpy_ops as ops
from ..special import gammainc, gammaincc, gammaln, xlogy
from ._common import Number, where_ok

__all__ = ["cdf", "entropy", "logcdf", "logpmf", "logsf", "pmf", "sf"]


def logpmf(k: Number, mu: Number, loc: Number = 0) -> Number:
    """Log of the probability of ``k`` events: ``k log mu - log k! - mu``.

    Args:
      k: The count (``-inf`` where ``k - loc`` is negative or not an integer).
      mu: The mean (``nan`` where negative).
      loc: A shift of ``k``.

    Returns:
      The log-probability, broadcast over the arguments.
    """
    k, mu, loc = as_array(k), as_array(mu), as_array(loc)     # array_like, as SciPy
    x = k - loc
    r = xlogy(x, mu) - gammaln(x + 1.0) - mu
    fraction = logic.logical_and(logic.ne(x, floor(x)), logic.eq(x, x))    # a nan k stays nan
    outside = logic.logical_or(logic.lt(x, 0.0), fraction)
    r = kinks.where(outside, -math.inf, r)
    ok = True if isinstance(mu, int | float) and mu >= 0 else logic.ge(mu, 0.0)
    return where_ok(ok, r, float("nan"))


def pmf(k: Number, mu: Number, loc: Number = 0) -> Number:
    """The probability of ``k`` events (arguments as ``logpmf``)."""
    return ops.exp(logpmf(k, mu, loc))


def cdf(k: Number, mu: Number, loc: Number = 0) -> Number:
    """``P(K <= k)``: the sum of ``pmf(j, mu)`` for ``j = 0 .. floor(k - loc)``.

    Differentiable in ``mu``; ``k`` and ``loc`` are counts (their value
    sets the number of terms, so they must not be traced).

    Args:
      k: The count.
      mu: The mean.
      loc: A shift of ``k``.

    Returns:
      The probability, broadcast over the arguments.
    """
    if isinstance(k, Traced) or isinstance(loc, Traced):
        raise TypeError("tapegrad.scipy.stats.poisson.cdf: k and loc must be plain counts, not "
                        "traced values (their value sets the number of terms); pass them as "
                        "constants, or as static arguments of tg.jit (static_argnums).")
    x = np.floor(np.asarray(k, dtype=float) - loc)
    top = int(np.max(np.where(np.isfinite(x), x, -1.0), initial=-1.0))
    rank = max(np.ndim(x), len(np.shape(primal_value(mu))))       # the terms' axis before both
    j = np.arange(top + 1, dtype=float).reshape((-1,) + (1,) * rank)
    terms = kinks.where(j <= x, pmf(j, mu), 0.0)
    total = reductions.sum(terms, axis=0) if top >= 0 else 0.0 * mu + np.zeros(np.shape(x))
    total = kinks.where(logic.eq(mu, math.inf), 0.0, total)     # SciPy's: all the mass at inf
    r = kinks.where(x < 0, 0.0, kinks.where(x == math.inf, 1.0, total))
    r = kinks.where(np.isnan(x), math.nan, r)
    return kinks.where(logic.ge(mu, 0.0), r, math.nan)       # nan for a negative or nan mu


def _tail(k: Number, mu: Number, loc: Number, upper: bool) -> Number:
    """``sf`` (``upper``: ``gammainc(floor(k) + 1, mu)``) or ``cdf`` (``gammaincc``)."""
    x = floor(as_array(k) - as_array(loc))
    a = kinks.maximum(x, 0.0) + 1.0
    r = kinks.where(logic.lt(x, 0.0), float(upper), gammainc(a, mu) if upper else gammaincc(a, mu))
    r = kinks.where(logic.ne(x, x), math.nan, r)
    return kinks.where(logic.ge(mu, 0.0), r, math.nan)       # nan for a negative or nan mu


def sf(k: Number, mu: Number, loc: Number = 0) -> Number:
    """``P(K > k) = gammainc(floor(k - loc) + 1, mu)``, accurate in the right tail.

    Differentiable in ``mu`` to any order; ``k`` and ``loc`` are counts.
    """
    return _tail(k, mu, loc, upper=True)


def logsf(k: Number, mu: Number, loc: Number = 0) -> Number:
    """``log P(K > k)`` (arguments as ``sf``)."""
    return ops.log(_tail(k, mu, loc, upper=True))


def logcdf(k: Number, mu: Number, loc: Number = 0) -> Number:
    """``log P(K <= k) = log(gammaincc(floor(k - loc) + 1, mu))``; ``k`` may be traced here."""
    return ops.log(_tail(k, mu, loc, upper=False))


_WINDOW = np.arange(-400.0, 401.0)       # 12 standard deviations either side, below mu = 1000


def entropy(mu: Number, loc: Number = 0) -> Number:
    """The entropy ``-sum(pmf log pmf)``: summed over ``mu`` +- 400 below ``mu = 1000``.

    Above, the series ``log(2 pi e mu) / 2 - 1/(12 mu) - 1/(24 mu**2) - 19/(360 mu**3)``
    (within 1.2e-13 there). Differentiable in ``mu``; ``loc`` has no effect.
    """
    mu = as_array(mu)
    big = logic.ge(mu, 1000.0)
    small = kinks.where(big, 1.0, mu)
    large = kinks.where(big, mu, 1000.0)
    k = floor(small) + _WINDOW.reshape((-1,) + (1,) * len(np.shape(primal_value(mu))))
    j = kinks.maximum(k, 0.0)                 # below 0 no term: computed at 0, not used
    log_p = xlogy(j, small) - small - gammaln(j + 1.0)
    some = logic.logical_and(logic.ge(k, 0.0), logic.gt(log_p, -math.inf))    # mu = 0: none
    log_p = kinks.where(some, log_p, 0.0)
    terms = kinks.where(some, -ops.exp(log_p) * log_p, 0.0)
    u = ops.div(1.0, large)
    series = 0.5 * ops.log(2.0 * math.pi * math.e * large) - u * (
        1.0 / 12 + u * (1.0 / 24 + u * (19.0 / 360)))
    r = kinks.where(big, series, reductions.sum(terms, axis=0)) + 0.0 * loc
    return kinks.where(logic.ge(mu, 0.0), r, math.nan)
