"""Special functions on plain numbers, computed with NumPy and ``math`` only.

Each function takes a float64 NumPy array (any shape, 0-d included) and
returns one of the same shape. They are the implementations behind the
primitives of ``tapegrad.scipy.special``; ``run`` adapts them to every kind
of plain number (a float gives a float, float32 stays float32). Accuracy
against SciPy is about 1e-15 relative (absolute near a zero of the
function): recurrences to a large argument, then the asymptotic series.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

Array = np.ndarray
_F64 = np.float64
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_SQRT_HALF = math.sqrt(0.5)


def run(f: Callable[..., Array], *args: Any) -> Any:
    """``f`` on plain numbers of any kind, as a NumPy ufunc would return it.

    Python and float64 scalars give a float; float32 (or float16) in gives
    float32 out; integer data gives float64.
    """
    with np.errstate(all="ignore"):
        if all(type(a) is float or type(a) is int or type(a) is _F64 for a in args):
            return float(f(*(np.asarray(a, dtype=_F64) for a in args)))
        arrays = [np.asarray(a) for a in args]
        floats = [a.dtype for a, v in zip(arrays, args)       # an order n is no float, and
                  if a.dtype.kind == "f" and type(v) is not float]   # a Python float is weak
        dtype = np.result_type(*floats) if floats else _F64
        r = f(*(a.astype(_F64) for a in arrays))
    r = r.astype(dtype, copy=False)
    return r if any(a.ndim for a in arrays) else r[()]


def _map(fn: Callable[[float], float]) -> Callable[[Array], Array]:
    """A ``math`` function applied to each element (exact, as ``math`` is)."""
    vec = np.frompyfunc(fn, 1, 1)

    def apply(x: Array) -> Array:
        return np.asarray(vec(x), dtype=_F64)
    return apply


def _lgamma(x: float) -> float:
    try:
        return math.lgamma(x)
    except ValueError:           # a pole: 0, -1, -2, ...
        return math.inf


def _gamma(x: float) -> float:
    try:
        return math.gamma(x)
    except ValueError:           # a pole: inf at 0 (with its sign), nan at -1, -2, ...
        return math.copysign(math.inf, x) if x == 0 else math.nan
    except OverflowError:
        return math.inf


erf = _map(math.erf)
erfc = _map(math.erfc)
gammaln = _map(_lgamma)
gamma = _map(_gamma)


def loggamma(x: Array) -> Array:
    """SciPy's ``loggamma`` of real numbers: ``gammaln``, ``nan`` below 0 (``-0.0`` is 0)."""
    return np.where(x < 0, np.nan, gammaln(x))


def axes(axis: Any, nd: int) -> tuple[int, ...]:
    """``axis`` (an int or a sequence of ints) as nonnegative axes of ``nd``."""
    return tuple(int(a) % nd for a in (axis if isinstance(axis, tuple | list) else (axis,)))


def shape(x: Any) -> tuple[int, ...]:
    """The shape of an array, traced or not, or of a Python number or list."""
    shape = getattr(x, "shape", None)
    return tuple(shape) if shape is not None else np.shape(x)


def _tanpi(x: Array) -> Array:
    """``tan(pi * x)`` with the period removed exactly first."""
    return np.tan(math.pi * (x - np.round(x)))


_PSI_ASYMPTOTIC = (1.0 / 12, -1.0 / 120, 1.0 / 252, -1.0 / 240, 1.0 / 132,
                   -691.0 / 32760, 1.0 / 12)   # B_2k / (2k), alternating as subtracted


def digamma(x: Array) -> Array:
    """The digamma function: reflection below 1/2, recurrence up to 10, asymptotic series."""
    x = np.array(x, dtype=_F64)
    out = np.zeros_like(x)
    low = x < 0.5
    if low.any():            # psi(x) = psi(1 - x) - pi / tan(pi x); nan at the poles
        xl = x[low]
        t = _tanpi(xl)
        with np.errstate(all="ignore"):
            reflected = -math.pi / t
        pole = np.where(xl == 0, -np.copysign(np.inf, xl), np.nan)   # digamma(-0.0) = inf
        out[low] = np.where(t == 0, pole, reflected)
        x[low] = 1.0 - xl
    for _ in range(10):
        small = x < 10.0
        if not small.any():
            break
        out[small] -= 1.0 / x[small]
        x[small] += 1.0
    inv2 = 1.0 / (x * x)
    series = np.zeros_like(x)
    for c in reversed(_PSI_ASYMPTOTIC):
        series = (series + c) * inv2
    return out + (np.log(x) - 0.5 / x - series)


# B_2k / (2k)! for k = 1..10
_B2K_OVER_FACT = tuple(b / math.factorial(2 * k) for k, b in enumerate(
    (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510,
     43867 / 798, -174611 / 330), start=1))


def _zeta_tail(s: int, x: Array) -> Array:
    """Hurwitz ``zeta(s, x)`` for large ``x``: the Euler-Maclaurin series."""
    total = x ** (1 - s) / (s - 1) + 0.5 * x ** (-s)
    rising = float(s)                # s (s+1) ... (s+2k-2)
    power = x ** (-s - 1)
    for k, c in enumerate(_B2K_OVER_FACT, start=1):
        total = total + c * rising * power
        rising *= (s + 2 * k - 1) * (s + 2 * k)
        power = power / (x * x)
    return total


def polygamma(n: Array, x: Array) -> Array:
    """``psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x)``; ``digamma`` for ``n = 0``.

    Upward recurrence to ``x >= 20 + n``, then the Euler-Maclaurin series;
    below -50, the reflection ``psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi
    d^n/dx^n cot(pi x)`` (a step per unit from there would take as many
    steps as ``|x|``, and never end where ``x + 1 == x``).
    """
    n, x = np.broadcast_arrays(np.asarray(n, dtype=_F64), np.asarray(x, dtype=_F64))
    out = np.full(x.shape, np.nan)
    for order in np.unique(n[np.isfinite(n)]):
        if order < 0 or order != math.floor(order):
            continue
        at = n == order
        out[at] = digamma(x[at]) if order == 0 else _polygamma(int(order), x[at])
    return out


def _cot_derivative(n: int, x: Array) -> Array:
    """``d^n/dx^n cot(pi x)``: a polynomial in ``c = cot(pi x)``.

    Each polynomial is ``Q' (-pi (1 + c^2))`` of the last, from ``Q_0 = c``.
    """
    q = np.array([0.0, 1.0])                                  # Q_0 = c
    for _ in range(n):
        q = -math.pi * np.polynomial.polynomial.polymul([1.0, 0.0, 1.0],
                                                        np.polynomial.polynomial.polyder(q))
    with np.errstate(divide="ignore"):
        c = 1.0 / _tanpi(x)
    return np.polynomial.polynomial.polyval(c, q)


def _polygamma(n: int, x: Array) -> Array:
    x = np.array(x, dtype=_F64)
    s = n + 1
    acc = np.zeros_like(x)
    big = 20.0 + n
    pole = (x <= 0) & (x == np.floor(x))
    far = (x < -50.0) & ~pole               # by reflection, below
    reflected = x[far]
    x[pole | far] = big                     # filled in below
    while True:
        small = x < big
        if not small.any():
            break
        acc[small] += x[small] ** (-s)
        x[small] += 1.0
    sign = 1.0 if n % 2 else -1.0
    r = sign * math.factorial(n) * (acc + _zeta_tail(s, x))
    r[pole] = sign * np.inf           # zeta(n + 1, pole) = inf, as SciPy
    if reflected.size:
        r[far] = (-1.0) ** n * _polygamma(n, 1.0 - reflected) - math.pi * _cot_derivative(
            n, reflected)
    return r


# (2k-1)!! for the asymptotic series of log_ndtr
_DOUBLE_FACT = tuple(float(math.prod(range(1, 2 * k, 2))) for k in range(1, 16))


def log_ndtr(x: Array) -> Array:
    """``log(ndtr(x))``, accurate in both tails (as SciPy's).

    ``log1p(-ndtr(-x))`` above 0, ``log(ndtr(x))`` down to -20, and below
    the asymptotic series ``-x^2/2 - log(-x) - log(sqrt(2 pi)) +
    log(1 - 1/x^2 + 3/x^4 - ...)``.
    """
    x = np.asarray(x, dtype=_F64)
    out = np.empty_like(x)
    hi = x > 0
    out[hi] = np.log1p(-0.5 * erfc(x[hi] * _SQRT_HALF))
    mid = (x <= 0) & (x >= -20)
    out[mid] = np.log(0.5 * erfc(-x[mid] * _SQRT_HALF))
    lo = ~(hi | mid)
    out[lo] = _log_ndtr_tail(x[lo])
    return out


def _tail_series(x: Array) -> Array:
    """``-1/x^2 + 3/x^4 - 15/x^6 + ...``: ``ndtr(x) = pdf(x) / -x * (1 + series)``."""
    inv2 = 1.0 / (x * x)
    series = np.zeros_like(x)
    power = np.ones_like(x)
    for k, c in enumerate(_DOUBLE_FACT):
        power = power * inv2
        series = series + (c if k % 2 else -c) * power
    return series


def _log_ndtr_tail(x: Array) -> Array:
    with np.errstate(all="ignore"):
        r = -0.5 * x * x - np.log(-x) - _LOG_SQRT_2PI + np.log1p(_tail_series(x))
    return np.where(np.isnan(x), x, np.where(x == -np.inf, -np.inf, r))


def ndtr_ratio(x: Array) -> Array:
    """``pdf(x) / ndtr(x)``, the derivative of ``log_ndtr``: about ``-x`` far to the left."""
    x = np.asarray(x, dtype=_F64)
    with np.errstate(all="ignore"):
        near = np.exp(-0.5 * x * x - _LOG_SQRT_2PI - log_ndtr(x))
        far = -x / (1.0 + _tail_series(x))
    return np.where(x < -20, np.where(x == -np.inf, np.inf, far), near)


def ndtr_ratio_shift(x: Array) -> Array:
    """``x + pdf(x) / ndtr(x)``, the factor of ``log_ndtr''``: ``x s / (1 + s)`` below -20.

    There ``pdf / ndtr = -x / (1 + s)`` (``s`` the tail series), so the sum
    with ``x`` is worked out by hand instead of cancelling (to 0 at -1e10).
    """
    x = np.asarray(x, dtype=_F64)
    with np.errstate(all="ignore"):
        s = _tail_series(x)
        far = np.where(x == -np.inf, 0.0, x * s / (1.0 + s))
        near = x + ndtr_ratio(x)
    return np.where(x < -20, far, near)


def ndtr(x: Array) -> Array:
    """The standard normal CDF, ``erfc(-x / sqrt 2) / 2``."""
    return 0.5 * erfc(-np.asarray(x, dtype=_F64) * _SQRT_HALF)


def ndtri(p: Array) -> Array:
    """The inverse of ``ndtr``.

    ``sqrt(2) erfinv(2p - 1)`` in the middle (``2p - 1`` is exact there);
    in the tails a first guess (Abramowitz and Stegun 26.2.23), then Newton
    on ``log_ndtr(x) = log(p)``, well scaled however far out; the right
    tail is ``-ndtri(1 - p)``.
    """
    p = np.asarray(p, dtype=_F64)
    q = np.where(p > 0.5, 1.0 - p, p)                 # exact for p > 1/2 (Sterbenz)
    with np.errstate(all="ignore"):
        t = np.sqrt(-2.0 * np.log(q))
        x = -(t - (2.515517 + 0.802853 * t + 0.010328 * t * t)
              / (1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t ** 3))
        target = np.log(q)
        ok = (q > 0) & (q < 0.25)
        x = np.where(ok, x, -1.0)
        for _ in range(50):     # each number stops at its own step within 1e-16 of it,
            lc = log_ndtr(x)    # so its bits do not depend on the batch it is in
            step = np.where(ok, (lc - target) / np.exp(-0.5 * x * x - _LOG_SQRT_2PI - lc), 0.0)
            x = x - step
            ok = ok & ~(np.abs(step) <= 1e-16 * np.abs(x))
            if not np.any(ok):
                break
    x = np.where(p > 0.5, -x, x)
    x = np.where(q == 0, np.where(p > 0.5, np.inf, -np.inf), x)
    middle = (p >= 0.25) & (p <= 0.75)
    x = np.where(middle, math.sqrt(2.0) * _erfinv_middle(np.where(middle, 2.0 * p - 1.0, 0.0)), x)
    return np.where((p < 0) | (p > 1) | np.isnan(p), np.nan, x)


def _erfinv_middle(y: Array) -> Array:
    """``erfinv`` for ``|y| <= 1/2``: Newton on ``erf`` from ``y sqrt(pi) / 2``."""
    x = y * (0.5 * math.sqrt(math.pi))
    for _ in range(6):
        x = x - (erf(x) - y) / (2.0 / math.sqrt(math.pi) * np.exp(-x * x))
    return x


def erfinv(y: Array) -> Array:
    """The inverse of ``erf``: Newton on ``erf`` near 0, ``ndtri`` in the tails."""
    y = np.asarray(y, dtype=_F64)
    a = np.abs(y)
    inner = a <= 0.5
    tail = -ndtri(0.5 * (1.0 - a)) * _SQRT_HALF                    # 1 - a exact for a > 1/2
    x = np.where(inner, _erfinv_middle(np.where(inner, y, 0.0)), np.copysign(tail, y))
    return np.where(a > 1, np.nan, x)
