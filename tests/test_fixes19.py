"""Regression tests: zero tangents through indexing, odeint closures, refusals, entropy."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

SQ = np.array([[0.0, 1.0], [1.0, 0.0]])


# ----------------------------------------------- 1. a zero tangent through x[i]
def _f(p):
    return np.sum(SQ * p[0] * p[1]) + np.sum(SQ * p[0])


def _hessian_closed(p):
    """f = 2 p0 p1 + 2 p0: its Hessian is [[0, 2], [2, 0]]."""
    return np.array([[0.0, 2.0], [2.0, 0.0]])


def _jvp_of(f):
    return lambda p, v: tg.jvp(f, (p,), (v,))[1]


@pytest.mark.parametrize("v", [np.array([0.0, 1.0]), np.array([1.0, 0.0]),
                               np.array([0.0, 0.0]), np.array([0.5, 2.0])])
def test_vjp_of_jvp_with_zero_tangent_component(v):
    p = np.array([0.3, 1.0])
    _, pull = tg.vjp(_jvp_of(_f), p, v)
    gp, gv = pull(1.0)
    H = _hessian_closed(p)
    np.testing.assert_allclose(gp, H @ v, atol=1e-12)
    np.testing.assert_allclose(gv, np.array([2 * p[1] + 2, 2 * p[0]]), atol=1e-12)


def test_issue_example_scalar_product():
    p, v = np.array([0.3, 1.0]), np.array([0.0, 1.0])
    f = lambda p, v: tg.jvp(lambda p: np.sum(SQ * p[0]), (p,), (v,))[1]  # noqa: E731
    gp, gv = tg.vjp(f, p, v)[1](1.0)
    np.testing.assert_array_equal(gp, [0.0, 0.0])
    np.testing.assert_array_equal(gv, [2.0, 0.0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_hessian_and_check_grads_order2_at_zero(dtype):
    p = np.array([0.0, 1.0], dtype=dtype)
    np.testing.assert_allclose(tg.hessian(_f)(p), _hessian_closed(p), atol=1e-6)
    tg.check_grads(_f, (np.array([0.0, 1.0]),), order=2)
    tg.check_grads(lambda p: np.sum(SQ * p[1:] ** 2 * p[0]), (np.array([0.0, 0.0, 2.0]),),
                   order=2)


def test_forward_over_forward_with_zero_tangent():
    p = np.array([0.3, 1.0])
    v = np.array([0.0, 1.0])
    u = np.array([1.0, 0.0])
    got = tg.jvp(lambda p: _jvp_of(_f)(p, v), (p,), (u,))[1]
    assert got == pytest.approx(u @ _hessian_closed(p) @ v)


def test_zero_tangent_under_jit_matches_eager():
    p = np.array([0.3, 1.0])
    g = lambda p, v: tg.vjp(_jvp_of(_f), p, v)[1](1.0)  # noqa: E731
    for v in (np.array([0.0, 1.0]), np.array([0.5, 2.0])):
        eager = g(p, v)
        jitted = tg.jit(g)(p, v)
        for a, b in zip(eager, jitted):
            np.testing.assert_array_equal(a, b)


def test_zero_tangent_under_vmap_matches_loop():
    p = np.array([0.3, 1.0])
    vs = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 0.0], [0.5, 2.0]])
    g = lambda v: tg.vjp(_jvp_of(_f), p, v)[1](1.0)[0]  # noqa: E731
    np.testing.assert_allclose(tg.vmap(g)(vs), np.stack([g(v) for v in vs]), atol=1e-12)


def test_zero_times_array_keeps_shape_in_jvp_tape():
    """The tangent of a scalar zero times an array has the array's shape."""
    p = np.array([0.3, 1.0])
    t = tg.jvp(lambda p: SQ * p[0], (p,), (np.array([0.0, 1.0]),))[1]
    assert np.shape(t) == (2, 2)
    np.testing.assert_array_equal(t, np.zeros((2, 2)))


def test_index_add_and_fancy_index_with_zero_tangents():
    idx = np.array([0, 0, 1])
    f = lambda x: np.sum(SQ[0][:, None] * x[idx][:2] * x[1])  # noqa: E731
    x = np.array([0.0, 0.0, 3.0])
    tg.check_grads(f, (x,), order=2)
    tg.check_grads(lambda x: np.sum(np.ones(3) * x[2] * x[0]), (x,), order=2)
