"""Plain NumPy/SciPy programs, part seven: the rest of part six's programs, and what they found.

JAX's ``mnist_classifier_fromscratch.py`` update step on its list of tuples,
and each thing running the programs of ``test_real_programs6.py`` found, as its own test.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_real_programs2 import rng, same

import tapegrad as tg
import tapegrad.scipy.special as tss


def test_mnist_update_step_keeps_its_pytree_under_jit() -> None:
    rs = rng(70)                   # JAX's mnist_classifier_fromscratch.py, params as tuples
    params = [(rs.randn(4, 5), rs.randn(5)), (rs.randn(5, 3), rs.randn(3))]
    batch = (rs.randn(6, 4), np.eye(3)[rs.randint(0, 3, 6)])

    def predict(params, inputs):
        activations = inputs
        for w, b in params[:-1]:
            activations = np.tanh(np.dot(activations, w) + b)
        final_w, final_b = params[-1]
        logits = np.dot(activations, final_w) + final_b
        return logits - tss.logsumexp(logits, axis=1, keepdims=True)

    def loss(params, batch):
        inputs, targets = batch
        return -np.mean(np.sum(predict(params, inputs) * targets, axis=1))

    def update(params, batch):
        grads = tg.grad(loss)(params, batch)
        return [(w - 0.1 * dw, b - 0.1 * db) for (w, b), (dw, db) in zip(params, grads)]

    def accuracy(params, batch):
        inputs, targets = batch
        return np.mean(np.argmax(predict(params, inputs), axis=1) == np.argmax(targets, axis=1))

    eager, staged = update(params, batch), tg.jit(update)(params, batch)
    assert type(staged) is list and all(type(p) is tuple for p in staged)
    assert all(same(a, b) for p, q in zip(eager, staged) for a, b in zip(p, q))
    assert same(tg.jit(accuracy)(params, batch), accuracy(params, batch))
    w = params[0][0]
    e = np.zeros_like(w)
    e[1, 2] = 1e-6
    moved = lambda s: loss([(w + s * e, params[0][1]), params[1]], batch)
    np.testing.assert_allclose(tg.grad(loss)(params, batch)[0][0][1, 2],
                               (moved(1.0) - moved(-1.0)) / 2e-6, rtol=1e-6)


# ------------------------------------------------------------ what running them found
def test_a_closed_over_array_indexed_by_a_traced_mask_names_np_where() -> None:
    # k-means' centroid update X[assign == k].mean(0) under jit said "a traced integer
    # array reached NumPy ... tg.take(E, i, axis=0)", advice that cannot apply to a mask
    X = rng(71).randn(12, 2)

    def centroids(c):
        assign = np.argmin(np.sum((X[:, None] - c.reshape(3, 2)[None]) ** 2, -1), axis=1)
        return np.stack([X[assign == k].mean(0) for k in range(3)])
    c = X[:3].ravel()
    with pytest.raises(TypeError, match=r"^a traced boolean mask reached NumPy.*E\[mask\].*"
                       r"np\.where\(mask, E, 0\.0\)"):
        tg.jit(centroids)(c)

    def centroids_where(c):        # as told: the same centroids, shapes kept
        assign = np.argmin(np.sum((X[:, None] - c.reshape(3, 2)[None]) ** 2, -1), axis=1)
        return np.stack([np.sum(np.where((assign == k)[:, None], X, 0.0), 0) /
                         np.sum(assign == k) for k in range(3)])
    np.testing.assert_allclose(tg.jit(centroids_where)(c), centroids(c), rtol=1e-14)
    assert np.array_equal(tg.grad(lambda c: np.sum(tg.jit(centroids_where)(c)))(c), np.zeros(6))


def test_a_reduction_with_initial_is_numpys_scalar_under_jit() -> None:
    # np.max(x, initial=0.0) under jit was a Python float where np.max(x) is np.float64
    # (a float64 scalar meeting float32 data is test_real_programs' known xfail)
    x = np.array([0.3, -1.2, 0.8])
    for f in (lambda x: np.max(x, initial=0.0), lambda x: np.min(x, initial=0.0),
              lambda x: np.sum(x, initial=1.0), lambda x: np.prod(x, initial=2.0),
              lambda x: np.amax(x ** 2, initial=1.0) + 1.0):
        assert same(tg.jit(f)(x), f(x))
    top = lambda x: np.max(x ** 2, initial=1.0)
    np.testing.assert_allclose(tg.grad(top)(x), [0.0, -2.4, 0.0])
    assert same(tg.jit(tg.grad(top))(x), tg.grad(top)(x))
