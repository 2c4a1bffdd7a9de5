"""``np.interp`` on traced values: one primitive, differentiable in ``x`` and ``fp``.

``interp(x, xp, fp)`` is linear in ``fp``: ``sum(W(x) * fp)`` with ``W(x)`` the
two hat-function weights of ``x``'s interval (a constant per ``x``), and
piecewise linear in ``x`` with slope ``sum(dW(x) * fp)``. Both rules are
written with those weights (``weights_p``, whose own derivative in ``x`` is
``dW``, which has none), so they differentiate again. The slope at a knot is
that of the interval to its right (JAX's convention); outside
``[xp[0], xp[-1]]`` the derivative in ``x`` is zero.

Traced knots ``xp`` (a weighted quantile's cumulative weights, an envelope's
breakpoints) reach the primitive as their values: inside ``x``'s interval
``[a, b]`` the interpolant depends on the knots only through
``t = (x - a) / (b - a)``, so ``interp(x, xp, fp)`` is ``interp(u, xp0, fp)``
at the constant knots ``xp0`` with ``u = a0 + t (b0 - a0)``, and ``u`` is
``x`` in value. ``_moved`` passes ``x``'s own value carrying ``u``'s
derivatives; every order follows by the chain rule.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import astype, concatenate
from .binning import searchsorted
from .elementary import isinf
from .indexing import take
from .kinks import clip, minimum, stop_gradient, where
from .numpy_dispatch import functions
from .primitive import Primitive, defjvp, defvjp, primitive
from .reductions import sum as tg_sum
from .shapes import reshape as reshape_to
from .values import Traced, shape_of

__all__ = ["interp"]

Number = Any


def _interval(x: np.ndarray, xp: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each ``x``'s interval ``j`` (``xp[j] <= x < xp[j + 1]``), its width and position."""
    n = len(xp)
    j = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, max(n - 2, 0))
    h = xp[np.minimum(j + 1, n - 1)] - xp[j]
    safe = np.where(h == 0, 1.0, h)
    return j, safe, (x - xp[j]) / safe


def _hats(x: Any, xp: Any, left: Any, right: Any, slope: bool) -> np.ndarray:
    """``W(x)`` (or ``dW(x)`` with ``slope``): one row of weights over ``xp`` per ``x``."""
    x = np.asarray(x, dtype=float)
    xp = np.asarray(xp, dtype=float)
    n = len(xp)
    out = np.zeros(x.shape + (n,))
    j, h, t = _interval(x, xp)
    inside = (x >= xp[0]) & (x <= xp[-1]) if n > 1 else np.zeros(x.shape, bool)
    lo, hi = (-1.0 / h, 1.0 / h) if slope else (1.0 - t, t)
    np.put_along_axis(out, j[..., None], np.where(inside, lo, 0.0)[..., None], -1)
    if n > 1:
        np.put_along_axis(out, np.minimum(j + 1, n - 1)[..., None],
                          np.where(inside, hi, 0.0)[..., None], -1)
    if not slope:
        out[..., 0] += np.where((x < xp[0]) & (left is None) | (n == 1) & (x <= xp[0]),
                                1.0, 0.0)
        out[..., -1] += np.where((x > xp[-1]) & (right is None), 1.0, 0.0)
    return out


def _weights(x: Any, xp: Any, left: Any, right: Any) -> np.ndarray:
    return _hats(x, xp, left, right, slope=False)


def _slopes(x: Any, xp: Any, left: Any, right: Any) -> np.ndarray:
    return _hats(x, xp, left, right, slope=True)


slopes_p: Primitive = primitive(_slopes, "interp_slopes", check_rules=False)
defvjp(slopes_p, None, None, None, None)      # piecewise constant in x
defjvp(slopes_p, None, None, None, None)
weights_p: Primitive = primitive(_weights, "interp_weights", check_rules=False)
defvjp(weights_p, lambda g, ans, x, xp, lo, hi: tg_sum(g * slopes_p(x, xp, lo, hi), axis=-1),
       None, None, None)
defjvp(weights_p, lambda t, ans, x, xp, lo, hi: reshape_to(t, shape_of(x) + (1,)) *
       slopes_p(x, xp, lo, hi), None, None, None)


def _interp(x: Any, xp: Any, fp: Any, left: Any, right: Any) -> Any:
    out = np.interp(x, xp, fp, left, right)
    return float(out) if isinstance(out, np.floating) else out


def _slope(x: Any, xp: Any, fp: Any, left: Any, right: Any) -> Any:
    return tg_sum(slopes_p(x, xp, left, right) * fp, axis=-1)


def _fp_vjp(g: Any, ans: Any, x: Any, xp: Any, fp: Any, left: Any, right: Any) -> Any:
    w = weights_p(x, xp, left, right)
    return tg_sum(reshape_to(g, shape_of(x) + (1,)) * w, axis=tuple(range(len(shape_of(x)))))


interp_p: Primitive = primitive(_interp, "interp", check_rules=False)
defvjp(interp_p, lambda g, ans, x, xp, fp, lo, hi: g * _slope(x, xp, fp, lo, hi), None, _fp_vjp,
       None, None)
defjvp(interp_p, lambda t, ans, x, xp, fp, lo, hi: t * _slope(x, xp, fp, lo, hi), None,
       lambda t, ans, x, xp, fp, lo, hi: tg_sum(weights_p(x, xp, lo, hi) * t, axis=-1),
       None, None)


def interp(x: Number, xp: Any, fp: Number, left: float | None = None,
           right: float | None = None, period: float | None = None) -> Number:
    """NumPy's ``interp``: the piecewise-linear interpolant through ``(xp, fp)`` at ``x``.

    Args:
      x: Where to evaluate (a number or an array; traced or not).
      xp: The increasing sample points (a 1-D array; traced or not, but a
        constant with ``period``).
      fp: The values there (a 1-D array as long as ``xp``; traced or not).
      left: The value below ``xp[0]`` (``fp[0]`` by default); traced or not.
      right: The value above ``xp[-1]`` (``fp[-1]`` by default); traced or not.
      period: The period of periodic ``xp`` (then ``left`` and ``right`` are
        ignored), as NumPy's: x and xp are wrapped, xp sorted.

    Returns:
      The interpolated values (float64, as NumPy's); the derivative in ``x``
      is the slope of ``x``'s interval, the derivative in ``fp`` the weights,
      the derivative in the knots ``xp[j]``, ``xp[j + 1]`` of ``x``'s interval
      minus the slope times their weights.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> xp, fp = np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0, 3.0])
      >>> tg.interp(2.0, xp, fp), tg.grad(tg.interp)(2.0, xp, fp)
      (2.5, np.float64(0.5))
      >>> tg.grad(lambda xp: tg.interp(2.0, xp, fp))(xp)     # moving the knots
      array([ 0.  , -0.25, -0.25])
    """
    if isinstance(xp, Traced):
        if period is not None:
            raise TypeError("interp: with period=, xp must be a constant (the sample points); "
                            "fp and x may be traced. Without period=, xp may be traced too.")
        x, xp = _moved(x, xp), stop_gradient(xp)
    else:
        xp = np.asarray(xp, dtype=float)
    if period is not None:
        x, xp, fp = _periodic(x, xp, fp, period)
        left = right = None
    if len(shape_of(xp)) != 1 or not shape_of(xp)[0] or shape_of(fp) != shape_of(xp):
        raise ValueError("interp: xp and fp must be 1-D arrays of one (non-zero) length.")
    lo = None if left is None or type(left).__name__ == "Traced" else float(left)
    hi = None if right is None or type(right).__name__ == "Traced" else float(right)
    out = interp_p(x, xp, fp, lo, hi)
    if lo is None and left is not None:       # a traced left: NumPy's value, chosen by x
        out = where(x < xp[0], left, out)
    if hi is None and right is not None:
        out = where(x > xp[-1], right, out)
    return out


def _moved(x: Any, xp: Any) -> Any:
    """``x``'s value, with the derivatives of ``u = a0 + (x - a) / (b - a) * (b0 - a0)``.

    ``[a, b]`` is ``x``'s interval among the traced knots ``xp`` (NumPy's:
    ``a <= x < b``, the last one at and beyond ``xp[-1]``), ``a0``, ``b0``
    their values. An infinite ``x`` keeps its value with no derivative.
    """
    n = shape_of(xp)[0]
    xp0 = stop_gradient(xp)
    j = clip(searchsorted(xp0, x, side="right") - 1, 0, max(n - 2, 0))
    a, b = take(xp, j), take(xp, minimum(j + 1, n - 1))
    h = b - a
    at = where(isinf(x), 0.0, x)
    u = stop_gradient(a) + (at - a) / where(h == 0, 1.0, h) * stop_gradient(h)
    return stop_gradient(x) + (u - stop_gradient(u))


def _periodic(x: Any, xp: np.ndarray, fp: Any, period: Any) -> tuple[Any, np.ndarray, Any]:
    """NumPy's periodic ``interp``: x and xp wrapped, xp sorted and one period added each side."""
    if period == 0:
        raise ValueError("period must be a non-zero value")
    period = abs(period)
    x = (astype(x, np.float64) if type(x).__name__ == "Traced" else
         np.asarray(x, dtype=np.float64)) % period
    order = np.argsort(xp % period)
    xp = (xp % period)[order]
    fp = take(fp, order)
    xp = np.concatenate((xp[-1:] - period, xp, xp[0:1] + period))
    return x, xp, concatenate((take(fp, [-1]), fp, take(fp, [0])))


functions[np.interp] = (interp, ("left", "right", "period"))
