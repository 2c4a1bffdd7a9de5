"""Polynomials and their matrices: ``vander``, ``polyder``, ``polyint``, ``poly``, ``polyfit``...

Each is a composite of tapegrad's slices, products, running products and
joins, in the order NumPy computes: ``vander``'s powers are a running
product of copies of ``x`` (NumPy's ``multiply.accumulate``), ``polyder``
and ``polyint`` multiply and divide by ``arange`` (so float32 coefficients
become float64, as in NumPy), and ``poly`` multiplies out ``(x - r)`` one
root at a time, as NumPy's ``convolve`` with ``[1, -r]`` does. Values match
NumPy's bit for bit and every transform comes for free. ``polyval`` lives
with the other sums of products in differences.py. NumPy's names dispatch
here on traced values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .along import _stacked
from .arrays import astype, concatenate
from .differences import convolve
from .indexing import getitem
from .linalg_decomp import lstsq
from .numpy_dispatch import functions
from .ops import sqrt
from .reductions import sum as tg_sum
from .reshaping import atleast_1d
from .scans import cumprod_p
from .shapes import broadcast_to
from .shapes import reshape as reshape_to
from .values import primal_value, shape_of

__all__ = ["poly", "polyadd", "polyder", "polyfit", "polyint", "polymul", "polysub", "vander"]

Number = Any


def _dtype_of(x: Any) -> np.dtype[Any]:
    return np.asarray(primal_value(x)).dtype


def _as(x: Any, dtype: Any) -> Any:
    """``x`` in ``dtype`` (itself where it has it already)."""
    return x if _dtype_of(x) == dtype else astype(x, dtype)


def _coefficients(what: str, p: Any) -> Any:
    """NumPy's ``asarray(p)`` of coefficients: a list stacked, one axis required."""
    if isinstance(p, list | tuple):
        p = concatenate([reshape_to(c, (1,)) for c in p], 0) if p else np.zeros(0)
    if len(shape_of(p)) != 1:
        raise ValueError(f"{what}: the coefficients must be a 1-D array, not of shape "
                         f"{shape_of(p)}.")
    return p


def vander(x: Number, N: int | None = None, increasing: bool = False) -> Number:  # noqa: N803
    """NumPy's ``vander``: the Vandermonde matrix, columns the powers of ``x``.

    Args:
      x: A 1-D array (traced or not).
      N: The number of columns (``len(x)`` for None).
      increasing: Powers from 0 up (else from ``N - 1`` down, NumPy's default).

    Returns:
      An ``(len(x), N)`` array in ``x``'s dtype promoted with int (float64 for
      float32, as in NumPy).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.vander(np.array([2.0, 3.0]), 3)
      array([[4., 2., 1.],
             [9., 3., 1.]])
    """
    if len(shape_of(x)) != 1:
        raise ValueError("vander: x must be a one-dimensional array or sequence.")
    n = shape_of(x)[0]
    N = n if N is None else int(N)                                        # noqa: N806
    dtype = np.promote_types(_dtype_of(x), int)
    ones = np.ones((n, min(N, 1)), dtype=dtype)
    if N <= 1:
        return ones
    copies = broadcast_to(reshape_to(_as(x, dtype), (n, 1)), (n, N - 1))
    powers = cumprod_p(copies, 1)                           # x**1, ... x**(N-1)
    if increasing:
        return concatenate([ones, powers], 1)
    # reversed before the join, so that the result is a new array as NumPy's (a write into
    # it, V[i] = ..., is a write into V, not into a view of another array)
    return concatenate([getitem(powers, (slice(None), slice(None, None, -1))), ones], 1)


def polyder(p: Number, m: int = 1) -> Number:
    """NumPy's ``polyder``: the coefficients of the ``m``-th derivative of a polynomial.

    Args:
      p: The coefficients, highest power first (a 1-D array or a list; traced or not).
      m: The order of the derivative (non-negative).

    Returns:
      ``m`` fewer coefficients (float64 for float32 ones, as in NumPy).

    Raises:
      ValueError: for a negative ``m``.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.polyder(np.array([1.0, 1.0, 1.0, 1.0]), 2)
      array([6., 2.])
    """
    m = int(m)
    if m < 0:
        raise ValueError("polyder: order of derivative must be positive (see polyint).")
    p = _coefficients("polyder", p)
    for _ in range(m):
        n = shape_of(p)[0] - 1
        p = getitem(p, slice(None, -1)) * np.arange(n, 0, -1)
    return p


def polyint(p: Number, m: int = 1, k: Any = None) -> Number:
    """NumPy's ``polyint``: the coefficients of the ``m``-th antiderivative.

    Args:
      p: The coefficients, highest power first (a 1-D array or a list; traced or not).
      m: The order of the antiderivative (non-negative).
      k: The integration constants, the first for the first integration (a
        number for all, or ``m`` of them; traced or not); zeros for None.

    Returns:
      ``m`` more coefficients (float64, as NumPy's division by ``arange`` gives).

    Raises:
      ValueError: for a negative ``m``, or fewer than ``m`` constants.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.polyint(np.array([3.0, 2.0]), k=5.0)
      array([1.5, 2. , 5. ])
    """
    m = int(m)
    if m < 0:
        raise ValueError("polyint: order of integral must be positive (see polyder).")
    k = np.zeros(m, float) if k is None else atleast_1d(_coefficients("polyint", k)
                                                         if isinstance(k, list | tuple) else k)
    if shape_of(k)[0] == 1 and m > 1:
        k = getitem(k, 0) * np.ones(m, float)
    if shape_of(k)[0] < m:
        raise ValueError("polyint: k must be a scalar or a rank-1 array of length 1 or >m.")
    p = _coefficients("polyint", p)
    for i in range(m):
        quotient = p / np.arange(shape_of(p)[0], 0, -1)
        constant = getitem(k, slice(i, i + 1))
        dtype = np.result_type(_dtype_of(quotient), _dtype_of(constant))
        p = concatenate([_as(quotient, dtype), _as(constant, dtype)], 0)
    return p


def poly(seq_of_zeros: Number) -> Number:
    """NumPy's ``poly`` of roots: the coefficients of ``prod(x - r)``, highest first.

    Args:
      seq_of_zeros: The roots, a 1-D array (traced or not). (NumPy's ``poly``
        of a square matrix, its characteristic polynomial, is not taken here.)

    Returns:
      ``len(seq_of_zeros) + 1`` coefficients, the first 1 (1.0 for no roots);
      float32 roots give float32 coefficients, integers float64, as in NumPy.

    Raises:
      ValueError: for an input of two axes or more.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.poly(np.array([1.0, 2.0]))
      array([ 1., -3.,  2.])
    """
    z = _coefficients("poly", seq_of_zeros) if isinstance(seq_of_zeros, list | tuple) \
        else atleast_1d(seq_of_zeros)
    if len(shape_of(z)) != 1:
        raise ValueError("poly: tapegrad takes the roots as a 1-D array; for a square "
                         "matrix's characteristic polynomial, take "
                         "tg.poly(eigenvalues) of its (real) eigenvalues.")
    n = shape_of(z)[0]
    if n == 0:
        return 1.0
    dtype = _dtype_of(z) if _dtype_of(z) in (np.float32, np.float64) else np.float64
    z = _as(z, dtype)
    a: Any = np.ones(1, dtype)
    for i in range(n):          # a * (x - z[i]): c[j] = a[j - 1] * (-z[i]) + a[j]
        scaled = a * -getitem(z, slice(i, i + 1))
        a = concatenate([getitem(a, slice(0, 1)),
                         getitem(scaled, slice(None, -1)) + getitem(a, slice(1, None)),
                         getitem(scaled, slice(-1, None))], 0)
    return a


def _sum_aligned(a1: Any, a2: Any, sign: float) -> Any:
    """NumPy's ``polyadd`` (sign 1) and ``polysub`` (-1): the shorter padded with leading zeros."""
    a1, a2 = atleast_1d(_stacked(a1)), atleast_1d(_stacked(a2))
    diff = shape_of(a2)[0] - shape_of(a1)[0]
    if diff > 0:
        a1 = concatenate([np.zeros(diff, _dtype_of(a1)), a1], 0)
    elif diff < 0:
        a2 = concatenate([np.zeros(-diff, _dtype_of(a2)), a2], 0)
    return a1 + a2 if sign > 0 else a1 - a2


def polyadd(a1: Number, a2: Number) -> Number:
    """NumPy's ``polyadd``: the coefficients (highest first) of the sum of two polynomials."""
    return _sum_aligned(a1, a2, 1.0)


def polysub(a1: Number, a2: Number) -> Number:
    """NumPy's ``polysub``: the coefficients of ``a1 - a2`` (highest first)."""
    return _sum_aligned(a1, a2, -1.0)


def polymul(a1: Number, a2: Number) -> Number:
    """NumPy's ``polymul``: the coefficients of the product, ``convolve(a1, a2)``."""
    return convolve(atleast_1d(_stacked(a1)), atleast_1d(_stacked(a2)))


def polyfit(x: Number, y: Number, deg: int, rcond: Any = None, full: bool = False,
            w: Number = None, cov: bool = False) -> Any:
    """NumPy's ``polyfit``: least-squares coefficients (highest first) of degree ``deg``.

    NumPy's steps: the Vandermonde matrix of ``x``, its columns scaled to
    unit norm, ``lstsq``, the scale undone; differentiable in ``x``, ``y``
    and the weights ``w`` (to about 1e-13 of NumPy's values: tapegrad's
    ``lstsq`` is its own).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> np.round(tg.polyfit(np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0]), 1), 12)
      array([2., 1.])
    """
    if cov:
        raise TypeError("polyfit: tapegrad does not take cov=True; the covariance is "
                        "np.linalg.inv(A.T @ A) * resids / (len(x) - deg - 1) with "
                        "A = np.vander(x, deg + 1).")
    order = int(deg) + 1
    x, y = _stacked(x) + 0.0, _stacked(y) + 0.0
    if deg < 0:                               # NumPy's checks, with NumPy's exceptions
        raise ValueError("polyfit: expected deg >= 0")
    if len(shape_of(x)) != 1 or shape_of(x)[0] == 0:
        raise TypeError(f"polyfit: expected a non-empty 1-D x (x has shape {shape_of(x)})")
    if len(shape_of(y)) not in (1, 2) or shape_of(x)[0] != shape_of(y)[0]:
        raise TypeError("polyfit: expected a 1-D or 2-D y as long as x (x has shape "
                        f"{shape_of(x)}, y {shape_of(y)})")
    if rcond is None:
        rcond = shape_of(x)[0] * np.finfo(_dtype_of(x)).eps
    lhs, rhs = vander(x, order), y
    if w is not None:
        w = _stacked(w) + 0.0
        lhs = lhs * getitem(w, (slice(None), None))
        rhs = rhs * (w if len(shape_of(rhs)) == 1 else getitem(w, (slice(None), None)))
    scale = sqrt(tg_sum(lhs * lhs, axis=0))
    c, resids, rank, s = lstsq(lhs / scale, rhs, rcond)
    c = c / scale if len(shape_of(c)) == 1 else c / getitem(scale, (slice(None), None))
    return (c, resids, rank, s, rcond) if full else c


# ------------------------------------------- NumPy's names on traced values
functions.update({
    np.polyadd: (polyadd, ()), np.polysub: (polysub, ()), np.polymul: (polymul, ()),
    np.polyfit: (polyfit, ("rcond", "full", "w", "cov")),
    np.vander: (vander, ("N", "increasing")),
    np.polyder: (polyder, ("m",)), np.polyint: (polyint, ("m", "k")),
    np.poly: (poly, ()),
})
