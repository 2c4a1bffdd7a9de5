"""SciPy's banded solvers, ``solve_banded`` and ``solveh_banded``, on traced values.

Implicit schemes and splines hand SciPy a matrix by its diagonals:
``ab[u + i - j, j] == a[i, j]`` for the ``l`` diagonals below and ``u``
above. Here the full matrix is gathered from ``ab`` with constant indices
(zeros off the band; the corners of ``ab`` that SciPy never reads stay
unread, so they get no derivative), then solved by
[tg.linalg.solve][tapegrad.linalg.solve]: the values are SciPy's within a
few ulps (SciPy eliminates within the band), and the derivatives, ``jit``
and ``vmap`` are those of ``solve``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import linalg as _la
from ..indexing import getitem
from ..kinks import where
from ..values import shape_of

__all__ = ["solve_banded", "solveh_banded"]

Number = Any


def _full(ab: Number, lower: int, upper: int, what: str) -> Number:
    """The ``n`` by ``n`` matrix whose diagonals ``ab`` holds, ``lower`` below, ``upper`` above."""
    shape = shape_of(ab)
    if len(shape) != 2 or shape[0] != lower + upper + 1:
        raise ValueError(f"{what}: invalid values for the number of lower and upper diagonals: "
                         f"l+u+1 ({lower + upper + 1}) does not equal ab.shape[0] "
                         f"({shape[0] if shape else 0})")
    n = shape[1]
    i, j = np.indices((n, n))
    row = upper + i - j
    inside = (row >= 0) & (row <= lower + upper)
    return where(inside, getitem(ab, (np.clip(row, 0, lower + upper), j)), 0.0)


def solve_banded(l_and_u: tuple[int, int], ab: Number, b: Number, overwrite_ab: bool = False,
                 overwrite_b: bool = False, check_finite: bool = True) -> Number:
    """SciPy's ``solve_banded``: ``x`` with ``a @ x == b``, ``a`` given by its diagonals.

    Args:
      l_and_u: ``(l, u)``, the numbers of diagonals below and above the main one.
      ab: The ``(l + u + 1, n)`` array of diagonals, ``ab[u + i - j, j] == a[i, j]``.
      b: A vector ``(n,)`` or matrix ``(n, k)``.
      overwrite_ab: Ignored (SciPy's performance flag).
      overwrite_b: Ignored.
      check_finite: Ignored.

    Returns:
      The solution, shaped as ``b``.

    Examples:
      >>> import numpy as np
      >>> from tapegrad.scipy.linalg import solve_banded
      >>> ab = np.array([[0.0, 1.0, 1.0], [4.0, 4.0, 4.0], [1.0, 1.0, 0.0]])
      >>> solve_banded((1, 1), ab, np.array([5.0, 6.0, 5.0]))
      array([1., 1., 1.])
    """
    del overwrite_ab, overwrite_b, check_finite
    lower, upper = (int(k) for k in l_and_u)
    return _la.solve(_full(ab, lower, upper, "solve_banded"), b)


def solveh_banded(ab: Number, b: Number, overwrite_ab: bool = False, overwrite_b: bool = False,
                  lower: bool = False, check_finite: bool = True) -> Number:
    """SciPy's ``solveh_banded``: ``x`` with ``a @ x == b``, ``a`` symmetric positive definite.

    Args:
      ab: The ``(u + 1, n)`` diagonals of the upper triangle
        (``ab[u + i - j, j] == a[i, j]`` for ``i <= j``), or of the lower one
        with ``lower=True`` (``ab[i - j, j] == a[i, j]`` for ``i >= j``).
      b: A vector ``(n,)`` or matrix ``(n, k)``.
      overwrite_ab: Ignored.
      overwrite_b: Ignored.
      lower: ``ab`` holds the lower triangle.
      check_finite: Ignored.

    Returns:
      The solution, shaped as ``b``.

    Examples:
      >>> import numpy as np
      >>> from tapegrad.scipy.linalg import solveh_banded
      >>> ab = np.array([[0.0, -1.0, -1.0], [4.0, 4.0, 4.0]])
      >>> solveh_banded(ab, np.array([3.0, 2.0, 3.0]))
      array([1., 1., 1.])
    """
    del overwrite_ab, overwrite_b, check_finite
    k = shape_of(ab)[0] - 1 if shape_of(ab) else 0
    half = _full(ab, 0, k, "solveh_banded") if not lower else _full(ab, k, 0, "solveh_banded")
    off = where(np.eye(shape_of(ab)[-1], dtype=bool), 0.0, np.swapaxes(half, -1, -2))
    return _la.solve(half + off, b)
