"""SciPy's ``rankdata``, ``mode`` and ``sem`` on traced values: composites.

Ranks and counts are read from pairwise comparisons along the axis (``n``
by ``n`` of them), so they are recorded on the tape and replayed by ``jit``
and ``vmap`` as any comparison is; their derivative is 0 (a rank does not
move under a small change of the data). ``mode``'s value is one of the
data, and its derivative is that element's.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ... import kinks, logic, reductions
from ...arrays import astype
from ...joins import as_array
from ...nanspread import nanstd
from ...reshaping import moveaxis
from ...shapes import reshape
from ...statistics import std
from ...values import primal_value, shape_of
from .. import _numpy_ops as ops

__all__ = ["ModeResult", "mode", "rankdata", "sem"]

Number = Any
ModeResult = namedtuple("ModeResult", ("mode", "count"))
_METHODS = ("average", "min", "max", "dense", "ordinal")


def _last(a: Any, axis: int | None) -> Any:
    """``a`` with the axis to work along last (flattened for ``axis=None``)."""
    a = as_array(a)
    if axis is None:
        return reshape(a, (-1,))
    return moveaxis(a, axis, -1)


def _pairs(x: Any) -> tuple[Any, Any, Any]:
    """``(x_j < x_i, x_j == x_i, j < i)`` for every pair, ``i`` on the next-to-last axis."""
    xi, xj = x[..., :, None], x[..., None, :]
    n = shape_of(x)[-1]
    before = np.arange(n)[None, :] < np.arange(n)[:, None]
    return logic.lt(xj, xi), logic.eq(xj, xi), before


def _count(cond: Any) -> Any:
    return reductions.sum(astype(cond, np.int64), axis=-1)


def _ranks(x: Any, method: str) -> Any:
    """The ranks (from 1) of ``x`` along its last axis by SciPy's ``method``."""
    less, equal, before = _pairs(x)
    below = _count(less)
    if method == "min":
        return below + 1
    if method == "max":
        return below + _count(equal)
    if method == "average":
        return below + 0.5 * (_count(equal) + 1)
    if method == "ordinal":
        return below + _count(logic.logical_and(equal, before)) + 1
    first = logic.eq(_count(logic.logical_and(equal, before)), 0)     # x_j's first occurrence
    return _count(logic.logical_and(less, first[..., None, :])) + 1


def rankdata(a: Number, method: str = "average", *, axis: int | None = None,
             nan_policy: str = "propagate") -> Number:
    """SciPy's ``rankdata``: the ranks of ``a``'s values, from 1, ties by ``method``.

    Args:
      a: The data.
      method: ``"average"`` (float64 ranks, as SciPy's), ``"min"``, ``"max"``,
        ``"dense"`` or ``"ordinal"`` (int64 ranks).
      axis: The axis to rank along; ``None`` ranks the flattened data.
      nan_policy: ``"propagate"`` only: a slice holding a nan ranks as all nan.

    Returns:
      The ranks, shaped as ``a`` (flattened for ``axis=None``); derivative 0.

    Examples:
      >>> rankdata(np.array([10.0, 30.0, 20.0, 20.0]))
      array([1. , 4. , 2.5, 2.5])
    """
    if method not in _METHODS:
        raise ValueError(f"rankdata: unknown method {method!r}; use one of {_METHODS}.")
    if nan_policy != "propagate":
        raise NotImplementedError(f"rankdata: nan_policy={nan_policy!r} is not implemented; "
                                  "tapegrad's rankdata propagates nans (nan_policy='propagate').")
    x = _last(a, axis)
    if shape_of(x)[-1] == 0:
        return np.zeros(shape_of(x), float if method == "average" else np.int64)
    r = _ranks(x, method)
    nan = reductions.max(astype(logic.ne(x, x), np.int64), axis=-1, keepdims=True)
    if bool(logic.gt(reductions.max(nan), 0)):       # SciPy's nan ranks: a float array then
        r = kinks.where(logic.gt(nan, 0), np.nan, astype(r, float))
    return r if axis is None else moveaxis(r, -1, axis)


def mode(a: Number, axis: int | None = 0, nan_policy: str = "propagate",
         keepdims: bool = False) -> ModeResult:
    """SciPy's ``mode``: the most common value along ``axis`` (the least among ties), and its count.

    Args:
      a: The data.
      axis: The axis to look along; ``None`` looks at the flattened data.
      nan_policy: ``"propagate"`` only (a nan is a value, as SciPy counts it).
      keepdims: Keep the reduced axis, of length 1.

    Returns:
      ``ModeResult(mode, count)``: the modes (``a``'s dtype, differentiable:
      the derivative is the chosen element's) and their counts (int64).

    Examples:
      >>> mode(np.array([[1.0, 2.0, 2.0], [3.0, 3.0, 1.0]]), axis=1)
      ModeResult(mode=array([2., 3.]), count=array([2, 2]))
    """
    if nan_policy != "propagate":
        raise NotImplementedError(f"mode: nan_policy={nan_policy!r} is not implemented; "
                                  "tapegrad's mode counts nans (nan_policy='propagate').")
    x = _last(a, axis)
    nan = logic.ne(x, x)
    same = logic.logical_or(logic.eq(x[..., None, :], x[..., :, None]),
                            logic.logical_and(nan[..., None, :], nan[..., :, None]))
    counts = _count(same)
    best = reductions.max(counts, axis=-1, keepdims=True)
    pick = logic.logical_and(logic.eq(counts, best), logic.logical_not(nan))
    value = reductions.min(kinks.where(pick, x, np.inf), axis=-1, keepdims=True)
    some = reductions.max(astype(pick, np.int64), axis=-1, keepdims=True)
    value = kinks.where(logic.gt(some, 0), value, np.nan)
    if not keepdims:
        value, best = value[..., 0], best[..., 0]
    elif axis is None:
        ones = (1,) * np.ndim(primal_value(a))
        value, best = reshape(value, ones), reshape(best, ones)
    else:
        value, best = moveaxis(value, -1, axis), moveaxis(best, -1, axis)
    return ModeResult(value, best)


def sem(a: Number, axis: int | None = 0, ddof: int = 1, nan_policy: str = "propagate", *,
        keepdims: bool = False) -> Number:
    """SciPy's ``sem``: the standard error of the mean, ``std(a, ddof) / sqrt(n)``.

    Args:
      a: The data.
      axis: The axis to reduce (``None``: all of ``a``).
      ddof: Degrees of freedom taken from ``n`` in the standard deviation.
      nan_policy: ``"propagate"`` (a nan gives nan) or ``"omit"`` (nans left out).
      keepdims: Keep the reduced axis, of length 1.

    Returns:
      The standard error, differentiable in ``a``.

    Examples:
      >>> round(float(sem(np.array([1.0, 2.0, 4.0]))), 12)
      0.881917103688
    """
    x = as_array(a)
    if np.asarray(primal_value(x)).dtype.kind != "f":
        x = astype(x, float)
    if nan_policy == "omit":
        seen = astype(logic.logical_not(logic.ne(x, x)), np.asarray(primal_value(x)).dtype)
        n = reductions.sum(seen, axis=axis, keepdims=keepdims)
        return nanstd(x, axis=axis, ddof=ddof, keepdims=keepdims) / ops.sqrt(n)
    if nan_policy != "propagate":
        raise ValueError(f"sem: nan_policy must be 'propagate' or 'omit', not {nan_policy!r}.")
    n = np.size(primal_value(x)) if axis is None else shape_of(x)[axis]
    dtype = np.asarray(primal_value(x)).dtype
    return std(x, axis=axis, ddof=ddof, keepdims=keepdims) / dtype.type(np.sqrt(n))
