"""NaN-skipping quantiles on traced values: ``np.nanquantile`` and ``np.nanpercentile``.

As ``nanmedian``: the values are sorted (NaNs last) and the two order
statistics either side of NumPy's virtual index ``(count - 1) * q`` are
chosen against the traced count of the values that are not NaN, so ``jit``
replays it for NaNs elsewhere; NumPy's interpolation (``_lerp``) between
them, bit for bit. The derivative goes to the two order statistics; an
all-NaN slice gives NaN, as in NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .along import _one_axis, _stacked
from .arrays import astype, floor
from .kinks import where
from .nans import _count
from .numpy_dispatch import functions
from .orderings import sort
from .quantiles import quantile
from .reductions import sum as tg_sum
from .reshaping import moveaxis, ravel
from .shapes import reshape
from .values import _integer_data, primal_value, shape_of

__all__ = ["nanpercentile", "nanquantile"]

Number = Any


def _lerp(a: Any, b: Any, gamma: Any, weak: bool, dtype: Any) -> Any:
    """NumPy's ``_lerp`` with its ``t``: a float64 array, or (a Python float's) in ``dtype``."""
    diff = b - a
    t, u = (astype(gamma, dtype), astype(1.0 - gamma, dtype)) if weak else (gamma, 1.0 - gamma)
    return where(gamma >= 0.5, b - diff * u, a + diff * t)


def _nanquantile(a: Any, q: np.ndarray, axis: Any, keepdims: bool, weak: bool) -> Any:
    x = _stacked(a)
    shape = shape_of(x)
    s, ax = (ravel(x), 0) if axis is None else (x, _one_axis("nanquantile", axis, len(shape)))
    s = moveaxis(sort(s, axis=ax), ax, 0)                   # NaNs last
    n, rest = shape_of(s)[0], shape_of(s)[1:]
    dtype = np.asarray(primal_value(s)).dtype
    count = astype(_count(s, 0, False), np.float64)         # traced: NaNs may move
    qs = q.reshape(q.shape + (1,) * len(rest))
    virtual = (count - 1.0) * (float(q) if weak else qs)
    last = count - 1.0
    above, below = virtual >= last, virtual < 0
    prev = where(above, last, where(below, 0.0, floor(virtual)))
    nxt = where(above, last, where(below, 0.0, prev + 1.0))
    gamma = virtual - where(above, -1.0, prev)              # NumPy's, from its index -1
    sb = reshape(s, (n,) + (1,) * q.ndim + rest)
    place = np.arange(n, dtype=np.float64).reshape((n,) + (1,) * (q.ndim + len(rest)))

    def pick(k: Any) -> Any:          # the sorted value at place k (exact: the others add 0)
        return tg_sum(where(place == k, sb, np.zeros((), dtype)), 0)
    out = _lerp(pick(prev), pick(nxt), gamma, weak, dtype)
    out = where(count == 0.0, np.asarray(np.nan, np.asarray(primal_value(out)).dtype), out)
    if keepdims:
        kept = (1,) * len(shape) if axis is None else tuple(
            1 if i == ax else k for i, k in enumerate(shape))
        out = reshape(out, q.shape + kept)
    return out if shape_of(out) else tg_sum(out)            # a scalar, as NumPy's


def nanquantile(a: Number, q: Any, axis: int | None = None, method: str = "linear",
                keepdims: bool = False) -> Number:
    """NumPy's ``nanquantile`` (method ``"linear"``): the quantiles of the values not NaN.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> float(tg.nanquantile(np.array([1.0, np.nan, 3.0, 2.0]), 0.25))
      1.5
    """
    if method != "linear":
        raise ValueError(f"nanquantile: tapegrad has method 'linear' only, not {method!r}.")
    if _integer_data(primal_value(_stacked(a))):         # no NaN: NumPy's quantile
        return quantile(a, q, axis, keepdims=keepdims)
    weak = type(q) in (int, float)
    q = np.asanyarray(q, dtype=np.float64)
    if q.ndim > 1 or np.any(q < 0) or np.any(q > 1):
        raise ValueError("Quantiles must be in the range [0, 1], a number or a 1-D array.")
    return _nanquantile(a, q, axis, keepdims, weak)


def nanpercentile(a: Number, q: Any, axis: int | None = None, method: str = "linear",
                  keepdims: bool = False) -> Number:
    """NumPy's ``nanpercentile`` (method ``"linear"``): ``nanquantile`` at ``q / 100``."""
    if method != "linear":
        raise ValueError(f"nanpercentile: tapegrad has method 'linear' only, not {method!r}.")
    if _integer_data(primal_value(_stacked(a))):
        return quantile(a, np.true_divide(q, 100), axis, keepdims=keepdims)
    weak = type(q) in (int, float)
    q = np.true_divide(q, 100)
    if np.ndim(q) > 1 or np.any(q < 0) or np.any(q > 1):
        raise ValueError("Percentiles must be in the range [0, 100], a number or a 1-D array.")
    return _nanquantile(a, np.asanyarray(q), axis, keepdims, weak)


functions.update({
    np.nanquantile: (nanquantile, ("axis", "method", "keepdims")),
    np.nanpercentile: (nanpercentile, ("axis", "method", "keepdims")),
})
