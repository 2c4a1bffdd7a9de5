"""NumPy's ``histogram2d`` on traced samples and weights, after NumPy's ``test_twodim_base.py``.

``np.histogram2d`` of traced values was refused ("Use np.histogram"). It
runs now: float64 counts (or weights' sums) per pair of bins, the edges as
NumPy's ``histogramdd`` makes them (the data's extremes, or ``range`` in
float64), a sample on the last edge in the last bin, one outside in none.
Values equal NumPy's bit for bit under jit and vmap, for float64, float32
and int64 samples; sums of weights, densities and edges are differentiable
(against central differences).
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tests.conftest import fd

RNG = np.random.default_rng(32)
X, Y, W = RNG.standard_normal(40) * 3, RNG.standard_normal(40) * 3, RNG.random(40)
X[3], Y[5] = X.max(), Y.min()         # samples on the last and first edges
ARGS = {
    "count": {"bins": 3},
    "two_counts": {"bins": [2, 4]},
    "range": {"bins": 4, "range": [[-1, 1], [-2, 0.5]]},
    "density": {"bins": 3, "density": True},
    "range_density": {"bins": 4, "range": [[-1, 1], [-2, 0.5]], "density": True},
    "weights": {"bins": 3, "weights": W},
    "edges_and_count": {"bins": [np.array([-2.0, 0.0, 1.0, 3.0]), 3]},
    "weights_density": {"bins": 2, "weights": W, "density": True},
}


def same(got, want) -> None:
    for g, w in zip(got, want, strict=True):
        assert (g.dtype, g.shape) == (w.dtype, w.shape)
        assert np.array_equal(g, w), (g, w)


def test_numpys_normed_histogram():
    x = np.array([1, 2, 3, 1, 2, 3, 1, 2, 3])
    y = np.array([1, 1, 1, 2, 2, 2, 3, 3, 3])
    edges = [[1, 2, 3, 5], [1, 2, 3, 5]]
    h = tg.jit(lambda a, b: np.histogram2d(a, b, edges, density=True)[0])(x, y)
    np.testing.assert_allclose(h, np.array([[1, 1, .5], [1, 1, .5], [.5, .5, .25]]) / 9.0,
                               rtol=1e-15)         # NumPy's test_norm


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("name", sorted(ARGS))
def test_numpys_counts_and_edges_under_jit_and_vmap(name, dtype):
    x, y = X.astype(dtype), Y.astype(dtype)

    def f(a, b):
        return np.histogram2d(a, b, **ARGS[name])
    want = f(x, y)
    same(tg.jit(f)(x, y), want)
    got = tg.vmap(f)(np.stack([x, x[::-1]]), np.stack([y, y]))
    same([g[0] for g in got], want)
    same([g[1] for g in got], f(x[::-1], y))


def test_weights_sums_differentiate_in_the_weights():
    m = np.arange(9.0).reshape(3, 3)

    def loss(w):
        return np.sum(np.histogram2d(X, Y, bins=3, weights=w)[0] * m)
    g = tg.grad(loss)(W)
    np.testing.assert_allclose(g, fd(loss, W), rtol=1e-7, atol=1e-9)
    assert np.array_equal(tg.jit(tg.grad(loss))(W), g)


def test_density_and_edges_differentiate_in_the_samples():
    m = np.arange(9.0).reshape(3, 3)

    def loss(t):
        h, ex, _ = np.histogram2d(t, Y, bins=3, density=True)
        return np.sum(h * m) + np.sum(ex ** 2)
    g = tg.grad(loss)(X)
    np.testing.assert_allclose(g, fd(loss, X), rtol=1e-6, atol=1e-8)


def test_samples_of_different_lengths_are_numpys_error():
    with pytest.raises(ValueError, match="x and y must have the same length"):
        tg.jit(lambda a, b: np.histogram2d(a, b))(X, Y[:5])
