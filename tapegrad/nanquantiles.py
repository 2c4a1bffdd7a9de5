"""NaN-skipping quantiles on traced values: ``np.nanquantile`` and ``np.nanpercentile``.

As ``nanmedian``: the values are sorted (NaNs last) and the traced count of
the values that are not NaN picks, for each slice, the row of NumPy's own
table (its virtual index, neighbours and gamma for a slice of that many
values, for any of its thirteen methods), so ``jit`` replays it for NaNs
elsewhere; NumPy's interpolation (``_lerp``) between the two order
statistics, bit for bit. The derivative goes to them; an all-NaN slice gives
NaN, as in NumPy.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .along import _one_axis, _over_axes, _stacked
from .arrays import astype, stack
from .elementary import isnan
from .indexing import take
from .kinks import where
from .nans import _count, nanmean
from .numpy_dispatch import functions
from .orderings import sort
from .pieces import take_along_axis
from .quantile_q import is_traced_q, traced_nanquantile
from .quantiles import _get_gamma, _method, _neighbours, _weighted, is_grid, q_grid, quantile
from .reductions import sum as tg_sum
from .reshaping import moveaxis, ravel
from .shapes import broadcast_to, reshape
from .values import _integer_data, primal_value, shape_of

__all__ = ["nanpercentile", "nanquantile"]

Number = Any


def _lerp(a: Any, b: Any, gamma: Any, weak: bool, dtype: Any) -> Any:
    """NumPy's ``_lerp`` with its ``t``: a float64 array, or (a Python float's) in ``dtype``."""
    diff = b - a
    if not weak:                # NumPy's type of a gamma array and the values (its 1 - t in q's)
        dtype = np.result_type(dtype, np.asarray(primal_value(gamma)).dtype)
    t, u = astype(gamma, dtype), astype(1.0 - gamma, dtype)
    return where(gamma >= 0.5, b - diff * u, a + diff * t)


def _tables(method: str, n: int, q: np.ndarray) -> tuple[bool, Any, Any, Any]:
    """NumPy's own neighbours and gamma of ``q`` for every count of values 0..n.

    Row ``k`` is what NumPy's quantile computes on a slice of ``k`` values (NaNs
    removed): the two sorted positions either side of its virtual index (its
    ``-1``, the last value, is ``k - 1``) and its gamma; ``exact`` says whether the
    method takes an order statistic (no interpolation).
    """
    props = _method(method)
    kind = q.dtype if q.dtype.kind == "f" else np.dtype(float)     # gamma in q's float dtype
    prev, nxt, gamma = (np.zeros((n + 1,) + q.shape, t) for t in (np.intp, np.intp, kind))
    exact = True
    for k in range(1, n + 1):
        v = np.asanyarray(props["get_virtual_index"](k, q))
        exact = props["fix_gamma"] is None or (method == "linear" and v.dtype.kind in "iu")
        if exact:
            prev[k] = nxt[k] = np.where(v < 0, v + k, v)     # NumPy's take
            continue
        p, nx = _neighbours(v, k)
        gamma[k] = _get_gamma(v, p, props)
        prev[k], nxt[k] = np.where(p < 0, k - 1, p), np.where(nx < 0, k - 1, nx)
    return exact, prev, nxt, gamma


def _nanquantile(a: Any, q: np.ndarray, axis: Any, keepdims: bool = False, weak: bool = False,
                 method: str = "linear") -> Any:
    x = _stacked(a)
    shape = shape_of(x)
    s, ax = (ravel(x), 0) if axis is None else (x, _one_axis("nanquantile", axis, len(shape)))
    s = moveaxis(sort(s, axis=ax), ax, 0)                   # NaNs last
    n, rest = shape_of(s)[0], shape_of(s)[1:]
    dtype = np.asarray(primal_value(s)).dtype
    count = astype(_count(s, 0, False), np.intp)            # traced: NaNs may move
    exact, prev, nxt, gamma = _tables(method, n, q)

    def row(table: Any) -> Any:       # the count's row, q's axis first
        r = take(table, count, axis=0)
        return moveaxis(r, -1, 0) if q.ndim else r

    def pick(pos: Any) -> Any:        # the sorted values at those positions
        flat = reshape(pos, (-1,) + rest)
        return reshape(take_along_axis(s, flat, 0), q.shape + rest)
    if exact:
        out = pick(row(prev))
    else:
        out = _lerp(pick(row(prev)), pick(row(nxt)), row(gamma), weak, dtype)
    out = where(count == 0, np.asarray(np.nan, np.asarray(primal_value(out)).dtype), out)
    if keepdims:
        kept = (1,) * len(shape) if axis is None else tuple(
            1 if i == ax else k for i, k in enumerate(shape))
        out = reshape(out, q.shape + kept)
    return out if shape_of(out) else tg_sum(out)            # a scalar, as NumPy's


def nanquantile(a: Number, q: Any, axis: Any = None, method: str = "linear",
                keepdims: bool = False, *, weights: Any = None) -> Number:
    """NumPy's ``nanquantile``, any of its methods: the quantiles of the values not NaN.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> float(tg.nanquantile(np.array([1.0, np.nan, 3.0, 2.0]), 0.25))
      1.5
    """
    _method(method)
    if _integer_data(primal_value(_stacked(a))) and _filled(a):   # no NaN: NumPy's quantile
        return quantile(a, q, axis, method=method, keepdims=keepdims, weights=weights)
    if is_grid(q):
        return q_grid(lambda r: nanquantile(a, r, axis, method, keepdims, weights=weights), q)
    if is_traced_q(q):
        return _at_traced_q(a, q, axis, keepdims, method, weights)
    weak = type(q) in (int, float)
    q = np.asanyarray(q)
    if np.any(q < 0) or np.any(q > 1):
        raise ValueError("Quantiles must be in the range [0, 1]")
    return _run(a, q, axis, keepdims, weak, method, weights)


def _filled(a: Any) -> bool:
    """Whether ``a`` has elements (NumPy's nanquantile of none is its nanmean: nan)."""
    return math.prod(shape_of(_stacked(a))) > 0


def _at_traced_q(a: Any, q: Any, axis: Any, keepdims: bool, method: str, weights: Any) -> Any:
    if weights is not None or isinstance(axis, tuple | list):
        raise TypeError("np.nanquantile with a traced q takes no weights and one axis (or "
                        "None); pass q as a constant for those.")
    return traced_nanquantile(a, q, axis, keepdims, method, _method(method), _count)


def _run(a: Any, q: np.ndarray, axis: Any, keepdims: bool, weak: bool, method: str,
         weights: Any) -> Any:
    """Several axes as one (as NumPy's), or the weighted search with NaNs weighing nothing."""
    if not math.prod(shape_of(_stacked(a))):    # NumPy's: nanmean of no values, whatever q
        return nanmean(a, axis=axis, keepdims=keepdims)
    if weights is not None:
        x = _stacked(a)
        w, shape = _stacked(weights), shape_of(x)
        if axis is not None and shape_of(w) != shape and len(shape_of(w)) == 1:
            ax = _one_axis("nanquantile", axis, len(shape))
            w = broadcast_to(reshape(w, tuple(-1 if i == ax else 1 for i in range(len(shape)))),
                             shape)
        if shape_of(w) == shape:
            w = where(isnan(x), np.zeros((), np.asarray(primal_value(w)).dtype), w)
        return _weighted(x, q, axis, keepdims, w, method, nan_skipped=True)
    if isinstance(axis, tuple | list):
        return _over_axes(_nanquantile, a, tuple(axis), keepdims, q=q, weak=weak, method=method)
    return _nanquantile(a, q, axis, keepdims, weak, method)


def nanpercentile(a: Number, q: Any, axis: Any = None, method: str = "linear",
                  keepdims: bool = False, *, weights: Any = None) -> Number:
    """NumPy's ``nanpercentile``, any of its methods: ``nanquantile`` at ``q / 100``."""
    _method(method)
    if _integer_data(primal_value(_stacked(a))) and _filled(a):
        return quantile(a, np.true_divide(q, 100), axis, method=method, keepdims=keepdims,
                        weights=weights)
    if is_grid(q):
        return q_grid(lambda r: nanpercentile(a, r, axis, method, keepdims, weights=weights), q)
    if is_traced_q(q):
        return _at_traced_q(a, stack(list(q)) / 100 if isinstance(q, list | tuple) else q / 100,
                            axis, keepdims, method, weights)
    weak = type(q) in (int, float)
    q = np.true_divide(q, 100)
    if np.any(q < 0) or np.any(q > 1):
        raise ValueError("Percentiles must be in the range [0, 100]")
    return _run(a, np.asanyarray(q), axis, keepdims, weak, method, weights)


functions.update({
    np.nanquantile: (nanquantile, ("axis", "method", "keepdims", "weights")),
    np.nanpercentile: (nanpercentile, ("axis", "method", "keepdims", "weights")),
})
