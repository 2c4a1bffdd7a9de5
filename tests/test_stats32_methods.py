"""Methods added to the distributions tapegrad.scipy.stats already had.

entropy (norm, cauchy, logistic, expon, laplace, uniform, lognorm, gamma,
chi2, beta, t across SciPy's switch to its series at df = 100, dirichlet),
isf (expon, laplace, uniform) and poisson's sf, logsf and logcdf: SciPy's
values (invalid parameters nan), gradients in every continuous argument
against central differences, jit bit for bit, vmap of grad against the loop.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg
from tapegrad.scipy import stats as T

ss = pytest.importorskip("scipy.stats")

ENTROPY = {"norm": [()], "cauchy": [()], "logistic": [()], "expon": [()], "laplace": [()],
           "uniform": [()], "lognorm": [(0.7,), (-1.0,)],
           "gamma": [(2.5,), (0.3,), (300.0,), (0.0,)], "chi2": [(3.0,), (400.0,)],
           "beta": [(2.0, 3.0), (0.5, 0.7), (-1.0, 2.0)],
           "t": [(0.5,), (3.0,), (99.5,), (100.0,), (1e4,), (np.inf,), (-1.0,)]}


def _scipy(fun, *args):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fun(*args)


@pytest.mark.parametrize("name", sorted(ENTROPY))
def test_entropy_equals_scipys_with_loc_scale_and_invalid_parameters(name):
    for shapes in ENTROPY[name]:
        for loc, scale in [(0.0, 1.0), (1.0, 2.5), (0.0, -1.0)]:
            got = getattr(T, name).entropy(*shapes, loc, scale)
            want = _scipy(getattr(ss, name).entropy, *shapes, loc, scale)
            np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15, equal_nan=True,
                                       err_msg=f"{name}{shapes} {loc} {scale}")


@pytest.mark.parametrize("name", sorted(ENTROPY))
def test_entropy_gradients_equal_central_differences_under_jit_and_vmap(name):
    shapes = ENTROPY[name][0]
    f = getattr(T, name).entropy
    args = shapes + (0.3, 1.7)
    for i in range(len(args)):
        g = tg.grad(f, argnums=i)
        want = fd(lambda v: float(f(*(v if k == i else a for k, a in enumerate(args)))),
                  args[i])
        assert g(*args) == pytest.approx(want, rel=1e-7, abs=1e-10), i
        assert tg.jit(g)(*args) == g(*args)
    scales = np.array([0.5, 1.0, 2.0])
    loop = np.array([tg.grad(f, argnums=len(args) - 1)(*shapes, 0.3, s) for s in scales])
    batched = tg.vmap(tg.grad(f, argnums=len(args) - 1),
                      in_axes=(None,) * (len(shapes) + 1) + (0,))(*shapes, 0.3, scales)
    np.testing.assert_allclose(batched, loop, rtol=1e-15)
    np.testing.assert_allclose(batched, 1.0 / scales, rtol=1e-14)     # d/dscale log(scale)


def test_t_entropy_is_smooth_across_scipys_switch_at_df_100_and_differentiable():
    g = tg.grad(T.t.entropy)
    assert g(100.0 - 1e-9) == pytest.approx(g(100.0), rel=1e-7)
    for df in (3.0, 99.0, 101.0):       # SciPy's value is ~1e-14 noisy: a wide difference
        assert g(df) == pytest.approx(fd(lambda v: float(ss.t.entropy(v)), df, eps=1e-3),
                                      rel=1e-6)


def test_dirichlet_entropy_equals_scipys_and_its_gradient_central_differences():
    for alpha in (np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.7]), np.array([30.0, 2.0, 0.1])):
        assert T.dirichlet.entropy(alpha) == pytest.approx(ss.dirichlet.entropy(alpha),
                                                           rel=1e-13, abs=1e-14)
        np.testing.assert_allclose(tg.grad(T.dirichlet.entropy)(alpha),
                                   fd(lambda a: float(ss.dirichlet.entropy(a)), alpha),
                                   rtol=1e-6)
    assert np.isnan(T.dirichlet.entropy(np.array([1.0, -1.0])))


QS = np.array([-0.1, 0.0, 1e-300, 1e-10, 0.3, 0.5, 0.7, 1.0 - 1e-16, 1.0, 1.1, np.nan])


@pytest.mark.parametrize("name", ["expon", "laplace", "uniform"])
def test_isf_equals_scipys_and_inverts_sf(name):
    m = getattr(T, name)
    for loc, scale in [(0.0, 1.0), (1.0, 2.5), (0.0, -1.0)]:
        got, want = m.isf(QS, loc, scale), _scipy(getattr(ss, name).isf, QS, loc, scale)
        np.testing.assert_allclose(got, want, rtol=1e-13, equal_nan=True)
    q = np.array([0.1, 0.3, 0.6, 0.9])
    np.testing.assert_allclose(m.sf(m.isf(q, 0.2, 1.3), 0.2, 1.3), q, rtol=1e-14)
    args = (0.3, 0.2, 1.3)
    for i in range(3):
        g = tg.grad(m.isf, argnums=i)
        want = fd(lambda v: float(m.isf(*(v if k == i else a for k, a in enumerate(args)))),
                  args[i])
        assert g(*args) == pytest.approx(want, rel=1e-7, abs=1e-10), i
        assert tg.jit(g)(*args) == g(*args)
    assert np.array_equal(tg.vmap(tg.grad(m.isf))(q), np.array([tg.grad(m.isf)(v) for v in q]))


KS = np.array([-np.inf, -1.0, 0.0, 0.5, 1.0, 3.0, 10.0, 60.0, np.inf, np.nan])


@pytest.mark.parametrize("fun", ["sf", "logsf", "logcdf"])
def test_poisson_tails_equal_scipys_and_are_differentiable_in_mu(fun):
    f = getattr(T.poisson, fun)
    for mu in (0.0, 0.5, 3.0, 40.0):
        for loc in (0, 1):
            np.testing.assert_allclose(f(KS, mu, loc), _scipy(getattr(ss.poisson, fun), KS, mu,
                                                               loc),
                                       rtol=1e-12, atol=0, equal_nan=True)
    assert np.isnan(f(2.0, -1.0))
    for k in (0.0, 2.0, 7.0):
        g = tg.grad(f, argnums=1)
        assert g(k, 3.0) == pytest.approx(fd(lambda v: float(f(k, v)), 3.0), rel=1e-6)
        h = tg.grad(g, argnums=1)(k, 3.0)
        assert h == pytest.approx(fd(lambda v: float(g(k, v)), 3.0, eps=1e-5), rel=1e-5, abs=1e-8)
        assert tg.jit(g)(k, 3.0) == g(k, 3.0)
    ks = np.array([0.0, 1.0, 2.0, 5.0])
    assert np.array_equal(tg.jit(f)(ks, 3.0), f(ks, 3.0))
    assert np.array_equal(tg.vmap(f, in_axes=(0, None))(ks, 3.0), f(ks, 3.0))


def test_poisson_entropy_equals_scipys_where_scipys_sum_is_accurate_and_a_long_sum_above():
    mus = np.array([0.0, 1e-3, 0.1, 1.0, 10.0, 100.0])
    np.testing.assert_allclose(T.poisson.entropy(mus), ss.poisson.entropy(mus), rtol=1e-13,
                               atol=1e-16)
    k = np.arange(0.0, 6000.0)
    for mu in (500.0, 999.5, 1000.0, 3000.0):     # the window's sum, then the series
        log_p = ss.poisson.logpmf(k, mu)
        assert T.poisson.entropy(mu) == pytest.approx(-np.sum(np.exp(log_p) * log_p), rel=1e-12)
    assert np.isnan(T.poisson.entropy(-1.0))
    g = tg.grad(T.poisson.entropy)
    for mu in (0.5, 3.0, 40.0, 2000.0):
        assert g(mu) == pytest.approx(fd(lambda v: float(T.poisson.entropy(v)), mu, eps=1e-4),
                                      rel=1e-6)
        assert tg.jit(g)(mu) == g(mu)
    assert g(1000.0 - 1e-9) == pytest.approx(g(1000.0), rel=1e-9)
    mus = np.array([0.5, 3.0, 2000.0])
    assert np.array_equal(tg.vmap(T.poisson.entropy)(mus), T.poisson.entropy(mus))
