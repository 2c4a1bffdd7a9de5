"""The von Mises distribution: ``scipy.stats.vonmises``'s density, differentiable.

The density ``exp(kappa cos z) / (2 pi I0(kappa))``, on the whole line as
SciPy's (periodic), with ``I0(kappa) exp(-kappa)`` summed by NumPy's
Chebyshev series for ``i0`` (so a large ``kappa`` does not overflow).

Examples:
  >>> import math
  >>> from tapegrad.scipy.stats import vonmises
  >>> round(float(vonmises.pdf(1.0, 0.0)) * 2 * math.pi, 12)      # kappa = 0: uniform
  1.0
"""

from __future__ import annotations

import math

from ... import kinks, logic
from ...bessel import _I0_LARGE, _I0_SMALL, _chbevl
from .. import _numpy_ops as ops
from ._common import Number, positive, standardize, where_ok

__all__ = ["logpdf", "pdf"]
_LOG_2PI = math.log(2.0 * math.pi)


def log_i0e(kappa: Number) -> Number:
    """``log(i0(kappa) exp(-kappa))`` for ``kappa >= 0``, NumPy's series for each side of 8."""
    small = logic.le(kappa, 8.0)
    near = kinks.where(small, kappa, 0.0)      # each branch on values meant for it
    far = kinks.where(small, 8.0, kappa)
    inner = ops.log(_chbevl(near / 2.0 - 2.0, _I0_SMALL))
    outer = ops.log(_chbevl(32.0 / far - 2.0, _I0_LARGE)) - 0.5 * ops.log(far)
    return kinks.where(small, inner, outer)


def _ok(kappa: Number, scale: Number) -> Number:
    ok = positive(scale)
    nonneg = logic.ge(kappa, 0.0)
    return nonneg if ok is True else logic.logical_and(ok, nonneg)


def logpdf(x: Number, kappa: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """Log of the density at ``x``: ``kappa (cos z - 1) - log(2 pi i0e(kappa)) - log(scale)``.

    Args:
      x: Where to evaluate.
      kappa: The concentration (``nan`` where negative).
      loc: The mean direction.
      scale: The scale (``nan`` where not positive).

    Returns:
      The log-density, broadcast over the arguments.
    """
    z = standardize(x, loc, scale)
    s = ops.sin(0.5 * z)
    cosm1 = -2.0 * (s * s)                     # cos(z) - 1 without the cancellation near 0
    safe = kinks.maximum(kappa, 0.0)
    r = kappa * cosm1 - _LOG_2PI - log_i0e(safe) - ops.log(scale)
    return where_ok(_ok(kappa, scale), r, math.nan)


def pdf(x: Number, kappa: Number, loc: Number = 0, scale: Number = 1) -> Number:
    """The density at ``x`` (arguments as ``logpdf``)."""
    return ops.exp(logpdf(x, kappa, loc, scale))
