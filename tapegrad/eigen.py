"""``np.linalg.eig`` and ``eigvals`` of a real matrix whose eigenvalues are real.

PCA written with ``np.linalg.eig(np.cov(X.T))`` (a symmetric matrix, whose
eigenvalues NumPy returns real) is as common as ``eigh``. With ``a = V diag(w)
V^-1`` and ``P = V^-1 da V``, the derivatives are ``dw = diag(P)`` and
``dV = V (F * P)``, ``F[i, j] = 1 / (w[j] - w[i])`` off the diagonal, less each
column's component along itself (NumPy's columns have unit norm). They need
distinct eigenvalues, as ``eigh``'s eigenvectors do. A matrix with complex
eigenvalues is refused, in eager code and in compiled code alike: its
derivative would be complex.

Examples:
  >>> import numpy as np
  >>> import tapegrad as tg
  >>> a = np.array([[2.0, 1.0], [0.0, 3.0]])
  >>> tg.grad(lambda a: np.linalg.eig(a)[0][1])(a)       # w[1] = 3: u v^T / (u . v)
  array([[0., 0.],
         [1., 1.]])
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .arrays import concatenate, matmul_p
from .linalg import _gaps, _unpack
from .matrix import _diagonal, _eye, _mT, _row, _square, _stacked, inv
from .numpy_dispatch import alternatives, functions
from .primitive import Primitive, defjvp, defvjp, primitive, zmul
from .read_only import fresh
from .reductions import sum as _sum

__all__ = ["EigResult", "eig", "eigvals"]


def _real(w: Any, v: Any, what: str) -> None:
    if np.iscomplexobj(w) or np.iscomplexobj(v):
        raise ValueError(
            f"{what} of a traced matrix with complex eigenvalues: tapegrad differentiates "
            "real eigenvalues only (a symmetric matrix has them: np.linalg.eigh reads one "
            "triangle and orders them).")


def _eig(a: Any) -> Any:
    """Eigenvalues and eigenvectors packed in one array: row 0 holds ``w``."""
    w, v = np.linalg.eig(a)
    _real(w, v, "np.linalg.eig")
    return np.concatenate([w[..., None, :], v], axis=-2)


def _along_self(v: Any, d: Any) -> Any:
    """``d`` less each column's component along ``v``'s column (unit norm)."""
    return d - v * _row(_sum(v * d, axis=-2))


def _eig_jvp(t: Any, ans: Any, a: Any) -> Any:
    w, v = _unpack(ans)
    m = matmul_p(matmul_p(inv(v), t), v)
    dv = _along_self(v, matmul_p(v, zmul(m, _gaps(w))))
    return concatenate([_row(_diagonal(m)), dv], axis=-2)


def _eig_vjp(g: Any, ans: Any, a: Any) -> Any:
    w, v = _unpack(ans)
    gw, gv = _unpack(g)
    # zmul: a zero cotangent on the eigenvectors gives zero at ties, not nan
    inner = _row(gw) * _eye(a) + zmul(matmul_p(_mT(v), _along_self(v, gv)), _gaps(w))
    return matmul_p(matmul_p(_mT(inv(v)), inner), _mT(v))


eig_p: Primitive = _stacked(primitive(_eig, "eig", check_rules=False))
defvjp(eig_p, _eig_vjp)
defjvp(eig_p, _eig_jvp)


class EigResult(NamedTuple):
    """What ``eig`` returns (NumPy 2's field names)."""

    eigenvalues: Any
    eigenvectors: Any


def eig(a: Any) -> EigResult:
    """NumPy's ``linalg.eig`` of real matrices ``(..., n, n)`` with real eigenvalues.

    Returns:
      ``(w, v)`` with ``a @ v == v * w``, in LAPACK's order, the columns of
      ``v`` of unit norm; the eigenvectors' derivative needs distinct
      eigenvalues. Complex eigenvalues raise ``ValueError``.
    """
    _square("eig", a)
    return EigResult(*fresh(*_unpack(eig_p(a))))


def _eigvals(a: Any) -> Any:
    """NumPy's own eigvals: LAPACK without eigenvectors may round unlike ``eig``'s values."""
    w = np.linalg.eigvals(a)
    _real(w, w, "np.linalg.eigvals")
    return w


def _eigvals_vjp(g: Any, ans: Any, a: Any) -> Any:
    v = eig(a).eigenvectors
    return matmul_p(matmul_p(_mT(inv(v)), _row(g) * _eye(a)), _mT(v))


def _eigvals_jvp(t: Any, ans: Any, a: Any) -> Any:
    v = eig(a).eigenvectors
    return _diagonal(matmul_p(matmul_p(inv(v), t), v))


eigvals_p: Primitive = _stacked(primitive(_eigvals, "eigvals", check_rules=False))
defvjp(eigvals_p, _eigvals_vjp)
defjvp(eigvals_p, _eigvals_jvp)


def eigvals(a: Any) -> Any:
    """NumPy's ``linalg.eigvals`` of real matrices with real eigenvalues (see ``eig``)."""
    _square("eigvals", a)
    return eigvals_p(a)


functions.update({np.linalg.eig: (eig, ()), np.linalg.eigvals: (eigvals, ())})
for _name in ("linalg.eig", "linalg.eigvals"):
    alternatives.pop(_name, None)
