"""JAX's ``linearize`` and ``linear_transpose`` tests from ``tests/api_test.py``, ported.

``linearize(f, *primals)`` gives ``f(*primals)`` and the map ``t -> J t``:
equal to ``jvp``'s tangent on scalars, arrays, pytrees and several
arguments; linear; run without calling ``f`` again; with ``has_aux``;
refusing tangents that do not fit the primals; and composing with ``jit``,
``vmap`` (its Jacobian is ``jacfwd``'s), ``grad`` (its transpose is
``vjp``) and with being called inside those transforms. Then
``linear_transpose`` (api_test's ``test_linear_transpose_*``): abstract and
integer arguments, selections, matrices and pytrees (the adjoint identity),
and the refusal of a function that is not linear.
"""

from __future__ import annotations

import types

import numpy as np
import pytest

import tapegrad as tg


def f_sin(x):
    return np.sin(np.sin(x)) * x


CASES = [
    (f_sin, (1.0,), (3.0,)),
    (f_sin, (np.linspace(-1.0, 2.0, 5),), (np.cos(np.arange(5.0)),)),
    (lambda x, y: x @ np.tanh(y), (np.ones((2, 3)) * 0.3, np.arange(3.0)),
     (np.arange(6.0).reshape(2, 3), np.array([1.0, -1.0, 0.5]))),
    (lambda p: {"a": p["w"] * p["b"], "b": [tg.exp(p["b"])]},
     ({"w": np.arange(3.0), "b": 0.5},), ({"w": np.ones(3), "b": 2.0},)),
]


def _same(a, b):
    for x, y in zip(tg.tree.leaves(a), tg.tree.leaves(b)):
        x, y = np.asarray(x), np.asarray(y)
        assert (x.dtype, x.shape) == (y.dtype, y.shape)
        np.testing.assert_array_equal(x, y)
    assert tg.tree.structure(a) == tg.tree.structure(b)


@pytest.mark.parametrize("k", range(len(CASES)))
def test_linearize_gives_the_value_and_jvps_tangent(k):
    f, primals, tangents = CASES[k]
    out, f_jvp = tg.linearize(f, *primals)
    _same(out, f(*primals))
    _same(f_jvp(*tangents), tg.jvp(f, primals, tangents)[1])


def test_the_tangent_of_sin_sin_is_the_closed_form():
    y, f_jvp = tg.linearize(lambda x: np.sin(np.sin(x)), 1.0)
    assert y == np.sin(np.sin(1.0))
    np.testing.assert_allclose(f_jvp(3.0), 3.0 * np.cos(np.sin(1.0)) * np.cos(1.0), rtol=1e-15)


def test_the_linearized_function_is_linear_and_f_runs_once():
    calls = []

    def f(x):
        calls.append(1)
        return np.tanh(x) * x[::-1]

    x = np.linspace(-1.0, 1.0, 4)
    _, f_jvp = tg.linearize(f, x)
    t1, t2 = np.arange(4.0), np.cos(np.arange(4.0))
    np.testing.assert_allclose(f_jvp(2.0 * t1 - 3.0 * t2), 2.0 * f_jvp(t1) - 3.0 * f_jvp(t2),
                               rtol=1e-14, atol=1e-14)
    np.testing.assert_array_equal(f_jvp(np.zeros(4)), np.zeros(4))
    assert len(calls) == 1


def test_has_aux_returns_the_aux_undifferentiated():
    def f(x):
        return x ** 2, {"half": x / 2}
    y, f_jvp, aux = tg.linearize(f, 3.0, has_aux=True)
    assert (y, f_jvp(1.0), aux) == (9.0, 6.0, {"half": 1.5})
    assert type(aux["half"]) is float


def test_tangents_that_do_not_fit_the_primals_are_refused():
    _, f_jvp = tg.linearize(lambda x, y: x * y, np.ones(3), 2.0)
    with pytest.raises(ValueError, match="shape"):
        f_jvp(np.ones(2), 1.0)
    with pytest.raises(ValueError, match="tangent"):
        f_jvp(np.ones(3))
    _, g_jvp = tg.linearize(lambda p: p["a"] * 2, {"a": 1.0})
    with pytest.raises(ValueError, match="structure"):
        g_jvp({"b": 1.0})


def test_an_output_that_does_not_depend_on_the_input_has_zero_tangent():
    _, f_jvp = tg.linearize(lambda x: (np.ones(2), x * 0 + 1.0), 2.0)
    ones, t = f_jvp(5.0)
    np.testing.assert_array_equal(ones, np.zeros(2))
    assert t == 0.0


def test_float32_primals_give_float32_tangents():
    x = np.linspace(0.1, 1.0, 3).astype(np.float32)
    y, f_jvp = tg.linearize(np.exp, x)
    t = f_jvp(np.ones(3, np.float32))
    assert y.dtype == t.dtype == np.float32
    np.testing.assert_array_equal(t, tg.jvp(np.exp, (x,), (np.ones(3, np.float32),))[1])


def test_the_linearized_function_under_jit_vmap_and_grad():
    x = np.linspace(-1.0, 2.0, 4)
    _, f_jvp = tg.linearize(f_sin, x)
    t = np.cos(np.arange(4.0))
    _same(tg.jit(f_jvp)(t), f_jvp(t))
    # pushing the basis through the map gives the Jacobian
    np.testing.assert_array_equal(tg.vmap(f_jvp)(np.eye(4)), tg.jacfwd(f_sin)(x))
    # its transpose is the vjp
    u = np.arange(4.0) - 1.5
    g = tg.grad(lambda t: tg.sum(f_jvp(t) * u))(t)
    np.testing.assert_allclose(g, tg.vjp(f_sin, x)[1](u)[0], rtol=1e-15)


def test_linearize_inside_grad_jit_and_vmap():
    def slope(x):
        return tg.linearize(lambda x: x ** 3, x)[1](1.0)
    assert tg.grad(slope)(2.0) == 12.0
    assert tg.jit(slope)(2.0) == slope(2.0) == 12.0
    xs = np.array([0.0, 1.0, -2.0])
    np.testing.assert_array_equal(tg.vmap(slope)(xs), [slope(float(x)) for x in xs])
    np.testing.assert_array_equal(tg.vmap(tg.grad(slope))(xs), 6.0 * xs)


# ----------------------------------------------------------- linear_transpose
A = np.arange(6.0).reshape(2, 3)


def test_linear_transpose_of_an_abstract_float32_argument():
    x = types.SimpleNamespace(shape=(3,), dtype=np.dtype(np.float32))
    y = np.arange(3, dtype=np.float32)
    (z,) = tg.linear_transpose(lambda x: 2 * x, x)(y)
    assert z.dtype == np.float32
    np.testing.assert_array_equal(z, 2 * y)


def test_linear_transpose_of_an_integer_argument_and_of_a_selection():
    (got,) = tg.linear_transpose(lambda x: 2 * x, 1)(3)
    assert got == 6
    (got,) = tg.linear_transpose(lambda x: x[0], [1.0, 2.0])(3.0)
    assert got == [3.0, 0.0]


def test_linear_transpose_of_a_matrix_is_the_transposed_matrix_in_every_transform():
    t = tg.linear_transpose(lambda x: A @ x, np.zeros(3))
    c = np.array([1.0, -2.0])
    np.testing.assert_array_equal(t(c)[0], A.T @ c)
    np.testing.assert_array_equal(tg.jit(lambda c: t(c)[0])(c), t(c)[0])
    np.testing.assert_array_equal(tg.vmap(lambda c: t(c)[0])(np.eye(2)), A)
    # it is linear itself: its own transpose is the matrix again
    (back,) = tg.linear_transpose(lambda c: t(c)[0], np.zeros(2))(np.ones(3))
    np.testing.assert_array_equal(back, A @ np.ones(3))


def test_linear_transpose_of_pytrees_is_the_adjoint():
    def f(p):
        return {"s": p["a"] + 2 * p["b"], "d": p["a"] - p["b"][::-1]}
    primal = {"a": 0.0, "b": np.zeros(2)}
    (ct,) = tg.linear_transpose(f, primal)({"s": np.array([1.0, 2.0]), "d": np.array([3.0, 5.0])})
    # <f(p), c> == <p, f^T(c)> at a random p
    p = {"a": 0.7, "b": np.array([-1.0, 0.3])}
    out = f(p)
    lhs = np.dot(out["s"], [1.0, 2.0]) + np.dot(out["d"], [3.0, 5.0])
    rhs = p["a"] * ct["a"] + np.dot(p["b"], ct["b"])
    np.testing.assert_allclose(lhs, rhs, rtol=1e-14)


@pytest.mark.parametrize("f", [lambda x: x + 1.0, lambda x: x ** 2, np.sin],
                         ids=["affine", "square", "sin"])
def test_linear_transpose_of_a_function_that_is_not_linear_is_refused(f):
    with pytest.raises(TypeError, match="not linear"):
        tg.linear_transpose(f, 1.0)


def test_linear_transpose_refuses_a_cotangent_of_another_structure():
    t = tg.linear_transpose(lambda x: [x, x], 1.0)
    assert t([1.0, 2.0]) == (3.0,)
    with pytest.raises(ValueError, match="structure"):
        t(1.0)
