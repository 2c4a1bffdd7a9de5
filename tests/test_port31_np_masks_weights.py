"""Weights, masks and fill values of another dtype or traced, after NumPy's and autograd's tests.

NumPy's ``test_function_base.py`` (``TestCov`` with ``aweights``),
``test_numeric.py``/``test_umath.py`` (reductions with ``where=``) and
``test_type_check.py`` (``nan_to_num`` with ``nan=``, ``posinf=``,
``neginf=``), ported to traced arguments:

- ``np.cov(x, aweights=w)`` with float32 weights takes them as float64, as
  NumPy's ``np.asarray(aweights, dtype=float)`` does (the variance was
  float32-rounded: 2.27289855 for NumPy's 2.27289859);
- ``np.sum(a, where=mask)`` (and prod, max, min, all, any, mean, var) of a
  constant ``a`` with a traced mask recursed forever: NumPy's ``np.sum``
  does not dispatch on ``where=`` and its ``add.reduce`` came back;
- ``np.nan_to_num(x, nan=p, posinf=q, neginf=r)`` takes traced replacement
  values, with their derivative where they land.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tests.conftest import fd


def same(got, want) -> bool:
    got, want = np.asarray(got), np.asarray(want)
    return got.dtype == want.dtype and got.shape == want.shape and \
        np.array_equal(got, want, equal_nan=True)


RNG = np.random.default_rng(3)
X = RNG.standard_normal((2, 6))
W = np.abs(RNG.standard_normal(6)) + 0.1

COVS = {
    "aweights": lambda x, w: np.cov(x, aweights=w),
    "aweights_ddof0": lambda x, w: np.cov(x, aweights=w, ddof=0),
    "aweights_fweights": lambda x, w: np.cov(x, aweights=w, fweights=[1, 2, 1, 1, 3, 1]),
    "aweights_one_row": lambda x, w: np.cov(x[0], aweights=w),
    "corrcoef_of_cov": lambda x, w: np.cov(x, aweights=w)[0, 1] / np.sqrt(
        np.cov(x[0], aweights=w) * np.cov(x[1], aweights=w)),
}


@pytest.mark.parametrize("dts", [(np.float32, np.float32), (np.float64, np.float32),
                                 (np.float32, np.float64), (np.float16, np.float32)],
                         ids=["f32_f32", "f64_f32", "f32_f64", "f16_f32"])
@pytest.mark.parametrize("name", sorted(COVS))
def test_cov_with_weights_of_another_dtype_is_numpys(name, dts):
    f = COVS[name]
    x, w = X.astype(dts[0]), W.astype(dts[1])
    want = f(x, w)
    assert same(tg.jit(f)(x, w), want)
    assert same(tg.vmap(f)(x[None], w[None])[0], want)
    assert same(tg.jit(lambda q: f(x, q))(w), want)


@pytest.mark.parametrize("name", sorted(COVS))
def test_cov_gradients_in_data_and_weights_equal_differences(name):
    f = COVS[name]

    def in_data(x):
        return np.sum(f(x, W) * np.arange(1.0, 1 + np.size(f(X, W))).reshape(np.shape(f(X, W))))

    def in_weights(w):
        return np.sum(f(X, w) * np.arange(1.0, 1 + np.size(f(X, W))).reshape(np.shape(f(X, W))))
    np.testing.assert_allclose(tg.grad(in_data)(X), fd(in_data, X), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(tg.grad(in_weights)(W), fd(in_weights, W), rtol=1e-6, atol=1e-8)
    assert same(tg.jit(tg.grad(in_weights))(W), tg.grad(in_weights)(W))
    t = RNG.standard_normal(6)
    np.testing.assert_allclose(tg.jvp(in_weights, (W,), (t,))[1],
                               np.dot(tg.grad(in_weights)(W), t), rtol=1e-10, atol=1e-12)


A = np.array([[-2.0, -1.0, 0.5], [1.0, 2.0, 3.0]])
MASKED = {
    "sum": lambda m: np.sum(A, where=m > 0.5),
    "sum_axis": lambda m: np.sum(A, axis=1, where=m > 0.5),
    "sum_float32": lambda m: np.sum(A.astype(np.float32), axis=0, where=m > 0.5),
    "prod_axis": lambda m: np.prod(A, axis=0, where=m > 0.5),
    "max_initial": lambda m: np.max(A, initial=-9.0, where=m > 0.5),
    "min_axis_initial": lambda m: np.min(A, axis=1, initial=9.0, where=m > 0.5),
    "add_reduce": lambda m: np.add.reduce(A, axis=None, where=m > 0.5),
    "multiply_reduce": lambda m: np.multiply.reduce(A, axis=1, where=m > 0.5),
    "mean_axis": lambda m: np.mean(A, axis=0, where=m > 0.5),
    "var": lambda m: np.var(A, where=m > 0.5),
    "all": lambda m: np.all(A > 0, where=m > 0.5),
    "any_axis": lambda m: np.any(A > 0, axis=1, where=m > 0.5),
    "nansum": lambda m: np.nansum(A, where=m > 0.5),
}
M = np.array([[1.0, 0.2, 3.0], [0.1, 2.0, 0.7]])


@pytest.mark.parametrize("name", sorted(MASKED))
def test_reduction_of_a_constant_under_a_traced_mask_is_numpys(name):
    f = MASKED[name]
    want = f(M)
    assert same(tg.jit(f)(M), want)
    assert same(tg.vmap(f)(np.stack([M, M[::-1]]))[1], f(M[::-1]))
    assert same(tg.jvp(f, (M,), (M,))[0], want)


@pytest.mark.parametrize("dt", [np.float64, np.float32])
def test_nan_to_num_takes_traced_replacement_values(dt):
    x = np.array([1.0, np.inf, -np.inf, np.nan, -2.0], dtype=dt)
    cases = [
        lambda p: np.nan_to_num(x * p[0], posinf=p[1]),
        lambda p: np.nan_to_num(x * p[0], nan=p[0], neginf=p[1] * 2),
        lambda p: np.nan_to_num(x + p[0], nan=p[1], posinf=p[0], neginf=-p[1]),
        lambda p: tg.nan_to_num(x, nan=p[0], posinf=p[1]),
    ]
    p = np.array([1.5, 3.0], dtype=dt)
    for f in cases:
        want = f(p)
        assert same(tg.jit(f)(p), want) and same(tg.vmap(f)(p[None])[0], want)
        assert same(tg.jvp(f, (p,), (p,))[0], want)


def test_nan_to_num_replacement_values_get_their_gradient():
    x = np.array([1.0, np.inf, -np.inf, np.nan, -2.0])
    weights = np.arange(1.0, 6.0)

    def loss(p):
        y = np.nan_to_num(x * p[0], nan=p[0] ** 2, posinf=p[1], neginf=-3 * p[1])
        return np.sum(y * weights)
    p = np.array([1.5, 3.0])
    # loss = p0 + 2 p1 - 9 p1 + 4 p0**2 - 10 p0: d/dp0 = 8 p0 - 9, d/dp1 = -7
    np.testing.assert_allclose(tg.grad(loss)(p), [8 * 1.5 - 9, -7.0], rtol=1e-14)
    np.testing.assert_allclose(tg.grad(loss)(p), fd(loss, p), rtol=1e-6)
    assert same(tg.jit(tg.grad(loss))(p), tg.grad(loss)(p))
    h = tg.hessian(loss)(p)
    np.testing.assert_allclose(h, [[8.0, 0.0], [0.0, 0.0]], atol=1e-14)
