"""Gradient cases of JAX's ``tests/lax_numpy_test.py`` outside its records, ported.

``testSincAtZero``: every sequence of forward (``jvp`` along 1) and reverse
(``grad``) derivatives of ``sinc`` up to order 4 at 0, against the Taylor
coefficients (sinc has no usable central differences there), eager and
under ``jit``. ``testIssue764`` (``tanh``'s gradient far out is 0, not
``nan``), ``testIssue777`` (a hand-written logistic's float32 gradient over
``[-200, 0]``) and ``testIssue776`` (a gradient flowing only into a
discarded scatter is zeros).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import tapegrad as tg


def _deriv(f):
    def d(x):
        return tg.jvp(f, (x,), (1.0,))[1]
    d.__name__ = "jvp"
    return d


def _apply_all(ops, f):
    for op in ops:
        f = op(f)
    return f


TAYLOR = {1: 0.0, 2: -np.pi ** 2 / 3, 3: 0.0, 4: np.pi ** 4 / 5}
SEQUENCES = [ops for n in TAYLOR for ops in itertools.product([_deriv, tg.grad], repeat=n)]


@pytest.mark.parametrize("ops", SEQUENCES, ids=lambda ops: "-".join(o.__name__ for o in ops))
def test_sinc_at_zero_every_order_of_forward_and_reverse_derivatives(ops):
    d = _apply_all(ops, np.sinc)
    want = TAYLOR[len(ops)]
    np.testing.assert_allclose(d(0.0), want, rtol=1e-13, atol=1e-15)
    assert tg.jit(d)(0.0) == d(0.0)
    # away from zero the same derivative is the quotient's
    q = _apply_all(ops, lambda x: np.sin(np.pi * x) / (np.pi * x))
    np.testing.assert_allclose(d(0.1), q(0.1), rtol=1e-10)


def test_tanh_gradient_far_out_is_zero_not_nan():
    for dtype in (np.float64, np.float32):
        x = np.linspace(190, 200, 4).astype(dtype)
        g = tg.grad(lambda x: np.sum(np.tanh(x)))(x)
        assert g.dtype == dtype
        np.testing.assert_array_equal(g, np.zeros(4, dtype))
        np.testing.assert_array_equal(tg.jit(tg.grad(lambda x: np.sum(tg.tanh(x))))(-x), g)


def test_a_hand_written_logistics_float32_gradient_over_a_wide_range():
    x = np.linspace(-200, 0, 4, dtype=np.float32)

    def f(x):
        return np.sum(1 / (1 + np.exp(-x)))
    for g in (tg.grad(f), tg.jit(tg.grad(f))):
        got = g(x)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, np.array([0.0, 0.0, 0.0, 0.25], np.float32), atol=0)
    np.testing.assert_array_equal(tg.vmap(tg.grad(lambda x: 1 / (1 + np.exp(-x))))(x),
                                  tg.grad(f)(x))


def test_a_gradient_into_a_discarded_scatter_is_zeros():
    def f(u):
        y = np.ones(10) + 0.0 * u[0]        # a traced array
        y[np.array([2, 4, 5])] += u         # scattered into, then not used
        return 7.0 + 0.0 * y[0]
    for g in (tg.grad(f), tg.jit(tg.grad(f))):
        np.testing.assert_array_equal(g(np.ones(3)), np.zeros(3))
