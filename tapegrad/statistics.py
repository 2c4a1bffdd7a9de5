"""Statistics and orderings: ``var``, ``std``, ``prod``, ``cumsum``, ``cumprod``, ``sort``...

Each function has NumPy's signature and values. ``var``, ``std``,
``average`` and ``median`` are composites of tapegrad functions (every
transform for free). ``prod``, ``cumsum``, ``cumprod``, ``sort`` and the
index functions are primitives with NumPy's own implementation, their rules
written with tapegrad functions so that they differentiate again:

- ``prod`` and ``cumprod`` never divide: the derivative of a product is the
  product of the *other* factors (exclusive prefix and suffix products), so
  a zero in the input gives the right gradient, as in JAX and autograd.
- ``sort``'s derivative follows the permutation (``argsort``, stable): the
  cotangent is scattered back, the tangent gathered.
- ``argsort``, ``argmax`` and ``argmin`` give integer data, with zero
  derivative, usable as indices in every transform.

The NumPy names (``np.var(x)``, ``x.std()``, ``np.sort(x)``...) dispatch here
on traced values.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from . import reductions as _axes
from .arrays import ceil, concatenate, floor, stack
from .arrays import round_p as _round_p
from .batching.rules import batch_rules
from .indexing import SLOT, gather, getitem, scatter_add
from .kinks import maximum, minimum, where
from .numpy_dispatch import functions
from .ops import sqrt
from .primitive import Primitive, defjvp, defvjp, primitive
from .shapes import _scalar, transpose
from .shapes import reshape as reshape_to
from .values import Traced, UnsupportedMethodError, float_array, primal_value, shape_of

__all__ = ["argmax", "argmin", "argsort", "average", "ceil", "cumprod", "cumsum", "floor",
           "median", "prod", "round", "sort", "std", "var"]

Number = Any
Axis = int | tuple[int, ...] | None


# ------------------------------------------------------------------ helpers
def _data(x: Any) -> np.ndarray:
    """An array for NumPy: integer and bool data stay so, other numbers are floats."""
    a = np.asarray(x)
    return a if a.dtype.kind in "iub" else float_array(a)


def _stacked(x: Any) -> Any:
    """A list of numbers stacked, as NumPy does; any other number itself."""
    if isinstance(x, list | tuple):
        return stack(x)
    return x


def _one_axis(what: str, axis: Any, nd: int) -> int:
    """A single ``axis`` as a non-negative int (NumPy's range check)."""
    if nd == 0:
        raise ValueError(f"tg.{what}: a float (a 0-d value) has no axis {axis!r}; pass "
                         "axis=None to treat it as an array of one element.")
    if isinstance(axis, bool) or not isinstance(axis, int | np.integer) or not -nd <= axis < nd:
        raise ValueError(f"tg.{what}: axis {axis!r} is out of range for an array of {nd} "
                         f"axes (give an int from {-nd} to {nd - 1}, or None to flatten).")
    return int(axis) % nd


def _flat_or_axis(what: str, x: Any, axis: Any) -> tuple[Any, int]:
    """``x`` flattened for ``axis=None`` (NumPy's convention), and the axis as an int."""
    x = _stacked(x)
    if axis is None:
        return reshape_to(x, -1), 0
    return x, _one_axis(what, axis, len(shape_of(x)))


def _along(x: Any, axis: int, part: slice) -> Any:
    """``x[..., part, ...]`` with ``part`` on ``axis``."""
    return getitem(x, (slice(None),) * axis + (part,))


def _flip(x: Any, axis: int) -> Any:
    return _along(x, axis, slice(None, None, -1))


def _ones_slab(x: Any, axis: int) -> np.ndarray:
    """Ones shaped like ``x`` but of length 1 along ``axis``, in ``x``'s float dtype."""
    shape = list(shape_of(x))
    shape[axis] = 1
    dtype = np.asarray(primal_value(x)).dtype
    return np.ones(shape, dtype=dtype if dtype.kind == "f" else float)


def _shift(x: Any, axis: int, fill: np.ndarray) -> Any:
    """``x`` moved one place along ``axis``: ``fill`` first, the last element dropped."""
    n = shape_of(x)[axis]
    if n <= 1:
        return fill if n == 1 else x
    return concatenate([fill, _along(x, axis, slice(0, n - 1))], axis)


def _shifted_by(x: Any, axis: int, d: int, fill: float) -> Any:
    """``x`` moved ``d`` places along ``axis``, the first ``d`` filled with ``fill``."""
    shape = list(shape_of(x))
    shape[axis] = d
    dtype = np.asarray(primal_value(x)).dtype
    pad = np.full(shape, fill, dtype=dtype if dtype.kind == "f" else float)
    return concatenate([pad, _along(x, axis, slice(0, shape_of(x)[axis] - d))], axis)


def _affine_scan(a: Any, b: Any, axis: int) -> Any:
    """``s[i] = a[i] * s[i - 1] + b[i]`` along ``axis`` (``s[0] = b[0]``), division-free.

    A Hillis-Steele scan of affine maps (log2(n) steps of products and sums),
    so it differentiates exactly, zeros included. ``a[0]`` must be finite.
    """
    n = shape_of(b)[axis]
    d = 1
    while d < n:
        b = a * _shifted_by(b, axis, d, 0.0) + b
        a = a * _shifted_by(a, axis, d, 1.0)
        d *= 2
    return b


class _BatchAlong:
    """vmap's rule for a primitive ``(x, axis, ...)``: its NumPy function, axis moved by one."""

    def __init__(self, np_fn: Any, keepdims: bool = False):
        self.np_fn = np_fn
        self.keepdims = keepdims

    def __call__(self, e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
        x = _data(values[0])
        if not batched[0]:
            x = np.broadcast_to(x, (n,) + x.shape)
        ax = values[1]
        ax = tuple(a + 1 for a in ax) if isinstance(ax, tuple) else ax + 1
        if self.keepdims:
            return self.np_fn(x, axis=ax, keepdims=values[2])
        return self.np_fn(x, axis=ax)


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
      (1.25, 2.0)
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


# -------------------------------------------------------------------- prod
def _prod(x: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    return _scalar(np.prod(_data(x), axis=axes, keepdims=keepdims))


prod_p: Primitive = primitive(_prod, "prod", check_rules=False)


def _others(x: Any, axes: tuple[int, ...]) -> Any:
    """The product of the other elements of each element's group (no division).

    The reduced axes go last and are flattened; exclusive prefix and suffix
    products (``cumprod`` shifted by one) multiply to the product of the rest.
    """
    shape = shape_of(x)
    nd = len(shape)
    kept = tuple(i for i in range(nd) if i not in axes)
    perm = kept + axes
    xt = transpose(x, perm) if perm != tuple(range(nd)) else x
    lead = tuple(shape[i] for i in kept)
    k = math.prod(shape[a] for a in axes)
    flat = reshape_to(xt, lead + (k,))
    last = len(lead)
    one = _ones_slab(flat, last)
    left = _shift(cumprod_p(flat, last), last, one)
    right = _flip(_shift(cumprod_p(_flip(flat, last), last), last, one), last)
    others = reshape_to(left * right, tuple(shape[i] for i in perm))
    if perm == tuple(range(nd)):
        return others
    return transpose(others, tuple(np.argsort(perm).tolist()))


def _prod_vjp(g: Any, ans: Any, x: Any, axes: tuple[int, ...], keep: bool) -> Any:
    return _axes._back(g, x, axes, keep) * _others(x, axes)


def _prod_jvp(t: Any, ans: Any, x: Any, axes: tuple[int, ...], keep: bool) -> Any:
    return _axes.sum_axes(t * _others(x, axes), axes, keep)


defvjp(prod_p, _prod_vjp, None, None)
defjvp(prod_p, _prod_jvp, None, None)
batch_rules[prod_p] = _BatchAlong(np.prod, keepdims=True)


def prod(x: Number, axis: Axis = None, keepdims: bool = False) -> Number:
    """NumPy's ``prod``: the product of every element, or along ``axis``.

    The gradient is the product of the other elements, computed without
    division, so zeros in the input are handled exactly (as in JAX).

    Args:
      x: A number, an array, a traced value, or a list of numbers of one shape.
      axis: None (every axis), an int or a tuple of ints.
      keepdims: Keep the reduced axes with size 1.

    Returns:
      The product, shaped as ``tg.sum`` would be (1.0 over an empty axis).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.prod(np.array([2.0, 3.0, 4.0]))
      24.0
      >>> tg.grad(tg.prod)(np.array([2.0, 0.0, 4.0]))
      array([0., 8., 0.])
    """
    x = _stacked(x)
    axes = _axes._axes("prod", axis, len(shape_of(x)))
    if not axes and not keepdims:
        return x
    return prod_p(x, axes, keepdims)


# ---------------------------------------------------------- cumsum, cumprod
def _cumsum(x: Any, axis: int) -> Any:
    return np.cumsum(_data(x), axis=axis)


def _cumprod(x: Any, axis: int) -> Any:
    return np.cumprod(_data(x), axis=axis)


cumsum_p: Primitive = primitive(_cumsum, "cumsum", check_rules=False)
cumprod_p: Primitive = primitive(_cumprod, "cumprod", check_rules=False)
defvjp(cumsum_p, lambda g, ans, x, axis: _flip(cumsum_p(_flip(g, axis), axis), axis), None)
defjvp(cumsum_p, lambda t, ans, x, axis: cumsum_p(t, axis), None)
batch_rules[cumsum_p] = _BatchAlong(np.cumsum)
batch_rules[cumprod_p] = _BatchAlong(np.cumprod)


def _cumprod_jvp(t: Any, ans: Any, x: Any, axis: int) -> Any:
    # dy[i] = x[i] dy[i-1] + t[i] y[i-1]: an affine scan, exact at zeros
    if shape_of(x)[axis] <= 1:
        return t
    one = _ones_slab(x, axis)
    a = concatenate([one, _along(x, axis, slice(1, None))], axis)   # a[0] is never used
    return _affine_scan(a, t * _shift(ans, axis, one), axis)


def _cumprod_vjp(g: Any, ans: Any, x: Any, axis: int) -> Any:
    # x's cotangent is y[j-1] * S[j], S[j] = g[j] + x[j+1] S[j+1] (a reversed affine scan)
    n = shape_of(x)[axis]
    if n <= 1:
        return g
    one = _ones_slab(x, axis)
    left = _shift(ans, axis, one)
    a = _shift(_flip(x, axis), axis, one)         # a[r] = x[n - r] for r >= 1
    s = _flip(_affine_scan(a, _flip(g, axis), axis), axis)
    return left * s


defvjp(cumprod_p, _cumprod_vjp, None)
defjvp(cumprod_p, _cumprod_jvp, None)


def cumsum(x: Number, axis: int | None = None) -> Number:
    """NumPy's ``cumsum``: running sums along ``axis`` (of the flattened array for None).

    Args:
      x: A number, an array, a traced value, or a list of numbers of one shape.
      axis: The axis to sum along, or None to flatten first.

    Returns:
      An array shaped like ``x`` (flat for ``axis=None``).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.cumsum(np.array([1.0, 2.0, 3.0]))
      array([1., 3., 6.])
      >>> tg.grad(lambda x: tg.cumsum(x)[1])(np.array([1.0, 2.0, 3.0]))
      array([1., 1., 0.])
    """
    x, ax = _flat_or_axis("cumsum", x, axis)
    return cumsum_p(x, ax)


def cumprod(x: Number, axis: int | None = None) -> Number:
    """NumPy's ``cumprod``: running products along ``axis`` (flattened for None).

    The derivative never divides: zeros in the input are handled exactly.

    Args:
      x: A number, an array, a traced value, or a list of numbers of one shape.
      axis: The axis to multiply along, or None to flatten first.

    Returns:
      An array shaped like ``x`` (flat for ``axis=None``).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.cumprod(np.array([2.0, 0.0, 3.0]))
      array([2., 0., 0.])
      >>> tg.grad(lambda x: tg.cumprod(x)[2])(np.array([2.0, 0.0, 3.0]))
      array([0., 6., 0.])
    """
    x, ax = _flat_or_axis("cumprod", x, axis)
    return cumprod_p(x, ax)


# ------------------------------------------------------------------- sort
def _argsort(x: Any, axis: int) -> Any:
    return np.argsort(_data(x), axis=axis, kind="stable")


def _sort(x: Any, axis: int) -> Any:
    return np.sort(_data(x), axis=axis, kind="stable")


argsort_p: Primitive = primitive(_argsort, "argsort", check_rules=False)
sort_p: Primitive = primitive(_sort, "sort", check_rules=False)
defvjp(argsort_p, None, None)        # integer data: no derivative
defjvp(argsort_p, None, None)
batch_rules[argsort_p] = _BatchAlong(_argsort)
batch_rules[sort_p] = _BatchAlong(_sort)


def _template(shape: tuple[int, ...], axis: int) -> tuple[Any, ...]:
    """``take_along_axis``'s index: an ``arange`` on every axis but ``axis`` (a SLOT)."""
    nd = len(shape)
    return tuple(SLOT if i == axis else np.arange(n).reshape(
        (1,) * i + (n,) + (1,) * (nd - i - 1)) for i, n in enumerate(shape))


def _sort_vjp(g: Any, ans: Any, x: Any, axis: int) -> Any:
    return scatter_add(g, x, _template(shape_of(x), axis), argsort_p(x, axis))


def _sort_jvp(t: Any, ans: Any, x: Any, axis: int) -> Any:
    return gather(t, _template(shape_of(x), axis), argsort_p(x, axis))


defvjp(sort_p, _sort_vjp, None)
defjvp(sort_p, _sort_jvp, None)


def sort(x: Number, axis: int | None = -1) -> Number:
    """NumPy's ``sort`` (a new array): ascending along ``axis`` (flattened for None).

    The derivative follows the permutation: each element's gradient is that
    of the place it was sorted to (ties keep their order: a stable sort).

    Args:
      x: An array, a traced value, or a list of numbers of one shape.
      axis: The axis to sort along (the last by default), or None to flatten.

    Returns:
      The sorted array.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.sort(np.array([3.0, 1.0, 2.0]))
      array([1., 2., 3.])
      >>> tg.grad(lambda x: tg.sort(x)[0])(np.array([3.0, 1.0, 2.0]))
      array([0., 1., 0.])
    """
    x, ax = _flat_or_axis("sort", x, axis)
    return sort_p(x, ax)


def argsort(x: Number, axis: int | None = -1) -> Number:
    """NumPy's ``argsort`` (stable): the indices that sort ``x`` along ``axis``.

    Integer data with zero derivative, usable as an index in every transform.

    Args:
      x: An array, a traced value, or a list of numbers of one shape.
      axis: The axis to sort along (the last by default), or None to flatten.

    Returns:
      An integer array shaped like ``x`` (flat for ``axis=None``).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.argsort(np.array([3.0, 1.0, 2.0]))
      array([1, 2, 0])
    """
    x, ax = _flat_or_axis("argsort", x, axis)
    return argsort_p(x, ax)


# ------------------------------------------------------- argmax, argmin
def _index_fn(np_fn: Any, name: str) -> Primitive:
    def impl(x: Any, axis: int | None, keepdims: bool) -> Any:
        r = np_fn(_data(x), axis=axis, keepdims=keepdims)
        return r[()] if isinstance(r, np.ndarray) and r.ndim == 0 else r
    impl.__name__ = name
    prim = primitive(impl, name, check_rules=False)
    defvjp(prim, None, None, None)      # integer data: no derivative
    defjvp(prim, None, None, None)

    def batched(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
        x, axis, keep = _data(values[0]), values[1], values[2]
        if not batched[0]:
            x = np.broadcast_to(x, (n,) + x.shape)
        if axis is not None:
            return np_fn(x, axis=axis + 1, keepdims=keep)
        r = np_fn(x.reshape(n, -1), axis=1)
        return r.reshape((n,) + (1,) * (x.ndim - 1)) if keep else r
    batch_rules[prim] = batched
    return prim


argmax_p: Primitive = _index_fn(np.argmax, "argmax")
argmin_p: Primitive = _index_fn(np.argmin, "argmin")


def _index_of(what: str, prim: Primitive, x: Any, axis: int | None, keepdims: bool) -> Any:
    x = _stacked(x)
    nd = len(shape_of(x))
    ax = None if axis is None else _one_axis(what, axis, builtins.max(nd, 1))
    if (0 in shape_of(x)) and (ax is None or shape_of(x)[ax] == 0):
        raise ValueError(f"tg.{what}: attempt to get {what} of an empty sequence.")
    return prim(x, ax, bool(keepdims))


def argmax(x: Number, axis: int | None = None, keepdims: bool = False) -> Number:
    """NumPy's ``argmax``: the index of the largest element (the first on ties).

    Integer data with zero derivative, usable as an index in every transform
    (``x[tg.argmax(x)]`` is the maximum, differentiably).

    Args:
      x: An array, a traced value, or a list of numbers of one shape.
      axis: The axis to search along, or None for the flattened array.
      keepdims: Keep the reduced axis with size 1.

    Returns:
      An integer (NumPy's ``intp``) or an integer array.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> int(tg.argmax(np.array([1.0, 3.0, 2.0])))
      1
      >>> tg.grad(lambda x: x[tg.argmax(x)] * 2.0)(np.array([1.0, 3.0, 2.0]))
      array([0., 2., 0.])
    """
    return _index_of("argmax", argmax_p, x, axis, keepdims)


def argmin(x: Number, axis: int | None = None, keepdims: bool = False) -> Number:
    """NumPy's ``argmin``: the index of the smallest element (the first on ties).

    Args:
      x: An array, a traced value, or a list of numbers of one shape.
      axis: The axis to search along, or None for the flattened array.
      keepdims: Keep the reduced axis with size 1.

    Returns:
      An integer (NumPy's ``intp``) or an integer array, with zero derivative.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.argmin(np.array([[1.0, 0.0], [2.0, 3.0]]), axis=1)
      array([1, 0])
    """
    return _index_of("argmin", argmin_p, x, axis, keepdims)


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
      2.75
    """
    a = _stacked(a)
    shape = shape_of(a)
    axes = _axes._axes("average", axis, len(shape))
    if weights is None:
        avg = _axes.mean(a, axis=axes, keepdims=keepdims)
        if not returned:
            return avg
        count = float(math.prod(shape[i] for i in axes))
        return avg, np.full(shape_of(avg), count) if shape_of(avg) else count
    w = _stacked(weights)
    wshape = shape_of(w)
    if wshape != shape:
        if axis is None or len(wshape) != 1 or len(axes) != 1 or wshape[0] != shape[axes[0]]:
            raise ValueError(f"tg.average: weights of shape {wshape} do not fit an array "
                             f"of shape {shape}: give them its shape, or a 1-D array as "
                             "long as the (int) axis.")
        w = reshape_to(w, tuple(n if i == axes[0] else 1 for i, n in enumerate(shape)))
        w = w * np.ones(shape)
    scl = _axes.sum(w, axis=axes, keepdims=keepdims)
    avg = _axes.sum(a * w, axis=axes, keepdims=keepdims) / scl
    return (avg, scl) if returned else avg


def median(x: Number, axis: int | None = None, keepdims: bool = False) -> Number:
    """NumPy's ``median``: the middle of the sorted values (mean of the middle two).

    The derivative goes to the middle element(s), as ``sort``'s does; a
    ``nan`` anywhere along the axis makes the median ``nan``, as in NumPy.

    Args:
      x: An array, a traced value, or a list of numbers of one shape.
      axis: None (every element) or an int.
      keepdims: Keep the reduced axis with size 1.

    Returns:
      The median, shaped as ``tg.sum`` would be.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.median(np.array([3.0, 1.0, 4.0, 2.0]))
      2.5
    """
    x = _stacked(x)
    shape = shape_of(x)
    if not shape:
        return x
    flat = axis is None
    s, ax = _flat_or_axis("median", x, axis)
    n = shape_of(s)[ax]
    if n == 0:
        raise ValueError("tg.median: the median of an empty axis is undefined (NumPy "
                         "gives nan with a warning); reduce a non-empty one.")
    s = sort_p(s, ax)
    mid = _along(s, ax, slice(n // 2, n // 2 + 1))
    if n % 2 == 0:
        mid = (_along(s, ax, slice(n // 2 - 1, n // 2)) + mid) * 0.5
    last = _along(s, ax, slice(n - 1, n))      # nan sorts last: any nan makes it nan
    mid = where(last != last, last, mid)
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
    if lo is None and hi is None:
        raise ValueError("np.clip: give a lower bound, an upper bound or both "
                         "(a_min/a_max, or min/max).")
    x = a if lo is None else maximum(a, lo)
    return x if hi is None else minimum(x, hi)


# ------------------------------------------- NumPy's names on traced values
functions[np.var] = (var, ("axis", "ddof", "keepdims"))
functions[np.std] = (std, ("axis", "ddof", "keepdims"))
functions[np.prod] = (prod, ("axis", "keepdims"))
functions[np.cumsum] = (cumsum, ("axis",))
functions[np.cumprod] = (cumprod, ("axis",))
# every kind gives the stable sort's result (equal elements are equal numbers)
functions[np.sort] = (lambda a, axis=-1, kind=None, stable=None: sort(a, axis),
                      ("axis", "kind", "stable"))
functions[np.argsort] = (lambda a, axis=-1, kind=None, stable=None: argsort(a, axis),
                         ("axis", "kind", "stable"))
functions[np.argmax] = (argmax, ("axis", "keepdims"))
functions[np.argmin] = (argmin, ("axis", "keepdims"))
functions[np.average] = (average, ("axis", "weights", "returned", "keepdims"))
functions[np.median] = (median, ("axis", "keepdims"))
functions[np.where] = (_np_where, ())
functions[np.clip] = (_np_clip, ("a_min", "a_max", "min", "max"))


# ------------------------------------------------- the methods on Traced
def _in_place_sort(self: Traced) -> Any:
    raise UnsupportedMethodError(
        "x.sort() sorts an array in place, and traced values are immutable: write "
        "x = np.sort(x) (or tg.sort(x, axis)), which returns a new sorted array.")


Traced.var = lambda self, axis=None, dtype=None, out=None, ddof=0, keepdims=False: var(  # type: ignore
    self, axis, ddof, keepdims)
Traced.std = lambda self, axis=None, dtype=None, out=None, ddof=0, keepdims=False: std(  # type: ignore
    self, axis, ddof, keepdims)
Traced.prod = lambda self, axis=None, dtype=None, out=None, keepdims=False: prod(  # type: ignore
    self, axis, keepdims)
Traced.cumsum = lambda self, axis=None, dtype=None, out=None: cumsum(self, axis)  # type: ignore
Traced.cumprod = lambda self, axis=None, dtype=None, out=None: cumprod(self, axis)  # type: ignore
Traced.argmax = lambda self, axis=None, out=None, keepdims=False: argmax(  # type: ignore
    self, axis, keepdims)
Traced.argmin = lambda self, axis=None, out=None, keepdims=False: argmin(  # type: ignore
    self, axis, keepdims)
Traced.argsort = lambda self, axis=-1, kind=None, order=None: argsort(self, axis)  # type: ignore
Traced.clip = lambda self, min=None, max=None: _np_clip(self, min, max)  # type: ignore
Traced.sort = property(_in_place_sort)  # type: ignore
