"""SciPy's ``scipy.ndimage.map_coordinates`` on traced values, as ``jax.scipy.ndimage`` has it.

``map_coordinates(input, coordinates, order, mode, cval)`` reads ``input``
at fractional coordinates: ``order=0`` the nearest element, ``order=1``
the multilinear interpolation of the ``2 ** ndim`` around. As SciPy's C
does, a coordinate outside ``[0, n - 1]`` is first brought back by
``mode`` (``"nearest"`` clips it; ``"wrap"`` wraps it with period
``n - 1``, ``"grid-wrap"`` with ``n``; ``"mirror"`` reflects it about the
first and last element, ``"reflect"``/``"grid-mirror"`` about the array's
edges), then rounded (``floor(c + 0.5)``) or split (``floor(c)``, weight
``c - floor(c)``), a tap beyond the edge read by the same rule.
``"constant"`` gives ``cval`` for a point outside ``[0, n - 1]`` on any
axis, ``"grid-constant"`` for each tap outside the array. The reads are
gathers with traced integer indices, so the derivative reaches ``input``
(scattered back) and the coordinates (through the weights; 0 for
``order=0``), under ``jit`` and ``vmap`` too.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from ..indexing import take
from ..kinks import where
from ..values import Traced, primal_value, shape_of

__all__ = ["map_coordinates"]

Number = Any
_MODES = ("constant", "nearest", "wrap", "mirror", "reflect", "grid-constant", "grid-wrap",
          "grid-mirror")


def _floor(c: Number) -> Number:
    return np.floor(c)


def _trunc(c: Number) -> Number:
    return np.trunc(c)


def _below(c: Number, n: int, mode: str) -> Number:
    """SciPy's ``map_coordinate`` of a coordinate below 0 (its C, branch for branch)."""
    if mode == "mirror":
        p = 2 * n - 2
        c = p * _trunc(-c / p) + c
        return where(c <= 1 - n, c + p, -c)
    if mode in ("reflect", "grid-mirror"):
        p = 2 * n
        c = where(c < -p, p * _trunc(-c / p) + c, c)
        return where(c < -n, c + p, where(c > -1e-15, 1e-15, -c) - 1)
    if mode == "wrap":
        return c + (n - 1) * (_trunc(-c / (n - 1)) + 1)
    return c + n * (_trunc((-1 - c) / n) + 1)          # grid-wrap


def _above(c: Number, n: int, mode: str) -> Number:
    """SciPy's ``map_coordinate`` of a coordinate above ``n - 1``."""
    if mode == "mirror":
        p = 2 * n - 2
        c = c - p * _trunc(c / p)
        return where(c >= n, p - c, c)
    if mode in ("reflect", "grid-mirror"):
        p = 2 * n
        c = c - p * _trunc(c / p)
        return where(c >= n, p - c - 1, c)
    if mode == "wrap":
        return c - (n - 1) * _trunc(c / (n - 1))
    return c - n * _trunc(c / n)                        # grid-wrap


def _mapped(c: Number, n: int, mode: str) -> Number:
    """The coordinate ``c`` brought into the array as SciPy's ``mode`` does, before rounding."""
    if mode == "nearest":
        return np.clip(c, 0.0, n - 1.0)
    if mode in ("constant", "grid-constant"):
        return c
    if n <= 1:
        return c * 0.0
    return where(c < 0, _below(c, n, mode), where(c > n - 1, _above(c, n, mode), c))


def _tap(i: Number, n: int, mode: str) -> tuple[Number, Number]:
    """A tap's index read (an int array) and whether it is inside (grid-constant's test)."""
    inside = (i >= 0) & (i <= n - 1)
    if mode == "grid-wrap":
        i = i - n * _floor(i / n)
    elif mode == "mirror" and n > 1:                 # about the first and last element
        i = where(i < 0, -i, where(i > n - 1, 2 * n - 2 - i, i))
    i = np.clip(i, 0.0, n - 1.0)                     # reflect: -1 is 0, n is n - 1
    return i.astype(np.intp), inside


def _read(input: Number, index: list[Number], shape: tuple[int, ...]) -> Number:
    """``input[tuple(index)]``; a NumPy ``input`` read through ``take`` (a traced index)."""
    if type(input) is Traced or not any(type(i) is Traced for i in index):
        return input[tuple(index)]
    flat: Any = 0
    for i, n in zip(index, shape):
        flat = flat * n + i
    return take(np.ravel(input), flat)


def _check(output: Any, order: int, mode: str) -> None:
    if output is not None:
        raise TypeError("map_coordinates: output= writes into an array, which cannot hold a "
                        "traced value; use the result.")
    if order not in (0, 1):
        raise NotImplementedError(f"map_coordinates: tapegrad interpolates with order 0 or 1 "
                                  f"(as jax.scipy.ndimage), not {order} (a spline).")
    if mode not in _MODES:
        raise RuntimeError(f"map_coordinates: boundary mode {mode!r} not supported; use one "
                           f"of {', '.join(_MODES)}.")


def map_coordinates(input: Number, coordinates: Any, output: Any = None, order: int = 3,
                    mode: str = "constant", cval: Any = 0.0, prefilter: bool = True) -> Number:
    """SciPy's ``map_coordinates`` for ``order`` 0 and 1.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> from tapegrad.scipy.ndimage import map_coordinates
      >>> image = np.arange(12.0).reshape(4, 3)
      >>> map_coordinates(image, [[0.5, 2.0], [0.5, 1.5]], order=1)
      array([2. , 7.5])
      >>> float(tg.grad(lambda c: map_coordinates(image, [c, 1.0], order=1))(0.5))
      3.0
    """
    _check(output, order, mode)
    shape = shape_of(input)
    if len(coordinates) != len(shape):
        raise RuntimeError("invalid shape for coordinate array")
    coords: list[Any] = [c if type(c) is Traced else np.asarray(c)
                         for c in (coordinates[d] for d in range(len(shape)))]
    dtype = np.asarray(primal_value(input)).dtype
    mapped = [_mapped(c * 1.0, n, mode) for c, n in zip(coords, shape)]
    if order == 0:
        taps = [[(_floor(c + 0.5), 1.0)] for c in mapped]
    else:
        lows = [_floor(c) for c in mapped]
        taps = [[(lo, 1.0 - (c - lo)), (lo + 1.0, c - lo)] for lo, c in zip(lows, mapped)]
    out: Any = 0.0
    for corner in itertools.product(*taps):
        index, weight, inside = [], 1.0, True
        for (i, w), n in zip(corner, shape):
            k, ok = _tap(i, n, mode)
            index.append(k)
            weight = weight * w
            inside = inside & ok
        value = _read(input, index, shape)
        if mode == "grid-constant":
            value = where(inside, value, cval)
        out = out + weight * value
    if mode == "constant":
        outside = False
        for c, n in zip(mapped, shape):
            outside = outside | (c < 0) | (c > n - 1)
        out = where(outside, cval, out)
    if dtype.kind == "f" and np.asarray(primal_value(out)).dtype != dtype:
        return out.astype(dtype)
    return out
