"""Products and running sums: ``prod``, ``cumsum``, ``cumprod``, ``cumulative_sum``...

Primitives with NumPy's own implementation, their rules written with
tapegrad functions so that they differentiate again. ``prod`` and
``cumprod`` never divide: the derivative of a product is the product of the
*other* factors (exclusive prefix and suffix products, an affine scan), so
a zero in the input gives the right gradient, as in JAX and autograd.
``np.prod(x)``, ``x.cumsum()``... dispatch here on traced values.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import reductions as _axes
from .along import _along, _BatchAlong, _data, _flat_or_axis, _stacked
from .arrays import concatenate
from .backend_rules import full_like
from .backends import array_api_impls, call, foreign
from .batching.rules import batch_rules
from .numpy_dispatch import functions
from .numpy_tables import numpy_method
from .primitive import Primitive, defjvp, defvjp, primitive
from .shapes import _scalar, transpose
from .shapes import reshape as reshape_to
from .values import Traced, primal_value, shape_of

__all__ = ["cumprod", "cumsum", "cumulative_prod", "cumulative_sum", "prod"]

Number = Any
Axis = int | tuple[int, ...] | None


# ------------------------------------------------------------------ helpers
def _flip(x: Any, axis: int) -> Any:
    return _along(x, axis, slice(None, None, -1))


def _ones_slab(x: Any, axis: int) -> np.ndarray:
    """Ones shaped like ``x`` but of length 1 along ``axis``, in ``x``'s float dtype."""
    shape = list(shape_of(x))
    shape[axis] = 1
    if foreign(primal_value(x)) is not None:      # in x's library, on its device
        return full_like(x, tuple(shape), 1.0)
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
    if foreign(primal_value(x)) is not None:
        pad = full_like(x, tuple(shape), fill)
        return concatenate([pad, _along(x, axis, slice(0, shape_of(x)[axis] - d))], axis)
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


# -------------------------------------------------------------------- prod
def _prod(x: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    if type(x) is not np.ndarray and foreign(x) is not None:
        return call(prod_p, x, axes, keepdims)
    return _scalar(np.prod(_data(x), axis=axes, keepdims=keepdims))


prod_p: Primitive = primitive(_prod, "prod", check_rules=False)
array_api_impls[prod_p] = lambda xp, x, axes, keep: xp.prod(x, axis=axes, keepdims=keep)


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
      np.float64(24.0)
      >>> tg.grad(tg.prod)(np.array([2.0, 0.0, 4.0]))
      array([0., 8., 0.])
    """
    x = _stacked(x)
    axes = _axes._axes("prod", axis, len(shape_of(x)))
    if not axes and not keepdims and (shape_of(x) or not _axes.is_numpy(x)):
        return _axes.unreduced(x)
    return prod_p(x, axes, keepdims)


# ---------------------------------------------------------- cumsum, cumprod
def _cumsum(x: Any, axis: int) -> Any:
    if type(x) is not np.ndarray and foreign(x) is not None:
        return call(cumsum_p, x, axis)
    return np.cumsum(_data(x), axis=axis)


def _cumprod(x: Any, axis: int) -> Any:
    if type(x) is not np.ndarray and foreign(x) is not None:
        return call(cumprod_p, x, axis)
    return np.cumprod(_data(x), axis=axis)


cumsum_p: Primitive = primitive(_cumsum, "cumsum", check_rules=False)
cumprod_p: Primitive = primitive(_cumprod, "cumprod", check_rules=False)
array_api_impls[cumsum_p] = lambda xp, x, axis: xp.cumulative_sum(x, axis=axis)
array_api_impls[cumprod_p] = lambda xp, x, axis: xp.cumulative_prod(x, axis=axis)
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


def _cumulative(what: str, x: Any, axis: int | None, include_initial: bool,
                scan: Primitive, identity: float) -> Any:
    """NumPy 2.1's ``cumulative_sum``/``cumulative_prod``: ``scan`` along ``axis``.

    At least 1-D; ``axis`` may be None only for 1-D input; with
    ``include_initial`` the running value starts at ``identity`` (NumPy
    concatenates it before the scan's result).
    """
    x = _stacked(x)
    if not shape_of(x):
        x = reshape_to(x, (1,))
    nd = len(shape_of(x))
    if axis is None:
        if nd >= 2:
            raise ValueError(f"tg.{what}: for arrays which have more than one dimension "
                             "``axis`` argument is required.")
        axis = 0
    ax = _flat_or_axis(what, x, axis)[1]
    out = scan(x, ax)
    if not include_initial:
        return out
    shape = list(shape_of(x))
    shape[ax] = 1
    dtype = np.asarray(primal_value(out)).dtype
    if foreign(primal_value(out)) is not None:
        first = full_like(out, tuple(shape), identity)
    else:
        first = np.full(shape, identity, dtype=dtype)
    return concatenate([first, out], ax)


def cumulative_sum(x: Number, axis: int | None = None,
                   include_initial: bool = False) -> Number:
    """NumPy's ``cumulative_sum`` (2.1): running sums, optionally from a leading 0.

    Args:
      x: A number, an array, a traced value, or a list of numbers of one shape.
      axis: The axis to sum along; None only for a 1-D ``x``.
      include_initial: Start with the sum of nothing (0), one longer along ``axis``.

    Returns:
      An array shaped like ``x`` (one longer along ``axis`` with ``include_initial``).

    Raises:
      ValueError: for ``axis=None`` on an array of two axes or more.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.cumulative_sum(np.array([1.0, 2.0, 3.0]), include_initial=True)
      array([0., 1., 3., 6.])
    """
    return _cumulative("cumulative_sum", x, axis, include_initial, cumsum_p, 0.0)


def cumulative_prod(x: Number, axis: int | None = None,
                    include_initial: bool = False) -> Number:
    """NumPy's ``cumulative_prod`` (2.1): running products, optionally from a leading 1.

    The derivative never divides, as ``cumprod``'s.

    Args:
      x: A number, an array, a traced value, or a list of numbers of one shape.
      axis: The axis to multiply along; None only for a 1-D ``x``.
      include_initial: Start with the product of nothing (1), one longer along ``axis``.

    Returns:
      An array shaped like ``x`` (one longer along ``axis`` with ``include_initial``).

    Raises:
      ValueError: for ``axis=None`` on an array of two axes or more.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.cumulative_prod(np.array([2.0, 0.5, 3.0]))
      array([2., 1., 3.])
    """
    return _cumulative("cumulative_prod", x, axis, include_initial, cumprod_p, 1.0)


# ------------------------------------------- NumPy's names on traced values
functions[np.prod] = (prod, ("axis", "keepdims"))
functions[np.cumsum] = (cumsum, ("axis",))
functions[np.cumprod] = (cumprod, ("axis",))
functions[np.cumulative_sum] = (cumulative_sum, ("axis", "include_initial"))
functions[np.cumulative_prod] = (cumulative_prod, ("axis", "include_initial"))


# ------------------------------------------------- the methods on Traced
Traced.prod = numpy_method(np.prod, prod)               # type: ignore
Traced.cumsum = numpy_method(np.cumsum, cumsum)         # type: ignore
Traced.cumprod = numpy_method(np.cumprod, cumprod)      # type: ignore
