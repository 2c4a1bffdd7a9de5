"""Differences, sums of products and polynomials: ``diff``, ``trapezoid``, ``convolve``...

Each is a composite of tapegrad's slices, products and sums, written in the
order NumPy computes (``diff`` is ``a[1:] - a[:-1]``; ``polyval`` is Horner's
rule; ``cross`` is NumPy's ``a1 * b2 - a2 * b1``), so values match NumPy's bit
for bit and every transform comes for free. ``correlate`` is a primitive per
mode running NumPy's own loop (whose order of summation no composite
reproduces), with bilinear rules; ``convolve`` is NumPy's: ``correlate`` of
the longer with the shorter reversed. NumPy's names dispatch here on traced
values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .along import _along, _stacked
from .arrays import astype, concatenate, stack
from .indexing import getitem
from .numpy_dispatch import functions
from .primitive import Primitive, defjvp, defvjp, primitive
from .reductions import sum as tg_sum
from .reshaping import _axis, moveaxis, ravel
from .shapes import broadcast_to
from .shapes import reshape as reshape_to
from .tensordot import dot
from .values import primal_value, shape_of

__all__ = ["convolve", "correlate", "cross", "diff", "ediff1d", "kron", "polyval",
           "trapezoid", "vdot"]

Number = Any


def _dtype_of(x: Any) -> np.dtype[Any]:
    return np.asarray(primal_value(x)).dtype


# -------------------------------------------------------------- differences
def _edge(v: Any, shape: tuple[int, ...], axis: int) -> Any:
    """``prepend``/``append`` of ``diff``: a number spread along ``axis`` with length 1."""
    if not shape_of(v):
        return broadcast_to(v, shape[:axis] + (1,) + shape[axis + 1:])
    return v


def diff(a: Number, n: int = 1, axis: int = -1, prepend: Any = None,
         append: Any = None) -> Number:
    """NumPy's ``diff``: the ``n``-th differences along ``axis``.

    Args:
      a: An array (traced or not) of at least one axis.
      n: How many times to take differences.
      axis: The axis along which to take them.
      prepend: Values put before ``a`` along ``axis`` first (a number or an array).
      append: Values put after ``a`` along ``axis`` first.

    Returns:
      The differences: ``n`` shorter along ``axis`` than the joined input.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.diff(np.array([1.0, 4.0, 9.0]))
      array([3., 5.])
    """
    if n < 0:
        raise ValueError(f"diff: order n must be non-negative, not {n}.")
    if n == 0:
        return a
    shape = shape_of(a)
    if not shape:
        raise ValueError("diff: a must be at least one-dimensional.")
    ax = _axis("diff", axis, len(shape))
    parts = [_edge(prepend, shape, ax)] if prepend is not None else []
    parts += [a] + ([_edge(append, shape, ax)] if append is not None else [])
    if len(parts) > 1:
        a = concatenate(parts, ax)
    for _ in range(n):
        later, earlier = _along(a, ax, slice(1, None)), _along(a, ax, slice(None, -1))
        a = later != earlier if _dtype_of(a) == np.bool_ else later - earlier   # as NumPy
    return a


def ediff1d(ary: Number, to_end: Any = None, to_begin: Any = None) -> Number:
    """NumPy's ``ediff1d``: the differences of the flattened array, with ends added.

    Args:
      ary: A number or an array (traced or not), flattened first.
      to_end: Numbers put after the differences.
      to_begin: Numbers put before them.

    Returns:
      A 1-D array.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.ediff1d(np.array([1.0, 2.0, 4.0]), to_begin=0.0)
      array([0., 1., 2.])
    """
    flat = ravel(ary)
    d = _along(flat, 0, slice(1, None)) - _along(flat, 0, slice(None, -1))
    dtype = _dtype_of(ary)

    def end(v: Any) -> Any:         # cast to ary's dtype, as NumPy does; a list is stacked
        v = _stacked(v)
        return ravel(v if _dtype_of(v) == dtype else astype(v, dtype))
    parts = [end(to_begin)] if to_begin is not None else []
    parts += [d] + ([end(to_end)] if to_end is not None else [])
    return concatenate(parts, 0) if len(parts) > 1 else d


def trapezoid(y: Number, x: Any = None, dx: float = 1.0, axis: int = -1) -> Number:
    """NumPy's ``trapezoid``: the integral of ``y`` by the trapezoidal rule.

    Args:
      y: The values (traced or not).
      x: The sample points (1-D, or shaped like ``y``), or None for spacing ``dx``.
      dx: The spacing when ``x`` is None.
      axis: The axis to integrate along.

    Returns:
      The integral, with ``axis`` removed.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.trapezoid(np.array([1.0, 2.0, 3.0]))
      np.float64(4.0)
    """
    shape = shape_of(y)
    ax = _axis("trapezoid", axis, len(shape))
    if x is None:
        d: Any = dx
    else:
        d = diff(x) if len(shape_of(x)) == 1 else diff(x, axis=ax)
        if len(shape_of(x)) == 1 and len(shape) > 1:
            d = reshape_to(d, tuple(-1 if i == ax else 1 for i in range(len(shape))))
    pairs = _along(y, ax, slice(1, None)) + _along(y, ax, slice(None, -1))
    return tg_sum(d * pairs / 2.0, axis=ax)     # NumPy's order: integer data wraps as there


# ---------------------------------------------------------------- products
def vdot(a: Number, b: Number) -> Number:
    """NumPy's ``vdot``: the dot product of the flattened arrays.

    Args:
      a: A number or an array (traced or not).
      b: A number or an array of the same size.

    Returns:
      A float.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.vdot(np.array([[1.0, 2.0]]), np.array([3.0, 4.0]))
      11.0
    """
    return dot(reshape_to(a, -1), reshape_to(b, -1))   # strided, as NumPy: ravel would copy


def kron(a: Number, b: Number) -> Number:
    """NumPy's ``kron``: the Kronecker product, blocks ``a[i, j] * b``.

    Args:
      a: A number or an array (traced or not).
      b: A number or an array (traced or not).

    Returns:
      An array of ``max(a.ndim, b.ndim)`` axes, each ``a``'s length times ``b``'s.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.kron(np.array([1.0, 2.0]), np.array([1.0, 10.0]))
      array([ 1., 10.,  2., 20.])
    """
    sa, sb = shape_of(a), shape_of(b)
    nd = max(len(sa), len(sb))
    sa, sb = (1,) * (nd - len(sa)) + sa, (1,) * (nd - len(sb)) + sb
    wide_a = reshape_to(a, tuple(k for n in sa for k in (n, 1)))
    wide_b = reshape_to(b, tuple(k for n in sb for k in (1, n)))
    return reshape_to(wide_a * wide_b, tuple(m * n for m, n in zip(sa, sb)))


def cross(a: Number, b: Number, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: int | None = None) -> Number:
    """NumPy's ``cross``: the cross product of 3-vectors (broadcast over other axes).

    Args:
      a: Vectors (traced or not) of length 3 along ``axisa``.
      b: Vectors of length 3 along ``axisb``.
      axisa: The axis of ``a`` holding the vectors.
      axisb: The axis of ``b`` holding them.
      axisc: The axis of the result holding them.
      axis: If given, the axis of all three.

    Returns:
      The cross products.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
      array([0., 0., 1.])
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    a = moveaxis(a, axisa, -1)
    b = moveaxis(b, axisb, -1)
    if shape_of(a)[-1] != 3 or shape_of(b)[-1] != 3:
        raise ValueError("cross: tapegrad takes vectors of 3 components (NumPy's 2-D "
                         "cross product is deprecated: write a[0] * b[1] - a[1] * b[0]).")
    a0, a1, a2 = (getitem(a, (Ellipsis, k)) for k in range(3))
    b0, b1, b2 = (getitem(b, (Ellipsis, k)) for k in range(3))
    c = stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return moveaxis(c, -1, axisc)


# ------------------------------------------------------------ convolutions
def _check(what: str, a: Any, v: Any, mode: str) -> tuple[Any, Any]:
    """``a`` and ``v`` as 1-D arrays (a number is one of length 1, as NumPy's ``ndmin=1``)."""
    a, v = (reshape_to(u, (1,)) if not shape_of(u) else u for u in (a, v))
    if len(shape_of(a)) != 1 or len(shape_of(v)) != 1:
        raise ValueError(f"{what}: a and v must be 1-D arrays.")
    if not shape_of(a)[0] or not shape_of(v)[0]:
        raise ValueError(f"{what}: a and v cannot be empty.")
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"mode must be 'full', 'same' or 'valid', not {mode!r}.")
    return a, v


def _start(n: int, m: int, mode: str) -> int:
    """Where NumPy's ``mode`` result of ``correlate`` (lengths n, m) begins in the full one."""
    if mode == "full":
        return 0
    if mode == "valid":
        return min(n, m) - 1
    return (m - 1) // 2 if n >= m else n // 2      # "same": NumPy swaps, then reverses


def _in_full(g: Any, n: int, m: int, mode: str) -> Any:
    """The cotangent of a ``mode`` correlate placed in zeros of the full result's length."""
    k, dtype = _start(n, m, mode), _dtype_of(g)
    after = n + m - 1 - k - shape_of(g)[0]
    return concatenate([np.zeros(k, dtype), g, np.zeros(after, dtype)], 0)


def _correlate_in(mode: str) -> Primitive:
    """``correlate(a, v, mode)``: NumPy's own loop (its bits), bilinear rules."""
    def impl(a: Any, v: Any) -> Any:
        return np.correlate(a, v, mode)     # type: ignore[call-overload]
    prim = primitive(impl, f"correlate_{mode}", check_rules=False)

    def full(g: Any, a: Any, v: Any) -> Any:
        return _in_full(g, shape_of(a)[0], shape_of(v)[0], mode)
    # c[k] = sum_j a[k + j - (m - 1)] v[j] over the full range of k
    defvjp(prim, lambda g, ans, a, v: _correlates["valid"](full(g, a, v), _flip(v)),
           lambda g, ans, a, v: _flip(_correlates["valid"](full(g, a, v), a)))
    defjvp(prim, lambda t, ans, a, v: prim(t, v), lambda t, ans, a, v: prim(a, t))
    return prim


_correlates = {mode: _correlate_in(mode) for mode in ("full", "same", "valid")}


def _flip(x: Any) -> Any:
    return getitem(x, slice(None, None, -1))    # x[::-1]


def convolve(a: Number, v: Number, mode: str = "full") -> Number:
    """NumPy's ``convolve``: the discrete linear convolution of two 1-D arrays.

    As NumPy computes it: ``correlate`` of the longer with the shorter reversed.

    Args:
      a: A 1-D array (traced or not).
      v: A 1-D array (traced or not).
      mode: ``"full"``, ``"same"`` (as long as the longer input) or ``"valid"``.

    Returns:
      The convolution; both inputs get gradients.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.convolve(np.array([1.0, 2.0]), np.array([1.0, 1.0]))
      array([1., 3., 2.])
    """
    a, v = _check("convolve", a, v, mode)
    if shape_of(v)[0] > shape_of(a)[0]:
        a, v = v, a
    return _correlates[mode](a, _flip(v))


def correlate(a: Number, v: Number, mode: str = "valid") -> Number:
    """NumPy's ``correlate``: ``c[k] = sum_n a[n + k] * v[n]`` of two 1-D arrays.

    Its values are NumPy's own, bit for bit (NumPy's loop runs them).

    Args:
      a: A 1-D array (traced or not).
      v: A 1-D array (traced or not).
      mode: ``"valid"`` (NumPy's default), ``"same"`` or ``"full"``.

    Returns:
      The cross-correlation; both inputs get gradients.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0]))
      array([2., 3.])
      >>> tg.grad(lambda a: tg.correlate(a, np.array([0.0, 1.0]))[0])(np.ones(3))
      array([0., 1., 0.])
    """
    a, v = _check("correlate", a, v, mode)
    return _correlates[mode](a, v)


def polyval(p: Sequence[Number] | Number, x: Number) -> Number:
    """NumPy's ``polyval``: the polynomial with coefficients ``p`` (highest first) at ``x``.

    Horner's rule, as NumPy computes it.

    Args:
      p: The coefficients, highest power first (a 1-D array or a list; traced or not).
      x: Where to evaluate (a number or an array; traced or not).

    Returns:
      The values, shaped like ``x``.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> float(tg.polyval(np.array([1.0, 0.0, -1.0]), 3.0))
      8.0
      >>> float(tg.grad(lambda x: tg.polyval(np.array([1.0, 0.0, -1.0]), x))(3.0))
      6.0
    """
    dtype = _dtype_of(x)
    if isinstance(p, list | tuple):      # NumPy's asarray(p): one dtype for them all
        common = np.result_type(*(np.asarray(primal_value(c)) for c in p))
        p = [c if _dtype_of(c) == common else astype(c, common) for c in p]
        dtype = np.result_type(dtype, common)
    n = shape_of(p)[0] if not isinstance(p, list | tuple) else len(p)
    coefficients = common if isinstance(p, list | tuple) else _dtype_of(p)
    # a float at float64 coefficients stays a float; NumPy's asarray(x) of a
    # Python float is a strong float64 that float32 coefficients promote to
    plain = dtype == np.float64 and _dtype_of(x) == np.float64 and coefficients == np.float64
    v = primal_value(x)       # NumPy's zeros_like(x): x's memory layout, which later sums read
    y: Any = 0.0 if plain and not shape_of(x) else np.zeros_like(v, dtype) if type(
        v) is np.ndarray else np.zeros(shape_of(x), dtype)
    for k in range(n):
        y = y * x + p[k]
    return y


# ------------------------------------------- NumPy's names on traced values
functions.update({
    np.diff: (diff, ("n", "axis", "prepend", "append")),
    np.ediff1d: (ediff1d, ("to_end", "to_begin")),
    np.trapezoid: (trapezoid, ("x", "dx", "axis")),
    np.vdot: (vdot, ()), np.kron: (kron, ()),
    np.cross: (cross, ("axisa", "axisb", "axisc", "axis")),
    np.convolve: (convolve, ("mode",)), np.correlate: (correlate, ("mode",)),
    np.polyval: (polyval, ()),
})
