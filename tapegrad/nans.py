"""NaN-skipping reductions and ``nan_to_num``: NaNs masked out with ``tg.where``.

``nansum(x)`` is ``sum(where(isnan(x), 0, x))``, as NumPy computes it, so a
NaN contributes nothing and gets a zero gradient; the means and variances
divide by the count of the other elements (traced, so jit replays it for
new NaNs); ``nanmedian`` picks the middle of the sorted values by comparing
positions with that count. ``ptp`` (the range, max minus min) lives here too. NumPy's names
dispatch here on traced values.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import reductions as _red
from .along import _stacked
from .arrays import astype
from .elementary import isnan
from .kinks import where
from .numpy_dispatch import functions
from .orderings import sort_p
from .scans import cumprod, cumsum, prod
from .shapes import _traced_scalar, transpose
from .shapes import reshape as reshape_to
from .values import Traced, _integer_data, primal_value
from .writes import written_into

__all__ = ["nan_to_num", "nancumprod", "nancumsum", "nanmax", "nanmean", "nanmedian",
           "nanmin", "nanprod", "nansum", "ptp"]

Number = Any
Axis = int | tuple[int, ...] | None


def _float_dtype(x: Any) -> Any:
    v = primal_value(x)
    return v.dtype if isinstance(v, np.ndarray | np.floating) and v.dtype.kind == "f" \
        else np.dtype(np.float64)


def _fill(x: Any, value: Any) -> Any:
    """``x`` with each NaN replaced by ``value`` (a traced one gets the gradient there)."""
    if _integer_data(primal_value(x)):      # no NaN: NumPy's plain function, its dtype
        return x
    return where(isnan(x), _in_dtype(value, _float_dtype(x)), x)


def _in_dtype(value: Any, dt: Any) -> Any:
    """A replacement value cast into ``x``'s dtype, as NumPy's ``copyto`` casts it."""
    if type(value) is Traced:
        return value if _float_dtype(value) == dt else astype(value, dt)
    return np.asarray(value, dtype=dt)


def _count(x: Any, axis: Axis, keepdims: bool, mask: Any = None) -> Any:
    """How many elements are not NaN (where ``mask`` holds), in ``x``'s float dtype."""
    one = np.ones((), dtype=_float_dtype(x))
    return _red.sum(where(isnan(x), 0 * one, one) + np.zeros(np.shape(primal_value(x)),
                                                               dtype=one.dtype),
                    axis, keepdims, where=mask)


def nan_to_num(x: Number, copy: bool = True, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Number:
    """NumPy's ``nan_to_num``: NaN and infinities replaced by finite numbers.

    Args:
      x: A number or an array (traced or not).
      copy: False: written into ``x`` (every name bound to it sees the change,
        as NumPy's; an argument or a view is not written, and a read of it
        afterwards refused).
      nan: The value for NaN.
      posinf: The value for +inf (the dtype's largest by default).
      neginf: The value for -inf (the dtype's most negative by default).

    Returns:
      ``x`` with those replaced; their gradient is zero, the others' one.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.nan_to_num(np.array([np.nan, 1.0, -np.inf]), neginf=-9.0)
      array([ 0.,  1., -9.])
    """
    if _integer_data(primal_value(x)):
        return x                            # no NaN or inf to replace
    dt = _float_dtype(x)
    big = np.finfo(dt).max
    given = x
    x = _fill(x, nan)
    x = where(x == math.inf, _in_dtype(big if posinf is None else posinf, dt), x)
    x = where(x == -math.inf, _in_dtype(-big if neginf is None else neginf, dt), x)
    if not copy and type(given) is Traced and type(primal_value(given)) is np.ndarray and \
            type(x) is Traced:
        return written_into(given, x)       # NumPy's: written into the array given
    return x[()] if type(primal_value(x)) is np.ndarray and np.ndim(x) == 0 else x  # NumPy's


def nansum(a: Number, axis: Axis = None, keepdims: bool = False, where: Any = None, *,
           initial: Any = None) -> Number:
    """NumPy's ``nansum``: the sum, NaNs counted as zero (and given no gradient).

    Args:
      a: A number or an array (traced or not).
      axis: None (every axis), an int or a tuple of ints.
      keepdims: Keep the reduced axes with size 1.
      where: Only the places where it holds count (NumPy's ``where=``).
      initial: A number the sum starts from (NumPy's ``initial=``).

    Returns:
      The sum, shaped as ``tg.sum``'s.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.grad(lambda x: tg.nansum(x * x))(np.array([1.0, np.nan]))
      array([2., 0.])
    """
    if _given(initial):
        return _from_initial(np.sum, _stacked(a), 0.0, axis, keepdims, initial, where)
    return _red.sum(_fill(_stacked(a), 0.0), axis, keepdims, where=where)


def _given(value: Any) -> bool:
    return value is not None and value is not np._NoValue


def _from_initial(func: Any, a: Any, fill: float, axis: Axis, keepdims: bool, initial: Any,
                  mask: Any) -> Any:
    """NumPy's ``func(a, initial=, where=)`` (sum, prod, max or min) with each NaN as ``fill``.

    So NumPy's ``nanmax`` (``np.fmax.reduce``) of a slice that is all NaN,
    or masked out by ``where``, is ``initial``.
    """
    kw = {} if mask is None or mask is True else {"where": mask}
    if _given(initial):
        kw["initial"] = initial
    return func(_fill(a, fill), axis=axis, keepdims=keepdims, **kw)


def nanmean(a: Number, axis: Axis = None, keepdims: bool = False, where: Any = None) -> Number:
    """NumPy's ``nanmean``: the mean of the elements that are not NaN.

    Args:
      a: A number or an array (traced or not).
      axis: None (every axis), an int or a tuple of ints.
      keepdims: Keep the reduced axes with size 1.
      where: Only the places where it holds count (NumPy's ``where=``).

    Returns:
      The mean (NaN where every element is NaN, as in NumPy).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.nanmean(np.array([1.0, np.nan, 3.0]))
      np.float64(2.0)
    """
    a = _stacked(a)
    if _integer_data(primal_value(a)):      # no NaN: NumPy's np.mean (float64 sums)
        return _red.mean(a, axis, keepdims, where)
    return nansum(a, axis, keepdims, where) / _count(a, axis, keepdims, where)


def _nan_extreme(a: Any, axis: Axis, keepdims: bool, fill: float, fn: Any, initial: Any = None,
                 mask: Any = None) -> Any:
    a = _stacked(a)
    if _given(initial):
        return _from_initial(np.max if fn is _red.max else np.min, a, fill, axis, keepdims,
                             initial, mask)
    if mask is not None and mask is not True:
        name = "fmax" if fn is _red.max else "fmin"
        raise ValueError(f"reduction operation '{name}' does not have an identity, so to use a "
                         "where mask one has to specify 'initial'")
    m = fn(_fill(a, fill), axis, keepdims)
    if _integer_data(primal_value(a)):
        return m
    every = _count(a, axis, keepdims) == 0         # all NaN: NumPy's NaN
    return _traced_scalar(where(every, _float_dtype(a).type(math.nan), m))   # not 0-d


def nanmax(a: Number, axis: Axis = None, keepdims: bool = False, *, initial: Any = None,
           where: Any = None) -> Number:
    """NumPy's ``nanmax``: the largest element that is not NaN.

    Args:
      a: A number or an array (traced or not).
      axis: None (every axis), an int or a tuple of ints.
      keepdims: Keep the reduced axes with size 1.
      initial: A number the maximum starts from (NumPy's ``initial=``).
      where: Only the places where it holds count (with ``initial``).

    Returns:
      The maximum (NaN where every element is NaN); ties split the gradient.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> float(tg.nanmax(np.array([1.0, np.nan, 3.0])))
      3.0
    """
    return _nan_extreme(a, axis, keepdims, -math.inf, _red.max, initial, where)


def nanmin(a: Number, axis: Axis = None, keepdims: bool = False, *, initial: Any = None,
           where: Any = None) -> Number:
    """NumPy's ``nanmin``: the smallest element that is not NaN.

    Args:
      a: A number or an array (traced or not).
      axis: None (every axis), an int or a tuple of ints.
      keepdims: Keep the reduced axes with size 1.
      initial: A number the minimum starts from (NumPy's ``initial=``).
      where: Only the places where it holds count (with ``initial``).

    Returns:
      The minimum (NaN where every element is NaN).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> float(tg.nanmin(np.array([1.0, np.nan, 3.0])))
      1.0
    """
    return _nan_extreme(a, axis, keepdims, math.inf, _red.min, initial, where)


def nanprod(a: Number, axis: Axis = None, keepdims: bool = False, *, initial: Any = None,
            where: Any = None) -> Number:
    """NumPy's ``nanprod``: the product, NaNs counted as one.

    Args:
      a: A number or an array (traced or not).
      axis: None (every axis), an int or a tuple of ints.
      keepdims: Keep the reduced axes with size 1.
      initial: A number the product starts from (NumPy's ``initial=``).
      where: Only the places where it holds count (NumPy's ``where=``).

    Returns:
      The product.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.nanprod(np.array([2.0, np.nan, 3.0]))
      np.float64(6.0)
    """
    if _given(initial) or (where is not None and where is not True):
        return _from_initial(np.prod, _stacked(a), 1.0, axis, keepdims, initial, where)
    return prod(_fill(_stacked(a), 1.0), axis, keepdims)


def nancumsum(a: Number, axis: int | None = None) -> Number:
    """NumPy's ``nancumsum``: the running sum, NaNs counted as zero.

    Args:
      a: A number or an array (traced or not).
      axis: The axis, or None for the flattened array.

    Returns:
      The running sums.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.nancumsum(np.array([1.0, np.nan, 3.0]))
      array([1., 1., 4.])
    """
    return cumsum(_fill(_stacked(a), 0.0), axis)


def nancumprod(a: Number, axis: int | None = None) -> Number:
    """NumPy's ``nancumprod``: the running product, NaNs counted as one.

    Args:
      a: A number or an array (traced or not).
      axis: The axis, or None for the flattened array.

    Returns:
      The running products.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.nancumprod(np.array([2.0, np.nan, 3.0]))
      array([2., 2., 6.])
    """
    return cumprod(_fill(_stacked(a), 1.0), axis)


def ptp(a: Number, axis: Axis = None, keepdims: bool = False) -> Number:
    """NumPy's ``ptp``: the range, maximum minus minimum.

    Args:
      a: A number or an array (traced or not).
      axis: None (every axis), an int or a tuple of ints.
      keepdims: Keep the reduced axes with size 1.

    Returns:
      The range; ties split the gradient, as ``tg.max``'s and ``tg.min``'s do.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.grad(tg.ptp)(np.array([1.0, 4.0, 2.0]))
      array([-1.,  1.,  0.])
    """
    return _red.max(a, axis, keepdims) - _red.min(a, axis, keepdims)


def nanmedian(a: Number, axis: Axis = None, overwrite_input: bool = False,
              keepdims: bool = False) -> Number:
    """NumPy's ``nanmedian``: the median of the elements that are not NaN.

    The values are sorted (NaNs last) and the middle one or two chosen by
    comparing positions with the traced count of the others, so ``jit``
    replays it for NaNs elsewhere. The derivative goes to the middle
    element(s); an all-NaN slice gives NaN, as in NumPy.

    Args:
      a: An array, a traced value, or a list of numbers of one shape.
      axis: None (every axis), an int or a tuple of ints.
      overwrite_input: Ignored (a traced value is immutable).
      keepdims: Keep the reduced axes with size 1.

    Returns:
      The median, shaped as ``tg.sum`` would be.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.nanmedian(np.array([3.0, np.nan, 1.0, 4.0, 2.0]))
      np.float64(2.5)
      >>> tg.grad(tg.nanmedian)(np.array([3.0, np.nan, 1.0, 4.0, 2.0]))
      array([0.5, 0. , 0. , 0. , 0.5])
    """
    a = _stacked(a)
    shape = np.shape(primal_value(a))
    if not shape:                   # NumPy's float median of one number
        _red._axes("nanmedian", axis, 0)        # axis=0 of a 0-d array: NumPy's AxisError
        return a * 1.0 if _integer_data(primal_value(a)) else a
    axes = _red._axes("nanmedian", axis, len(shape))
    kept = tuple(i for i in range(len(shape)) if i not in axes)
    if kept + axes != tuple(range(len(shape))):       # the reduced axes last, then one
        a = transpose(a, kept + axes)
    s = reshape_to(a, tuple(shape[i] for i in kept) + (math.prod(shape[i] for i in axes),))
    ax = len(kept)
    n = np.shape(primal_value(s))[ax]
    s = sort_p(s, ax)
    count = _count(s, ax, True)
    place = np.arange(n, dtype=_float_dtype(s)).reshape([-1 if i == ax else 1
                                                         for i in range(len(np.shape(s)))])

    def pick(k: Any) -> Any:          # the sorted value at place k (exact: others add 0)
        return _red.sum(where(place == k, s, 0 * np.ones((), _float_dtype(s))), ax, True)
    high = pick(count // 2)
    mid = where(count % 2 == 1, high, (pick((count - 1) // 2) + high) * 0.5)
    mid = where(count == 0, _float_dtype(s).type(math.nan), mid)   # nothing left: NumPy's nan
    if keepdims:
        return reshape_to(mid, tuple(1 if i in axes else k for i, k in enumerate(shape)))
    out = tuple(shape[i] for i in kept)
    return reshape_to(mid, out) if out else _red.sum(mid)


# ------------------------------------------- NumPy's names on traced values
_AXIS = ("axis", "keepdims")
_STARTED = (*_AXIS, "initial", "where")
functions.update({
    np.nan_to_num: (nan_to_num, ("copy", "nan", "posinf", "neginf")),
    np.nansum: (nansum, _STARTED), np.nanmean: (nanmean, (*_AXIS, "where")),
    np.nanmax: (nanmax, _STARTED), np.nanmin: (nanmin, _STARTED),
    np.nanprod: (nanprod, _STARTED),
    np.nanmedian: (nanmedian, ("axis", "overwrite_input", "keepdims")),
    np.nancumsum: (nancumsum, ("axis",)), np.nancumprod: (nancumprod, ("axis",)),
    np.ptp: (ptp, _AXIS),
})
