"""NumPy's linear algebra on traced values: ``tg.linalg`` mirrors ``numpy.linalg``.

``solve``, ``inv``, ``det``, ``slogdet``, ``cholesky`` (in ``matrix.py``), ``eigh``,
``svdvals`` and ``norm``, with NumPy's names, signatures and values (each impl
calls ``numpy.linalg``), so ``np.linalg.solve(A, b)`` on a traced ``A`` runs them
too. Stacks of matrices (``(..., n, n)``) broadcast as in NumPy, which is also
how ``vmap`` runs them: once on the whole batch. Every rule is written with
tapegrad functions, so derivatives of any order come out, in both modes, and
float32 stays float32.

``cholesky`` and ``eigh`` read one triangle of their input, as NumPy's do, and so does their
gradient; ``eigh``'s eigenvectors need distinct eigenvalues to be differentiated, as in JAX.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from .arrays import astype, concatenate, matmul_p, stack
from .indexing import getitem
from .kinks import abs as _abs
from .layouts import raveled
from .linalg_decomp import SVDResult as SVDResult
from .linalg_decomp import lstsq as lstsq
from .linalg_decomp import matrix_power as matrix_power
from .linalg_decomp import pinv as pinv
from .linalg_decomp import svd as svd
from .linalg_qr import QRResult as QRResult
from .linalg_qr import qr as qr
from .matrix import SlogdetResult as SlogdetResult
from .matrix import _col, _diagonal, _eye, _mT, _row, _square, _stacked, _sym_lower, _sym_lower_T
from .matrix import cholesky as cholesky
from .matrix import det as det
from .matrix import inv as inv
from .matrix import slogdet as slogdet
from .matrix import solve as solve
from .numpy_dispatch import alternatives, functions
from .ops import power, sqrt
from .primitive import Primitive, defjvp, defvjp, primitive, zmul
from .read_only import fresh
from .reductions import max as _max
from .reductions import min as _min
from .reductions import sum as _sum
from .shapes import _dtype, transpose
from .shapes import reshape_p as reshape
from .tensordot import dot
from .tensordot import multi_dot as multi_dot
from .tensordot import tensorinv as tensorinv
from .tensordot import tensorsolve as tensorsolve
from .values import primal_value, shape_of

__all__ = ["EighResult", "SlogdetResult", "cholesky", "det", "eigh", "eigvalsh", "inv",
           "matrix_norm", "norm", "slogdet", "solve", "svdvals", "vector_norm"]
__all__ += ["QRResult", "SVDResult", "lstsq", "matrix_power", "multi_dot", "pinv", "qr", "svd",
            "tensorinv", "tensorsolve"]

Number = Any


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
    return EighResult(*fresh(*_unpack(eigh_p(a, UPLO == "L"))))


functions[np.linalg.eigh] = (eigh, ("UPLO",))


# --------------------------------------------------------- singular values
def _svdvals(a: Any) -> Any:
    return np.linalg.svd(a, compute_uv=False)


def _singular_vectors(a: Any) -> tuple[Any, bool]:
    """The right singular vectors (left ones for a wide ``a``), in ``svd``'s order."""
    m, n = shape_of(a)[-2:]
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
    if len(shape_of(x)) < 2:
        raise np.linalg.LinAlgError(f"linalg.svdvals: the array has shape {shape_of(x)}; "
                                    "it must have at least two axes.")
    return svdvals_p(x)


functions[np.linalg.svdvals] = (svdvals, ())


# -------------------------------------------------------------------- norm
def _floats(x: Any) -> Any:
    """``x`` as floats, as NumPy's ``norm`` takes it (a list stacked first)."""
    if isinstance(x, list | tuple):
        x = stack(x)
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
        return _largest(_abs(x), ax, keepdims)
    if ord == -math.inf:
        return _min(_abs(x), axis=ax, keepdims=keepdims)
    if ord == 0:              # how many are nonzero: no derivative
        return _sum(astype(x != 0, _dtype(x)), axis=ax, keepdims=keepdims)
    if ord == 1:
        return _sum(_abs(x), axis=ax, keepdims=keepdims)
    total = _sum(power(_abs(x), float(ord)), axis=ax, keepdims=keepdims)
    return total ** np.reciprocal(float(ord), dtype=_dtype(x))   # NumPy's: a scalar's own power


def _largest(x: Any, axis: int, keepdims: bool = False) -> Any:
    """NumPy's ``max(axis, initial=0)`` of nonnegative ``x``: 0 over an empty axis."""
    return (_sum if shape_of(x)[axis] == 0 else _max)(x, axis=axis, keepdims=keepdims)


def _matrix_norm(x: Any, ord: Any, r: int, c: int, keepdims: bool) -> Any:
    if ord is None or ord in ("fro", "f"):
        out = sqrt(_sum(x * x, axis=(r, c)))
    elif ord in (2, -2, "nuc"):
        rest = tuple(k for k in range(len(shape_of(x))) if k not in (r, c))
        s = svdvals_p(transpose(x, rest + (r, c)))
        out = _sum(s, axis=-1) if ord == "nuc" else (
            _largest(s, -1) if ord == 2 else _min(s, axis=-1))
    elif ord in (1, -1):
        extreme = _largest if ord == 1 else _min
        out = extreme(_sum(_abs(x), axis=r), axis=c - 1 if c > r else c)
    elif ord in (math.inf, -math.inf):
        extreme = _largest if ord == math.inf else _min
        out = extreme(_sum(_abs(x), axis=c), axis=r - 1 if r > c else r)
    else:
        raise ValueError("Invalid norm order for matrices.")
    if keepdims:
        out = reshape(out, tuple(1 if k in (r, c) else n for k, n in enumerate(shape_of(x))))
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
    nd = len(shape_of(x))
    if axis is None:
        if ord is None or (ord in ("f", "fro") and nd == 2) or (ord == 2 and nd == 1):
            out = sqrt(dot(raveled(x), raveled(x)))    # NumPy's: x.ravel(order="K").dot(...)
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


functions[np.linalg.norm] = (norm, ("ord", "axis", "keepdims"))


def vector_norm(x: Number, axis: Any = None, keepdims: bool = False,
                ord: Any = 2) -> Number:  # noqa: A002  (NumPy's name)
    """NumPy's ``linalg.vector_norm``: ``x`` as vectors along ``axis`` (all axes: one).

    Args:
      x: An array.
      axis: None (every element is one vector), an int, or a tuple of axes
        taken together as one.
      keepdims: Keep the reduced axes with size 1.
      ord: A vector order, as [norm][tapegrad.linalg.norm] takes it.

    Returns:
      The norm(s).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.linalg.vector_norm(np.array([[3.0], [4.0]]))
      5.0
    """
    x = _floats(x)
    shape = shape_of(x)
    axes = tuple(range(len(shape))) if axis is None else _norm_axes(axis, len(shape))
    rest = tuple(k for k in range(len(shape)) if k not in axes)
    flat = reshape(transpose(x, axes + rest), (-1,) + tuple(shape[k] for k in rest))
    out = _vector_norm(flat, ord, 0, False)
    if keepdims:
        out = reshape(out, tuple(1 if k in axes else n for k, n in enumerate(shape)))
    return out


def matrix_norm(x: Number, keepdims: bool = False, ord: Any = "fro") -> Number:  # noqa: A002
    """NumPy's ``linalg.matrix_norm``: ``norm(x, ord, axis=(-2, -1), keepdims)``.

    Args:
      x: Matrices ``(..., m, n)``.
      keepdims: Keep the reduced axes with size 1.
      ord: A matrix order, as [norm][tapegrad.linalg.norm] takes it.

    Returns:
      The norm of each matrix.
    """
    return norm(x, ord, (-2, -1), keepdims)


def _eigvalsh(a: Any, lower: bool) -> Any:
    """NumPy's own eigvalsh: LAPACK without eigenvectors rounds unlike ``eigh``'s values."""
    return np.linalg.eigvalsh(a, "L" if lower else "U")


def _eigvalsh_jvp(t: Any, ans: Any, a: Any, lower: bool) -> Any:
    v = eigh(a, "L" if lower else "U").eigenvectors
    return _diagonal(matmul_p(matmul_p(_mT(v), _sym(t, lower)), v))    # v_i^T dA v_i


def _eigvalsh_vjp(g: Any, ans: Any, a: Any, lower: bool) -> Any:
    v = eigh(a, "L" if lower else "U").eigenvectors
    s = _sym_lower_T(matmul_p(v * _row(g), _mT(v)))                   # V diag(g) V^T
    return s if lower else _mT(s)


eigvalsh_p: Primitive = _stacked(primitive(_eigvalsh, "eigvalsh", check_rules=False))
defvjp(eigvalsh_p, _eigvalsh_vjp, None)
defjvp(eigvalsh_p, _eigvalsh_jvp, None)


def eigvalsh(a: Number, UPLO: str = "L") -> Number:  # noqa: N803  (NumPy's name)
    """NumPy's ``linalg.eigvalsh``: the eigenvalues of ``eigh``, ascending, as NumPy rounds them.

    Args:
      a: Symmetric matrices ``(..., n, n)``; only the triangle ``UPLO`` names is read.
      UPLO: ``"L"`` (lower) or ``"U"`` (upper).

    Returns:
      The eigenvalues; their derivative is finite at ties too.
    """
    _square("eigvalsh", a)
    if UPLO not in ("L", "U"):
        raise ValueError(f"linalg.eigvalsh: UPLO must be 'L' or 'U', got {UPLO!r}.")
    return eigvalsh_p(a, UPLO == "L")


functions.update({
    np.linalg.vector_norm: (vector_norm, ("axis", "keepdims", "ord")),
    np.linalg.matrix_norm: (matrix_norm, ("keepdims", "ord")),
    np.linalg.eigvalsh: (eigvalsh, ("UPLO",)),
})
alternatives.update({      # the nearest supported spelling of what is not here
    "linalg.eig": "tg.linalg.eigh for a symmetric matrix",
    "linalg.eigvals": "tg.linalg.eigvalsh for a symmetric matrix",
})
