"""NumPy's reorderings on traced values: ``roll``, ``flip``, ``fliplr``, ``flipud``, ``fftshift``.

Elements in another order along axes, built from constant slices and
``concatenate``: exact, with every transform of the primitives they use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .arrays import concatenate
from .indexing import getitem
from .numpy_dispatch import functions
from .reshaping import _axes, _axis, _index, _shape, ravel
from .shapes import reshape as reshape_to

__all__ = ["fftshift", "flip", "fliplr", "flipud", "ifftshift", "roll"]

Number = Any
Axis = int | Sequence[int] | None


def roll(a: Number, shift: int | Sequence[int], axis: Axis = None) -> Number:
    """NumPy's ``roll``: elements shifted along axes, those that fall off coming back.

    Args:
      a: A number or an array (traced or not).
      shift: How far (an int, or one per axis in ``axis``).
      axis: The axes to roll along, or None to roll the flattened array.

    Returns:
      The rolled array, of ``a``'s shape.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.roll(np.array([1.0, 2.0, 3.0]), 1)
      array([3., 1., 2.])
    """
    shape = _shape(a)
    if axis is None:
        return reshape_to(roll(ravel(a), shift, 0), shape)
    total = dict.fromkeys(range(len(shape)), 0)
    for s, ax in np.broadcast(shift, axis):
        total[_axis("roll", ax, len(shape))] += int(s)
    for ax, s in total.items():
        n = shape[ax]
        s = s % n if n else 0
        if s:
            a = concatenate([getitem(a, _index(ax, slice(n - s, None))),
                             getitem(a, _index(ax, slice(0, n - s)))], axis=ax)
    return a


def flip(m: Number, axis: Axis = None) -> Number:
    """NumPy's ``flip``: the order of elements reversed along axes (all when None).

    Args:
      m: A number or an array (traced or not).
      axis: None, an int or a sequence of ints.

    Returns:
      The flipped array, of ``m``'s shape.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.flip(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=1)
      array([[2., 1.],
             [4., 3.]])
    """
    nd = len(_shape(m))
    axes = tuple(range(nd)) if axis is None else _axes("flip", axis, nd)
    if not axes:
        return m
    return getitem(m, tuple(slice(None, None, -1) if i in axes else slice(None)
                            for i in range(nd)))


def fliplr(m: Number) -> Number:
    """NumPy's ``fliplr``: columns in reverse order (``flip(m, axis=1)``).

    Args:
      m: An array of at least two axes (traced or not).

    Returns:
      The flipped array.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.fliplr(np.array([[1.0, 2.0]]))
      array([[2., 1.]])
    """
    if len(_shape(m)) < 2:
        raise ValueError("fliplr: the array must have at least two axes.")
    return flip(m, 1)


def flipud(m: Number) -> Number:
    """NumPy's ``flipud``: rows in reverse order (``flip(m, axis=0)``).

    Args:
      m: An array of at least one axis (traced or not).

    Returns:
      The flipped array.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.flipud(np.array([1.0, 2.0]))
      array([2., 1.])
    """
    if len(_shape(m)) < 1:
        raise ValueError("flipud: the array must have at least one axis.")
    return flip(m, 0)


def _half_turn(x: Any, axes: Any, sign: int) -> Any:
    """NumPy's ``fftshift`` (sign 1) and ``ifftshift`` (sign -1): a roll by half of each axis."""
    shape = _shape(x)
    if axes is None:
        axes = tuple(range(len(shape)))
    if isinstance(axes, int | np.integer):
        return roll(x, sign * (shape[axes] // 2), int(axes))
    return roll(x, [sign * (shape[a] // 2) for a in axes], tuple(axes))


def fftshift(x: Number, axes: Axis = None) -> Number:
    """NumPy's ``fft.fftshift``: the zero frequency moved to the middle of each of ``axes``.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.fftshift(np.array([0.0, 1.0, 2.0, -2.0, -1.0]))
      array([-2., -1.,  0.,  1.,  2.])
    """
    return _half_turn(x, axes, 1)


def ifftshift(x: Number, axes: Axis = None) -> Number:
    """NumPy's ``fft.ifftshift``: the inverse of ``fftshift`` (they differ for odd lengths)."""
    return _half_turn(x, axes, -1)


# ------------------------------------------- NumPy's names on traced values
functions.update({
    np.fft.fftshift: (fftshift, ("axes",)), np.fft.ifftshift: (ifftshift, ("axes",)),
    np.roll: (roll, ("shift", "axis")), np.flip: (flip, ("axis",)),
    np.fliplr: (fliplr, ()), np.flipud: (flipud, ()),
})
