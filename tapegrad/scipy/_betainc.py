"""The regularized incomplete beta function and Student's t CDF on plain float64 arrays.

``betainc`` (and ``betainc2``, given ``x`` and ``1 - x`` both) chooses as
Cephes and Numerical Recipes do: the power series where ``b x`` is small,
else Lentz's continued fraction on the side of ``(a + 1) / (a + b + 2)``
where it converges fast, DiDonato and Morris's BGRAT there for a large
``a`` and small ``b``; the prefactor ``x^a y^b / B(a, b)`` centred on the
mean where both shapes are large. Against mpmath: about 1e-13 relative
(``|E| * 2e-16`` for a value ``exp(E)`` far in a tail), up to 1e-11 when
both shapes exceed 1e6; Boost's (SciPy's) is further off in far tails.
"""

from __future__ import annotations

import math

import numpy as np

from ._gammainc import (
    _EPS,
    _MAX_TERMS,
    _STIRLING_FROM,
    _TINY,
    _gamma_prefactor,
    _log1pmx,
    _on,
    _stirling,
    gammaincc,
)
from ._numerics import _F64, _LOG_SQRT_2PI, Array, gammaln, ndtr


def _two_prod(x: Array, y: Array) -> tuple[Array, Array]:
    """``x * y = p + e`` exactly (Dekker's product, Veltkamp's split)."""
    p = x * y
    split = 134217729.0                  # 2^27 + 1
    xc, yc = split * x, split * y
    xh, yh = xc - (xc - x), yc - (yc - y)
    xl, yl = x - xh, y - yh
    return p, ((xh * yh - p) + xh * yl + xl * yh) + xl * yl


def _times_sum_minus(x: Array, a: Array, b: Array) -> Array:
    """``x (a + b) - a`` without the rounding of ``a + b`` and of the product."""
    s = a + b
    bv = s - a
    s_lo = (a - (s - bv)) + (b - bv)    # a + b = s + s_lo exactly (Knuth's TwoSum)
    p, e = _two_prod(x, s)
    return (p - a) + (e + x * s_lo)


def _betaln(a: Array, b: Array) -> Array:
    """``log B(a, b)``: with Stirling's series where one or both are large (no cancellation)."""
    small, large = np.minimum(a, b), np.maximum(a, b)
    direct = gammaln(a) + gammaln(b) - gammaln(a + b)
    lg = np.where(large >= _STIRLING_FROM, large, _STIRLING_FROM)
    # lgamma(L) - lgamma(L + s) = -s log L - (L + s - 1/2) log1p(s / L) + s + corrections
    diff = (-small * np.log(lg) - (lg + small - 0.5) * np.log1p(small / lg) + small
            + _stirling(lg) - _stirling(lg + small))
    one_large = gammaln(np.where(small > 0, small, 1.0)) + diff
    sm = np.where(small >= _STIRLING_FROM, small, _STIRLING_FROM)
    both_large = (_LOG_SQRT_2PI - 0.5 * np.log(lg + sm) + (sm - 0.5) * np.log(sm / (lg + sm))
                  + (lg - 0.5) * np.log(lg / (lg + sm))
                  + _stirling(sm) + _stirling(lg) - _stirling(lg + sm))
    return np.where(large < _STIRLING_FROM, direct,
                    np.where(small < _STIRLING_FROM, one_large, both_large))


def betaln(a: Array, b: Array) -> Array:
    """SciPy's ``betaln``: ``log(abs(B(a, b)))``; Stirling's series only for positive shapes."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=_F64), np.asarray(b, dtype=_F64))
    positive = (a > 0) & (b > 0) & np.isfinite(a) & np.isfinite(b)
    r = np.where(positive, _betaln(np.where(positive, a, 1.0), np.where(positive, b, 1.0)),
                 gammaln(a) + gammaln(b) - gammaln(a + b))
    return np.where((a > 0) & (b > 0) & np.isinf(a + b), -np.inf, r)      # B(inf, b) = 0


def _beta_prefactor(a: Array, b: Array, x: Array, y: Array) -> Array:
    """``x^a y^b / B(a, b)`` (``y = 1 - x``), centred on the mean for large ``a, b``.

    There, with ``x0 = a / (a + b)``, it is
    ``sqrt(a b / 2 pi (a + b)) exp(a lpm(x / x0) + b lpm(y / y0))``.

    Each log is taken of the smaller of ``x, y`` (the one given exactly, or
    ``log1p`` of it), and ``x (a + b) - a = -(y (a + b) - b)`` from it.
    """
    both = (a >= _STIRLING_FROM) & (b >= _STIRLING_FROM)
    log_x = np.where(y < 0.5, np.log1p(-y), np.log(x))
    log_y = np.where(x < 0.5, np.log1p(-x), np.log(y))
    direct = np.exp(a * log_x + b * log_y - _betaln(a, b))
    ab = np.where(both, a, _STIRLING_FROM)
    bb = np.where(both, b, _STIRLING_FROM)
    s = ab + bb
    d = np.where(x <= y, _times_sum_minus(x, ab, bb), -_times_sum_minus(y, bb, ab))
    scaled = (np.sqrt(ab * bb / (2.0 * math.pi * s))
              * np.exp(ab * _log1pmx(d, ab, x * s / ab)
                       + bb * _log1pmx(-d, bb, y * s / bb)
                       + _stirling(s) - _stirling(ab) - _stirling(bb)))
    return np.where(both, scaled, direct)


def _beta_series(a: Array, b: Array, x: Array) -> Array:
    """The power series of ``I_x(a, b) B(a, b) / x^a`` (Cephes's ``pseries``).

    ``1/a + sum_n (1-b)(2-b)...(n-b) x^n / (n! (a + n))``, for ``b x <= 1``
    and ``x <= 0.99`` (Cephes stops at 0.95; beyond, ``1 - I_y(b, a)`` loses
    digits where a small ``b`` makes ``I`` small; further, the series does).
    """
    t = np.ones_like(x)
    total = 1.0 / a
    idx = np.arange(x.size)
    k = 0
    while idx.size and k < _MAX_TERMS:
        k += 1
        t[idx] *= (k - b[idx]) * x[idx] / k
        v = t[idx] / (a[idx] + k)
        total[idx] += v
        idx = idx[np.abs(v) > _EPS * np.abs(total[idx])]
    return total


def _beta_fraction(a: Array, b: Array, x: Array) -> Array:
    """The continued fraction of ``I_x(a, b) a B(a, b) / (x^a y^b)`` (modified Lentz).

    It converges fast for ``x < (a + 1) / (a + b + 2)``.
    """
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = np.ones_like(x)
    d = 1.0 - qab * x / qap
    d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
    h = d.copy()
    idx = np.arange(x.size)
    m = 0
    while idx.size and m < _MAX_TERMS:
        m += 1
        ai, bi, xi = a[idx], b[idx], x[idx]
        for aa in (m * (bi - m) * xi / ((qam[idx] + 2 * m) * (ai + 2 * m)),
                   -(ai + m) * (qab[idx] + m) * xi / ((ai + 2 * m) * (qap[idx] + 2 * m))):
            di = 1.0 + aa * d[idx]
            di = 1.0 / np.where(np.abs(di) < _TINY, _TINY, di)
            ci = 1.0 + aa / c[idx]
            ci = np.where(np.abs(ci) < _TINY, _TINY, ci)
            d[idx], c[idx] = di, ci
            delta = di * ci
            h[idx] *= delta
        idx = idx[np.abs(delta - 1.0) > _EPS]
    return h


def _betainc_in(a: Array, b: Array, x: Array, y: Array) -> Array:
    """``I_x(a, b)`` on valid arguments: the series, BGRAT or the fraction.

    The power series where ``b x <= 1`` (as Cephes); else the side where the
    fraction converges fast (Numerical Recipes), ``1 - I_y(b, a)`` above
    ``(a + 1) / (a + b + 2)``; BGRAT there for a large ``a`` and small ``b``.
    """
    series = (b * x <= 1.0) & (x <= 0.99)
    swap = ~series & (x * (a + b + 2.0) > a + 1.0)
    a2, b2 = np.where(swap, b, a), np.where(swap, a, b)
    x2, y2 = np.where(swap, y, x), np.where(swap, x, y)
    series = (b2 * x2 <= 1.0) & (x2 <= 0.99)
    with np.errstate(all="ignore"):
        log_x = np.where(y2 < 0.5, np.log1p(-y2), np.log(x2))
        by_series = np.exp(a2 * log_x - _betaln(a2, b2)) * _on(series, _beta_series, a2, b2, x2)
        by_fraction = (_beta_prefactor(a2, b2, x2, y2) * _on(~series, _beta_fraction, a2, b2, x2)
                       / a2)
        large_a = ~series & (a2 >= 15.0) & (b2 <= _BGRAT_B)
        by_large_a = _on(large_a, _beta_large_a, a2, b2, x2, y2)
    r = np.where(series, by_series, np.where(large_a, by_large_a, by_fraction))
    return np.where(swap, 1.0 - r, r)


def betainc2(a: Array, b: Array, x: Array, y: Array) -> Array:
    """``I_x(a, b)`` given ``x`` and ``y = 1 - x`` both (each exact where the caller has it)."""
    a, b, x, y = (np.array(v, dtype=_F64) for v in np.broadcast_arrays(a, b, x, y))
    ok = (a > 0) & (b > 0) & (x > 0) & (y > 0) & np.isfinite(a) & np.isfinite(b)
    r = np.where(ok, _on(ok, _betainc_in, a, b, x, y), np.nan)
    valid = (a >= 0) & (b >= 0) & (x >= 0) & (y >= 0) & ~((a == 0) & (b == 0)) \
        & ~(np.isinf(a) & np.isinf(b))
    r = np.where(valid & ((b == 0) | (np.isinf(a) & (y > 0))) & (a > 0), 0.0, r)
    r = np.where(valid & ((a == 0) | (np.isinf(b) & (x > 0))) & (b > 0), 1.0, r)
    return np.where(valid & (x == 0), 0.0, np.where(valid & (y == 0), 1.0, r))   # SciPy's ends


def betainc(a: Array, b: Array, x: Array) -> Array:
    """The regularized incomplete beta function ``I_x(a, b)`` (SciPy's ``betainc``).

    Lentz's evaluation of the continued fraction, on the side of the mean
    where it converges fast (``1 - I_y(b, a)`` on the other); the prefactor
    ``x^a y^b / B(a, b)`` centred on the mean where both shapes are large.
    """
    x = np.asarray(x, dtype=_F64)
    return betainc2(a, b, x, np.where((x >= 0) & (x <= 1), 1.0 - x, np.nan))


def stdtr(df: Array, t: Array) -> Array:
    """Student's t CDF with ``df`` degrees of freedom (SciPy's ``stdtr``).

    The tail ``P(T < -|t|) = I_x(df/2, 1/2) / 2`` with ``x = df / (df + t^2)``
    and ``1 - x = t^2 / (df + t^2)`` both computed directly; ``ndtr`` for an
    infinite ``df``.
    """
    df, t = (np.array(v, dtype=_F64) for v in np.broadcast_arrays(df, t))
    t2 = t * t
    w = df + t2
    huge = np.isinf(t2) & np.isfinite(t)                 # t^2 overflows: x = df / t / t
    x = np.where(huge, df / np.abs(t) / np.abs(t), df / w)
    tail = 0.5 * betainc2(0.5 * df, np.full_like(df, 0.5), x, np.where(huge, 1.0, t2 / w))
    tail = np.where(np.isinf(t), 0.0, tail)
    r = np.where(t < 0, tail, 1.0 - tail)
    r = np.where(df == np.inf, ndtr(t), r)
    return np.where((df > 0) & ~np.isnan(t), r, np.nan)


def _lgamma_ratio(a: Array, b: Array) -> Array:
    """``lgamma(a + b) - lgamma(a)`` for ``a >= 10`` (Stirling's series, no cancellation)."""
    return (b * np.log(a) + (a + b - 0.5) * np.log1p(b / a) - b
            + _stirling(a + b) - _stirling(a))


_BGRAT_B = 10.0
_ODD_FACT = tuple(float(math.factorial(k)) for k in range(1, 70, 2))    # 1!, 3!, 5!, ...


def _beta_large_a(a: Array, b: Array, x: Array, y: Array) -> Array:
    """``I_x(a, b)`` for large ``a`` and small ``b``: DiDonato and Morris's BGRAT.

    An expansion in incomplete gamma functions of ``u = -(a + (b - 1)/2) log x``
    (their eq. 9, as Boost's ``beta_small_b_large_a_series``); well conditioned
    where the continued fraction in ``x`` near 1 is not.
    """
    bm1 = b - 1.0
    t = a + 0.5 * bm1
    lx = np.where(y < 0.35, np.log1p(-y), np.log(x))
    u = -t * lx
    h = _gamma_prefactor(b, u)
    prefix = h * np.exp(_lgamma_ratio(a, b) - b * np.log(t))
    j = gammaincc(b, u) / h
    total = prefix * j
    lx2 = (0.5 * lx) ** 2
    lxp = np.ones_like(x)
    t4 = 4.0 * t * t
    b2n = b.copy()
    p = [np.ones_like(x)]
    for n in range(1, 30):
        pn = np.zeros_like(x)
        for m in range(1, n):
            pn = pn + (m * b - n) * p[n - m] / _ODD_FACT[m]
        pn = pn / n + bm1 / _ODD_FACT[n]
        p.append(pn)
        j = (b2n * (b2n + 1.0) * j + (u + b2n + 1.0) * lxp) / t4
        lxp = lxp * lx2
        b2n = b2n + 2.0
        total = total + prefix * pn * j
    return np.where(h > 0, total, 0.0)          # u so large that I underflows
