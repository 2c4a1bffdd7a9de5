"""The primitives on square matrices behind ``tg.linalg``: solve, inv, det, cholesky.

Each impl calls ``numpy.linalg`` on stacks ``(..., n, n)``, which broadcast
as in NumPy; that is also how ``vmap`` runs them, once on the whole batch.
Every rule is written with tapegrad functions (``solve_p``, ``matmul_p``,
transposes), so derivatives of any order come out, in both modes, and
float32 stays float32. Derivatives are those of the function NumPy
computes: ``cholesky`` reads one triangle of its input (the lower one by
default), so its gradient lives on that triangle; through a symmetric
parametrisation (``(A + A.T) / 2``) it is the usual symmetric one.
``eigh`` (in ``linalg.py``) does the same with the helpers here.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .arrays import matmul_p
from .backends import array_api_impls, call, foreign
from .batching.rules import batch_rules, broadcasting, per_example
from .cofactors import adjugate as _adjugate
from .cofactors import adjugate_invertible as _adjugate_invertible
from .cofactors import adjugate_tangent as _adjugate_tangent
from .masks import eye_like as _eye
from .masks import tri_like as _tri
from .numpy_dispatch import functions
from .primitive import Primitive, defjvp, defvjp, defvjp_joint, primitive, zmul
from .recording import apply_known
from .reductions import sum as _sum
from .shapes import _scalar, last_two_swapped, sum_like, transpose_p
from .shapes import reshape_p as reshape
from .values import Traced, shape_of

__all__ = ["SlogdetResult", "cholesky", "det", "inv", "slogdet", "solve"]

Number = Any

# ------------------------------------------------------------------ helpers
def _mT(x: Any) -> Any:
    """The transpose of the last two axes (NumPy's ``x.mT``); a permutation: no checks."""
    return transpose_p(x, last_two_swapped(len(shape_of(x))))


def _fit(c: Any, x: Any) -> Any:
    """``c`` summed down to ``x``'s shape (undo broadcasting over the stacks)."""
    return c if shape_of(c) == shape_of(x) else sum_like(c, x)


def _col(v: Any) -> Any:
    return reshape(v, shape_of(v) + (1,))          # (..., n) -> (..., n, 1)


def _row(v: Any) -> Any:
    return reshape(v, shape_of(v)[:-1] + (1,) + shape_of(v)[-1:])   # -> (..., 1, n)


def _cell(s: Any) -> Any:
    return reshape(s, shape_of(s) + (1, 1))        # (...) -> (..., 1, 1)


def _diagonal(m: Any) -> Any:
    """The diagonals of a stack of square matrices, ``(..., n)``."""
    return _sum(m * _eye(m), axis=-2)


def _trace_of_product(m: Any, t: Any) -> Any:
    """``trace(m @ t)`` per matrix of the stacks, without the product.

    Zero-safe in ``t`` (``zmul``): an infinite ``m`` meets a zero tangent as 0.
    """
    return _sum(zmul(t, _mT(m)), axis=(-2, -1))


def _square(what: str, a: Any) -> int:
    shape = shape_of(a)
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
    return call(solve_p, a, b) if foreign(a, b) is not None else \
        np.linalg.solve(a, b)             # a (..., n, n), b (..., n, k)


solve_p: Primitive = _stacked(primitive(_solve, "solve", check_rules=False))
array_api_impls[solve_p] = lambda xp, a, b: xp.linalg.solve(a, b)   # the linalg extension
defvjp(solve_p, lambda g, ans, a, b: _fit(-matmul_p(solve_p(_mT(a), g), _mT(ans)), a),
       lambda g, ans, a, b: _fit(solve_p(_mT(a), g), b))
defjvp(solve_p, lambda t, ans, a, b: -solve_p(a, matmul_p(t, ans)),   # -A^-1 dA x
       lambda t, ans, a, b: solve_p(a, t))


def _solve_vjp_joint(g: Any, ans: Any, a: Any, b: Any) -> tuple[Any, Any]:
    """Both cotangents of ``solve`` (its two rules), with the solve they share done once."""
    gb = solve_p(_mT(a), g)                       # A^-T g
    return _fit(-matmul_p(gb, _mT(ans)), a), _fit(gb, b)


defvjp_joint(solve_p, _solve_vjp_joint)


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
    sb = shape_of(b)
    if len(sb) == 1:
        if sb[0] != n:
            raise ValueError(f"linalg.solve: b has shape {sb}; it must have {n} elements.")
        x = solve_p(a, reshape(b, (n, 1)))
        return reshape(x, shape_of(x)[:-1])
    if len(sb) < 1 or sb[-2] != n:
        raise ValueError(f"linalg.solve: b has shape {sb}; for a of shape {shape_of(a)} it "
                         f"must be (n,) or (..., {n}, k).")
    return solve_p(a, b)


functions[np.linalg.solve] = (solve, ())


# --------------------------------------------------------------------- inv
def _inv(a: Any) -> Any:
    return call(inv_p, a) if foreign(a) is not None else np.linalg.inv(a)


inv_p: Primitive = _stacked(primitive(_inv, "inv", check_rules=False))
array_api_impls[inv_p] = lambda xp, a: xp.linalg.inv(a)
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


functions[np.linalg.inv] = (inv, ())


# ------------------------------------------------------------ det, slogdet
def _det(a: Any) -> Any:
    return _scalar(np.linalg.det(a))


def _logabsdet(a: Any) -> Any:
    return _scalar(np.linalg.slogdet(a)[1])


def _sign_of_det(a: Any) -> Any:
    return _scalar(np.linalg.slogdet(a)[0])


def _adjugate_tangent_jvp_a(s: Any, ans: Any, a: Any, t: Any) -> Any:
    """``d/dA`` of ``d adj(A)[T]`` along ``S``: ``(tr(D T) I - D T - F S) A^-1``.

    ``D = d adj(A)[S]``, ``F = d adj(A)[T]``; written with ``solve``, so it
    needs an invertible ``A`` (a third derivative of ``det``).
    """
    d = adjugate_tangent_p(a, s)
    x = _cell(_trace_of_product(d, t)) * _eye(a) - matmul_p(d, t) - matmul_p(ans, s)
    return _mT(solve_p(_mT(a), _mT(x)))


def _adjugate_tangent_vjp_a(g: Any, ans: Any, a: Any, t: Any) -> Any:
    """The transpose of ``_adjugate_tangent_jvp_a``.

    With ``H = G A^-T``: ``d adj(A^T)[tr(H) T^T - H T^T] - F^T H``.
    """
    h = _mT(solve_p(a, _mT(g)))
    k = _cell(_sum(_diagonal(h), axis=-1)) * _mT(t) - matmul_p(h, _mT(t))
    return adjugate_tangent_p(_mT(a), k) - matmul_p(_mT(ans), h)


adjugate_tangent_p: Primitive = primitive(_adjugate_tangent, "adjugate_tangent",
                                          check_rules=False)
defjvp(adjugate_tangent_p, _adjugate_tangent_jvp_a,
       lambda dt, ans, a, t: adjugate_tangent_p(a, dt))            # linear in T
defvjp(adjugate_tangent_p, _adjugate_tangent_vjp_a,
       lambda g, ans, a, t: adjugate_tangent_p(_mT(a), g))     # <G, dadj(A)[T]> = <dadj(A^T)[G], T>


def _split_at_singular(invertible: Any) -> Any:
    """The batch rule of an impl that leaves ``invertible`` for a stack with a singular matrix.

    The examples without a singular matrix run ``invertible`` once, together;
    each other example runs the impl alone, so every example takes the path
    it takes outside vmap (bit for bit), not the path of its batch.
    """
    def rule(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
        a = values[0]
        try:
            return invertible(a)
        except np.linalg.LinAlgError:
            pass
        with np.errstate(all="ignore"):
            bad = (np.linalg.det(a).reshape(n, -1) == 0).any(axis=1)   # zero pivots among them
        try:
            good = invertible(a[~bad])
        except np.linalg.LinAlgError:
            return per_example(e, values, batched, n)
        rest = per_example(e, [a[bad]], [True], int(bad.sum()))
        out = np.empty((n,) + good.shape[1:], dtype=np.result_type(good, rest))
        out[~bad], out[bad] = good, rest
        return out
    return rule


adjugate_p: Primitive = primitive(_adjugate, "adjugate", check_rules=False)
batch_rules[adjugate_p] = _split_at_singular(_adjugate_invertible)
defvjp(adjugate_p, lambda g, ans, a: adjugate_tangent_p(_mT(a), g))
defjvp(adjugate_p, lambda t, ans, a: adjugate_tangent_p(a, t))
det_p: Primitive = _stacked(primitive(_det, "det", check_rules=False))
defvjp(det_p, lambda g, ans, a: _cell(g) * _mT(adjugate_p(a)))        # the cofactors
defjvp(det_p, lambda t, ans, a: _trace_of_product(adjugate_p(a), t))


def _inverse(a: Any) -> Any:
    """``inv``, but infinite (as JAX's) where ``a`` is singular: a rule never raises."""
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        with np.errstate(all="ignore"):
            return _adjugate(a) / np.linalg.det(a)[..., None, None]


inverse_p: Primitive = primitive(_inverse, "inverse", check_rules=False)
batch_rules[inverse_p] = _split_at_singular(np.linalg.inv)
defvjp(inverse_p, lambda g, ans, a: -matmul_p(matmul_p(_mT(ans), g), _mT(ans)))
defjvp(inverse_p, lambda t, ans, a: -matmul_p(matmul_p(ans, t), ans))
logabsdet_p: Primitive = _stacked(primitive(_logabsdet, "logabsdet", check_rules=False))
defvjp(logabsdet_p, lambda g, ans, a: _cell(g) * inverse_p(_mT(a)))      # A^-T
defjvp(logabsdet_p, lambda t, ans, a: _trace_of_product(inverse_p(a), t))
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
      A float for one matrix, else an array of the leading shape. Its
      gradient is the cofactor matrix, finite at singular matrices too (as
      JAX's); the second derivative needs a nonsingular one.

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
    if type(a) is Traced and not a.tape.staging and type(a._value) is np.ndarray:
        # one factorization for both: on a tape never replayed (grad, jvp) the sign,
        # which has no derivative, is a constant, and logabsdet_p's result is known
        sign, logabsdet = np.linalg.slogdet(a._value)
        return SlogdetResult(_scalar(sign), apply_known(logabsdet_p, _scalar(logabsdet), a))
    return SlogdetResult(sign_of_det_p(a), logabsdet_p(a))


functions.update({np.linalg.det: (det, ()), np.linalg.slogdet: (slogdet, ())})


# ---------------------------------------------------------------- cholesky
def _sym_lower(x: Any) -> Any:
    """The symmetric matrices whose lower triangles are ``x``'s (what LAPACK reads)."""
    return x * _tri(x) + _mT(x * _tri(x, -1))


def _sym_lower_T(g: Any) -> Any:
    """The adjoint of ``_sym_lower``: a cotangent moved onto the lower triangle."""
    return g * _tri(g) + _mT(g) * _tri(g, -1)


def _phi(x: Any) -> Any:
    return x * (_tri(x) - 0.5 * _eye(x))      # the lower triangle, its diagonal halved


def _cholesky(a: Any, upper: bool) -> Any:
    return np.linalg.cholesky(a, upper=upper)     # LAPACK's own upper factor: NumPy's bits


def _cholesky_vjp(g: Any, ans: Any, a: Any, upper: bool) -> Any:
    if upper:                                       # U = L(A^T)^T
        return _mT(_cholesky_vjp(_mT(g), _mT(ans), a, False))
    lt = _mT(ans)                                   # L^T, upper triangular
    x = _phi(matmul_p(lt, g))
    s = solve_p(lt, _mT(solve_p(lt, _mT(x))))      # L^-T X L^-1
    return _phi(s + _mT(s))                         # = _sym_lower_T((S + S^T) / 2)


def _cholesky_jvp(t: Any, ans: Any, a: Any, upper: bool) -> Any:
    if upper:
        return _mT(_cholesky_jvp(_mT(t), _mT(ans), a, False))
    z = solve_p(ans, _sym_lower(t))                 # L^-1 dA
    return matmul_p(ans, _phi(_mT(solve_p(ans, _mT(z)))))   # L phi(L^-1 dA L^-T)


cholesky_p: Primitive = _stacked(primitive(_cholesky, "cholesky", check_rules=False))
defvjp(cholesky_p, _cholesky_vjp, None)
defjvp(cholesky_p, _cholesky_jvp, None)


def cholesky(a: Number, upper: bool = False) -> Number:
    """NumPy's ``linalg.cholesky``: ``L`` lower triangular with ``a = L @ L.T``.

    Args:
      a: Symmetric positive definite matrices ``(..., n, n)``; one triangle is read.
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
    return cholesky_p(a, bool(upper))


functions[np.linalg.cholesky] = (cholesky, ("upper",))
