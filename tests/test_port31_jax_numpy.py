"""Cases after JAX's lax_numpy_test.py (testPolyval, testInner, testCov) with NumPy's dtypes.

Where JAX keeps a Python scalar weak, NumPy's ``polyval``, ``inner`` and
``dot`` first make it a 0-d array (a strong float64), so float32 data meets
float64 there: tapegrad follows NumPy under ``jit`` and ``vmap`` as in eager.
``cov`` takes ``aweights`` as any array-like, a list included.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tests.conftest import fd


def same(got, want):
    assert type(got) is type(want)
    assert np.asarray(got).dtype == np.asarray(want).dtype
    np.testing.assert_array_equal(got, want)


P32 = np.array([1.5, -2.0, 3.0], np.float32)


@pytest.mark.parametrize("p", [P32, P32.astype(np.float16), [np.float32(1.5), np.float32(-2.0)]],
                         ids=["float32", "float16", "list"])
@pytest.mark.parametrize("x", [2.0, 2, np.float64(0.5), np.array([1.0, -2.0])],
                         ids=["float", "int", "f64", "array"])
def test_polyval_of_low_precision_coefficients_at_a_python_number_is_float64(p, x):
    want = np.polyval(p, x)
    if isinstance(p, list):      # np.polyval of a list of traced numbers: tg.polyval
        same(tg.jit(lambda c: tg.polyval(c, x))(p), want)
        same(tg.polyval(p, x), want)
    else:
        same(tg.jit(lambda c: np.polyval(c, x))(p), want)
        same(tg.jit(lambda c, t: np.polyval(c, t))(p, x), want)
        batch = np.stack([p, p[::-1]])
        out = tg.vmap(lambda c: np.polyval(c, x))(batch)
        same(out, np.stack([np.polyval(c, x) for c in batch]))


def test_polyval_derivatives_in_the_coefficients_and_the_point():
    p = P32.astype(np.float64)
    f = lambda c, t: np.polyval(c, t) ** 2         # noqa: E731
    g = tg.grad(f)(p, 0.7)
    np.testing.assert_allclose(g, fd(lambda c: f(c, 0.7), p), rtol=1e-7)
    assert tg.grad(f, 1)(p, 0.7) == pytest.approx(fd(lambda t: f(p, t), 0.7), rel=1e-7)
    g32 = tg.grad(lambda c: np.polyval(c, 2.0))(P32)
    assert g32.dtype == np.float32                  # a gradient has its argument's dtype
    np.testing.assert_array_equal(g32, np.array([4.0, 2.0, 1.0], np.float32))
    _, t = tg.jvp(lambda t: f(p, t), (0.7,), (1.0,))
    assert t == pytest.approx(tg.grad(f, 1)(p, 0.7), rel=1e-12)


@pytest.mark.parametrize("fun", [np.inner, np.dot], ids=["inner", "dot"])
@pytest.mark.parametrize("s", [2.5, 3, np.float64(2.5)], ids=["float", "int", "f64"])
def test_inner_and_dot_by_a_python_number_promote_float32_as_numpy(fun, s):
    x = np.arange(12.0, dtype=np.float32).reshape(3, 4) / 7
    want = fun(x, s)
    assert want.dtype == np.float64
    same(tg.jit(lambda t: fun(t, s))(x), want)
    same(tg.jit(lambda t: fun(s, t))(x), fun(s, x))
    same(tg.jit(lambda t, u: fun(t, u))(x, s), want)    # the number traced too
    same(tg.vmap(lambda t: fun(t, s))(x), np.stack([fun(r, s) for r in x]))
    g = tg.grad(lambda t: np.sum(fun(t, s)))(x)
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, np.full((3, 4), s, np.float32))


def test_inner_by_a_traced_number_has_both_derivatives():
    v = np.array([0.5, -1.0, 2.0])
    f = lambda a, s: np.sum(np.sin(np.inner(a, s)))    # noqa: E731
    np.testing.assert_allclose(tg.grad(f)(v, 1.3), fd(lambda a: f(a, 1.3), v), rtol=1e-7)
    assert tg.grad(f, 1)(v, 1.3) == pytest.approx(fd(lambda s: f(v, s), 1.3), rel=1e-7)
    _, t = tg.jvp(lambda s: f(v, s), (1.3,), (1.0,))
    assert t == pytest.approx(tg.grad(f, 1)(v, 1.3), rel=1e-12)
    h = tg.hessian(lambda s: f(v, s))(1.3)
    assert h == pytest.approx(fd(tg.grad(lambda s: f(v, s)), 1.3), rel=1e-6)


@pytest.mark.parametrize("aweights", [[1.0, 2.0, 1.0, 0.5], (1, 2, 3, 4), np.array([1, 2, 3, 4]),
                                      np.array([1.0, 2.0, 3.0, 4.0], np.float32)],
                         ids=["list", "tuple", "int", "float32"])
@pytest.mark.parametrize("fweights", [None, [1, 2, 1, 3]], ids=["", "fweights"])
def test_cov_takes_analytic_weights_as_any_array_like(aweights, fweights):
    x = np.random.default_rng(3).normal(size=(3, 4)).astype(np.float32)
    want = np.cov(x, aweights=aweights, fweights=fweights)
    same(tg.jit(lambda t: np.cov(t, aweights=aweights, fweights=fweights))(x), want)
    batch = np.stack([x, 2 * x[::-1]])
    out = tg.vmap(lambda t: np.cov(t, aweights=aweights, fweights=fweights))(batch)
    same(out, np.stack([np.cov(t, aweights=aweights, fweights=fweights) for t in batch]))
    x64 = x.astype(np.float64)
    weigh = np.arange(9.0).reshape(3, 3)
    f = lambda t: np.sum(np.cov(t, aweights=aweights, fweights=fweights) * weigh)  # noqa: E731
    np.testing.assert_allclose(tg.grad(f)(x64), fd(f, x64), rtol=1e-6, atol=1e-8)


QUANTILES = [(np.quantile, 1 / 3), (np.nanquantile, 0.7), (np.percentile, 100 / 3),
             (np.nanpercentile, 45.0)]


@pytest.mark.parametrize("fun,q", QUANTILES, ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("kw", [{}, {"axis": 0}, {"axis": 1, "keepdims": True},
                                {"axis": 1, "method": "median_unbiased"}],
                         ids=["flat", "axis0", "keepdims", "median_unbiased"])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_quantile_at_a_traced_python_number_rounds_as_numpy_in_the_datas_dtype(fun, q, kw, dtype):
    x = np.random.default_rng(5).normal(size=(3, 5)).astype(dtype)
    x[1, 2] = np.nan if fun.__name__.startswith("nan") else x[1, 2]
    want = fun(x, q, **kw)
    assert want.dtype == dtype                 # a Python q is weak: NumPy keeps the data's dtype
    for got in (tg.jit(lambda t, p: fun(t, p, **kw))(x, q),
                tg.jit(lambda p: fun(x, p, **kw))(q)):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("fun,q", QUANTILES, ids=lambda v: getattr(v, "__name__", ""))
def test_quantile_derivative_in_a_python_number_q_is_the_slope_between_order_statistics(fun, q):
    x = np.array([[0.3, -1.2, 2.5, 0.9, 1.7], [1.1, 0.2, -0.4, 3.0, 0.6]])
    f = lambda p: np.sum(fun(x, p, axis=1) ** 2)      # noqa: E731
    assert tg.grad(f)(q) == pytest.approx(fd(f, q), rel=1e-6)
    _, t = tg.jvp(f, (q,), (1.0,))
    assert t == pytest.approx(tg.grad(f)(q), rel=1e-12)
    batch = np.array([q, q / 2])
    np.testing.assert_array_equal(tg.vmap(tg.grad(f))(batch), [tg.grad(f)(v) for v in batch])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("fun,q", [(np.nanquantile, 0.3), (np.nanpercentile, 30)],
                         ids=["nanquantile", "nanpercentile"])
@pytest.mark.parametrize("shape,kw", [((0,), {}), ((0, 4), {"axis": 0}),
                                      ((3, 0), {"axis": -1, "keepdims": True})])
def test_nanquantile_of_empty_integer_data_is_numpys_nan(fun, q, shape, kw):
    x = np.zeros(shape, np.int8)
    want = fun(x, q, **kw)
    got = tg.jit(lambda t: fun(t, q, **kw))(x)
    assert type(got) is type(want) and np.asarray(got).dtype == np.asarray(want).dtype
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("fun", [np.mean, np.average], ids=["mean", "average"])
@pytest.mark.parametrize("kw", [{"axis": 0}, {"axis": 1, "keepdims": True}, {"axis": (0, 1)},
                                {"keepdims": True}], ids=["axis0", "keepdims", "both", "all"])
def test_mean_of_float16_sums_in_float32_as_numpy(fun, kw):
    if fun is np.average and "keepdims" in kw and "axis" not in kw:
        kw = {"axis": None, "keepdims": True}
    x = (np.random.default_rng(9).normal(size=(5, 6)) * 30).astype(np.float16)
    want = fun(x, **kw)
    assert want.dtype == np.float16
    for got in (tg.jit(lambda t: fun(t, **kw))(x), tg.make_tape(lambda t: fun(t, **kw))(x)(x)):
        assert got.dtype == np.float16
        np.testing.assert_array_equal(got, want)
    out = tg.vmap(lambda t: fun(t, **kw))(np.stack([x, x[::-1]]))
    np.testing.assert_array_equal(out, np.stack([fun(x, **kw), fun(x[::-1], **kw)]))
    g = tg.grad(lambda t: np.sum(fun(t, **kw)))(x)
    assert g.dtype == np.float16
    n = x.size // np.asarray(want).size
    np.testing.assert_array_equal(g, np.full(x.shape, 1 / n, np.float16))


def test_mean_of_float16_where_masked_sums_in_float32_as_numpy():
    x = (np.random.default_rng(10).normal(size=(4, 7)) * 30).astype(np.float16)
    mask = np.random.default_rng(11).random((4, 7)) > 0.3
    want = np.mean(x, axis=1, where=mask)
    got = tg.jit(lambda t: np.mean(t, axis=1, where=mask))(x)
    assert got.dtype == want.dtype == np.float16
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("fun", [lambda t: np.mean(t, axis=0, dtype=np.float16),
                                 lambda t: t.mean(1, np.float16),
                                 lambda t: np.std(t, axis=0), lambda t: np.var(t, axis=1, ddof=1),
                                 lambda t: np.nanmean(t, axis=0)],
                         ids=["dtype_float16", "method_dtype", "std", "var", "nanmean"])
def test_float16_reductions_numpy_computes_in_float16_stay_there(fun):
    x = (np.random.default_rng(12).normal(size=(5, 6)) * 30).astype(np.float16)
    want = fun(x)
    got = tg.jit(fun)(x)
    assert got.dtype == want.dtype == np.float16
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(tg.vmap(fun)(np.stack([x, -x])), np.stack([want, fun(-x)]))
