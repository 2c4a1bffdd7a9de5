"""The QR factors of a wide matrix (``m < n``): NumPy's ``linalg.qr`` values, derivatives.

``a = [a1 a2]`` with ``a1`` the leading ``m x m`` block: ``Q`` and the first
``m`` columns of ``R`` are the square factors of ``a1``, and the rest of
``R`` is ``Q^T a2``. The derivative follows: the square block's is QR's
rule (JAX's ``qr_jvp_rule``; its transpose autograd's ``grad_qr``), and
``d(Q^T a2) = dQ^T a2 + Q^T da2``. The values are NumPy's own (one LAPACK
call); the factors are packed side by side, ``[Q | R]``, ``(..., m, m + n)``.
All rules are written with tapegrad's products and solves, so they
differentiate again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import concatenate, matmul_p
from .indexing import getitem
from .matrix import _mT, _stacked, solve_p
from .primitive import Primitive, defjvp, defvjp, primitive
from .shapes import _dtype
from .values import shape_of

__all__ = ["checked", "qr_wide_p", "unpack"]

Number = Any


def _qr(a: Any) -> Any:
    q, r = np.linalg.qr(a, mode="reduced")
    return np.concatenate([q, r], axis=-1)


def _columns(x: Any, start: int, stop: int | None) -> Any:
    return getitem(x, (Ellipsis, slice(None), slice(start, stop)))


def unpack(p: Any) -> tuple[Any, Any]:
    """``Q`` ``(..., m, m)`` and ``R`` ``(..., m, n)`` of the packed ``[Q | R]``."""
    m = shape_of(p)[-2]
    return _columns(p, 0, m), _columns(p, m, None)


def _tril(x: Any, k: int) -> Any:
    n = shape_of(x)[-1]
    return x * np.tri(n, n, k, dtype=_dtype(x))


def _jvp(t: Any, ans: Any, a: Any) -> Any:
    q, r = unpack(ans)
    m = shape_of(q)[-1]
    r1, a2, t1, t2 = _columns(r, 0, m), _columns(a, m, None), _columns(t, 0, m), \
        _columns(t, m, None)
    dx_rinv = _mT(solve_p(_mT(r1), _mT(t1)))                 # da1 @ inv(r1)
    qt_dx_rinv = matmul_p(_mT(q), dx_rinv)
    lower = _tril(qt_dx_rinv, -1)
    do = lower - _mT(lower)                                  # skew-symmetric
    dq = matmul_p(q, do - qt_dx_rinv) + dx_rinv
    dr1 = matmul_p(qt_dx_rinv - do, r1)
    dr2 = matmul_p(_mT(dq), a2) + matmul_p(_mT(q), t2)
    return concatenate([dq, dr1, dr2], axis=-1)


def _vjp(g: Any, ans: Any, a: Any) -> Any:
    q, r = unpack(ans)
    m = shape_of(q)[-1]
    gq, gr = unpack(g)
    r1, a2 = _columns(r, 0, m), _columns(a, m, None)
    gr1, gr2 = _columns(gr, 0, m), _columns(gr, m, None)
    gq = gq + matmul_p(a2, _mT(gr2))                          # R2 = Q^T a2 reaches Q too
    mm = matmul_p(r1, _mT(gr1)) - matmul_p(_mT(gq), q)
    copyltu = _tril(mm, 0) + _mT(_tril(mm, -1))
    b = gq + matmul_p(q, copyltu)
    ga1 = _mT(solve_p(r1, _mT(b)))                           # b @ inv(r1).T
    return concatenate([ga1, matmul_p(q, gr2)], axis=-1)


qr_wide_p: Primitive = _stacked(primitive(_qr, "qr_wide", check_rules=False))
defvjp(qr_wide_p, _vjp)
defjvp(qr_wide_p, _jvp)


def checked(a: Any, mode: str) -> tuple[int, int]:
    """``a``'s matrix shape ``(m, n)``, once ``a`` has one and tapegrad has ``mode`` for it."""
    shape = shape_of(a)
    if len(shape) < 2:
        raise np.linalg.LinAlgError(f"linalg.qr: a has shape {shape}; it must be matrices "
                                    "(..., m, n).")
    wide = shape[-2] <= shape[-1]           # "complete" is "reduced" there
    if mode not in ("reduced", "r") and not (mode == "complete" and wide):
        raise ValueError(f"linalg.qr: tapegrad has modes 'reduced' and 'r' ('complete' for "
                         f"square and wide matrices), not {mode!r} for shape {shape}.")
    return shape[-2], shape[-1]
