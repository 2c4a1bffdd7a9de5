"""np.linalg.qr of wide matrices (m < n): NumPy's factors bit for bit, differentiable.

``a = [X | Y]``: ``Q, R1 = qr(X)``, ``R2 = Q.T @ Y``; gradients of functions of Q
and of R against central differences, jvp against grad, second order, jit bit
for bit, vmap equal to NumPy's batched factors and vmap of grad to the loop.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg

RNG = np.random.default_rng(7)
A = RNG.normal(size=(3, 5))
W, V = RNG.normal(size=(3, 3)), RNG.normal(size=(3, 5))


def _loss(a):
    q, r = np.linalg.qr(a)
    return tg.sum(W * q) + tg.sum(V * r)


@pytest.mark.parametrize("shape", [(3, 5), (2, 7), (1, 4), (4, 2, 6)])
def test_wide_factors_are_numpys_bit_for_bit_in_every_mode(shape):
    a = RNG.normal(size=shape)
    for mode in ("reduced", "complete"):
        q, r = tg.linalg.qr(a, mode=mode)
        want_q, want_r = np.linalg.qr(a, mode=mode)
        assert np.array_equal(q, want_q) and np.array_equal(r, want_r)
    assert np.array_equal(tg.linalg.qr(a, mode="r"), np.linalg.qr(a, mode="r"))
    assert np.array_equal(tg.jit(lambda x: tg.linalg.qr(x)[1])(a), np.linalg.qr(a)[1])
    q32, r32 = tg.linalg.qr(a.astype(np.float32))
    assert q32.dtype == r32.dtype == np.float32
    assert np.array_equal(r32, np.linalg.qr(a.astype(np.float32))[1])


def test_gradients_of_q_and_r_equal_central_differences_and_jvp():
    for f in (_loss, lambda a: tg.sum(W * np.linalg.qr(a)[0]),
              lambda a: tg.sum(V * np.linalg.qr(a, mode="r"))):
        g = tg.grad(f)(A)
        np.testing.assert_allclose(g, fd(lambda x: float(f(x)), A), rtol=1e-6, atol=1e-8)
        t = RNG.normal(size=A.shape)
        assert tg.jvp(f, (A,), (t,))[1] == pytest.approx(float(np.sum(g * t)), rel=1e-12)
        assert np.array_equal(tg.jit(tg.grad(f))(A), g)


def test_second_derivatives_equal_differences_of_the_first():
    h = tg.hessian(_loss)(A)
    for idx in ((0, 0), (1, 3), (2, 4)):
        want = fd(lambda x: float(tg.grad(_loss)(x)[idx]), A, eps=1e-5)
        np.testing.assert_allclose(h[idx], want, rtol=1e-5, atol=1e-7)
    hv = tg.jvp(tg.grad(_loss), (A,), (V,))[1]         # forward over reverse
    np.testing.assert_allclose(hv, np.tensordot(h, V, axes=2), rtol=1e-10, atol=1e-12)


def test_vmap_is_numpys_batch_and_vmap_of_grad_the_loop():
    batch = RNG.normal(size=(4, 3, 5))
    q, r = tg.vmap(lambda x: tuple(tg.linalg.qr(x)))(batch)
    want_q, want_r = np.linalg.qr(batch)
    assert np.array_equal(q, want_q) and np.array_equal(r, want_r)
    loop = np.array([tg.grad(_loss)(x) for x in batch])
    np.testing.assert_allclose(tg.vmap(tg.grad(_loss))(batch), loop, rtol=1e-13, atol=1e-14)


def test_scipy_linalg_qr_takes_wide_matrices_and_tall_complete_is_still_refused():
    from tapegrad.scipy import linalg as tsl
    q, r = tsl.qr(A)
    assert q.shape == (3, 3) and r.shape == (3, 5)
    np.testing.assert_allclose(q @ r, A, atol=1e-14)
    assert tsl.qr(A, mode="r")[0].shape == (3, 5)
    with pytest.raises(ValueError, match="'complete' where m <= n"):
        tg.linalg.qr(A.T, mode="complete")
