"""The multinomial distribution: ``scipy.stats.multinomial``'s mass, differentiable in ``p``.

``x`` holds the counts of the categories along its last axis, ``p`` their
probabilities (broadcast against ``x``'s leading axes), ``n`` the number of
trials. As ``jax.scipy.stats.multinomial``'s, every ``p`` is its own
argument: SciPy reads the last one as ``1 - sum(p[:-1])``, the same
number when the probabilities sum to 1.

Examples:
  >>> import numpy as np
  >>> from tapegrad.scipy.stats import multinomial
  >>> round(float(multinomial.pmf(np.array([1, 1]), 2, np.array([0.5, 0.5]))), 12)
  0.5
"""

from __future__ import annotations

import math

from ... import kinks, logic, reductions
from ...joins import as_array
from .. import _numpy_ops as ops
from ..special import gammaln, xlogy
from ._common import Number
from ._discrete import between, off_support, whole

__all__ = ["logpmf", "pmf"]


def logpmf(x: Number, n: Number, p: Number) -> Number:
    """Log of the probability of the counts ``x``: ``log n! + sum(x log p - log x!)``.

    Args:
      x: The counts, categories along the last axis (``-inf`` where they are not
        whole numbers summing to ``n``).
      n: The number of trials (``nan`` where not a whole number).
      p: The categories' probabilities, along the last axis (``nan`` where one
        is outside ``[0, 1]``).

    Returns:
      The log-probability, with ``x``'s leading shape.
    """
    x, n, p = as_array(x), as_array(n), as_array(p)
    r = gammaln(n + 1.0) + reductions.sum(xlogy(x, p) - gammaln(x + 1.0), axis=-1)
    bad = reductions.max(kinks.where(off_support(x, 0.0), 1.0, 0.0), axis=-1)
    off = logic.logical_or(logic.gt(bad, 0.0), logic.ne(reductions.sum(x, axis=-1), n))
    r = kinks.where(off, -math.inf, r)
    valid = reductions.min(kinks.where(between(p, 0.0, 1.0), 1.0, 0.0), axis=-1)
    return kinks.where(logic.logical_and(logic.gt(valid, 0.0), whole(n)), r, math.nan)


def pmf(x: Number, n: Number, p: Number) -> Number:
    """The probability of the counts ``x`` (arguments as ``logpmf``)."""
    return ops.exp(logpmf(x, n, p))
