"""More of ``jax.scipy.special``: the gamma family's relatives, and SciPy's functions by name.

``gammasgn``, ``rgamma``, ``beta``, ``poch``, ``exp1``, ``expi`` and ``spence`` are
computed with NumPy and tapegrad's primitives (no SciPy needed), as is ``i0``
and ``i0e`` (NumPy's own algorithm, ``tapegrad.bessel``). ``expn``,
``i1``, ``i1e``, ``fresnel``, ``hyp1f1``, ``hyp2f1`` and the
spherical Bessel functions call SciPy's ufunc, whose twin (``_twins_more``)
gives the derivatives: they need SciPy, and say so when it is missing.
"""

from __future__ import annotations

import importlib
import math
from typing import Any

import numpy as np

from .. import kinks, logic, ops
from ..arrays import astype, floor
from ..bessel import _I0_LARGE, _I0_SMALL, _chbevl
from ..bessel import i0 as i0
from ..primitive import defpartials
from ..values import primal_value
from . import _numerics as _n
from ._gamma_family import _elementwise, betaln, digamma, gamma, gammaln

__all__ = ["beta", "exp1", "expi", "expn", "fresnel", "gammasgn", "hyp1f1", "hyp2f1", "i0",
           "i0e", "i1", "i1e", "poch", "rgamma", "spence", "spherical_in", "spherical_jn",
           "spherical_kn", "spherical_yn"]

Number = Any


def _gammasgn(x: Any) -> Any:
    floor = np.floor(x)
    out = np.where(floor % 2 == 0, 1.0, -1.0)
    out = np.where(x > 0, 1.0, out)
    out = np.where((x < 0) & (floor == x), np.nan, out)      # the poles -1, -2, ..., and -inf
    out = np.where(x == 0, np.copysign(1.0, x), out)
    return np.where(np.isnan(x), np.nan, out)


def _rgamma(x: Any) -> Any:
    return np.where((x <= 0) & (np.floor(x) == x), 0.0, 1.0 / _n.gamma(x))


gammasgn = _elementwise(_gammasgn, "gammasgn", "The sign of the gamma function: 1 or -1 "
                        "(``nan`` at the poles -1, -2, ...); its derivative is 0.")
defpartials(gammasgn, 0.0)
rgamma = _elementwise(_rgamma, "rgamma", "``1 / gamma(x)``: 0 at the poles 0, -1, -2, ...")
defpartials(rgamma, lambda ans, x: -ans * digamma(x))


_EULER = 0.5772156649015329


def _e1(x: np.ndarray) -> np.ndarray:
    """``E_1(x)``: its series to ``x = 2``, then the continued fraction (Lentz's)."""
    small = x <= 2.0
    t = np.where(small, x, 1.0)
    term, total = t.copy(), t.copy()
    for k in range(2, 40):                   # sum_k (-1)^(k+1) x^k / (k k!)
        term = -term * t / k
        total = total + term / k
    series = -_EULER - np.log(t) + total
    u = np.where(small, 3.0, x)
    b, c = u + 1.0, np.full(u.shape, 1e300)
    d = 1.0 / b
    h = d
    for i in range(1, 70):                   # 1 / (u + 1 - 1 / (u + 3 - 4 / (u + 5 - ...)))
        b = b + 2.0
        d = 1.0 / (b - i * i * d)
        c = b - i * i / c
        h = h * c * d
    out = np.where(small, series, h * np.exp(-u))
    out = np.where(x == 0, np.inf, np.where(x == np.inf, 0.0, out))
    return np.where(x < 0, np.nan, out)      # nan for nan too


def _ei(x: np.ndarray) -> np.ndarray:
    """``Ei(x)``: ``-E_1(-x)`` below 0, the series to 40, the asymptotic series beyond."""
    mid = (x > 0) & (x <= 40.0)
    t = np.where(mid, x, 1.0)
    term, total = t.copy(), t.copy()
    for k in range(2, 160):                  # sum_k x^k / (k k!), all terms positive
        term = term * t / k
        total = total + term / k
    big = np.where(x > 40.0, x, 50.0)
    term, sum_ = np.ones(big.shape), np.ones(big.shape)
    for k in range(1, 41):                   # e^x / x sum_k k! / x^k
        term = term * k / big
        sum_ = sum_ + term
    out = np.where(mid, _EULER + np.log(t) + total,
                   np.where(x > 40.0, np.exp(big) / big * sum_, -_e1(np.where(x < 0, -x, 1.0))))
    out = np.where(x == 0, -np.inf, np.where(x == np.inf, np.inf, out))
    return np.where(np.isnan(x), np.nan, out)


exp1 = _elementwise(_e1, "exp1", "The exponential integral ``E_1(x) = int_x^inf e^-t / t dt`` "
                    "(``nan`` below 0).")
defpartials(exp1, lambda ans, x: -ops.exp(-x) / x)
expi = _elementwise(_ei, "expi", "The exponential integral ``Ei(x)``, ``-E_1(-x)`` below 0.")
defpartials(expi, lambda ans, x: ops.exp(x) / x)


_PI2_6 = math.pi ** 2 / 6.0


def _li2_half(z: np.ndarray) -> np.ndarray:
    """The dilogarithm on ``[-1, 1/2]``: its series, after ``z -> z / (z - 1)`` below 0."""
    neg = z < 0
    w = np.where(neg, z / (z - 1.0), z)      # in [0, 1/2]
    power, total = np.ones(w.shape), np.zeros(w.shape)
    for k in range(1, 60):
        power = power * w
        total = total + power / (k * k)
    return np.where(neg, -total - 0.5 * np.log1p(-np.where(neg, z, 0.0)) ** 2, total)


def _spence(x: np.ndarray) -> np.ndarray:
    """``Li_2(1 - x)``, by Euler's reflection above ``z = 1/2`` and the inversion below -1."""
    z = 1.0 - x
    high, low = z > 0.5, z < -1.0
    xh, zl = np.where(high, x, 0.25), np.where(low, z, -2.0)       # 1 - z is x itself
    out = np.where(high, _PI2_6 - np.log1p(-xh) * np.log(xh) - _li2_half(xh),
                   np.where(low, -_PI2_6 - 0.5 * np.log(-zl) ** 2 - _li2_half(1.0 / zl),
                            _li2_half(np.where(high | low, 0.0, z))))
    out = np.where(x == 0, _PI2_6, out)
    return np.where((x < 0) | np.isnan(x) | (x == np.inf), np.nan, out)      # SciPy's nans


def _spence_d(ans: Any, x: Any) -> Any:
    """``log(x) / (1 - x)``; near 1, its series ``-sum_k u^(k-1) / k`` in ``u = 1 - x``."""
    small, u, far = _near1(x)
    series: Any = 0.0
    for k in range(16, 0, -1):
        series = series * u - 1.0 / k
    return kinks.where(small, series, ops.log(far) / (1.0 - far))


def _near1(x: Any) -> tuple[Any, Any, Any]:
    """``|1 - x| < 0.1``, ``1 - x`` there (0 elsewhere), and ``x`` elsewhere (2 there)."""
    small = logic.lt(kinks.abs(1.0 - x), 0.1)
    return small, kinks.where(small, 1.0 - x, 0.0), kinks.where(small, 2.0, x)


spence = _elementwise(_spence, "spence", "Spence's function ``Li_2(1 - x)`` for ``x >= 0`` "
                      "(``nan`` below 0); its derivative ``log(x) / (1 - x)``.")
defpartials(spence, _spence_d)


def _moderate(*args: Any) -> Any:
    """Where ``gamma`` of each argument is finite and exact enough to divide directly."""
    ok: Any = True
    for a in args:
        ok = logic.logical_and(ok, logic.logical_and(logic.gt(a, 0.0), logic.lt(a, 100.0)))
    return ok


def beta(a: Number, b: Number) -> Number:
    """The beta function ``gamma(a) gamma(b) / gamma(a + b)``; ``exp(betaln)``, signed, beyond.

    Examples:
      >>> import tapegrad as tg
      >>> float(beta(2.0, 3.0)), round(tg.grad(beta)(2.0, 3.0), 12)
      (0.08333333333333333, -0.090277777778)
    """
    sign = gammasgn(a) * gammasgn(b) * gammasgn(a + b)
    direct = gamma(a) * gamma(b) / gamma(a + b)
    return kinks.where(_moderate(a, b, a + b), direct, sign * ops.exp(betaln(a, b)))


def poch(z: Number, m: Number) -> Number:
    """The Pochhammer symbol ``gamma(z + m) / gamma(z)``; 1 where ``m = 0``.

    Examples:
      >>> float(poch(3.0, 2.0))
      12.0
    """
    sign = gammasgn(z + m) * gammasgn(z)
    value = kinks.where(_moderate(z, z + m), gamma(z + m) / gamma(z),
                        sign * ops.exp(gammaln(z + m) - gammaln(z)))
    pole = logic.logical_and(logic.le(z, 0.0), logic.eq(floor(z), z))
    return kinks.where(logic.logical_and(logic.eq(m, 0.0), pole), 1.0, value)


# ------------------------------------------------------------ computed by SciPy
def _scipy(name: str, module: str = "scipy.special") -> Any:
    """SciPy's ``name``: on a traced value, its twin runs (SciPy's value, tapegrad's derivative)."""
    try:
        return getattr(importlib.import_module(module), name)
    except ImportError:
        raise ImportError(f"tapegrad.scipy.special.{name.strip('_')} computes its values with "
                          f"SciPy, which is not installed: pip install scipy") from None


def expn(n: Number, x: Number) -> Number:
    """The generalized exponential integral ``E_n(x)``; differentiable in ``x`` (needs SciPy)."""
    return _scipy("expn")(n, x)


def i0e(x: Number) -> Number:
    """``exp(-|x|) I_0(x)``: ``tapegrad.bessel``'s Chebyshev series (NumPy's ``i0``) unscaled.

    Computed without SciPy; its derivative is that of the series.
    """
    dtype = np.asarray(primal_value(x)).dtype
    x = astype(x, np.float64)                # SciPy's float32 loop computes in float64 too
    x = kinks.where(logic.lt(x, 0.0), -x, x)
    small = logic.le(x, 8.0)
    near, far = kinks.where(small, x, 0.0), kinks.where(small, 8.0, x)
    out = kinks.where(small, _chbevl(near / 2.0 - 2.0, _I0_SMALL),
                      _chbevl(32.0 / far - 2.0, _I0_LARGE) / ops.sqrt(far))
    return astype(out, dtype if dtype.kind == "f" else np.float64)


def i1(x: Number) -> Number:
    """The modified Bessel function ``I_1(x)`` (needs SciPy)."""
    return _scipy("i1")(x)


def i1e(x: Number) -> Number:
    """``exp(-|x|) I_1(x)`` (needs SciPy)."""
    return _scipy("i1e")(x)


def fresnel(x: Number) -> tuple[Number, Number]:
    """The Fresnel integrals ``(S(x), C(x))``; derivatives ``sin(pi x^2 / 2)``, ``cos`` (SciPy)."""
    return _scipy("fresnel")(x)  # type: ignore[no-any-return]


def hyp1f1(a: Number, b: Number, x: Number) -> Number:
    """Kummer's function ``1F1(a; b; x)``; differentiable in ``x`` (needs SciPy)."""
    return _scipy("hyp1f1")(a, b, x)


def hyp2f1(a: Number, b: Number, c: Number, x: Number) -> Number:
    """Gauss's hypergeometric function ``2F1(a, b; c; x)``; differentiable in ``x`` (SciPy)."""
    return _scipy("hyp2f1")(a, b, c, x)


def _spherical(kind: str, n: Any, z: Any, derivative: bool, reflect: float | None) -> Any:
    """SciPy's ``spherical_{kind}`` by its ufuncs, reflected to ``z < 0`` as SciPy does.

    ``f(-z) = reflect (-1)^n f(z)`` (DLMF 10.47(v)); the derivative has one sign more.
    """
    ufunc = _scipy(f"_spherical_{kind}{'_d' if derivative else ''}", "scipy.special._ufuncs")
    n = np.asarray(n, dtype=np.dtype("long"))
    if reflect is None:
        return ufunc(n, z)
    sign = np.where(n % 2 == 0, reflect, -reflect) * (-1.0 if derivative else 1.0)
    negative = logic.lt(z, 0.0)
    value = ufunc(n, kinks.where(negative, -z, z))
    return kinks.where(negative, value * sign, value)


def spherical_jn(n: Any, z: Number, derivative: bool = False) -> Number:
    """The spherical Bessel function ``j_n(z)`` (or its derivative), as SciPy's (needs SciPy).

    Differentiable in ``z`` to every order; the order ``n`` (an int) is not.
    """
    return _spherical("jn", n, z, derivative, 1.0)


def spherical_yn(n: Any, z: Number, derivative: bool = False) -> Number:
    """The spherical Bessel function ``y_n(z)`` (or its derivative), as SciPy's (needs SciPy)."""
    return _spherical("yn", n, z, derivative, None)


def spherical_in(n: Any, z: Number, derivative: bool = False) -> Number:
    """The modified spherical Bessel function ``i_n(z)`` (or its derivative) (needs SciPy)."""
    return _spherical("in", n, z, derivative, 1.0)


def spherical_kn(n: Any, z: Number, derivative: bool = False) -> Number:
    """The modified spherical Bessel function ``k_n(z)`` (or its derivative) for ``z >= 0``.

    SciPy reaches ``z < 0`` through complex numbers; here it is ``nan`` there.
    """
    return _spherical("kn", n, z, derivative, None)
