"""NumPy's joins on traced values: stacks, ``block``, ``repeat`` and ``tile``.

``vstack``, ``hstack``, ``dstack`` and ``column_stack`` are tapegrad's
``concatenate`` after ``atleast_Nd``; ``block`` concatenates nested lists,
the innermost along the last axis; ``repeat`` and ``tile`` broadcast a
reshaped copy (or index with a constant), so the gradient sums the copies.
Every transform is that of the shape primitives they are built from.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .arrays import concatenate, stack
from .indexing import getitem
from .numpy_dispatch import functions
from .reshaping import _axis, _index, _shape, atleast_1d, atleast_2d, atleast_3d, ravel
from .shapes import broadcast_to as _broadcast_to
from .shapes import reshape as reshape_to
from .values import Traced, shape_of

__all__ = ["block", "column_stack", "dstack", "hstack", "repeat", "tile", "vstack"]

Number = Any


# --------------------------------------------------------------------- joins
def as_array(x: Any) -> Any:
    """A list or tuple as NumPy reads it, its traced numbers stacked (``[x[1] * 3]``)."""
    if not isinstance(x, list | tuple):
        return x
    parts = [as_array(v) for v in x]
    return stack(parts) if any(type(p) is Traced for p in parts) else np.asarray(x)


def _items(what: str, tup: Any) -> list[Any]:
    items = [as_array(x) for x in tup]   # an array is a sequence of its rows, as in NumPy
    if not items:
        raise ValueError(f"{what}: got no arrays; pass at least one.")
    return items


def _concatenate(arrays: Sequence[Number], axis: int | None = 0) -> Number:
    """NumPy's ``concatenate``, whose arrays may be lists holding traced numbers."""
    return concatenate(_items("concatenate", arrays), axis)


def vstack(tup: Sequence[Number]) -> Number:
    """NumPy's ``vstack``: arrays joined as rows (vectors become rows first).

    Args:
      tup: A non-empty sequence of numbers or arrays (traced or not).

    Returns:
      The joined array of at least two axes.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.vstack([np.ones(2), np.zeros(2)])
      array([[1., 1.],
             [0., 0.]])
    """
    return concatenate([atleast_2d(a) for a in _items("vstack", tup)], axis=0)


def hstack(tup: Sequence[Number]) -> Number:
    """NumPy's ``hstack``: arrays joined along their second axis (the first for vectors).

    Args:
      tup: A non-empty sequence of numbers or arrays (traced or not).

    Returns:
      The joined array.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.hstack([np.ones(2), 3.0])
      array([1., 1., 3.])
    """
    items = [atleast_1d(a) for a in _items("hstack", tup)]
    return concatenate(items, axis=0 if len(_shape(items[0])) == 1 else 1)


def dstack(tup: Sequence[Number]) -> Number:
    """NumPy's ``dstack``: arrays joined along a third axis (``atleast_3d`` first).

    Args:
      tup: A non-empty sequence of numbers or arrays (traced or not).

    Returns:
      The joined array of at least three axes.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.dstack([np.ones(2), np.zeros(2)]).shape
      (1, 2, 2)
    """
    return concatenate([atleast_3d(a) for a in _items("dstack", tup)], axis=2)


def column_stack(tup: Sequence[Number]) -> Number:
    """NumPy's ``column_stack``: vectors as columns, joined with 2-D arrays side by side.

    Args:
      tup: A non-empty sequence of numbers or arrays (traced or not).

    Returns:
      The joined 2-D (or higher) array.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.column_stack([np.ones(2), np.zeros(2)])
      array([[1., 0.],
             [1., 0.]])
    """
    items = [reshape_to(a, (-1, 1)) if len(_shape(a)) < 2 else a
             for a in _items("column_stack", tup)]
    return concatenate(items, axis=1)


# ------------------------------------------------------------------- repeats
def repeat(a: Number, repeats: Any, axis: int | None = None) -> Number:
    """NumPy's ``repeat``: each element repeated, along ``axis`` (flattened when None).

    Args:
      a: A number or an array (traced or not).
      repeats: One count for every element, or one count per element along ``axis``.
      axis: The axis to repeat along, or None for the flattened array.

    Returns:
      The repeated array; the gradient sums the copies.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.repeat(np.array([1.0, 2.0]), [1, 2])
      array([1., 2., 2.])
      >>> tg.grad(lambda x: tg.sum(tg.repeat(x, 3) ** 2))(np.array([1.0, 2.0]))
      array([ 6., 12.])
    """
    if axis is None:
        a, axis = ravel(a), 0
    shape = _shape(a)
    ax = _axis("repeat", axis, len(shape))
    counts = np.asarray(repeats)
    if counts.dtype.kind not in "iub" and not (counts.dtype.kind == "f" and np.all(
            counts == np.floor(counts))):
        raise TypeError(f"repeat: repeats must be ints, not {counts.dtype}.")
    counts = counts.astype(np.intp)
    if np.any(counts < 0):
        raise ValueError("repeat: repeats may not be negative.")
    if counts.size != 1:      # one count per element: a constant index (NumPy's errors)
        return getitem(a, _index(ax, np.repeat(np.arange(shape[ax]), counts)))
    r = int(counts.reshape(()))
    spread = shape[:ax + 1] + (r,) + shape[ax + 1:]
    lined = reshape_to(a, shape[:ax + 1] + (1,) + shape[ax + 1:])
    return reshape_to(_broadcast_to(lined, spread),
                      shape[:ax] + (shape[ax] * r,) + shape[ax + 1:])


def tile(A: Number, reps: int | Sequence[int]) -> Number:  # noqa: N803  (NumPy's name)
    """NumPy's ``tile``: ``A`` repeated ``reps`` times along each axis.

    Args:
      A: A number or an array (traced or not).
      reps: The number of copies per axis (an int, or one per axis).

    Returns:
      An array of ``max(A.ndim, len(reps))`` axes.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.tile(np.array([1.0, 2.0]), (2, 2))
      array([[1., 2., 1., 2.],
             [1., 2., 1., 2.]])
    """
    reps = (int(reps),) if isinstance(reps, int | np.integer) else tuple(int(r) for r in reps)
    if any(r < 0 for r in reps):
        raise ValueError("tile: reps may not be negative.")
    shape = _shape(A)
    d = max(len(reps), len(shape))
    shape = (1,) * (d - len(shape)) + shape
    reps = (1,) * (d - len(reps)) + reps
    lined = reshape_to(A, tuple(k for n in shape for k in (1, n)))
    spread = _broadcast_to(lined, tuple(k for r, n in zip(reps, shape) for k in (r, n)))
    return reshape_to(spread, tuple(r * n for r, n in zip(reps, shape)))


def _block_depth(arrays: Any, where: str = "arrays") -> int:
    """How deeply lists nest in ``arrays``, the same for every leaf (NumPy's check)."""
    if isinstance(arrays, tuple):
        raise TypeError(f"block: {where} is a tuple; only lists may be used to arrange "
                        "blocks, and np.block does not allow implicit conversion from "
                        "tuple to ndarray.")
    if not isinstance(arrays, list):
        return 0
    if not arrays:
        raise ValueError(f"block: {where} is an empty list; lists cannot be empty.")
    depths = {_block_depth(a, f"{where}[{i}]") for i, a in enumerate(arrays)}
    if len(depths) > 1:
        raise ValueError(f"block: the lists in {where} are nested to different depths "
                         f"{sorted(depths)}; give every block the same depth.")
    return depths.pop() + 1


def _block_leaves(arrays: Any) -> list[Any]:
    return [a for x in arrays for a in _block_leaves(x)] if isinstance(arrays, list) \
        else [arrays]


def block(arrays: Any) -> Number:
    """NumPy's ``block``: an array assembled from nested lists of blocks.

    The innermost lists are joined along the last axis, the next ones along
    the axis before it, and so on; each block first gains leading axes of
    length 1, up to the nesting depth or the largest block's number of axes.

    Args:
      arrays: Nested lists of arrays or numbers (traced or not), every leaf at
        the same depth.

    Returns:
      The assembled array.

    Raises:
      ValueError: for empty lists or leaves at different depths.
      TypeError: for a tuple where a list should be.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.block([[np.ones((2, 2)), np.zeros((2, 1))], [np.zeros((1, 3))]])
      array([[1., 1., 0.],
             [1., 1., 0.],
             [0., 0., 0.]])
    """
    depth = _block_depth(arrays)
    nd = max([depth] + [len(shape_of(a)) for a in _block_leaves(arrays)])

    def build(a: Any, level: int) -> Any:
        if level == depth:
            shape = shape_of(a)
            return reshape_to(a, (1,) * (nd - len(shape)) + shape) if len(shape) < nd else a
        parts = [build(x, level + 1) for x in a]
        return concatenate(parts, nd - depth + level) if len(parts) > 1 else parts[0]
    return build(arrays, 0)


# ------------------------------------------- NumPy's names on traced values
functions.update({
    np.concatenate: (_concatenate, ("axis",)), np.block: (block, ()),
    np.vstack: (vstack, ()), np.hstack: (hstack, ()), np.dstack: (dstack, ()),
    np.column_stack: (column_stack, ()),
    np.repeat: (repeat, ("repeats", "axis")), np.tile: (tile, ("reps",)),
})


# ------------------------------------------------- the ndarray methods on Traced
def _repeat_method(self: Traced, repeats: Any, axis: int | None = None) -> Number:
    return repeat(self, repeats, axis)


Traced.repeat = _repeat_method                     # type: ignore[attr-defined]
