"""Along an axis of samples: ``gradient`` (finite-difference stencils), ``unwrap``, windows.

Both are composites of tapegrad's slices, arithmetic, ``where`` and
``cumsum``, written in NumPy's order of operations (``gradient``'s
second-order central differences inside and first- or second-order one-sided
ones at the edges, with NumPy's weights for uneven spacing; ``unwrap``'s
``mod`` of the differences and its running sum of corrections), so values
match NumPy's bit for bit and every transform comes for free. The samples
and the spacings may both be traced. NumPy's names dispatch here on traced
values.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .along import _along, _stacked
from .arrays import astype, concatenate, mod
from .differences import diff
from .indexing import getitem
from .kinks import abs, stop_gradient, where
from .numpy_dispatch import functions
from .predicates import all as tg_all
from .read_only import READ_ONLY, VIEW, mark
from .reshaping import _axes, _axis
from .scans import cumsum
from .shapes import reshape as reshape_to
from .values import Traced, primal_value, shape_of

__all__ = ["gradient", "sliding_window_view", "unwrap"]

Number = Any


def _dtype_of(x: Any) -> np.dtype[Any]:
    return np.asarray(primal_value(x)).dtype


def _as(x: Any, dtype: Any) -> Any:
    return x if _dtype_of(x) == dtype else astype(x, dtype)


# ------------------------------------------------------------------ gradient
def _spacing(distances: Any, n: int) -> tuple[Any, Any, Any]:
    """One axis's spacing, the dtype NumPy's arithmetic takes from it, and the general one.

    The spacing is a number, or the coordinates' differences (one number if
    they are even); the dtype is None for a Python float. The general
    spacing is the differences where traced coordinates were found even
    (their derivative is that of the uneven formula), else None.

    Whether the coordinates are evenly spaced is NumPy's test, a Python ``if``:
    on traced coordinates it is a guard that a replayed tape checks.
    """
    distances = _stacked(distances)
    shape = shape_of(distances)
    if not shape:
        return distances, getattr(distances, "dtype", None), None  # np.float64's, float's
    if len(shape) != 1:
        raise ValueError("gradient: distances must be either scalars or 1d.")
    if shape[0] != n:
        raise ValueError("gradient: when 1d, distances must match the length of the "
                         "corresponding dimension.")
    if _dtype_of(distances).kind in "iub":
        distances = astype(distances, np.float64)
    diffx = diff(distances)
    if tg_all(diffx == getitem(diffx, 0)):
        general = diffx if isinstance(diffx, Traced) else None
        return getitem(diffx, 0), _dtype_of(diffx), general
    return diffx, _dtype_of(diffx), None


def _interior(f: Any, ax: int, dx: Any, wide: Any) -> Any:
    """Second-order central differences at the inner samples, in dtype ``wide``."""
    if not shape_of(dx):
        return _as(_along(f, ax, slice(2, None)) - _along(f, ax, slice(None, -2)), wide) \
            / (2. * dx)
    dx1, dx2 = getitem(dx, slice(0, -1)), getitem(dx, slice(1, None))
    a = -(dx2) / (dx1 * (dx1 + dx2))
    b = (dx2 - dx1) / (dx1 * dx2)
    c = dx1 / (dx2 * (dx1 + dx2))
    along = tuple(-1 if i == ax else 1 for i in range(len(shape_of(f))))
    a, b, c = (reshape_to(w, along) for w in (a, b, c))
    f = _as(f, wide)
    return a * _along(f, ax, slice(None, -2)) + b * _along(f, ax, slice(1, -1)) \
        + c * _along(f, ax, slice(2, None))


def _edges(f: Any, ax: int, dx: Any, edge_order: int, wide: Any) -> tuple[Any, Any]:
    """One-sided differences at the first and the last sample, of ``edge_order``."""
    def at(start: int) -> Any:
        return _along(f, ax, slice(start, start + 1 if start != -1 else None))
    uniform = not shape_of(dx)
    if edge_order == 1:
        first = _as(at(1) - at(0), wide) / (dx if uniform else getitem(dx, 0))
        return first, _as(at(-1) - at(-2), wide) / (dx if uniform else getitem(dx, -1))
    f = _as(f, wide)
    if uniform:
        a, b, c = -1.5 / dx, 2. / dx, -0.5 / dx
    else:
        dx1, dx2 = getitem(dx, 0), getitem(dx, 1)
        a = -(2. * dx1 + dx2) / (dx1 * (dx1 + dx2))
        b = (dx1 + dx2) / (dx1 * dx2)
        c = - dx1 / (dx2 * (dx1 + dx2))
    first = a * at(0) + b * at(1) + c * at(2)
    if uniform:
        a, b, c = 0.5 / dx, -2. / dx, 1.5 / dx
    else:
        dx1, dx2 = getitem(dx, -2), getitem(dx, -1)
        a = (dx2) / (dx1 * (dx1 + dx2))
        b = - (dx2 + dx1) / (dx1 * dx2)
        c = (2. * dx2 + dx1) / (dx2 * (dx1 + dx2))
    return first, a * at(-3) + b * at(-2) + c * at(-1)


def _slopes(f: Any, ax: int, dx: Any, edge_order: int, wide: Any) -> list[Any]:
    """The first edge, the inner samples and the last edge of one axis's gradient."""
    first, last = _edges(f, ax, dx, edge_order, wide)
    return [first, _interior(f, ax, dx, wide), last]


def _value_and_slope(value: Any, general: Any) -> Any:
    """``value``, with the derivative of ``general`` (which it equals up to rounding).

    Where traced coordinates are even, NumPy's value comes from the even
    formula; the map from coordinates to slopes is the general formula (the
    even one only agrees on those points), so its derivative is the general one's.
    """
    change = general - stop_gradient(general)         # 0, with general's derivative
    return stop_gradient(value) + where(change == change, change, 0.0)


def gradient(f: Number, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """NumPy's ``gradient``: central differences inside, one-sided ones at the edges.

    Args:
      f: The samples, an array (traced or not) of at least one axis.
      *varargs: The spacing: nothing (1 on every axis), one number for every
        axis, or one per axis in ``axis``, each a number or the coordinates
        (a 1-D array as long as that axis; traced or not).
      axis: None (every axis), an int or a tuple of ints.
      edge_order: 1 or 2, the order of the differences at the edges.

    Returns:
      One array shaped like ``f`` per axis: a tuple of them, or the array
      alone for one axis. Float32 samples give float32, as in NumPy.

    Raises:
      ValueError: for an ``edge_order`` above 2, an axis too short for it, or
        coordinates of the wrong shape.
      TypeError: for a number of spacings that fits neither rule.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.gradient(np.array([1.0, 2.0, 4.0, 7.0]))
      array([1. , 1.5, 2.5, 3. ])
      >>> tg.gradient(np.array([0.0, 1.0, 9.0]), np.array([0.0, 1.0, 3.0]), edge_order=2)
      array([0., 2., 6.])
    """
    f = _stacked(f)
    shape = shape_of(f)
    if shape and np.result_type(primal_value(f)) == np.bool_:
        raise TypeError("gradient of a bool array: NumPy refuses it (it subtracts bools); "
                        "give f.astype(float).")
    axes = tuple(range(len(shape))) if axis is None else _axes("gradient", axis, len(shape))
    if not varargs:
        dx: list[Any] = [(1.0, None, None)] * len(axes)
    elif len(varargs) == 1 and not shape_of(varargs[0]):
        dx = [_spacing(varargs[0], 1)] * len(axes)
    elif len(varargs) == len(axes):
        dx = [_spacing(d, shape[ax]) for d, ax in zip(varargs, axes)]
    else:
        raise TypeError("gradient: invalid number of arguments (give no spacing, one "
                        "number, or one spacing per axis).")
    if edge_order > 2:
        raise ValueError("gradient: 'edge_order' greater than 2 not supported.")
    otype = _dtype_of(f)
    if otype.kind not in "fc":       # integers: differences in float64, as NumPy's
        f, otype = astype(f, np.float64), np.dtype(np.float64)
    outs = []
    for ax, (d, d_dtype, general) in zip(axes, dx):
        if shape[ax] < edge_order + 1:
            raise ValueError("gradient: shape of array too small to calculate a numerical "
                             "gradient, at least (edge_order + 1) elements are required.")
        wide = otype if d_dtype is None else np.result_type(otype, d_dtype)
        parts = _slopes(f, ax, d, edge_order, wide)
        if general is not None:
            parts = [_value_and_slope(p, q) for p, q in
                     zip(parts, _slopes(f, ax, general, edge_order, wide))]
        outs.append(concatenate([_as(p, otype) for p in parts], ax))   # as out[...] = is
    return outs[0] if len(axes) == 1 else tuple(outs)


# -------------------------------------------------------------------- unwrap
def unwrap(p: Number, discont: Any = None, axis: int = -1, *,
           period: Any = 2 * math.pi) -> Number:
    """NumPy's ``unwrap``: jumps larger than ``discont`` replaced by their ``period`` complement.

    The corrections are multiples of ``period`` chosen by comparisons, so the
    derivative in ``p`` is the identity (as NumPy's values vary with ``p``
    between jumps).

    Args:
      p: The samples, an array (traced or not).
      discont: The largest jump left alone (``period / 2`` for None, and never
        less than that).
      axis: The axis to unwrap along.
      period: The size of the range the samples wrap over.

    Returns:
      An array shaped like ``p``, in the dtype of ``p``'s differences with
      ``period`` (float32 stays float32).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.unwrap(np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 1.0, 2.0]), period=6.0)
      array([1., 2., 3., 4., 5., 6., 7., 8.])
    """
    p = _stacked(p)
    ax = _axis("unwrap", axis, len(shape_of(p)))
    dd = diff(p, axis=ax)
    if discont is None:
        discont = period / 2
    dtype = np.result_type(np.asarray(primal_value(dd)), primal_value(period))
    if np.issubdtype(dtype, np.integer):
        interval_high, rem = divmod(period, 2)
        boundary_ambiguous = rem == 0
    else:
        interval_high, boundary_ambiguous = period / 2, True
    interval_low = -interval_high
    ddmod = mod(dd - interval_low, period) + interval_low
    if boundary_ambiguous:    # a jump of exactly period/2 keeps its sign
        ddmod = where((ddmod == interval_low) & (dd > 0), interval_high, ddmod)
    ph_correct = where(abs(dd) < discont, 0, ddmod - dd)
    rest = _as(_along(p, ax, slice(1, None)) + cumsum(ph_correct, ax), dtype)
    return concatenate([_as(_along(p, ax, slice(0, 1)), dtype), rest], ax)


def sliding_window_view(x: Number, window_shape: Any, axis: Any = None, *,
                        subok: bool = False, writeable: bool = False) -> Number:
    """NumPy's ``sliding_window_view``: every window of ``x``, gathered (a copy, not a view).

    NumPy's own function picks the windows' positions in ``x``; gathering
    ``x``'s entries there gives NumPy's shape, order and values, and the
    gradient adds up where windows overlap.

    Args:
      x: The samples (traced or not).
      window_shape: The window's size, an int or one per axis in ``axis``.
      axis: The axes the windows slide along (default: every axis).
      subok: NumPy's; without effect here.
      writeable: NumPy's: without it the windows are read-only (a write is
        NumPy's ``ValueError``); with it a write is refused, since NumPy's
        would write into ``x``.

    Returns:
      An array of ``x``'s windows: the window axes last.

    Examples:
      >>> import tapegrad as tg
      >>> tg.grad(lambda x: tg.sum(sliding_window_view(x, 2)))(np.array([1.0, 2.0, 3.0]))
      array([1., 2., 1.])
    """
    shape = shape_of(x)
    where_in_x = np.arange(math.prod(shape)).reshape(shape)
    positions = np.lib.stride_tricks.sliding_window_view(where_in_x, window_shape, axis)
    return mark(getitem(reshape_to(x, (-1,)), positions), VIEW if writeable else READ_ONLY)


# ------------------------------------------- NumPy's names on traced values
functions.update({
    np.lib.stride_tricks.sliding_window_view: (sliding_window_view, (
        "window_shape", "axis", "subok", "writeable")),
    np.gradient: (gradient, ("axis", "edge_order")),
    np.unwrap: (unwrap, ("discont", "axis", "period")),
})
