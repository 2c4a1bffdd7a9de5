"""SciPy's ``logsumexp``, ``softmax`` and ``log_softmax``: composites, computed stably."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import kinks, logic, ops, reductions
from ..elementary import isfinite
from ..joins import as_array
from ..shapes import reshape as reshape_to
from . import _numerics as _n

__all__ = ["log_softmax", "logsumexp", "softmax"]

Number = Any


def logsumexp(a: Number, axis: Any = None, b: Number | None = None, keepdims: bool = False,
              return_sign: bool = False) -> Any:
    """``log(sum(b * exp(a), axis))``, computed stably, with SciPy's semantics.

    Entries where ``b`` is zero are left out (even an infinite ``a``); a
    negative sum gives ``nan``, or with ``return_sign`` its log-magnitude
    and sign. The largest entry is a constant shift (the derivative does not
    flow through it), so ties and ``-inf`` entries are exact.

    Args:
      a: The exponents.
      axis: None (every axis), an int or a tuple of ints.
      b: Weights broadcast against ``a``; may be negative.
      keepdims: Keep the reduced axes with size 1.
      return_sign: Return ``(log(abs(s)), sign(s))`` instead of ``log(s)``.

    Returns:
      ``log(s)``, or the pair ``(log(abs(s)), sign(s))``.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> x = np.array([[0.0, 1000.0], [1.0, 1.0]])
      >>> float(logsumexp(x)) - 1000.0
      0.0
      >>> tg.grad(lambda x: logsumexp(x, axis=1)[1])(x)
      array([[0. , 0. ],
             [0.5, 0.5]])
    """
    a, b = as_array(a), as_array(b)     # array_like, as SciPy reads it
    if b is not None:
        a = kinks.where(logic.eq(b, 0), -math.inf, a + 0.0 * b)    # broadcast as SciPy does
    shape = _n.shape(a)
    reduced = range(len(shape)) if axis is None else _n.axes(axis, len(shape))
    if any(shape[i] == 0 for i in reduced):         # a sum of nothing: no shift, -inf
        m: Any = np.zeros(tuple(1 if i in reduced else n for i, n in enumerate(shape)))
    else:
        m = kinks.stop_gradient(reductions.max(a, axis=axis, keepdims=True))
    m = kinks.where(isfinite(m), m, 0.0)        # -inf/inf/nan shift by 0, with no warning
    e = ops.exp(a - m)
    s = reductions.sum(e if b is None else b * e, axis=axis, keepdims=keepdims)
    m = m if keepdims else reshape_to(m, _n.shape(s))
    if return_sign:
        return ops.log(kinks.abs(s)) + m, kinks.sign(s)
    return ops.log(s) + m


def softmax(x: Number, axis: Any = None) -> Number:
    """``exp(x) / sum(exp(x), axis)``, computed stably (SciPy: ``axis=None`` is every axis).

    Args:
      x: The logits.
      axis: None (every axis), an int or a tuple of ints.

    Returns:
      An array shaped like ``x``, adding up to 1 along ``axis``.
    """
    return ops.exp(log_softmax(x, axis))


def log_softmax(x: Number, axis: Any = None) -> Number:
    """``x - logsumexp(x, axis, keepdims=True)``.

    Args:
      x: The logits.
      axis: None (every axis), an int or a tuple of ints.

    Returns:
      An array shaped like ``x``.
    """
    x = as_array(x)
    return x - logsumexp(x, axis=axis, keepdims=True)
