"""``np.quantile`` and ``np.percentile`` at a traced ``q``: NumPy's values, derivative in ``q``.

The derivative in ``q`` is the slope between the two order statistics
interpolated (JAX differentiates its quantile so), checked against central
differences away from the kinks; NumPy's value bit for bit; jit equals eager
and vmap over ``q`` equals the loop. The methods that pick one order
statistic are steps in ``q``: derivative 0. The others NumPy computes with
functions tapegrad cannot record, and they are refused by name.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

CONTINUOUS = ["linear", "hazen", "weibull", "median_unbiased", "normal_unbiased",
              "interpolated_inverted_cdf"]
STEPS = ["lower", "higher", "nearest"]
REFUSED = ["inverted_cdf", "averaged_inverted_cdf", "closest_observation", "midpoint"]
A = np.array([3.0, 1.0, 4.0, 1.5, 9.0, -2.0, 0.25])
QS = [0.07, 0.3, 0.45, 0.61, 0.93]


def central(f, q, h=1e-7):
    return (f(q + h) - f(q - h)) / (2 * h)


@pytest.mark.parametrize("method", CONTINUOUS + STEPS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_quantile_at_a_traced_q_is_numpys_with_its_slope(method, dtype):
    a = A.astype(dtype)
    f = lambda q: np.quantile(a, q, method=method)     # noqa: E731
    g, jg = tg.grad(f), tg.jit(tg.grad(f))
    for q in QS:
        value, slope = tg.value_and_grad(f)(q)
        want = np.quantile(a, q, method=method)
        assert value == want and np.asarray(value).dtype == np.asarray(want).dtype
        fd = central(lambda q: np.quantile(A, q, method=method), q)
        assert slope == pytest.approx(fd, rel=1e-5, abs=1e-6 if method in STEPS else 1e-3)
        assert jg(q) == g(q) and tg.jit(f)(q) == want
        assert tg.jvp(f, (q,), (1.0,))[1] == pytest.approx(float(slope), rel=1e-6)
    qs = np.array(QS)
    # the examples as 0-d arrays: grad takes an np.float64 as a (weak) float, the strict
    # xfail of test_strong_float64, where vmap keeps its float64 (test_trust23)
    for got, want in ((tg.vmap(g)(qs), np.array([g(np.asarray(q)) for q in qs])),
                      (tg.vmap(f)(qs), np.array([f(q) for q in qs]))):   # np.float64 q
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    assert tg.vmap(f)(qs).dtype == np.quantile(a, qs, method=method).dtype


@pytest.mark.parametrize("method", CONTINUOUS)
def test_percentile_and_a_vector_of_q_and_an_axis(method):
    m = np.stack([A, A[::-1] * 2.0])
    f = lambda q: tg.sum(np.percentile(m, q * 100.0, axis=1, method=method))  # noqa: E731
    for q in QS:
        assert f(q) == np.sum(np.percentile(m, q * 100.0, axis=1, method=method))
        assert tg.grad(f)(q) == pytest.approx(central(f, q), rel=1e-4)
    h = lambda qs: tg.sum(np.quantile(m, qs, axis=1, keepdims=True, method=method) ** 2)  # noqa
    qs = np.array([0.2, 0.55, 0.8])
    want = np.quantile(m, qs, axis=1, keepdims=True, method=method)
    np.testing.assert_array_equal(tg.jvp(lambda qs: np.quantile(
        m, qs, axis=1, keepdims=True, method=method), (qs,), (np.ones(3),))[0], want)
    g = tg.grad(h)(qs)
    fd = np.array([central(lambda t: h(qs + t * e), 0.0) for e in np.eye(3)])
    np.testing.assert_allclose(g, fd, rtol=1e-4)
    np.testing.assert_array_equal(tg.jit(tg.grad(h))(qs), g)


def test_both_a_and_q_traced():
    f = lambda a, q: np.quantile(a, q)     # noqa: E731
    ga, gq = tg.grad(f, argnums=(0, 1))(A, 0.3)
    assert gq == pytest.approx(central(lambda q: np.quantile(A, q), 0.3), rel=1e-5)
    np.testing.assert_allclose(ga, [central(lambda t: np.quantile(A + t * e, 0.3), 0.0)
                                    for e in np.eye(len(A))], atol=1e-6)
    assert tg.hessian(lambda q: np.quantile(A, q) ** 2)(0.3) == pytest.approx(
        2 * gq ** 2, rel=1e-6)


def test_a_nan_makes_the_quantile_nan():
    a = np.array([1.0, np.nan, 3.0])
    assert np.isnan(tg.value_and_grad(lambda q: np.quantile(a * q, q))(0.5)[0])
    assert np.isnan(tg.jit(lambda q: np.quantile(a, q))(0.5))


@pytest.mark.parametrize("method", REFUSED)
def test_a_step_method_numpy_computes_by_functions_is_refused_by_name(method):
    with pytest.raises(TypeError, match=rf"method='{method}'.*'linear'"):
        tg.grad(lambda q: np.quantile(A, q, method=method))(0.3)
    assert tg.grad(lambda a: np.quantile(a, 0.3, method=method))(A).shape == A.shape


@pytest.mark.parametrize("method", CONTINUOUS + STEPS)
def test_nanquantile_and_nanpercentile_at_a_traced_q(method):
    a = np.array([3.0, np.nan, 4.0, 1.5, 9.0, -2.0, 0.25])
    m = np.stack([a, a[::-1] * 2.0, np.full(7, np.nan)], 1)
    f = lambda q: np.nanquantile(a, q, method=method)     # noqa: E731
    for q in [0.137, 0.437, 0.817]:        # no virtual index an integer (a kink)
        v, g = tg.value_and_grad(f)(q)
        assert v == np.nanquantile(a, q, method=method)
        fd = central(lambda q: np.nanquantile(a, q, method=method), q)
        assert g == pytest.approx(fd, rel=1e-5, abs=1e-6 if method in STEPS else 1e-3)
        assert tg.jit(tg.grad(f))(q) == g
    qs = np.array([0.2, 0.6])
    p = lambda qs: np.nanpercentile(m, qs * 100.0, axis=0, keepdims=True,   # noqa: E731
                                    method=method)
    with np.errstate(all="ignore"):
        want = np.nanpercentile(m, qs * 100.0, axis=0, keepdims=True, method=method)
        for got in (tg.jvp(p, (qs,), (np.ones(2),))[0], tg.jit(p)(qs)):
            np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(tg.vmap(p)(np.stack([qs, qs[::-1]])), np.stack(
            [want, np.nanpercentile(m, qs[::-1] * 100.0, axis=0, keepdims=True,
                                    method=method)]))
