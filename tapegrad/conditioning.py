"""A matrix's conditioning on traced values: ``np.linalg.cond`` and ``np.linalg.matrix_rank``.

NumPy's formulas on tapegrad's ``svdvals``, ``inv`` and ``norm``: the
condition number is differentiable (the ratio of the extreme singular
values, or a norm of ``x`` times that of its inverse), the rank is an
integer counted from traced singular values (no derivative), so ``jit``
counts again at each call and ``vmap`` per example.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import astype
from .indexing import getitem
from .kinks import where
from .linalg import eigvalsh, norm, svdvals
from .matrix import inv
from .numpy_dispatch import functions
from .predicates import any as tg_any
from .predicates import count_nonzero
from .reductions import max as tg_max
from .values import primal_value, shape_of

__all__ = ["cond", "matrix_rank"]

Number = Any


def cond(x: Number, p: Any = None) -> Number:
    """NumPy's ``linalg.cond``: the condition number of ``x`` in the norm ``p``.

    ``s[0] / s[-1]`` of the singular values for ``p`` None or 2 (-2: its
    inverse), else ``norm(x, p) * norm(inv(x), p)``; NaN becomes inf unless
    ``x`` holds a NaN, as in NumPy.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> float(tg.grad(lambda d: np.linalg.cond(np.diag(d)))(np.array([4.0, 2.0]))[0])
      0.5
    """
    if 0 in shape_of(x)[-2:]:
        raise np.linalg.LinAlgError("cond is not defined on empty arrays")
    if p is None or p in (2, -2):
        s = svdvals(x)
        first, last = getitem(s, (Ellipsis, 0)), getitem(s, (Ellipsis, -1))
        with np.errstate(all="ignore"):
            r = last / first if p == -2 else first / last
    else:
        dtype = np.asarray(primal_value(x)).dtype          # NumPy inverts in float64
        kind = dtype if dtype.kind == "f" else np.dtype(np.float64)
        x64 = x if dtype == np.float64 else astype(x, np.float64)
        with np.errstate(all="ignore"):
            r = norm(x, p, axis=(-2, -1)) * norm(inv(x64), p, axis=(-2, -1))
        r = r if kind == np.float64 else astype(r, kind)
    if np.isnan(primal_value(r)).any():          # NumPy's inf for a singular matrix
        r = where(np.isnan(r) & ~tg_any(np.isnan(x), axis=(-2, -1)), np.inf, r)
    return r


def matrix_rank(A: Number, tol: Any = None, hermitian: bool = False, *,  # noqa: N803
                rtol: Any = None) -> Number:
    """NumPy's ``linalg.matrix_rank``: the singular values above ``tol`` counted (integers)."""
    if len(shape_of(A)) < 2:
        return np.logical_not(np.all(A == 0)).astype(np.int64)
    s = np.abs(eigvalsh(A)) if hermitian else svdvals(A)
    if tol is None:
        eps = np.finfo(np.asarray(primal_value(s)).dtype).eps
        rtol = max(shape_of(A)[-2:]) * eps if rtol is None else np.asarray(rtol)[..., None]
        tol = tg_max(s, axis=-1, keepdims=True) * rtol
    else:
        tol = np.asarray(tol)[..., None]
    rank = count_nonzero(s > tol, axis=-1)
    return astype(rank, np.intp) if not shape_of(rank) else rank    # NumPy's np.int64


functions.update({
    np.linalg.cond: (cond, ("p",)),
    np.linalg.matrix_rank: (matrix_rank, ("tol", "hermitian", "rtol")),
})
