"""Statistics: ``var``, ``std``, ``average``, ``median``, ``round``.

Each function has NumPy's signature and values, and is a composite of
tapegrad functions (every transform for free); ``median``'s derivative goes
to the middle element(s), through ``sort``. NumPy's ``np.where`` and
``np.clip`` spellings are here too. The products and running sums
(``prod``, ``cumsum``, ``cumprod``: scans.py) and the orderings (``sort``,
``argsort``, ``argmax``, ``argmin``: orderings.py) are re-exported, so
``tg.statistics`` keeps every name it had.

The NumPy names (``np.var(x)``, ``x.std()``, ``np.median(x)``...) dispatch
here on traced values.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from . import reductions as _axes
from .along import _along, _flat_or_axis, _over_axes, _stacked
from .arrays import astype, ceil, floor
from .arrays import round_p as _round_p
from .kinks import maximum, minimum, numpy_bounds, where
from .numpy_dispatch import fresh, functions
from .numpy_tables import numpy_method, ufuncs
from .ops import sqrt
from .orderings import argmax, argmin, argsort, sort, sort_p
from .predicates import any as tg_any
from .scans import cumprod, cumsum, prod
from .shapes import broadcast_to, transpose
from .shapes import reshape as reshape_to
from .values import Traced, numpy_made, primal_value, shape_of

__all__ = ["argmax", "argmin", "argsort", "average", "ceil", "cumprod", "cumsum", "floor",
           "median", "prod", "round", "sort", "std", "var"]

Number = Any
Axis = int | tuple[int, ...] | None


# ---------------------------------------------------------------- var, std
def var(x: Number, axis: Axis = None, ddof: int = 0, keepdims: bool = False) -> Number:
    """NumPy's ``var``: the mean squared deviation from the mean, over ``n - ddof``.

    Args:
      x: A number, an array, a traced value, or a list of numbers of one shape.
      axis: None (every axis), an int or a tuple of ints.
      ddof: Delta degrees of freedom: the divisor is ``n - ddof``.
      keepdims: Keep the reduced axes with size 1.

    Returns:
      The variance, shaped as ``tg.sum`` would be.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.var(np.array([1.0, 2.0, 3.0, 4.0])), tg.var(np.array([1.0, 3.0]), ddof=1)
      (np.float64(1.25), np.float64(2.0))
      >>> tg.grad(lambda x: tg.var(x))(np.array([1.0, 3.0]))
      array([-1.,  1.])
    """
    x = _stacked(x)
    axes = _axes._axes("var", axis, len(shape_of(x)))
    n = math.prod(shape_of(x)[a] for a in axes)
    d = x - _axes.mean(x, axis=axes, keepdims=True)
    ss = _axes.sum(d * d, axis=axes, keepdims=keepdims)
    count = builtins.max(n - ddof, 0)
    return ss / float(count) if count else ss * math.inf    # NumPy's nan (0/0) or inf


def std(x: Number, axis: Axis = None, ddof: int = 0, keepdims: bool = False) -> Number:
    """NumPy's ``std``: the square root of ``tg.var``.

    Args:
      x: A number, an array, a traced value, or a list of numbers of one shape.
      axis: None (every axis), an int or a tuple of ints.
      ddof: Delta degrees of freedom: the divisor is ``n - ddof``.
      keepdims: Keep the reduced axes with size 1.

    Returns:
      The standard deviation, shaped as ``tg.sum`` would be. Its derivative
      where every element is equal is ``nan`` (a square root at zero), as in JAX.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.std(np.array([[1.0, 3.0], [2.0, 2.0]]), axis=1)
      array([1., 0.])
    """
    return sqrt(var(x, axis=axis, ddof=ddof, keepdims=keepdims))


# ------------------------------------------------- average, median, round
def average(a: Number, axis: Axis = None, weights: Any = None, returned: bool = False,
            keepdims: bool = False) -> Any:
    """NumPy's ``average``: the mean, weighted by ``weights`` where given.

    Args:
      a: A number, an array, a traced value, or a list of numbers of one shape.
      axis: None (every axis), an int or a tuple of ints.
      weights: None, an array shaped like ``a``, or (with an int ``axis``) a
        1-D array as long as that axis; traced or not.
      returned: Also return the sum of the weights.
      keepdims: Keep the reduced axes with size 1.

    Returns:
      The average; with ``returned``, ``(average, sum of weights)``.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.average(np.array([1.0, 2.0, 4.0]), weights=np.array([1.0, 1.0, 2.0]))
      np.float64(2.75)
    """
    a = _stacked(a)
    shape = shape_of(a)
    axes = _axes._axes("average", axis, len(shape))
    if weights is None:
        avg = _axes.numpy_mean(a, axis=axes, keepdims=keepdims)     # NumPy's a.mean()
        if not returned:
            return avg
        kind = np.asarray(primal_value(avg)).dtype.type          # NumPy's avg.dtype.type
        scl = kind(math.prod(shape) / max(math.prod(shape_of(avg)), 1))
        return avg, np.full(shape_of(avg), scl) if shape_of(avg) else scl
    w = _stacked(weights)
    avg, scl = _weighted(a, w, axis, axes, keepdims)
    if not returned:
        return avg
    return avg, (scl if shape_of(scl) == shape_of(avg) else
                 broadcast_to(scl, shape_of(avg)))


def _weighted(a: Any, w: Any, axis: Axis, axes: tuple[int, ...], keepdims: bool) -> Any:
    """NumPy's weighted ``average``: its checks, its result dtype, its order of sums."""
    shape, wshape = shape_of(a), shape_of(w)
    adt, wdt = (np.asarray(primal_value(v)).dtype for v in (a, w))
    dtype = np.result_type(adt, wdt, "f8") if adt.kind in "iub" else np.result_type(adt, wdt)
    if wshape != shape:
        if axis is None:
            raise TypeError("Axis must be specified when shapes of a and weights differ.")
        given = [int(i) % len(shape) for i in (axis if isinstance(axis, tuple) else (axis,))]
        if wshape != tuple(shape[i] for i in given):        # the axes in the order given
            raise ValueError("Shape of weights must be consistent with shape of a along "
                             "specified axis.")
        w = transpose(w, tuple(int(i) for i in np.argsort(given)))
        w = reshape_to(w, tuple(n if i in axes else 1 for i, n in enumerate(shape)))
    w = w if wdt == dtype else astype(w, dtype)
    scl = _axes.sum(w, axis=axes, keepdims=keepdims)
    if tg_any(scl == 0.0):          # a guard: checked at every call of a jitted function
        raise ZeroDivisionError("Weights sum to zero, can't be normalized")
    a = a if adt == dtype else astype(a, dtype)
    return _axes.sum(a * w, axis=axes, keepdims=keepdims) / scl, scl


def _middle(s: Any, ax: int, n: int) -> Any:
    """The middle of ``s`` sorted along ``ax`` (of length ``n`` > 0), kept as an axis of 1."""
    s = sort_p(s, ax)
    if s.dtype.kind in "iub":       # integers: a float median, their sum never wraps
        s = s * 1.0
    mid = _along(s, ax, slice(n // 2, n // 2 + 1))
    if n % 2 == 0:
        mid = (_along(s, ax, slice(n // 2 - 1, n // 2)) + mid) * 0.5
    last = _along(s, ax, slice(n - 1, n))      # nan sorts last: any nan makes it nan
    return where(last != last, last, mid)


def median(x: Number, axis: int | None = None, keepdims: bool = False) -> Number:
    """NumPy's ``median``: the middle of the sorted values (mean of the middle two).

    The derivative goes to the middle element(s), as ``sort``'s does; a
    ``nan`` anywhere along the axis makes the median ``nan``, as in NumPy.

    Args:
      x: An array, a traced value, or a list of numbers of one shape.
      axis: None (every element), an int or a tuple of ints.
      keepdims: Keep the reduced axes with size 1.

    Returns:
      The median, shaped as ``tg.sum`` would be.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.median(np.array([3.0, 1.0, 4.0, 2.0]))
      np.float64(2.5)
    """
    if isinstance(axis, tuple | list):
        return _over_axes(median, x, tuple(axis), keepdims)
    x = _stacked(x)
    shape = shape_of(x)
    if not shape:                   # NumPy's float median of one number
        _axes._axes("median", axis, 0)          # axis=0 of a 0-d array: NumPy's AxisError
        return x * 1.0 if np.result_type(primal_value(x)).kind in "iub" else x
    flat = axis is None
    s, ax = _flat_or_axis("median", x, axis)
    n = shape_of(s)[ax]
    if n == 0:                      # NumPy's nan (the mean of nothing), without a warning
        mid = _axes.mean(s, axis=ax, keepdims=True)
    else:
        mid = _middle(s, ax, n)
    if keepdims:
        return reshape_to(mid, (1,) * len(shape)) if flat else mid
    out = tuple(k for i, k in enumerate(shape_of(mid)) if i != ax)
    return reshape_to(mid, out) if out else _axes.sum(mid)


def round(x: Number, decimals: int = 0) -> Number:  # noqa: A001  (NumPy's name)
    """NumPy's ``round``: to ``decimals`` places (halves to even), zero derivative.

    Args:
      x: A number or an array (traced or not).
      decimals: The number of decimal places.

    Returns:
      The rounded number; ``.astype(int)`` of it is integer data (an index).

    Examples:
      >>> import tapegrad as tg
      >>> tg.round(2.5), tg.grad(tg.round)(2.3)
      (2.0, 0.0)
    """
    return _round_p(x, int(decimals))


# ---------------------------------------- np.where, np.clip: NumPy's spellings
_NOTHING: Any = object()


def _np_where(condition: Any, x: Any = _NOTHING, y: Any = _NOTHING) -> Any:
    if x is _NOTHING or y is _NOTHING:
        raise TypeError(
            "np.where(cond) with one argument returns the indices where cond holds, "
            "whose number depends on the values: it cannot be traced. Call np.nonzero "
            "on the untraced value (outside the transform), or choose values with the "
            "three-argument tg.where(cond, x, y) (np.where(cond, x, y)).")
    return where(condition, x, y)


def _np_clip(a: Any, a_min: Any = _NOTHING, a_max: Any = _NOTHING, *, min: Any = _NOTHING,
             max: Any = _NOTHING) -> Any:
    lo = a_min if a_min is not _NOTHING else min
    hi = a_max if a_max is not _NOTHING else max
    lo = None if lo is _NOTHING else lo
    hi = None if hi is _NOTHING else hi
    lo, hi = numpy_bounds(a, lo, hi)
    x = a if lo is None else maximum(a, lo)      # no bounds (NumPy 2.4): a's copy
    return fresh(x if hi is None else minimum(x, hi), (a,))


# ------------------------------------------- NumPy's names on traced values
functions[np.var] = (var, ("axis", "ddof", "keepdims"))
functions[np.std] = (std, ("axis", "ddof", "keepdims"))
functions[np.average] = (average, ("axis", "weights", "returned", "keepdims"))
functions[np.median] = (median, ("axis", "keepdims"))
functions[np.where] = (_np_where, ())
functions[np.clip] = (_np_clip, ("a_min", "a_max", "min", "max"))
ufuncs[np._core.umath.clip] = _np_clip  # type: ignore[attr-defined]  # W.clip(x, 5.0)


# ------------------------------------------------- the methods on Traced
Traced.var = numpy_method(np.var, var)              # type: ignore
Traced.std = numpy_method(np.std, lambda x: numpy_made(std(x)))    # type: ignore
Traced.clip = lambda self, min=None, max=None: _np_clip(self, min, max)  # type: ignore
