"""The partials of SciPy's orthogonal polynomials, ``lpmv``, spherical Bessel functions, Voigt.

Each derivative in ``x`` is another of SciPy's ufuncs (a twin too, so
every order works): ``d/dx C_n^(a)(x) = 2 a C_{n-1}^(a+1)(x)`` for the
Gegenbauer family (Chebyshev and Legendre among them),
``d/dx P_n^(a,b)(x) = (n + a + b + 1) / 2 P_{n-1}^(a+1,b+1)(x)`` for
Jacobi's, ``H_n' = 2 n H_{n-1}``, ``L_n^(a)' = -L_{n-1}^(a+1)``; degree 0
has derivative 0. The degree and the parameters are not differentiated.
``voigt_profile`` is the real part of Faddeeva's ``w``: its partials need
the imaginary part, a primitive here whose own partials need the real one.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import kinks, logic, ops
from ..primitive import defpartials, primitive
from ..values import Traced
from .special import _no_derivative

__all__ = ["MORE_OUTPUTS", "POLY_PARTIALS", "order_refused"]

_SQRT_2 = math.sqrt(2.0)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_SQRT_PI = math.sqrt(math.pi)


def order_refused(name: str, arg: str, what: str, other: str = "x") -> Any:
    """The partial of SciPy's ``name`` in ``arg``: refused, with the reason ``what``."""
    return _no_derivative(f"special.{name}", arg, what, other)


def _u(name: str) -> Any:
    return getattr(sys.modules["scipy.special._ufuncs"], name)


def _down(n: Any) -> Any:
    """``n - 1``, never below 0 (degree 0's term is multiplied by 0, or not taken)."""
    if isinstance(n, Traced):
        return kinks.maximum(n - 1, 0)  # type: ignore[operator]
    return np.maximum(np.asarray(n) - 1, 0)[()]       # an integer stays one


def _pos(n: Any, d: Any) -> Any:
    """``d`` for degree ``n > 0``, 0 for degree 0."""
    return kinks.where(logic.gt(n, 0), d, 0.0)


def _geg(n: Any, a: float, x: Any) -> Any:
    """``C_{n-1}^(a)(x)`` for ``n > 0``."""
    return _u("eval_gegenbauer")(_down(n), a, x)


def _of_n(name: str) -> Any:
    return order_refused(name, "n", "the degree")


def _par(name: str, arg: str) -> Any:
    return order_refused(name, arg, "a parameter")


def _spherical(name: str, sign: float, outer: float) -> tuple[Any, Any]:
    """``f_n' = outer (n f_{n-1} + sign (n + 1) f_{n+1}) / (2 n + 1)``, for f and for f'."""
    def d(ans: Any, n: Any, z: Any) -> Any:
        f = _u(name)
        return outer * (n * f(_down(n), z) + sign * (n + 1) * f(n + 1, z)) / (2 * n + 1)
    return _of_n(name.strip("_").removesuffix("_d")), d


def _lpmv_d(ans: Any, m: Any, v: Any, x: Any) -> Any:
    """``(x^2 - 1) P' = v x P - (v + m) P_{v-1}^m`` (DLMF 14.10.5); interior of ``(-1, 1)``."""
    return (v * x * ans - (v + m) * _u("lpmv")(m, v - 1.0, x)) / (x * x - 1.0)


POLY_PARTIALS: dict[str, Any] = {
    "eval_chebyt": (_of_n("eval_chebyt"),
                    lambda ans, n, x: n * _u("eval_chebyu")(_down(n), x)),
    "eval_chebyu": (_of_n("eval_chebyu"), lambda ans, n, x: _pos(n, 2.0 * _geg(n, 2.0, x))),
    "eval_chebyc": (_of_n("eval_chebyc"),
                    lambda ans, n, x: n * _u("eval_chebys")(_down(n), x)),
    "eval_chebys": (_of_n("eval_chebys"), lambda ans, n, x: _pos(n, _geg(n, 2.0, 0.5 * x))),
    "eval_sh_chebyt": (_of_n("eval_sh_chebyt"),
                       lambda ans, n, x: 2.0 * n * _u("eval_chebyu")(_down(n), 2.0 * x - 1.0)),
    "eval_sh_chebyu": (_of_n("eval_sh_chebyu"),
                       lambda ans, n, x: _pos(n, 4.0 * _geg(n, 2.0, 2.0 * x - 1.0))),
    "eval_legendre": (_of_n("eval_legendre"), lambda ans, n, x: _pos(n, _geg(n, 1.5, x))),
    "eval_sh_legendre": (_of_n("eval_sh_legendre"),
                         lambda ans, n, x: _pos(n, 2.0 * _geg(n, 1.5, 2.0 * x - 1.0))),
    "eval_gegenbauer": (_of_n("eval_gegenbauer"), _par("eval_gegenbauer", "alpha"),
                        lambda ans, n, a, x: _pos(n, 2.0 * a * _u("eval_gegenbauer")(
                            _down(n), a + 1.0, x))),
    "eval_jacobi": (_of_n("eval_jacobi"), _par("eval_jacobi", "alpha"),
                    _par("eval_jacobi", "beta"),
                    lambda ans, n, a, b, x: _pos(n, 0.5 * (n + a + b + 1.0) * _u("eval_jacobi")(
                        _down(n), a + 1.0, b + 1.0, x))),
    "eval_sh_jacobi": (_of_n("eval_sh_jacobi"), _par("eval_sh_jacobi", "p"),
                       _par("eval_sh_jacobi", "q"),
                       lambda ans, n, p, q, x: _pos(n, n * _u("eval_sh_jacobi")(
                           _down(n), p + 2.0, q + 1.0, x))),
    "eval_hermite": (_of_n("eval_hermite"),
                     lambda ans, n, x: 2.0 * n * _u("eval_hermite")(_down(n), x)),
    "eval_hermitenorm": (_of_n("eval_hermitenorm"),
                         lambda ans, n, x: n * _u("eval_hermitenorm")(_down(n), x)),
    "eval_laguerre": (_of_n("eval_laguerre"),
                      lambda ans, n, x: _pos(n, -_u("eval_genlaguerre")(_down(n), 1.0, x))),
    "eval_genlaguerre": (_of_n("eval_genlaguerre"), _par("eval_genlaguerre", "alpha"),
                         lambda ans, n, a, x: _pos(n, -_u("eval_genlaguerre")(
                             _down(n), a + 1.0, x))),
    "lpmv": (order_refused("lpmv", "m", "the order"), order_refused("lpmv", "v", "the degree"),
             _lpmv_d),
    "_spherical_jn": (_of_n("spherical_jn"), lambda ans, n, z: _u("_spherical_jn_d")(n, z)),
    "_spherical_yn": (_of_n("spherical_yn"), lambda ans, n, z: _u("_spherical_yn_d")(n, z)),
    "_spherical_in": (_of_n("spherical_in"), lambda ans, n, z: _u("_spherical_in_d")(n, z)),
    "_spherical_kn": (_of_n("spherical_kn"), lambda ans, n, z: _u("_spherical_kn_d")(n, z)),
    "_spherical_jn_d": _spherical("_spherical_jn_d", -1.0, 1.0),
    "_spherical_yn_d": _spherical("_spherical_yn_d", -1.0, 1.0),
    "_spherical_in_d": _spherical("_spherical_in_d", 1.0, 1.0),
    "_spherical_kn_d": _spherical("_spherical_kn_d", 1.0, -1.0)}


# ------------------------------------------------------------------ Voigt
def _voigt_imag_impl(x: Any, sigma: Any, gamma: Any) -> Any:
    """``Im w(z) / (sigma sqrt(2 pi))``, ``z = (x + i gamma) / (sigma sqrt 2)``: Voigt's partner."""
    like = np.asarray(_u("voigt_profile")(x, sigma, gamma))
    with np.errstate(all="ignore"):
        s = np.asarray(sigma, dtype=np.float64)
        z = (np.asarray(x, dtype=np.float64) + 1j * np.asarray(gamma, dtype=np.float64)) / (
            s * _SQRT_2)
        out = (_u("wofz")(z).imag / (s * _SQRT_2PI)).astype(like.dtype)
    return out if out.ndim else out[()]


_voigt_imag = primitive(_voigt_imag_impl, "voigt_imag", elementwise=True, check_rules=False)


def _voigt(part: int, arg: int) -> Callable[..., Any]:
    """The partial in argument ``arg`` of Voigt's real (``part = 0``) or imaginary part.

    With ``R + i I = k w(z)``, ``k = 1 / (sigma sqrt(2 pi))``, ``z = a + i b`` and
    ``w' = -2 z w + 2 i / sqrt(pi)``: ``k w' = -2 (a R - b I) + i (2 k / sqrt(pi)
    - 2 (a I + b R))``; ``dz/dx = 1 / (sigma sqrt 2)``, ``dz/dgamma = i dz/dx``,
    ``dz/dsigma = -z / sigma``, and ``dk/dsigma = -k / sigma``.
    """
    def partial(ans: Any, x: Any, sigma: Any, gamma: Any) -> Any:
        r = ans if part == 0 else _u("voigt_profile")(x, sigma, gamma)
        i = ans if part == 1 else _voigt_imag(x, sigma, gamma)
        c = 1.0 / (sigma * _SQRT_2)
        a, b = x * c, gamma * c
        re = -2.0 * (a * r - b * i)
        im = 2.0 / (sigma * _SQRT_2PI * _SQRT_PI) - 2.0 * (a * i + b * r)
        if arg == 0:
            return c * (re if part == 0 else im)
        if arg == 2:
            return c * (-im if part == 0 else re)
        if part == 0:
            return -(r + a * re - b * im) / sigma
        return -(i + a * im + b * re) / sigma
    return partial


defpartials(_voigt_imag, _voigt(1, 0), _voigt(1, 1), _voigt(1, 2))
POLY_PARTIALS["voigt_profile"] = (_voigt(0, 0), _voigt(0, 1), _voigt(0, 2))


# ------------------------------------------------ Kelvin functions, integrals, and others
def _bessel_e(name: str) -> tuple[Any, Any]:
    """``jve`` and ``yve``, ``jv`` and ``yv`` of a real ``x``: ``(f(v-1) - f(v+1)) / 2``."""
    def dx(ans: Any, v: Any, x: Any) -> Any:
        f = _u(name)
        return 0.5 * (f(v - 1.0, x) - f(v + 1.0, x))
    return order_refused(name, "v", "the order"), dx


_ROOT_2PI = math.sqrt(2.0 * math.pi)
POLY_PARTIALS.update({
    # ber + i bei and ker + i kei solve u'' + u'/x - i u = 0
    "ber": lambda ans, x: _u("berp")(x), "bei": lambda ans, x: _u("beip")(x),
    "ker": lambda ans, x: _u("kerp")(x), "kei": lambda ans, x: _u("keip")(x),
    "berp": lambda ans, x: -ans / x - _u("bei")(x), "beip": lambda ans, x: -ans / x + _u("ber")(x),
    "kerp": lambda ans, x: -ans / x - _u("kei")(x), "keip": lambda ans, x: -ans / x + _u("ker")(x),
    "jve": _bessel_e("jve"), "yve": _bessel_e("yve"),
    "ndtri_exp": lambda ans, y: _ROOT_2PI * ops.exp(y + 0.5 * ans * ans),
    "itstruve0": lambda ans, x: _u("struve")(0.0, x),
    "it2struve0": lambda ans, x: -_u("struve")(0.0, x) / x,       # int_x^inf H0(t) / t dt
    "itmodstruve0": lambda ans, x: _u("modstruve")(0.0, x)})


def _ellipj_m(k: int) -> Any:
    """``ellipj``'s output ``k`` in ``m``: refused."""
    return order_refused("ellipj", "m", "the parameter")


MORE_OUTPUTS: dict[str, tuple[Any, ...]] = {   # per output, its partial(s)
    "itj0y0": (lambda ans, x: _u("j0")(x), lambda ans, x: _u("y0")(x)),
    "it2j0y0": (lambda ans, x: (1.0 - _u("j0")(x)) / x,           # int_0^x, int_x^inf
                lambda ans, x: -_u("y0")(x) / x),
    "iti0k0": (lambda ans, x: _u("i0")(x), lambda ans, x: _u("k0")(x)),
    "it2i0k0": (lambda ans, x: (_u("i0")(x) - 1.0) / x, lambda ans, x: -_u("k0")(x) / x),
    "itairy": (lambda ans, x: _u("airy")(x)[0], lambda ans, x: _u("airy")(x)[2],
               lambda ans, x: _u("airy")(-x)[0], lambda ans, x: _u("airy")(-x)[2]),
    "ellipj": (   # sn, cn, dn, am(u|m): derivatives in u
        (lambda ans, u, m: _u("ellipj")(u, m)[1] * _u("ellipj")(u, m)[2], _ellipj_m(0)),
        (lambda ans, u, m: -_u("ellipj")(u, m)[0] * _u("ellipj")(u, m)[2], _ellipj_m(1)),
        (lambda ans, u, m: -m * _u("ellipj")(u, m)[0] * _u("ellipj")(u, m)[1], _ellipj_m(2)),
        (lambda ans, u, m: _u("ellipj")(u, m)[2], _ellipj_m(3)))}
