"""More of SciPy's ufuncs on traced values: SciPy's values, these partials.

As ``_scipy_twins``: importing ``tapegrad.scipy`` adds ``more_ufunc`` to
``numpy_dispatch.ufunc_finders``, so ``scipy.special.ellipk(m)`` under
``tg.grad``, ``tg.jit`` or ``tg.vmap`` computes SciPy's value, bit for bit,
and the derivative given here. The partials call SciPy's ufuncs (twins
too) and tapegrad's functions, so every order of derivative works. An
order, a degree or a shape parameter (``expn``'s ``n``, ``hyp1f1``'s ``a``
and ``b``) is not differentiated: its partial raises ``NotImplementedError``.
A ufunc of several outputs (``airy``, ``fresnel``, ``sici``) is one
primitive per output, each SciPy's whole ufunc taking its output.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

from .. import kinks, logic, ops
from ..cardinal import sinc
from ..numpy_dispatch import ufunc_finders
from ..primitive import Primitive, defpartials, primitive
from ._special_series import _zeta_dx
from ._twins_poly import MORE_OUTPUTS, POLY_PARTIALS, order_refused
from .special import gamma

__all__ = ["more_ufunc"]

_PI = math.pi
_DEG = math.pi / 180.0
_SQRT_PI = math.sqrt(math.pi)


def _u(name: str) -> Any:
    """SciPy's ufunc ``name`` (``scipy.special._ufuncs``): on traced values, its twin."""
    return getattr(sys.modules["scipy.special._ufuncs"], name)


def _out(name: str, k: int) -> Callable[..., Any]:
    """Output ``k`` of SciPy's multi-output ufunc ``name``, as a primitive."""
    return lambda *args: _multi_prims(name)[k](*args)


def _near(x: Any, bound: float) -> tuple[Any, Any, Any]:
    """``|x| < bound``, ``x`` there (0 elsewhere) and ``x`` elsewhere (``bound`` there).

    Each branch of a ``where`` then runs on values safe for it, so neither
    makes a NaN the other's derivative would meet.
    """
    small = logic.lt(kinks.abs(x), bound)
    return small, kinks.where(small, x, 0.0), kinks.where(small, bound, x)


def _horner(t: Any, coefficients: list[float]) -> Any:
    """``sum_k coefficients[k] t^k``."""
    out: Any = 0.0
    for c in reversed(coefficients):
        out = out * t + c
    return out


def _exprel_d(ans: Any, x: Any) -> Any:
    """d/dx ``(e^x - 1) / x``: its Taylor series near 0, ``(e^x - exprel(x)) / x`` beyond."""
    small, t, big = _near(x, 0.1)     # sum_k (k + 1) x^k / (k + 2)!
    series = _horner(t, [(k + 1) / math.factorial(k + 2) for k in range(11)])
    return kinks.where(small, series, (ops.exp(big) - _u("exprel")(big)) / big)


_C2 = [(math.comb(2 * n, n) / 4.0 ** n) ** 2 for n in range(12)]   # K = pi/2 sum c_n m^n


def _ellipk_d(ans: Any, m: Any) -> Any:
    """dK/dm = ``(E - (1 - m) K) / (2 m (1 - m))``; its series for ``|m| < 0.01``."""
    small, t, s = _near(m, 0.01)
    series = 0.5 * _PI * _horner(t, [n * _C2[n] for n in range(1, 12)])
    k = _u("ellipk")(s)
    return kinks.where(small, series, (_u("ellipe")(s) - (1.0 - s) * k) / (2.0 * s * (1.0 - s)))


def _ellipe_d(ans: Any, m: Any) -> Any:
    """dE/dm = ``(E - K) / (2 m)``; its series for ``|m| < 0.01``."""
    small, t, s = _near(m, 0.01)
    series = 0.5 * _PI * _horner(t, [n * _C2[n] / (1 - 2 * n) for n in range(1, 12)])
    return kinks.where(small, series, (_u("ellipe")(s) - _u("ellipk")(s)) / (2.0 * s))


def _delta(phi: Any, m: Any) -> Any:
    s = ops.sin(phi)
    return ops.sqrt(1.0 - m * s * s)


def _sine_powers(phi: Any) -> list[Any]:
    """``I_n = int_0^phi sin^(2n) t dt`` for n < 12.

    ``2n I_n = (2n-1) I_{n-1} - sin^(2n-1)(phi) cos(phi)``.
    """
    s, c = ops.sin(phi), ops.cos(phi)
    out, power = [phi], s        # power = sin^(2n-1)
    for n in range(1, 12):
        out.append(((2 * n - 1) * out[-1] - power * c) / (2 * n))
        power = power * s * s
    return out


def _incomplete_series(phi: Any, t: Any, second: bool) -> Any:
    """dF/dm (or dE/dm) near ``m = 0``: ``sum_n n a_n I_n(phi) m^(n-1)``.

    ``(1 - m sin^2)^(-1/2) = sum_n a_n m^n sin^(2n)``, ``a_n = C(2n, n) / 4^n``, and
    ``a_n / (1 - 2n)`` for ``(1 - m sin^2)^(1/2)``.
    """
    powers = _sine_powers(phi)
    out: Any = 0.0
    for n in range(11, 0, -1):
        a = math.comb(2 * n, n) / 4.0 ** n / ((1 - 2 * n) if second else 1)
        out = out * t + n * a * powers[n]
    return out


def _ellipkinc_dm(ans: Any, phi: Any, m: Any) -> Any:
    """dF(phi|m)/dm, from E and F; its series for ``|m| < 0.01``."""
    small, t, s = _near(m, 0.01)
    f = _u("ellipkinc")(phi, s)
    general = (_u("ellipeinc")(phi, s) / (2.0 * s * (1.0 - s)) - f / (2.0 * s)
               - ops.sin(2.0 * phi) / (4.0 * (1.0 - s) * _delta(phi, s)))
    return kinks.where(small, _incomplete_series(phi, t, False), general)


def _ellipeinc_dm(ans: Any, phi: Any, m: Any) -> Any:
    """dE(phi|m)/dm = ``(E - F) / (2 m)``; its series for ``|m| < 0.01``."""
    small, t, s = _near(m, 0.01)
    general = (_u("ellipeinc")(phi, s) - _u("ellipkinc")(phi, s)) / (2.0 * s)
    return kinks.where(small, _incomplete_series(phi, t, True), general)


def _agm_d(first: bool) -> Callable[..., Any]:
    """D agm(a, b): ``agm = pi (a + b) / (4 K(m))``, ``m = ((a - b) / (a + b))^2``."""
    def partial(ans: Any, a: Any, b: Any) -> Any:
        s, d = a + b, a - b
        m = (d / s) * (d / s)
        dm = (4.0 * d * b if first else -4.0 * d * a) / (s * s * s)
        k = _u("ellipk")(m)
        return _PI / (4.0 * k) - _PI * s * _ellipk_d(k, m) * dm / (4.0 * k * k)
    return partial


def _powm1_dy(ans: Any, x: Any, y: Any) -> Any:
    """d/dy ``x^y - 1`` = ``x^y log x``; 0 at ``x = 0``."""
    zero = logic.eq(x, 0.0)
    return kinks.where(zero, 0.0, (ans + 1.0) * ops.log(kinks.where(zero, 1.0, x)))


def _inv_boxcox_dl(one: float) -> Callable[..., Any]:
    """d/dlmbda ``exp(g)``, ``g = log1p(lmbda y) / lmbda`` (``ans + one``): ``exp(g) g'``.

    ``g' = sum_j (-1)^(j+1) (j+1)/(j+2) y^(j+2) lmbda^j``, its series for ``|lmbda y| < 0.01``.
    """
    def partial(ans: Any, y: Any, lmbda: Any) -> Any:
        small, t, u = _near(lmbda * y, 0.01)
        series = y * y * _horner(t, [(-1) ** (j + 1) * (j + 1) / (j + 2) for j in range(10)])
        s = kinks.where(small, 1.0, lmbda)
        general = y / (s * (1.0 + u)) - ops.log1p(u) / (s * s)
        return (ans + one) * kinks.where(small, series, general)
    return partial


def _struve_d(sign: float, name: str) -> Callable[..., Any]:
    """``(f(v-1) + sign f(v+1) + (x/2)^v / (sqrt(pi) Gamma(v + 3/2))) / 2``.

    Struve's ``H`` (``sign = -1``) and ``L`` (``sign = 1``): DLMF 11.4.23, 11.4.25.
    """
    def partial(ans: Any, v: Any, x: Any) -> Any:
        f = _u(name)
        return 0.5 * (f(v - 1.0, x) + sign * f(v + 1.0, x)
                      + ops.power(0.5 * x, v) / (_SQRT_PI * gamma(v + 1.5)))
    return partial


def _elliprd_d(k: int) -> Callable[..., Any]:
    """dR_D/dx and dR_D/dy: ``(R_D(x, y, z) - R_D(y, z, x)) / (2 (z - x))`` and its swap."""
    def partial(ans: Any, x: Any, y: Any, z: Any) -> Any:
        w, o = (x, y) if k == 0 else (y, x)
        return (ans - _u("elliprd")(o, z, w)) / (2.0 * (z - w))
    return partial


def _elliprd_dz(ans: Any, x: Any, y: Any, z: Any) -> Any:
    """Euler's relation for R_D, homogeneous of degree -3/2."""
    return (-1.5 * ans - x * _elliprd_d(0)(ans, x, y, z) - y * _elliprd_d(1)(ans, x, y, z)) / z


def _elliprj_d(k: int) -> Callable[..., Any]:
    """dR_J/dx: ``(R_J - R_D(y, z, x)) / (2 (p - x))`` (partial fractions), and y, z alike."""
    def partial(ans: Any, x: Any, y: Any, z: Any, p: Any) -> Any:
        args = [x, y, z]
        w = args.pop(k)
        return (ans - _u("elliprd")(args[0], args[1], w)) / (2.0 * (p - w))
    return partial


def _elliprj_dp(ans: Any, x: Any, y: Any, z: Any, p: Any) -> Any:
    rest = sum(v * _elliprj_d(k)(ans, x, y, z, p) for k, v in enumerate((x, y, z)))
    return (-1.5 * ans - rest) / p


def _elliprg_d(k: int) -> Callable[..., Any]:
    """dR_G/dz = ``(3 R_F - z R_D) / 12`` (DLMF 19.18.2 with 19.21.10), x and y alike."""
    def partial(ans: Any, x: Any, y: Any, z: Any) -> Any:
        args = [x, y, z]
        w = args.pop(k)
        return (3.0 * _u("elliprf")(x, y, z) - w * _u("elliprd")(args[0], args[1], w)) / 12.0
    return partial


def _elliprc_dy(ans: Any, x: Any, y: Any) -> Any:
    """``(R_C - sqrt(x) / y) / (2 (x - y))``, by parts.

    Near ``y = x`` (``|t| < 0.01``, ``t = 1 - y / x``) the series of
    ``R_C = x^(-1/2) sum_k t^k / (2k + 1)``: ``-x^(-3/2) sum_k (k + 1) t^k / (2k + 3)``.
    """
    small, t, _ = _near(1.0 - y / x, 0.01)
    series = -_horner(t, [(k + 1) / (2 * k + 3) for k in range(9)]) / (x * ops.sqrt(x))
    near = kinks.where(small, x + 1.0, y)        # never x itself
    general = (ans - ops.sqrt(x) / near) / (2.0 * (x - near))
    return kinks.where(small, series, general)


def _elliprc_dx(ans: Any, x: Any, y: Any) -> Any:
    """Euler's relation for R_C, homogeneous of degree -1/2."""
    return (-0.5 * ans - y * _elliprc_dy(ans, x, y)) / x


def _rd_over(k: int) -> Callable[..., Any]:
    """dR_F/d(argument k) = ``-R_D(others, argument k) / 6``."""
    def partial(ans: Any, *args: Any) -> Any:
        rest = list(args)
        w = rest.pop(k)
        return -_u("elliprd")(rest[0], rest[1], w) / 6.0
    return partial


def _expn_dx(ans: Any, n: Any, x: Any) -> Any:
    """``-E_{n-1}(x)``; ``-e^-x (x + 1) / x^2`` for ``n = 0``."""
    first = logic.ge(n, 1)
    e0 = -ops.exp(-x) * (x + 1.0) / (x * x)
    return kinks.where(first, -_u("expn")(kinks.maximum(n - 1, 0), x), e0)


_no = order_refused
PARTIALS: dict[str, Any] = {
    "expn": (_no("expn", "n", "the order"), _expn_dx),
    "exprel": _exprel_d,
    "erfi": lambda ans, x: (2.0 / _SQRT_PI) * ops.exp(x * x),
    "ellipk": _ellipk_d,
    "ellipkm1": lambda ans, p: -_ellipk_d(ans, 1.0 - p),
    "ellipe": _ellipe_d,
    "ellipkinc": (lambda ans, phi, m: 1.0 / _delta(phi, m), _ellipkinc_dm),
    "ellipeinc": (lambda ans, phi, m: _delta(phi, m), _ellipeinc_dm),
    "elliprf": (_rd_over(0), _rd_over(1), _rd_over(2)),
    "elliprc": (_elliprc_dx, _elliprc_dy),
    "elliprd": (_elliprd_d(0), _elliprd_d(1), _elliprd_dz),
    "elliprj": (_elliprj_d(0), _elliprj_d(1), _elliprj_d(2), _elliprj_dp),
    "elliprg": (_elliprg_d(0), _elliprg_d(1), _elliprg_d(2)),
    "hyp0f1": (_no("hyp0f1", "v", "a parameter"),
               lambda ans, b, x: _u("hyp0f1")(b + 1.0, x) / b),
    "hyp1f1": (_no("hyp1f1", "a", "a parameter"), _no("hyp1f1", "b", "a parameter"),
               lambda ans, a, b, x: a / b * _u("hyp1f1")(a + 1.0, b + 1.0, x)),
    "hyp2f1": (_no("hyp2f1", "a", "a parameter"), _no("hyp2f1", "b", "a parameter"),
               _no("hyp2f1", "c", "a parameter"),
               lambda ans, a, b, c, x: a * b / c * _u("hyp2f1")(a + 1.0, b + 1.0, c + 1.0, x)),
    "hyperu": (_no("hyperu", "a", "a parameter"), _no("hyperu", "b", "a parameter"),
               lambda ans, a, b, x: -a * _u("hyperu")(a + 1.0, b + 1.0, x)),
    "struve": (_no("struve", "v", "the order"), _struve_d(-1.0, "struve")),
    "modstruve": (_no("modstruve", "v", "the order"), _struve_d(1.0, "modstruve")),
    "agm": (_agm_d(True), _agm_d(False)),
    "powm1": (lambda ans, x, y: y * ops.power(x, y - 1.0), _powm1_dy),
    "cosm1": lambda ans, x: -ops.sin(x),
    "tandg": lambda ans, x: (1.0 + ans * ans) * _DEG,
    "cotdg": lambda ans, x: -(1.0 + ans * ans) * _DEG,
    "radian": (_DEG, _DEG / 60.0, _DEG / 3600.0),
    "inv_boxcox": (lambda ans, y, lmbda: ans / (1.0 + lmbda * y), _inv_boxcox_dl(0.0)),
    "inv_boxcox1p": (lambda ans, y, lmbda: (ans + 1.0) / (1.0 + lmbda * y),
                     _inv_boxcox_dl(1.0)),
    "kn": (_no("kn", "n", "the order"),
           lambda ans, n, x: -0.5 * (_u("kn")(n - 1, x) + _u("kn")(n + 1, x))),
    "wright_bessel": (_no("wright_bessel", "a", "a parameter"),
                      _no("wright_bessel", "b", "a parameter"),
                      lambda ans, a, b, x: _u("wright_bessel")(a, a + b, x)),
    "zetac": _no("zetac", "x", "no closed form"),
    "_riemann_zeta": _no("zeta", "x", "no closed form"),
    "_zeta": (lambda ans, x, q: _zeta_dx(1)(x, q),
              lambda ans, x, q: -x * _u("_zeta")(x + 1.0, q)),
    **POLY_PARTIALS}


def _sqrt_pos(x: Any) -> Any:
    return ops.sqrt(kinks.maximum(x, 0.0))


def _scaled(out: tuple[int, int], sign: float) -> Callable[..., Any]:
    """Airye's ``f' + sign sqrt(x) f``: its scale is ``exp(sign 2/3 x^1.5)`` for ``x >= 0``.

    ``out`` is (the output that is ``f'`` or -1 for ``x`` times output ``o``, ``o``).
    """
    def partial(ans: Any, x: Any) -> Any:
        d = _out("airye", out[0])(x) if out[0] >= 0 else x * _out("airye", out[1])(x)
        return d + sign * _sqrt_pos(x) * ans
    return partial


def _sinhc(x: Any) -> Any:
    """``sinh(x) / x``, 1 at 0 with every derivative there (its series near 0)."""
    small, t, big = _near(x, 0.5)     # sum_k x^(2k) / (2k + 1)!
    series = _horner(t * t, [1.0 / math.factorial(2 * k + 1) for k in range(10)])
    return kinks.where(small, series, ops.sinh(big) / big)


OUTPUTS: dict[str, tuple[Any, ...]] = {   # per output, its partial
    "fresnel": (lambda ans, x: ops.sin(0.5 * _PI * x * x),
                lambda ans, x: ops.cos(0.5 * _PI * x * x)),
    "sici": (lambda ans, x: sinc(x / _PI), lambda ans, x: ops.cos(x) / x),
    "shichi": (lambda ans, x: _sinhc(x), lambda ans, x: ops.cosh(x) / x),
    "airy": (lambda ans, x: _out("airy", 1)(x), lambda ans, x: x * _out("airy", 0)(x),
             lambda ans, x: _out("airy", 3)(x), lambda ans, x: x * _out("airy", 2)(x)),
    "airye": (_scaled((1, 0), 1.0), _scaled((-1, 0), 1.0),
              _scaled((3, 0), -1.0), _scaled((-1, 2), -1.0)),
    **MORE_OUTPUTS}


_twins: dict[Any, Any] = {}
_prims: dict[str, list[Primitive]] = {}


def more_ufunc(ufunc: Any) -> Callable[..., Any] | None:
    """The twin of SciPy's ufunc named in ``PARTIALS`` or ``OUTPUTS``, or None."""
    name = getattr(ufunc, "__name__", "")
    if name not in PARTIALS and name not in OUTPUTS:
        return None
    module = sys.modules.get("scipy.special._ufuncs")
    if module is None or getattr(module, name, None) is not ufunc:
        return None
    twin = _twins.get(ufunc)
    if twin is None:
        twin = _twins[ufunc] = _twin(name, ufunc) if name in PARTIALS else _multi(name)
    return twin


def _twin(name: str, ufunc: Any) -> Primitive:
    def impl(*args: Any) -> Any:
        return ufunc(*args)
    impl.__name__ = name
    twin = primitive(impl, f"scipy.special.{name}", elementwise=True, check_rules=False)
    partials = PARTIALS[name]
    defpartials(twin, *(partials if isinstance(partials, tuple) else (partials,)))
    return twin


def _multi_prims(name: str) -> list[Primitive]:
    prims = _prims.get(name)
    if prims is None:
        ufunc = _u(name)
        prims = _prims[name] = [_output(name, ufunc, k, p) for k, p in enumerate(OUTPUTS[name])]
    return prims


def _output(name: str, ufunc: Any, k: int, partial: Any) -> Primitive:
    def impl(*args: Any) -> Any:
        return ufunc(*args)[k]
    impl.__name__ = f"{name}_{k}"
    prim = primitive(impl, f"scipy.special.{name}[{k}]", elementwise=True, check_rules=False)
    defpartials(prim, *(partial if isinstance(partial, tuple) else (partial,)))
    return prim


def _multi(name: str) -> Callable[..., Any]:
    def twin(*args: Any) -> tuple[Any, ...]:
        return tuple(p(*args) for p in _multi_prims(name))
    twin.__name__ = name
    return twin


ufunc_finders.append(more_ufunc)
