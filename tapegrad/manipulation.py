"""NumPy's array manipulation on traced values: new axes, joins, repeats, flips, diagonals.

Each function is NumPy's, built from tapegrad's shape primitives (reshape,
transpose, broadcast_to, concatenate and constant indexing), so it is exact
and its derivatives (both modes, any order), its batching under ``vmap``
and its ``jit`` spelling are theirs. ``np.expand_dims(x, 0)`` on a traced
``x`` arrives here through ``numpy_dispatch.functions``; the ndarray methods
(``x.squeeze()``, ``x.ravel()``...) are set on ``Traced`` at the bottom.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .arrays import astype, concatenate
from .indexing import getitem, index_add
from .numpy_dispatch import functions
from .shapes import broadcast_to as _broadcast_to
from .shapes import reshape as reshape_to
from .shapes import transpose
from .values import Traced, primal_value

__all__ = [
    "atleast_1d", "atleast_2d", "atleast_3d", "column_stack", "diag", "diagonal", "dstack",
    "expand_dims", "flip", "fliplr", "flipud", "hstack", "moveaxis", "ravel", "repeat", "roll",
    "squeeze", "swapaxes", "tile", "vstack",
]

Number = Any
Axis = int | Sequence[int] | None


def _shape(x: Any) -> tuple[int, ...]:
    """The shape of a number or an array, traced or not (``()`` for a float)."""
    return np.shape(primal_value(x))


def _axis(what: str, axis: Any, nd: int) -> int:
    """``axis`` as a non-negative int below ``nd``, or NumPy's AxisError naming ``what``."""
    if isinstance(axis, bool) or not isinstance(axis, int | np.integer):
        raise TypeError(f"{what}: an axis must be an int, not {type(axis).__name__}.")
    if not -nd <= axis < nd:
        raise np.exceptions.AxisError(
            f"{what}: axis {axis} is out of range for an array of {nd} axes "
            f"(give an int from {-nd} to {nd - 1}).")
    return int(axis) % nd


def _axes(what: str, axis: Any, nd: int) -> tuple[int, ...]:
    """``axis`` (an int or a sequence of them) as distinct non-negative axes."""
    items = tuple(axis) if isinstance(axis, Sequence) else (axis,)
    out = tuple(_axis(what, a, nd) for a in items)
    if len(set(out)) != len(out):
        raise ValueError(f"{what}: axis {axis!r} repeats an axis.")
    return out


def _index(axis: int, key: Any) -> tuple[Any, ...]:
    """An index that applies ``key`` along ``axis`` and takes every other axis whole."""
    return (slice(None),) * axis + (key,)


# ------------------------------------------------------------------ new axes
def expand_dims(a: Number, axis: int | Sequence[int]) -> Number:
    """NumPy's ``expand_dims``: axes of length one inserted where ``axis`` says.

    Args:
      a: A number or an array (traced or not).
      axis: Where the new axes are in the result (negative counts from its end).

    Returns:
      ``a`` reshaped, with ``len(axis)`` more axes.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.expand_dims(np.ones((2, 3)), (0, -1)).shape
      (1, 2, 3, 1)
    """
    shape = _shape(a)
    count = len(axis) if isinstance(axis, Sequence) else 1
    new = _axes("expand_dims", axis, len(shape) + count)
    rest = iter(shape)
    return reshape_to(a, tuple(1 if i in new else next(rest)
                               for i in range(len(shape) + count)))


def squeeze(a: Number, axis: Axis = None) -> Number:
    """NumPy's ``squeeze``: axes of length one removed (all of them, or those named).

    Args:
      a: A number or an array (traced or not).
      axis: None (every axis of length one), an int or a sequence of ints.

    Returns:
      ``a`` reshaped without those axes (a float when none is left).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.squeeze(np.ones((1, 3, 1)), axis=0).shape
      (3, 1)
    """
    shape = _shape(a)
    if axis is None:
        gone = tuple(i for i, n in enumerate(shape) if n == 1)
    else:
        gone = _axes("squeeze", axis, len(shape))
        if any(shape[i] != 1 for i in gone):
            raise ValueError(f"squeeze: axis {axis!r} of shape {shape} does not have length "
                             "one; only axes of length one can be squeezed out.")
    return reshape_to(a, tuple(n for i, n in enumerate(shape) if i not in gone))


def ravel(a: Number, order: str = "C") -> Number:
    """NumPy's ``ravel`` (and ``x.flatten()``): the elements as one axis.

    Args:
      a: A number or an array (traced or not).
      order: ``"C"`` (row-major, also for ``"A"`` and ``"K"``) or ``"F"`` (column-major).

    Returns:
      A 1-D array of ``a.size`` elements.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.ravel(np.array([[1.0, 2.0], [3.0, 4.0]]), order="F")
      array([1., 3., 2., 4.])
    """
    if order not in ("C", "F", "A", "K"):
        raise ValueError(f"ravel: order must be 'C', 'F', 'A' or 'K', not {order!r}.")
    if order == "F" and len(_shape(a)) > 1:
        a = transpose(a)
    return reshape_to(a, -1)


def _at_least(what: str, arys: tuple[Any, ...], fix: Any) -> Any:
    if not arys:
        raise TypeError(f"{what}: give at least one array.")
    out = tuple(reshape_to(a, fix(_shape(a))) for a in arys)
    return out[0] if len(out) == 1 else out


def atleast_1d(*arys: Number) -> Any:
    """NumPy's ``atleast_1d``: a number becomes an array of one element.

    Args:
      *arys: Numbers or arrays (traced or not).

    Returns:
      The one result, or a tuple of them for several arguments.

    Examples:
      >>> import tapegrad as tg
      >>> tg.atleast_1d(2.0)
      array([2.])
    """
    return _at_least("atleast_1d", arys, lambda s: s if s else (1,))


def atleast_2d(*arys: Number) -> Any:
    """NumPy's ``atleast_2d``: a vector becomes a row, a number a 1x1 array.

    Args:
      *arys: Numbers or arrays (traced or not).

    Returns:
      The one result, or a tuple of them for several arguments.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.atleast_2d(np.ones(3)).shape
      (1, 3)
    """
    return _at_least("atleast_2d", arys, lambda s: (1,) * (2 - len(s)) + s if len(s) < 2
                     else s)


def atleast_3d(*arys: Number) -> Any:
    """NumPy's ``atleast_3d``: ``(n,)`` becomes ``(1, n, 1)``, ``(m, n)`` becomes ``(m, n, 1)``.

    Args:
      *arys: Numbers or arrays (traced or not).

    Returns:
      The one result, or a tuple of them for several arguments.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.atleast_3d(np.ones(3)).shape, tg.atleast_3d(np.ones((2, 3))).shape
      ((1, 3, 1), (2, 3, 1))
    """
    def fix(s: tuple[int, ...]) -> tuple[int, ...]:
        return (1, 1, 1) if not s else (1, s[0], 1) if len(s) == 1 else \
            s + (1,) if len(s) == 2 else s
    return _at_least("atleast_3d", arys, fix)


# --------------------------------------------------------------------- joins
def _items(what: str, tup: Any) -> list[Any]:
    items = list(tup)          # an array is a sequence of its rows, as in NumPy
    if not items:
        raise ValueError(f"{what}: got no arrays; pass at least one.")
    return items


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


# --------------------------------------------------------------------- axes
def swapaxes(a: Number, axis1: int, axis2: int) -> Number:
    """NumPy's ``swapaxes``: two axes exchanged.

    Args:
      a: An array (traced or not).
      axis1: One axis.
      axis2: The other.

    Returns:
      ``a`` with the two axes exchanged.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.swapaxes(np.ones((2, 3, 4)), 0, -1).shape
      (4, 3, 2)
    """
    nd = len(_shape(a))
    i, j = _axis("swapaxes", axis1, nd), _axis("swapaxes", axis2, nd)
    perm = list(range(nd))
    perm[i], perm[j] = j, i
    return transpose(a, perm) if i != j else a


def moveaxis(a: Number, source: int | Sequence[int],
             destination: int | Sequence[int]) -> Number:
    """NumPy's ``moveaxis``: axes moved to new places, the others keeping their order.

    Args:
      a: An array (traced or not).
      source: The axes to move (an int or a sequence).
      destination: Where each goes (as many).

    Returns:
      ``a`` with its axes permuted.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.moveaxis(np.ones((2, 3, 4)), 0, -1).shape
      (3, 4, 2)
    """
    nd = len(_shape(a))
    src = _axes("moveaxis", source, nd)
    dst = _axes("moveaxis", destination, nd)
    if len(src) != len(dst):
        raise ValueError("moveaxis: source and destination must name as many axes.")
    order = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(a, order) if order != list(range(nd)) else a


# ---------------------------------------------------------------- diagonals
def _diagonal_index(n1: int, n2: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows and columns of the ``offset`` diagonal of an ``n1 x n2`` matrix."""
    rows = np.arange(max(0, min(n1 + min(offset, 0), n2 - max(offset, 0))))
    return rows - min(offset, 0), rows + max(offset, 0)


def diagonal(a: Number, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Number:
    """NumPy's ``diagonal``: the elements ``a[..., i, i + offset]`` of two axes.

    Args:
      a: An array of at least two axes (traced or not).
      offset: Which diagonal: above the main one when positive, below when negative.
      axis1: The rows' axis.
      axis2: The columns' axis.

    Returns:
      The other axes, then the diagonal as the last axis (a copy, as NumPy's).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.diagonal(np.array([[1.0, 2.0], [3.0, 4.0]]), offset=1)
      array([2.])
    """
    shape = _shape(a)
    if len(shape) < 2:
        raise ValueError("diagonal: the array must have at least two axes.")
    i, j = _axis("diagonal", axis1, len(shape)), _axis("diagonal", axis2, len(shape))
    if i == j:
        raise ValueError("diagonal: axis1 and axis2 must be different axes.")
    perm = [k for k in range(len(shape)) if k not in (i, j)] + [i, j]
    moved = transpose(a, perm) if perm != list(range(len(shape))) else a
    rows, cols = _diagonal_index(shape[i], shape[j], int(offset))
    return getitem(moved, (Ellipsis, rows, cols))


def diag(v: Number, k: int = 0) -> Number:
    """NumPy's ``diag``: a vector's diagonal matrix, or a matrix's diagonal.

    Args:
      v: A 1-D array (made the ``k``-th diagonal of a square matrix) or a 2-D
        array (whose ``k``-th diagonal is taken), traced or not.
      k: Which diagonal: above the main one when positive, below when negative.

    Returns:
      A 2-D or a 1-D array.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.diag(np.array([1.0, 2.0]))
      array([[1., 0.],
             [0., 2.]])
    """
    shape = _shape(v)
    if len(shape) == 2:
        return diagonal(v, k)
    if len(shape) != 1:
        raise ValueError(f"diag: the array must have one or two axes, not shape {shape}.")
    n = shape[0] + abs(int(k))
    dtype = np.asarray(primal_value(v)).dtype
    if dtype.kind != "f":            # integer data: no derivative, NumPy's dtype
        return astype(diag(astype(v, float), k), dtype)
    return index_add(v, np.zeros((n, n), dtype=dtype), _diagonal_index(n, n, int(k)))


functions.update({
    np.expand_dims: (expand_dims, ("axis",)), np.squeeze: (squeeze, ("axis",)),
    np.ravel: (ravel, ("order",)),
    np.atleast_1d: (atleast_1d, ()), np.atleast_2d: (atleast_2d, ()),
    np.atleast_3d: (atleast_3d, ()),
    np.vstack: (vstack, ()), np.hstack: (hstack, ()), np.dstack: (dstack, ()),
    np.column_stack: (column_stack, ()),
    np.repeat: (repeat, ("repeats", "axis")), np.tile: (tile, ("reps",)),
    np.roll: (roll, ("shift", "axis")), np.flip: (flip, ("axis",)),
    np.fliplr: (fliplr, ()), np.flipud: (flipud, ()),
    np.swapaxes: (swapaxes, ("axis1", "axis2")),
    np.moveaxis: (moveaxis, ("source", "destination")),
    np.diagonal: (diagonal, ("offset", "axis1", "axis2")), np.diag: (diag, ("k",)),
})


# ------------------------------------------------- the ndarray methods on Traced
def _squeeze_method(self: Traced, axis: Axis = None) -> Number:
    return squeeze(self, axis)


def _ravel_method(self: Traced, order: str = "C") -> Number:
    return ravel(self, order)


def _repeat_method(self: Traced, repeats: Any, axis: int | None = None) -> Number:
    return repeat(self, repeats, axis)


def _diagonal_method(self: Traced, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Number:
    return diagonal(self, offset, axis1, axis2)


Traced.squeeze = _squeeze_method                   # type: ignore[attr-defined]
Traced.ravel = _ravel_method                       # type: ignore[attr-defined]
Traced.flatten = _ravel_method                     # type: ignore[attr-defined]
Traced.repeat = _repeat_method                     # type: ignore[attr-defined]
Traced.swapaxes = swapaxes                         # type: ignore[attr-defined]
Traced.diagonal = _diagonal_method                 # type: ignore[attr-defined]
