"""tg.fixed_point: the fixed point x* = f(params, x*), differentiated implicitly.

Derivatives against the implicit function theorem's closed forms and central
differences, in reverse and forward mode, for pytrees of params; under jit
(bit for bit against eager) and vmap (against a Python loop); float32 kept.
As autograd's examples/fixed_points.py and JAX's custom_root."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tapegrad as tg


def newton_sqrt(a, x):
    return 0.5 * (x + a / x)


def sqrt_fp(a):
    return tg.fixed_point(newton_sqrt, a, 1.0)


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)


def test_the_fixed_point_and_its_derivative_in_both_modes():
    for a in (2.0, 9.0, 0.3):
        assert sqrt_fp(a) == pytest.approx(math.sqrt(a), rel=1e-14)
        assert tg.grad(sqrt_fp)(a) == pytest.approx(0.5 / math.sqrt(a), rel=1e-12)
        assert tg.jvp(sqrt_fp, (a,), (2.0,))[1] == pytest.approx(1.0 / math.sqrt(a), rel=1e-12)


def test_the_derivative_does_not_depend_on_the_iterations_or_x0():
    # autograd's examples/fixed_points.py: the derivative is that of the fixed point,
    # whatever the start; x0 gets none
    g0 = tg.grad(lambda a: tg.fixed_point(newton_sqrt, a, 1.0))(2.0)
    g1 = tg.grad(lambda a: tg.fixed_point(newton_sqrt, a, 10.0))(2.0)
    assert g0 == pytest.approx(g1, rel=1e-12)
    assert tg.grad(lambda x0: tg.fixed_point(newton_sqrt, 2.0, x0))(1.0) == 0.0


def _contraction(p, x):
    return tg.tanh(p["W"] @ x + p["b"]) * p["s"]


PARAMS = {"W": 0.3 * np.random.default_rng(0).normal(size=(3, 3)),
          "b": np.array([0.1, -0.2, 0.3]), "s": 0.9}


def _loss(p):
    x = tg.fixed_point(_contraction, p, np.zeros(3))
    return tg.sum(x * np.array([1.0, -2.0, 0.5]))


def test_pytree_params_against_central_differences_both_modes():
    x = tg.fixed_point(_contraction, PARAMS, np.zeros(3))
    np.testing.assert_allclose(_contraction(PARAMS, x), x, atol=1e-12)
    tg.check_grads(_loss, (PARAMS,), order=1, modes=("rev",))
    tg.check_grads(_loss, (PARAMS,), order=1, modes=("fwd",))
    tg.check_grads(lambda p: tg.fixed_point(_contraction, p, np.zeros(3)), (PARAMS,), order=1)


def test_reverse_mode_equals_the_implicit_function_theorem():
    # dx*/db = (I - A)^-1 B with A = df/dx, B = df/db at x*, from jacobians of f
    p = PARAMS
    x = tg.fixed_point(_contraction, p, np.zeros(3))
    A = tg.jacobian(lambda v: _contraction(p, v))(x)
    B = tg.jacobian(lambda b: _contraction(dict(p, b=b), x))(p["b"])
    want = np.linalg.solve(np.eye(3) - A, B)
    got = tg.jacobian(lambda b: tg.fixed_point(_contraction, dict(p, b=b), np.zeros(3)))(p["b"])
    np.testing.assert_allclose(got, want, atol=1e-9)      # within the solve's tol
    np.testing.assert_allclose(tg.jacfwd(
        lambda b: tg.fixed_point(_contraction, dict(p, b=b), np.zeros(3)))(p["b"]), want,
        atol=1e-9)


def test_jit_is_eager_bit_for_bit_and_recomputes_on_every_call():
    f = tg.jit(sqrt_fp)
    g = tg.jit(tg.grad(sqrt_fp))
    for a in (2.0, 3.0, 5.0):
        assert f(a) == sqrt_fp(a) and g(a) == tg.grad(sqrt_fp)(a)
    jl = tg.jit(tg.grad(_loss))(PARAMS)
    el = tg.grad(_loss)(PARAMS)
    assert all(same(jl[k], el[k]) for k in el)


def test_vmap_equals_a_loop():
    a = np.array([2.0, 3.0, 0.5])
    np.testing.assert_array_equal(tg.vmap(sqrt_fp)(a), [sqrt_fp(v) for v in a])
    np.testing.assert_array_equal(tg.vmap(tg.grad(sqrt_fp))(a), [tg.grad(sqrt_fp)(v) for v in a])
    bs = np.array([[0.1, -0.2, 0.3], [0.0, 0.5, -0.5]])
    loss_b = lambda b: _loss(dict(PARAMS, b=b))
    np.testing.assert_allclose(tg.vmap(tg.grad(loss_b))(bs),
                               np.stack([tg.grad(loss_b)(b) for b in bs]), rtol=1e-13)


def test_float32_stays_float32():
    a = np.float32(2.0)
    x = tg.fixed_point(newton_sqrt, a, np.float32(1.0), tol=1e-6)
    assert np.asarray(x).dtype == np.float32
    g = tg.grad(lambda a: tg.fixed_point(newton_sqrt, a, np.float32(1.0), tol=1e-6))(a)
    assert np.asarray(g).dtype == np.float32
    assert float(g) == pytest.approx(0.5 / math.sqrt(2.0), rel=1e-5)


def test_no_convergence_is_a_clear_error():
    with pytest.raises(ValueError, match=r"did not converge in 5 iterations.*contraction"):
        tg.fixed_point(lambda a, x: a * x + 1.0, 2.0, 0.0, max_iter=5)


def test_second_derivatives_in_every_mode():
    for a in (2.0, 0.7):
        want = -0.25 * a ** -1.5                     # (sqrt a)''
        assert tg.grad(tg.grad(sqrt_fp))(a) == pytest.approx(want, rel=1e-9)
        assert tg.jvp(tg.grad(sqrt_fp), (a,), (1.0,))[1] == pytest.approx(want, rel=1e-9)
        assert tg.grad(lambda v: tg.jvp(sqrt_fp, (v,), (1.0,))[1])(a) == pytest.approx(
            want, rel=1e-9)
        assert tg.hessian(sqrt_fp)(a) == pytest.approx(want, rel=1e-9)
    small = {"W": PARAMS["W"], "b": PARAMS["b"]}
    tg.check_grads(lambda p: _loss(dict(p, s=0.9)), (small,), order=2, rtol=1e-4, atol=1e-6)
    assert tg.jit(tg.grad(tg.grad(sqrt_fp)))(2.0) == tg.grad(tg.grad(sqrt_fp))(2.0)


def test_x0_must_be_a_number():
    with pytest.raises(TypeError, match=r"x0 must be a float or an array.*one array"):
        tg.fixed_point(newton_sqrt, 2.0, [1.0, 1.0])


def test_make_tape_replays_the_solve_and_its_derivative():
    tape = tg.make_tape(sqrt_fp)(2.0)
    assert tape(9.0) == pytest.approx(3.0, rel=1e-14)
    assert tg.make_tape(tg.grad(sqrt_fp))(2.0)(4.0) == pytest.approx(0.25, rel=1e-12)
