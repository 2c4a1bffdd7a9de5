"""vmap of a function that closes over a value an outer transform traces.

JAX's idiom for a batch loss, ``vmap(lambda x, y: loss(params, x, y))(X, Y)``
inside ``grad(...)(params)``: the vmapped function reads ``params`` from
its closure, not from its arguments. Every transform around it must see
the dependence: gradients against the Python loop over examples and
central differences, any order, under ``jit``, with branches and pytrees.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

X = np.linspace(-1.0, 1.0, 12).reshape(4, 3)
Y = np.array([1.0, -1.0, 1.0, -1.0])
W = np.array([0.3, -0.2, 0.5])


def _loop(w, per_example, *data):
    return tg.sum(tg.stack([per_example(w, *row) for row in zip(*data)]))


def _vmapped(w, per_example, *data):
    return tg.sum(tg.vmap(lambda *row: per_example(w, *row))(*data))


def _tanh_dot(w, x):
    return tg.tanh(tg.sum(x * w))


def _hinge(w, x, y):
    return tg.relu(1.0 - y * tg.sum(x * w))


def _branchy(w, x):          # a Python if on a value that depends on w and x
    s = tg.sum(x * w)
    return s * s if s > 0 else -tg.sin(s)


def _matmul(w, x):
    return tg.sum(tg.tanh(tg.outer(x, w) @ w))


CASES = [(_tanh_dot, (X,)), (_hinge, (X, Y)), (_branchy, (X,)), (_matmul, (X,))]


def _central(f, w, h=1e-6):
    return np.array([(f(w + h * e) - f(w - h * e)) / (2 * h) for e in np.eye(len(w))])


@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0].__name__)
@pytest.mark.parametrize("how", ["grad", "jit(grad)", "grad(jit)"])
def test_gradient_through_a_closure_equals_the_loop(case, how):
    per_example, data = case
    f = lambda w: _vmapped(w, per_example, *data)          # noqa: E731
    g = {"grad": tg.grad(f), "jit(grad)": tg.jit(tg.grad(f)),
         "grad(jit)": tg.grad(tg.jit(f))}[how]
    want = tg.grad(lambda w: _loop(w, per_example, *data))(W)
    got = g(W)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(got, _central(f, W), rtol=1e-6, atol=1e-8)
    assert float(f(W)) == pytest.approx(float(_loop(W, per_example, *data)), rel=1e-13)


def test_a_scalar_closed_over_and_a_traced_argument_both_count():
    def f(s):
        xs = np.arange(4.0) * s                 # the mapped argument depends on s too
        return tg.sum(tg.vmap(lambda x: tg.sin(x * s))(xs))
    want = float(np.sum(np.cos(np.arange(4.0) * 2.0 ** 2) * 2 * np.arange(4.0) * 2.0))
    for g in (tg.grad(f), tg.jit(tg.grad(f))):
        assert float(g(2.0)) == pytest.approx(want, rel=1e-12)


def test_second_order_through_a_closure():
    f = lambda w: _vmapped(w, _tanh_dot, X)                 # noqa: E731
    want = tg.hessian(lambda w: _loop(w, _tanh_dot, X))(W)
    np.testing.assert_allclose(tg.hessian(f)(W), want, rtol=1e-12, atol=1e-14)


def test_forward_mode_through_a_closure():
    f = lambda w: _vmapped(w, _hinge, X, Y)                 # noqa: E731
    v = np.array([1.0, 2.0, -1.0])
    _, t = tg.jvp(f, (W,), (v,))
    _, want = tg.jvp(lambda w: _loop(w, _hinge, X, Y), (W,), (v,))
    assert float(t) == pytest.approx(float(want), rel=1e-12)


def test_params_as_a_pytree_and_outputs_as_a_pytree():
    params = {"w": W, "b": 0.25}

    def loss(p):
        out = tg.vmap(lambda x: {"z": tg.sum(x * p["w"]) + p["b"], "x": x})(X)
        return tg.sum(out["z"] ** 2) + 0.0 * tg.sum(out["x"])

    g = tg.grad(loss)(params)
    z = X @ W + 0.25
    np.testing.assert_allclose(g["w"], 2 * z @ X, rtol=1e-12)
    assert g["b"] == pytest.approx(float(np.sum(2 * z)), rel=1e-12)


@pytest.mark.parametrize("out_axes", [0, 1])
def test_out_axes_and_shared_inputs(out_axes):
    def weighted(m):
        return tg.sum(m * np.arange(12.0).reshape(m.shape))

    def f(w):
        return weighted(tg.vmap(lambda x, c: x * w + c, in_axes=(0, None),
                                out_axes=out_axes)(X, 1.0))

    def loop(w):
        return weighted(tg.stack([x * w + 1.0 for x in X], axis=out_axes))

    np.testing.assert_allclose(tg.grad(f)(W), tg.grad(loop)(W), rtol=1e-12)
    np.testing.assert_allclose(tg.jit(tg.grad(f))(W), tg.grad(loop)(W), rtol=1e-12)


def test_float32_stays_float32():
    w32 = W.astype(np.float32)
    g = tg.grad(lambda w: _vmapped(w, _tanh_dot, X.astype(np.float32)))(w32)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, tg.grad(lambda w: _loop(w, _tanh_dot, X))(W), rtol=1e-5)


def test_the_tape_records_the_dependence():
    tape = tg.make_tape(lambda w: _vmapped(w, _tanh_dot, X))(W)
    w2 = W + 0.1
    assert float(tape(w2)) == pytest.approx(float(_loop(w2, _tanh_dot, X)), rel=1e-13)


def test_without_a_closure_nothing_changes():
    f = tg.vmap(lambda x: tg.sum(tg.tanh(x)))
    np.testing.assert_array_equal(f(X), np.array([np.sum(np.tanh(r)) for r in X]))


def test_an_empty_batch_gives_empty_results_and_zero_gradients():
    empty = np.zeros((0, 3))
    f = lambda w: tg.vmap(lambda x: x * w)(empty)                # noqa: E731
    assert tg.jvp(f, (W,), (W,))[0].shape == (0, 3)
    for g in (tg.grad(lambda w: tg.sum(f(w))), tg.jit(tg.grad(lambda w: tg.sum(f(w))))):
        np.testing.assert_array_equal(g(W), np.zeros(3))
