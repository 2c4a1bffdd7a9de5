"""HIPS autograd's ``tests/test_linalg.py`` cases not ported before, under every transform.

- ``qr(a, mode="complete")`` of a square matrix (NumPy's complete ``Q`` is
  then the reduced one) was refused; it is the reduced factorization, with
  its derivatives; a tall matrix's complete ``Q`` stays refused by name.
- autograd's ``test_cholesky_reparameterization_trick``: a seeded
  ``RandomState`` made inside the function draws the same numbers at every
  call, so ``jit`` and ``vmap`` may keep them (a global draw is refused).
- ``norm(x, "nuc", axis=(0, 1))`` of a 3-D array and ``eigh(x, "U")`` with
  the triangle given by position, to second order.
"""

from __future__ import annotations

import numpy as np
import pytest
from family_checks import every_transform

import tapegrad as tg
from tests.conftest import fd


def same(got, want) -> bool:
    got, want = np.asarray(got), np.asarray(want)
    return got.dtype == want.dtype and got.shape == want.shape and np.array_equal(got, want)


RNG = np.random.default_rng(32)
SQUARE = RNG.standard_normal((2, 3, 3))


def symmetrize(a):
    low = np.tril(a)
    return (low + np.swapaxes(low, -1, -2)) / 2.0


@pytest.mark.parametrize("part", ["Q", "R"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_qr_complete_of_a_square_matrix_is_numpys_under_jit_and_vmap(part, dtype):
    a = SQUARE.astype(dtype)

    def f(x):
        return getattr(np.linalg.qr(x, mode="complete"), part)
    want = f(a)
    assert same(want, getattr(np.linalg.qr(a), part))          # NumPy's own identity
    assert same(tg.jit(f)(a), want)
    assert same(tg.vmap(f)(a), np.stack([f(m) for m in a]))
    assert same(tg.jit(lambda x: np.linalg.qr(x, "complete")[0])(a[0]), np.linalg.qr(a[0])[0])


def test_qr_complete_of_a_square_matrix_differentiates_as_the_reduced_one():
    def loss(flat):
        q, r = np.linalg.qr(flat.reshape(3, 3), mode="complete")
        return np.sum(q * np.arange(9.0).reshape(3, 3)) + np.sum(r ** 2)
    every_transform(loss, SQUARE[0].ravel(), rtol=1e-6)


def test_qr_complete_of_a_tall_matrix_stays_refused_by_name():
    with pytest.raises(ValueError, match=r"not 'complete' for shape \(4, 3\)"):
        tg.jit(lambda x: np.linalg.qr(x, mode="complete"))(np.ones((4, 3)))


def test_cholesky_reparameterization_trick_with_a_seeded_generator_made_inside():
    m = RNG.standard_normal((4, 4))
    psd = m @ m.T + np.eye(4)

    def fun(a):
        rs = np.random.RandomState(0)
        z = np.dot(np.linalg.cholesky(symmetrize(a)), rs.randn(a.shape[0]))
        return np.linalg.norm(z)
    g = tg.grad(fun)(psd)
    np.testing.assert_allclose(g, fd(fun, psd), rtol=1e-6, atol=1e-9)
    assert same(tg.jit(fun)(psd), fun(psd))
    assert same(tg.jit(tg.grad(fun))(psd), g)
    batch = np.stack([psd, psd + np.eye(4)])
    assert same(tg.vmap(fun)(batch), np.stack([fun(b) for b in batch]))


def test_nuclear_norm_over_two_axes_of_three():
    x = RNG.standard_normal((4, 3, 2))
    every_transform(lambda t: np.linalg.norm(t, ord="nuc", axis=(0, 1)) @ np.array([1.0, 2.0]),
                    x, rtol=1e-6, second=False)
    every_transform(lambda t: np.sum(np.linalg.norm(t.reshape(4, 3, 2), "nuc", axis=(2, 0))),
                    x.ravel()[:24], rtol=1e-6)


def test_eigh_upper_triangle_by_position_to_second_order():
    m = RNG.standard_normal((3, 3))
    h = m.T @ m + np.diag([0.0, 1.0, 3.0])

    def f(flat):
        w, v = np.linalg.eigh(symmetrize(flat.reshape(3, 3)), "U")
        return w @ np.array([1.0, -2.0, 0.5]) + np.sum(v[:, 0] ** 2 * np.arange(3.0))
    every_transform(f, h.ravel(), rtol=1e-5)
