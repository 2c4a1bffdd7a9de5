"""NumPy's axis edits on traced values: axes added, removed and moved.

``expand_dims``, ``squeeze``, ``ravel``, ``atleast_1d``/``2d``/``3d``,
``swapaxes``, ``moveaxis`` and ``matrix_transpose``, each built from tapegrad's ``reshape`` and
``transpose``, so it is exact and its derivatives (both modes, any order),
its batching under ``vmap`` and its ``jit`` spelling are theirs. Also the
axis helpers that joins.py, flips.py and diagonals.py share.
``np.expand_dims(x, 0)`` on a traced ``x`` arrives here through
``numpy_dispatch.functions``; the ndarray methods (``x.squeeze()``,
``x.ravel()``...) are set on ``Traced`` at the bottom.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .layouts import c_ordered, raveled
from .numpy_dispatch import copy_makers, functions
from .shapes import reshape as reshape_to
from .shapes import transpose
from .values import Traced, primal_value
from .zero_dim import as_zero_d

__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "expand_dims", "matrix_transpose",
           "moveaxis", "ravel", "rollaxis", "squeeze", "swapaxes"]


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
      order: ``"C"`` (row-major), ``"F"`` (column-major), ``"A"`` (``"F"`` where ``a``
        is Fortran-ordered, ``"C"`` elsewhere) or ``"K"`` (memory order: ``a.T``'s
        is ``a``'s), from the layout of the value traced.

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
    v = primal_value(a)
    fortran = isinstance(v, np.ndarray) and v.flags.f_contiguous and not v.flags.c_contiguous
    if order == "K" or order == "A" and fortran:
        return raveled(a)
    if order == "F" and len(_shape(a)) > 1:
        a = transpose(a)
    return c_ordered(reshape_to(a, -1))     # NumPy's ravel copies a strided vector


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


def matrix_transpose(x: Number) -> Number:
    """NumPy's ``matrix_transpose``: the last two axes exchanged (a stack of matrices).

    Args:
      x: An array of at least two axes (traced or not).

    Returns:
      ``x`` with its last two axes exchanged.

    Raises:
      ValueError: for an array of fewer than two axes.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.matrix_transpose(np.ones((2, 3, 4))).shape
      (2, 4, 3)
    """
    if len(_shape(x)) < 2:
        raise ValueError("matrix_transpose: input array must be at least 2-dimensional "
                         f"(got shape {_shape(x)}).")
    return swapaxes(x, -1, -2)


def rollaxis(a: Number, axis: int, start: int = 0) -> Number:
    """NumPy's ``rollaxis``: ``axis`` moved to just before position ``start``.

    Args:
      a: An array (traced or not).
      axis: The axis to move.
      start: The axis it is put before (``a.ndim`` puts it last).

    Returns:
      ``a`` with its axes permuted.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.rollaxis(np.ones((2, 3, 4)), 2).shape
      (4, 2, 3)
    """
    nd = len(_shape(a))
    axis = _axis("rollaxis", axis, nd)
    start = start + nd if start < 0 else start
    if not 0 <= start <= nd:
        raise np.exceptions.AxisError(f"rollaxis: start {start} is out of bounds for an "
                                      f"array of {nd} dimensions.")
    start = start - 1 if axis < start else start
    order = [i for i in range(nd) if i != axis]
    order.insert(start, axis)
    return transpose(a, order) if order != list(range(nd)) else a


# ------------------------------------------- NumPy's names on traced values
functions.update({
    np.expand_dims: (expand_dims, ("axis",)), np.squeeze: (squeeze, ("axis",)),
    np.ravel: (ravel, ("order",)),
    np.atleast_1d: (atleast_1d, ()), np.atleast_2d: (atleast_2d, ()),
    np.atleast_3d: (atleast_3d, ()),
    np.swapaxes: (swapaxes, ("axis1", "axis2")),
    np.moveaxis: (moveaxis, ("source", "destination")),
    np.rollaxis: (rollaxis, ("axis", "start")),
    np.matrix_transpose: (matrix_transpose, ()),
})


# ------------------------------------------------- the ndarray methods on Traced
def _squeeze_method(self: Traced, axis: Axis = None) -> Number:
    out = squeeze(self, axis)                # of an array, NumPy's 0-d array when no axis is left
    return as_zero_d(out) if type(primal_value(self)) is np.ndarray else out


def _ravel_method(self: Traced, order: str = "C") -> Number:
    return ravel(self, order)


def _flatten_method(self: Traced, order: str = "C") -> Number:
    """NumPy's ``x.flatten()``: a new array always (``ravel`` may give a view)."""
    out = ravel(self, order)
    if type(out) is Traced and copy_makers and type(primal_value(out)) is np.ndarray:
        return copy_makers[0](out)      # writes.traced_copy: a write leaves x alone
    return out


Traced.squeeze = _squeeze_method                   # type: ignore[attr-defined]
Traced.ravel = _ravel_method                       # type: ignore[attr-defined]
Traced.flatten = _flatten_method                   # type: ignore[attr-defined]
Traced.swapaxes = swapaxes                         # type: ignore[attr-defined]
Traced.mT = property(matrix_transpose)             # type: ignore[attr-defined]  # NumPy 2's x.mT
