"""``jax.scipy.special``'s series and recurrences: ``zeta``, ``bernoulli``, ``bessel_jn``, ``lpmn``.

All computed with NumPy and tapegrad's functions (no SciPy needed).
``zeta`` is a primitive (Euler-Maclaurin summation, as Cephes), with the
derivative ``-x zeta(x + 1, q)`` in ``q`` and, in ``x``, the same summation
of ``-log(q + k) (q + k)^-x`` (on Taylor series in ``dx``, to any order);
``bessel_jn`` (Miller's backward recurrence, JAX's) and ``lpmn`` / ``lpmn_values`` (the three-term
recurrences, JAX's) are written with tapegrad's operations, so they are
differentiated as they are computed.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction
from typing import Any

import numpy as np

from .. import kinks, logic, ops
from ..arrays import astype
from ..joins import stack
from ..primitive import defpartials, primitive
from . import _numerics as _n

__all__ = ["bernoulli", "bessel_jn", "lpmn", "lpmn_values", "zeta"]

Number = Any
_B2 = (Fraction(1, 6), Fraction(-1, 30), Fraction(1, 42), Fraction(-1, 30), Fraction(5, 66),
       Fraction(-691, 2730), Fraction(7, 6), Fraction(-3617, 510), Fraction(43867, 798),
       Fraction(-174611, 330), Fraction(854513, 138), Fraction(-236364091, 2730))
_EM = tuple(float(b) / math.factorial(2 * j) for j, b in enumerate(_B2, start=1))


def _hurwitz(s: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``sum_k (q + k)^-s``: 10 terms, then Euler-Maclaurin's tail with 12 Bernoulli terms."""
    s, q = np.broadcast_arrays(s, q)
    total = np.zeros(s.shape)
    for k in range(10):
        total = total + (q + k) ** -s
    w = q + 10.0
    total = total + w ** (1.0 - s) / (s - 1.0) + 0.5 * w ** -s
    factor = s * w ** (-s - 1.0)              # s (s+1) ... (s+2j-2) w^(-s-2j+1)
    for j, c in enumerate(_EM, start=1):
        total = total + c * factor
        factor = factor * (s + 2 * j - 1) * (s + 2 * j) / (w * w)
    total = np.where(s == 1.0, np.inf, total)
    return np.where((s < 1.0) | (q <= 0.0), np.nan, total)


def _zeta_impl(x: Any, q: Any) -> Any:
    return _n.run(_hurwitz, x, q)


def _jet(a: list[np.ndarray], b: list[np.ndarray]) -> list[np.ndarray]:
    """The product of two Taylor series in ``ds`` (coefficient lists), truncated to their length."""
    return [sum(a[i] * b[k - i] for i in range(k + 1)) for k in range(len(a))]


def _hurwitz_dx(n: int, s: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``d^n/ds^n zeta(s, q) = sum_k (-log(q + k))^n (q + k)^-s``, ``n >= 1``.

    ``_hurwitz``'s Euler-Maclaurin sum computed on Taylor series in ``ds`` to
    order ``n`` (``w^-(s + ds) = w^-s exp(-ds log w)``, ``1 / (s + ds - 1)``,
    the rising factorials ``(s + ds) ... (s + ds + 2j - 2)``): ``n!`` times the
    coefficient of ``ds^n``.
    """
    s, q = np.broadcast_arrays(s, q)
    zero, one = np.zeros(s.shape), np.ones(s.shape)

    def power(w: np.ndarray) -> list[np.ndarray]:      # w^-(s + ds)
        head, log = w ** -s, -np.log(w)
        return [head * log ** i / math.factorial(i) for i in range(n + 1)]

    def rising(c: float) -> list[np.ndarray]:          # s + ds + c
        return [s + c, one] + [zero] * (n - 1)

    total = [zero] * (n + 1)
    for k in range(10):
        total = [t + p for t, p in zip(total, power(q + k))]
    w = q + 10.0
    tail = _jet([w * p for p in power(w)], [(-1.0) ** i / (s - 1.0) ** (i + 1)
                                            for i in range(n + 1)])
    total = [t + a + 0.5 * p for t, a, p in zip(total, tail, power(w))]
    factor = _jet(rising(0.0), [p / w for p in power(w)])
    for j, c in enumerate(_EM, start=1):
        total = [t + c * f for t, f in zip(total, factor)]
        factor = [f / (w * w) for f in _jet(_jet(factor, rising(2 * j - 1)), rising(2 * j))]
    out = math.factorial(n) * total[n]
    out = np.where(s == 1.0, np.nan, out)
    return np.where((s < 1.0) | (q <= 0.0), np.nan, out)


@functools.cache
def _zeta_dx(n: int) -> Any:
    """The primitive ``d^n/dx^n zeta(x, q)`` (``_zeta`` for ``n = 0``), differentiable in both.

    In ``q``: ``-n Z_(n-1)(x + 1, q) - x Z_n(x + 1, q)``, ``Z_n`` the ``n``-th.
    """
    if n == 0:
        return _zeta
    p = primitive(lambda x, q: _n.run(functools.partial(_hurwitz_dx, n), x, q),
                  f"zeta_dx{n}", elementwise=True, check_rules=False)
    defpartials(p, lambda ans, x, q: _zeta_dx(n + 1)(x, q),
                lambda ans, x, q: -n * _zeta_dx(n - 1)(x + 1.0, q) - x * p(x + 1.0, q))
    return p


_zeta = primitive(_zeta_impl, "zeta", elementwise=True, check_rules=False)
defpartials(_zeta, lambda ans, x, q: _zeta_dx(1)(x, q),
            lambda ans, x, q: -x * _zeta(x + 1.0, q))


def zeta(x: Number, q: Number = None) -> Number:
    """The Hurwitz zeta function ``sum_k (q + k)^-x`` (Riemann's, ``q = 1``, for ``q=None``).

    For ``x > 1`` and ``q > 0`` (``inf`` at ``x = 1``, ``nan`` elsewhere; SciPy
    continues Riemann's below 1). Differentiable in ``x`` and ``q`` to every
    order: in ``x``, ``-sum_k log(q + k) (q + k)^-x`` by the same summation.

    Args:
      x: The exponent.
      q: The shift (``None``: 1, Riemann's zeta).

    Returns:
      The sum, broadcast over ``x`` and ``q``; float32 stays float32.

    Examples:
      >>> import tapegrad as tg
      >>> round(float(zeta(2.0)), 14), round(tg.grad(zeta, argnums=1)(2.0, 1.0), 12)
      (1.64493406684823, -2.404113806319)
    """
    return _zeta(x, 1.0 if q is None else q)


def bernoulli(n: int) -> np.ndarray:
    """The Bernoulli numbers ``B_0 .. B_n`` as float64 (``B_1 = -1/2``, SciPy's).

    Examples:
      >>> bernoulli(4)
      array([ 1.        , -0.5       ,  0.16666667,  0.        , -0.03333333])
    """
    if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 0:
        raise ValueError(f"bernoulli: n must be a non-negative integer, got {n!r}.")
    a: list[Fraction] = []
    out: list[Fraction] = []
    for m in range(int(n) + 1):              # Akiyama-Tanigawa
        a.append(Fraction(1, m + 1))
        for j in range(m, 0, -1):
            a[j - 1] = j * (a[j - 1] - a[j])
        out.append(a[0])
    if n >= 1:
        out[1] = Fraction(-1, 2)
    return np.array([float(b) for b in out])


def bessel_jn(z: Number, *, v: int, n_iter: int = 50) -> Number:
    """``J_0(z) .. J_v(z)`` by Miller's backward recurrence (JAX's ``bessel_jn``).

    Args:
      z: Where to evaluate (real; ``nan`` at 0, as JAX's), computed in float64.
      v: The highest order, an int.
      n_iter: The recurrence's start; more for a larger ``|z|`` (JAX's rule of thumb).

    Returns:
      An array of shape ``(v + 1, *z.shape)``, differentiable in ``z``.
    """
    if not isinstance(v, int | np.integer) or v < 0 or n_iter < v:
        raise ValueError(f"bessel_jn: v must be a non-negative int at most n_iter, got v={v!r}, "
                         f"n_iter={n_iter!r}.")
    dtype = np.result_type(getattr(z, "dtype", np.float64), np.float32)
    z = astype(z, np.float64)               # float32 would overflow on the way down
    f0, f1, total = 0.0 * z, 0.0 * z + 1e-16, 0.0 * z
    values: list[Any] = []
    for k in range(n_iter, -1, -1):
        f = 2.0 * (k + 1.0) * f1 / z - f0
        if k % 2 == 0:
            total = total + 2.0 * f
        if k <= v:
            values.append(f)
        big = kinks.where(logic.gt(kinks.abs(f), 1e200), 1e-200, 1.0)    # rescale, JAX doesn't
        f0, f1, total, values = f1 * big, f * big, total * big, [u * big for u in values]
    return astype(stack(values[::-1]) / (total - f1), dtype)


def _check_lpmn(m: int, n: int, z: Any) -> None:
    if np.ndim(z) != 1:
        raise ValueError(f"lpmn: z must be a 1-D array, got shape {np.shape(z)}.")
    if m != n:
        raise NotImplementedError(f"lpmn: m must equal n (as JAX's), got m={m}, n={n}.")


def _legendre_rows(n: int, z: Any, normalized: bool) -> list[list[Any]]:
    """``P[m][l]`` for ``0 <= m <= l <= n`` (0 above): diagonal, next, then three terms."""
    zero = 0.0 * z
    p = [[zero] * (n + 1) for _ in range(n + 1)]
    p[0][0] = zero + (0.5 / math.sqrt(math.pi) if normalized else 1.0)
    root = ops.sqrt(1.0 - z * z)
    for deg in range(1, n + 1):
        factor = -math.sqrt(1.0 + 0.5 / deg) if normalized else 1.0 - 2.0 * deg
        p[deg][deg] = factor * root * p[deg - 1][deg - 1]
    for m in range(n):
        p[m][m + 1] = (math.sqrt(2.0 * m + 3.0) if normalized else 2.0 * m + 1.0) * z * p[m][m]
        for deg in range(m + 2, n + 1):
            if normalized:
                d0 = math.sqrt((4.0 * deg * deg - 1.0) / (deg * deg - m * m))
                d1 = math.sqrt((2.0 * deg + 1.0) * ((deg - 1.0) ** 2 - m * m)
                               / ((2.0 * deg - 3.0) * (deg * deg - m * m)))
            else:
                d0, d1 = (2.0 * deg - 1.0) / (deg - m), (deg + m - 1.0) / (deg - m)
            p[m][deg] = d0 * z * p[m][deg - 1] - d1 * p[m][deg - 2]
    return p


def lpmn_values(m: int, n: int, z: Number, is_normalized: bool) -> Number:
    """The associated Legendre functions ``P_l^m(z)``, ``0 <= m, l <= n`` (JAX's ``lpmn_values``).

    With the Condon-Shortley phase; ``is_normalized`` multiplies by
    ``sqrt((2l + 1) / (4 pi) (l - m)! / (l + m)!)``.

    Args:
      m: The highest order, equal to ``n``.
      n: The highest degree.
      z: A 1-D array of points in ``[-1, 1]``.
      is_normalized: Whether to normalize (as spherical harmonics do).

    Returns:
      An array of shape ``(n + 1, n + 1, len(z))``: order, degree, point.
    """
    _check_lpmn(m, n, z)
    return stack([stack(row) for row in _legendre_rows(n, z, is_normalized)])


def lpmn(m: int, n: int, z: Number) -> tuple[Number, Number]:
    """``P_l^m(z)`` and ``dP_l^m/dz`` for ``0 <= m, l <= n`` (JAX's ``lpmn``), ``|z| < 1``.

    The derivative is ``(l z P_l^m - (l + m) P_{l-1}^m) / (z^2 - 1)`` (DLMF 14.10.5).
    """
    _check_lpmn(m, n, z)
    p = _legendre_rows(n, z, False)
    zero, w = 0.0 * z, z * z - 1.0
    d = [[zero if k > deg else (deg * z * p[k][deg] - (deg + k) * (
        p[k][deg - 1] if deg > k else zero)) / w for deg in range(n + 1)] for k in range(n + 1)]
    return (stack([stack(row) for row in p]), stack([stack(row) for row in d]))
