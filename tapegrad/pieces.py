"""Cutting and splicing arrays: ``split`` and kin, ``append``, ``insert``, ``delete``...

Each is NumPy's own function applied to an array of *positions* (the index
of every element of the input), then one gather of the traced input by the
positions it returns: the layout is NumPy's exactly, and the gradient
scatters back (a value used twice gets the sum). ``split`` and its kin are
slices; ``triu``/``tril`` a constant mask (``tg.where``); ``take_along_axis``
indexes with its (constant or traced integer) indices. NumPy's names
dispatch here on traced values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import tree
from .along import _along, _stacked
from .arrays import astype, concatenate
from .indexing import _index, gather, getitem
from .kinks import where
from .numpy_dispatch import functions
from .reshaping import _axis, ravel
from .values import Traced, primal_value, shape_of

__all__ = ["append", "array_split", "delete", "dsplit", "hsplit", "insert", "rot90", "split",
           "take_along_axis", "tril", "triu", "unstack", "vsplit"]

Number = Any


def _positions(shape: tuple[int, ...]) -> np.ndarray:
    return np.arange(int(np.prod(shape)), dtype=np.intp).reshape(shape)


def _positions_laid_as(m: Any) -> np.ndarray:
    """``_positions`` of ``m``'s shape, laid out in ``m``'s memory order.

    A view of them (``np.rot90``) is then laid out as NumPy's view of ``m``,
    which ``ravel(order="K")`` reads.
    """
    v, pos = primal_value(m), _positions(shape_of(m))
    if type(v) is not np.ndarray or v.ndim < 2 or v.flags.c_contiguous:
        return pos
    laid = np.empty_like(v, dtype=np.intp)
    laid[...] = pos
    return laid


def _gather(x: Any, layout: np.ndarray) -> Any:
    """The elements of ``x`` at the flat positions ``layout`` (shaped like it)."""
    return getitem(ravel(x), layout)


def _dtype_of(x: Any) -> np.dtype[Any]:
    return np.asarray(primal_value(x)).dtype


# ------------------------------------------------------------------ splits
def array_split(ary: Number, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """NumPy's ``array_split``: pieces along ``axis``, of near-equal sizes or at indices.

    Args:
      ary: An array (traced or not).
      indices_or_sections: A number of pieces, or the indices to cut at.
      axis: The axis to cut along.

    Returns:
      A list of arrays (slices of ``ary``).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> [p.shape for p in tg.array_split(np.ones(5), 2)]
      [(3,), (2,)]
    """
    shape = shape_of(ary)
    ax = _axis("array_split", axis, len(shape))
    n = shape[ax]
    if isinstance(indices_or_sections, int | np.integer):
        k = int(indices_or_sections)
        if k <= 0:
            raise ValueError("array_split: the number of sections must be larger than 0.")
        each, extra = divmod(n, k)
        sizes = [each + 1] * extra + [each] * (k - extra)
        cuts = np.cumsum([0] + sizes).tolist()
    else:
        cuts = [0] + [int(i) for i in indices_or_sections] + [n]
    return [_along(ary, ax, slice(a, b)) for a, b in zip(cuts[:-1], cuts[1:])]


def split(ary: Number, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """NumPy's ``split``: ``array_split`` into equal pieces (or at indices).

    Args:
      ary: An array (traced or not).
      indices_or_sections: A number of equal pieces, or the indices to cut at.
      axis: The axis to cut along.

    Returns:
      A list of arrays.

    Raises:
      ValueError: the axis does not divide into that many equal pieces.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> [p.shape for p in tg.split(np.ones((4, 2)), 2)]
      [(2, 2), (2, 2)]
    """
    if isinstance(indices_or_sections, int | np.integer):
        n = shape_of(ary)[_axis("split", axis, len(shape_of(ary)))]
        if int(indices_or_sections) <= 0 or n % int(indices_or_sections):
            raise ValueError("array split does not result in an equal division: use "
                             "np.array_split for pieces of unequal sizes.")
    return array_split(ary, indices_or_sections, axis)


def unstack(x: Number, *, axis: int = 0) -> tuple[Any, ...]:
    """NumPy's ``unstack``: the slices of ``x`` along ``axis`` (``np.stack``'s inverse).

    Args:
      x: An array (traced or not) of at least one axis.
      axis: The axis to take apart.

    Returns:
      A tuple of arrays, one per index along ``axis``.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> [p.shape for p in tg.unstack(np.ones((2, 3)), axis=1)]
      [(2,), (2,), (2,)]
    """
    shape = shape_of(x)
    if not shape:
        raise ValueError("Input array must be at least 1-d.")
    ax = _axis("unstack", axis, len(shape))
    return tuple(_along(x, ax, k) for k in range(shape[ax]))


def hsplit(ary: Number, indices_or_sections: Any) -> list[Any]:
    """NumPy's ``hsplit``: ``split`` along the second axis (the first of a vector).

    Args:
      ary: An array (traced or not) of at least one axis.
      indices_or_sections: A number of equal pieces, or the indices to cut at.

    Returns:
      A list of arrays.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> [p.shape for p in tg.hsplit(np.ones((2, 4)), 2)]
      [(2, 2), (2, 2)]
    """
    nd = len(shape_of(ary))
    if nd == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions.")
    return split(ary, indices_or_sections, 1 if nd > 1 else 0)


def vsplit(ary: Number, indices_or_sections: Any) -> list[Any]:
    """NumPy's ``vsplit``: ``split`` along the first axis of an array of 2 or more axes.

    Args:
      ary: An array (traced or not) of at least two axes.
      indices_or_sections: A number of equal pieces, or the indices to cut at.

    Returns:
      A list of arrays.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> [p.shape for p in tg.vsplit(np.ones((4, 2)), [1])]
      [(1, 2), (3, 2)]
    """
    if len(shape_of(ary)) < 2:
        raise ValueError("vsplit only works on arrays of 2 or more dimensions.")
    return split(ary, indices_or_sections, 0)


def dsplit(ary: Number, indices_or_sections: Any) -> list[Any]:
    """NumPy's ``dsplit``: ``split`` along the third axis of an array of 3 or more axes.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> [p.shape for p in tg.dsplit(np.ones((1, 2, 4)), 2)]
      [(1, 2, 2), (1, 2, 2)]
    """
    if len(shape_of(ary)) < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions.")
    return split(ary, indices_or_sections, 2)


# ----------------------------------------------------- append, insert, delete
def append(arr: Number, values: Number, axis: int | None = None) -> Number:
    """NumPy's ``append``: ``values`` after ``arr`` (both flattened when ``axis`` is None).

    Args:
      arr: An array (traced or not).
      values: Numbers to append (traced or not).
      axis: The axis to join along, or None to flatten both first.

    Returns:
      The joined array.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.append(np.ones((1, 2)), 3.0)
      array([1., 1., 3.])
    """
    arr, values = _stacked(arr), _stacked(values)       # lists of numbers, as NumPy's
    if axis is None:
        return concatenate([ravel(arr), ravel(values)], 0)
    return concatenate([arr, values], axis)


def insert(arr: Number, obj: Any, values: Number, axis: int | None = None) -> Number:
    """NumPy's ``insert``: ``values`` put before the constant indices ``obj``.

    Args:
      arr: An array (traced or not).
      obj: The index or indices (a constant int, slice or sequence of ints).
      values: The numbers to insert (traced or not), broadcast as NumPy does.
      axis: The axis to insert along, or None to flatten ``arr`` first.

    Returns:
      A new array; ``values`` are cast to ``arr``'s dtype, as in NumPy.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.insert(np.array([1.0, 2.0]), 1, 5.0)
      array([1., 5., 2.])
    """
    if axis is None:
        arr, axis = ravel(arr), 0
    values = _inserted(values, _dtype_of(arr))
    size = int(np.prod(shape_of(arr)))
    marks = -1 - _positions(shape_of(values))          # the values' positions, negative
    layout = np.insert(_positions(shape_of(arr)), obj, marks, axis=axis)
    layout = np.where(layout >= 0, layout, size - 1 - layout)
    if _dtype_of(values) != _dtype_of(arr):
        values = astype(values, _dtype_of(arr))
    return getitem(concatenate([ravel(arr), ravel(values)], 0), layout)


def _inserted(values: Any, dtype: np.dtype[Any]) -> Any:
    """NumPy's ``np.array(values, dtype)`` (500 into int8 raises); a list of traced: stacked."""
    if any(type(v) is Traced for v in tree.leaves(values)):
        return _stacked(values) if isinstance(values, list | tuple) else values
    return np.array(values, dtype=dtype)


def delete(arr: Number, obj: Any, axis: int | None = None) -> Number:
    """NumPy's ``delete``: ``arr`` without the constant indices ``obj`` along ``axis``.

    Args:
      arr: An array (traced or not).
      obj: The index or indices to remove (an int, a slice, a sequence of ints or
        a boolean mask; constant).
      axis: The axis, or None to flatten ``arr`` first.

    Returns:
      A new array.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.delete(np.array([1.0, 2.0, 3.0]), [0, 2])
      array([2.])
    """
    return _gather(arr, np.delete(_positions(shape_of(arr)), obj, axis=axis))


# ----------------------------------------------------- triangles, rotations
def _triangle(m: Any, k: int, lower: bool) -> Any:
    shape = shape_of(m)
    if not shape:             # NumPy's tri() fails on it
        raise ValueError(f"np.{'tril' if lower else 'triu'}: a 0-d array has no triangle; "
                         "give a vector (one row repeated, as NumPy does) or a matrix.")
    if len(shape) < 2:        # NumPy treats a vector as one row repeated
        m = m * np.ones((shape[0],) * 2, dtype=_dtype_of(m))
        shape = shape_of(m)
    rows, cols = shape[-2:]
    keep = np.tri(rows, cols, k, dtype=bool)
    keep = keep if lower else ~np.tri(rows, cols, k - 1, dtype=bool)
    return where(keep, m, np.zeros((), dtype=_dtype_of(m)))


def triu(m: Number, k: int = 0) -> Number:
    """NumPy's ``triu``: the upper triangle (on and above diagonal ``k``), zeros below.

    Args:
      m: An array (traced or not); of more than 2 axes, the last two.
      k: The diagonal above which to zero (0: the main one).

    Returns:
      An array shaped like ``m`` (a vector becomes a square matrix, as in NumPy).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.triu(np.ones((2, 2)))
      array([[1., 1.],
             [0., 1.]])
    """
    return _triangle(m, int(k), lower=False)


def tril(m: Number, k: int = 0) -> Number:
    """NumPy's ``tril``: the lower triangle (on and below diagonal ``k``), zeros above.

    Args:
      m: An array (traced or not); of more than 2 axes, the last two.
      k: The diagonal below which to keep.

    Returns:
      An array shaped like ``m``.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.tril(np.ones((2, 2)))
      array([[1., 0.],
             [1., 1.]])
    """
    return _triangle(m, int(k), lower=True)


def rot90(m: Number, k: int = 1, axes: tuple[int, int] = (0, 1)) -> Number:
    """NumPy's ``rot90``: a rotation by ``k`` quarter turns in the plane of ``axes``.

    Args:
      m: An array (traced or not) of at least two axes.
      k: The number of quarter turns (counterclockwise from the first axis to the second).
      axes: The plane of the rotation.

    Returns:
      The rotated array.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.rot90(np.array([[1.0, 2.0], [3.0, 4.0]]))
      array([[2., 4.],
             [1., 3.]])
    """
    return _gather(m, np.rot90(_positions_laid_as(m), k, axes))


def take_along_axis(arr: Number, indices: Any, axis: int | None = -1) -> Number:
    """NumPy's ``take_along_axis``: ``arr`` indexed along ``axis`` by ``indices``.

    Args:
      arr: An array (traced or not).
      indices: Integers (constant, or traced integer data such as ``tg.argsort``'s),
        of ``arr``'s number of axes.
      axis: The axis to index along, or None for the flattened array.

    Returns:
      The selected elements; the gradient scatters back to them.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> x = np.array([[3.0, 1.0, 2.0]])
      >>> tg.take_along_axis(x, np.argsort(x, axis=1), axis=1)
      array([[1., 2., 3.]])
    """
    if axis is None:
        arr, axis = ravel(arr), 0
    shape, ishape = shape_of(arr), shape_of(indices)
    ax = _axis("take_along_axis", axis, len(shape))
    if len(ishape) != len(shape):
        raise ValueError("take_along_axis: indices and arr must have the same number of "
                         "dimensions.")
    key = tuple(indices if d == ax else np.arange(n).reshape(
        (1,) * d + (n,) + (1,) * (len(shape) - d - 1)) for d, n in enumerate(shape))
    idx, traced = _index(key)       # traced integer indices: a gather that jit replays
    return gather(arr, idx, *traced) if traced else getitem(arr, idx)


# ------------------------------------------- NumPy's names on traced values
functions.update({
    np.split: (split, ("indices_or_sections", "axis")),
    np.array_split: (array_split, ("indices_or_sections", "axis")),
    np.hsplit: (hsplit, ("indices_or_sections",)), np.vsplit: (vsplit, ("indices_or_sections",)),
    np.dsplit: (dsplit, ("indices_or_sections",)), np.unstack: (unstack, ("axis",)),
    np.append: (append, ("values", "axis")), np.insert: (insert, ("obj", "values", "axis")),
    np.delete: (delete, ("obj", "axis")), np.triu: (triu, ("k",)), np.tril: (tril, ("k",)),
    np.rot90: (rot90, ("k", "axes")), np.take_along_axis: (take_along_axis, ("indices", "axis")),
})
