"""Quantiles and covariances: ``quantile``, ``percentile``, ``cov``, ``corrcoef``.

``quantile`` (constant ``q``, any of NumPy's methods) sorts along the axis with
``tg.sort`` (whose derivative follows the permutation) and interpolates
between the two neighbouring order statistics exactly as NumPy's ``_lerp``
does, so values match NumPy's bit for bit and the gradient goes to those two
elements. ``cov`` and ``corrcoef`` are NumPy's formulas with tapegrad's mean
and dot. NumPy's names dispatch here on traced values.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.lib import _function_base_impl

from .along import _one_axis, _over_axes, _stacked
from .arrays import astype, concatenate
from .arrays import stack as tg_stack
from .diagonals import diagonal
from .elementary import isnan
from .indexing import getitem
from .kinks import clip, minimum, where
from .numpy_dispatch import functions
from .ops import sqrt
from .orderings import argsort, sort
from .pieces import take_along_axis
from .quantile_q import is_traced_q, traced_quantile
from .reductions import mean
from .reductions import sum as tg_sum
from .reshaping import moveaxis, ravel, squeeze
from .scans import cumsum
from .shapes import _traced_scalar, broadcast_to, transpose
from .shapes import reshape as reshape_to
from .tensordot import dot
from .values import Traced, primal_value, shape_of
from .zero_dim import as_zero_d

__all__ = ["corrcoef", "cov", "percentile", "quantile"]

Number = Any
_METHODS: dict[str, Any] = vars(_function_base_impl)["_QuantileMethods"]   # NumPy's own table
_get_gamma: Any = vars(_function_base_impl)["_get_gamma"]


# ---------------------------------------------------------------- quantiles
def _lerp(a: Any, b: Any, t: Any) -> Any:
    """NumPy's ``_lerp``: from ``a`` for ``t < 0.5``, from ``b`` above (its rounding)."""
    diff = b - a
    if isinstance(t, float):
        return b - diff * (1 - t) if t >= 0.5 else a + diff * t
    return where(t >= 0.5, b - diff * (1 - t), a + diff * t)


def _neighbours(virtual: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """NumPy's ``_get_indexes``: the order statistics either side of each virtual index."""
    prev = np.floor(np.atleast_1d(virtual))
    nxt = prev + 1
    above = np.atleast_1d(virtual) >= n - 1
    prev[above], nxt[above] = -1, -1
    below = np.atleast_1d(virtual) < 0
    prev[below], nxt[below] = 0, 0
    return prev.astype(np.intp).reshape(virtual.shape), nxt.astype(np.intp).reshape(virtual.shape)


def _method(method: str) -> dict[str, Any]:
    """NumPy's own entry for ``method``: its virtual index and its gamma fix."""
    try:
        return _METHODS[method]
    except KeyError:
        raise ValueError(f"{method!r} is not a valid method. Use one of: "
                         f"{_METHODS.keys()}") from None


def _quantile(a: Any, q: np.ndarray, axis: Any, keepdims: bool = False,
              weak: bool = False, method: str = "linear") -> Any:
    x = _stacked(a)
    shape = shape_of(x)
    if axis is None:
        s, ax = ravel(x), 0
    else:
        s, ax = x, _one_axis("quantile", axis, len(shape))
    if not shape_of(s)[ax]:
        raise ValueError("quantile: the quantile of an empty axis is undefined.")
    if s.dtype.kind == "b":
        raise TypeError("quantile (percentile) of a bool array: NumPy refuses it (it "
                        "subtracts bools); give x.astype(float).")
    props = _method(method)
    s = moveaxis(sort(s, axis=ax), ax, 0)
    n = shape_of(s)[0]
    virtual = np.asanyarray(props["get_virtual_index"](n, q))
    if props["fix_gamma"] is None or (method == "linear" and virtual.dtype.kind in "iu"):
        out = getitem(s, virtual)           # an order statistic: no interpolation
    else:
        if s.dtype.kind in "iu":            # integers: float quantiles, as NumPy's
            s = s * 1.0
        prev, nxt = _neighbours(virtual, n)
        gamma = _get_gamma(virtual, prev, props)
        t: Any = float(gamma) if weak else gamma.reshape(
            virtual.shape + (1,) * (len(shape_of(s)) - 1))
        out = _lerp(getitem(s, prev), getitem(s, nxt), t)
    if s.dtype.kind == "f":
        last = getitem(s, -1)          # NaN sorts last: any NaN makes the quantile NaN
        out = where(isnan(last), np.asarray(primal_value(last)).dtype.type(math.nan),
                    out)      # a scalar nan: a full reduction stays a scalar, not 0-d
    if keepdims:
        kept = (1,) * len(shape) if axis is None else tuple(
            1 if i == ax else k for i, k in enumerate(shape))
        out = reshape_to(out, q.shape + kept)
    return _traced_scalar(out)    # a full reduction: NumPy's scalar, not a 0-d array


def _weighted(a: Any, q: np.ndarray, axis: Any, keepdims: bool, weights: Any,
              method: str, nan_skipped: bool = False) -> Any:
    """NumPy's weighted ``inverted_cdf``: the first sorted value whose weights' cdf reaches q.

    The weights are taken in NumPy's sort order of ``a`` (its ``argsort``), summed
    in float64 and normalized; the search is a count of the cdf's entries below
    ``q``, so jit and vmap find the index for each value of ``a``.
    """
    if method != "inverted_cdf":
        raise ValueError(f"Only method 'inverted_cdf' supports weights. Got: {method}.")
    x, w = _stacked(a), _stacked(weights)
    shape, wshape = shape_of(x), shape_of(w)
    if axis is None and wshape != shape:
        raise TypeError("Axis must be specified when shapes of a and weights differ.")
    if np.any(np.asarray(primal_value(w)) < 0):
        raise ValueError("Weights must be non-negative.")
    s, ax = (ravel(x), 0) if axis is None else (x, _one_axis("quantile", axis, len(shape)))
    w = ravel(w) if axis is None else moveaxis(w, ax, 0) if wshape == shape else w
    s = moveaxis(s, ax, 0)
    n, rest = shape_of(s)[0], shape_of(s)[1:]
    order = argsort(s, axis=0, kind=None)
    xs = take_along_axis(s, order, 0)
    ws = take_along_axis(broadcast_to(reshape_to(w, (n,) + (1,) * len(rest)) if len(
        shape_of(w)) == 1 else w, shape_of(s)), order, 0)
    cdf = cumsum(_float64(ws), axis=0)
    cdf = cdf / getitem(cdf, -1)
    cdf = astype(cdf, q.dtype) if q.dtype.kind == "f" and q.dtype != np.float64 else cdf
    cdf = where(cdf == 0.0, -1.0, cdf)              # leading zero weights: never picked
    qs = q.reshape(q.shape + (1,) * (1 + len(rest)))
    below = tg_sum(astype(reshape_to(cdf, (1,) * q.ndim + (n,) + rest) < qs, np.intp),
                   axis=q.ndim)                      # searchsorted(cdf, q, side="left")
    idx = minimum(below, n - 1)
    out = take_along_axis(xs, reshape_to(idx, (-1,) + rest), 0)
    out = reshape_to(out, q.shape + rest)
    if s.dtype.kind == "f":         # any NaN (it sorts last), or all NaN when they weigh nothing
        first = getitem(xs, 0 if nan_skipped else -1)
        out = where(isnan(first), np.asarray(np.nan, s.dtype), out)
    if keepdims:
        out = reshape_to(out, q.shape + ((1,) * len(shape) if axis is None else tuple(
            1 if i == ax else k for i, k in enumerate(shape))))
    return out


def quantile(a: Number, q: Any, axis: int | None = None, method: str = "linear",
             keepdims: bool = False, *, weights: Any = None) -> Number:
    """NumPy's ``quantile``: ``q``-th quantiles along ``axis``.

    Args:
      a: An array (traced or not).
      q: A quantile in [0, 1], or an array of them; traced or not (a
        traced ``q`` is differentiated too: the slope between the two order
        statistics, as JAX's).
      axis: None (the flattened array), an int or a tuple of ints.
      method: One of NumPy's thirteen methods (``"linear"``, its default,
        ``"lower"``, ``"hazen"``, ``"inverted_cdf"``...), by NumPy's own table.
      keepdims: Keep the reduced axis with size 1.
      weights: Non-negative weights of ``a``'s values (its shape, or 1-D
        along ``axis``), with method ``"inverted_cdf"`` only, as NumPy's.

    Returns:
      The quantiles, shaped ``q.shape`` + the remaining axes; the gradient
      goes to the two order statistics interpolated between.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> float(tg.quantile(np.array([1.0, 2.0, 3.0, 4.0]), 0.5))
      2.5
    """
    if is_grid(q):
        return q_grid(lambda r: quantile(a, r, axis, method, keepdims, weights=weights), q)
    if is_traced_q(q):
        return _at_traced_q(a, q, axis, keepdims, method, weights)
    weak = type(q) in (int, float)
    q = np.asanyarray(q)
    if np.any(q < 0) or np.any(q > 1):
        raise ValueError("Quantiles must be in the range [0, 1]")
    if weights is not None:
        return _weighted(a, q, axis, keepdims, weights, method)
    if isinstance(axis, tuple | list):
        return _over_axes(_quantile, a, tuple(axis), keepdims, q=q, weak=weak,
                          method=method)
    return _quantile(a, q, axis, keepdims, weak, method)


def percentile(a: Number, q: Any, axis: int | None = None, method: str = "linear",
               keepdims: bool = False, *, weights: Any = None) -> Number:
    """NumPy's ``percentile``: ``quantile`` at ``q / 100``.

    Args:
      a: An array (traced or not).
      q: A percentile in [0, 100], or an array of them; traced or not.
      axis: None (the flattened array), an int or a tuple of ints.
      method: One of NumPy's thirteen methods (``"linear"``, its default,
        ``"lower"``, ``"hazen"``, ``"inverted_cdf"``...), by NumPy's own table.
      keepdims: Keep the reduced axis with size 1.
      weights: As ``quantile``'s (method ``"inverted_cdf"``).

    Returns:
      The percentiles.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> float(tg.percentile(np.array([1.0, 2.0, 3.0, 4.0]), 25))
      1.75
    """
    if is_grid(q):
        return q_grid(lambda r: percentile(a, r, axis, method, keepdims, weights=weights), q)
    if is_traced_q(q):
        return _at_traced_q(a, tg_stack(list(q)) / 100 if isinstance(q, list | tuple)
                            else q / 100, axis, keepdims, method, weights)
    weak = type(q) in (int, float)
    q = np.true_divide(q, 100)
    if np.any(q < 0) or np.any(q > 1):
        raise ValueError("Percentiles must be in the range [0, 100]")
    if weights is not None:
        return _weighted(a, np.asanyarray(q), axis, keepdims, weights, method)
    if isinstance(axis, tuple | list):
        return _over_axes(_quantile, a, tuple(axis), keepdims, q=np.asanyarray(q), weak=weak,
                          method=method)
    return _quantile(a, np.asanyarray(q), axis, keepdims, weak, method)


def is_grid(q: Any) -> bool:
    """Whether ``q`` has two axes (a traced list of numbers is stacked elsewhere)."""
    if isinstance(q, list | tuple) and is_traced_q(q):
        return False
    if np.ndim(primal_value(q)) > 2:
        raise ValueError(f"q must be a scalar or 1d (or 2-D, as NumPy takes it), not of shape "
                         f"{np.shape(primal_value(q))}: ravel it, and reshape the result.")
    return np.ndim(primal_value(q)) == 2


def q_grid(run: Any, q: Any) -> Any:
    """NumPy's quantiles at a ``q`` of two axes: those at its ravel, its axes leading."""
    q = q if type(q) is Traced else np.asanyarray(q)
    out = run(reshape_to(q, (-1,)))
    return reshape_to(out, shape_of(q) + shape_of(out)[1:])


def _at_traced_q(a: Any, q: Any, axis: Any, keepdims: bool, method: str, weights: Any) -> Any:
    if weights is not None or isinstance(axis, tuple | list):
        raise TypeError("np.quantile with a traced q takes no weights and one axis (or "
                        "None); pass q as a constant for those.")
    return traced_quantile(a, q, axis, keepdims, method, _method(method))


# -------------------------------------------------------------- covariances
def _float64(x: Any, dtype: Any = np.float64) -> Any:
    """``x`` in ``dtype`` (float64 unless given), cast only where it is another."""
    return x if np.asarray(primal_value(x)).dtype == dtype else astype(x, dtype)


def _rows(m: Any, rowvar: bool, first: bool = True) -> Any:
    """``m`` with two axes, as NumPy 2.2's ``cov`` takes it.

    With ``rowvar=False`` a 2-D ``m`` is transposed, and ``y`` (as before
    NumPy 2.2) unless it has one row.
    """
    shape = shape_of(m)
    if len(shape) > 2:
        raise ValueError("m has more than 2 dimensions")
    x = reshape_to(m, (1,) * (2 - len(shape)) + shape) if len(shape) < 2 else m
    flip = len(shape) != 1 if first else shape_of(x)[0] != 1
    return transpose(x) if not rowvar and flip else x


def cov(m: Number, y: Number = None, rowvar: bool = True, bias: bool = False,
        ddof: int | None = None, fweights: Any = None, aweights: Number = None, *,
        dtype: Any = None) -> Number:
    """NumPy's ``cov``: the covariance matrix of the variables (rows, or columns).

    Args:
      m: A 1-D or 2-D array (traced or not): each row a variable (``rowvar``).
      y: More variables, joined to ``m``'s.
      rowvar: Rows are variables (True) or columns are.
      bias: Normalize by ``N`` rather than ``N - 1``.
      ddof: The divisor is ``N - ddof`` (overrides ``bias``).
      fweights: Integer repeat counts of the observations (constant).
      aweights: Weights of the observations (traced or not), as NumPy's.
      dtype: The dtype the data is cast to first (NumPy's default: float64);
        with weights the result is float64 still, as NumPy's.

    Returns:
      The covariance matrix (a 0-d array for one variable, as NumPy's).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.cov(np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
      array([[ 1., -1.],
             [-1.,  1.]])
    """
    kind = np.dtype(np.float64 if dtype is None else dtype)     # NumPy computes in float64
    x = _rows(_float64(_stacked(m), kind), rowvar)
    if shape_of(x)[0] == 0:
        return np.array([]).reshape(0, 0)        # no variable: NumPy's empty matrix
    if y is not None:
        x = concatenate([x, _rows(_float64(_stacked(y), kind), rowvar, False)], axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    if fweights is not None or aweights is not None:
        return as_zero_d(squeeze(_weighted_cov(x, ddof, fweights, aweights)))
    fact = max(shape_of(x)[1] - ddof, 0)     # NumPy's: no degrees of freedom left, 1/0
    x = x - reshape_to(mean(x, axis=1), (-1, 1))
    with np.errstate(divide="ignore"):       # c *= 1 / fact: in place, in c's dtype
        c = _float64(dot(x, transpose(x)) * np.true_divide(1, fact), kind)
    return as_zero_d(squeeze(c))


def _weighted_cov(x: Any, ddof: int, fweights: Any, aweights: Any) -> Any:
    """NumPy's ``cov`` with observation weights, step for step."""
    w: Any = np.asarray(fweights, dtype=float) if fweights is not None else None
    if aweights is not None:
        aweights = _float64(_stacked(aweights))     # NumPy's np.asarray(aweights, dtype=float)
        w = aweights if w is None else w * aweights
    w_sum = np.sum(w)
    avg = np.sum(x * w, axis=1) / w_sum
    if ddof == 0:
        fact = w_sum
    elif aweights is None:
        fact = w_sum - ddof
    else:
        fact = w_sum - ddof * np.sum(w * aweights) / w_sum
    x = _float64(x - reshape_to(avg, (-1, 1)), _dtype_of(x))     # NumPy's X -= avg: in place
    return dot(x, transpose(x * w)) * (1 / fact)


def _dtype_of(x: Any) -> np.dtype:
    return np.asarray(primal_value(x)).dtype


def corrcoef(x: Number, y: Number = None, rowvar: bool = True, *, dtype: Any = None) -> Number:
    """NumPy's ``corrcoef``: Pearson correlation coefficients, clipped to [-1, 1].

    Args:
      x: A 1-D or 2-D array (traced or not): each row a variable (``rowvar``).
      y: More variables, joined to ``x``'s.
      rowvar: Rows are variables (True) or columns are.
      dtype: The dtype the data is cast to first (NumPy's default: float64).

    Returns:
      The correlation matrix (1.0 for one variable).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.corrcoef(np.array([[0.0, 1.0, 2.0], [2.0, 1.5, 0.0]])).round(3)
      array([[ 1.   , -0.961],
             [-0.961,  1.   ]])
    """
    c = cov(x, y, rowvar, dtype=dtype)
    if not shape_of(c):
        return c / c
    d = sqrt(diagonal(c))
    c = c / reshape_to(d, (-1, 1))
    c = c / reshape_to(d, (1, -1))
    return clip(c, -1.0, 1.0)


# ------------------------------------------- NumPy's names on traced values
functions.update({
    np.quantile: (quantile, ("q", "axis", "method", "keepdims", "weights")),
    np.percentile: (percentile, ("q", "axis", "method", "keepdims", "weights")),
    np.cov: (cov, ("y", "rowvar", "bias", "ddof", "fweights", "aweights", "dtype")),
    np.corrcoef: (corrcoef, ("y", "rowvar", "dtype")),
})
