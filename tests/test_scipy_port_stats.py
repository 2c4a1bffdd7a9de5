"""tapegrad.scipy.stats against SciPy, in the families of JAX's ``scipy_stats_test.py``.

Each distribution's functions over SciPy's keyword arguments (``loc``,
``scale``, ``df``, ``a``/``b``), broadcast shapes, the edges of the support
and of the parameters (a zero, an infinite or a huge one), ``logpdf``
against the log of ``pdf`` in the tails, and ``jit``/``vmap`` of values and
gradients with the parameters traced.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.scipy import stats as T

ss = pytest.importorskip("scipy.stats")
rng = np.random.default_rng(11)
FUNS = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]
XS = np.array([-np.inf, -1e300, -40.0, -10.0, -1.0, 0.0, 1e-300, 0.3, 1.0, 2.0, 10.0, 40.0,
               1e300, np.inf, np.nan])


def _same(got, want, rtol, atol=0.0):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (got, want)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


def _central(f, x, eps=1e-6):
    return (float(f(x + eps)) - float(f(x - eps))) / (2 * eps)


# ------------------------------------------------------------ Student's t
@pytest.mark.parametrize("fun", FUNS)
@pytest.mark.parametrize("df", [0.0, -1.0, 0.5, 3.0, 30.0, 1e6, np.inf])
def test_t_over_the_line_equals_scipys(fun, df):
    # df = 0 as a float was a ZeroDivisionError; df = inf nan (SciPy: the normal);
    # |x| = 1e300 made t^2 overflow to a nan CDF
    for loc, scale in [(0.0, 1.0), (1.0, 2.0)]:
        _same(getattr(T.t, fun)(XS, df, loc, scale), getattr(ss.t, fun)(XS, df, loc, scale),
              1e-11)
        for x in [-1e300, 0.0, 1.0, 1e300]:           # plain Python floats
            _same(getattr(T.t, fun)(x, df, loc, scale), getattr(ss.t, fun)(x, df, loc, scale),
                  1e-11)


def test_t_logpdf_keeps_its_relative_accuracy_for_many_degrees_of_freedom():
    # lgamma((df+1)/2) - lgamma(df/2) lost 4e-10 relative at df = 1e6 when subtracted
    # (SciPy's own is 4e-13 off at df = 1e3, so the reference is mpmath's)
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 50
    for df in [20.0, 39.9, 40.0, 41.0, 1e3, 1e6, 1e10, 1e15]:
        for x in [0.0, 1.0, 3.0, 10.0]:
            d, z = mp.mpf(df), mp.mpf(x)
            want = (mp.loggamma((d + 1) / 2) - mp.loggamma(d / 2) - mp.log(d * mp.pi) / 2
                    - (d + 1) / 2 * mp.log1p(z * z / d))
            assert T.t.logpdf(x, df) == pytest.approx(float(want), rel=1e-14)


def test_t_derivatives_in_df_on_both_sides_of_the_series_switch():
    for df in [3.0, 39.0, 41.0, 1e4]:
        f = lambda d: T.t.logpdf(1.3, d, 0.2, 1.5)
        assert tg.grad(f)(df) == pytest.approx(_central(f, df, 1e-6 * df), rel=1e-6)
        assert tg.grad(tg.grad(f))(df) == pytest.approx(_central(tg.grad(f), df, 1e-4 * df),
                                                        rel=1e-5)


def test_t_with_an_infinite_df_is_the_normal_with_its_derivatives():
    x = rng.normal(size=5)
    _same(T.t.logpdf(x, np.inf, 0.5, 2.0), ss.norm.logpdf(x, 0.5, 2.0), 1e-15)
    np.testing.assert_allclose(tg.grad(lambda x: tg.sum(T.t.logpdf(x, np.inf)))(x), -x,
                               rtol=1e-15)
    assert tg.grad(T.t.logpdf, argnums=1)(1.0, np.inf) == 0.0
    df = np.array([np.inf, 3.0, np.inf])
    _same(tg.jit(T.t.logpdf)(x[:3], df), T.t.logpdf(x[:3], df), 0.0)
    _same(tg.vmap(T.t.logpdf)(x[:3], df), [T.t.logpdf(a, d) for a, d in zip(x[:3], df)], 0.0)


# ------------------------------------------------------------------ Poisson
KS = np.array([-1.0, 0.0, 1.0, 2.5, 3.0, 50.0, 1000.0, np.inf, np.nan])


@pytest.mark.parametrize("mu", [0.0, 1e-300, 0.5, 3.0, 100.0, -1.0, np.inf])
def test_poisson_at_the_edges_equals_scipys(mu):
    # a nan k gave -inf (logpmf) and 0 (pmf, cdf); cdf(inf) gave 0, cdf(k, inf) nan,
    # cdf(-1, mu < 0) 0
    for fun in ["logpmf", "pmf", "cdf"]:
        _same(getattr(T.poisson, fun)(KS, mu), getattr(ss.poisson, fun)(KS, mu), 1e-11)
        for k in KS:
            _same(getattr(T.poisson, fun)(float(k), mu), getattr(ss.poisson, fun)(k, mu), 1e-11)


def test_poisson_cdf_under_jit_vmap_and_grad_in_mu():
    k = np.array([0.0, 1.0, 3.0, np.inf])
    mu = np.array([0.5, 2.0, np.inf])
    f = lambda m: T.poisson.cdf(k, m)
    for m in mu:
        _same(tg.jit(f)(m), f(m), 0.0)
    _same(tg.vmap(f)(mu), np.stack([f(m) for m in mu]), 0.0)
    g = tg.grad(lambda m: tg.sum(f(m)))
    assert g(2.0) == pytest.approx(_central(lambda m: np.sum(f(m)), 2.0), rel=1e-7)
    assert g(np.inf) == 0.0


# ------------------------------------------------ every distribution, with keywords
def _dists():
    yield "norm", {}, ss.norm
    for df in [0.7, 4.0, 300.0]:
        yield "t", {"df": df}, ss.t
    for a in [0.5, 2.5]:
        yield "gamma", {"a": a}, ss.gamma
    for a, b in [(0.5, 0.5), (2.5, 1.5)]:
        yield "beta", {"a": a, "b": b}, ss.beta


@pytest.mark.parametrize("name,kw,theirs", list(_dists()))
def test_keywords_broadcast_and_logpdf_is_the_log_of_pdf_in_the_tails(name, kw, theirs):
    ours = getattr(T, name)
    x = rng.uniform(-3, 3, size=(2, 3)) if name in ("norm", "t") else rng.uniform(0, 1, (2, 3))
    loc, scale = np.array([0.0, -0.5, 0.2]), np.array([[1.0], [2.5]])
    for fun in FUNS:
        _same(getattr(ours, fun)(x, **kw, loc=loc, scale=scale),
              getattr(theirs, fun)(x, **kw, loc=loc, scale=scale), 1e-11)
    tail = np.array([1e-3, 0.999]) if name == "beta" else np.array([25.0, 35.0])
    for z in [tail, -tail] if name in ("norm", "t") else [tail]:
        lp = ours.logpdf(z, **kw)
        np.testing.assert_allclose(lp, np.log(ss.__dict__[name].pdf(z, **kw)), rtol=1e-12)
        np.testing.assert_allclose(ours.logpdf(z, **kw), theirs.logpdf(z, **kw), rtol=1e-12)


@pytest.mark.parametrize("name,kw,theirs", list(_dists()))
def test_gradients_in_x_loc_and_scale_under_jit_and_vmap(name, kw, theirs):
    ours = getattr(T, name)
    x0 = 0.8 if name in ("norm", "t") else 0.4
    for fun in FUNS:
        f = lambda x, loc, scale, fun=fun: getattr(ours, fun)(x, **kw, loc=loc, scale=scale)
        args = (x0, 0.1, 1.3)
        for i in range(3):
            g = tg.grad(f, argnums=i)
            want = _central(lambda v: f(*(v if k == i else a for k, a in enumerate(args))),
                            args[i])
            assert g(*args) == pytest.approx(want, rel=1e-6, abs=1e-9)
            assert tg.jit(g)(*args) == g(*args)
        xs = np.array([x0, x0 / 2, x0 / 4])
        gx = tg.grad(f)
        np.testing.assert_allclose(tg.vmap(gx, (0, None, None))(xs, 0.1, 1.3),
                                   [gx(v, 0.1, 1.3) for v in xs], rtol=1e-15)


@pytest.mark.parametrize("name,kw,theirs", list(_dists()))
def test_float32_stays_float32_and_integers_give_float64(name, kw, theirs):
    ours = getattr(T, name)
    x = np.array([0.25, 0.5], dtype=np.float32)
    for fun in FUNS:
        assert np.asarray(getattr(ours, fun)(x, **kw)).dtype == np.float32
        got = getattr(ours, fun)(np.array([0, 1]), **kw)
        _same(got, getattr(theirs, fun)(np.array([0, 1]), **kw), 1e-12)


def test_invalid_parameters_give_nan_not_an_exception():
    for fun in FUNS:
        assert math.isnan(getattr(T.t, fun)(1.0, 0.0))
        assert math.isnan(getattr(T.t, fun)(1.0, 3.0, 0.0, 0.0))
        assert math.isnan(getattr(T.gamma, fun)(1.0, 0.0))


# ------------------------------------------- derivatives at the edge of the support
@pytest.mark.parametrize("f,x,want", [
    (lambda x: T.gamma.logpdf(x, 1.0), 0.0, -1.0),            # the exponential at 0
    (lambda x: T.gamma.logpdf(x, 1.0, 0.0, 2.0), 0.0, -0.5),
    (lambda x: T.beta.logpdf(x, 1.0, 2.0), 0.0, -1.0),         # log(2 (1 - x))
    (lambda x: T.beta.logpdf(x, 2.0, 1.0), 1.0, 1.0),          # log(2 x)
    (lambda mu: T.poisson.logpmf(0.0, mu), 0.0, -1.0),         # -mu
])
def test_log_densities_have_their_one_sided_derivative_where_a_shape_is_one(f, x, want):
    # xlogy(0, y) = 0 for every y: its partial in y at (0, 0) is 0, not 0/0 = nan (JAX's)
    assert tg.grad(f)(x) == want
    assert tg.jvp(f, (x,), (1.0,))[1] == want
    assert tg.grad(tg.grad(f))(x) == pytest.approx(
        (float(tg.grad(f)(x + 1e-4)) - float(tg.grad(f)(x))) / 1e-4 if x == 0.0 else
        (float(tg.grad(f)(x)) - float(tg.grad(f)(x - 1e-4))) / 1e-4, abs=1e-3)
    assert tg.jit(tg.grad(f))(x) == want
