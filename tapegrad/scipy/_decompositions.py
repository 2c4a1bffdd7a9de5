"""SciPy's decompositions on traced values: ``qr``, ``svd``, ``eigh``, ``eigvalsh``, ``pinv``...

``qr``, ``svd``, ``eigh``, ``eigvalsh``, ``pinv`` and ``lstsq``.

Each is NumPy's ``np.linalg`` function (tapegrad's, with its derivatives) behind
SciPy's signature and SciPy's conventions: ``qr``'s modes ``"full"``,
``"economic"`` and ``"r"`` (a tuple ``(R,)``), ``eigh``'s ``lower``,
``pinv``'s ``atol``/``rtol``, and ``lstsq``'s ``cond`` and its residue as a
number for a vector ``b``. The ``overwrite_*``, ``check_finite`` and driver
arguments are accepted and ignored; what NumPy has no counterpart for (a
generalized ``eigh`` with ``b``, pivoting) raises, saying so.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import linalg as _la
from .. import linalg_decomp as _dec
from .. import linalg_qr as _qr
from ..arrays import concatenate
from ..read_only import fresh
from ..shapes import _dtype
from ..values import primal_value, shape_of

__all__ = ["eigh", "eigvalsh", "lstsq", "pinv", "qr", "svd"]

Number = Any


def qr(a: Number, overwrite_a: bool = False, lwork: Any = None, mode: str = "full",
       pivoting: bool = False, check_finite: bool = True) -> Any:
    """SciPy's ``qr``: ``(Q, R)``, or ``(R,)`` with ``mode="r"``.

    Args:
      a: A matrix ``(m, n)``.
      overwrite_a: Ignored.
      lwork: Ignored.
      mode: ``"full"`` (Q is ``m x m``: tapegrad has it for a square or
        wide matrix, where it is the economic one), ``"economic"`` or ``"r"``.
      pivoting: Not supported (``False`` only).
      check_finite: Ignored.

    Returns:
      ``(Q, R)``, or ``(R,)``.

    Examples:
      >>> import numpy as np
      >>> from tapegrad.scipy.linalg import qr
      >>> [m.shape for m in qr(np.eye(3) + 1.0)]
      [(3, 3), (3, 3)]
    """
    del overwrite_a, lwork, check_finite
    if pivoting:
        raise ValueError("scipy.linalg.qr: tapegrad has no pivoting; pass pivoting=False.")
    m, n = shape_of(a)[-2:]
    if mode == "r":             # SciPy's R is m x n: zero rows below a tall matrix's
        r = _qr.qr(a, mode="r")
        if m <= n:
            return (r,)
        zeros = np.zeros((*shape_of(a)[:-2], m - n, n), np.asarray(primal_value(r)).dtype)
        return (concatenate([r, zeros], axis=-2),)
    if mode == "full" and m > n:
        raise ValueError("scipy.linalg.qr: tapegrad computes the economic factors of a tall "
                         "matrix only: pass mode='economic'.")
    if mode not in ("full", "economic"):
        raise ValueError(f"scipy.linalg.qr: tapegrad has modes 'full', 'economic' and 'r', "
                         f"not {mode!r}.")
    q, r = _qr.qr(a)
    return q, r


def svd(a: Number, full_matrices: bool = True, compute_uv: bool = True,
        overwrite_a: bool = False, check_finite: bool = True,
        lapack_driver: str = "gesdd") -> Any:
    """SciPy's ``svd``: ``(U, s, Vh)``, or ``s`` with ``compute_uv=False`` (NumPy's).

    Args:
      a: Matrices ``(..., m, n)``.
      full_matrices: As NumPy's (a square matrix, or ``False``).
      compute_uv: Return the factors, not only the singular values.
      overwrite_a: Ignored.
      check_finite: Ignored.
      lapack_driver: Ignored.

    Returns:
      ``(U, s, Vh)`` or ``s``.
    """
    del overwrite_a, check_finite, lapack_driver
    if not compute_uv:
        return _la.svdvals(a)
    u, s, vh = _dec.svd(a, full_matrices=full_matrices)
    return u, s, vh


def _standard(name: str, b: Any, kw: dict[str, Any]) -> None:
    if b is not None:
        raise ValueError(f"scipy.linalg.{name}: tapegrad has the standard problem only "
                         "(b=None); for b = L L^T solve with L (cholesky) on both sides.")
    given = {k: v for k, v in kw.items() if v not in (None, False, 1)}
    if given:
        raise ValueError(f"scipy.linalg.{name}: tapegrad takes no {', '.join(given)}; "
                         "slice the eigenvalues it returns instead.")


def eigh(a: Number, b: Number = None, *, lower: bool = True, eigvals_only: bool = False,
         overwrite_a: bool = False, overwrite_b: bool = False, type: int = 1,  # noqa: A002
         check_finite: bool = True, subset_by_index: Any = None,
         subset_by_value: Any = None, driver: Any = None) -> Any:
    """SciPy's ``eigh``: ascending eigenvalues and eigenvectors of a symmetric matrix.

    Args:
      a: Symmetric matrices ``(..., n, n)``; only the ``lower`` (or upper) triangle is read.
      b: Not supported (``None`` only).
      lower: Read the lower triangle (else the upper one).
      eigvals_only: Return the eigenvalues only.
      overwrite_a: Ignored.
      overwrite_b: Ignored.
      type: 1 only (the standard problem).
      check_finite: Ignored.
      subset_by_index: ``(lo, hi)``: the eigenvalues ``lo`` to ``hi`` (inclusive,
        ascending) and their vectors only.
      subset_by_value: Not supported.
      driver: Ignored.

    Returns:
      ``(w, v)``, or ``w``.
    """
    del overwrite_a, overwrite_b, check_finite, driver
    _standard("eigh", b, {"type": type, "subset_by_value": subset_by_value})
    uplo = "L" if lower else "U"
    keep = _subset(subset_by_index, shape_of(a)[-1])
    if eigvals_only:
        w = _la.eigvalsh(a, UPLO=uplo)
        return w if keep == slice(None) else fresh(w[..., keep])[0]
    w, v = _la.eigh(a, UPLO=uplo)
    return (w, v) if keep == slice(None) else fresh(w[..., keep], v[..., keep])


def _subset(subset_by_index: Any, n: int) -> slice:
    """SciPy's ``subset_by_index=(lo, hi)`` as a slice of the ascending eigenvalues."""
    if subset_by_index is None:
        return slice(None)
    lo, hi = (int(k) for k in subset_by_index)
    if not 0 <= lo <= hi < n:
        raise ValueError(f"scipy.linalg.eigh: subset_by_index must be (lo, hi) with "
                         f"0 <= lo <= hi <= {n - 1}, got {tuple(subset_by_index)}.")
    return slice(lo, hi + 1)


def eigvalsh(a: Number, b: Number = None, *, lower: bool = True, overwrite_a: bool = False,
             overwrite_b: bool = False, type: int = 1, check_finite: bool = True,  # noqa: A002
             subset_by_index: Any = None, subset_by_value: Any = None,
             driver: Any = None) -> Number:
    """SciPy's ``eigvalsh``: ``eigh(a, lower=lower, eigvals_only=True)``."""
    return eigh(a, b, lower=lower, eigvals_only=True, overwrite_a=overwrite_a,
                overwrite_b=overwrite_b, type=type, check_finite=check_finite,
                subset_by_index=subset_by_index, subset_by_value=subset_by_value,
                driver=driver)


def pinv(a: Number, *, atol: Any = None, rtol: Any = None, return_rank: bool = False,
         check_finite: bool = True) -> Any:
    """SciPy's ``pinv``: singular values at most ``atol + rtol * max(s)`` count as zero.

    Args:
      a: Matrices ``(..., m, n)``.
      atol: 0 or None only (tapegrad's cut-off is relative).
      rtol: SciPy's default ``max(m, n) * eps``.
      return_rank: Not supported.
      check_finite: Ignored.

    Returns:
      The pseudo-inverses ``(..., n, m)``.
    """
    del check_finite
    if atol not in (None, 0, 0.0) or return_rank:
        raise ValueError("scipy.linalg.pinv: tapegrad takes rtol only (no atol, no "
                         "return_rank).")
    return _dec.pinv(a, rtol=rtol)


def lstsq(a: Number, b: Number, cond: Any = None, overwrite_a: bool = False,
          overwrite_b: bool = False, check_finite: bool = True,
          lapack_driver: Any = None) -> tuple[Any, Any, Any, Any]:
    """SciPy's ``lstsq``: ``(x, residues, rank, s)``, NumPy's with SciPy's residue.

    Args:
      a: A matrix ``(m, n)``.
      b: A vector ``(m,)`` or a matrix ``(m, k)``.
      cond: Singular values below ``cond * max(s)`` count as zero (default:
        the machine epsilon of the dtype SciPy solves in, float32 for float32 data).
      overwrite_a: Ignored.
      overwrite_b: Ignored.
      check_finite: Ignored.
      lapack_driver: Ignored.

    Returns:
      ``x``; the squared residual norms (a number for a vector ``b``, an
      empty array when ``rank < n`` or ``m <= n``); the rank; the singular values.
    """
    del overwrite_a, overwrite_b, check_finite, lapack_driver
    common = np.result_type(_dtype(a), _dtype(b), np.float32)   # SciPy solves in this dtype
    cut = np.finfo(common).eps if cond is None else cond          # LAPACK's default cutoff
    x, res, rank, s = _dec.lstsq(a, b, rcond=cut, counted=common)
    if len(shape_of(b)) == 1 and np.size(primal_value(res)) == 1:
        res = res[0]
    return x, res, rank, s
