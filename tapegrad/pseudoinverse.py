"""``linalg.pinv`` as one primitive: NumPy's value, Golub and Pereyra's derivative.

The rules are products with the pseudo-inverse ``P`` itself (as JAX's
``pinv`` rule), not a path through the SVD, so they hold where singular
values tie (``pinv`` of an orthogonal matrix, of the identity), and being
written with ``matmul`` they differentiate again. They are the derivative
of the pseudo-inverse at a fixed rank: where ``rcond`` cuts a singular
value away, the result is the derivative of the truncated matrix's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import matmul_p
from .matrix import _mT, _stacked
from .primitive import Primitive, defjvp, defvjp, primitive

__all__ = ["pinv_p"]


def _pinv(a: Any, rcond: Any) -> Any:
    return np.linalg.pinv(a, rcond=rcond)


def _pinv_jvp(t: Any, p: Any, a: Any, rcond: Any) -> Any:
    """``dP = -P dA P + (I - P A) dA^T P^T P + P P^T dA^T (I - A P)``."""
    tt = _mT(t)
    left = tt - matmul_p(matmul_p(p, a), tt)              # (I - P A) dA^T
    right = tt - matmul_p(tt, matmul_p(a, p))             # dA^T (I - A P)
    return -matmul_p(matmul_p(p, t), p) + matmul_p(left, matmul_p(_mT(p), p)) + \
        matmul_p(matmul_p(p, _mT(p)), right)


def _pinv_vjp(g: Any, p: Any, a: Any, rcond: Any) -> Any:
    """The transpose of ``_pinv_jvp``.

    ``-P^T G P^T + P^T P G^T (I - P A) + (I - A P) G^T P P^T``.
    """
    gt = _mT(g)
    left = gt - matmul_p(gt, matmul_p(p, a))              # G^T (I - P A)
    right = gt - matmul_p(matmul_p(a, p), gt)             # (I - A P) G^T
    pt = _mT(p)
    return -matmul_p(matmul_p(pt, g), pt) + matmul_p(matmul_p(pt, p), left) + \
        matmul_p(right, matmul_p(p, pt))


pinv_p: Primitive = _stacked(primitive(_pinv, "pinv", check_rules=False))
defvjp(pinv_p, _pinv_vjp, None)
defjvp(pinv_p, _pinv_jvp, None)
