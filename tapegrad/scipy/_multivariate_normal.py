"""SciPy's ``multivariate_normal`` (``logpdf``, ``pdf``) on traced values.

SciPy's semantics: ``x`` of shape ``(..., d)`` (a scalar or a vector when
``d == 1``), ``mean`` None (zeros) or a vector of ``d``, ``cov`` a scalar
(times the identity), a vector (the diagonal) or a matrix, of which the
lower triangle is read; size-1 axes of the result are squeezed, as SciPy
does. Computed with ``tg.linalg`` (a Cholesky factor and triangular
solves), so gradients wrt ``x``, ``mean`` and ``cov`` work in both modes to
any order; ``allow_singular=True`` uses SciPy's pseudo-inverse and
pseudo-determinant from the eigendecomposition instead.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import linalg as _la
from ..arrays import astype, matmul_p
from ..joins import as_array
from ..kinks import abs as _abs
from ..kinks import where
from ..matrix import _diagonal, _mT
from ..ops import exp, log, sqrt
from ..reductions import max as _max
from ..reductions import min as _min
from ..reductions import sum as _sum
from ..shapes import _dtype
from ..shapes import reshape_p as reshape
from ..values import Traced, primal_value, shape_of
from .linalg import solve_triangular

__all__ = ["multivariate_normal"]

Number = Any
_LOG_2PI = math.log(2.0 * math.pi)


def _parameters(mean: Any, cov: Any) -> tuple[int, Any, Any]:
    """``(d, mean, cov)`` with ``mean`` a vector and ``cov`` a matrix (SciPy's rules)."""
    dtype = _dtype(cov)          # float32 stays float32
    if mean is None:
        dim = 1 if len(shape_of(cov)) < 2 else shape_of(cov)[0]
        mean = np.zeros(dim, dtype=dtype)
    else:
        dim = int(np.prod(shape_of(mean)))
    if dim == 1:
        mean, cov = reshape(mean, (1,)), reshape(cov, (1, 1))
    if shape_of(mean) != (dim,):
        raise ValueError(f"Array 'mean' must be a vector of length {dim}.")
    eye = np.eye(dim, dtype=dtype)
    nd = len(shape_of(cov))
    if nd == 0 or nd == 1:          # cov * I, or the diagonal
        cov = cov * eye
    elif nd > 2 or shape_of(cov) != (dim, dim):
        raise ValueError(f"multivariate_normal: cov has shape {shape_of(cov)}; it must be a "
                         f"scalar, a vector of {dim} or a ({dim}, {dim}) matrix.")
    return dim, mean, cov


def _quantiles(x: Any, dim: int) -> Any:
    """``x`` with the components on its last axis, as SciPy reads it."""
    shape = shape_of(x)
    if not shape:
        return reshape(x, (1,))
    if len(shape) == 1:
        return reshape(x, (shape[0], 1) if dim == 1 else (1, shape[0]))
    return x


def _squeeze(out: Any) -> Any:
    shape = shape_of(out)
    kept = tuple(n for n in shape if n != 1)
    return out if kept == shape else reshape(out, kept)


def _by_cholesky(dev: Any, cov: Any, dim: int) -> Any:
    try:
        low = _la.cholesky(cov)
    except np.linalg.LinAlgError as e:
        raise np.linalg.LinAlgError(
            "multivariate_normal: cov is not symmetric positive definite; pass "
            "allow_singular=True for a singular (semidefinite) one.") from e
    flat = reshape(dev, (-1, dim))
    z = solve_triangular(low, _mT(flat), lower=True)          # L^-1 (x - mean)
    maha = reshape(_sum(z * z, axis=0), shape_of(dev)[:-1])
    logdet = 2.0 * _sum(log(_diagonal(low)))
    return -0.5 * (dim * _LOG_2PI + logdet + maha)


def _spectrum(cov: Any) -> tuple[Any, Any, Any, Any, Any]:
    """SciPy's ``_PSD``: ``(w, v, kept, one, eps)``; eigenvalues at most ``eps`` are zero.

    ``one`` is 1.0 where an eigenvalue is kept, ``kept`` the eigenvalues with
    1.0 in place of the dropped ones (no ``log(0)`` or ``1/0``, even off the
    branch). A negative eigenvalue raises for a constant ``cov``; a traced
    one is not branched on (so ``jit`` and ``vmap`` record no guard): its
    ``kept`` is nan, and so is every result computed from it, as in JAX.
    """
    w, v = _la.eigh(cov)
    dtype = np.asarray(primal_value(w)).dtype
    eps = (1e3 if dtype == np.float32 else 1e6) * np.finfo(dtype).eps * _max(_abs(w))
    negative = _min(w) < -eps
    if type(negative) is not Traced and negative:
        raise ValueError("multivariate_normal: cov must be symmetric positive "
                         "semidefinite; it has a negative eigenvalue.")
    keep = w > eps
    kept = where(keep, w, 1.0)
    if type(negative) is Traced:
        kept = where(negative, math.nan, kept)
    return w, v, kept, astype(keep, _dtype(w)), eps


def _by_eigh(dev: Any, cov: Any, dim: int) -> Any:
    w, v, kept, one, eps = _spectrum(cov)
    whiten = v * sqrt(one / kept)                 # U, with U @ U.T the pseudo-inverse
    maha = _sum(matmul_p(dev, whiten) ** 2, axis=-1)
    out = -0.5 * (_sum(one) * _LOG_2PI + _sum(log(kept)) + maha)
    off = _sum(matmul_p(dev, v * (1.0 - one)) ** 2, axis=-1)    # outside the support
    return where(off < (1e3 * eps) ** 2, out, -math.inf)


class _MultivariateNormal:
    """The multivariate normal distribution, as ``scipy.stats.multivariate_normal``."""

    def logpdf(self, x: Number, mean: Number = None, cov: Number = 1,
               allow_singular: bool = False) -> Number:
        """The log of the density at ``x``.

        Args:
          x: Points ``(..., d)``; a scalar or vector when ``d == 1``.
          mean: The mean vector (None: zeros).
          cov: A scalar, the diagonal, or the covariance matrix.
          allow_singular: Allow a singular ``cov`` (pseudo-inverse, as SciPy).

        Returns:
          One log-density per point, size-1 axes squeezed (a float for one).

        Examples:
          >>> import numpy as np
          >>> import tapegrad as tg
          >>> from tapegrad.scipy._multivariate_normal import multivariate_normal
          >>> round(multivariate_normal.logpdf(np.zeros(2), cov=np.eye(2)), 6)
          -1.837877
          >>> tg.grad(lambda x: multivariate_normal.logpdf(x, np.zeros(2)))(np.array([1.0, 2.0]))
          array([-1., -2.])
        """
        x, mean, cov = as_array(x), as_array(mean), as_array(cov)    # array_like, as SciPy
        dim, mean, cov = _parameters(mean, cov)
        dev = _quantiles(x, dim) - mean
        out = (_by_eigh if allow_singular else _by_cholesky)(dev, cov, dim)
        return _squeeze(out)

    def pdf(self, x: Number, mean: Number = None, cov: Number = 1,
            allow_singular: bool = False) -> Number:
        """The density at ``x``: ``exp(logpdf(...))``, same arguments."""
        return exp(self.logpdf(x, mean, cov, allow_singular))

    def entropy(self, mean: Number = None, cov: Number = 1) -> Number:
        """The differential entropy, ``(rank (1 + log 2 pi) + log pdet(cov)) / 2``.

        Args:
          mean: The mean vector (None: zeros); it does not change the entropy.
          cov: A scalar, the diagonal, or the covariance matrix (singular allowed).

        Returns:
          A float.
        """
        _, _, kept, one, _ = _spectrum(_parameters(mean, cov)[2])
        return 0.5 * (_sum(one) * (_LOG_2PI + 1.0) + _sum(log(kept)))

    def __call__(self, mean: Number = None, cov: Number = 1,
                 allow_singular: bool = False) -> _Frozen:
        """The distribution with fixed parameters (SciPy's frozen form)."""
        return _Frozen(self, mean, cov, allow_singular)


class _Frozen:
    """``multivariate_normal(mean, cov)``: ``logpdf(x)`` and ``pdf(x)``."""

    def __init__(self, dist: _MultivariateNormal, mean: Any, cov: Any,
                 allow_singular: bool):
        self.dist, self.mean, self.cov, self.allow_singular = dist, mean, cov, allow_singular

    def logpdf(self, x: Number) -> Number:
        """The log of the density at ``x``."""
        return self.dist.logpdf(x, self.mean, self.cov, self.allow_singular)

    def pdf(self, x: Number) -> Number:
        """The density at ``x``."""
        return self.dist.pdf(x, self.mean, self.cov, self.allow_singular)

    def entropy(self) -> Number:
        """The differential entropy."""
        return self.dist.entropy(self.mean, self.cov)


multivariate_normal = _MultivariateNormal()
