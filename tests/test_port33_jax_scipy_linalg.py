"""Cases after JAX's linalg_test.py ``testLu``, ``testLuGrad``, ``testLuFactor``: rectangular ones.

``scipy.linalg.lu`` and ``lu_factor`` of an ``(m, n)`` matrix give ``L``
``(m, k)`` and ``U`` ``(k, n)``, ``k = min(m, n)``, as SciPy does: the
values are SciPy's, ``jit`` and ``vmap`` equal eager bit for bit (float64
and float32), and the derivatives (JAX's rule, with ``L`` and ``U`` padded
square by the identity) equal central differences, to second order.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

import tapegrad as tg
import tapegrad.scipy.linalg as tsl
from tapegrad.scipy.linalg import lu, lu_factor
from tests.conftest import fd

SHAPES = [(4, 3), (3, 5), (1, 4), (4, 1)]
RNG = np.random.default_rng(33)
MATS = {s: RNG.normal(size=s) for s in SHAPES}


@pytest.mark.parametrize("shape", SHAPES + [(2, 4, 3)])
def test_rectangular_factors_are_scipys(shape):
    a = MATS.get(shape, RNG.normal(size=shape))
    sl = scipy.linalg
    for got, want in ((lu(a), sl.lu(a)), (lu(a, p_indices=True), sl.lu(a, p_indices=True)),
                      (lu(a, permute_l=True), sl.lu(a, permute_l=True)),
                      (lu_factor(a), sl.lu_factor(a))):
        for g, w in zip(got, want):
            assert g.shape == w.shape and g.dtype == w.dtype
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
    p, low, up = lu(a)
    np.testing.assert_allclose(p @ low @ up, a, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", SHAPES[:2])
def test_rectangular_lu_under_jit_and_vmap_is_eager(shape, dtype):
    a = MATS[shape].astype(dtype)
    batch = np.stack([a, 2 * a, a[::-1]])
    for f in (lambda m: lu(m), lambda m: lu(m, p_indices=True), lambda m: lu_factor(m)):
        want = f(a)
        for g, w in zip(tg.jit(f)(a), want):
            assert g.dtype == w.dtype
            np.testing.assert_array_equal(g, w)
        got = tg.vmap(f)(batch)
        for k in range(len(want)):
            np.testing.assert_array_equal(got[k], np.stack([f(m)[k] for m in batch]))


def _loss(m):
    _, low, up = lu(m)
    return np.sum(np.sin(low)) + np.sum(np.cos(up) * np.arange(up.shape[-1]))


@pytest.mark.parametrize("shape", SHAPES)
def test_rectangular_lu_derivatives_are_differences(shape):
    a = MATS[shape]
    g = tg.grad(_loss)(a)
    np.testing.assert_allclose(g, fd(_loss, a), rtol=1e-6, atol=1e-8)
    v = np.cos(np.arange(a.size)).reshape(a.shape)
    _, t = tg.jvp(_loss, (a,), (v,))
    assert t == pytest.approx(np.sum(g * v), rel=1e-10)
    packed = lambda m: np.sum(np.sin(lu_factor(m)[0]))       # noqa: E731
    np.testing.assert_allclose(tg.grad(packed)(a), fd(packed, a), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("shape", SHAPES[:2])
def test_rectangular_lu_second_derivatives_are_differences_of_the_gradient(shape):
    a = MATS[shape]
    h = tg.hessian(_loss)(a)
    g = tg.grad(_loss)
    for idx in [(0, 0), (a.shape[0] - 1, a.shape[1] - 1)]:
        num = fd(lambda m, idx=idx: g(m)[idx], a, eps=1e-5)
        np.testing.assert_allclose(h[idx], num, rtol=1e-5, atol=1e-6)


RNG4 = np.random.default_rng(14)
FULL = RNG4.normal(size=(4, 4)) + 4 * np.eye(4)
BAND = np.triu(np.tril(FULL, 2), -1)


@pytest.mark.parametrize(("assume_a", "a"), [("tridiagonal", FULL), ("tridiagonal", BAND),
                                             ("banded", BAND), ("banded", FULL)])
@pytest.mark.parametrize("transposed", [False, True])
def test_solve_with_a_band_structure_is_scipys(assume_a, a, transposed):
    """After JAX's testSolve: SciPy's newer assume_a values (a tridiagonal reads that band only)."""
    b = np.arange(1.0, 5.0)
    f = lambda m: tsl.solve(m, b, assume_a=assume_a, transposed=transposed)    # noqa: E731
    want = scipy.linalg.solve(a, b, assume_a=assume_a, transposed=transposed)
    np.testing.assert_allclose(f(a), want, rtol=1e-12)
    np.testing.assert_array_equal(tg.jit(f)(a), f(a))
    batch = np.stack([a, 2 * a, a + np.eye(4)])
    np.testing.assert_array_equal(tg.vmap(f)(batch), np.stack([f(m) for m in batch]))
    loss = lambda m: np.sum(np.sin(f(m)))       # noqa: E731
    g = tg.grad(loss)(a)
    np.testing.assert_allclose(g, fd(loss, a), rtol=1e-6, atol=1e-9)
    if assume_a == "tridiagonal":                  # SciPy reads nothing outside the band
        assert np.all(g[np.triu(np.ones((4, 4)), 2) + np.tril(np.ones((4, 4)), -2) > 0] == 0)
