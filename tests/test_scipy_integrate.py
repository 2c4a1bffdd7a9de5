"""tapegrad.scipy.integrate.odeint: values against SciPy, adjoint gradients, transforms."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.scipy.integrate import odeint

si = pytest.importorskip("scipy.integrate")
rng = np.random.default_rng(2)
TOL = dict(rtol=1e-11, atol=1e-11)


def oscillator(y, t, a, b):
    """A damped, driven oscillator; a list return, as SciPy's funcs often do."""
    return [y[1], -a * y[0] - b * y[1] + np.sin(t)]


def autograd_func(y, t, arg1, arg2):      # HIPS autograd's tests/test_scipy.py
    return -np.sqrt(t) - y + arg1 - np.mean((y + arg2) ** 2)


def decay(y, t, k):
    return -k * y


def _close(got, want, rtol=1e-12, atol=0.0):
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


# ---------------------------------------------------------------- values
@pytest.mark.parametrize("t", [np.linspace(0.0, 5.0, 7), np.linspace(5.0, 0.0, 7),
                               np.array([0.0, 0.1, 3.0, 3.0, 7.5]), np.array([1.0])],
                         ids=["increasing", "decreasing", "uneven", "one time"])
def test_values_equal_scipys(t):
    y0 = np.array([1.0, -0.5])
    got = odeint(oscillator, y0, t, (2.0, 0.3), **TOL)
    want = si.odeint(oscillator, y0, t, (2.0, 0.3), rtol=1e-13, atol=1e-13)
    assert got.shape == want.shape == (len(t), 2)
    _close(got, want, rtol=1e-8, atol=1e-9)
    np.testing.assert_array_equal(got[0], y0)


def test_default_tolerances_match_scipys_accuracy():
    y0, t = rng.normal(size=3), np.linspace(0.1, 0.2, 4)
    args = (rng.normal(size=3), rng.normal(size=3))
    want = si.odeint(autograd_func, y0, t, args, rtol=1e-13, atol=1e-13)
    ours = np.abs(odeint(autograd_func, y0, t, args) - want).max()
    theirs = np.abs(si.odeint(autograd_func, y0, t, args) - want).max()
    assert ours < max(10 * theirs, 1e-6)


def test_tfirst_and_a_scalar_state():
    t = np.linspace(0.0, 1.0, 3)
    got = odeint(lambda t, y, k: -k * y, 2.0, t, (1.5,), tfirst=True, **TOL)
    assert got.shape == (3, 1)
    _close(got[:, 0], 2.0 * np.exp(-1.5 * t), rtol=1e-9)


def test_pytree_args():
    params = {"a": 2.0, "b": np.array([0.3])}
    f = lambda y, t, p: [y[1], -p["a"] * y[0] - p["b"][0] * y[1] + np.sin(t)]
    t = np.linspace(0.0, 2.0, 4)
    _close(odeint(f, np.array([1.0, 0.0]), t, (params,), **TOL),
           odeint(oscillator, np.array([1.0, 0.0]), t, (2.0, 0.3), **TOL), rtol=1e-14)
    g = tg.grad(lambda p: tg.sum(odeint(f, np.array([1.0, 0.0]), t, (p,), **TOL)))(params)
    h = tg.grad(lambda a, b: tg.sum(odeint(oscillator, np.array([1.0, 0.0]), t, (a, b), **TOL)),
                argnums=(0, 1))(2.0, 0.3)
    _close(g["a"], h[0], rtol=1e-9)
    _close(g["b"], [h[1]], rtol=1e-9)


def test_integer_args_are_passed_through():
    f = lambda y, t, n, k: -k * y * n
    t = np.array([0.0, 1.0])
    _close(odeint(f, np.array([1.0]), t, (2, 0.5), **TOL)[1], [np.exp(-1.0)], rtol=1e-9)
    _close(tg.grad(lambda k: odeint(f, np.array([1.0]), t, (2, k), **TOL)[1, 0])(0.5),
           -2.0 * np.exp(-1.0), rtol=1e-8)


# ------------------------------------------------------------ derivatives
@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_derivatives_equal_the_closed_form_of_exponential_decay(mode):
    y0, k = np.array([1.5, -0.5]), 0.7
    t = np.array([0.2, 0.5, 1.3, 2.0])

    def f(y0, t, k):
        return odeint(decay, y0, t, (k,), **TOL)
    exact = y0[None, :] * np.exp(-k * (t - t[0]))[:, None]
    _close(f(y0, t, k), exact, rtol=1e-9)
    if mode == "rev":
        gy0, gt, gk = tg.grad(lambda *a: tg.sum(f(*a)), argnums=(0, 1, 2))(y0, t, k)
    else:
        gy0 = np.array([tg.jvp(lambda y: tg.sum(f(y, t, k)), (y0,), (e,))[1] for e in np.eye(2)])
        gt = np.array([tg.jvp(lambda s: tg.sum(f(y0, s, k)), (t,), (e,))[1] for e in np.eye(4)])
        gk = tg.jvp(lambda c: tg.sum(f(y0, t, c)), (k,), (1.0,))[1]
    _close(gy0, np.exp(-k * (t - t[0])).sum() * np.ones(2), rtol=1e-8)
    dt = -k * exact.sum(axis=1)                       # moving an output time
    dt[0] = k * exact[1:].sum()                       # moving the start moves every later y
    _close(gt, dt, rtol=1e-8, atol=1e-10)
    _close(gk, np.sum(-(t - t[0])[:, None] * exact), rtol=1e-8)


def test_autograd_case_checks_in_both_modes():
    y0, t = rng.normal(size=3), np.linspace(0.1, 0.2, 4)
    a1, a2 = rng.normal(size=3), rng.normal(size=3)
    tg.check_grads(lambda y0, t, a1, a2: odeint(autograd_func, y0, t, (a1, a2), **TOL),
                   (y0, t, a1, a2), order=1, rtol=1e-5, atol=1e-7)


def test_oscillator_gradients_equal_central_differences():
    y0, t = np.array([1.0, 0.5]), np.linspace(0.0, 3.0, 5)
    tg.check_grads(lambda y0, t, a, b: odeint(oscillator, y0, t, (a, b), **TOL),
                   (y0, t, 2.0, 0.3), order=1, rtol=1e-5, atol=1e-7)
    tg.check_grads(lambda y0, t, a, b: odeint(oscillator, y0, t[::-1], (a, b), **TOL),
                   (y0, t, 2.0, 0.3), order=1, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("outer", [tg.grad, tg.jacfwd], ids=["grad", "jacfwd"])
def test_a_second_derivative_is_the_closed_form(outer):
    f = lambda k: odeint(decay, np.array([1.0]), np.array([0.0, 1.0]), (k,), **TOL)[1, 0]
    _close(outer(outer(f))(0.5), np.exp(-0.5), rtol=1e-8)      # d2/dk2 exp(-k) = exp(-k)


# ------------------------------------------------------------ transforms
def _loss(y0, k):
    return odeint(decay, y0, np.linspace(0.0, 1.0, 3), (k,))


def test_jit_equals_eager_bit_for_bit():
    y0 = np.array([1.0, 2.0])
    assert np.array_equal(tg.jit(_loss)(y0, 0.7), _loss(y0, 0.7))
    g = lambda y0, k: tg.sum(_loss(y0, k) ** 2)
    ge = tg.grad(g, argnums=(0, 1))(y0, 0.7)
    gj = tg.jit(tg.grad(g, argnums=(0, 1)))(y0, 0.7)
    assert np.array_equal(ge[0], gj[0]) and ge[1] == gj[1]


def test_vmap_equals_a_loop():
    ks = np.array([0.1, 0.7, 2.0])
    y0 = np.array([1.0, 2.0])
    np.testing.assert_array_equal(tg.vmap(_loss, in_axes=(None, 0))(y0, ks),
                                  np.stack([_loss(y0, k) for k in ks]))
    g = tg.grad(lambda k: tg.sum(_loss(y0, k)))
    np.testing.assert_array_equal(tg.vmap(g)(ks), np.stack([g(k) for k in ks]))


def test_float32_stays_float32():
    y0 = np.array([1.0, 2.0], dtype=np.float32)
    ys = _loss(y0, 0.7)
    assert ys.dtype == np.float32
    _close(ys, _loss(y0.astype(np.float64), 0.7), rtol=1e-6)
    assert tg.grad(lambda y: tg.sum(_loss(y, 0.7)))(y0).dtype == np.float32


# ---------------------------------------------------------------- errors
def test_lsoda_options_are_refused_by_name():
    with pytest.raises(TypeError, match=r"odeint: Dfun, full_output \(an option of SciPy's "
                                        r"LSODA\) is not supported"):
        odeint(decay, np.array([1.0]), np.array([0.0, 1.0]), (1.0,), Dfun=None, full_output=1)


def test_too_many_steps_names_mxstep():
    with pytest.raises(RuntimeError, match=r"more than mxstep=3 steps.*larger mxstep"):
        odeint(decay, np.array([1.0]), np.array([0.0, 100.0]), (5.0,), mxstep=3)


def test_scipys_odeint_on_a_traced_value_names_ours():
    with pytest.raises(TypeError, match=r"^scipy\.integrate\.odeint was applied to a traced "
                                        r"value.*Use tapegrad\.scipy\.integrate\.odeint"):
        tg.grad(lambda k: si.odeint(decay, np.array([1.0]), np.array([0.0, 1.0]), (k,))[1, 0])(
            0.5)


# ---------------------------------------------------------------- JAX
def test_gradients_equal_jaxs():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    from jax.experimental.ode import odeint as jodeint
    jnp = jax.numpy
    y0, t = np.array([1.0, 0.5]), np.linspace(0.0, 3.0, 5)

    def jf(y, t, a, b):
        return jnp.stack([y[1], -a * y[0] - b * y[1] + jnp.sin(t)])
    want = jax.grad(lambda y0, t, a, b: jodeint(jf, y0, t, a, b, rtol=1e-11, atol=1e-11).sum()
                    ** 2, argnums=(0, 1, 2, 3))(y0, t, 2.0, 0.3)
    got = tg.grad(lambda y0, t, a, b: tg.sum(odeint(oscillator, y0, t, (a, b), **TOL)) ** 2,
                  argnums=(0, 1, 2, 3))(y0, t, 2.0, 0.3)
    for g, w in zip(got, want):
        _close(g, np.asarray(w), rtol=1e-7, atol=1e-9)


def test_make_tape_replays_odeint():
    tape = tg.make_tape(lambda k: tg.sum(_loss(np.array([1.0, 2.0]), k)))(0.7)
    assert tape(1.3) == tg.sum(_loss(np.array([1.0, 2.0]), 1.3))
