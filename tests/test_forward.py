"""jvp, jacfwd, jacrev/jacobian, hessian: values against closed forms and
central differences, pytree structure, argument checks, and nesting."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import fd
from test_ops import BINARY, UNARY

import tapegrad as tg


# ------------------------------------------------------------------- jvp
@pytest.mark.parametrize("name,f,df,x0", UNARY, ids=[u[0] for u in UNARY])
def test_jvp_of_every_unary_primitive(name, f, df, x0):
    out, t = tg.jvp(f, (x0,), (0.5,))
    assert out == f(x0)
    assert t == pytest.approx(0.5 * df(x0), rel=1e-9, abs=1e-12)   # closed form
    assert type(t) is float


@pytest.mark.parametrize("name,f", BINARY, ids=[b[0] for b in BINARY])
def test_jvp_of_every_binary_primitive_with_broadcasting(name, f, rng):
    """A (2, 1) array against a (3,) array and a float: the output tangent
    is the sum of each input's contribution, shaped like the output."""
    a = rng.uniform(0.5, 2.0, size=(2, 1))
    b = rng.uniform(0.5, 2.0, size=(3,))
    w = 0.8
    fun = lambda a, b, w: f(a * w, b)
    ta, tb, tw = rng.normal(size=(2, 1)), rng.normal(size=3), -0.6
    out, t = tg.jvp(fun, (a, b, w), (ta, tb, tw))
    assert out.shape == t.shape == (2, 3)
    eps = 1e-6
    expected = (fun(a + eps * ta, b + eps * tb, w + eps * tw)
                - fun(a - eps * ta, b - eps * tb, w - eps * tw)) / (2 * eps)
    np.testing.assert_allclose(t, expected, rtol=1e-6, atol=1e-9)
    # a tangent on the float alone still gives a tangent shaped like the output
    _, t_w = tg.jvp(fun, (a, b, w), (np.zeros((2, 1)), np.zeros(3), 1.0))
    assert t_w.shape == (2, 3)


def test_jvp_pytrees_in_and_out():
    f = lambda p, x: {"y": p["w"] * x + p["b"], "both": [p["w"], x]}
    out, t = tg.jvp(f, ({"w": 2.0, "b": 1.0}, 3.0), ({"w": 1.0, "b": 0.0}, 0.5))
    assert out == {"y": 7.0, "both": [2.0, 3.0]}
    assert t == {"y": 1.0 * 3.0 + 2.0 * 0.5, "both": [1.0, 0.5]}


def test_jvp_of_an_output_that_does_not_depend_on_the_input():
    out, t = tg.jvp(lambda x: (np.ones(2), 5.0, x * 0.0), (1.0,), (1.0,))
    np.testing.assert_array_equal(t[0], np.zeros(2))
    assert t[1] == 0.0 and t[2] == 0.0


def test_jvp_has_aux_and_int_primal():
    out, t, aux = tg.jvp(lambda x: (x * x, {"seen": x}), (3,), (1,), has_aux=True)
    assert (out, t, aux) == (9.0, 6.0, {"seen": 3.0})
    assert type(t) is float


def test_jvp_argument_checks_name_the_problem():
    f = lambda p: p["w"] * 2.0
    with pytest.raises(TypeError, match=r"primals must be a tuple or list.*\(x,\)"):
        tg.jvp(f, {"w": 1.0}, ({"w": 1.0},))
    with pytest.raises(ValueError, match=r"1 primal\(s\) but 2 tangent\(s\)"):
        tg.jvp(f, ({"w": 1.0},), ({"w": 1.0}, 1.0))
    with pytest.raises(ValueError, match="structure"):
        tg.jvp(f, ({"w": 1.0},), ({"v": 1.0},))
    with pytest.raises(ValueError, match=r"tangent at p\['w'\] has shape \(2,\).*\(\)"):
        tg.jvp(f, ({"w": 1.0},), ({"w": np.ones(2)},))
    with pytest.raises(TypeError, match=r"p\['w'\] is a str"):
        tg.jvp(f, ({"w": 1.0},), ({"w": "one"},))


def test_jvp_is_linear_in_the_tangent(rng):
    f = lambda x: tg.sin(x) * tg.exp(x)
    x, t1, t2 = rng.normal(size=(3, 4))
    _, a = tg.jvp(f, (x,), (t1,))
    _, b = tg.jvp(f, (x,), (t2,))
    _, c = tg.jvp(f, (x,), (2 * t1 - t2,))
    np.testing.assert_allclose(c, 2 * a - b, rtol=1e-12, atol=1e-12)


def test_forward_zero_tangent_contributes_exactly_zero():
    """The forward twin of TRAPS row 15: no tangent flows into sqrt(y) at y = 0,
    so its infinite slope never meets it; the branch where() drops gets zero."""
    f = lambda x, y: x + tg.sqrt(y)
    assert tg.jvp(f, (1.0, 0.0), (1.0, 0.0)) == (1.0, 1.0)
    g = lambda x: tg.where(x > 0, 1 / x, 0.0)
    assert tg.jvp(g, (0.0,), (1.0,)) == (0.0, 0.0)
    np.testing.assert_array_equal(
        tg.jvp(g, (np.array([0.0, 2.0]),), (np.ones(2),))[1], [0.0, -0.25])


# ------------------------------------------------------------- Jacobians
def vector_fun(x, y):
    return {"p": x * y, "q": [tg.sum(tg.sin(x)), y ** 2]}


@pytest.mark.parametrize("jac", [tg.jacfwd, tg.jacrev])
def test_jacobian_structure_and_values(jac, rng):
    x, y = rng.normal(size=3), 0.7
    J = jac(vector_fun, argnums=(0, 1))(x, y)
    # outer = output structure, inner = a tuple over argnums
    assert set(J) == {"p", "q"} and isinstance(J["q"], list)
    dp_dx, dp_dy = J["p"]
    assert dp_dx.shape == (3, 3) and dp_dy.shape == (3,)
    np.testing.assert_allclose(dp_dx, np.diag(np.full(3, y)))
    np.testing.assert_allclose(dp_dy, x)
    dq0_dx, dq0_dy = J["q"][0]
    np.testing.assert_allclose(dq0_dx, np.cos(x))
    assert dq0_dy == 0.0
    dq1_dx, dq1_dy = J["q"][1]
    np.testing.assert_array_equal(dq1_dx, np.zeros(3))
    assert dq1_dy == pytest.approx(2 * y)


def test_jacfwd_equals_jacrev_on_arrays_and_matches_fd(rng):
    f = lambda x: tg.tanh(x * np.arange(1.0, 3.0)[:, None]) * tg.sum(x)
    x = rng.normal(size=(3,))
    Jf, Jr = tg.jacfwd(f)(x), tg.jacrev(f)(x)
    assert Jf.shape == Jr.shape == (2, 3, 3)
    np.testing.assert_allclose(Jf, Jr, rtol=1e-12)
    for i in range(2):
        for j in range(3):
            np.testing.assert_allclose(Jf[i, j], fd(lambda v: f(v)[i, j], x), rtol=1e-6)


def test_jacobian_is_jacrev_and_argnums_int_gives_no_tuple():
    assert tg.jacobian is tg.jacrev
    J = tg.jacobian(lambda a, b: [a * b, a + b], argnums=1)(2.0, 3.0)
    assert J == [2.0, 1.0]
    J = tg.jacfwd(lambda p: p["a"] * p["b"])({"a": 2.0, "b": 3.0})
    assert J == {"a": 3.0, "b": 2.0}


def test_jacobian_has_aux():
    J, aux = tg.jacrev(lambda x: ([x, x * x], x + 1), has_aux=True)(3.0)
    assert J == [1.0, 6.0] and aux == 4.0
    J, aux = tg.jacfwd(lambda x: ([x, x * x], x + 1), has_aux=True)(3.0)
    assert J == [1.0, 6.0] and aux == 4.0


# --------------------------------------------------------------- Hessians
def mlp_loss(params, x, y):
    """A 2-3-1 tanh MLP written out, on plain floats."""
    h = [tg.tanh(sum(w * xi for w, xi in zip(row, x)) + b)
         for row, b in zip(params["w1"], params["b1"])]
    out = sum(w * hi for w, hi in zip(params["w2"], h)) + params["b2"]
    return (out - y) ** 2


def test_hessian_of_an_mlp_loss_equals_differences_of_grad(rng):
    params = {"w1": rng.normal(size=(3, 2)).tolist(), "b1": rng.normal(size=3).tolist(),
              "w2": rng.normal(size=3).tolist(), "b2": 0.1}
    x, y = [0.5, -1.2], 0.3
    H = tg.hessian(mlp_loss)(params, x, y)
    leaves, treedef = tg.tree.flatten(params)
    n = len(leaves)
    assert n == 13
    flat_g = lambda v: np.array(tg.tree.leaves(
        tg.grad(mlp_loss)(tg.tree.unflatten(treedef, list(v)), x, y)))
    eps = 1e-5
    fd_H = np.empty((n, n))
    for j in range(n):
        e = np.zeros(n)
        e[j] = eps
        fd_H[:, j] = (flat_g(np.array(leaves) + e) - flat_g(np.array(leaves) - e)) / (2 * eps)
    # H[path_i][path_j]: flattening the nested result gives the rows in order
    ours = np.array(tg.tree.leaves(H)).reshape(n, n)
    np.testing.assert_allclose(ours, fd_H, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(ours, ours.T, rtol=1e-10, atol=1e-12)   # symmetric


def test_hessian_of_arrays_closed_form(rng):
    x = rng.normal(size=4)
    H = tg.hessian(lambda x: tg.sum(tg.tanh(x) ** 2))(x)
    t = np.tanh(x)
    np.testing.assert_allclose(H, np.diag(2 * (1 - t * t) * (1 - 3 * t * t)), atol=1e-12)
    a = rng.normal(size=4)
    H = tg.hessian(lambda x: tg.sum(a * x) * tg.sum(x * x))(x)      # 2(a x^T + x a^T) + 2 a.x I
    np.testing.assert_allclose(H, 2 * (np.outer(a, x) + np.outer(x, a)) + 2 * a @ x * np.eye(4))


def test_hessian_argnums_and_of_a_function_calling_grad():
    f = lambda x, y: x ** 3 * y ** 2
    H = tg.hessian(f, argnums=(0, 1))(2.0, 3.0)
    assert H == ((6 * 2 * 9, 3 * 4 * 2 * 3), (3 * 4 * 2 * 3, 2 * 8))
    # hessian of a function that itself calls grad: g(x) = x * f'(x), f = sin
    g = lambda x: x * tg.grad(tg.sin)(x)
    x = 0.7
    assert tg.hessian(g)(x) == pytest.approx(-2 * math.sin(x) - x * math.cos(x))


def test_tanh_to_order_four_against_closed_forms():
    x = 0.3
    t = math.tanh(x)
    s = 1 - t * t
    closed = [s, -2 * t * s, -2 * s * (1 - 3 * t * t), 8 * t * s * (2 - 3 * t * t)]
    d = tg.tanh
    for k in range(4):
        d = tg.grad(d)
        assert d(x) == pytest.approx(closed[k], rel=1e-12), k + 1
    # the same through forward mode, and mixed
    d1 = lambda x: tg.jvp(tg.tanh, (x,), (1.0,))[1]
    d2 = lambda x: tg.jvp(d1, (x,), (1.0,))[1]
    d3 = tg.grad(d2)
    d4 = lambda x: tg.jvp(d3, (x,), (1.0,))[1]
    assert [d1(x), d2(x), d3(x), d4(x)] == pytest.approx(closed, rel=1e-12)


# ----------------------------------------------------------------- nesting
def test_nesting_forward_and_reverse_in_every_order():
    f = lambda x: tg.sin(x) * x            # f'' = 2cos x - x sin x
    x = 0.9
    f2 = 2 * math.cos(x) - x * math.sin(x)
    grad_of_jvp = tg.grad(lambda x: tg.jvp(f, (x,), (1.0,))[1])(x)
    jvp_of_grad = tg.jvp(tg.grad(f), (x,), (1.0,))[1]
    jvp_of_jvp = tg.jvp(lambda x: tg.jvp(f, (x,), (1.0,))[1], (x,), (1.0,))[1]
    grad_of_grad = tg.grad(tg.grad(f))(x)
    for value in (grad_of_jvp, jvp_of_grad, jvp_of_jvp, grad_of_grad):
        assert value == pytest.approx(f2, rel=1e-12)


def test_tangent_that_depends_on_the_outer_variable():
    """grad through the tangent argument of jvp: d/dx [jvp(sin, (1,), (x,))]."""
    g = tg.grad(lambda x: tg.jvp(tg.sin, (1.0,), (x * x,))[1])(3.0)
    assert g == pytest.approx(2 * 3.0 * math.cos(1.0))


def test_jacobian_inside_grad_stays_differentiable(rng):
    x = rng.normal(size=3)
    for jac in (tg.jacfwd, tg.jacrev):
        g = tg.grad(lambda x: tg.sum(jac(lambda y: y ** 3)(x)))(x)
        np.testing.assert_allclose(g, 6 * x, rtol=1e-12)
    g = tg.grad(lambda x: tg.sum(tg.hessian(lambda y: tg.sum(y ** 3))(x)))(x)
    np.testing.assert_allclose(g, np.full(3, 6.0), rtol=1e-12)


def test_forward_mode_on_a_long_chain_has_no_recursion_limit():
    def chain(x):
        for _ in range(50_000):
            x = x * 1.00001 + 0.00001
        return x
    _, t = tg.jvp(chain, (0.5,), (1.0,))
    assert t == pytest.approx(1.00001 ** 50_000)


def test_hessian_has_aux():
    H, aux = tg.hessian(lambda x: (x ** 3, {"x": x}), has_aux=True)(2.0)
    assert H == 12.0 and aux == {"x": 2.0}
