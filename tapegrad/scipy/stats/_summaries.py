"""SciPy's ``scipy.stats.zscore`` and ``zmap`` on traced values: composites.

``(scores - mean(compare)) / std(compare)`` along ``axis``, with SciPy's
``ddof`` and its rule that a constant slice of ``zscore`` is ``nan`` (the
standard deviation at most ``eps * |mean|``: a condition on the tape, read
when the tape runs). Every transform comes for free.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import kinks, logic
from ...joins import as_array
from ...reductions import mean
from ...reductions import sum as tg_sum
from ...values import primal_value, shape_of
from .. import _numpy_ops as ops

__all__ = ["zmap", "zscore"]

Number = Any
_POLICIES = ("propagate", "omit")


def _floating(x: Any) -> Any:
    """``x`` as SciPy promotes it: float32 and float64 kept, integers to float64."""
    x = as_array(x)
    kind = np.asarray(primal_value(x)).dtype
    return x if kind.kind == "f" else x * 1.0


def _moments(compare: Any, axis: Any, ddof: int, omit: bool) -> tuple[Any, Any]:
    """The mean and the standard deviation of ``compare`` along ``axis``, kept as axes."""
    if not omit:
        mn = mean(compare, axis=axis, keepdims=True)
        n = np.size(primal_value(compare)) if axis is None else shape_of(compare)[axis]
        d = compare - mn
        scale = n / (n - ddof) if n > ddof else np.nan      # SciPy's nan, not a ZeroDivisionError
        return mn, ops.sqrt(mean(d * d, axis=axis, keepdims=True) * scale)
    seen = logic.logical_not(logic.ne(compare, compare))      # not nan
    filled = kinks.where(seen, compare, 0.0)
    n = tg_sum(kinks.where(seen, 1.0, 0.0), axis=axis, keepdims=True)
    mn = tg_sum(filled, axis=axis, keepdims=True) / n
    d = kinks.where(seen, compare - mn, 0.0)
    var = tg_sum(d * d, axis=axis, keepdims=True) / (n - ddof)
    return mn, ops.sqrt(kinks.where(logic.gt(n, ddof), var, np.nan))     # SciPy's nan at n <= ddof


def zmap(scores: Number, compare: Number, axis: int | None = 0, ddof: int = 0,
         nan_policy: str = "propagate") -> Number:
    """SciPy's ``zmap``: ``scores`` standardized by the mean and std of ``compare``.

    Args:
      scores: The values to standardize.
      compare: The values whose mean and standard deviation are used.
      axis: The axis of ``compare`` the moments are taken along (None: all).
      ddof: Degrees of freedom taken from ``len(compare)`` in the std.
      nan_policy: ``"propagate"`` (a nan gives nan) or ``"omit"`` (nans of
        ``compare`` left out).

    Returns:
      ``(scores - mean) / std``, shaped like ``scores``.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> zmap(np.array([0.5, 2.0, 2.5, 3.0]), np.array([0.0, 1.0, 2.0, 3.0, 4.0]))
      array([-1.06066017,  0.        ,  0.35355339,  0.70710678])
    """
    return _z(scores, compare, axis, ddof, nan_policy, same=scores is compare)


def zscore(a: Number, axis: int | None = 0, ddof: int = 0,
           nan_policy: str = "propagate") -> Number:
    """SciPy's ``zscore``: ``(a - mean) / std`` along ``axis``; a constant slice gives nan.

    Args:
      a: The values.
      axis: The axis the moments are taken along (None: the whole array).
      ddof: Degrees of freedom taken from the count in the std.
      nan_policy: ``"propagate"`` or ``"omit"`` (nans left out of the moments).

    Returns:
      The z-scores, shaped like ``a``.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> zscore(np.array([1.0, 2.0, 3.0]))
      array([-1.22474487,  0.        ,  1.22474487])
      >>> tg.grad(lambda a: zscore(a)[2])(np.array([1.0, 2.0, 3.0]))
      array([ 0.20412415, -0.40824829,  0.20412415])
    """
    return _z(a, a, axis, ddof, nan_policy, same=True)


def _z(scores: Any, compare: Any, axis: Any, ddof: int, nan_policy: str, same: bool) -> Any:
    if nan_policy not in _POLICIES:
        raise ValueError(f"zscore: nan_policy must be one of {_POLICIES} here, not "
                         f"{nan_policy!r} ('raise' would decide by a value).")
    scores, compare = _floating(scores), _floating(compare)
    if axis is not None and shape_of(compare):
        axis = axis % len(shape_of(compare))
    mn, std = _moments(compare, axis, ddof, nan_policy == "omit")
    if not same:
        return (scores - mn) / std
    eps = float(np.finfo(np.asarray(primal_value(mn)).dtype).eps)
    flat = logic.le(std, kinks.abs(eps * mn))   # a constant slice: nan, as SciPy's
    return kinks.where(flat, np.nan, (scores - mn) / kinks.where(flat, 1.0, std))
