"""SciPy's ``block_diag``, ``hilbert``, ``eigh_tridiagonal`` and ``polar`` on traced values.

As ``jax.scipy.linalg`` has them: each is built from tapegrad's functions
(``concatenate``, ``diag``, ``eigvalsh``, ``svd``), so each differentiates
in both modes, to any order, under ``jit`` and ``vmap``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import linalg as _la
from .. import linalg_decomp as _dec
from .. import ops
from ..arrays import astype, concatenate
from ..diagonals import diag
from ..eigen import eig
from ..shapes import reshape
from ..values import primal_value, shape_of

__all__ = ["block_diag", "eigh_tridiagonal", "hilbert", "polar", "sqrtm"]

Number = Any


def _dtype(x: Any) -> np.dtype:
    return np.asarray(primal_value(x)).dtype


def _as_2d(a: Any) -> Any:
    """SciPy's ``np.atleast_2d``: a number is ``(1, 1)``, a vector one row."""
    shape = shape_of(a)
    if len(shape) > 2:
        raise ValueError(f"block_diag: arguments must have 2 or fewer dimensions, "
                         f"got one of shape {shape}.")
    return reshape(a, (1,) * (2 - len(shape)) + shape) if len(shape) < 2 else a


def block_diag(*arrs: Number) -> Number:
    """SciPy's ``block_diag``: the arrays as blocks down the diagonal, zeros elsewhere.

    Args:
      *arrs: Numbers, vectors (one row each) or matrices, traced or not.

    Returns:
      A matrix of the blocks' summed shape, in NumPy's promoted dtype.

    Examples:
      >>> import numpy as np
      >>> from tapegrad.scipy.linalg import block_diag
      >>> block_diag(np.array([[1.0, 2.0]]), 3.0)
      array([[1., 2., 0.],
             [0., 0., 3.]])
    """
    if not arrs:
        return np.empty((1, 0))
    blocks = [_as_2d(a) for a in arrs]
    dtype = np.result_type(*[_dtype(a) for a in arrs])
    width = sum(shape_of(b)[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        r, c = shape_of(b)
        pad = [np.zeros((r, left), dtype), astype(b, dtype),
               np.zeros((r, width - left - c), dtype)]
        rows.append(concatenate(pad, axis=1))
        left += c
    return concatenate(rows, axis=0)


def hilbert(n: int) -> np.ndarray:
    """SciPy's ``hilbert``: the ``n x n`` matrix ``1 / (i + j + 1)`` (a constant).

    Examples:
      >>> from tapegrad.scipy.linalg import hilbert
      >>> hilbert(2)
      array([[1.        , 0.5       ],
             [0.5       , 0.33333333]])
    """
    values = 1.0 / (1.0 + np.arange(2 * n - 1))
    return values[np.add.outer(np.arange(n), np.arange(n))]


def eigh_tridiagonal(d: Number, e: Number, eigvals_only: bool = False, select: str = "a",
                     select_range: Any = None, check_finite: bool = True, tol: float = 0.0,
                     lapack_driver: str = "auto") -> Number:
    """SciPy's ``eigh_tridiagonal``, eigenvalues only (as ``jax.scipy.linalg``'s).

    Args:
      d: The diagonal, ``(n,)``.
      e: The off-diagonal, ``(n - 1,)``.
      eigvals_only: Must be True: the eigenvectors are not supported.
      select: ``"a"`` (all) or ``"i"`` (those of indices ``select_range``,
        inclusive).
      select_range: ``(lo, hi)`` with ``select="i"``.
      check_finite: Ignored.
      tol: Ignored.
      lapack_driver: Ignored.

    Returns:
      The eigenvalues in ascending order.

    Examples:
      >>> import numpy as np
      >>> from tapegrad.scipy.linalg import eigh_tridiagonal
      >>> eigh_tridiagonal(np.array([2.0, 2.0]), np.array([1.0]), eigvals_only=True)
      array([1., 3.])
    """
    if not eigvals_only:
        raise NotImplementedError("eigh_tridiagonal: only eigvals_only=True is supported "
                                  "(as in jax.scipy.linalg); for eigenvectors build the "
                                  "matrix and call tapegrad.scipy.linalg.eigh.")
    if select not in ("a", "i"):
        raise ValueError(f"eigh_tridiagonal: select must be 'a' or 'i', got {select!r} "
                         "(select='v' is not supported).")
    n = shape_of(d)[0]
    if shape_of(e) != (max(n - 1, 0),):
        raise ValueError(f"eigh_tridiagonal: e must have shape ({n - 1},) beside d of "
                         f"shape ({n},), got {shape_of(e)}.")
    a = diag(d) + diag(e, 1) + diag(e, -1)
    w = _la.eigvalsh(a)
    if select == "i":
        lo, hi = (int(k) for k in select_range)
        w = w[lo:hi + 1]
    return w


def polar(a: Number, side: str = "right") -> tuple[Number, Number]:
    """SciPy's ``polar``: ``a = u @ p`` (``side="right"``) or ``a = p @ u`` (``"left"``).

    From the SVD ``a = W diag(s) Vh``: ``u = W @ Vh`` and ``p = Vh.T diag(s)
    Vh`` (right) or ``W diag(s) W.T`` (left). The derivative is the SVD's,
    defined where the singular values are distinct and nonzero.

    Args:
      a: A matrix ``(m, n)``.
      side: ``"right"`` or ``"left"``.

    Returns:
      ``(u, p)``: ``u`` with orthonormal columns (rows if ``m < n``), ``p``
      symmetric positive semidefinite.

    Examples:
      >>> import numpy as np
      >>> from tapegrad.scipy.linalg import polar
      >>> u, p = polar(np.array([[2.0, 0.0], [0.0, -3.0]]))
      >>> np.round(u, 12), np.round(p, 12)
      (array([[ 1.,  0.],
             [ 0., -1.]]), array([[2., 0.],
             [0., 3.]]))
    """
    if side not in ("right", "left"):
        raise ValueError(f"polar: side must be 'right' or 'left', got {side!r}.")
    if len(shape_of(a)) != 2:
        raise ValueError(f"polar: a must be a matrix, got shape {shape_of(a)}.")
    w, s, vh = _dec.svd(a, full_matrices=False)
    u = w @ vh
    if side == "right":
        return u, (vh.T * s) @ vh
    return u, (w * s) @ w.T


def sqrtm(A: Number, disp: bool = True, blocksize: int = 64) -> Any:
    """SciPy's ``sqrtm``: ``X`` with ``X @ X = A``, for real ``A`` with real eigenvalues.

    From the eigendecomposition ``A = V diag(w) V^-1``: ``X = V diag(sqrt(w))
    V^-1`` (a product of two covariances, as the Frechet distance takes, has
    such eigenvalues). A negative eigenvalue gives nan where SciPy gives a
    complex root; complex eigenvalues raise ``ValueError`` (``np.linalg.eig``'s).
    The derivative is the eigendecomposition's: it needs distinct eigenvalues.

    Args:
      A: A square matrix.
      disp: False also returns SciPy's error estimate ``||X @ X - A||_F / ||A||_F``.
      blocksize: Accepted for SciPy's signature (the method has no blocks).

    Returns:
      ``X``, or ``(X, errest)`` with ``disp=False``.

    Examples:
      >>> import numpy as np
      >>> from tapegrad.scipy.linalg import sqrtm
      >>> np.round(sqrtm(np.array([[4.0, 0.0], [0.0, 9.0]])), 12)
      array([[2., 0.],
             [0., 3.]])
    """
    shape = shape_of(A)
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"sqrtm: A must be a square matrix, got shape {shape}.")
    w, v = eig(A)
    x = (v * ops.sqrt(w)) @ _la.inv(v)
    if disp:
        return x
    return x, ops.sqrt(_la.norm(x @ x - A, "fro") ** 2 / _la.norm(A, "fro") ** 2)
