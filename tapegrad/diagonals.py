"""NumPy's diagonals on traced values: ``diagonal``, ``diag`` and ``diagflat``.

``diagonal`` is a constant index of two axes (moved last); ``diag`` of a
vector scatters it into a square matrix of zeros with ``index_add`` (integer
data: gathers it, so every bit is kept). Both are exact, with every
transform of the primitives they use.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import concatenate
from .indexing import getitem, index_add
from .numpy_dispatch import functions
from .read_only import mark
from .reshaping import _axis, _shape, ravel
from .shapes import transpose
from .values import Traced, primal_value, shape_of

__all__ = ["diag", "diagflat", "diagonal"]

Number = Any


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
      The other axes, then the diagonal as the last axis: read-only, as NumPy's
      (a write into it is NumPy's ``ValueError``).

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
    return mark(getitem(moved, (Ellipsis, rows, cols)))     # NumPy's is a read-only view


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
    if dtype.kind != "f":            # integer data: no derivative; a gather keeps every bit
        index = np.full((n, n), shape[0])           # off the diagonal: the appended zero
        index[_diagonal_index(n, n, int(k))] = np.arange(shape[0])
        return getitem(concatenate([v, np.zeros(1, dtype)]), index)
    return index_add(v, np.zeros((n, n), dtype=dtype), _diagonal_index(n, n, int(k)))


def diagflat(v: Number, k: int = 0) -> Number:
    """NumPy's ``diagflat``: the flattened input as the ``k``-th diagonal of a square matrix.

    Args:
      v: A number or an array of any shape (traced or not), flattened first.
      k: Which diagonal: above the main one when positive, below when negative.

    Returns:
      A 2-D array of side ``v.size + |k|``.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.diagflat(np.array([[1.0, 2.0]]), k=1)
      array([[0., 1., 0.],
             [0., 0., 2.],
             [0., 0., 0.]])
    """
    return diag(ravel(v), k)


def _indices_from(what: str, indices: Any) -> Any:
    """NumPy's ``triu_indices_from`` and kin: constants that need only the shape."""
    def from_shape(arr: Any, *args: Any, **kwargs: Any) -> Any:
        shape = shape_of(arr)
        if len(shape) != 2 and what != "diag":
            raise ValueError(f"np.{what}_indices_from: input array must be 2-d.")
        if what == "diag":
            return np.diag_indices_from(np.empty(shape, bool))
        return indices(shape[0], *args, m=shape[1], **kwargs)
    return from_shape


# ------------------------------------------- NumPy's names on traced values
functions.update({
    np.triu_indices_from: (_indices_from("triu", np.triu_indices), ("k",)),
    np.tril_indices_from: (_indices_from("tril", np.tril_indices), ("k",)),
    np.diag_indices_from: (_indices_from("diag", np.diag_indices), ()),
    np.diagonal: (diagonal, ("offset", "axis1", "axis2")), np.diag: (diag, ("k",)),
    np.diagflat: (diagflat, ("k",)),
})


# ------------------------------------------------- the ndarray methods on Traced
def _diagonal_method(self: Traced, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Number:
    return diagonal(self, offset, axis1, axis2)


Traced.diagonal = _diagonal_method                 # type: ignore[attr-defined]
