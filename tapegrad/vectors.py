"""NumPy 2's array-API names for products.

``np.vecdot``, ``np.matvec``, ``np.vecmat``, and the ``np.linalg``
spellings of ``matmul``, ``outer``, ``cross``, ``trace``, ``diagonal``,
``tensordot``, ``matrix_transpose`` and ``vecdot``. Each is a composite
of tapegrad's own functions, with the array API's conventions: the matrix
axes are the last two, vectors the last one, and the leading axes
broadcast.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import matmul
from .diagonals import diagonal
from .differences import cross
from .numpy_dispatch import functions, ufuncs
from .numpy_tables import ufunc_keywords
from .reshaping import expand_dims, matrix_transpose, moveaxis, squeeze
from .tensordot import outer, tensordot, trace
from .values import shape_of

__all__ = ["matvec", "vecdot", "vecmat"]

Number = Any


def vecdot(x1: Number, x2: Number, axis: int = -1) -> Number:
    """The dot product of vectors along ``axis`` (the last), the others broadcast.

    Args:
      x1: An array (traced or not).
      x2: An array that broadcasts against ``x1``.
      axis: The axis of the vectors.

    Returns:
      ``sum(x1 * x2, axis)``, computed as ``matmul`` of a row by a column
      (NumPy's numbers, bit for bit).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.vecdot(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, -1.0]))
      array([-1., -1.])
    """
    if axis != -1:
        x1, x2 = moveaxis(x1, axis, -1), moveaxis(x2, axis, -1)
    return squeeze(matmul(expand_dims(x1, -2), expand_dims(x2, -1)), (-2, -1))


def matvec(x1: Number, x2: Number) -> Number:
    """Matrices ``(..., m, n)`` times vectors ``(..., n)``: ``(..., m)``.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.matvec(np.eye(2) * 2.0, np.array([1.0, 3.0]))
      array([2., 6.])
    """
    _dims("matvec", x1, 2, x2, 1)
    return squeeze(matmul(x1, expand_dims(x2, -1)), -1)


def vecmat(x1: Number, x2: Number) -> Number:
    """Vectors ``(..., n)`` times matrices ``(..., n, m)``: ``(..., m)``.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.vecmat(np.array([1.0, 3.0]), np.array([[1.0, 2.0], [0.0, 1.0]]))
      array([1., 5.])
    """
    _dims("vecmat", x1, 1, x2, 2)
    return squeeze(matmul(expand_dims(x1, -2), x2), -2)


def _dims(what: str, x1: Any, n1: int, x2: Any, n2: int) -> None:
    """NumPy's gufunc check: each operand has its core's dimensions."""
    for i, (x, n) in enumerate(((x1, n1), (x2, n2))):
        if len(shape_of(x)) < n:
            raise ValueError(f"{what}: operand {i} has {len(shape_of(x))} dimensions, its "
                             f"core needs {n} (a {'matrix' if n == 2 else 'vector'}).")


def _linalg_outer(x1: Number, x2: Number) -> Number:
    if len(shape_of(x1)) != 1 or len(shape_of(x2)) != 1:
        raise ValueError("np.linalg.outer takes 1-D vectors only; for more axes use "
                         "np.multiply.outer's spelling x1[..., :, None] * x2[..., None, :].")
    return outer(x1, x2)


ufuncs.update({np.vecdot: vecdot, np.matvec: matvec, np.vecmat: vecmat})
ufunc_keywords[np.vecdot] = ("axis",)
functions.update({
    np.linalg.vecdot: (vecdot, ("axis",)),
    np.linalg.matmul: (matmul, ()),
    np.linalg.outer: (_linalg_outer, ()),
    np.linalg.cross: (lambda x1, x2, axis=-1: cross(x1, x2, axis=axis), ("axis",)),
    np.linalg.trace: (lambda x, offset=0: trace(x, offset, -2, -1), ("offset",)),
    np.linalg.diagonal: (lambda x, offset=0: diagonal(x, offset, -2, -1), ("offset",)),
    np.linalg.tensordot: (tensordot, ("axes",)),
    np.linalg.matrix_transpose: (matrix_transpose, ()),
})
