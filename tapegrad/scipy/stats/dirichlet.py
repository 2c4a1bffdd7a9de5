"""The Dirichlet distribution: ``scipy.stats.dirichlet``'s density, differentiable.

As SciPy's, ``x`` holds the components along its first axis (``(K,)``, or
``(K, n)`` for ``n`` points), or all but the last one (``K - 1`` rows, the
last then ``1 - sum``); ``alpha`` is a 1-d array of ``K`` concentrations.
Where SciPy raises on a point off the simplex, the log-density is ``-inf``
(as ``jax.scipy.stats.dirichlet``'s, so a traced point needs no check), and
``nan`` where a concentration is not positive.

Examples:
  >>> import numpy as np
  >>> import tapegrad as tg
  >>> from tapegrad.scipy.stats import dirichlet
  >>> round(float(dirichlet.pdf(np.array([0.2, 0.3, 0.5]), np.array([1.0, 2.0, 3.0]))), 6)
  4.5
  >>> tg.grad(dirichlet.logpdf)(np.array([0.25, 0.75]), np.array([2.0, 2.0]))
  array([4.        , 1.33333333])
"""

from __future__ import annotations

import math
from typing import Any

from ... import kinks, logic, reductions
from ...arrays import concatenate
from ...joins import as_array
from ...shapes import reshape
from ...values import shape_of
from .. import _numpy_ops as ops
from ..special import digamma, gammaln, xlogy
from ._common import Number

__all__ = ["entropy", "logpdf", "pdf"]


def _points(x: Any, k: int) -> Any:
    """``x`` with its ``K`` components along axis 0 (the last one added where it is missing)."""
    n = shape_of(x)[0] if shape_of(x) else 0
    if n not in (k, k - 1):
        raise ValueError(f"Vector 'x' must have either the same number of entries as, or one "
                         f"entry fewer than, parameter vector 'a', but alpha.shape = ({k},) "
                         f"and x.shape = {shape_of(x)}.")
    if n == k - 1:
        x = concatenate([x, 1.0 - reductions.sum(x, axis=0, keepdims=True)], 0)
    return x


def logpdf(x: Number, alpha: Number) -> Number:
    """Log of the Dirichlet density at ``x``: ``sum((alpha - 1) log x) - log B(alpha)``.

    Args:
      x: Points on the simplex, components along the first axis (``-inf`` off it).
      alpha: The concentrations, a 1-d array (``nan`` where one is not positive).

    Returns:
      The log-density: a number for one point, an array of ``n`` for ``n`` points.
    """
    x, alpha = as_array(x), as_array(alpha)
    if len(shape_of(alpha)) != 1:
        raise ValueError(f"Parameter vector 'a' must be one dimensional, but a.shape = "
                         f"{shape_of(alpha)}.")
    x = _points(x, shape_of(alpha)[0])
    log_b = reductions.sum(gammaln(alpha)) - gammaln(reductions.sum(alpha))   # SciPy's _lnB
    a = reshape(alpha - 1.0, shape_of(alpha) + (1,) * (len(shape_of(x)) - 1))
    r = reductions.sum(xlogy(a, x), axis=0) - log_b
    on = logic.logical_and(logic.ge(reductions.min(x, axis=0), 0.0),
                           logic.le(kinks.abs(reductions.sum(x, axis=0) - 1.0), 1e-9))
    r = kinks.where(on, r, -math.inf)
    return kinks.where(logic.gt(reductions.min(alpha), 0.0), r, math.nan)


def pdf(x: Number, alpha: Number) -> Number:
    """The Dirichlet density at ``x`` (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, alpha))


def entropy(alpha: Number) -> Number:
    """The differential entropy ``log B(alpha) + (a0 - K) psi(a0) - sum((alpha - 1) psi(alpha))``.

    ``a0`` is ``sum(alpha)``, ``K`` the number of components; ``nan`` where a
    concentration is not positive (SciPy raises there).
    """
    alpha = as_array(alpha)
    if len(shape_of(alpha)) != 1:
        raise ValueError(f"Parameter vector 'a' must be one dimensional, but a.shape = "
                         f"{shape_of(alpha)}.")
    a0 = reductions.sum(alpha)
    log_b = reductions.sum(gammaln(alpha)) - gammaln(a0)
    r = log_b + (a0 - shape_of(alpha)[0]) * digamma(a0) - reductions.sum((alpha - 1.0) *
                                                                         digamma(alpha))
    return kinks.where(logic.gt(reductions.min(alpha), 0.0), r, math.nan)
