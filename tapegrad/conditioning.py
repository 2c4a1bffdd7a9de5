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

from .arrays import astype, matmul_p
from .backends import foreign
from .batching.rules import batch_rules, broadcasting
from .indexing import getitem
from .kinks import where
from .linalg import _largest, eigvalsh, norm, svdvals
from .matrix import _mT, inv
from .numpy_dispatch import functions
from .predicates import any as tg_any
from .predicates import count_nonzero
from .primitive import Primitive, defjvp, defvjp, primitive
from .values import primal_value, shape_of

__all__ = ["cond", "matrix_rank"]

Number = Any


def _inv_or_nan(a: Any) -> Any:
    """NumPy's inverse inside ``cond`` (its ``_umath_linalg.inv``): NaN for a singular matrix."""
    if foreign(a) is not None:
        return inv(a)
    with np.errstate(all="ignore"):
        return _umath_inv(a, signature="d->d")


_umath_inv: Any = vars(np.linalg)["_umath_linalg"].inv
inv_or_nan_p: Primitive = primitive(_inv_or_nan, "inv_or_nan", check_rules=False)
batch_rules[inv_or_nan_p] = broadcasting          # one matrix at a time, as NumPy's loop
defvjp(inv_or_nan_p, lambda g, ans, a: -matmul_p(matmul_p(_mT(ans), g), _mT(ans)))
defjvp(inv_or_nan_p, lambda t, ans, a: -matmul_p(matmul_p(ans, t), ans))


def cond(x: Number, p: Any = None) -> Number:
    """NumPy's ``linalg.cond``: the condition number of ``x`` in the norm ``p``.

    ``s[0] / s[-1]`` of the singular values for ``p`` None or 2 (-2: its
    inverse), else ``norm(x, p) * norm(inv(x), p)`` (a singular matrix's
    inverse is NaN); NaN becomes inf unless ``x`` holds a NaN, as in NumPy.

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
            r = norm(x, p, axis=(-2, -1)) * norm(inv_or_nan_p(x64), p, axis=(-2, -1))
        r = r if kind == np.float64 else astype(r, kind)
    # NumPy's inf for a singular matrix: recorded whatever r is now, so jit and vmap keep it
    out = where(np.isnan(r) & ~tg_any(np.isnan(x), axis=(-2, -1)), np.inf, r)
    return out if shape_of(out) else getitem(out, ())        # one matrix: NumPy's scalar


def matrix_rank(A: Number, tol: Any = None, hermitian: bool = False, *,  # noqa: N803
                rtol: Any = None) -> Number:
    """NumPy's ``linalg.matrix_rank``: the singular values above ``tol`` counted (integers)."""
    if len(shape_of(A)) < 2:
        return np.logical_not(np.all(A == 0)).astype(np.int64)
    s = np.abs(eigvalsh(A)) if hermitian else svdvals(A)
    if tol is None:
        eps = np.finfo(np.asarray(primal_value(s)).dtype).eps
        rtol = max(shape_of(A)[-2:]) * eps if rtol is None else np.asarray(rtol)[..., None]
        tol = _largest(s, -1, keepdims=True) * rtol      # NumPy's max(initial=0)
    else:
        tol = np.asarray(tol)[..., None]
    rank = count_nonzero(s > tol, axis=-1)
    return astype(rank, np.intp) if not shape_of(rank) else rank    # NumPy's np.int64


functions.update({
    np.linalg.cond: (cond, ("p",)),
    np.linalg.matrix_rank: (matrix_rank, ("tol", "hermitian", "rtol")),
})
