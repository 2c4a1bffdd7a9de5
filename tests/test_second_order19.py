"""Second derivatives of odeint (both modes, every composition) and of det at singular matrices."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.scipy.integrate import odeint

TOL = dict(rtol=1e-12, atol=1e-12)
T = np.array([0.0, 0.4, 1.1])


def logistic(y, t, k, c):
    return -k * y * y + c * np.sin(t) * y


def _loss(z):
    """Of y0 (2), k, c and the two later output times: every kind of input odeint has."""
    t = tg.concatenate([np.zeros(1), z[4:6]])
    ys = odeint(logistic, z[:2], t, (z[2], z[3]), **TOL)
    return tg.sum(ys[1:] ** 2) + tg.sum(ys[2] * ys[1])


Z0 = np.array([1.0, 0.5, 1.3, 0.7, 0.4, 1.1])
SECOND = {
    "grad of grad": lambda f: tg.jacrev(tg.grad(f)),
    "hessian": tg.hessian,
    "jvp of grad": lambda f: tg.jacfwd(tg.grad(f)),
    "grad of jvp": lambda f: tg.jacrev(lambda z: tg.jvp(f, (z,), (np.ones_like(Z0),))[1]),
    "jvp of jvp": lambda f: tg.jacfwd(lambda z: tg.jvp(f, (z,), (np.ones_like(Z0),))[1]),
}


def _central_hessian(f, z, h=1e-5):
    g = tg.grad(f)
    return np.stack([(g(z + h * e) - g(z - h * e)) / (2 * h) for e in np.eye(z.size)])


@pytest.fixture(scope="module")
def hess_fd():
    return _central_hessian(_loss, Z0)


@pytest.mark.parametrize("name", sorted(SECOND))
def test_odeint_second_derivatives_equal_central_differences(name, hess_fd):
    got = SECOND[name](_loss)(Z0)
    want = hess_fd.sum(axis=1) if name.endswith("of jvp") else hess_fd    # H @ ones
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_odeint_second_derivative_of_exponential_decay_is_the_closed_form():
    t = np.array([0.0, 0.5, 2.0])
    f = lambda k, y0: tg.sum(odeint(lambda y, t, k: -k * y, y0, t, (k,), **TOL))
    # sum_i y0 exp(-k t_i): d2/dk2 = sum y0 t_i^2 exp(-k t_i), d2/dk dy0 = -sum t_i exp(-k t_i)
    k, y0 = 0.8, np.array([1.5])
    np.testing.assert_allclose(tg.grad(tg.grad(f))(k, y0), np.sum(1.5 * t ** 2 * np.exp(-k * t)),
                               rtol=1e-9)
    np.testing.assert_allclose(tg.grad(lambda y: tg.grad(f)(k, y))(y0),
                               [-np.sum(t * np.exp(-k * t))], rtol=1e-9)
    np.testing.assert_allclose(tg.jvp(lambda k: tg.grad(f)(k, y0), (k,), (1.0,))[1],
                               np.sum(1.5 * t ** 2 * np.exp(-k * t)), rtol=1e-9)


def test_odeint_second_derivative_over_decreasing_times():
    t = np.array([1.0, 0.6, 0.0])
    f = lambda k: tg.sum(odeint(lambda y, t, k: -k * y * y, np.array([0.8]), t, (k,), **TOL) ** 2)
    g = tg.grad(f)
    h = 1e-5
    np.testing.assert_allclose(tg.grad(g)(0.9), (g(0.9 + h) - g(0.9 - h)) / (2 * h), rtol=1e-6)
    np.testing.assert_allclose(tg.jacfwd(g)(0.9), tg.grad(g)(0.9), rtol=1e-9)


def test_odeint_second_derivative_of_a_closed_over_value():
    def f(k):
        return tg.sum(odeint(lambda y, t: -k * y * y, np.array([1.0, 2.0]), T, **TOL))
    g = tg.grad(f)
    h = 1e-5
    np.testing.assert_allclose(tg.grad(g)(0.7), (g(0.7 + h) - g(0.7 - h)) / (2 * h), rtol=1e-6)


def test_odeint_second_derivative_equals_autograds():
    ag = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    from autograd.builtins import tuple as atuple
    from autograd.scipy.integrate import odeint as aodeint

    def theirs(k):
        ys = aodeint(lambda y, t, k: -k * y * y + anp.sin(t) * y, anp.array([1.0, 0.5]), T,
                     atuple((k,)), rtol=1e-12, atol=1e-12)
        return anp.sum(ys[1:] ** 2)

    def ours(k):
        ys = odeint(lambda y, t, k: -k * y * y + np.sin(t) * y, np.array([1.0, 0.5]), T, (k,),
                    **TOL)
        return tg.sum(ys[1:] ** 2)
    np.testing.assert_allclose(tg.grad(ours)(1.3), ag.grad(theirs)(1.3), rtol=1e-8)
    np.testing.assert_allclose(tg.grad(tg.grad(ours))(1.3), ag.grad(ag.grad(theirs))(1.3),
                               rtol=1e-7)
    np.testing.assert_allclose(tg.jacfwd(tg.grad(ours))(1.3), ag.grad(ag.grad(theirs))(1.3),
                               rtol=1e-7)


def test_odeint_second_derivative_under_jit_and_vmap():
    f = lambda k: tg.sum(odeint(lambda y, t, k: -k * y * y, np.array([1.0, 2.0]), T, (k,)))
    gg = tg.grad(tg.grad(f))
    assert tg.jit(gg)(0.7) == gg(0.7)
    ks = np.array([0.3, 0.7, 1.6])
    np.testing.assert_array_equal(tg.vmap(gg)(ks), np.array([gg(k) for k in ks]))


def test_odeint_second_derivative_keeps_float32():
    f = lambda z: tg.sum(odeint(lambda y, t: -y * y + np.cos(t), z[:2],
                                tg.concatenate([np.zeros(1, z.dtype), z[2:]])) ** 2)
    z = np.array([1.0, 0.5, 0.4, 1.1], dtype=np.float32)
    v = np.array([0.3, -1.0, 0.5, 0.2], dtype=np.float32)
    for hvp in (lambda z: tg.jvp(tg.grad(f), (z,), (v,))[1],
                tg.grad(lambda z: tg.sum(tg.grad(f)(z) * v))):
        got = hvp(z)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, hvp(z.astype(np.float64)), rtol=1e-3, atol=1e-4)


# ----------------------------------------------------------------- det
SINGULAR = {
    "2x2 rank 1": np.array([[1.0, 2.0], [2.0, 4.0]]),
    "3x3 rank 2": np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]),
    "3x3 rank 1": np.outer([1.0, -2.0, 0.5], [3.0, 1.0, 2.0]),
    "3x3 zero": np.zeros((3, 3)),
    "4x4 rank 2": np.array([[1.0, 0, 2, 0], [0, 1, 0, 3], [2, 0, 4, 0], [0, 3, 0, 9]]),
}


def _det_hessian_fd(a, h=1e-3):
    g = tg.grad(np.linalg.det)          # a polynomial of degree n - 1: central differences of
    n = a.shape[0]                      # its quadratic and cubic parts are exact but for h^2
    out = np.zeros((n, n, n, n))
    for i in range(n):
        for j in range(n):
            e = np.zeros((n, n))
            e[i, j] = h
            out[..., i, j] = (g(a + e) - g(a - e)) / (2 * h)
    return out


@pytest.mark.parametrize("name", sorted(SINGULAR))
@pytest.mark.parametrize("mode", ["grad of grad", "jvp of grad", "jvp of jvp"])
def test_det_hessian_at_a_singular_matrix_equals_central_differences(name, mode):
    a = SINGULAR[name]
    second = {"grad of grad": tg.hessian, "jvp of grad": lambda f: tg.jacfwd(tg.grad(f)),
              "jvp of jvp": lambda f: tg.jacfwd(tg.jacfwd(f))}[mode]
    want = _det_hessian_fd(a)
    np.testing.assert_allclose(second(np.linalg.det)(a), want, rtol=1e-9, atol=1e-9)


def test_det_third_derivative_at_an_invertible_matrix():
    a = np.array([[2.0, 1.0, 0.5], [0.3, 1.5, -0.4], [0.2, 0.7, 1.1]])
    h = tg.hessian(np.linalg.det)
    eps = 1e-4
    want = np.zeros((3,) * 6)
    for i in range(3):
        for j in range(3):
            e = np.zeros((3, 3))
            e[i, j] = eps
            want[..., i, j] = (h(a + e) - h(a - e)) / (2 * eps)
    np.testing.assert_allclose(tg.jacrev(h)(a), want, atol=1e-8)
    np.testing.assert_allclose(tg.jacfwd(h)(a), want, atol=1e-8)


def test_det_hessian_at_singular_matrices_under_jit_vmap_and_float32():
    stack = np.stack([SINGULAR["3x3 rank 2"], SINGULAR["3x3 rank 1"],
                      np.array([[2.0, 1.0, 0.5], [0.3, 1.5, -0.4], [0.2, 0.7, 1.1]])])
    hess = tg.hessian(np.linalg.det)
    np.testing.assert_array_equal(tg.vmap(hess)(stack), np.stack([hess(a) for a in stack]))
    np.testing.assert_array_equal(tg.jit(hess)(stack[0]), hess(stack[0]))
    v = np.arange(9.0).reshape(3, 3) / 9
    for hvp in (lambda a: tg.jvp(tg.grad(np.linalg.det), (a,), (v.astype(a.dtype),))[1],
                tg.grad(lambda a: tg.sum(tg.grad(np.linalg.det)(a) * v.astype(a.dtype)))):
        got = hvp(stack[0].astype(np.float32))
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, hvp(stack[0]), atol=1e-4)
