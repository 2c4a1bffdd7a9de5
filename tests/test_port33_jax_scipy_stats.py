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
from tapegrad.scipy.stats import beta, gamma, poisson
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
