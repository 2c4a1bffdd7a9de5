"""Cases after JAX's linalg_test.py ``testQr`` and ``testScipyQrModes``: wide matrices (m < n).

NumPy's and SciPy's QR of a wide matrix give ``Q`` ``(m, m)`` and ``R``
``(m, n)`` (``"complete"``/``"full"`` is the reduced one there); they were
refused. tapegrad's values are NumPy's (``jit`` and ``vmap`` bit for bit,
float32 too), and the derivative, which JAX leaves unimplemented for wide
matrices, is the square factors' of the leading block with ``R``'s other
columns ``Q^T a2``: it equals central differences, to second order.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

import tapegrad as tg
import tapegrad.scipy.linalg as tsl
from tests.conftest import fd

RNG = np.random.default_rng(12)
WIDE = {s: RNG.normal(size=s) for s in [(3, 5), (1, 4), (2, 3, 5)]}
MODES = {"reduced": lambda m: tuple(np.linalg.qr(m)),
         "r": lambda m: np.linalg.qr(m, mode="r"),
         "complete": lambda m: tuple(np.linalg.qr(m, mode="complete")),
         "scipy full": lambda m: tuple(tsl.qr(m)),
         "scipy r": lambda m: tuple(tsl.qr(m, mode="r"))}


def _outs(x):
    return x if isinstance(x, tuple) else (x,)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("shape", list(WIDE))
def test_wide_qr_under_jit_and_vmap_is_numpys(shape, mode, dtype):
    a = WIDE[shape].astype(dtype)
    f = MODES[mode]
    want = _outs(f(a))
    for g, w in zip(_outs(tg.jit(f)(a)), want):
        assert g.dtype == w.dtype == dtype and g.shape == w.shape
        np.testing.assert_array_equal(g, w)
    batch = np.stack([a, 2 * a, a + 0.5])
    got = _outs(tg.vmap(f)(batch))
    for k in range(len(want)):
        np.testing.assert_array_equal(got[k], np.stack([_outs(f(m))[k] for m in batch]))


def test_scipy_wide_qr_is_scipys():
    a = WIDE[(3, 5)]
    for mode in ("full", "r", "economic"):
        for g, w in zip(tsl.qr(a, mode=mode), scipy.linalg.qr(a, mode=mode)):
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)


def _loss(m):
    q, r = np.linalg.qr(m)
    return np.sum(np.sin(q)) + np.sum(r ** 3 * np.arange(m.shape[-1]))


@pytest.mark.parametrize("shape", [(3, 5), (1, 4)])
def test_wide_qr_derivatives_are_differences(shape):
    a = WIDE[shape]
    g = tg.grad(_loss)(a)
    np.testing.assert_allclose(g, fd(_loss, a), rtol=1e-6, atol=1e-8)
    v = np.cos(np.arange(a.size)).reshape(a.shape)
    _, t = tg.jvp(_loss, (a,), (v,))
    assert t == pytest.approx(np.sum(g * v), rel=1e-10)
    np.testing.assert_array_equal(tg.jit(tg.grad(_loss))(a), g)


def test_wide_qr_second_derivatives_are_differences_of_the_gradient():
    a = WIDE[(3, 5)]
    h = tg.hessian(_loss)(a)
    np.testing.assert_allclose(tg.jacfwd(tg.grad(_loss))(a), h, rtol=1e-9, atol=1e-10)
    g = tg.grad(_loss)
    for idx in [(0, 0), (2, 4)]:
        num = fd(lambda m, idx=idx: g(m)[idx], a, eps=1e-5)
        np.testing.assert_allclose(h[idx], num, rtol=1e-5, atol=1e-6)
