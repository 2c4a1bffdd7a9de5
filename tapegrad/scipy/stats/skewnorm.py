"""The skew-normal distribution: ``scipy.stats.skewnorm``'s functions, differentiable.

Density ``2 phi(z) Phi(a z)`` for ``z = (x - loc) / scale``, shape ``a`` (finite).
The CDF, survival function and quantiles are SciPy's own (Boost's, through
``scipy.special._ufuncs``; needs SciPy), their derivatives written here:
``d cdf / dz`` is the density, ``d cdf / da = -exp(-z**2 (1 + a**2) / 2) / (pi (1 + a**2))``
(Owen's T's), and a quantile's are the implicit function's; every order works.

Examples:
  >>> import tapegrad as tg
  >>> from tapegrad.scipy.stats import skewnorm
  >>> round(float(tg.grad(skewnorm.cdf, argnums=1)(0.0, 0.0)), 12)     # -1 / pi
  -0.318309886184
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ... import kinks, logic
from ...primitive import defpartials, primitive
from .. import _numpy_ops as ops
from .._special_more import _scipy
from ..special import log_ndtr
from ._common import (
    LOG_SQRT_2PI,
    Number,
    log_tails,
    mean_var,
    positive,
    quantile,
    scaled_logpdf,
    tail,
)

__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "mean", "pdf", "ppf", "sf", "var"]
_LINE = (-math.inf, math.inf)


def _ok(a: Number, scale: Number) -> Any:
    return logic.logical_and(logic.lt(kinks.abs(a), math.inf), positive(scale))


def _standard_logpdf(z: Number, a: Number) -> Number:
    normal = -0.5 * (z * z) - LOG_SQRT_2PI
    return kinks.where(logic.eq(a, 0.0), normal, math.log(2) + normal + log_ndtr(a * z))


def _dcdf_da(z: Number, a: Number) -> Number:
    s = 1.0 + a * a
    return -ops.exp(-0.5 * z * z * s) / (math.pi * s)


def _ufunc(name: str) -> Any:
    def impl(p: Any, a: Any) -> Any:
        ufunc = _scipy(f"_skewnorm_{name}", "scipy.special._ufuncs")
        if name == "cdf":
            return ufunc(p, 0.0, 1.0, a)
        inside = (p > 0) & (p < 1)          # Boost raises outside (0, 1): nan there
        r = ufunc(np.where(inside, p, 0.5), 0.0, 1.0, a)
        return np.where(inside, r, np.nan)[()]
    impl.__name__ = f"skewnorm_{name}"
    return primitive(impl, f"scipy.stats.skewnorm.{name}", elementwise=True, check_rules=False)


_cdf, _ppf, _isf = _ufunc("cdf"), _ufunc("ppf"), _ufunc("isf")
defpartials(_cdf, lambda ans, z, a: ops.exp(_standard_logpdf(z, a)),
            lambda ans, z, a: _dcdf_da(z, a))
defpartials(_ppf, lambda ans, q, a: ops.exp(-_standard_logpdf(ans, a)),
            lambda ans, q, a: -_dcdf_da(ans, a) * ops.exp(-_standard_logpdf(ans, a)))
defpartials(_isf, lambda ans, q, a: -ops.exp(-_standard_logpdf(ans, a)),
            lambda ans, q, a: -_dcdf_da(ans, a) * ops.exp(-_standard_logpdf(ans, a)))


def logpdf(x: Number, a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density: ``log(2) + norm.logpdf(z) + log_ndtr(a z) - log(scale)``.

    Args:
      x: Where to evaluate.
      a: The shape (``nan`` where not finite); 0 is the normal.
      loc: The location.
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    return scaled_logpdf(x, loc, scale, lambda z: _standard_logpdf(z, a), _ok(a, scale), _LINE)


def pdf(x: Number, a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, a, loc, scale))


def _standard_cdf(a: Number) -> Any:
    return lambda z: kinks.clip(_cdf(z, a), 0.0, 1.0)


def _standard_sf(a: Number) -> Any:
    return lambda z: kinks.clip(_cdf(-z, -a), 0.0, 1.0)


def cdf(x: Number, a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x)``, SciPy's (Boost's ``ndtr(z) - 2 T(z, a)``)."""
    return tail(x, loc, scale, _standard_cdf(a), _ok(a, scale), _LINE, (0.0, 1.0))


def sf(x: Number, a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x)``: the CDF at ``-z`` with shape ``-a``, SciPy's."""
    return tail(x, loc, scale, _standard_sf(a), _ok(a, scale), _LINE, (1.0, 0.0))


def _log(x: Number, a: Number, loc: Number, scale: Number, which: str) -> Number:
    median = _ppf(0.5, a)
    outside = (-math.inf, 0.0) if which == "cdf" else (0.0, -math.inf)
    return tail(x, loc, scale, lambda z: log_tails(z, _standard_cdf(a), _standard_sf(a), median,
                                                   which), _ok(a, scale), _LINE, outside)


def logcdf(x: Number, a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x)``: ``log(cdf)`` below the median, ``log1p(-sf)`` above (SciPy's)."""
    return _log(x, a, loc, scale, "cdf")


def logsf(x: Number, a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x)``: ``log(sf)`` above the median, ``log1p(-cdf)`` below (SciPy's)."""
    return _log(x, a, loc, scale, "sf")


def ppf(q: Number, a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile, SciPy's (Boost's) times ``scale`` plus ``loc``."""
    return quantile(q, lambda p: _ppf(p, a), loc, scale, _ok(a, scale), _LINE)


def isf(q: Number, a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``, SciPy's (Boost's) times ``scale`` plus ``loc``."""
    return quantile(q, lambda p: _isf(p, a), loc, scale, _ok(a, scale), _LINE[::-1])


def _moments(a: Number) -> tuple[Number, Number]:
    const = math.sqrt(2 / math.pi) * a / ops.sqrt(1 + a * a)
    return const, 1 - const * const


def mean(a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The mean ``sqrt(2/pi) a / sqrt(1 + a**2) * scale + loc``."""
    return mean_var(*_moments(a), loc, scale, _ok(a, scale), "mean")


def var(a: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The variance ``(1 - 2 a**2 / (pi (1 + a**2))) * scale**2``."""
    return mean_var(*_moments(a), loc, scale, _ok(a, scale), "var")
