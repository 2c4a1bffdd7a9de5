"""The adjugate of square matrices and its derivative, on plain NumPy stacks.

The impls behind ``det``'s derivative in ``matrix.py``: ``adj(A) = det(A)
A^-1`` where ``A`` is invertible, from the SVD where it is singular (as
JAX's), and ``d adj(A)[T]`` the same two ways, so the Hessian of ``det``
exists at singular matrices too. NumPy only; no tapegrad import.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["adjugate", "adjugate_invertible", "adjugate_tangent"]


def adjugate_invertible(a: Any) -> Any:
    """``det(A) A^-1``; raises ``LinAlgError`` if a matrix of the stack is singular."""
    a = np.asarray(a)
    a = a if a.dtype.kind == "f" else a.astype(float)
    return np.linalg.det(a)[..., None, None] * np.linalg.inv(a)


def adjugate(a: Any) -> Any:
    """``det(A) A^-1``, also where ``A`` is singular (then from the SVD, as JAX's)."""
    a = np.asarray(a)
    a = a if a.dtype.kind == "f" else a.astype(float)
    try:
        return adjugate_invertible(a)
    except np.linalg.LinAlgError:
        pass
    u, s, vt = np.linalg.svd(a)               # adj(U S V^T) = det(U V^T) V adj(S) U^T
    ones = np.ones(s.shape[:-1] + (1,), dtype=s.dtype)
    before = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, s[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    sign = np.linalg.det(u) * np.linalg.det(vt)
    others = before * after                   # the product of every s_j but s_i
    return sign[..., None, None] * np.matmul(np.swapaxes(vt, -1, -2) * others[..., None, :],
                                             np.swapaxes(u, -1, -2))


def adjugate_tangent(a: Any, t: Any) -> Any:
    """``d adj(A)[T]``, the derivative of the adjugate, also where ``A`` is singular.

    ``(tr(adj T) I - adj T) A^-1`` (from ``adj(A) A = det(A) I``) where every
    ``A`` is invertible; otherwise from the SVD ``A = U S V^T``, as
    ``adj(A + T) = det(U V^T) V adj(S + U^T T V) U^T``, whose derivative at
    the diagonal ``S`` is ``diag(P diag(M)) - P * M`` (``M = U^T T V``,
    ``P[i, k]`` the product of every singular value but the i-th and k-th).
    """
    a, t = _float(a), _float(t)
    try:
        inv = np.linalg.inv(a)
    except np.linalg.LinAlgError:
        return _adjugate_tangent_svd(a, t)
    adj = np.linalg.det(a)[..., None, None] * inv
    at = np.matmul(adj, t)
    trace = np.trace(at, axis1=-2, axis2=-1)[..., None, None]
    return np.matmul(trace * np.eye(a.shape[-1], dtype=at.dtype) - at, inv)


def _adjugate_tangent_svd(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    u, s, vt = np.linalg.svd(a)
    n = s.shape[-1]
    kept = ~(np.eye(n, dtype=bool)[:, None, :] | np.eye(n, dtype=bool)[None, :, :])
    p = np.prod(np.where(kept, s[..., None, None, :], 1.0), axis=-1)    # (..., n, n)
    p = p * (1.0 - np.eye(n, dtype=p.dtype))
    m = np.matmul(np.matmul(np.swapaxes(u, -1, -2), t), np.swapaxes(vt, -1, -2))
    diag_m = np.diagonal(m, axis1=-2, axis2=-1)
    inner = np.eye(n) * np.matmul(p, diag_m[..., None]) - p * m
    sign = (np.linalg.det(u) * np.linalg.det(vt))[..., None, None]
    out = sign * np.matmul(np.matmul(np.swapaxes(vt, -1, -2), inner), np.swapaxes(u, -1, -2))
    return out.astype(np.result_type(a, t), copy=False)


def _float(x: Any) -> np.ndarray:
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(float)
