"""``logsumexp`` and ``softmax``: stable composites, with SciPy's semantics for arrays.

A Python list of numbers is reduced over the list (elementwise for a list
of arrays); an array over ``axis`` (every element for ``None``).
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from . import reductions
from .arrays import stack
from .kinks import maximum, stop_gradient, where
from .ops import Number, exp, log, logaddexp
from .shapes import broadcast_to
from .values import shape_of

__all__ = ["logsumexp", "softmax"]


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Number:
    """``log(sum(exp(x)))`` over ``axis``, computed stably: SciPy's ``logsumexp``.

    For an array, every element with ``axis=None`` (a 2-D array gives a
    float), as SciPy does. A Python list is stacked first and reduced over
    the list (axis 0), so a list of arrays stays elementwise. Finite at
    +-1000, ``-inf`` where every element is ``-inf`` (no ``nan``); on ties
    the gradient is split equally (``logsumexp([a, a])`` gives 0.5 each).

    Args:
      x: An array (traced or not), or a non-empty list of numbers.
      axis: None (every axis of an array; the list's axis for a list), an
        int or a tuple of ints.
      keepdims: Keep the reduced axes with size 1.

    Returns:
      The reduction, shaped as ``tg.sum`` would be.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> round(tg.logsumexp([1000.0, 1000.0]) - 1000.0, 6)
      0.693147
      >>> round(tg.logsumexp(np.log(np.array([[1.0, 2.0], [3.0, 4.0]]))), 12)   # log(10)
      np.float64(2.302585092994)
      >>> tg.logsumexp(np.log(np.array([[1.0, 2.0], [3.0, 4.0]])), axis=1)
      array([1.09861229, 1.94591015])
    """
    if isinstance(x, list | tuple):
        items = list(x)
        if not items:
            raise ValueError("logsumexp: got an empty list; pass at least one number.")
        if axis is None and not keepdims:     # elementwise over the list
            acc = items[0]
            for item in items[1:]:
                acc = logaddexp(acc, item)
            return acc
        x, axis = _stack_list(items), 0 if axis is None else axis
    shape = shape_of(x)
    axes = reductions._axes("logsumexp", axis, len(shape))
    if builtins.any(shape[a] == 0 for a in axes):     # log(0): -inf, as SciPy
        return log(reductions.sum(exp(x), axis=axes, keepdims=keepdims))
    if not axes and not keepdims:
        return x
    m = stop_gradient(reductions.max(x, axis=axes, keepdims=True))
    m = where(abs(m) < math.inf, m, 0.0)     # an infinite maximum shifts nothing
    out = log(reductions.sum(exp(x - m), axis=axes, keepdims=keepdims))
    return out + (m if keepdims else reductions.sum(m, axis=axes, keepdims=False))


def _stack_list(items: list[Any]) -> Any:
    """A list of numbers broadcast to one shape and stacked."""
    shape = np.broadcast_shapes(*(shape_of(i) for i in items))
    return stack([i if shape_of(i) == shape else broadcast_to(i, shape) for i in items])


def softmax(x: Any, axis: Any = None) -> Any:
    """``exp(x) / sum(exp(x))`` over ``axis``, computed stably: SciPy's ``softmax``.

    For an array, over every element with ``axis=None``, as SciPy does. A
    Python list gives a list, normalized over the list (elementwise for a
    list of arrays).

    Args:
      x: An array (traced or not), or a non-empty list of numbers.
      axis: None (every axis of an array), an int or a tuple of ints.

    Returns:
      An array shaped like ``x`` adding up to 1 over ``axis``; for a list, a
      list of numbers, one per item.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.softmax([1000.0, 1000.0])
      [0.5, 0.5]
      >>> tg.softmax(np.array([[0.0, 0.0], [0.0, 0.0]]), axis=1)
      array([[0.5, 0.5],
             [0.5, 0.5]])
    """
    if isinstance(x, list | tuple):
        items = list(x)
        if not items:
            raise ValueError("softmax: got an empty list; pass at least one number.")
        if axis is not None:
            return softmax(_stack_list(items), axis)
        m = items[0]
        for item in items[1:]:
            m = maximum(m, item)
        shifted = [item - stop_gradient(m) for item in items]   # softmax ignores a shift
        lse = logsumexp(shifted)
        return [exp(item - lse) for item in shifted]
    return exp(x - logsumexp(x, axis=axis, keepdims=True))
