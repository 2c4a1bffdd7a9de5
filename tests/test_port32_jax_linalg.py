"""Cases after JAX's linalg_test.py ``testQr``: NumPy's ``mode="complete"`` of a square matrix.

For a square matrix NumPy's ``"complete"`` QR is its ``"reduced"`` one, and
tapegrad computes it (``jit`` and ``vmap`` bit for bit with eager NumPy,
derivatives as the reduced one's, against central differences). A tall
matrix's complete ``Q`` (its extra columns have no derivative, as JAX
refuses it too) stays refused with a message naming the shape; a wide
matrix's is its reduced one (tests/test_port33_jax_qr.py).
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tests.conftest import fd

A = np.random.default_rng(321).normal(size=(3, 3))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_complete_qr_of_a_square_matrix_is_numpys(dtype):
    a = A.astype(dtype)
    f = lambda m: np.linalg.qr(m, mode="complete")      # noqa: E731
    want = f(a)
    for got in (tg.jit(f)(a), tg.make_tape(f)(a)(a)):
        for g, w in zip(got, want):
            assert g.dtype == w.dtype == dtype
            np.testing.assert_array_equal(g, w)
    batch = np.stack([a, a * 2, a[::-1]])
    out = tg.vmap(f)(batch)
    for k in (0, 1):
        np.testing.assert_array_equal(out[k], np.stack([f(m)[k] for m in batch]))


def test_complete_qr_derivatives_are_the_reduced_ones():
    w = np.arange(9.0).reshape(3, 3) / 4
    loss = lambda m, mode: np.sum(np.sin(np.linalg.qr(m, mode=mode)[0]) * w)    # noqa: E731
    g = tg.grad(loss)(A, "complete")
    np.testing.assert_array_equal(g, tg.grad(loss)(A, "reduced"))
    np.testing.assert_allclose(g, fd(lambda m: loss(m, "complete"), A), rtol=1e-6, atol=1e-8)
    _, t = tg.jvp(lambda m: loss(m, "complete"), (A,), (w,))
    assert t == pytest.approx(np.sum(g * w), rel=1e-10)


def test_complete_qr_of_a_tall_matrix_is_refused_naming_the_shape_and_of_a_wide_one_is_numpys():
    with pytest.raises(ValueError, match=r"not 'complete' for shape \(4, 2\)"):
        tg.jit(lambda m: np.linalg.qr(m, mode="complete"))(np.ones((4, 2)))
    a = np.arange(8.0).reshape(2, 4) + np.eye(2, 4)
    for got, want in zip(tg.jit(lambda m: tuple(np.linalg.qr(m, mode="complete")))(a),
                         np.linalg.qr(a, mode="complete")):
        assert np.array_equal(got, want)
