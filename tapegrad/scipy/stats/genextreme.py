"""The generalized extreme value distribution: ``scipy.stats.genextreme``'s functions.

SciPy's convention: ``cdf = exp(-(1 - c z)**(1/c))`` for ``z = (x - loc) / scale``
(``c > 0``: bounded above by ``1/c``; ``c < 0``: below by ``1/c``; ``c = 0``:
Gumbel's ``exp(-exp(-z))``). Differentiable in every argument, ``c = 0``
included: there the formulas' branch carries the series' first terms in ``c``.

Examples:
  >>> from tapegrad.scipy.stats import genextreme
  >>> round(float(genextreme.cdf(0.0, 0.0)), 12)          # exp(-1)
  0.367879441171
"""

from __future__ import annotations

import math
from typing import Any

from ... import kinks, logic
from .. import _numpy_ops as ops
from ..special import gamma, gammaln
from ._common import Number, in_unit, log_tails, mean_var, on_support, standardize, tail, where_ok

__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "mean", "pdf", "ppf", "sf", "var"]
_EULER = 0.5772156649015329
_ZETA3 = 1.2020569031595942


def _ok(c: Number, scale: Number) -> Any:
    return logic.logical_and(logic.lt(kinks.abs(c), math.inf), logic.gt(scale, 0.0))


def _support(c: Number) -> tuple[Any, Any]:
    pos, neg = logic.gt(c, 0.0), logic.lt(c, 0.0)
    return (kinks.where(neg, 1.0 / kinks.where(neg, c, -1.0), -math.inf),
            kinks.where(pos, 1.0 / kinks.where(pos, c, 1.0), math.inf))


def _loglogcdf(z: Number, c: Number) -> Number:
    """``log(-log(cdf)) = log1p(-c z) / c``; at ``c = 0`` its series ``-z - c z**2 / 2 - ...``."""
    zero = logic.eq(c, 0.0)
    cs = kinks.where(zero, 1.0, c)
    return kinks.where(zero, -z - c * (z * z) / 2 - c * c * (z * z * z) / 3,
                       ops.log1p(-cs * z) / cs)


def logpdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density: ``-(1 - c z)**(1/c) + (1/c - 1) log1p(-c z) - log(scale)``.

    Args:
      x: Where to evaluate (``-inf`` off the support).
      c: The shape (``nan`` where not finite).
      loc: The location.
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    def standard(z: Number) -> Number:
        lpex2 = _loglogcdf(kinks.where(logic.eq(kinks.abs(z), math.inf), 0.0, z), c)
        r = -ops.exp(lpex2) + lpex2 - ops.log1p(-c * z)
        r = kinks.where(logic.eq(c * z, 1.0), kinks.where(logic.eq(c, 1.0), 0.0, -math.inf), r)
        return kinks.where(logic.eq(kinks.abs(z), math.inf), -math.inf, r)
    z = standardize(x, loc, scale)
    lo, hi = _support(c)
    return on_support(z, standard, _ok(c, scale), (lo, hi), safe=0.0) - ops.log(scale)


def pdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, c, loc, scale))


def _tail(x: Number, c: Number, loc: Number, scale: Number, fun: Any,
          outside: tuple[float, float]) -> Number:
    return tail(x, loc, scale, fun, _ok(c, scale), _support(c), outside, 0.0)


def logcdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x) = -exp(log1p(-c z) / c)``."""
    return _tail(x, c, loc, scale, lambda z: -ops.exp(_loglogcdf(z, c)), (-math.inf, 0.0))


def cdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x) = exp(logcdf)``."""
    return _tail(x, c, loc, scale, lambda z: ops.exp(-ops.exp(_loglogcdf(z, c))), (0.0, 1.0))


def sf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x) = -expm1(logcdf)``."""
    return _tail(x, c, loc, scale, lambda z: -ops.expm1(-ops.exp(_loglogcdf(z, c))), (1.0, 0.0))


def logsf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x)``: ``log(sf)`` above the median, ``log1p(-cdf)`` below (SciPy's)."""
    median = _from_gumbel(-math.log(math.log(2.0)), c)
    return _tail(x, c, loc, scale, lambda z: log_tails(
        z, lambda u: ops.exp(-ops.exp(_loglogcdf(u, c))),
        lambda u: -ops.expm1(-ops.exp(_loglogcdf(u, c))), median, "sf"), (0.0, -math.inf))


def _from_gumbel(x: Number, c: Number) -> Number:
    """``-expm1(-c x) / c``; at ``c = 0`` its series ``x - c x**2 / 2 + c**2 x**3 / 6``."""
    zero = logic.eq(c, 0.0)
    cs = kinks.where(zero, 1.0, c)
    return kinks.where(zero, x - c * (x * x) / 2 + c * c * (x * x * x) / 6,
                       -ops.expm1(-cs * x) / cs)


def _quantile(q: Number, c: Number, loc: Number, scale: Number, upper: bool) -> Number:
    inside, qs = in_unit(as_q := q)
    g = -ops.log(-(ops.log1p(-qs) if upper else ops.log(qs)))
    lo, hi = _support(c)
    first, last = (hi, lo) if upper else (lo, hi)
    z = kinks.where(inside, _from_gumbel(g, c), kinks.where(logic.eq(as_q, 0.0), first, last))
    valid = logic.logical_and(logic.ge(q, 0.0), logic.le(q, 1.0))
    return where_ok(logic.logical_and(_ok(c, scale), valid), z * scale + loc, math.nan)


def ppf(q: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile ``-expm1(c log(-log q)) / c * scale + loc`` (Gumbel's at ``c = 0``)."""
    return _quantile(q, c, loc, scale, False)


def isf(q: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``: ``ppf`` at ``1 - q``, computed with ``log1p(-q)``."""
    return _quantile(q, c, loc, scale, True)


def _moments(c: Number) -> tuple[Number, Number]:
    """SciPy's: ``-expm1(gammaln(c + 1)) / c`` and ``gamma(c+1)**2 expm1(...) / c**2``.

    Below ``|c| = 1e-7`` SciPy's constants, with the series' slope in ``c`` (so
    the derivative at ``c = 0`` is the functions'): ``zeta(2) / 2 + euler**2 / 2``
    and ``-2 zeta(3)``.
    """
    small = logic.lt(kinks.abs(c), 1e-7)
    cs = kinks.where(small, 1.0, kinks.maximum(c, -0.4))
    gamk = kinks.where(small, -_EULER + c * (math.pi ** 2 / 12 + _EULER ** 2 / 2),
                       ops.expm1(gammaln(cs + 1)) / cs)
    gam2k = kinks.where(small, math.pi ** 2 / 6 - 2 * _ZETA3 * c, ops.expm1(
        gammaln(2.0 * cs + 1.0) - 2 * gammaln(cs + 1.0)) / (cs * cs))
    g1 = gamma(kinks.maximum(c, -0.4) + 1)
    m = kinks.where(logic.lt(c, -1.0), math.nan, -gamk)
    v = kinks.where(logic.lt(c, -0.5), math.nan, g1 * g1 * gam2k)
    return m, v


def mean(c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The mean, SciPy's (``nan`` for ``c < -1``); Gumbel's ``euler`` at ``c = 0``."""
    return mean_var(*_moments(c), loc, scale, _ok(c, scale), "mean")


def var(c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The variance, SciPy's (``nan`` for ``c < -1/2``); ``pi**2 / 6`` at ``c = 0``."""
    return mean_var(*_moments(c), loc, scale, _ok(c, scale), "var")
