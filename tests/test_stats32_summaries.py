"""tapegrad.scipy.stats's rankdata, mode, sem and gaussian_kde against SciPy's.

Ranks and modes equal SciPy's (values, dtypes, shapes, nan rules) along
every axis, under jit and vmap too; their derivatives are 0 (ranks) or the
chosen element's (mode). sem and gaussian_kde are differentiable in the data
(and the KDE in weights, bandwidth and points): central differences, jit
bit for bit, and a KDE passed into jit as a container.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg
from tapegrad.scipy import stats as T

ss = pytest.importorskip("scipy.stats")
METHODS = ["average", "min", "max", "dense", "ordinal"]


def _data():
    rng = np.random.default_rng(3)
    a = rng.integers(0, 4, (3, 7)).astype(float)
    b = a.copy()
    b[1, 2] = np.nan
    return a, b


@pytest.mark.parametrize("method", METHODS)
def test_rankdata_equals_scipys_along_every_axis_with_nans_and_under_jit_and_vmap(method):
    a, b = _data()
    for data in (a, b, a.astype(np.float32), a.astype(np.int64)):
        for axis in (None, 0, 1, -1):
            got, want = T.rankdata(data, method, axis=axis), ss.rankdata(data, method, axis=axis)
            np.testing.assert_array_equal(got, want)
            assert got.dtype == want.dtype and got.shape == want.shape
    f = tg.jit(lambda x: T.rankdata(x, method, axis=1))
    for data in (a, b, a[::-1]):           # a nan appears and goes: jit follows, as eager
        np.testing.assert_array_equal(f(data), ss.rankdata(data, method, axis=1))
    np.testing.assert_array_equal(tg.vmap(lambda x: T.rankdata(x, method))(a),
                                  ss.rankdata(a, method, axis=1))
    assert np.array_equal(tg.grad(lambda x: tg.sum(T.rankdata(x, method) * 1.0))(a[0]),
                          np.zeros(7))


def test_rankdata_refuses_an_unknown_method_and_other_nan_policies():
    with pytest.raises(ValueError, match="unknown method"):
        T.rankdata(np.ones(3), "first")
    with pytest.raises(NotImplementedError, match="propagate"):
        T.rankdata(np.ones(3), nan_policy="omit")


def test_mode_equals_scipys_with_nans_counted_and_keepdims():
    a, b = _data()
    for data in (a, b, a.astype(np.float32)):
        for axis in (None, 0, 1):
            for keepdims in (False, True):
                got = T.mode(data, axis, keepdims=keepdims)
                want = ss.mode(data, axis, keepdims=keepdims)
                np.testing.assert_array_equal(got.mode, want.mode)
                np.testing.assert_array_equal(got.count, want.count)
                assert got.mode.dtype == want.mode.dtype and got.count.dtype == want.count.dtype
                assert np.shape(got.mode) == np.shape(want.mode)
    assert np.isnan(T.mode(np.array([1.0, np.nan, np.nan])).mode)


def test_mode_is_differentiable_in_the_chosen_element_and_jit_vmap_agree():
    x = np.array([3.0, 1.0, 2.5, 0.5])             # all once: the least, as SciPy
    assert np.array_equal(tg.grad(lambda v: T.mode(v).mode)(x), [0.0, 0.0, 0.0, 1.0])
    a, b = _data()
    m = tg.jit(lambda v: T.mode(v, axis=1).mode)
    assert np.array_equal(m(a), T.mode(a, axis=1).mode)
    assert np.array_equal(tg.vmap(lambda v: T.mode(v).mode)(a), T.mode(a, axis=1).mode)


@pytest.mark.parametrize("policy", ["propagate", "omit"])
def test_sem_equals_scipys_and_its_gradient_central_differences(policy):
    a, b = _data()
    for axis in (None, 0, 1):
        for keepdims in (False, True):
            got = T.sem(b, axis, nan_policy=policy, keepdims=keepdims)
            want = ss.sem(b, axis, nan_policy=policy, keepdims=keepdims)
            np.testing.assert_allclose(got, want, rtol=1e-14, equal_nan=True)
            assert np.shape(got) == np.shape(want)
    assert T.sem(a.astype(np.float32)).dtype == ss.sem(a.astype(np.float32)).dtype
    x = np.array([1.0, 2.5, 4.0, 0.5])
    g = tg.grad(lambda v: T.sem(v, nan_policy=policy, ddof=2))(x)
    np.testing.assert_allclose(g, fd(lambda v: float(ss.sem(v, ddof=2)), x), rtol=1e-7)
    assert np.array_equal(tg.jit(lambda v: T.sem(v, nan_policy=policy))(x), T.sem(x))


def _kde_case(d):
    rng = np.random.default_rng(d)
    data = rng.normal(size=(d, 9)) if d > 1 else rng.normal(size=9)
    pts = rng.normal(size=(d, 4)) if d > 1 else rng.normal(size=4)
    return data, rng.uniform(0.5, 2.0, 9), pts


@pytest.mark.parametrize("d", [1, 2])
def test_gaussian_kde_equals_scipys_for_every_bandwidth_rule_and_weights(d):
    data, w, pts = _kde_case(d)
    other = np.random.default_rng(9).normal(size=(d, 5))
    for bw in (None, "silverman", 0.4, lambda k: 0.3):
        for weights in (None, w):
            ours, theirs = T.gaussian_kde(data, bw, weights), ss.gaussian_kde(data, bw, weights)
            for fun in ("evaluate", "pdf", "logpdf", "__call__"):
                np.testing.assert_allclose(getattr(ours, fun)(pts), getattr(theirs, fun)(pts),
                                           rtol=1e-13)
            for attr in ("covariance", "inv_cov", "neff", "factor"):
                np.testing.assert_allclose(getattr(ours, attr), getattr(theirs, attr),
                                           rtol=1e-12)
            mean, cov = np.full(d, 0.3), 0.7 * np.eye(d)
            np.testing.assert_allclose(ours.integrate_gaussian(mean, cov),
                                       theirs.integrate_gaussian(mean, cov), rtol=1e-13)
            np.testing.assert_allclose(ours.integrate_kde(T.gaussian_kde(other)),
                                       theirs.integrate_kde(ss.gaussian_kde(other)), rtol=1e-13)
            if d == 1:
                np.testing.assert_allclose(ours.integrate_box_1d(-0.5, 1.2),
                                           theirs.integrate_box_1d(-0.5, 1.2), rtol=1e-13)


def test_gaussian_kde_logpdf_is_accurate_where_the_density_underflows():
    kde = T.gaussian_kde(np.array([0.0, 1.0, 2.0]), bw_method=0.1)
    far = kde.logpdf(np.array([60.0]))[0]
    assert np.isfinite(far) and kde.evaluate(np.array([60.0]))[0] == 0.0


def test_gaussian_kde_gradients_in_data_weights_bandwidth_and_points():
    data, w, pts = _kde_case(2)

    def total(dd, ww, bw, pp):
        return tg.sum(T.gaussian_kde(dd, bw, ww).logpdf(pp))
    args = (data, w, 0.6, pts)
    for i in range(4):
        g = tg.grad(total, argnums=i)(*args)
        want = fd(lambda v: float(total(*(v if k == i else a for k, a in enumerate(args)))),
                  args[i])
        np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-8, err_msg=str(i))
    assert np.array_equal(tg.jit(tg.grad(total))(*args), tg.grad(total)(*args))


def test_gaussian_kde_passes_into_jit_and_vmap_as_a_container():
    data, w, pts = _kde_case(1)
    kde = T.gaussian_kde(data, weights=w)
    f = tg.jit(lambda k, x: k.logpdf(x))
    assert np.array_equal(f(kde, pts), kde.logpdf(pts))
    wide = T.gaussian_kde(data * 2.0)
    assert np.array_equal(f(wide, pts), wide.logpdf(pts))
    batched = tg.vmap(lambda x: kde.pdf(x), in_axes=1)(pts[None, :])
    np.testing.assert_allclose(batched[:, 0], kde.pdf(pts), rtol=1e-15)


def test_gaussian_kde_refuses_mismatched_points_and_weights():
    with pytest.raises(ValueError, match="dimension"):
        T.gaussian_kde(_kde_case(2)[0]).evaluate(np.ones((3, 2)))
    with pytest.raises(ValueError, match="weights"):
        T.gaussian_kde(np.arange(5.0), weights=np.ones(4))
    with pytest.raises(ValueError, match="multiple elements"):
        T.gaussian_kde(np.array([1.0]))


def test_sem_and_kde_second_derivatives_equal_differences_of_the_first():
    x = np.array([1.0, 2.5, 4.0, 0.5])
    h = tg.hessian(lambda v: T.sem(v))(x)
    g = tg.grad(lambda v: T.sem(v))
    for i in range(4):
        np.testing.assert_allclose(h[i], fd(lambda v: float(g(v)[i]), x, eps=1e-5), rtol=1e-5,
                                   atol=1e-8)
    data, w, pts = _kde_case(1)
    kde = T.gaussian_kde(data, weights=w)
    second = tg.grad(tg.grad(lambda p: kde.logpdf(p)[0]))
    first = tg.grad(lambda p: kde.logpdf(p)[0])
    assert second(0.3) == pytest.approx(fd(lambda v: float(first(v)), 0.3, eps=1e-5), rel=1e-5)
