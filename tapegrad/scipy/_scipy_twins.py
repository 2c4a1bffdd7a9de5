"""SciPy's own ufuncs on traced values: SciPy's values, ``tapegrad.scipy.special``'s rules.

``numpy_dispatch`` consults ``ufunc_finders`` when a ufunc it does not know
meets a traced value; importing ``tapegrad.scipy`` adds ``scipy_ufunc``
here, so ``scipy.special.expit(x)`` under ``tg.grad`` or ``tg.jit``
computes SciPy's value, bit for bit, with the derivative of ``expit``.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

from .. import elementary, kinks, logic, ops
from ..numpy_dispatch import ufunc_finders
from ..primitive import Primitive, defpartials, primitive
from . import (
    _twins_distributions,
    _twins_more,  # noqa: F401  (more of SciPy's ufuncs: their finder)
)
from ._special_more import _spence_d
from ._twins_more import _exprel_d
from .special import (
    _betainc,
    _no_derivative,
    betainc,
    betaln,
    digamma,
    entr,
    erf,
    erfc,
    erfinv,
    expit,
    gammainc,
    gammaincc,
    gammaln,
    kl_div,
    log_expit,
    log_ndtr,
    loggamma,
    logit,
    ndtr,
    ndtri,
    polygamma,
    rel_entr,
    stdtr,
    xlog1py,
    xlogy,
)

__all__ = ["scipy_ufunc"]

_SCIPY_UFUNCS: dict[str, Callable[..., Any]] = {
    "expit": expit, "erf": erf, "erfc": erfc, "erfinv": erfinv, "ndtr": ndtr,
    "log_ndtr": log_ndtr, "ndtri": ndtri, "gammaln": gammaln, "loggamma": loggamma,
    "digamma": digamma, "psi": digamma, "polygamma": polygamma, "xlogy": xlogy,
    "xlog1py": xlog1py, "logit": logit,
    "gammainc": gammainc, "gammaincc": gammaincc, "betainc": betainc, "stdtr": stdtr,
    "betaln": betaln, "entr": entr, "rel_entr": rel_entr, "kl_div": kl_div,
    "log_expit": log_expit, "expm1": ops.expm1, "log1p": ops.log1p, "exp2": elementary.exp2,
    "cbrt": elementary.cbrt}
_HALF_SQRT_PI = math.sqrt(math.pi) / 2.0
_DEGREE = math.pi / 180.0
_COMPOSITES: dict[str, Any] = {   # ours is a composite, or none: the twin's partials
    "logit": lambda ans, p: 1.0 / (p * (1.0 - p)),
    "log_expit": lambda ans, x: ops.sigmoid(-x),
    "exp10": lambda ans, x: ans * math.log(10.0),
    "erfcx": lambda ans, x: 2.0 * x * ans - 2.0 / math.sqrt(math.pi),    # exp(x^2) erfc(x)
    "gamma": lambda ans, x: ans * digamma(x),
    # SciPy computes these in float64 for float32 data: its values, the composites' partials
    "entr": lambda ans, x: kinks.where(logic.gt(x, 0.0), -(ops.log(x) + 1.0), 0.0),
    "rel_entr": (lambda ans, x, y: kinks.where(_positive(x, y), ops.log(ops.div(x, y)) + 1.0, 0.0),
                 lambda ans, x, y: kinks.where(_positive(x, y), -ops.div(x, y), 0.0)),
    "kl_div": (lambda ans, x, y: kinks.where(_positive(x, y), ops.log(ops.div(x, y)), 0.0),
               lambda ans, x, y: kinks.where(_positive(x, y), 1.0 - ops.div(x, y),
                                             kinks.where(_zero_x(x, y), 1.0, 0.0))),
    # ours is none: SciPy's values, these partials
    "erfcinv": lambda ans, y: -_HALF_SQRT_PI * ops.exp(ans * ans),
    "rgamma": lambda ans, x: -ans * digamma(x),
    "binom": (lambda ans, n, k: ans * (digamma(n + 1.0) - digamma(n - k + 1.0)),    # Gamma's
              lambda ans, n, k: ans * (digamma(n - k + 1.0) - digamma(k + 1.0))),
    "boxcox": (lambda ans, x, lmbda: ops.exp((lmbda - 1.0) * ops.log(x)),
               lambda ans, x, lmbda: _boxcox_lmbda(ans, ops.log(x), lmbda)),
    "boxcox1p": (lambda ans, x, lmbda: ops.exp((lmbda - 1.0) * ops.log1p(x)),
                 lambda ans, x, lmbda: _boxcox_lmbda(ans, ops.log1p(x), lmbda)),
    "huber": (lambda ans, d, r: kinks.where(logic.le(kinks.abs(r), d), 0.0, kinks.abs(r) - d),
              lambda ans, d, r: kinks.where(logic.le(kinks.abs(r), d), r, d * kinks.sign(r))),
    "pseudo_huber": (lambda ans, d, r: 2.0 * ans / d - r * r / (d * _root(d, r)),
                     lambda ans, d, r: r / _root(d, r)),
    "beta": (lambda ans, a, b: ans * (digamma(a) - digamma(a + b)),
             lambda ans, a, b: ans * (digamma(b) - digamma(a + b))),
    "poch": (lambda ans, z, m: ans * (digamma(z + m) - digamma(z)),
             lambda ans, z, m: ans * digamma(z + m)),
    "gammasgn": 0.0, "round": 0.0,
    "exp1": lambda ans, x: -ops.div(ops.exp(-x), x), "expi": lambda ans, x: ops.div(ops.exp(x), x),
    "dawsn": lambda ans, x: 1.0 - 2.0 * x * ans,
    "wrightomega": lambda ans, x: ops.div(ans, 1.0 + ans),
    "spence": _spence_d,                          # log(z) / (1 - z), its series near 1
    "sindg": lambda ans, x: _sp("cosdg")(x) * _DEGREE,
    "cosdg": lambda ans, x: -_sp("sindg")(x) * _DEGREE,
    # Bessel functions: the recurrences, each term SciPy's own function (a twin too)
    "j0": lambda ans, x: -_sp("j1")(x),
    "j1": lambda ans, x: 0.5 * (_sp("j0")(x) - _sp("jv")(2.0, x)),
    "y0": lambda ans, x: -_sp("y1")(x),
    "y1": lambda ans, x: 0.5 * (_sp("y0")(x) - _sp("yv")(2.0, x)),
    "i0": lambda ans, x: _sp("i1")(x),
    "i1": lambda ans, x: 0.5 * (_sp("i0")(x) + _sp("iv")(2.0, x)),
    "i0e": lambda ans, x: _sp("i1e")(x) - kinks.sign(x) * ans,            # i0(x) exp(-|x|)
    "i1e": lambda ans, x: 0.5 * (_sp("i0e")(x) + _sp("ive")(2.0, x)) - kinks.sign(x) * ans,
    "k0": lambda ans, x: -_sp("k1")(x),
    "k1": lambda ans, x: -0.5 * (_sp("k0")(x) + _sp("kv")(2.0, x)),
    "k0e": lambda ans, x: ans - _sp("k1e")(x),                              # k0(x) exp(x)
    "k1e": lambda ans, x: ans - 0.5 * (_sp("k0e")(x) + _sp("kve")(2.0, x))}
_COMPOSITES.update(_twins_distributions.PARTIALS)    # bdtr, chdtri, owens_t, ...: theirs


def _bessel(name: str, outer: float, inner: float, scale: Any = None) -> tuple[Any, Any]:
    """The partials of SciPy's Bessel function ``name(v, x)``: none in the order ``v``.

    In ``x``, the recurrence ``outer * (f(v - 1, x) + inner * f(v + 1, x)) / 2``, plus
    ``scale(ans, x)`` (the exponential factor's term) for a scaled function.
    """
    def dx(ans: Any, v: Any, x: Any) -> Any:
        f = _sp(name)
        d = outer * 0.5 * (f(v - 1, x) + inner * f(v + 1, x))
        return d if scale is None else d + scale(ans, x)
    return _no_derivative(f"special.{name}", "v", "the order"), dx


_COMPOSITES.update({
    "jv": _bessel("jv", 1.0, -1.0), "yv": _bessel("yv", 1.0, -1.0),
    "yn": _bessel("yn", 1.0, -1.0), "iv": _bessel("iv", 1.0, 1.0),
    "kv": _bessel("kv", -1.0, 1.0),
    "ive": _bessel("ive", 1.0, 1.0, lambda ans, x: -kinks.sign(x) * ans),     # iv exp(-|x|)
    "kve": _bessel("kve", -1.0, 1.0, lambda ans, x: ans)})                    # kv exp(x)


def _sp(name: str) -> Any:
    """SciPy's ufunc ``name`` with its rules, for a partial: its derivative is SciPy's too."""
    ufunc = getattr(sys.modules["scipy.special"], name)
    return scipy_ufunc(ufunc) or ufunc


def _boxcox_lmbda(ans: Any, log_x: Any, lmbda: Any) -> Any:
    """d/dlmbda of ``(x**lmbda - 1) / lmbda = L exprel(lmbda L)``, ``L = log(x)``: ``L^2 exprel'``.

    ``exprel'`` by its series near 0, so ``lmbda = 0`` and its neighbours lose no digits.
    """
    return log_x * log_x * _exprel_d(None, lmbda * log_x)


def _root(d: Any, r: Any) -> Any:
    """``sqrt(1 + (r / d)**2)``, pseudo-Huber's."""
    return ops.sqrt(1.0 + (r / d) * (r / d))


def _positive(x: Any, y: Any) -> Any:
    return logic.gt(kinks.minimum(x, y), 0.0)        # a condition only: never differentiated


def _zero_x(x: Any, y: Any) -> Any:
    return logic.logical_and(logic.eq(x, 0.0), logic.ge(y, 0.0))      # kl_div is y there


_twins: dict[Any, Callable[..., Any]] = {}


def scipy_ufunc(ufunc: Any) -> Callable[..., Any] | None:
    """Ours for SciPy's ufunc of the same name (``scipy.special.expit`` -> ``expit``).

    Consulted by ``numpy_dispatch`` when a ufunc it does not know meets a
    traced value; SciPy is loaded then (its ufunc was called), so this never
    imports it, and ``tapegrad.scipy`` imports without SciPy. What it gives
    is the *SciPy twin* of ours: SciPy's ufunc computes the values (so
    ``jit(f)(x) == f(x)`` bit for bit for code calling SciPy), ours the
    derivatives.
    """
    name = getattr(ufunc, "__name__", "")
    special = sys.modules.get("scipy.special")
    if name not in _SCIPY_UFUNCS and name not in _COMPOSITES or special is None or \
            getattr(special, name, None) is not ufunc:
        return None
    twin = _twins.get(ufunc)
    if twin is None:
        twin = _twins[ufunc] = _scipy_twin(name, ufunc)
    return twin


def _scipy_twin(name: str, ufunc: Any) -> Callable[..., Any]:
    """A primitive whose impl is SciPy's ``ufunc`` and whose rules are our ``name``'s.

    A name in ``_COMPOSITES`` (ours a composite, as ``entr``, or none, as
    ``erfcx``) gets SciPy's value and the partials given there.
    """
    ours = {"expit": ops.sigmoid, "betainc": _betainc}.get(name) or _SCIPY_UFUNCS.get(name)
    if name not in _COMPOSITES and not isinstance(ours, Primitive):
        return ours  # type: ignore[return-value]

    def impl(*args: Any) -> Any:
        return ufunc(*args)
    impl.__name__ = name
    twin = primitive(impl, f"scipy.special.{name}", elementwise=True, check_rules=False)
    if name in _COMPOSITES:
        partials = _COMPOSITES[name]
        defpartials(twin, *(partials if isinstance(partials, tuple) else (partials,)))
        return twin
    for rule in ("vjps", "jvps", "vjp_partials", "jvp_partials", "vjp_joint",
                 "jvp_joint"):
        setattr(twin, rule, getattr(ours, rule))
    return twin


ufunc_finders.append(scipy_ufunc)
