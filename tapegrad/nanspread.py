"""NumPy's ``nanvar`` and ``nanstd``: the spread of the elements that are not NaN.

As NumPy computes them: the deviations from the mean of the other elements
(or from the ``mean=`` given), NaN places set to zero, their squares summed
over the places ``where=`` holds and divided by the count minus ``ddof``
(``correction``, the Array API's name for it); a slice with no degree of
freedom left is NaN, as NumPy's. NumPy's names dispatch here on traced values.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import reductions as _red
from .along import _stacked
from .arrays import astype
from .elementary import isnan
from .kinks import where as _select
from .nans import _count, _fill, _float_dtype
from .numpy_dispatch import functions
from .ops import sqrt
from .shapes import _traced_scalar
from .values import _integer_data, primal_value

__all__ = ["nanstd", "nanvar"]

Number = Any
Axis = int | tuple[int, ...] | None


def _ddof(ddof: int, correction: Any) -> Any:
    """NumPy's: ``correction`` is ``ddof`` by its Array API name; not both."""
    if correction is None or correction is np._NoValue:
        return ddof
    if ddof != 0:
        raise ValueError("ddof and correction can't be provided simultaneously.")
    return correction


def nanvar(a: Number, axis: Axis = None, ddof: int = 0, keepdims: bool = False,
           where: Any = None, *, dtype: Any = None, mean: Any = None,
           correction: Any = None) -> Number:
    """NumPy's ``nanvar``: the variance of the elements that are not NaN.

    Args:
      a: A number or an array (traced or not).
      axis: None (every axis), an int or a tuple of ints.
      ddof: Delta degrees of freedom: the divisor is the count minus ``ddof``.
      keepdims: Keep the reduced axes with size 1.
      where: Only the places where it holds count (NumPy's ``where=``).
      dtype: The dtype the sums are taken in, and the result's (the
        deviations stay in ``a``'s, as NumPy's).
      mean: The mean to take the deviations from, shaped as with
        ``keepdims=True`` (traced or not); the elements' own by default.
      correction: ``ddof`` by its Array API name (give one of the two).

    Returns:
      The variance; NaN where the count is at most ``ddof``, as NumPy's.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> float(tg.nanvar(np.array([1.0, np.nan, 3.0])))
      1.0
    """
    a, keep, ddof = _stacked(a), where, _ddof(ddof, correction)   # _select is tg.where
    if _integer_data(primal_value(a)):      # no NaN: NumPy's np.var (float64 sums)
        kw = {} if keep is None else {"where": keep}
        return np.var(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims,
                      **kw, **({} if mean is None else {"mean": mean}))
    zero = np.zeros((), dtype=_float_dtype(a))
    if mean is None or mean is np._NoValue:
        mean = _sum(_fill(a, 0.0), axis, True, keep, dtype) / _in(_count(a, axis, True, keep),
                                                                  dtype)
    d = _fill(a, 0.0) - mean
    d = _select(isnan(a), zero, d if dtype is None else astype(d, zero.dtype))
    dof = _in(_count(a, axis, keepdims, keep), dtype) - float(ddof)
    v = _sum(d * d, axis, keepdims, keep, dtype)
    nan = np.asarray(math.nan, dtype=_float_dtype(v))
    one = np.ones((), dtype=_float_dtype(dof))
    return _traced_scalar(_select(dof > 0, v / _select(dof > 0, dof, one), nan))


def _in(x: Any, dtype: Any) -> Any:
    return x if dtype is None else astype(x, dtype)


def _sum(x: Any, axis: Axis, keepdims: bool, keep: Any, dtype: Any) -> Any:
    """NumPy's ``np.sum(x, axis, dtype, keepdims=, where=)``: each element cast to ``dtype``."""
    return _red.sum(_in(x, dtype), axis, keepdims, where=keep)


def nanstd(a: Number, axis: Axis = None, ddof: int = 0, keepdims: bool = False,
           where: Any = None, *, dtype: Any = None, mean: Any = None,
           correction: Any = None) -> Number:
    """NumPy's ``nanstd``: the square root of ``nanvar``.

    Args:
      a: A number or an array (traced or not).
      axis: None (every axis), an int or a tuple of ints.
      ddof: Delta degrees of freedom.
      keepdims: Keep the reduced axes with size 1.
      where: Only the places where it holds count (NumPy's ``where=``).
      dtype: As ``nanvar``'s.
      mean: As ``nanvar``'s.
      correction: As ``nanvar``'s.

    Returns:
      The standard deviation.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.nanstd(np.array([1.0, np.nan, 3.0]))
      1.0
    """
    return sqrt(nanvar(a, axis, ddof, keepdims, where, dtype=dtype, mean=mean,
                       correction=correction))


_SPREAD = ("axis", "ddof", "keepdims", "where", "dtype", "mean", "correction")
functions.update({np.nanvar: (nanvar, _SPREAD), np.nanstd: (nanstd, _SPREAD)})
