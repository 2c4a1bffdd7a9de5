"""Searching, counting, binning: ``searchsorted``, ``digitize``, ``isin``, ``histogram``...

Where a sample falls (``searchsorted``, ``digitize``), whether it is in a set
(``isin``) and how many fall in a bin are integer data (or booleans) of the
values: primitives that run NumPy's own function, with no derivative, usable
as indices in every transform (under ``jit`` they run again at each call).
What is linear in a weight is differentiable in it: ``bincount`` and
``histogram`` of traced weights send each bin's gradient to the weights that
fell in it. ``histogram``'s edges, from the data's minimum and maximum when
``bins`` is a count, are NumPy's ``linspace`` of them, differentiable too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .along import _data
from .arrays import astype, concatenate
from .differences import diff
from .indexing import take
from .numpy_dispatch import functions
from .primitive import Primitive, defjvp, defvjp, primitive
from .ranges import linspace
from .reductions import max as tg_max
from .reductions import min as tg_min
from .reductions import sum as tg_sum
from .values import Traced, primal_value, shape_of

__all__ = ["bincount", "digitize", "histogram", "histogram_bin_edges", "isin", "searchsorted"]

Number = Any


def _no_derivative(prim: Primitive, n: int) -> Primitive:
    defvjp(prim, *[None] * n)      # integer or boolean data: no derivative
    defjvp(prim, *[None] * n)
    return prim


def _values(x: Any) -> Any:
    """NumPy's view of an operand: an array of its data (a number stays a number)."""
    return x if isinstance(x, float | int | np.generic) else _data(x)


def _searchsorted(a: Any, v: Any, side: str, sorter: Any) -> Any:
    return np.searchsorted(_data(a), _values(v), side=side,  # type: ignore[call-overload]
                           sorter=None if sorter is None else _data(sorter))


def _digitize(x: Any, bins: Any, right: bool) -> Any:
    return np.digitize(_values(x), _data(bins), right=right)


def _isin(element: Any, test: Any, invert: bool, kind: Any) -> Any:
    return np.isin(_values(element), _data(test), invert=invert, kind=kind)


searchsorted_p = _no_derivative(primitive(_searchsorted, "searchsorted", check_rules=False), 4)
digitize_p = _no_derivative(primitive(_digitize, "digitize", check_rules=False), 3)
isin_p = _no_derivative(primitive(_isin, "isin", check_rules=False), 4)


def searchsorted(a: Number, v: Number, side: str = "left", sorter: Any = None) -> Number:
    """NumPy's ``searchsorted``: where ``v`` would go in the sorted ``a`` (integers).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.jit(lambda v: tg.searchsorted(np.array([0.0, 1.0, 2.0]), v))(np.array([0.5, 2.0]))
      array([1, 2])
    """
    return searchsorted_p(a, v, side, sorter)


def digitize(x: Number, bins: Number, right: bool = False) -> Number:
    """NumPy's ``digitize``: the index of the bin of each ``x`` (integers, no derivative)."""
    return digitize_p(x, bins, right)


def isin(element: Number, test_elements: Number, assume_unique: bool = False,
         invert: bool = False, *, kind: str | None = None) -> Number:
    """NumPy's ``isin``: whether each element is among ``test_elements`` (booleans)."""
    del assume_unique           # a hint to NumPy's algorithm; the answer is the same
    return isin_p(element, test_elements, invert, kind)


# ----------------------------------------------------------------- bincount
def _bincount(x: Any, weights: Any, length: int) -> Any:
    return np.bincount(_data(x), weights=None if weights is None else _data(weights),
                       minlength=length)


bincount_p: Primitive = primitive(_bincount, "bincount", check_rules=False)
defvjp(bincount_p, None, lambda g, ans, x, w, length: take(g, x, axis=0), None)
defjvp(bincount_p, None, lambda t, ans, x, w, length: bincount_p(x, t, length), None)


def bincount(x: Number, weights: Number = None, minlength: int = 0) -> Number:
    """NumPy's ``bincount``: how often each integer occurs in ``x``, or its weights' sums.

    Differentiable in traced ``weights`` (each count's gradient goes back to
    the weights of its integer). The length is ``max(x) + 1`` (at least
    ``minlength``): for traced ``x``, ``jit`` checks at each call that it
    has not changed, and traces again where it has.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.grad(lambda w: tg.bincount(np.array([0, 2, 2]), w)[2])(np.array([1.0, 2.0, 3.0]))
      array([0., 1., 1.])
    """
    data = np.asarray(primal_value(x))
    if data.ndim != 1 or (data.size and data.dtype.kind not in "iub"):
        raise TypeError(f"bincount: x must be a 1-D array of non-negative integers, not "
                        f"{data.dtype} of shape {data.shape}.")
    length = max(int(minlength), int(data.max()) + 1 if data.size else 0)
    if type(x) is Traced and data.size and length > minlength:
        bool(tg_max(x) + 1 == length)   # a guard: jit traces again for another length
    elif type(x) is Traced and data.size:
        bool(tg_max(x) < length)
    return bincount_p(x, weights, length)


# ---------------------------------------------------------------- histogram
def _outer_edges(a: Any, range_: Any) -> tuple[Any, Any]:
    """NumPy's first and last edge: ``range``, or the data's minimum and maximum (traced)."""
    if range_ is not None:
        first, last = range_
        if type(first) is Traced or type(last) is Traced:
            raise TypeError("histogram: tapegrad takes range as two constants; for traced "
                            "bounds, pass the edges: bins=np.linspace(lo, hi, n + 1).")
        if not np.isfinite(primal_value(first)) or not np.isfinite(primal_value(last)):
            raise ValueError(f"supplied range of [{first}, {last}] is not finite")
        if primal_value(first) > primal_value(last):
            raise ValueError("max must be larger than min in range parameter.")
    elif 0 in shape_of(a):
        return 0, 1
    else:
        first, last = tg_min(a), tg_max(a)
        if not np.isfinite(primal_value(first)) or not np.isfinite(primal_value(last)):
            raise ValueError(f"autodetected range of [{primal_value(first)}, "
                             f"{primal_value(last)}] is not finite")
    if bool(first == last):         # a guard under jit
        first, last = first - 0.5, last + 0.5
    return first, last


def histogram_bin_edges(a: Number, bins: Any = 10, range: Any = None,  # noqa: A002
                        weights: Number = None) -> Number:
    """NumPy's ``histogram_bin_edges`` for a number of bins or the edges themselves.

    For a count, the edges are NumPy's ``linspace`` from the data's minimum
    to its maximum (or ``range``), differentiable in them.
    """
    del weights                     # NumPy's count-of-bins edges do not read them
    if isinstance(bins, str):
        raise ValueError(f"histogram: bins={bins!r} picks a number of bins from the data's "
                         "values; tapegrad takes bins as a number or as the edges: compute "
                         "np.histogram_bin_edges(data, bins) on a constant and pass that.")
    if np.ndim(primal_value(bins)) == 1:
        edges = bins if type(bins) is Traced else np.asarray(bins)
        if np.any(np.diff(primal_value(edges)) < 0):
            raise ValueError("`bins` must increase monotonically, when an array")
        return edges
    if int(bins) != bins or bins < 1:
        raise ValueError("`bins` must be positive, when an integer")
    a = a if type(a) is Traced else np.asarray(a)
    if np.asarray(primal_value(a)).dtype == bool:     # NumPy counts booleans as uint8
        a = astype(a, np.uint8)
    first, last = _outer_edges(a, range)
    dtype = np.result_type(primal_value(first), primal_value(last), primal_value(a))
    dtype = np.dtype(float) if np.issubdtype(dtype, np.integer) else dtype
    return linspace(first, last, int(bins) + 1, endpoint=True, dtype=dtype)


def _histogram(w: Any, a: Any, bins: Any, range_: Any) -> Any:
    return np.histogram(_data(a), bins if isinstance(bins, int) else _data(bins), range_,
                        weights=None if w is None else _data(w))[0]


def _bin_of(a: Any, bins: Any, range_: Any) -> Any:
    """Each sample's bin, as NumPy counts it; the number of bins for one outside them all."""
    a = _data(a)
    edges = np.histogram_bin_edges(a, bins if isinstance(bins, int) else _data(bins), range_)
    n = len(edges) - 1
    i = np.searchsorted(edges, a, side="right") - 1
    i = np.where(a == edges[-1], n - 1, i)
    return np.where((i < 0) | (i >= n) | np.isnan(a), n, i)


bin_of_p = _no_derivative(primitive(_bin_of, "bin_of", check_rules=False), 3)
histogram_p: Primitive = primitive(_histogram, "histogram", check_rules=False)
defvjp(histogram_p, lambda g, ans, w, a, bins, r: take(
    concatenate([g, np.zeros(1, np.asarray(primal_value(g)).dtype)], 0),
    bin_of_p(a, bins, r), axis=0), None, None, None)
defjvp(histogram_p, lambda t, ans, w, a, bins, r: histogram_p(t, a, bins, r), None, None, None)


def histogram(a: Number, bins: Any = 10, range: Any = None,  # noqa: A002
              density: bool | None = None, weights: Number = None) -> tuple[Number, Number]:
    """NumPy's ``histogram``: the counts (or weights' sums) per bin, and the edges.

    The counts are NumPy's (integers without weights, with no derivative);
    sums of traced weights are differentiable in them, the edges in the
    data's minimum and maximum, and ``density=True`` in both.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.histogram(np.array([0.0, 0.5, 2.0]), bins=2)[0]
      array([2, 1])
    """
    a = a if type(a) is Traced else np.asarray(a)        # a list of samples, as NumPy takes
    edges = histogram_bin_edges(a, bins, range)
    spec = int(bins) if np.ndim(primal_value(bins)) == 0 else bins
    counts = histogram_p(weights, a, spec, range)
    if density:
        width = astype(diff(edges), np.float64)
        return counts / width / tg_sum(counts), edges
    return counts, edges


def histogram2d(x: Number, y: Number, bins: Any = 10, range: Any = None,  # noqa: A002
                density: bool | None = None, weights: Number = None) -> tuple[Any, Any, Any]:
    """NumPy's ``histogram2d``: float counts (or weights' sums) per pair of bins, the edges.

    Each axis's edges are ``histogram``'s (differentiable in the data's
    minimum and maximum); a sample on the last edge falls in the last bin and
    one outside (or NaN) in none, as NumPy's ``histogramdd`` counts them.
    Sums of traced weights are differentiable in them.
    """
    if len(shape_of(x)) != 1 or shape_of(x) != shape_of(y):
        raise ValueError("x and y must have the same length.")
    pairs = bins if isinstance(bins, list | tuple) and len(bins) == 2 else (bins, bins)
    ranges = (None, None) if range is None else range
    ex, ey = (histogram_bin_edges(a if r is None else astype(a, np.float64), b, r)
              for a, b, r in zip((x, y), pairs, ranges))    # a range's edges: float64
    nx, ny = shape_of(ex)[0] - 1, shape_of(ey)[0] - 1
    ix, iy = bin_of_p(x, ex, None), bin_of_p(y, ey, None)
    inside = (ix < nx) & (iy < ny)
    flat = np.where(inside, ix * ny + iy, nx * ny)
    counts = bincount_p(flat, weights, nx * ny + 1)[:nx * ny]
    hist = astype(counts, np.float64).reshape(nx, ny)
    if density:
        total = tg_sum(hist)
        hist = hist / astype(diff(ex), np.float64).reshape(nx, 1)
        hist = hist / astype(diff(ey), np.float64).reshape(1, ny) / total
    return hist, ex, ey


# ------------------------------------------- NumPy's names on traced values
functions.update({
    np.histogram2d: (histogram2d, ("bins", "range", "density", "weights")),
    np.searchsorted: (searchsorted, ("side", "sorter")),
    np.digitize: (digitize, ("right",)),
    np.isin: (isin, ("assume_unique", "invert", "kind")),
    np.bincount: (bincount, ("weights", "minlength")),
    np.histogram: (histogram, ("bins", "range", "density", "weights")),
    np.histogram_bin_edges: (histogram_bin_edges, ("bins", "range", "weights")),
})
Traced.searchsorted = lambda self, v, side="left", sorter=None: searchsorted(  # type: ignore
    self, v, side, sorter)
