"""NumPy's ``linalg.qr`` on traced matrices: square, tall and wide, every mode NumPy has.

Square and tall matrices go through ``linalg_decomp.qr_p`` (reduced). A wide
``a = [X | Y]`` (``m < n``, ``X`` square) has NumPy's own factors, computed by
NumPy (so its bits), with the derivative of ``Q, R1 = qr(X)`` and
``R2 = Q.T @ Y`` (JAX's ``qr_jvp_rule`` for ``m < n``; both modes written with
``qr_p``'s rules and matrix products, so they differentiate again).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .arrays import concatenate, matmul_p
from .indexing import getitem
from .linalg_decomp import _qr_jvp, _qr_unpack, _qr_vjp, qr_p
from .matrix import _mT, _stacked
from .numpy_dispatch import functions
from .primitive import Primitive, defjvp, defvjp, primitive
from .read_only import fresh
from .values import shape_of

__all__ = ["QRResult", "qr"]

Number = Any


class QRResult(NamedTuple):
    """What ``qr`` returns (NumPy 2's field names)."""

    Q: Any
    R: Any


def _cols(x: Any, start: int, stop: int | None) -> Any:
    return getitem(x, (Ellipsis, slice(None), slice(start, stop)))


def _wide_q(a: Any) -> Any:
    return np.linalg.qr(a, mode="reduced")[0]


def _wide_r(a: Any) -> Any:
    return np.linalg.qr(a, mode="reduced")[1]


wide_q_p: Primitive = _stacked(primitive(_wide_q, "qr_wide_q", check_rules=False))
wide_r_p: Primitive = _stacked(primitive(_wide_r, "qr_wide_r", check_rules=False))


def _square(a: Any) -> tuple[Any, Any, Any, Any]:
    """``(X, Y, Q, R1)``: the square part, the rest, and the square part's factors."""
    m = shape_of(a)[-2]
    x, y = _cols(a, 0, m), _cols(a, m, None)
    return x, y, wide_q_p(a), _cols(wide_r_p(a), 0, m)


def _jvp_q(t: Any, ans: Any, a: Any) -> Any:
    x, _, q, r1 = _square(a)
    m = shape_of(a)[-2]
    return _qr_unpack(_qr_jvp(_cols(t, 0, m), concatenate([q, r1], axis=-2), x), m)[0]


def _jvp_r(t: Any, ans: Any, a: Any) -> Any:
    x, y, q, r1 = _square(a)
    m = shape_of(a)[-2]
    dq, dr1 = _qr_unpack(_qr_jvp(_cols(t, 0, m), concatenate([q, r1], axis=-2), x), m)
    dr2 = matmul_p(_mT(dq), y) + matmul_p(_mT(q), _cols(t, m, None))
    return concatenate([dr1, dr2], axis=-1)


def _vjp_q(g: Any, ans: Any, a: Any) -> Any:
    x, y, q, r1 = _square(a)
    gx = _qr_vjp(concatenate([g, 0.0 * r1], axis=-2), concatenate([q, r1], axis=-2), x)
    return concatenate([gx, 0.0 * y], axis=-1)


def _vjp_r(g: Any, ans: Any, a: Any) -> Any:
    x, y, q, r1 = _square(a)
    m = shape_of(a)[-2]
    g1, g2 = _cols(g, 0, m), _cols(g, m, None)
    gq = matmul_p(y, _mT(g2))                       # R2 = Q.T Y
    gx = _qr_vjp(concatenate([gq, g1], axis=-2), concatenate([q, r1], axis=-2), x)
    return concatenate([gx, matmul_p(q, g2)], axis=-1)


defjvp(wide_q_p, _jvp_q)
defvjp(wide_q_p, _vjp_q)
defjvp(wide_r_p, _jvp_r)
defvjp(wide_r_p, _vjp_r)


def qr(a: Number, mode: str = "reduced") -> Any:
    """NumPy's ``linalg.qr``: ``a = Q @ R``, ``Q`` orthonormal columns, ``R`` upper triangular.

    Args:
      a: Matrices ``(..., m, n)``: square, tall or wide.
      mode: ``"reduced"`` (``Q`` ``(..., m, k)``, ``R`` ``(..., k, n)``, ``k = min(m, n)``),
        ``"r"`` for ``R`` alone, or ``"complete"`` where it is ``"reduced"`` (``m <= n``).

    Returns:
      ``(Q, R)`` (or ``R``), NumPy's values; the derivative needs the leading
      ``k x k`` block of ``R`` invertible.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> q, r = tg.linalg.qr(np.array([[3.0, 1.0], [4.0, 2.0]]))
      >>> float(abs(r[0, 0]))
      5.0
    """
    shape = shape_of(a)
    if len(shape) < 2:
        raise np.linalg.LinAlgError(f"linalg.qr: a has shape {shape}; it takes matrices "
                                    "(..., m, n).")
    m, n = shape[-2:]
    if mode not in ("reduced", "r") and not (mode == "complete" and m <= n):
        raise ValueError(f"linalg.qr: tapegrad has modes 'reduced' and 'r' ('complete' where "
                         f"m <= n, as it is 'reduced' there), not {mode!r} for shape {shape}.")
    if m < n:
        result = QRResult(*fresh(wide_q_p(a), wide_r_p(a)))
    else:
        result = QRResult(*fresh(*_qr_unpack(qr_p(a), m)))
    return result.R if mode == "r" else result


functions.update({np.linalg.qr: (qr, ("mode",))})
