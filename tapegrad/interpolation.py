"""``np.interp`` on traced values: one primitive, differentiable in ``x`` and ``fp``.

``interp(x, xp, fp)`` is linear in ``fp``: ``sum(W(x) * fp)`` with ``W(x)`` the
two hat-function weights of ``x``'s interval (a constant per ``x``), and
piecewise linear in ``x`` with slope ``sum(dW(x) * fp)``. Both rules are
written with those weights (``weights_p``, whose own derivative in ``x`` is
``dW``, which has none), so they differentiate again. ``xp`` is a constant;
the slope at a knot is that of the interval to its right (JAX's convention);
outside ``[xp[0], xp[-1]]`` the derivative in ``x`` is zero.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import astype, concatenate
from .indexing import take
from .kinks import where
from .numpy_dispatch import functions
from .primitive import Primitive, defjvp, defvjp, primitive
from .reductions import sum as tg_sum
from .shapes import reshape as reshape_to
from .values import shape_of

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
      xp: The increasing sample points (a constant 1-D array).
      fp: The values there (a 1-D array as long as ``xp``; traced or not).
      left: The value below ``xp[0]`` (``fp[0]`` by default); traced or not.
      right: The value above ``xp[-1]`` (``fp[-1]`` by default); traced or not.
      period: The period of periodic ``xp`` (then ``left`` and ``right`` are
        ignored), as NumPy's: x and xp are wrapped, xp sorted.

    Returns:
      The interpolated values (float64, as NumPy's); the derivative in ``x``
      is the slope of ``x``'s interval, the derivative in ``fp`` the weights.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> xp, fp = np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0, 3.0])
      >>> tg.interp(2.0, xp, fp), tg.grad(tg.interp)(2.0, xp, fp)
      (2.5, np.float64(0.5))
    """
    if type(xp).__name__ == "Traced":
        raise TypeError("interp: xp must be a constant (the sample points); fp and x may "
                        "be traced. For sample points that depend on the parameters, "
                        "interpolate by hand: i = np.clip(np.searchsorted(tg.stop_gradient("
                        "xp), x), 1, len(xp) - 1), then the line through (tg.take(xp, i - 1),"
                        " tg.take(fp, i - 1)) and (tg.take(xp, i), tg.take(fp, i)).")
    xp = np.asarray(xp, dtype=float)
    if period is not None:
        x, xp, fp = _periodic(x, xp, fp, period)
        left = right = None
    if xp.ndim != 1 or not len(xp) or shape_of(fp) != xp.shape:
        raise ValueError("interp: xp and fp must be 1-D arrays of one (non-zero) length.")
    lo = None if left is None or type(left).__name__ == "Traced" else float(left)
    hi = None if right is None or type(right).__name__ == "Traced" else float(right)
    out = interp_p(x, xp, fp, lo, hi)
    if lo is None and left is not None:       # a traced left: NumPy's value, chosen by x
        out = where(x < xp[0], left, out)
    if hi is None and right is not None:
        out = where(x > xp[-1], right, out)
    return out


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
