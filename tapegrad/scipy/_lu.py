"""SciPy's LU factors on traced values: ``lu_factor``, ``lu_solve`` and ``lu``.

The factorization is Gaussian elimination with partial pivoting (LAPACK's
``getrf``, written with NumPy over a stack of matrices), giving SciPy's
packed ``lu`` and its row swaps ``piv``. The pivots are integer data: they
carry no derivative and are recomputed at each call of a compiled function.
The derivative of the packed factor is JAX's rule: with ``P a = L U``,
``dL = L tril(X, -1)`` and ``dU = triu(X) U`` where ``X = L^-1 P da U^-1``;
reverse mode is its adjoint. Both are written with tapegrad's functions, so
they differentiate again. ``lu_solve`` is triangular solves on the factor,
so its derivative through ``lu_factor`` is that of ``solve``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..arrays import matmul_p
from ..batching.rules import batch_rules
from ..masks import eye_like, tri_like
from ..matrix import _mT, _square, _stacked, solve_p
from ..primitive import Primitive, defjvp, defvjp, primitive
from ..read_only import fresh
from ..shapes import _dtype
from ..values import shape_of

__all__ = ["lu", "lu_factor", "lu_solve"]

Number = Any


def _getrf(a: Any) -> tuple[np.ndarray, np.ndarray]:
    """The packed factors ``L + U - I`` and SciPy's row swaps ``piv`` (int32) of each matrix."""
    a = np.asarray(a)
    a = a if a.dtype.kind == "f" else a.astype(np.float64)
    *lead, m, n = a.shape
    lu = a.reshape(-1, m, n).copy()
    piv = np.zeros((len(lu), min(m, n)), np.int32)
    at = np.arange(len(lu))
    for k in range(min(m, n)):
        p = k + np.argmax(np.abs(lu[:, k:, k]), axis=1)     # the first largest, as idamax
        piv[:, k] = p
        top = lu[at, k].copy()
        lu[at, k] = lu[at, p]
        lu[at, p] = top
        pivot = lu[:, k, k]
        lu[:, k + 1:, k] /= np.where(pivot == 0, 1, pivot)[:, None]   # a zero column stays
        lu[:, k + 1:, k + 1:] -= lu[:, k + 1:, k, None] * lu[:, k, None, k + 1:]
    return lu.reshape(a.shape), piv.reshape(*lead, min(m, n))


def _rows(piv: Any, inverse: bool, m: int) -> np.ndarray:
    """The permutation of ``m`` rows the swaps make: ``a[perm] == L @ U`` (or its inverse)."""
    piv = np.asarray(piv)
    *lead, k = piv.shape
    flat = piv.reshape(-1, k)
    perm = np.tile(np.arange(m), (len(flat), 1))
    at = np.arange(len(flat))
    for i in range(k):
        top = perm[:, i].copy()
        perm[:, i] = perm[at, flat[:, i]]
        perm[at, flat[:, i]] = top
    if inverse:
        perm = np.argsort(perm, axis=1)
    return perm.reshape(*lead, m)


def _pivots(a: Any) -> np.ndarray:
    return _getrf(a)[1]


def _packed(a: Any) -> np.ndarray:
    return _getrf(a)[0]


def _permutation(piv: Any, dtype: str, m: int) -> np.ndarray:
    """``Q`` with ``Q @ a == a[perm]``: the swaps as a matrix of ``dtype``, zeros and ones."""
    perm = _rows(piv, False, m)
    return (perm[..., :, None] == np.arange(m)).astype(dtype)


def _indices(piv: Any, m: int) -> np.ndarray:
    return _rows(piv, True, m).astype(np.int32)    # SciPy's p_indices: a == L[p] @ U


def _as_is(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    """The impl on the whole batch: the leading axes are a stack to it."""
    return e.prim.impl(*values)


pivots_p: Primitive = primitive(_pivots, "lu_pivots", check_rules=False)
permutation_p: Primitive = primitive(_permutation, "lu_permutation", check_rules=False)
indices_p: Primitive = primitive(_indices, "lu_indices", check_rules=False)
for _p in (pivots_p, permutation_p, indices_p):           # integer data: no derivative
    batch_rules[_p] = _as_is
defvjp(pivots_p, None)
defjvp(pivots_p, None)
defvjp(permutation_p, None, None, None)
defjvp(permutation_p, None, None, None)
defvjp(indices_p, None, None)
defjvp(indices_p, None, None)


def _factors(lu: Any) -> tuple[Any, Any]:
    """``L`` (``(m, k)``, unit diagonal) and ``U`` (``(k, n)``) of a packed ``(m, n)`` factor."""
    m, n = shape_of(lu)[-2:]
    if m == n:
        strict = tri_like(lu, -1)
        return lu * strict + eye_like(lu), lu * (1 - strict)
    k, dtype = min(m, n), _dtype(lu)
    low = lu[..., :, :k] * np.tri(m, k, -1, dtype) + np.eye(m, k, dtype=dtype)
    return low, lu[..., :k, :] * (1 - np.tri(k, n, -1, dtype))


def _padded(lu: Any) -> tuple[Any, Any, Any]:
    """Square ``L`` ``(m, m)`` and ``U`` ``(n, n)`` of a packed ``(m, n)`` factor, and its mask.

    Past ``k = min(m, n)`` they are the identity's (JAX's padding), so the
    derivative's solves are square; the mask is the strict lower one of ``(m, n)``.
    """
    m, n = shape_of(lu)[-2:]
    if m == n:
        return (*_factors(lu), tri_like(lu, -1))
    dtype = _dtype(lu)
    strict = np.tri(m, n, -1, dtype)
    low = matmul_p(lu * strict, np.eye(n, m, dtype=dtype)) + np.eye(m, dtype=dtype)
    rest = np.diag((np.arange(n) >= m).astype(dtype))
    return low, matmul_p(np.eye(n, m, dtype=dtype), lu * (1 - strict)) + rest, strict


def _rows_of(a: Any) -> Any:
    return permutation_p(pivots_p(a), np.dtype(_dtype(a)).name, shape_of(a)[-2])


def _lu_jvp(t: Any, ans: Any, a: Any) -> Any:
    low, up, strict = _padded(ans)
    la = solve_p(low, matmul_p(_rows_of(a), t))              # L^-1 P da
    x = _mT(solve_p(_mT(up), _mT(la)))                       # ... U^-1
    return matmul_p(low, x * strict) + matmul_p(x * (1 - strict), up)


def _lu_vjp(g: Any, ans: Any, a: Any) -> Any:
    low, up, strict = _padded(ans)
    m = matmul_p(_mT(low), g) * strict + matmul_p(g, _mT(up)) * (1 - strict)
    y = solve_p(_mT(low), m)                                 # L^-T M
    x = _mT(solve_p(up, _mT(y)))                             # ... U^-T
    return matmul_p(_mT(_rows_of(a)), x)


lu_p: Primitive = _stacked(primitive(_packed, "lu", check_rules=False))
defvjp(lu_p, _lu_vjp)
defjvp(lu_p, _lu_jvp)


def lu_factor(a: Number, overwrite_a: bool = False,
              check_finite: bool = True) -> tuple[Number, Number]:
    """SciPy's ``lu_factor``: the packed LU factor of ``a`` and its row swaps.

    Args:
      a: Matrices ``(..., m, n)``; float32 stays float32.
      overwrite_a: Ignored.
      check_finite: Ignored.

    Returns:
      ``(lu, piv)``: ``L`` below the diagonal (its unit diagonal not stored)
      and ``U`` on and above it; ``piv[i]`` is the row swapped with row
      ``i`` (int32, no derivative). Pass them to
      [lu_solve][tapegrad.scipy.linalg.lu_solve].

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> from tapegrad.scipy.linalg import lu_factor, lu_solve
      >>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
      >>> lu, piv = lu_factor(A)
      >>> lu, piv
      (array([[3.        , 4.        ],
             [0.33333333, 0.66666667]]), array([1, 1], dtype=int32))
      >>> lu_solve((lu, piv), np.array([5.0, 6.0]))
      array([-4. ,  4.5])
      >>> tg.grad(lambda A: lu_solve(lu_factor(A), np.array([5.0, 6.0]))[0])(A)   # -A^-T e0 x^T
      array([[-8. ,  9. ],
             [ 4. , -4.5]])
    """
    del overwrite_a, check_finite
    _matrices("lu_factor", a)
    return fresh(lu_p(a), pivots_p(a))


def lu_solve(lu_and_piv: tuple[Number, Number], b: Number, trans: int = 0,
             overwrite_b: bool = False, check_finite: bool = True) -> Number:
    """SciPy's ``lu_solve``: ``x`` with ``a @ x == b``, from ``lu_factor(a)``.

    Args:
      lu_and_piv: ``(lu, piv)`` as [lu_factor][tapegrad.scipy.linalg.lu_factor]
        (or SciPy's) returns them.
      b: A vector ``(n,)`` or matrices ``(..., n, k)``.
      trans: 0 solves ``a x = b``; 1 or 2 solves ``a.T x = b``.
      overwrite_b: Ignored.
      check_finite: Ignored.

    Returns:
      The solution, shaped as ``b``.
    """
    del overwrite_b, check_finite
    if trans not in (0, 1, 2):
        raise ValueError(f"lu_solve: trans must be 0, 1 or 2, got {trans!r}.")
    packed, piv = lu_and_piv
    _square("lu_solve", packed)
    low, up = _factors(packed)
    q = permutation_p(piv, np.dtype(_dtype(packed)).name, shape_of(packed)[-1])   # a = Q^T L U
    vector = len(shape_of(b)) == 1
    b = b[:, None] if vector else b
    if trans == 0:
        x = solve_p(up, solve_p(low, matmul_p(q, b)))
    else:                                                     # a^T = U^T L^T Q
        x = matmul_p(_mT(q), solve_p(_mT(low), solve_p(_mT(up), b)))
    return x[:, 0] if vector else x


def lu(a: Number, permute_l: bool = False, overwrite_a: bool = False,
       check_finite: bool = True, p_indices: bool = False) -> tuple[Number, ...]:
    """SciPy's ``lu``: ``(P, L, U)`` with ``a = P @ L @ U``.

    Args:
      a: Matrices ``(..., m, n)``; float32 stays float32. ``L`` is
        ``(m, k)`` and ``U`` ``(k, n)``, ``k = min(m, n)``.
      permute_l: Return ``(P @ L, U)``.
      overwrite_a: Ignored.
      check_finite: Ignored.
      p_indices: Return the rows ``p`` (int32) with ``a = L[p] @ U`` instead of ``P``.

    Returns:
      ``(P, L, U)``, ``(p, L, U)`` or ``(PL, U)``; ``P`` and ``p`` carry no derivative.

    Examples:
      >>> import numpy as np
      >>> from tapegrad.scipy.linalg import lu
      >>> P, L, U = lu(np.array([[1.0, 2.0], [3.0, 4.0]]))
      >>> P @ L @ U
      array([[1., 2.],
             [3., 4.]])
    """
    del overwrite_a, check_finite
    m = _matrices("lu", a)
    low, up = _factors(lu_p(a))
    piv = pivots_p(a)
    p = _mT(permutation_p(piv, np.dtype(_dtype(a)).name, m))
    if permute_l:
        return fresh(matmul_p(p, low), up)
    return fresh((indices_p(piv, m) if p_indices else p), low, up)


def _matrices(what: str, a: Any) -> int:
    """The number of rows of ``a``'s matrices ``(..., m, n)``; a ``ValueError`` below two axes."""
    shape = shape_of(a)
    if len(shape) < 2:
        raise ValueError(f"scipy.linalg.{what}: the array has shape {shape}; it must be a matrix "
                         "(..., m, n) (np.atleast_2d makes a vector one row).")
    return shape[-2]
