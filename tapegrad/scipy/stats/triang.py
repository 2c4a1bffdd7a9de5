"""The triangular distribution: ``scipy.stats.triang``'s functions, differentiable.

On ``[loc, loc + scale]`` with its mode at ``loc + c * scale``, ``0 <= c <= 1``.

Examples:
  >>> from tapegrad.scipy.stats import triang
  >>> round(float(triang.cdf(0.5, 0.5)), 12)
  0.5
"""

from __future__ import annotations

import math
from typing import Any

from ... import kinks, logic
from .. import _numpy_ops as ops
from ._common import Number, log_tails, mean_var, positive, quantile, standardize, tail, where_ok

__all__ = ["cdf", "entropy", "isf", "logcdf", "logpdf", "logsf", "mean", "pdf", "ppf", "sf",
           "var"]
_UNIT = (0.0, 1.0)


def _ok(c: Number, scale: Number) -> Any:
    inside = logic.logical_and(logic.ge(c, 0.0), logic.le(c, 1.0))
    return logic.logical_and(inside, positive(scale))


def _pieces(z: Number, c: Number, left: Any, right: Any, at0: Any, at1: Any) -> Number:
    """SciPy's choice: ``at0`` for ``c = 0``, ``left`` below ``c``, ``right`` above, ``at1``."""
    c0, c1 = logic.eq(c, 0.0), logic.eq(c, 1.0)
    cl = kinks.where(c0, 1.0, c)
    cr = kinks.where(c1, 0.5, c)
    r = kinks.where(c1, at1(z), right(z, cr))
    r = kinks.where(logic.lt(z, c), left(z, cl), r)
    return kinks.where(c0, at0(z), r)


def _pdf(c: Number) -> Any:
    return lambda z: _pieces(z, c, lambda z, c: 2 * z / c, lambda z, c: 2 * (1 - z) / (1 - c),
                             lambda z: 2 - 2 * z, lambda z: 2 * z)


def _cdf(c: Number) -> Any:
    return lambda z: _pieces(z, c, lambda z, c: z * z / c,
                             lambda z, c: (z * z - 2 * z + c) / (c - 1),
                             lambda z: 2 * z - z * z, lambda z: z * z)


def pdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density: ``2 z / c`` below the mode, ``2 (1 - z) / (1 - c)`` above, over ``scale``.

    Args:
      x: Where to evaluate (0 outside ``[loc, loc + scale]``).
      c: The mode's place, in ``[0, 1]`` (``nan`` outside).
      loc: The location.
      scale: The scale (``nan`` where not positive).

    Returns:
      The density, broadcast over the arguments.
    """
    z = standardize(x, loc, scale)
    inside = logic.logical_and(logic.ge(z, 0.0), logic.le(z, 1.0))
    r = kinks.where(inside, _pdf(c)(kinks.where(inside, z, 0.5)), 0.0)
    r = kinks.where(logic.eq(z, z), r, math.nan)
    return where_ok(_ok(c, scale), ops.div(r, scale), math.nan)


def logpdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density (arguments as ``pdf``; ``-inf`` outside the support)."""
    return ops.log(pdf(x, c, loc, scale))


def cdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X <= x)``: ``z**2 / c`` below the mode, ``1 - (1 - z)**2 / (1 - c)`` above."""
    return tail(x, loc, scale, _cdf(c), _ok(c, scale), _UNIT, (0.0, 1.0), 0.5)


def sf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``P(X > x) = 1 - cdf``, SciPy's."""
    return tail(x, loc, scale, lambda z: 1.0 - _cdf(c)(z), _ok(c, scale), _UNIT, (1.0, 0.0), 0.5)


def _log(x: Number, c: Number, loc: Number, scale: Number, which: str) -> Number:
    median = _standard_ppf(c)(0.5)
    outside = (-math.inf, 0.0) if which == "cdf" else (0.0, -math.inf)
    return tail(x, loc, scale, lambda z: log_tails(z, _cdf(c), lambda u: 1.0 - _cdf(c)(u),
                                                   median, which), _ok(c, scale), _UNIT,
                outside, 0.5)


def logcdf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X <= x)``: ``log(cdf)`` below the median, ``log1p(-sf)`` above (SciPy's)."""
    return _log(x, c, loc, scale, "cdf")


def logsf(x: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """``log P(X > x)``: ``log(sf)`` above the median, ``log1p(-cdf)`` below (SciPy's)."""
    return _log(x, c, loc, scale, "sf")


def _standard_ppf(c: Number) -> Any:
    def standard(q: Number) -> Number:
        lower = logic.lt(q, c)
        left = ops.sqrt(c * kinks.where(lower, q, 0.0))
        right = 1 - ops.sqrt((1 - c) * (1 - kinks.where(lower, 0.0, q)))
        return kinks.where(lower, left, right)
    return standard


def ppf(q: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The quantile: ``sqrt(c q)`` below ``c``, ``1 - sqrt((1 - c)(1 - q))`` above."""
    return quantile(q, _standard_ppf(c), loc, scale, _ok(c, scale), _UNIT)


def isf(q: Number, c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The inverse of ``sf``: ``ppf(1 - q)``, SciPy's."""
    return quantile(q, lambda p: _standard_ppf(c)(1.0 - p), loc, scale, _ok(c, scale),
                    _UNIT[::-1])


def mean(c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The mean ``(1 + c) / 3 * scale + loc``."""
    return mean_var((c + 1.0) / 3.0, 0.0, loc, scale, _ok(c, scale), "mean")


def var(c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The variance ``(1 - c + c**2) / 18 * scale**2``."""
    return mean_var(0.0, (1.0 - c + c * c) / 18, loc, scale, _ok(c, scale), "var")


def entropy(c: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The differential entropy ``1/2 - log(2) + log(scale)``."""
    r = 0.5 - math.log(2) + ops.log(scale) + 0.0 * loc + 0.0 * c
    return mean_var(r, r, 0.0, 1.0, _ok(c, scale), "mean")
