"""The partials of SciPy's distribution functions, for their twins (``_scipy_twins``).

SciPy computes the values (``scipy.special.bdtr``, ``chdtri``, ``owens_t``,
...); these partials are written with tapegrad's differentiable functions,
so every order of derivative works where theirs do. An inverse's derivative
is one over the forward function's at the answer, and in a parameter the
implicit function's: ``-(dF/dparam) / (dF/dx)``. Counts (``bdtr``'s ``k``
and ``n``, ``smirnov``'s ``n``) have no derivative: differentiating one
raises. A partial through a shape derivative of ``gammainc`` or ``betainc``
(``chdtr``'s ``v``, ``betaincinv``'s ``a``) works once, as theirs.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import kinks, logic, reductions
from ..arrays import floor
from ..values import Traced, primal_value
from . import _numpy_ops as ops
from .special import (
    _beta_density,
    _betainc_da,
    _betainc_db,
    _gamma_density,
    _gammainc_da,
    _stdtr_ddf,
    _t_density,
    gammaln,
    ndtr,
)

__all__ = ["PARTIALS"]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _count(function: str, name: str) -> Any:
    """A partial that refuses: ``function``'s ``name`` is a count, with no derivative."""
    def refuse(*_: Any) -> Any:
        raise TypeError(
            f"scipy.special.{function} is not differentiable in {name}: {name} is a count (an "
            f"integer), so there is no derivative. Hold {name} constant (a plain number, or "
            f"tg.stop_gradient({name})) and differentiate in the other arguments.")
    return refuse


# ------------------------------------------------------- binomial, negative binomial, Poisson
def _bdtr_dp(k: Any, n: Any, p: Any) -> Any:
    """d/dp of ``bdtr(k, n, p) = I_(1-p)(n - k, k + 1)``; 0 from ``k = n`` on (it is 1 there)."""
    kf = floor(k)
    inside = logic.lt(kf, n)
    a = kinks.where(inside, n - kf, 1.0)
    return kinks.where(inside, -_beta_density(a, kf + 1.0, 1.0 - p), 0.0)


def _nbdtr_dp(k: Any, n: Any, p: Any) -> Any:
    """d/dp of ``nbdtr(k, n, p) = I_p(n, k + 1)`` (``k`` and ``n`` truncated, as SciPy's)."""
    return _beta_density(_trunc(n), _trunc(k) + 1.0, p)


def _trunc(v: Any) -> Any:
    return kinks.where(logic.lt(v, 0.0), -floor(-v), floor(v))


def _pdtr_dm(k: Any, m: Any) -> Any:
    """d/dm of ``pdtr(k, m) = gammaincc(floor(k) + 1, m)``: minus Poisson's ``pmf(k, m)``."""
    return -_gamma_density(floor(k) + 1.0, m)


# ------------------------------------------------------------------------ chi-squared, gamma
def _chi2_pdf(v: Any, x: Any) -> Any:
    """The chi-squared density, d/dx of ``chdtr(v, x)`` (0 below 0)."""
    return kinks.where(logic.gt(x, 0.0), 0.5 * _gamma_density(0.5 * v, 0.5 * kinks.maximum(x, 0.0)),
                       0.0)


def _chdtr_dv(v: Any, x: Any) -> Any:
    return 0.5 * _gammainc_da(0.5 * v, 0.5 * x)


def _gdtr_dx(a: Any, b: Any, x: Any) -> Any:
    """d/dx of ``gdtr(a, b, x) = gammainc(b, a x)``: the gamma density of rate ``a``."""
    return a * _gamma_density(b, a * x)


# ---------------------------------------------------------------------------------- F
def _f_parts(dfn: Any, dfd: Any, x: Any) -> tuple[Any, Any, Any, Any]:
    """``(density at w, dw/dx, dw/ddfn, dw/ddfd)``, ``w = dfn x / (dfn x + dfd)``."""
    s = dfn * x + dfd
    w = dfn * x / s
    return _beta_density(0.5 * dfn, 0.5 * dfd, w), dfn * dfd / (s * s), x * dfd / (s * s), \
        -dfn * x / (s * s)


def _fdtr(which: int) -> Any:
    """d/d(dfn, dfd, x)[which] of ``fdtr = betainc(dfn / 2, dfd / 2, w)``."""
    def partial(ans: Any, dfn: Any, dfd: Any, x: Any) -> Any:
        dens, dx, dn, dd = _f_parts(dfn, dfd, x)
        if which == 2:
            return dens * dx
        a, b, w = 0.5 * dfn, 0.5 * dfd, dfn * x / (dfn * x + dfd)
        if which == 0:
            return 0.5 * _betainc_da(a, b, w) + dens * dn
        return 0.5 * _betainc_db(a, b, w) + dens * dd
    return partial


def _negated(partial: Any) -> Any:
    return lambda *args: -partial(*args)


def _fdtri(which: int) -> Any:
    """d/d(dfn, dfd, p)[which] of ``fdtri``: the implicit function of ``fdtr(dfn, dfd, x) = p``."""
    def partial(ans: Any, dfn: Any, dfd: Any, p: Any) -> Any:
        slope = _fdtr(2)(p, dfn, dfd, ans)
        return 1.0 / slope if which == 2 else -_fdtr(which)(p, dfn, dfd, ans) / slope
    return partial


# -------------------------------------------------------------------------- Kolmogorov, Smirnov
def _kolmogorov_dx(x: Any) -> Any:
    """d/dx of ``kolmogorov(x)``, its two series (Jacobi's theta form below 1); 0 at ``x <= 0``."""
    small = logic.lt(x, 1.0)
    xs = kinks.where(small, kinks.maximum(x, 0.02), 1.0)        # each series on its own side
    xl = kinks.where(small, 1.0, x)
    theta = 0.0
    for k in range(1, 11):
        c = (2 * k - 1) ** 2 * math.pi ** 2 / 8.0
        theta = theta + ops.exp(-c / (xs * xs)) * (2.0 * c / xs ** 4 - 1.0 / (xs * xs))
    alternating = 0.0
    for k in range(1, 11):
        alternating = alternating + (-1) ** (k - 1) * k * k * ops.exp(-2.0 * k * k * xl * xl)
    r = kinks.where(small, -_SQRT_2PI * theta, -8.0 * xl * alternating)
    return kinks.where(logic.gt(x, 0.02), r, 0.0)       # below 0.02 it underflows to 0


def _smirnov_dd(n: Any, d: Any) -> Any:
    """d/dd of ``smirnov(n, d)``: Birnbaum and Tingey's sum differentiated term by term.

    ``smirnov(n, d) = sum_j C(n, j) d (1 - d - j/n)**(n-j) (d + j/n)**(j-1)`` over
    ``j <= n (1 - d)``; every term is positive, and computed through its log.
    """
    n = floor(n)                                     # SciPy truncates a fractional n
    top = int(np.max(np.asarray(primal_value(n), dtype=float), initial=0.0))
    if isinstance(n, Traced):      # the sum runs to the largest n seen: a guard, so that jit
        bool(logic.le(reductions.max(n), float(top)))      # retraces for a larger one
    inside = logic.logical_and(logic.gt(d, 0.0), logic.lt(d, 1.0))
    ds = kinks.where(inside, d, 0.5)
    total = 0.0
    for j in range(top + 1):
        a = 1.0 - ds - j / kinks.maximum(n, 1.0)
        b = ds + j / kinks.maximum(n, 1.0)
        keep = logic.logical_and(logic.gt(a, 0.0), j <= n)
        sa = kinks.where(keep, a, 1.0)
        log_term = (gammaln(n + 1.0) - gammaln(j + 1.0) - gammaln(kinks.maximum(n - j, 0.0) + 1.0)
                    + ops.log(ds) + (n - j) * ops.log(sa) + (j - 1.0) * ops.log(b))
        factor = 1.0 / ds - (n - j) / sa + (j - 1.0) / b
        total = total + kinks.where(keep, ops.exp(log_term) * factor, 0.0)
    return kinks.where(inside, total, 0.0)


# ------------------------------------------------------------------------------- Tukey lambda
def _tukey_parts(f: Any, lmbda: Any) -> tuple[Any, Any]:
    """``(dQ/dF, dQ/dlmbda)`` of Tukey's quantile ``Q = (F**l - (1-F)**l) / l`` at ``F``."""
    inside = logic.logical_and(logic.gt(f, 0.0), logic.lt(f, 1.0))
    fs = kinks.where(inside, f, 0.5)
    lf, lg = ops.log(fs), ops.log1p(-fs)
    zero = logic.eq(lmbda, 0.0)
    ls = kinks.where(zero, 1.0, lmbda)
    pf, pg = ops.exp(ls * lf), ops.exp(ls * lg)
    dq_df = ops.exp((lmbda - 1.0) * lf) + ops.exp((lmbda - 1.0) * lg)
    dq_dl = kinks.where(zero, 0.5 * (lf * lf - lg * lg),
                        ((pf * lf - pg * lg) * ls - (pf - pg)) / (ls * ls))
    return dq_df, dq_dl


def _tklmbda(which: int) -> Any:
    """d/dx (``which`` 0) or d/dlmbda of ``tklmbda(x, lmbda)``; 0 outside the support."""
    def partial(ans: Any, x: Any, lmbda: Any) -> Any:
        dq_df, dq_dl = _tukey_parts(ans, lmbda)
        r = 1.0 / dq_df if which == 0 else -dq_dl / dq_df
        return kinks.where(logic.logical_and(logic.gt(ans, 0.0), logic.lt(ans, 1.0)), r, 0.0)
    return partial


# ------------------------------------------------------------------------------ Owen's T
def _owens_t_dh(h: Any, a: Any) -> Any:
    """d/dh of Owen's ``T(h, a)``: ``-phi(h) erf(a h / sqrt 2) / 2 = -phi(h) (ndtr(a h) - 1/2)``."""
    return -ops.exp(-0.5 * h * h - _LOG_SQRT_2PI) * (ndtr(a * h) - 0.5)


def _owens_t_da(h: Any, a: Any) -> Any:
    """d/da of Owen's ``T(h, a)``: ``exp(-h**2 (1 + a**2) / 2) / (2 pi (1 + a**2))``."""
    s = 1.0 + a * a
    return ops.exp(-0.5 * h * h * s) / (2.0 * math.pi * s)


# ------------------------------------------------------------------------------ the table
def _inverse_of(slope: Any) -> Any:
    """``1 / slope(...)``: the derivative of an inverse in its probability."""
    return lambda *args: 1.0 / slope(*args)


def _betaincinv(which: int, sign: float) -> Any:
    """``betaincinv`` (``sign`` 1) or ``betainccinv`` (-1): in ``a``, ``b`` or ``y``."""
    def partial(ans: Any, a: Any, b: Any, y: Any) -> Any:
        dens = _beta_density(a, b, ans)
        if which == 2:
            return sign / dens
        return -(_betainc_da(a, b, ans) if which == 0 else _betainc_db(a, b, ans)) / dens
    return partial


def _gammaincinv(which: int, sign: float) -> Any:
    def partial(ans: Any, a: Any, y: Any) -> Any:
        dens = _gamma_density(a, ans)
        return sign / dens if which == 1 else -_gammainc_da(a, ans) / dens
    return partial


PARTIALS: dict[str, Any] = {
    "bdtr": (_count("bdtr", "k"), _count("bdtr", "n"), lambda ans, k, n, p: _bdtr_dp(k, n, p)),
    "bdtrc": (_count("bdtrc", "k"), _count("bdtrc", "n"),
              lambda ans, k, n, p: -_bdtr_dp(k, n, p)),
    "bdtri": (_count("bdtri", "k"), _count("bdtri", "n"),
              lambda ans, k, n, y: 1.0 / _bdtr_dp(k, n, ans)),
    "nbdtr": (_count("nbdtr", "k"), _count("nbdtr", "n"), lambda ans, k, n, p: _nbdtr_dp(k, n, p)),
    "nbdtrc": (_count("nbdtrc", "k"), _count("nbdtrc", "n"),
               lambda ans, k, n, p: -_nbdtr_dp(k, n, p)),
    "nbdtri": (_count("nbdtri", "k"), _count("nbdtri", "n"),
               lambda ans, k, n, y: 1.0 / _nbdtr_dp(k, n, ans)),
    "pdtr": (_count("pdtr", "k"), lambda ans, k, m: _pdtr_dm(k, m)),
    "pdtrc": (_count("pdtrc", "k"), lambda ans, k, m: -_pdtr_dm(k, m)),
    "pdtri": (_count("pdtri", "k"), lambda ans, k, y: 1.0 / _pdtr_dm(k, ans)),
    "chdtr": (lambda ans, v, x: _chdtr_dv(v, x), lambda ans, v, x: _chi2_pdf(v, x)),
    "chdtrc": (lambda ans, v, x: -_chdtr_dv(v, x), lambda ans, v, x: -_chi2_pdf(v, x)),
    "chdtri": (lambda ans, v, p: -_chdtr_dv(v, ans) / _chi2_pdf(v, ans),
               lambda ans, v, p: -1.0 / _chi2_pdf(v, ans)),
    "gdtr": (lambda ans, a, b, x: x * _gamma_density(b, a * x),
             lambda ans, a, b, x: _gammainc_da(b, a * x), lambda ans, a, b, x: _gdtr_dx(a, b, x)),
    "gdtrc": (lambda ans, a, b, x: -x * _gamma_density(b, a * x),
              lambda ans, a, b, x: -_gammainc_da(b, a * x),
              lambda ans, a, b, x: -_gdtr_dx(a, b, x)),
    "gdtrix": (lambda ans, a, b, p: -ans / a,
               lambda ans, a, b, p: -_gammainc_da(b, a * ans) / _gdtr_dx(a, b, ans),
               lambda ans, a, b, p: 1.0 / _gdtr_dx(a, b, ans)),
    "fdtr": (_fdtr(0), _fdtr(1), _fdtr(2)),
    "fdtrc": (_negated(_fdtr(0)), _negated(_fdtr(1)), _negated(_fdtr(2))),
    "fdtri": (_fdtri(0), _fdtri(1), _fdtri(2)),
    "stdtrit": (lambda ans, df, p: -_stdtr_ddf(df, ans) / _t_density(df, ans),
                lambda ans, df, p: 1.0 / _t_density(df, ans)),
    "owens_t": (lambda ans, h, a: _owens_t_dh(h, a), lambda ans, h, a: _owens_t_da(h, a)),
    "kolmogorov": lambda ans, x: _kolmogorov_dx(x),
    "kolmogi": lambda ans, p: 1.0 / _kolmogorov_dx(ans),
    "smirnov": (_count("smirnov", "n"), lambda ans, n, d: _smirnov_dd(n, d)),
    "smirnovi": (_count("smirnovi", "n"), lambda ans, n, p: 1.0 / _smirnov_dd(n, ans)),
    "tklmbda": (_tklmbda(0), _tklmbda(1)),
    "gammaincinv": (_gammaincinv(0, 1.0), _gammaincinv(1, 1.0)),
    "gammainccinv": (_gammaincinv(0, -1.0), _gammaincinv(1, -1.0)),
    "betaincinv": (_betaincinv(0, 1.0), _betaincinv(1, 1.0), _betaincinv(2, 1.0)),
    "betainccinv": (_betaincinv(0, -1.0), _betaincinv(1, -1.0), _betaincinv(2, -1.0)),
    "betaincc": (lambda ans, a, b, x: -_betainc_da(a, b, x),
                 lambda ans, a, b, x: -_betainc_db(a, b, x),
                 lambda ans, a, b, x: -_beta_density(a, b, x)),
    # the shape with betainc(a, b, x) = p: the implicit function, through betainc's a or b
    "btdtria": (lambda ans, p, b, x: 1.0 / _betainc_da(ans, b, x),
                lambda ans, p, b, x: -_betainc_db(ans, b, x) / _betainc_da(ans, b, x),
                lambda ans, p, b, x: -_beta_density(ans, b, x) / _betainc_da(ans, b, x)),
    "btdtrib": (lambda ans, a, p, x: -_betainc_da(a, ans, x) / _betainc_db(a, ans, x),
                lambda ans, a, p, x: 1.0 / _betainc_db(a, ans, x),
                lambda ans, a, p, x: -_beta_density(a, ans, x) / _betainc_db(a, ans, x)),
}
