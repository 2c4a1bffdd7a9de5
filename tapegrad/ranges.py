"""Evenly spaced numbers: ``linspace`` and ``logspace``, with traced ends.

``linspace`` computes as NumPy does (``start + i * step``, the last number
``stop`` itself), so its numbers are NumPy's, and a traced ``start`` or
``stop`` (a learned time horizon, say) carries its derivative. NumPy's name
dispatches here on traced values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import astype
from .kinks import where
from .numpy_dispatch import functions
from .reshaping import expand_dims, moveaxis
from .values import Traced, _integer_data, primal_value, shape_of

__all__ = ["geomspace", "linspace", "logspace"]

Number = Any


def linspace(start: Number, stop: Number, num: int = 50, endpoint: bool = True,
             retstep: bool = False, dtype: Any = None, axis: int = 0) -> Any:
    """NumPy's ``linspace``: ``num`` evenly spaced numbers from ``start`` to ``stop``.

    Computed as NumPy computes it (``start + i * step``, the last one
    ``stop`` itself), so the numbers are NumPy's; a traced ``start`` or
    ``stop`` (a learned time horizon, say) carries its derivative.

    Args:
      start: The first number (a number or an array, traced or not).
      stop: The last number, or the first past the end if not ``endpoint``.
      num: How many numbers.
      endpoint: Whether ``stop`` is the last one.
      retstep: Also return the step.
      dtype: The result's dtype (NumPy's by default); an integer one floors first.
      axis: Where the new axis goes when ``start`` or ``stop`` is an array.

    Returns:
      The numbers, or ``(numbers, step)`` with ``retstep``.

    Examples:
      >>> import tapegrad as tg
      >>> tg.grad(lambda T: tg.sum(tg.linspace(0.0, T, 5)))(2.0)
      np.float64(2.5)
    """
    num = int(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    div = num - 1 if endpoint else num
    dt = np.result_type(primal_value(start), primal_value(stop), float(num))
    delta = _as(stop, dt) - _as(start, dt)      # NumPy subtracts in dt: integers never wrap
    y = np.arange(num, dtype=dt).reshape((-1,) + (1,) * len(shape_of(delta)))
    step = delta / div if div > 0 else np.nan
    y = (_times_step(y, step, delta, div) if div > 0 else y * delta) + start
    if endpoint and num > 1:
        last = (np.arange(num) == num - 1).reshape(shape_of(y)[:1] + (1,) * (len(shape_of(y)) - 1))
        y = where(last, stop, y)
    if axis != 0:
        y = moveaxis(y, 0, axis)
    if dtype is not None and np.dtype(dtype).kind in "iu":
        y = np.floor(y)         # NumPy floors the numbers before its cast to integers
    y = y if dtype is None else astype(y, dtype)
    return (y, step) if retstep else y


def _times_step(y: Any, step: Number, delta: Number, div: int) -> Any:
    """NumPy's ``y * step``; where any step is 0 (a denormal range), ``y / div * delta`` for all."""
    zero = np.any(step == 0) if shape_of(step) else step == 0
    if not isinstance(zero, Traced):
        return y / div * delta if zero else y * step
    return where(zero, y / div * delta, y * step)


def _as(x: Number, dt: np.dtype) -> Number:
    """An integer end of the range in the float dtype ``dt``, as NumPy subtracts them."""
    return astype(x, dt) if _integer_data(primal_value(x)) else x


def logspace(start: Number, stop: Number, num: int = 50, endpoint: bool = True,
             base: Number = 10.0, dtype: Any = None, axis: int = 0) -> Any:
    """NumPy's ``logspace``: ``base ** linspace(start, stop, num)``, NumPy's numbers.

    Examples:
      >>> import tapegrad as tg
      >>> tg.logspace(0.0, 2.0, 3)
      array([  1.,  10., 100.])
    """
    if not isinstance(base, float | int) and np.ndim(primal_value(base)):
        # NumPy: a base of axes broadcasts with the ends, and gets the new axis
        ndmax = np.broadcast(primal_value(start), primal_value(stop), primal_value(base)).ndim
        start, stop, base = (x if len(shape_of(x)) == ndmax or isinstance(x, Traced)
                             else np.array(x, ndmin=ndmax) for x in (start, stop, base))
        base = expand_dims(base, axis)
    y = np.power(base, linspace(start, stop, num=num, endpoint=endpoint, axis=axis))
    return y if dtype is None else astype(y, dtype)


def geomspace(start: Number, stop: Number, num: int = 50, endpoint: bool = True,
              dtype: Any = None, axis: int = 0) -> Any:
    """NumPy's ``geomspace``: a geometric progression, its ends ``start`` and ``stop`` exactly.

    Examples:
      >>> import tapegrad as tg
      >>> tg.geomspace(1.0, 1000.0, 4)
      array([   1.,   10.,  100., 1000.])
    """
    start, stop = start * 1.0, stop * 1.0
    if np.any(primal_value(start) == 0) or np.any(primal_value(stop) == 0):
        raise ValueError("Geometric sequence cannot include zero")
    dt = np.result_type(primal_value(start), primal_value(stop), float(num),
                        np.zeros((), dtype))
    start = start if np.result_type(primal_value(start)) == dt else astype(start, dt)
    stop = stop if np.result_type(primal_value(stop)) == dt else astype(stop, dt)
    sign = np.sign(start)           # negative ends: the progression of their magnitudes
    start, stop = start / sign, stop / sign
    y = logspace(np.log10(start), np.log10(stop), num=num, endpoint=endpoint, dtype=dt)
    if num > 0:                     # NumPy's ends: start and stop themselves
        shape = shape_of(y)[:1] + (1,) * (len(shape_of(y)) - 1)
        first = (np.arange(num) == 0).reshape(shape)
        y = where(first, start, y)
        if num > 1 and endpoint:
            y = where((np.arange(num) == num - 1).reshape(shape), stop, y)
    y = y * sign
    y = moveaxis(y, 0, axis) if axis != 0 else y
    return y if dtype is None else astype(y, dtype)


functions[np.geomspace] = (geomspace, ("num", "endpoint", "dtype", "axis"))
functions[np.linspace] = (linspace, ("num", "endpoint", "retstep", "dtype", "axis"))
functions[np.logspace] = (logspace, ("num", "endpoint", "base", "dtype", "axis"))
