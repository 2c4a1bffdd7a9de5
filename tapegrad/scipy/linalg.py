"""SciPy's ``scipy.linalg`` on traced values, as ``jax.scipy.linalg`` has it.

Same names and signatures as SciPy; computed with NumPy through
[tg.linalg][tapegrad.linalg], so SciPy need not be installed, and every
function differentiates in both modes, to any order, under ``jit`` and
``vmap``. A triangular solve is NumPy's ``solve`` on the triangle; the
``overwrite_*`` and ``check_finite`` flags are accepted and ignored.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import linalg as _la
from .. import matrix as _mx
from ..arrays import concatenate
from ..batching.rules import batch_rules, broadcasting
from ..primitive import Primitive, defjvp, defvjp, primitive
from ..shapes import broadcast_to, reshape
from ..values import primal_value, shape_of
from ._banded import solve_banded, solveh_banded
from ._decompositions import eigh, eigvalsh, lstsq, pinv, qr, svd
from ._lu import lu, lu_factor, lu_solve
from ._structured import block_diag, eigh_tridiagonal, hilbert, polar, sqrtm

__all__ = ["block_diag", "cho_factor", "cho_solve", "cholesky", "det", "eigh", "eigh_tridiagonal",
           "eigvalsh", "expm", "expm_frechet", "hilbert", "inv", "lstsq", "lu", "lu_factor",
           "lu_solve", "pinv", "polar", "qr", "solve", "solve_banded", "solve_triangular",
           "solveh_banded", "sqrtm", "svd", "toeplitz"]

Number = Any


def _triangle(a: Number, lower: bool, unit_diagonal: bool) -> Number:
    """The lower (or upper) triangle of ``a``, with ones on the diagonal if ``unit_diagonal``."""
    mask = _mx._tri(a, -1 if unit_diagonal else 0)
    tri = a * (mask if lower else np.swapaxes(mask, -1, -2))
    return tri + _mx._eye(a) if unit_diagonal else tri


def solve_triangular(a: Number, b: Number, trans: int | str = 0, lower: bool = False,
                     unit_diagonal: bool = False, overwrite_b: bool = False,
                     check_finite: bool = True) -> Number:
    """SciPy's ``solve_triangular``: ``x`` with ``t(a) @ x == b``, ``a`` triangular.

    Only the triangle ``lower`` names is read; the other may hold anything.

    Args:
      a: Triangular matrices ``(..., n, n)``.
      b: A vector ``(n,)`` or matrices ``(..., n, k)``.
      trans: 0 or ``"N"`` solves ``a x = b``; 1, ``"T"``, 2 or ``"C"``
        solves ``a.T x = b``.
      lower: Read the lower triangle (else the upper one).
      unit_diagonal: Take the diagonal as ones, without reading it.
      overwrite_b: Ignored (SciPy's performance flag).
      check_finite: Ignored.

    Returns:
      The solution, shaped as ``b``.

    Examples:
      >>> import numpy as np
      >>> from tapegrad.scipy.linalg import solve_triangular
      >>> solve_triangular(np.array([[2.0, 9.0], [1.0, 4.0]]), np.array([2.0, 5.0]), lower=True)
      array([1., 1.])
    """
    del overwrite_b, check_finite
    if trans not in (0, 1, 2, "N", "T", "C"):
        raise ValueError(f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', "
                         f"got {trans!r}.")
    _mx._square("solve_triangular", a)
    tri = _triangle(a, lower, unit_diagonal)
    return _la.solve(_mx._mT(tri) if trans not in (0, "N") else tri, b)


def cholesky(a: Number, lower: bool = False, overwrite_a: bool = False,
             check_finite: bool = True) -> Number:
    """SciPy's ``cholesky``: ``U`` with ``a = U.T @ U`` (``L`` with ``lower=True``).

    Args:
      a: Symmetric positive definite matrices ``(..., n, n)``; only the
        triangle of the factor is read (the upper one by default), as in SciPy.
      lower: Return the lower factor ``L`` (``a = L @ L.T``).
      overwrite_a: Ignored.
      check_finite: Ignored.

    Returns:
      The triangular factor, zeros in the other triangle.

    Examples:
      >>> import numpy as np
      >>> from tapegrad.scipy.linalg import cholesky
      >>> cholesky(np.array([[4.0, 2.0], [2.0, 2.0]]))
      array([[2., 1.],
             [0., 1.]])
    """
    del overwrite_a, check_finite
    return _la.cholesky(a, upper=not lower)


def cho_factor(a: Number, lower: bool = False, overwrite_a: bool = False,
               check_finite: bool = True) -> tuple[Number, bool]:
    """SciPy's ``cho_factor``: the Cholesky factor and which triangle holds it.

    As in ``jax.scipy.linalg``, the other triangle holds zeros (SciPy leaves
    arbitrary numbers there, which ``cho_solve`` never reads).

    Args:
      a: Symmetric positive definite matrices ``(..., n, n)``.
      lower: Factor as ``L @ L.T`` (else ``U.T @ U``).
      overwrite_a: Ignored.
      check_finite: Ignored.

    Returns:
      ``(c, lower)``, to pass to [cho_solve][tapegrad.scipy.linalg.cho_solve].

    Examples:
      >>> import numpy as np
      >>> from tapegrad.scipy.linalg import cho_factor, cho_solve
      >>> A = np.array([[4.0, 2.0], [2.0, 2.0]])
      >>> cho_solve(cho_factor(A), np.array([6.0, 4.0]))
      array([1., 1.])
    """
    return cholesky(a, lower, overwrite_a, check_finite), bool(lower)


def cho_solve(c_and_lower: tuple[Number, bool], b: Number, overwrite_b: bool = False,
              check_finite: bool = True) -> Number:
    """SciPy's ``cho_solve``: ``x`` with ``a @ x == b``, from ``cho_factor(a)``.

    Args:
      c_and_lower: ``(c, lower)`` as [cho_factor][tapegrad.scipy.linalg.cho_factor]
        returns it; only ``c``'s triangle is read.
      b: A vector ``(n,)`` or matrices ``(..., n, k)``.
      overwrite_b: Ignored.
      check_finite: Ignored.

    Returns:
      The solution, shaped as ``b``.
    """
    del overwrite_b, check_finite
    c, lower = c_and_lower
    if lower:                       # L L^T x = b
        return solve_triangular(c, solve_triangular(c, b, lower=True), trans=1, lower=True)
    return solve_triangular(c, solve_triangular(c, b, trans=1), lower=False)   # U^T U x = b


_SYMMETRIC = ("sym", "symmetric", "her", "hermitian", "pos", "positive definite")


def solve(a: Number, b: Number, lower: bool = False, overwrite_a: bool = False,
          overwrite_b: bool = False, check_finite: bool = True, assume_a: str | None = None,
          transposed: bool = False) -> Number:
    """SciPy's ``solve``: ``x`` with ``a @ x == b``.

    Args:
      a: Square matrices ``(..., n, n)``.
      b: A vector ``(n,)`` or matrices ``(..., n, k)``.
      lower: With a symmetric or triangular ``assume_a``, read the lower
        triangle (else the upper one), as SciPy does.
      overwrite_a: Ignored.
      overwrite_b: Ignored.
      check_finite: Ignored.
      assume_a: None or ``"gen"`` (general), ``"sym"``, ``"her"``, ``"pos"``
        (symmetric: one triangle read), ``"diagonal"`` or ``"tridiagonal"``
        (that band read), ``"banded"`` (all of ``a``: its band is its
        nonzeros), ``"lower triangular"`` or ``"upper triangular"``.
      transposed: Solve ``a.T @ x == b``.

    Returns:
      The solution, shaped as ``b``.

    Examples:
      >>> import numpy as np
      >>> from tapegrad.scipy.linalg import solve
      >>> solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([2.0, 2.0]))
      array([1. , 0.5])
    """
    del overwrite_a, overwrite_b, check_finite
    _mx._square("solve", a)
    if assume_a in _SYMMETRIC:
        a = _mx._sym_lower(a if lower else _mx._mT(a))
    elif assume_a in ("lower triangular", "upper triangular"):
        a = _triangle(a, assume_a == "lower triangular", False)
    elif assume_a in ("diagonal", "tridiagonal"):      # SciPy reads that band of a only
        lower_band = np.tri(_mx._square("solve", a), k=int(assume_a == "tridiagonal"),
                            dtype=_dtype(a))
        a = a * (lower_band * lower_band.T)
    elif assume_a not in (None, "gen", "general", "banded"):      # banded: a's own band
        raise ValueError(f"solve: assume_a={assume_a!r} is not one tapegrad knows; use "
                         f"None, 'gen', 'sym', 'her', 'pos', 'diagonal', 'tridiagonal', "
                         "'banded', 'lower triangular' or 'upper triangular'.")
    return _la.solve(_mx._mT(a) if transposed else a, b)


def inv(a: Number, overwrite_a: bool = False, check_finite: bool = True) -> Number:
    """SciPy's ``inv``: the inverse of each matrix of a stack (``tg.linalg.inv``).

    Args:
      a: Square matrices ``(..., n, n)``.
      overwrite_a: Ignored.
      check_finite: Ignored.

    Returns:
      Their inverses.
    """
    del overwrite_a, check_finite
    return _la.inv(a)


def det(a: Number, overwrite_a: bool = False, check_finite: bool = True) -> Number:
    """SciPy's ``det``: the determinant of each matrix of a stack (``tg.linalg.det``).

    Args:
      a: Square matrices ``(..., n, n)``.
      overwrite_a: Ignored.
      check_finite: Ignored.

    Returns:
      A float for one matrix, else an array of the leading shape.
    """
    del overwrite_a, check_finite
    return _la.det(a)


def toeplitz(c: Number, r: Number | None = None) -> Number:
    """SciPy's ``toeplitz``: the matrix with first column ``c`` and first row ``r``.

    Each entry is one of ``c`` or ``r``, picked by a constant index, so the
    derivative of an entry goes to the element it copies.

    Args:
      c: The first column; an N-d ``c`` is a batch of columns along its last
        axis, as in SciPy 1.17.
      r: The first row (its first element is ignored); ``c`` if None, as
        SciPy's ``r = c.conjugate()`` is for real numbers. Batched as ``c``;
        the two batch shapes broadcast.

    Returns:
      The ``(..., len(c), len(r))`` matrices ``T[i, j] = c[i - j]`` on and
      below the diagonal, ``r[j - i]`` above it.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> from tapegrad.scipy.linalg import toeplitz
      >>> toeplitz(np.array([1.0, 2.0, 3.0]), np.array([1.0, 4.0]))
      array([[1., 4.],
             [2., 1.],
             [3., 2.]])
      >>> tg.grad(lambda c: np.sum(toeplitz(c)))(np.array([1.0, 2.0, 3.0]))
      array([3., 4., 2.])
    """
    c = reshape(c, (1,)) if not np.shape(c) else c
    r = c if r is None else reshape(r, (1,)) if not np.shape(r) else r
    (*lead_c, n), (*lead_r, m) = np.shape(c), np.shape(r)
    lead = np.broadcast_shapes(tuple(lead_c), tuple(lead_r))
    c, r = broadcast_to(c, (*lead, n)), broadcast_to(r, (*lead, m))
    values = concatenate([c[..., ::-1], r[..., 1:]], axis=-1)   # c reversed, then r after r[0]
    return values[..., (n - 1) - np.arange(n)[:, None] + np.arange(m)[None, :]]


# -------------------------------------------------------------------- expm
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
           129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
           40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152       # Higham (2005): the 1-norm below which Pade 13 is exact


def _expm_one(a: np.ndarray) -> np.ndarray:
    """Higham's scaling and squaring with the degree-13 Pade approximant, for one matrix."""
    norm = float(np.max(np.sum(np.abs(a), axis=0))) if a.size else 0.0
    s = max(0, math.ceil(math.log2(norm / _THETA13))) if norm > _THETA13 else 0
    a = a * a.dtype.type(2.0 ** -s)
    b = [a.dtype.type(c) for c in _PADE13]
    eye = np.eye(len(a), dtype=a.dtype)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2
             + b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 \
        + b[0] * eye
    r = np.linalg.solve(v - u, v + u)
    for _ in range(s):
        r = r @ r
    return r


def _dtype(x: Any) -> np.dtype:
    return np.asarray(primal_value(x)).dtype


def _expm(a: Any) -> Any:
    a = np.asarray(a)
    a = a if a.dtype.kind == "f" else a.astype(np.float64)
    n = a.shape[-1]
    flat = [_expm_one(m) for m in a.reshape(-1, n, n)]
    return np.stack(flat).reshape(a.shape) if flat else np.empty(a.shape, a.dtype)


def _frechet(a: Any, e: Any) -> Any:
    """The derivative of ``expm`` at ``a`` in the direction ``e``: the corner of a block expm."""
    n = shape_of(a)[-1]
    zero = np.zeros(shape_of(a), np.result_type(_dtype(a), _dtype(e)))
    block = concatenate([concatenate([a, e], axis=-1), concatenate([zero, a], axis=-1)], axis=-2)
    return expm_p(block)[..., :n, n:]


expm_p: Primitive = primitive(_expm, "expm", check_rules=False)
batch_rules[expm_p] = broadcasting          # one matrix at a time, as a loop over the batch
defvjp(expm_p, lambda g, ans, a: _frechet(_mx._mT(a), g))
defjvp(expm_p, lambda t, ans, a: _frechet(a, t))


def expm(A: Number) -> Number:  # noqa: N803  (SciPy's name)
    """SciPy's ``expm``: the matrix exponential of each matrix of a stack.

    Computed with NumPy by scaling and squaring with the degree-13 Pade
    approximant (Higham 2005), so it agrees with SciPy's to rounding. Its
    derivative in a direction ``E`` is the upper right block of
    ``expm([[A, E], [0, A]])`` (reverse mode: of ``[[A.T, G], [0, A.T]]``),
    itself an ``expm``, so it differentiates to any order.

    Args:
      A: Square matrices ``(..., n, n)``; float32 stays float32.

    Returns:
      ``exp(A)`` for each matrix, shaped as ``A``.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> from tapegrad.scipy.linalg import expm
      >>> expm(np.array([[0.0, 1.0], [0.0, 0.0]]))
      array([[1., 1.],
             [0., 1.]])
      >>> round(float(tg.grad(lambda t: expm(t * np.eye(2))[0, 0])(1.0)), 12)   # e
      2.718281828459
    """
    _mx._square("expm", A)
    return expm_p(A)


def expm_frechet(A: Number, E: Number, method: Any = None, compute_expm: bool = True,  # noqa: N803
                 check_finite: bool = True) -> Any:
    """SciPy's ``expm_frechet``: the derivative of ``expm`` at ``A`` in the direction ``E``.

    The upper right block of ``expm([[A, E], [0, A]])``, so it differentiates
    in ``A`` and ``E`` to any order.

    Args:
      A: A square matrix (or a stack).
      E: The direction, shaped as ``A``.
      method: Ignored (SciPy's algorithm choice).
      compute_expm: Also return ``expm(A)``, first.
      check_finite: Ignored.

    Returns:
      ``(expm(A), L)``, or ``L`` with ``compute_expm=False``.

    Examples:
      >>> import numpy as np
      >>> from tapegrad.scipy.linalg import expm_frechet
      >>> expm_frechet(np.zeros((2, 2)), np.eye(2), compute_expm=False)
      array([[1., 0.],
             [0., 1.]])
    """
    _mx._square("expm_frechet", A)
    if shape_of(A) != shape_of(E):
        raise ValueError(f"expm_frechet: A and E must have the same shape, got "
                         f"{shape_of(A)} and {shape_of(E)}.")
    frechet = _frechet(A, E)
    return (expm_p(A), frechet) if compute_expm else frechet
