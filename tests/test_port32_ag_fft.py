"""HIPS autograd's tests/test_fft.py for the transforms real in and real out: irfft, hfft.

autograd differentiates ``np.fft.irfft`` and ``np.fft.hfft`` (with ``n``,
``axis`` and ``norm``); tapegrad computes on real numbers, so it takes their
real input (real cosine coefficients, a real signal), which was refused.
NumPy's values bit for bit (float32 too) under jit and vmap; the derivative
is the transpose (the real part of ``rfft``, each coefficient weighted by
how often ``irfft`` counts it), checked against central differences, to
second order, and against the closed form ``d y_t / d x_k = c_k cos(2 pi k
t / n) / n``. The transforms of complex spectra stay refused, and name these.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg

RNG = np.random.default_rng(32)
X = RNG.standard_normal((2, 5))


def same(got, want) -> None:
    got, want = np.asarray(got), np.asarray(want)
    assert (got.dtype, got.shape) == (want.dtype, want.shape)
    assert np.array_equal(got, want), (got, want)


CASES = [(kind, n, norm) for kind in ("irfft", "hfft") for n in (None, 4, 5, 11)
         for norm in (None, "ortho", "forward")]


@pytest.mark.parametrize("kind,n,norm", CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_numpys_values_under_jit_and_vmap(kind, n, norm, dtype):
    x = (X * 3).astype(dtype)
    fft = getattr(np.fft, kind)

    def f(t):
        return fft(t, n, norm=norm)
    want = f(x)
    same(tg.jit(f)(x), want)
    same(tg.vmap(f)(x), np.stack([f(r) for r in x]))
    same(tg.vmap(lambda t: fft(t, n, axis=0, norm=norm), in_axes=1)(x),
         np.stack([fft(c, n, norm=norm) for c in x.T]))


@pytest.mark.parametrize("kind,n,norm", CASES)
def test_gradients_are_central_differences_and_jit_of_grad_is_grad(kind, n, norm):
    fft = getattr(np.fft, kind)
    w = RNG.standard_normal(fft(X, n, norm=norm).shape)

    def loss(t):
        return np.sum(np.sin(fft(t, n, norm=norm)) * w)
    g = tg.grad(loss)(X)
    np.testing.assert_allclose(g, fd(loss, X), rtol=1e-6, atol=1e-9)
    same(tg.jit(tg.grad(loss))(X), g)
    _, t = tg.jvp(loss, (X,), (np.ones_like(X),))
    np.testing.assert_allclose(t, np.sum(g), rtol=1e-10)


@pytest.mark.parametrize("axis", [0, 1])
def test_second_derivatives_along_either_axis(axis):
    w = RNG.standard_normal(np.fft.irfft(X, 6, axis=axis).shape)

    def loss(t):
        return np.sum(np.sin(np.fft.irfft(t, 6, axis=axis, norm="ortho")) * w) + \
            np.sum(np.fft.hfft(t, axis=axis) ** 2)
    h = tg.hessian(loss)(X).reshape(X.size, X.size)
    want = np.stack([fd(lambda y, i=i: tg.grad(loss)(y).ravel()[i], X).ravel()
                     for i in range(X.size)])
    np.testing.assert_allclose(h, want, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("n", [6, 7])
def test_the_jacobian_is_the_cosine_matrix(n):
    m = 4
    k, t = np.arange(m), np.arange(n)
    count = np.where((k == 0) | (2 * k == n), 1.0, 2.0)
    want = count * np.cos(2 * np.pi * np.outer(t, k) / n) / n
    jac = tg.jacrev(lambda c: np.fft.irfft(c, n))(np.ones(m))
    np.testing.assert_allclose(jac, want, atol=1e-15)
    np.testing.assert_allclose(tg.jacfwd(lambda c: np.fft.irfft(c, n))(np.ones(m)), want,
                               atol=1e-15)
    np.testing.assert_allclose(tg.jacrev(lambda c: np.fft.hfft(c, n))(np.ones(m)), want * n,
                               atol=1e-13)


def test_float32_coefficients_give_float32_gradients():
    x = X.astype(np.float32)
    g = tg.grad(lambda t: np.sum(np.fft.irfft(t, 6) ** 2))(x)
    assert g.dtype == np.float32


@pytest.mark.parametrize("fft", [np.fft.ifft, np.fft.fft2, np.fft.ihfft, np.fft.irfft2])
def test_the_complex_transforms_stay_refused_and_name_the_real_ones(fft):
    with pytest.raises(TypeError, match=r"Use np\.fft\.irfft or np\.fft\.hfft of real"):
        tg.grad(lambda t: np.sum(fft(t).real))(X)


def test_bad_arguments_are_numpys_errors():
    with pytest.raises(ValueError, match="Invalid number of FFT data points"):
        tg.jit(lambda t: np.fft.irfft(t, 0))(X)
    with pytest.raises(ValueError, match="Invalid norm value"):
        tg.jit(lambda t: np.fft.irfft(t, norm="both"))(X)
