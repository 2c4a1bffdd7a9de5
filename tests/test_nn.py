"""tg.nn: the MLP and its init, losses against closed forms and differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg


def test_mlp_init_recipe_and_reproducibility():
    params = tg.nn.mlp_init([2, 16, 16, 1], seed=3)
    assert [len(layer["w"]) for layer in params] == [16, 16, 1]
    assert [len(layer["w"][0]) for layer in params] == [2, 16, 16]
    weights = np.array([w for layer in params for row in layer["w"] for w in row])
    assert weights.size == 2 * 16 + 16 * 16 + 16
    assert np.all((-1 < weights) & (weights < 1)) and weights.std() > 0.4   # uniform(-1, 1)
    assert all(b == 0.0 for layer in params for b in layer["b"])
    assert all(type(w) is float for w in tg.tree.leaves(params))
    assert params == tg.nn.mlp_init([2, 16, 16, 1], seed=3)
    assert params != tg.nn.mlp_init([2, 16, 16, 1], seed=4)
    with pytest.raises(ValueError, match="sizes"):
        tg.nn.mlp_init([2])


def test_mlp_on_floats_equals_mlp_on_a_batch(rng):
    params = tg.nn.mlp_init([3, 5, 4, 2], seed=1)
    X = rng.normal(size=(7, 3))
    batch = tg.nn.mlp(params, [X[:, 0], X[:, 1], X[:, 2]])
    for i, row in enumerate(X):
        one = tg.nn.mlp(params, [float(v) for v in row])
        assert len(one) == 2
        for k in range(2):
            assert one[k] == pytest.approx(batch[k][i], rel=1e-12, abs=1e-12)
    # gradients too: the batch gradient is the sum of per-example gradients
    loss = lambda p, x: tg.sum(tg.nn.mlp(p, x)[0])
    g_batch = tg.grad(loss)(params, [X[:, 0], X[:, 1], X[:, 2]])
    g_sum = tg.tree.map(lambda *gs: sum(gs), *[tg.grad(loss)(params, list(map(float, r)))
                                               for r in X])
    for a, b in zip(tg.tree.leaves(g_batch), tg.tree.leaves(g_sum)):
        assert a == pytest.approx(b, rel=1e-10, abs=1e-12)


def test_mlp_by_hand_and_activation():
    params = [{"w": [[1.0, -2.0]], "b": [0.5]}, {"w": [[3.0]], "b": [-1.0]}]
    # hidden: relu(1*2 - 2*0.25 + 0.5) = 2; out: 3*2 - 1 = 5
    assert tg.nn.mlp(params, [2.0, 0.25]) == [5.0]
    assert tg.nn.mlp(params, [2.0, 0.25], activation=tg.tanh)[0] == pytest.approx(
        3 * math.tanh(2.0) - 1)
    with pytest.raises(ValueError, match="takes 2 inputs but x has 3"):
        tg.nn.mlp(params, [1.0, 2.0, 3.0])


def test_losses_closed_forms_and_differences():
    assert tg.nn.mse(3.0, 1.0) == 4.0
    assert tg.grad(tg.nn.mse)(3.0, 1.0) == 4.0
    assert tg.nn.hinge(0.25, 1.0) == 0.75 and tg.nn.hinge(0.25, -1.0) == 1.25
    assert tg.grad(tg.nn.hinge)(0.25, -1.0) == 1.0 and tg.grad(tg.nn.hinge)(3.0, 1.0) == 0.0
    for z, y in [(0.3, 1.0), (-1.2, 0.0), (2.0, 0.0)]:
        p = 1 / (1 + math.exp(-z))
        expected = -(y * math.log(p) + (1 - y) * math.log(1 - p))
        assert tg.nn.binary_cross_entropy(z, y) == pytest.approx(expected, rel=1e-12)
        assert tg.grad(tg.nn.binary_cross_entropy)(z, y) == pytest.approx(p - y, rel=1e-12)
        assert tg.grad(tg.nn.binary_cross_entropy)(z, y) == pytest.approx(
            fd(lambda v: tg.nn.binary_cross_entropy(v, y), z), rel=1e-6)
    params = {"w": [1.0, -2.0], "b": np.array([3.0, 1.0])}
    assert tg.nn.l2(params) == 15.0
    g = tg.grad(tg.nn.l2)(params)
    assert g["w"] == [2.0, -4.0] and list(g["b"]) == [6.0, 2.0]


def test_binary_cross_entropy_is_stable_at_1000():
    for z, y, value, slope in [(1000.0, 1.0, 0.0, 0.0), (1000.0, 0.0, 1000.0, 1.0),
                               (-1000.0, 0.0, 0.0, 0.0), (-1000.0, 1.0, 1000.0, -1.0)]:
        assert tg.nn.binary_cross_entropy(z, y) == value
        assert tg.grad(tg.nn.binary_cross_entropy)(z, y) == slope
    z = np.array([-1000.0, 0.0, 1000.0])
    g = tg.grad(lambda z: tg.sum(tg.nn.binary_cross_entropy(z, np.array([1.0, 1.0, 0.0]))))(z)
    np.testing.assert_array_equal(g, [-1.0, -0.5, 1.0])


def test_accuracy():
    assert tg.nn.accuracy([0.5, -0.1, 2.0, -3.0], [1, -1, -1, 1]) == 0.5
    assert tg.nn.accuracy(np.array([0.2, -0.2]), np.array([1.0, 0.0])) == 1.0   # {0, 1} labels
    with pytest.raises(ValueError, match="2 scores and 3 labels"):
        tg.nn.accuracy([1.0, 2.0], [1, 1, 1])


@pytest.mark.parametrize("transform", ["eager", "grad", "jit"])
def test_mlp_of_float_parameters_given_rows_of_examples_names_the_two_layouts(transform):
    params = tg.nn.mlp_init([2, 3, 1], seed=0)
    X = np.ones((5, 2))
    f = lambda p, X: tg.sum(tg.nn.mlp(p, X)[0])
    run = {"eager": f, "grad": tg.grad(f), "jit": tg.jit(f)}[transform]
    with pytest.raises(ValueError, match=r"takes 2 inputs but x has 5\. x is an array of shape "
                                         r"\(5, 2\).*\(x\.T\).*tg\.nn\.dense_init"):
        run(params, X)
    assert np.array_equal(tg.nn.mlp(params, X.T)[0], tg.nn.mlp(params, [X[:, 0], X[:, 1]])[0])
    with pytest.raises(ValueError, match=r"takes 2 inputs but x has 3\.$"):
        tg.nn.mlp(params, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"takes 2 inputs but x has 3\.$"):   # traced features
        tg.grad(lambda x: tg.nn.mlp(params, [x, x, x])[0])(1.0)
    assert tg.grad(lambda x: tg.nn.mlp(params, [x, 2.0 * x])[0])(1.0) == pytest.approx(
        fd(lambda x: tg.nn.mlp(params, [x, 2.0 * x])[0], 1.0))
