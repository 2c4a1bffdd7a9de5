"""SciPy's ``gaussian_kde`` on traced values: a kernel density estimate, differentiable.

Differentiable in the data, the weights, the bandwidth and the points
evaluated at; a ``gaussian_kde`` is a container (``tg.tree``), so it may be
passed into ``jit``, ``grad`` and ``vmap`` as JAX's is.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ... import reductions
from ...joins import as_array
from ...linalg import inv
from ...logsumexp import logsumexp
from ...quantiles import cov
from ...shapes import reshape
from ...treedef import register
from ...values import primal_value, shape_of
from .. import _numpy_ops as ops
from ..linalg import cholesky, solve_triangular
from ..special import ndtr

__all__ = ["gaussian_kde"]

Number = Any


def _2d(x: Number) -> Any:
    x = as_array(x)
    if np.ndim(primal_value(x)) == 0:
        return reshape(x, (1, 1))
    return reshape(x, (1, -1)) if np.ndim(primal_value(x)) == 1 else x


class gaussian_kde:  # noqa: N801  (SciPy's name)
    """SciPy's ``gaussian_kde``: a sum of Gaussians, one at each point of ``dataset``.

    Args:
      dataset: The data, ``(n,)`` or ``(d, n)``.
      bw_method: ``"scott"`` (the default), ``"silverman"``, a number (the factor),
        or a function of the estimate giving the factor.
      weights: The points' weights (``(n,)``), normalized to sum to 1.

    Examples:
      >>> import numpy as np
      >>> kde = gaussian_kde(np.array([0.0, 1.0, 3.0]), bw_method=0.5)
      >>> round(float(kde.integrate_box_1d(-np.inf, np.inf)), 12)
      1.0
    """

    def __init__(self, dataset: Number, bw_method: Any = None, weights: Number = None):
        self.dataset = _2d(dataset)
        d, n = shape_of(self.dataset)
        if d * n <= 1:
            raise ValueError("gaussian_kde: `dataset` input should have multiple elements.")
        if weights is None:
            self.weights = np.full(n, 1.0 / n)
        else:
            w = as_array(weights)
            if shape_of(w) != (n,):
                raise ValueError(f"gaussian_kde: `weights` should be one-dimensional of length "
                                 f"{n}, the number of points; got shape {shape_of(w)}.")
            self.weights = w / reductions.sum(w)
        self.neff = 1.0 / reductions.sum(self.weights * self.weights)
        self.set_bandwidth(bw_method)

    @property
    def d(self) -> int:
        return int(shape_of(self.dataset)[0])

    @property
    def n(self) -> int:
        return int(shape_of(self.dataset)[1])

    def scotts_factor(self) -> Number:
        """Scott's factor ``neff ** (-1 / (d + 4))``.

        Returns:
          The factor, a scalar.
        """
        return ops.exp(ops.log(self.neff) * (-1.0 / (self.d + 4)))

    def silverman_factor(self) -> Number:
        """Silverman's factor ``(neff (d + 2) / 4) ** (-1 / (d + 4))``.

        Returns:
          The factor, a scalar.
        """
        return ops.exp(ops.log(self.neff * (self.d + 2.0) / 4.0) * (-1.0 / (self.d + 4)))

    def covariance_factor(self) -> Number:
        """The bandwidth factor, by the ``bw_method`` last set.

        Returns:
          The factor, a scalar.
        """
        return self._factor_of(self)

    def set_bandwidth(self, bw_method: Any = None) -> None:
        """Set the factor (``"scott"``, ``"silverman"``, a number or a function) and covariance."""
        if bw_method is None or isinstance(bw_method, str) and bw_method == "scott":
            self._factor_of: Callable[[gaussian_kde], Number] = gaussian_kde.scotts_factor
        elif isinstance(bw_method, str) and bw_method == "silverman":
            self._factor_of = gaussian_kde.silverman_factor
        elif callable(bw_method):
            self._factor_of = bw_method
        elif not isinstance(bw_method, str) and np.ndim(primal_value(bw_method)) == 0:
            self._factor_of = lambda kde: bw_method
        else:
            raise ValueError("gaussian_kde: `bw_method` should be 'scott', 'silverman', a "
                             "scalar or a callable.")
        self.factor = self.covariance_factor()
        self._compute()

    def _compute(self) -> None:
        data_cov = reshape(cov(self.dataset, rowvar=True, bias=False, aweights=self.weights),
                           (self.d, self.d))
        self.covariance = data_cov * (self.factor * self.factor)
        self.cho_cov = cholesky(self.covariance, lower=True)
        self.log_det = 2.0 * reductions.sum(ops.log(_diagonal(self.cho_cov)))

    @property
    def inv_cov(self) -> Number:
        return inv(self.covariance)

    def _points(self, points: Number) -> Any:
        p = _2d(points)
        d, m = shape_of(p)
        if d != self.d:
            if d == 1 and m == self.d:
                return reshape(p, (self.d, 1))
            raise ValueError(f"gaussian_kde: points have dimension {d}, dataset has "
                             f"dimension {self.d}.")
        return p

    def _log_kernels(self, points: Number) -> Any:
        """``log N(x_j; data_i, covariance)`` for each data point ``i`` (rows), point ``j``."""
        p = self._points(points)
        m = shape_of(p)[1]
        diff = reshape(p[:, None, :] - self.dataset[:, :, None], (self.d, self.n * m))
        z = solve_triangular(self.cho_cov, diff, lower=True)
        maha = reshape(reductions.sum(z * z, axis=0), (self.n, m))
        return -0.5 * maha - 0.5 * self.log_det - 0.5 * self.d * math.log(2.0 * math.pi)

    def evaluate(self, points: Number) -> Number:
        """The density at ``points`` (``(d, m)``, or ``(m,)`` in one dimension).

        Returns:
          The densities, ``(m,)``.
        """
        return reductions.sum(self.weights[:, None] * ops.exp(self._log_kernels(points)), axis=0)

    __call__ = pdf = evaluate

    def logpdf(self, x: Number) -> Number:
        """The log-density at ``x``, a log-sum-exp over the kernels (accurate far out).

        Returns:
          The log-densities, ``(m,)``.
        """
        return logsumexp(ops.log(self.weights)[:, None] + self._log_kernels(x), axis=0)

    def integrate_gaussian(self, mean: Number, cov: Number) -> Number:
        """The integral of the density times the Gaussian ``N(mean, cov)``.

        Returns:
          The integral, a scalar.
        """
        mean = reshape(as_array(mean), (-1,))
        cov = reshape(as_array(cov), (self.d, self.d)) if np.size(primal_value(cov)) == \
            self.d * self.d else None
        if shape_of(mean) != (self.d,) or cov is None:
            raise ValueError(f"gaussian_kde.integrate_gaussian: mean must have {self.d} "
                             f"entries and cov be {self.d} by {self.d}.")
        return _convolved(self.covariance + cov, self.dataset, self.weights, mean[:, None])[0]

    def integrate_box_1d(self, low: Number, high: Number) -> Number:
        """The mass between ``low`` and ``high``, for one-dimensional data.

        Returns:
          The mass, a scalar.
        """
        if self.d != 1:
            raise ValueError("gaussian_kde.integrate_box_1d: only 1-D densities.")
        sigma = ops.sqrt(self.covariance[0, 0])
        upper = ndtr((high - self.dataset[0]) / sigma)
        lower = ndtr((low - self.dataset[0]) / sigma)
        return reductions.sum(self.weights * (upper - lower))

    def integrate_kde(self, other: gaussian_kde) -> Number:
        """The integral of the product of two estimates' densities.

        Returns:
          The integral, a scalar.
        """
        if other.d != self.d:
            raise ValueError("gaussian_kde.integrate_kde: KDEs are not the same dimensionality.")
        pairs = _convolved(self.covariance + other.covariance, self.dataset, self.weights,
                           other.dataset)
        return reductions.sum(pairs * other.weights)

    def resample(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("gaussian_kde.resample: tapegrad draws no random numbers "
                                  "here; use SciPy's gaussian_kde on the data's values.")


def _diagonal(a: Any) -> Any:
    n = shape_of(a)[0]
    return reshape(a, (n * n,))[:: n + 1]


def _convolved(total: Any, data: Any, weights: Any, at: Any) -> Any:
    """``sum_i w_i N(at_j; data_i, total)`` for each column ``at_j``."""
    d, n = shape_of(data)
    m = shape_of(at)[1]
    chol = cholesky(total, lower=True)
    diff = reshape(data[:, :, None] - at[:, None, :], (d, n * m))
    z = solve_triangular(chol, diff, lower=True)
    maha = reshape(reductions.sum(z * z, axis=0), (n, m))
    log_norm = reductions.sum(ops.log(_diagonal(chol))) + 0.5 * d * math.log(2.0 * math.pi)
    return reductions.sum(weights[:, None] * ops.exp(-0.5 * maha - log_norm), axis=0)


_FIELDS = ("dataset", "weights", "neff", "factor", "covariance", "cho_cov", "log_det")


def _flatten(kde: gaussian_kde) -> tuple[list[Any], None]:
    return [getattr(kde, f) for f in _FIELDS], None


def _unflatten(aux: Any, children: Any) -> gaussian_kde:
    kde = gaussian_kde.__new__(gaussian_kde)
    for f, c in zip(_FIELDS, children, strict=True):
        setattr(kde, f, c)
    kde._factor_of = lambda k: k.factor
    return kde


register(gaussian_kde, _flatten, _unflatten)
