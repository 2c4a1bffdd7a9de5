"""JAX's ``lax.cond`` and ``lax.switch`` tests (``tests/lax_control_flow_test.py``), ported.

``tg.cond`` / ``tg.switch``: the value of the Python branch, eager and under
``jit`` (bit for bit, one specialization for every outcome), ``vmap`` over
a batched predicate or index against a loop, derivatives in both modes
against central differences and the closed forms, inside ``fori_loop`` and
``scan`` bodies (``testCondInLoop``-style programs, which a Python ``if``
cannot express there), pytree operands and results, the zero cotangent of
the branch not taken, and the refusals (``testCondTypeErrors``).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg


def cond_fun(x):
    return tg.cond(x > 0.5, lambda y: np.sin(y) * y, lambda y: y ** 3 - 1.0, x)


def cond_python(x):
    return np.sin(x) * x if x > 0.5 else x ** 3 - 1.0


BRANCHES = [lambda y: y + 1.0, lambda y: np.cos(y) * 2.0, lambda y: y * y * y]


def switch_fun(i, x):
    return tg.switch(i, BRANCHES, x)


def switch_python(i, x):
    return BRANCHES[min(max(int(i), 0), len(BRANCHES) - 1)](x)


XS = np.array([-1.3, 0.2, 0.7, 2.5])


def test_cond_is_the_python_branch_in_every_transform():
    for x in XS:
        x = float(x)
        assert cond_fun(x) == cond_python(x)
        assert tg.jit(cond_fun)(x) == cond_python(x)
        np.testing.assert_allclose(tg.grad(cond_fun)(x), fd(cond_python, x), rtol=1e-8)
        assert tg.jvp(cond_fun, (x,), (1.0,))[1] == tg.grad(cond_fun)(x)
    np.testing.assert_array_equal(tg.vmap(cond_fun)(XS), [cond_python(float(x)) for x in XS])
    np.testing.assert_array_equal(tg.vmap(tg.grad(cond_fun))(XS),
                                  [tg.grad(cond_fun)(float(x)) for x in XS])
    assert tg.grad(cond_fun)(2.5) == np.cos(2.5) * 2.5 + np.sin(2.5)
    assert tg.grad(cond_fun)(-1.3) == 3 * (-1.3) ** 2


def test_a_traced_predicate_needs_one_jit_specialization():
    traces = []

    def f(x):
        traces.append(1)
        return cond_fun(x)
    jf = tg.jit(f)
    for x in XS:
        assert jf(float(x)) == cond_python(float(x))
    assert len(traces) == 1


def test_cond_with_a_plain_predicate_runs_only_the_chosen_branch():
    ran = []

    def branch(name):
        def run(x):
            ran.append(name)
            return x * 2.0
        return run
    assert tg.grad(lambda x: tg.cond(True, branch("t"), branch("f"), x))(1.0) == 2.0
    assert tg.cond(0, branch("t"), branch("f"), 1.0) == 2.0
    assert ran == ["t", "f"]


@pytest.mark.parametrize("i", [-3, 0, 1, 2, 7])
def test_switch_clamps_the_index_and_is_the_branch_in_every_transform(i):
    x = 0.8
    assert switch_fun(i, x) == switch_python(i, x)
    assert tg.jit(switch_fun)(i, x) == switch_python(i, x)
    g = tg.grad(switch_fun, argnums=1)(i, x)
    np.testing.assert_allclose(g, fd(lambda x: switch_python(i, x), x), rtol=1e-8)
    assert tg.jvp(lambda x: switch_fun(i, x), (x,), (1.0,))[1] == g


def test_switch_over_a_batch_of_indices_is_the_loop():
    idx = np.array([-1, 0, 1, 2, 3])
    xs = np.linspace(0.1, 1.3, 5)
    loop = [switch_python(i, float(x)) for i, x in zip(idx, xs)]
    np.testing.assert_array_equal(tg.vmap(switch_fun)(idx, xs), loop)
    grads = tg.vmap(tg.grad(switch_fun, argnums=1))(idx, xs)
    np.testing.assert_array_equal(
        grads, [tg.grad(switch_fun, argnums=1)(int(i), float(x)) for i, x in zip(idx, xs)])
    # a float index truncates toward zero, as JAX's conversion to int32
    assert switch_fun(1.7, 0.8) == switch_python(1, 0.8)
    assert tg.jit(switch_fun)(1.7, 0.8) == switch_python(1, 0.8)


def _loop_python(x):
    for i in range(5):
        x = x * 2.0 if i % 2 == 0 else np.sin(x)
    return x


def test_cond_inside_a_fori_loop_body():
    def f(x):
        return tg.fori_loop(0, 5, lambda i, c: tg.cond(i % 2 == 0, lambda y: y * 2.0,
                                                        np.sin, c), x)
    for x in (0.3, -0.2):
        assert f(x) == _loop_python(x)
        assert tg.jit(f)(x) == f(x)
        np.testing.assert_allclose(tg.grad(f)(x), fd(_loop_python, x), rtol=1e-7)
    np.testing.assert_array_equal(tg.vmap(f)(np.array([0.3, -0.2])),
                                  [_loop_python(0.3), _loop_python(-0.2)])


def test_cond_and_switch_inside_a_scan_body_with_pytree_carries():
    def step(c, a):
        new = tg.cond(a > 0, lambda c: {"u": c["u"] * a, "v": c["v"] + 1.0},
                      lambda c: {"u": c["u"] - a, "v": c["v"] * 2.0}, c)
        out = tg.switch(np.int64(1) + (a > 2), [np.sin, np.cos, np.tanh], new["u"])
        return new, out

    def python(u, v, xs):
        outs = []
        for a in xs:
            u, v = (u * a, v + 1.0) if a > 0 else (u - a, v * 2.0)
            outs.append(np.tanh(u) if a > 2 else np.cos(u))
        return u, v, outs
    xs = np.array([1.5, -2.0, 3.0])
    c, ys = tg.scan(step, {"u": 0.5, "v": 1.0}, xs)
    u, v, outs = python(0.5, 1.0, xs)
    assert (c["u"], c["v"]) == (u, v)
    np.testing.assert_array_equal(ys, outs)
    g = tg.grad(lambda u: np.sum(tg.scan(step, {"u": u, "v": 1.0}, xs)[1]))(0.5)
    np.testing.assert_allclose(g, fd(lambda u: np.sum(python(u, 1.0, xs)[2]), 0.5), rtol=1e-7)


def test_the_branch_not_taken_contributes_exactly_zero():
    def f(x):
        return tg.cond(x > 0, lambda: np.sqrt(x), lambda: 0.0 * x)
    assert tg.grad(f)(0.0) == 0.0                       # sqrt'(0) = inf is not taken
    assert tg.jit(tg.grad(f))(0.0) == 0.0
    np.testing.assert_array_equal(tg.vmap(tg.grad(f))(np.array([0.0, 4.0])), [0.0, 0.25])


def test_cond_and_switch_refusals():
    with pytest.raises(TypeError, match="pred must be a scalar.*tg.where"):
        tg.cond(np.array([True, False]), lambda: 1.0, lambda: 2.0)
    with pytest.raises(TypeError, match="different structures"):
        tg.jit(lambda x: tg.cond(x > 0, lambda: (x, x), lambda: [x, x]))(1.0)
    with pytest.raises(TypeError, match="shapes"):
        tg.jit(lambda x: tg.cond(x > 0, lambda: x, lambda: np.ones(2) * x))(1.0)
    with pytest.raises(ValueError, match="at least one"):
        tg.switch(0, [], 1.0)
    with pytest.raises(TypeError, match="index must be a scalar"):
        tg.switch(np.array([0, 1]), BRANCHES, 1.0)
