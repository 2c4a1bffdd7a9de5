"""Cases after JAX's scipy_stats_test.py ``testPoissonCdf``: a scalar count, an array of means.

``poisson.cdf(k, mu)`` broadcasts ``k`` against ``mu`` as SciPy does,
whichever of them is the array (a scalar ``k`` with three means raised a
broadcasting error); ``jit`` and ``vmap`` equal eager bit for bit, and the
derivative in ``mu`` is ``-pmf(floor(k), mu)`` (``d/dmu P(K <= k)``).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

import tapegrad as tg
from tapegrad.scipy.stats import bernoulli, beta, binom, gamma, geom, poisson
from tests.conftest import fd

MU = np.array([0.5, 2.5, 3.0])


@pytest.mark.parametrize("k", [3, 2.5, np.array([[1], [4]]), np.array([0, 2, 7])])
def test_poisson_cdf_broadcasts_the_count_against_the_means(k):
    got = poisson.cdf(k, MU)
    want = scipy.stats.poisson.cdf(k, MU)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-13)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_poisson_cdf_of_a_count_under_jit_and_vmap_is_eager(dtype):
    mu = MU.astype(dtype)
    f = lambda m: poisson.cdf(3, m)       # noqa: E731
    want = f(mu)
    got = tg.jit(f)(mu)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    batch = np.stack([mu, mu * 2, mu[::-1]])
    np.testing.assert_array_equal(tg.vmap(f)(batch), np.stack([f(m) for m in batch]))


def test_poisson_cdf_derivative_in_the_mean_is_minus_the_mass():
    loss = lambda m: np.sum(np.sin(poisson.cdf(3, m)))     # noqa: E731
    g = tg.grad(loss)(MU)
    np.testing.assert_allclose(g, fd(loss, MU), rtol=1e-7)
    closed = np.cos(scipy.stats.poisson.cdf(3, MU)) * -scipy.stats.poisson.pmf(3, MU)
    np.testing.assert_allclose(g, closed, rtol=1e-12)
    _, t = tg.jvp(loss, (MU,), (np.ones(3),))
    assert t == pytest.approx(np.sum(g), rel=1e-12)


@pytest.mark.xfail(strict=True, reason=(
    "forward mode has no counterpart of reverse mode's 'a zero cotangent contributes exactly "
    "zero': pdf = exp(logpdf) at the support's edge multiplies exp's zero by log's infinite "
    "tangent, so jvp gives nan where grad gives the true 0 (the same for "
    "np.exp(2.5 * np.log(x)) at 0)"))
@pytest.mark.parametrize("pdf", [lambda x: beta.pdf(x, 2.5, 1.7), lambda x: gamma.pdf(x, 2.5)],
                         ids=["beta", "gamma"])
def test_jvp_of_a_density_at_its_support_edge_is_the_gradient(pdf):
    g = tg.grad(pdf)(0.0)
    assert g == 0.0                       # x**1.5 near 0: the density's slope there is 0
    _, t = tg.jvp(pdf, (0.0,), (1.0,))
    assert t == g


ENTROPIES = {"bernoulli": (lambda p: bernoulli.entropy(p), scipy.stats.bernoulli.entropy),
             "geom": (lambda p: geom.entropy(p), scipy.stats.geom.entropy),
             "binom": (lambda p: binom.entropy(5, p), lambda p: scipy.stats.binom.entropy(5, p))}
P = np.array([0.2, 0.5, 0.7])


@pytest.mark.parametrize("name", list(ENTROPIES))
def test_discrete_entropies_are_scipys_with_its_edges(name):
    """SciPy's entropy methods JAX lacks: values on (0, 1), its ends and outside."""
    ours, theirs = ENTROPIES[name]
    p = np.array([0.3, 1.0, 0.0, 1.2, -0.1, np.nan, 0.7])
    np.testing.assert_allclose(ours(p), theirs(p), rtol=1e-12, equal_nan=True)
    if name == "binom":
        n = np.array([[5], [0], [2.5], [-1]])
        np.testing.assert_allclose(binom.entropy(n, P), scipy.stats.binom.entropy(n, P),
                                   rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(ENTROPIES))
def test_discrete_entropies_under_jit_and_vmap_are_eager(name, dtype):
    f = ENTROPIES[name][0]
    p = P.astype(dtype)
    want = f(p)
    got = tg.jit(f)(p)
    assert got.dtype == want.dtype == dtype
    np.testing.assert_array_equal(got, want)
    batch = np.stack([p, p[::-1], p * dtype(0.5)])
    np.testing.assert_array_equal(tg.vmap(f)(batch), np.stack([f(q) for q in batch]))


@pytest.mark.parametrize("name", list(ENTROPIES))
def test_discrete_entropy_derivatives_are_differences(name):
    f = ENTROPIES[name][0]
    loss = lambda p: np.sum(np.sin(f(p)))        # noqa: E731
    g = tg.grad(loss)(P)
    np.testing.assert_allclose(g, fd(loss, P), rtol=1e-6, atol=1e-9)
    _, t = tg.jvp(loss, (P,), (np.ones(3),))
    assert t == pytest.approx(np.sum(g), rel=1e-10)
    if name == "bernoulli":                      # d/dp H = log((1 - p) / p)
        np.testing.assert_allclose(tg.grad(lambda p: np.sum(f(p)))(P), np.log((1 - P) / P),
                                   rtol=1e-12)
    h = tg.hessian(lambda p: np.sum(f(p)))(P)
    gp = tg.grad(lambda p: np.sum(f(p)))
    num = np.stack([fd(lambda q, i=i: gp(q)[i], P) for i in range(3)])
    np.testing.assert_allclose(h, num, rtol=1e-5, atol=1e-8)
