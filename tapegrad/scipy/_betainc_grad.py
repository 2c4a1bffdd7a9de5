"""The derivatives of ``I_x(a, b)`` in its shapes ``a`` and ``b``, on plain float64 arrays.

Forward mode through the two evaluations ``betainc`` uses (Boik and
Robison-Cox, 1998): the power series where ``b x <= 1`` and ``x <= 0.9``, each term's
derivative carried beside it (``(1 - b)_n`` by its recurrence, so an integer
``b`` that ends the series keeps its derivative); else Lentz's continued
fraction on the side where it converges fast, each partial numerator's
derivative carried through ``C``, ``D`` and the product, with the prefactor
``x^a y^b / B(a, b)``'s logarithmic derivative ``log x - psi(a) + psi(a + b)``.
Against mpmath: about 1e-13 relative where the fraction converges in its
usual few hundred terms (a large ``a`` with a small ``b`` near ``x = 1`` is
slower and less accurate).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._betainc import _betaln
from ._gammainc import _EPS, _MAX_TERMS, _TINY
from ._numerics import _F64, Array, digamma

_SERIES_TO = 0.9       # the series's last x (betainc's is 0.99): the fraction is quicker above

__all__ = ["betainc_da", "betainc_db", "betainc_grad", "stdtr_ddf"]


def _series_grad(a: Array, b: Array, x: Array) -> tuple[Array, Array]:
    """``dI/da`` and ``dI/db`` by the series ``I = x^a / B(a, b) sum_n t_n / (a + n)``."""
    t, dt = np.ones_like(x), np.zeros_like(x)
    s, sa, sb = 1.0 / a, 1.0 / (a * a), np.zeros_like(x)    # sum, -d/da and d/db of it
    idx, n = np.arange(x.size), 0
    while idx.size and n < _MAX_TERMS:
        n += 1
        bi, xi, ai = b[idx], x[idx], a[idx]
        dt[idx] = (dt[idx] * (n - bi) - t[idx]) * xi / n
        t[idx] *= (n - bi) * xi / n
        v, va, vb = t[idx] / (ai + n), t[idx] / (ai + n) ** 2, dt[idx] / (ai + n)
        s[idx] += v
        sa[idx] += va
        sb[idx] += vb
        big = np.maximum(np.abs(v), np.maximum(np.abs(va), np.abs(vb)))
        idx = idx[big > _EPS * np.minimum(np.abs(s[idx]), np.abs(sa[idx]))]
    front = np.exp(a * np.log(x) - _betaln(a, b))
    value = front * s
    psi_ab = digamma(a + b)
    return (value * (np.log(x) - digamma(a) + psi_ab) - front * sa,
            value * (psi_ab - digamma(b)) + front * sb)


def _guard(v: Array) -> Array:
    return np.where(np.abs(v) < _TINY, _TINY, v)


def _fraction_grad(a: Array, b: Array, x: Array, y: Array) -> tuple[Array, Array]:
    """``dI/da`` and ``dI/db`` by ``I = x^a y^b / (a B(a, b)) h``, ``h`` the fraction."""
    d0 = 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / _guard(d0)
    dd = [-d * d * (-x * (1.0 - b) / (a + 1.0) ** 2), -d * d * (-x / (a + 1.0))]
    c, dc = np.ones_like(x), [np.zeros_like(x), np.zeros_like(x)]
    h, dh = d.copy(), [dd[0].copy(), dd[1].copy()]        # dh: h's derivatives, as h * dlog
    idx, m = np.arange(x.size), 0
    while idx.size and m < _MAX_TERMS:
        m += 1
        ai, bi, xi = a[idx], b[idx], x[idx]
        even = m * (bi - m) * xi / ((ai - 1.0 + 2 * m) * (ai + 2 * m))
        odd = -(ai + m) * (ai + bi + m) * xi / ((ai + 2 * m) * (ai + 1.0 + 2 * m))
        steps = ((even, [-even * (1.0 / (ai - 1.0 + 2 * m) + 1.0 / (ai + 2 * m)),
                         m * xi / ((ai - 1.0 + 2 * m) * (ai + 2 * m))]),
                 (odd, [odd * (1.0 / (ai + m) + 1.0 / (ai + bi + m) - 1.0 / (ai + 2 * m)
                               - 1.0 / (ai + 1.0 + 2 * m)), odd / (ai + bi + m)]))
        for aa, daa in steps:
            di = 1.0 / _guard(1.0 + aa * d[idx])
            ci = _guard(1.0 + aa / c[idx])
            ddi = [-di * di * (daa[k] * d[idx] + aa * dd[k][idx]) for k in (0, 1)]
            dci = [daa[k] / c[idx] - aa * dc[k][idx] / c[idx] ** 2 for k in (0, 1)]
            delta = di * ci
            for k in (0, 1):
                ddelta = ddi[k] * ci + di * dci[k]
                dh[k][idx] = dh[k][idx] * delta + h[idx] * ddelta
                dd[k][idx], dc[k][idx] = ddi[k], dci[k]
            d[idx], c[idx] = di, ci
            h[idx] *= delta
        change = np.maximum(np.abs(ddi[0] * ci + di * dci[0]), np.abs(ddi[1] * ci + di * dci[1]))
        idx = idx[(np.abs(delta - 1.0) > _EPS)
                  | (change > _EPS * (1.0 + np.abs(dh[0][idx] / h[idx]) + np.abs(dh[1][idx]
                                                                            / h[idx])))]
    log_x, log_y = np.where(y < 0.5, np.log1p(-y), np.log(x)), np.where(x < 0.5, np.log1p(-x),
                                                                         np.log(y))
    value = np.exp(a * log_x + b * log_y - _betaln(a, b)) * h / a
    psi_ab = digamma(a + b)
    return (value * (log_x - digamma(a) + psi_ab - 1.0 / a) + value * dh[0] / h,
            value * (log_y - digamma(b) + psi_ab) + value * dh[1] / h)


def _on2(mask: Array, f: Callable[..., tuple[Array, Array]],
         *args: Array) -> tuple[Array, Array]:
    """``f``'s two results where ``mask`` holds (nan elsewhere), computed on those only."""
    first, second = np.full(mask.shape, np.nan), np.full(mask.shape, np.nan)
    if mask.any():
        first[mask], second[mask] = f(*(v[mask] for v in args))
    return first, second


def _inside(a: Array, b: Array, x: Array, y: Array) -> tuple[Array, Array]:
    """Both derivatives on valid arguments, on ``betainc``'s side of the mean."""
    series = (b * x <= 1.0) & (x <= _SERIES_TO)
    swap = ~series & (x * (a + b + 2.0) > a + 1.0)
    a2, b2 = np.where(swap, b, a), np.where(swap, a, b)
    x2, y2 = np.where(swap, y, x), np.where(swap, x, y)
    series = (b2 * x2 <= 1.0) & (x2 <= _SERIES_TO)
    by_series = _on2(series, _series_grad, a2, b2, x2)
    by_fraction = _on2(~series, _fraction_grad, a2, b2, x2, y2)
    da2, db2 = (np.where(series, s, f) for s, f in zip(by_series, by_fraction))
    return np.where(swap, -db2, da2), np.where(swap, -da2, db2)      # 1 - I_y(b, a)


def betainc_grad(a: Array, b: Array, x: Array, y: Array | None = None) -> tuple[Array, Array]:
    """``(dI/da, dI/db)`` of ``I_x(a, b)`` (``y = 1 - x`` if given, exact where the caller has it).

    0 at ``x = 0`` and ``x = 1``, nan where invalid.
    """
    x = np.asarray(x, dtype=_F64)
    y = 1.0 - x if y is None else y
    a, b, x, y = (np.array(v, dtype=_F64) for v in np.broadcast_arrays(a, b, x, y))
    ok = (a > 0) & (b > 0) & (x > 0) & (y > 0) & np.isfinite(a) & np.isfinite(b)
    with np.errstate(all="ignore"):
        grads = _on2(ok, _inside, a, b, x, y)
    ends = (a > 0) & (b > 0) & np.isfinite(a) & np.isfinite(b) & ((x == 0) | (y == 0))
    return np.where(ends, 0.0, grads[0]), np.where(ends, 0.0, grads[1])


def betainc_da(a: Array, b: Array, x: Array) -> Array:
    return betainc_grad(a, b, x)[0]


def betainc_db(a: Array, b: Array, x: Array) -> Array:
    return betainc_grad(a, b, x)[1]


def stdtr_ddf(df: Array, t: Array) -> Array:
    """``d stdtr(df, t) / d df``: the tail ``I_x(df/2, 1/2) / 2`` at ``x = df / (df + t^2)``.

    Its derivative is ``dI/da / 4 + density(x) dx/ddf / 2``, the second term
    ``x^(a-1) |t| (df + t^2)^(-3/2) / B(a, 1/2)`` written without ``1 - x``'s
    pole at ``t = 0``; the tail's sign flips for ``t > 0``.
    """
    df, t = (np.array(v, dtype=_F64) for v in np.broadcast_arrays(df, t))
    with np.errstate(all="ignore"):
        t2 = t * t
        w = df + t2
        huge = np.isinf(t2) & np.isfinite(t)
        x = np.where(huge, df / np.abs(t) / np.abs(t), df / w)
        a = 0.5 * df
        da = betainc_grad(a, np.full_like(df, 0.5), x, np.where(huge, 1.0, t2 / w))[0]
        slope = np.exp((a - 1.0) * np.log(x) - _betaln(a, np.full_like(df, 0.5))
                       - 1.5 * np.log(w)) * np.abs(t)
        g = 0.25 * da + 0.5 * np.where(np.isinf(w), 0.0, slope)
    r = np.where(t < 0, g, -g)
    r = np.where(np.isinf(t) | (df == np.inf), 0.0, r)
    return np.where((df > 0) & ~np.isnan(t), r, np.nan)
