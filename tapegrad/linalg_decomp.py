"""Matrix decompositions: ``linalg.qr``, ``linalg.svd``, and what is built on them.

``qr_p`` (reduced, square or tall; ``linalg_qr.qr`` is NumPy's function on it) and
``svd`` (``full_matrices=False``) are
primitives whose factors are packed into one array (``Q`` above ``R``; ``U``,
``s`` and ``V`` stacked), with both derivative modes written with tapegrad's
matrix products and solves, so they differentiate again: QR's forward rule
is JAX's ``qr_jvp_rule``, its reverse rule autograd's ``grad_qr``; SVD's
forward rule is JAX's ``svd_jvp_rule``, its reverse rule autograd's
``grad_svd`` (both need distinct, nonzero singular values). ``pinv`` and
``lstsq`` are NumPy's own formulas on ``svd`` (``lstsq`` takes its value from
LAPACK, as NumPy does); ``matrix_power`` NumPy's binary powering with ``matmul``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .arrays import astype, concatenate, matmul_p
from .indexing import getitem
from .matrix import _eye, _mT, _row, _square, _stacked, inv, solve_p
from .numpy_dispatch import functions
from .primitive import Primitive, defjvp, defvjp, primitive, zmul
from .pseudoinverse import pinv_p
from .read_only import fresh
from .reductions import sum as tg_sum
from .shapes import _dtype
from .shapes import reshape_p as reshape
from .values import primal_value, shape_of

__all__ = ["SVDResult", "lstsq", "matrix_power", "pinv", "qr_p", "svd"]

Number = Any


def _rows(x: Any, start: int, stop: int | None) -> Any:
    return getitem(x, (Ellipsis, slice(start, stop), slice(None)))


def _tril(x: Any, k: int) -> Any:
    n = shape_of(x)[-1]
    return x * np.tri(n, n, k, dtype=_dtype(x))


def _right_solve(b: Any, r: Any) -> Any:
    """``b @ inv(r)``: ``solve(r.T, b.T).T``."""
    return _mT(solve_p(_mT(r), _mT(b)))


# ---------------------------------------------------------------------- qr
def _qr(a: Any) -> Any:
    q, r = np.linalg.qr(a, mode="reduced")
    return np.concatenate([q, r], axis=-2)


def _qr_unpack(p: Any, m: int) -> tuple[Any, Any]:
    return _rows(p, 0, m), _rows(p, m, None)


def _qr_jvp(t: Any, ans: Any, a: Any) -> Any:
    q, r = _qr_unpack(ans, shape_of(a)[-2])
    dx_rinv = _right_solve(t, r)
    qt_dx_rinv = matmul_p(_mT(q), dx_rinv)
    lower = _tril(qt_dx_rinv, -1)
    do = lower - _mT(lower)                        # skew-symmetric
    dq = matmul_p(q, do - qt_dx_rinv) + dx_rinv
    dr = matmul_p(qt_dx_rinv - do, r)
    return concatenate([dq, dr], axis=-2)


def _qr_vjp(g: Any, ans: Any, a: Any) -> Any:
    m = shape_of(a)[-2]
    q, r = _qr_unpack(ans, m)
    gq, gr = _qr_unpack(g, m)
    mm = matmul_p(r, _mT(gr)) - matmul_p(_mT(gq), q)
    copyltu = _tril(mm, 0) + _mT(_tril(mm, -1))
    b = gq + matmul_p(q, copyltu)
    return _mT(solve_p(r, _mT(b)))                 # b @ inv(r).T


qr_p: Primitive = _stacked(primitive(_qr, "qr", check_rules=False))
defvjp(qr_p, _qr_vjp)
defjvp(qr_p, _qr_jvp)


# --------------------------------------------------------------------- svd
def _svd(a: Any) -> Any:
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return np.concatenate([u, s[..., None, :], _np_mT(vt)], axis=-2)


def _np_mT(x: np.ndarray) -> np.ndarray:
    return np.swapaxes(x, -1, -2)


def _svd_unpack(p: Any, m: int) -> tuple[Any, Any, Any]:
    return _rows(p, 0, m), getitem(p, (Ellipsis, m, slice(None))), _rows(p, m + 1, None)


def _inverse_gaps(s: Any) -> Any:
    """``F[i, j] = 1 / (s[j]**2 - s[i]**2)`` off the diagonal, 0 on it."""
    eye = _eye(s)
    s2 = _row(s * s)
    return 1.0 / (s2 - _mT(s2) + eye) - eye


def _svd_jvp(t: Any, ans: Any, a: Any) -> Any:
    m, n = shape_of(a)[-2:]
    u, s, v = _svd_unpack(ans, m)
    ds_mat = matmul_p(matmul_p(_mT(u), t), v)
    ds = tg_sum(ds_mat * _eye(s), axis=-2)
    f = _inverse_gaps(s)
    s_row = _row(s)
    dss, sds = ds_mat * s_row, _mT(s_row) * ds_mat
    du = matmul_p(u, f * (dss + _mT(dss)))
    dv = matmul_p(v, f * (sds + _mT(sds)))
    if m > n:
        dav = matmul_p(t, v)
        du = du + (dav - matmul_p(u, matmul_p(_mT(u), dav))) / s_row
    if n > m:
        dau = matmul_p(_mT(t), u)
        dv = dv + (dau - matmul_p(v, matmul_p(_mT(v), dau))) / s_row
    return concatenate([du, _row(ds), dv], axis=-2)


def _svd_vjp(g: Any, ans: Any, a: Any) -> Any:
    m, n = shape_of(a)[-2:]
    u, s, v = _svd_unpack(ans, m)
    gu, gs, gv = _svd_unpack(g, m)
    eye = _eye(s)
    f = _inverse_gaps(s)
    utgu, vtgv = matmul_p(_mT(u), gu), matmul_p(_mT(v), gv)
    s_row = _row(s)
    # zmul: a zero cotangent on the vectors gives zero at tied values, not nan (as eigh's)
    inner = zmul(utgu - _mT(utgu), f) * s_row + eye * _mT(_row(gs)) + \
        _mT(s_row) * zmul(vtgv - _mT(vtgv), f)
    out = matmul_p(matmul_p(u, inner), _mT(v))
    if m > n:
        proj = np.eye(m, dtype=_dtype(a)) - matmul_p(u, _mT(u))
        out = out + matmul_p(matmul_p(proj, gu), _mT(v / s_row))
    if n > m:
        proj = np.eye(n, dtype=_dtype(a)) - matmul_p(v, _mT(v))
        out = out + matmul_p(matmul_p(u / s_row, _mT(gv)), proj)
    return out


svd_p: Primitive = _stacked(primitive(_svd, "svd", check_rules=False))
defvjp(svd_p, _svd_vjp)
defjvp(svd_p, _svd_jvp)


class SVDResult(NamedTuple):
    """What ``svd`` returns (NumPy 2's field names)."""

    U: Any
    S: Any
    Vh: Any


def svd(a: Number, full_matrices: bool = True, compute_uv: bool = True,
        hermitian: bool = False) -> Any:
    """NumPy's ``linalg.svd``: ``a = U @ diag(S) @ Vh``, singular values descending.

    Args:
      a: Matrices ``(..., m, n)``.
      full_matrices: Must be False (the reduced factors; NumPy's default True
        is refused with that fix).
      compute_uv: False gives the singular values only (``linalg.svdvals``).
      hermitian: ``a`` is symmetric: NumPy's ``eigh`` route, which reads
        (and differentiates) its lower triangle only.

    Returns:
      ``(U, S, Vh)``, reduced; or ``S``. The derivative of the vectors needs
      distinct, nonzero singular values.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.linalg.svd(np.array([[3.0, 0.0], [0.0, -4.0]]), full_matrices=False).S
      array([4., 3.])
    """
    if hermitian and not compute_uv:
        return np.sort(np.abs(np.linalg.eigvalsh(a)), axis=-1)[..., ::-1]
    if not compute_uv:          # linalg.svdvals: tapegrad's on a traced value (dispatch)
        return np.linalg.svdvals(a)
    if hermitian:
        return SVDResult(*fresh(*_svd_hermitian(a)))
    shape = shape_of(a)
    if len(shape) < 2:
        raise np.linalg.LinAlgError(f"linalg.svd: the array has shape {shape}; it must have "
                                    "at least two axes.")
    if full_matrices and shape[-1] != shape[-2]:
        raise ValueError("linalg.svd: tapegrad computes the reduced factors of a non-square "
                         "matrix only: pass full_matrices=False.")
    u, s, v = _svd_unpack(svd_p(a), shape[-2])
    return SVDResult(*fresh(u, s, _mT(v)))


# ------------------------------------------------------ pinv, lstsq, powers
_NOT_GIVEN: Any = object()      # pinv's rtol left out: NumPy's default cutoff is 1e-15


def pinv(a: Number, rcond: Any = None, hermitian: bool = False, *,
         rtol: Any = _NOT_GIVEN) -> Number:
    """NumPy's ``linalg.pinv``: the Moore-Penrose pseudo-inverse, by the SVD.

    Args:
      a: Matrices ``(..., m, n)``.
      rcond: Singular values at most ``rcond * max(s)`` count as zero
        (NumPy's default: ``1e-15``, in float32 too).
      hermitian: ``a`` is symmetric: NumPy's ``eigh`` route, which reads
        (and differentiates) its lower triangle only.
      rtol: NumPy 2's name for ``rcond``; ``rtol=None`` means
        ``max(m, n) * eps``.

    Returns:
      ``(..., n, m)``; the derivative needs distinct singular values.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.linalg.pinv(np.array([[2.0, 0.0], [0.0, 4.0]]))
      array([[0.5 , 0.  ],
             [0.  , 0.25]])
    """
    m, n = shape_of(a)[-2:]
    if rcond is not None and rtol is not _NOT_GIVEN:
        raise ValueError("linalg.pinv: `rtol` and `rcond` can't be both set.")
    cut = rcond if rcond is not None else 1e-15 if rtol is _NOT_GIVEN else rtol
    if cut is None:
        cut = max(m, n) * np.finfo(_dtype(a)).eps
    return _pinv_hermitian(a, cut) if hermitian else pinv_p(a, cut)


def _svd_hermitian(a: Any) -> tuple[Any, Any, Any]:
    """NumPy's ``svd(a, hermitian=True)`` step for step (``np.`` names: traced or not)."""
    s, u = np.linalg.eigh(a)
    sgn, s = np.copysign(1.0, s), np.abs(s)
    order = np.argsort(s, axis=-1)[..., ::-1]
    sgn, s = np.take_along_axis(sgn, order, -1), np.take_along_axis(s, order, -1)
    u = np.take_along_axis(u, order[..., None, :], -1)
    return u, s, np.swapaxes(u * sgn[..., None, :], -1, -2)


def _pinv_hermitian(a: Any, cut: Any) -> Any:
    """NumPy's ``pinv(a, hermitian=True)``: by ``_svd_hermitian``, step for step."""
    u, s, vt = _svd_hermitian(a)
    large = s > np.asarray(cut)[..., None] * np.max(s, axis=-1, keepdims=True)
    s = np.where(large, 1 / np.where(large, s, 1), 0)       # no 1/0 in the derivative
    return np.matmul(np.swapaxes(vt, -1, -2), s[..., None] * np.swapaxes(u, -1, -2))


def _gelsd(a: Any, b: Any, rcond: Any, part: int = 0) -> Any:
    return np.linalg.lstsq(a, b, rcond=rcond)[part]      # x (0) or the residuals (1)


def _rounded(x: Any, value: Any) -> Any:
    return value


# LAPACK's solution (and residuals) round unlike the pseudo-inverse's products: the
# value is NumPy's (gelsd, no derivative), the derivative the pseudo-inverse's (rounded_p)
gelsd_p: Primitive = primitive(_gelsd, "lstsq", check_rules=False)
defvjp(gelsd_p, None, None, None, None)
defjvp(gelsd_p, None, None, None, None)
rounded_p: Primitive = primitive(_rounded, "rounded_as", elementwise=True, check_rules=False)
defvjp(rounded_p, lambda g, ans, x, value: g, None)
defjvp(rounded_p, lambda t, ans, x, value: t, None)


def lstsq(a: Number, b: Number, rcond: Any = None, *,
          counted: Any = np.float64) -> tuple[Any, Any, Any, Any]:
    """NumPy's ``linalg.lstsq``: ``x`` minimizing ``|b - a @ x|``, by the pseudo-inverse.

    Args:
      a: A matrix ``(m, n)`` (traced or not).
      b: A vector ``(m,)`` or a matrix ``(m, k)`` (traced or not).
      rcond: The cutoff for small singular values, relative to the largest
        (NumPy's default: ``max(m, n) * eps`` of float64, for float32 data too).
      counted: The dtype whose singular values set the rank (NumPy's float64).

    Returns:
      ``(x, residuals, rank, s)`` as NumPy's: residuals are the squared norms
      of ``b - a @ x`` when ``m > n`` and the rank is ``n`` (else empty); the
      rank counts the singular values above the cutoff (an integer, no
      derivative; ``jit`` re-specializes when it changes).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> a = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
      >>> tg.linalg.lstsq(a, np.array([1.0, 2.0, 3.0]))[0]
      array([1., 2.])
    """
    if len(shape_of(a)) != 2:
        raise np.linalg.LinAlgError(f"linalg.lstsq: a has shape {shape_of(a)}; it must be "
                                    "one matrix (m, n), as NumPy's (vmap runs it on stacks).")
    m, n = shape_of(a)
    # NumPy computes in float64 whatever the dtypes: its default cutoff and the
    # singular values that set the rank are float64's, float32 data included
    cut = max(m, n) * np.finfo(np.float64).eps if rcond is None else rcond
    vector = len(shape_of(b)) == 1
    bm = reshape(b, (m, 1)) if vector else b
    x = matmul_p(pinv_p(a, cut), bm)
    s = np.linalg.svdvals(a if _dtype(a) == counted else astype(a, counted))
    # an integer of the value: a comparison, so jit guards it and vmap splits on it
    rank = tg_sum(s > cut * getitem(s, 0)).astype(np.int32) if min(m, n) else np.int32(0)
    common = np.result_type(_dtype(a), _dtype(b), np.float32)       # NumPy's _commonType
    if m > n and rank == n:
        r = bm - matmul_p(a, x)
        residuals = rounded_p(tg_sum(r * r, axis=0), gelsd_p(a, b, cut, 1))
    else:
        residuals = np.empty((0,), dtype=common)
    x = rounded_p(reshape(x, (n,)) if vector else x, gelsd_p(a, b, cut))
    s = rounded_p(s if common == counted else astype(s, common), gelsd_p(a, b, cut, 3))
    return x, residuals, rank, s


def matrix_power(a: Number, n: int) -> Number:
    """NumPy's ``linalg.matrix_power``: ``a @ a @ ...`` (``n`` times), by binary powering.

    Args:
      a: Square matrices ``(..., k, k)``.
      n: An int; 0 gives the identity, a negative one powers the inverse.

    Returns:
      The power, computed in NumPy's order (bit for bit NumPy's).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.grad(lambda a: tg.linalg.matrix_power(a, 3)[0, 0])(np.array([[2.0]]))
      array([[12.]])
    """
    k = _square("matrix_power", a)
    if not isinstance(n, int | np.integer):
        raise TypeError("exponent must be an integer")
    n = int(n)
    if n == 0:
        kind = np.asarray(primal_value(a)).dtype     # NumPy's identity keeps a's dtype
        return np.broadcast_to(np.eye(k, dtype=kind), shape_of(a)).copy()
    if n < 0:
        a, n = inv(a), -n
    if n == 1:
        return a
    if n == 2:
        return matmul_p(a, a)
    if n == 3:
        return matmul_p(matmul_p(a, a), a)
    z = result = None
    while n > 0:
        z = a if z is None else matmul_p(z, z)
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else matmul_p(result, z)
    return result


functions.update({
    np.linalg.svd: (svd, ("full_matrices", "compute_uv", "hermitian")),
    np.linalg.pinv: (pinv, ("rcond", "hermitian", "rtol")),
    np.linalg.lstsq: (lstsq, ("rcond",)),
    np.linalg.matrix_power: (matrix_power, ("n",)),
})
