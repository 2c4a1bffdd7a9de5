"""NumPy's linear algebra on traced values: ``tg.linalg`` mirrors ``numpy.linalg``.

``solve``, ``inv``, ``det``, ``slogdet``, ``cholesky``, ``eigh``, ``svdvals``
and ``norm``, with NumPy's names, signatures and values (each impl calls
``numpy.linalg``), so ``np.linalg.solve(A, b)`` on a traced ``A`` runs them
too. Stacks of matrices (``(..., n, n)``) broadcast as in NumPy, which is
also how ``vmap`` runs them: once on the whole batch. Every rule is written
with tapegrad functions (``solve``, ``@``, transposes), so derivatives of
any order come out, in both modes, and float32 stays float32.

Derivatives are those of the function NumPy computes: ``cholesky`` and
``eigh`` read one triangle of their input (the lower one, as NumPy's
default), so their gradient lives on that triangle; through a symmetric
parametrisation (``(A + A.T) / 2``) it is the usual symmetric one.
``eigh`` needs distinct eigenvalues for the eigenvectors' derivative (a
cotangent on the eigenvalues alone is fine at ties), as in JAX.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from .arrays import _dtype, _scalar, astype, concatenate, getitem, matmul_p, transpose
from .axes import max as _max
from .axes import min as _min
from .axes import sum as _sum
from .batching.rules import batch_rules, broadcasting
from .numpy_dispatch import functions
from .ops import abs as _abs
from .ops import power, sqrt
from .primitive import Primitive, defjvp, defvjp, primitive, zmul
from .reductions import reshape, sum_like
from .tape import _shape, primal_value

__all__ = ["EighResult", "SlogdetResult", "cholesky", "det", "eigh", "inv", "norm",
           "slogdet", "solve", "svdvals"]

Number = Any


# ------------------------------------------------------------------ helpers
def _mT(x: Any) -> Any:
    """The transpose of the last two axes (NumPy's ``x.mT``)."""
    nd = len(_shape(x))
    return transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def _fit(c: Any, x: Any) -> Any:
    """``c`` summed down to ``x``'s shape (undo broadcasting over the stacks)."""
    return c if _shape(c) == _shape(x) else sum_like(c, x)


def _eye(x: Any) -> np.ndarray:
    return np.eye(_shape(x)[-1], dtype=_dtype(x))


def _tri(x: Any, k: int = 0) -> np.ndarray:
    """The lower-triangle mask of ``x``'s matrices (diagonal ``k`` and below)."""
    n = _shape(x)[-1]
    return np.tri(n, n, k, dtype=_dtype(x))


def _col(v: Any) -> Any:
    return reshape(v, _shape(v) + (1,))          # (..., n) -> (..., n, 1)


def _row(v: Any) -> Any:
    return reshape(v, _shape(v)[:-1] + (1,) + _shape(v)[-1:])   # -> (..., 1, n)


def _cell(s: Any) -> Any:
    return reshape(s, _shape(s) + (1, 1))        # (...) -> (..., 1, 1)


def _diagonal(m: Any) -> Any:
    """The diagonals of a stack of square matrices, ``(..., n)``."""
    return _sum(m * _eye(m), axis=-2)


def _trace_of_product(m: Any, t: Any) -> Any:
    """``trace(m @ t)`` per matrix of the stacks, without the product."""
    return _sum(_mT(m) * t, axis=(-2, -1))


def _square(what: str, a: Any) -> int:
    shape = _shape(a)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise np.linalg.LinAlgError(
            f"linalg.{what}: the array has shape {shape}; its last two axes must be a "
            "square matrix (..., n, n).")
    return shape[-1]


def _stacked(prim: Primitive) -> Primitive:
    """``prim``'s batch rule: NumPy's linalg broadcasts over leading axes."""
    batch_rules[prim] = broadcasting
    return prim


# ------------------------------------------------------------------- solve
def _solve(a: Any, b: Any) -> Any:
    return np.linalg.solve(a, b)          # a (..., n, n), b (..., n, k)


solve_p: Primitive = _stacked(primitive(_solve, "solve", check_rules=False))
defvjp(solve_p, lambda g, ans, a, b: _fit(-matmul_p(solve_p(_mT(a), g), _mT(ans)), a),
       lambda g, ans, a, b: _fit(solve_p(_mT(a), g), b))
defjvp(solve_p, lambda t, ans, a, b: -solve_p(a, matmul_p(t, ans)),   # -A^-1 dA x
       lambda t, ans, a, b: solve_p(a, t))


def solve(a: Number, b: Number) -> Number:
    """NumPy's ``linalg.solve``: ``x`` with ``a @ x == b``.

    Args:
      a: Square matrices ``(..., n, n)``.
      b: One vector ``(n,)``, or matrices ``(..., n, k)`` (NumPy 2's rule);
        leading axes broadcast against ``a``'s.

    Returns:
      The solution, shaped as NumPy's.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> A = np.array([[2.0, 0.0], [0.0, 4.0]])
      >>> tg.linalg.solve(A, np.array([2.0, 2.0]))
      array([1. , 0.5])
      >>> tg.grad(lambda b: tg.sum(tg.linalg.solve(A, b)))(np.ones(2))
      array([0.5 , 0.25])
    """
    n = _square("solve", a)
    sb = _shape(b)
    if len(sb) == 1:
        if sb[0] != n:
            raise ValueError(f"linalg.solve: b has shape {sb}; it must have {n} elements.")
        x = solve_p(a, reshape(b, (n, 1)))
        return reshape(x, _shape(x)[:-1])
    if len(sb) < 1 or sb[-2] != n:
        raise ValueError(f"linalg.solve: b has shape {sb}; for a of shape {_shape(a)} it "
                         f"must be (n,) or (..., {n}, k).")
    return solve_p(a, b)


# --------------------------------------------------------------------- inv
def _inv(a: Any) -> Any:
    return np.linalg.inv(a)


inv_p: Primitive = _stacked(primitive(_inv, "inv", check_rules=False))
defvjp(inv_p, lambda g, ans, a: -matmul_p(matmul_p(_mT(ans), g), _mT(ans)))
defjvp(inv_p, lambda t, ans, a: -matmul_p(matmul_p(ans, t), ans))


def inv(a: Number) -> Number:
    """NumPy's ``linalg.inv``: the inverse of each matrix of a stack.

    Args:
      a: Square matrices ``(..., n, n)``.

    Returns:
      Their inverses.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.grad(lambda a: tg.linalg.inv(a)[0, 0])(np.array([[2.0]]))
      array([[-0.25]])
    """
    _square("inv", a)
    return inv_p(a)


# ------------------------------------------------------------ det, slogdet
def _det(a: Any) -> Any:
    return _scalar(np.linalg.det(a))


def _logabsdet(a: Any) -> Any:
    return _scalar(np.linalg.slogdet(a)[1])


def _sign_of_det(a: Any) -> Any:
    return _scalar(np.linalg.slogdet(a)[0])


det_p: Primitive = _stacked(primitive(_det, "det", check_rules=False))
defvjp(det_p, lambda g, ans, a: _cell(g * ans) * inv_p(_mT(a)))       # det * A^-T
defjvp(det_p, lambda t, ans, a: ans * _trace_of_product(inv_p(a), t))
logabsdet_p: Primitive = _stacked(primitive(_logabsdet, "logabsdet", check_rules=False))
defvjp(logabsdet_p, lambda g, ans, a: _cell(g) * inv_p(_mT(a)))
defjvp(logabsdet_p, lambda t, ans, a: _trace_of_product(inv_p(a), t))
sign_of_det_p: Primitive = _stacked(primitive(_sign_of_det, "sign_of_det", check_rules=False))
defvjp(sign_of_det_p, None)            # piecewise constant: no derivative flows
defjvp(sign_of_det_p, None)


class SlogdetResult(NamedTuple):
    """What ``slogdet`` returns (NumPy 2's field names)."""

    sign: Any
    logabsdet: Any


def det(a: Number) -> Number:
    """NumPy's ``linalg.det``: the determinant of each matrix of a stack.

    Args:
      a: Square matrices ``(..., n, n)``.

    Returns:
      A float for one matrix, else an array of the leading shape.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.grad(tg.linalg.det)(np.array([[2.0, 1.0], [0.0, 3.0]]))
      array([[ 3.,  0.],
             [-1.,  2.]])
    """
    _square("det", a)
    return det_p(a)


def slogdet(a: Number) -> SlogdetResult:
    """NumPy's ``linalg.slogdet``: the sign and ``log|det|`` of each matrix.

    Args:
      a: Square matrices ``(..., n, n)``.

    Returns:
      ``(sign, logabsdet)``; the sign has no derivative.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.grad(lambda a: tg.linalg.slogdet(a)[1])(np.array([[2.0, 1.0], [0.0, -4.0]]))
      array([[ 0.5  ,  0.   ],
             [ 0.125, -0.25 ]])
    """
    _square("slogdet", a)
    return SlogdetResult(sign_of_det_p(a), logabsdet_p(a))


# ---------------------------------------------------------------- cholesky
def _sym_lower(x: Any) -> Any:
    """The symmetric matrices whose lower triangles are ``x``'s (what LAPACK reads)."""
    return x * _tri(x) + _mT(x * _tri(x, -1))


def _sym_lower_T(g: Any) -> Any:
    """The adjoint of ``_sym_lower``: a cotangent moved onto the lower triangle."""
    return g * _tri(g) + _mT(g) * _tri(g, -1)


def _phi(x: Any) -> Any:
    """The lower triangle with the diagonal halved."""
    return x * (_tri(x) - 0.5 * _eye(x))


def _cholesky(a: Any) -> Any:
    return np.linalg.cholesky(a)


def _cholesky_vjp(g: Any, ans: Any, a: Any) -> Any:
    lt = _mT(ans)                                   # L^T, upper triangular
    x = _phi(matmul_p(lt, g))
    s = solve_p(lt, _mT(solve_p(lt, _mT(x))))      # L^-T X L^-1
    return _phi(s + _mT(s))                         # = _sym_lower_T((S + S^T) / 2)


def _cholesky_jvp(t: Any, ans: Any, a: Any) -> Any:
    z = solve_p(ans, _sym_lower(t))                 # L^-1 dA
    return matmul_p(ans, _phi(_mT(solve_p(ans, _mT(z)))))   # L phi(L^-1 dA L^-T)


cholesky_p: Primitive = _stacked(primitive(_cholesky, "cholesky", check_rules=False))
defvjp(cholesky_p, _cholesky_vjp)
defjvp(cholesky_p, _cholesky_jvp)


def cholesky(a: Number, upper: bool = False) -> Number:
    """NumPy's ``linalg.cholesky``: ``L`` lower triangular with ``a = L @ L.T``.

    Args:
      a: Symmetric positive definite matrices ``(..., n, n)``; only the lower
        triangle is read (the upper one with ``upper=True``), as in NumPy.
      upper: Return ``U = L.T`` (``a = U.T @ U``), from ``a``'s upper triangle.

    Returns:
      The triangular factors.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.linalg.cholesky(np.array([[4.0, 2.0], [2.0, 2.0]]))
      array([[2., 0.],
             [1., 1.]])
    """
    _square("cholesky", a)
    return _mT(cholesky_p(_mT(a))) if upper else cholesky_p(a)


# -------------------------------------------------------------------- eigh
def _eigh(a: Any, lower: bool) -> Any:
    """Eigenvalues and eigenvectors packed in one array: row 0 holds ``w``."""
    w, v = np.linalg.eigh(a, "L" if lower else "U")
    return np.concatenate([w[..., None, :], v], axis=-2)


def _unpack(p: Any) -> tuple[Any, Any]:
    return (getitem(p, (Ellipsis, 0, slice(None))),
            getitem(p, (Ellipsis, slice(1, None), slice(None))))


def _gaps(w: Any) -> Any:
    """``F[i, j] = 1 / (w[j] - w[i])`` off the diagonal, 0 on it."""
    eye = _eye(w)
    return 1.0 / (_row(w) - _col(w) + eye) - eye


def _sym(x: Any, lower: bool) -> Any:
    return _sym_lower(x) if lower else _sym_lower(_mT(x))


def _eigh_jvp(t: Any, ans: Any, a: Any, lower: bool) -> Any:
    w, v = _unpack(ans)
    m = matmul_p(matmul_p(_mT(v), _sym(t, lower)), v)
    dv = matmul_p(v, zmul(m, _gaps(w)))
    return concatenate([_row(_diagonal(m)), dv], axis=-2)


def _eigh_vjp(g: Any, ans: Any, a: Any, lower: bool) -> Any:
    w, v = _unpack(ans)
    gw, gv = _unpack(g)
    # zmul: a zero cotangent on the eigenvectors gives zero at ties, not nan
    inner = _row(gw) * _eye(a) + zmul(matmul_p(_mT(v), gv), _gaps(w))
    s = _sym_lower_T(matmul_p(matmul_p(v, inner), _mT(v)))
    return s if lower else _mT(s)


eigh_p: Primitive = _stacked(primitive(_eigh, "eigh", check_rules=False))
defvjp(eigh_p, _eigh_vjp, None)
defjvp(eigh_p, _eigh_jvp, None)


class EighResult(NamedTuple):
    """What ``eigh`` returns (NumPy 2's field names)."""

    eigenvalues: Any
    eigenvectors: Any


def eigh(a: Number, UPLO: str = "L") -> EighResult:  # noqa: N803  (NumPy's name)
    """NumPy's ``linalg.eigh``: eigenvalues (ascending) and eigenvectors.

    Args:
      a: Symmetric matrices ``(..., n, n)``; only the triangle ``UPLO`` names
        is read, as in NumPy.
      UPLO: ``"L"`` (lower) or ``"U"`` (upper).

    Returns:
      ``(w, v)`` with ``a @ v == v * w``; the eigenvectors' derivative needs
      distinct eigenvalues.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.grad(lambda a: tg.linalg.eigh(a)[0][1])(np.array([[2.0, 0.0], [0.0, 1.0]]))
      array([[1., 0.],
             [0., 0.]])
    """
    _square("eigh", a)
    if UPLO not in ("L", "U"):
        raise ValueError(f"linalg.eigh: UPLO must be 'L' or 'U', got {UPLO!r}.")
    return EighResult(*_unpack(eigh_p(a, UPLO == "L")))


# --------------------------------------------------------- singular values
def _svdvals(a: Any) -> Any:
    return np.linalg.svd(a, compute_uv=False)


def _singular_vectors(a: Any) -> tuple[Any, bool]:
    """The right singular vectors (left ones for a wide ``a``), in ``svd``'s order."""
    m, n = _shape(a)[-2:]
    tall = m >= n
    gram = matmul_p(_mT(a), a) if tall else matmul_p(a, _mT(a))
    vectors = eigh(gram).eigenvectors
    return getitem(vectors, (Ellipsis, slice(None, None, -1))), tall   # descending


def _svdvals_vjp(g: Any, ans: Any, a: Any) -> Any:
    v, tall = _singular_vectors(a)
    p = matmul_p(v * _row(g / ans), _mT(v))
    return matmul_p(a, p) if tall else matmul_p(p, a)   # sum g_i u_i v_i^T


def _svdvals_jvp(t: Any, ans: Any, a: Any) -> Any:
    v, tall = _singular_vectors(a)
    m = matmul_p(_mT(a), t) if tall else matmul_p(t, _mT(a))
    return _diagonal(matmul_p(matmul_p(_mT(v), m), v)) / ans     # u_i^T dA v_i


svdvals_p: Primitive = _stacked(primitive(_svdvals, "svdvals", check_rules=False))
defvjp(svdvals_p, _svdvals_vjp)
defjvp(svdvals_p, _svdvals_jvp)


def svdvals(x: Number) -> Number:
    """NumPy's ``linalg.svdvals``: the singular values, in descending order.

    Args:
      x: Matrices ``(..., m, n)``.

    Returns:
      ``(..., min(m, n))``; the derivative needs distinct, nonzero values.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.linalg.svdvals(np.array([[3.0, 0.0], [0.0, -4.0]]))
      array([4., 3.])
    """
    if len(_shape(x)) < 2:
        raise np.linalg.LinAlgError(f"linalg.svdvals: the array has shape {_shape(x)}; "
                                    "it must have at least two axes.")
    return svdvals_p(x)


# -------------------------------------------------------------------- norm
def _floats(x: Any) -> Any:
    """``x`` as floats, as NumPy's ``norm`` takes it."""
    return x if np.dtype(_dtype(x)) == np.asarray(primal_value(x)).dtype else astype(x, float)


def _norm_axes(axis: Any, nd: int) -> tuple[int, ...]:
    items = tuple(axis) if isinstance(axis, tuple | list) else (axis,)
    out = []
    for a in items:
        if isinstance(a, bool) or not isinstance(a, int | np.integer):
            raise TypeError(f"linalg.norm: axis must be an int or a tuple of ints, got "
                            f"{axis!r}.")
        if not -nd <= a < nd:
            raise np.exceptions.AxisError(int(a), nd)
        out.append(int(a) % nd)
    if len(set(out)) != len(out):
        raise ValueError("Duplicate axes given.")
    return tuple(out)


def _vector_norm(x: Any, ord: Any, ax: int, keepdims: bool) -> Any:
    if ord is None or ord == 2:
        return sqrt(_sum(x * x, axis=ax, keepdims=keepdims))
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    if ord == math.inf:
        return _max(_abs(x), axis=ax, keepdims=keepdims)
    if ord == -math.inf:
        return _min(_abs(x), axis=ax, keepdims=keepdims)
    if ord == 0:              # how many are nonzero: no derivative
        return _sum(astype(x != 0, _dtype(x)), axis=ax, keepdims=keepdims)
    if ord == 1:
        return _sum(_abs(x), axis=ax, keepdims=keepdims)
    p = float(ord)
    return power(_sum(power(_abs(x), p), axis=ax, keepdims=keepdims), 1.0 / p)


def _matrix_norm(x: Any, ord: Any, r: int, c: int, keepdims: bool) -> Any:
    if ord is None or ord in ("fro", "f"):
        out = sqrt(_sum(x * x, axis=(r, c)))
    elif ord in (2, -2, "nuc"):
        rest = tuple(k for k in range(len(_shape(x))) if k not in (r, c))
        s = svdvals_p(transpose(x, rest + (r, c)))
        out = _sum(s, axis=-1) if ord == "nuc" else (
            _max(s, axis=-1) if ord == 2 else _min(s, axis=-1))
    elif ord in (1, -1):
        extreme = _max if ord == 1 else _min
        out = extreme(_sum(_abs(x), axis=r), axis=c - 1 if c > r else c)
    elif ord in (math.inf, -math.inf):
        extreme = _max if ord == math.inf else _min
        out = extreme(_sum(_abs(x), axis=c), axis=r - 1 if r > c else r)
    else:
        raise ValueError("Invalid norm order for matrices.")
    if keepdims:
        out = reshape(out, tuple(1 if k in (r, c) else n for k, n in enumerate(_shape(x))))
    return out


def norm(x: Number, ord: Any = None, axis: Any = None,   # noqa: A002  (NumPy's name)
         keepdims: bool = False) -> Number:
    """NumPy's ``linalg.norm``: vector and matrix norms, along ``axis``.

    Vectors (one axis): ``ord`` None or 2, 1, ``inf``, ``-inf``, 0 (a count,
    no derivative) or any other ``p``; matrices (two axes): None or
    ``"fro"``, ``"nuc"``, 1, -1, 2, -2, ``inf``, ``-inf``. With ``axis`` None
    a 1-D array is a vector, a 2-D one a matrix, and ``ord=None`` takes the
    2-norm of every element. The gradient at zero is JAX's and autograd's:
    ``nan`` for the 2-norm (``sqrt`` at 0), 0 for the 1-norm.

    Args:
      x: An array.
      ord: The order, as NumPy takes it.
      axis: None, an int (vector norms) or a pair of ints (matrix norms).
      keepdims: Keep the reduced axes with size 1.

    Returns:
      The norm(s).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.linalg.norm(np.array([3.0, 4.0]))
      5.0
      >>> tg.grad(tg.linalg.norm)(np.array([3.0, 4.0]))
      array([0.6, 0.8])
    """
    x = _floats(x)
    nd = len(_shape(x))
    if axis is None:
        if ord is None or (ord in ("f", "fro") and nd == 2) or (ord == 2 and nd == 1):
            out = sqrt(_sum(x * x))
            return reshape(out, (1,) * nd) if keepdims else out
        if nd not in (1, 2):
            raise ValueError("Improper number of dimensions to norm.")
        axis = tuple(range(nd))
    axes = _norm_axes(axis, nd)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    if len(axes) == 2:
        return _matrix_norm(x, ord, axes[0], axes[1], keepdims)
    raise ValueError("Improper number of dimensions to norm.")


functions.update({
    np.linalg.solve: (solve, ()), np.linalg.inv: (inv, ()), np.linalg.det: (det, ()),
    np.linalg.slogdet: (slogdet, ()), np.linalg.cholesky: (cholesky, ("upper",)),
    np.linalg.eigh: (eigh, ("UPLO",)), np.linalg.svdvals: (svdvals, ()),
    np.linalg.norm: (norm, ("ord", "axis", "keepdims")),
})
