"""HIPS autograd's test_misc, test_truediv, test_numpy_interp, test_builtins, test_direct.

``const_graph`` (``from tapegrad.misc import const_graph``, with
``primitive`` from ``tapegrad.tracer`` and ``scalar_close`` from
``tapegrad.test_util``, as autograd spells them): the function's Python
code runs once, later calls replay the recorded primitives that depend on
the arguments; ``flatten`` of a nested container; ``x / y`` over autograd's
argument pairs kept away from zero, to second order; ``np.interp``'s
derivative in ``fp`` (inside and beyond the sample points, with
``left``/``right``) and its values against NumPy's; ``isinstance`` and
``type`` from ``tapegrad.builtins`` seeing through traced values.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.misc import const_graph, flatten
from tapegrad.test_util import check_grads, scalar_close
from tapegrad.tracer import getval, primitive


def test_const_graph_runs_the_python_once_and_gives_the_same_numbers():
    calls = []

    def foo(x, y):
        calls.append(None)
        return tg.grad(lambda x: np.sin(x) + x * 2)(x * y)

    foo_wrapped = const_graph(foo)
    assert calls == []
    assert scalar_close(foo(0.0, 0.0), foo_wrapped(0.0, 0.0))
    assert len(calls) == 2
    assert scalar_close(foo(1.0, 0.5), foo_wrapped(1.0, 0.5))
    assert len(calls) == 3
    assert scalar_close(foo(1.0, 0.5), foo_wrapped(1.0, 0.5))
    assert len(calls) == 4
    assert foo_wrapped(1.0, 0.5) == np.cos(0.5) + 2     # the closed form, replayed


def test_const_graph_binds_arguments_as_constants_and_replays_only_what_depends_on_the_rest():
    seen = []

    @primitive
    def process(var, varname):
        seen.append(varname)
        return var

    def foo(x, y, z):
        x = process(x, "x")
        y = process(y, "y")
        z = process(z, "z")
        return x + 2 * y + 3 * z

    foo_wrapped = const_graph(foo, 1.0, z=3.0)
    assert seen == []
    assert scalar_close(foo(1.0, 2.0, 3.0), foo_wrapped(2.0))
    assert seen == ["x", "y", "z", "x", "y", "z"]
    for _ in range(2):
        seen.clear()
        assert scalar_close(foo(1.0, 2.0, 3.0), foo_wrapped(2.0))
        assert seen == ["x", "y", "z", "y"]
    assert foo_wrapped(5.0) == 1.0 + 10.0 + 9.0


def test_const_graph_records_again_where_a_branch_or_a_shape_changes():
    calls = []

    def f(x):
        calls.append(1)
        return x * 2 if x > 0 else -x

    g = const_graph(f)
    xs = [1.0, 2.0, -1.0, -3.0, 4.0]
    assert [g(x) for x in xs] == [f(x) for x in xs]
    assert len(calls) == len(xs) + 3    # f's own runs, and recorded at 1.0, -1.0 and 4.0
    h = const_graph(lambda v: np.sum(np.sin(v)))
    for n in (2, 3, 2):
        v = np.linspace(0.0, 1.0, n)
        assert h(v) == np.sum(np.sin(v))


def test_const_graph_under_grad_jit_and_vmap_differentiates_the_replay():
    def f(x, y):
        return np.sin(x) * y
    want = tg.grad(f)(0.7, 2.0)
    g = const_graph(f)
    assert tg.grad(g)(0.7, 2.0) == want             # recorded under grad
    g(0.3, 2.0)
    assert tg.grad(g)(0.7, 2.0) == want             # replayed under grad
    assert tg.grad(tg.grad(const_graph(f)))(0.7, 2.0) == tg.grad(tg.grad(f))(0.7, 2.0)
    assert tg.jit(g)(0.7, 2.0) == f(0.7, 2.0)
    xs = np.array([0.1, 0.7])
    np.testing.assert_array_equal(tg.vmap(g, in_axes=(0, None))(xs, 2.0), f(xs, 2.0))


def test_getval_is_the_number_inside_at_every_level():
    inner = []
    tg.grad(tg.grad(lambda x: inner.append(getval(x)) or x ** 3))(2.0)
    assert inner == [2.0]
    assert getval(1.5) == 1.5


def test_flatten_of_a_nested_container():
    rng = np.random.default_rng(0)
    x = (1.0, rng.standard_normal((2, 3)), [rng.standard_normal((1, 4)),
                                            {"x": 2.0, "y": rng.standard_normal((4, 2))}])
    x_flat, unflatten = flatten(x)
    assert x_flat.shape == (20,)
    assert x_flat[0] == 1.0
    assert np.all(x_flat == flatten(unflatten(x_flat))[0])
    y = (1.0, 2.0, [3.0, {"x": 2.0, "y": 4.0}])
    y_flat, unflatten = flatten(y)
    assert y_flat.shape == (5,)
    assert y == unflatten(y_flat)


# ---------------------------------------------------------------- test_truediv
def _arg_pairs():
    rng = np.random.default_rng(0)
    scalar, vector, mat = 2.0, rng.standard_normal(4), rng.standard_normal((3, 4))
    mat2 = rng.standard_normal((1, 4))
    for a in (scalar, vector, mat, mat2):
        for b in (scalar, vector, mat, mat2):
            yield a, b


@pytest.mark.parametrize("k", range(16))
def test_true_division_over_autograds_argument_pairs(k):
    a, b = list(_arg_pairs())[k]

    def gap(x):
        return np.sqrt(x ** 2 + 0.5)
    a, b = gap(a), gap(b)
    check_grads(lambda x, y: x / y, argnum=(0, 1))(a, b)
    np.testing.assert_array_equal(tg.jit(lambda x, y: x / y)(a, b), a / b)


# ---------------------------------------------------------- test_numpy_interp
X = np.arange(-20, 20, 0.1)
XP = np.arange(10) * 1.0
YP = XP ** 0.5 + np.random.default_rng(1).normal(size=XP.shape)


@pytest.mark.parametrize("edges", [{}, {"left": -1, "right": -1}])
def test_interp_derivatives_in_fp_to_second_order(edges):
    def fun(yp):
        return np.sum(np.interp(X, XP, yp, **edges))
    check_grads(fun)(YP)
    check_grads(tg.grad(fun))(YP)
    # the gradient is the total weight each sample point gets (the edges are constants)
    zero_edges = {k: 0.0 for k in edges}
    weights = [np.sum(np.interp(X, XP, np.eye(10)[k], **zero_edges)) for k in range(10)]
    np.testing.assert_allclose(tg.grad(fun)(YP), weights, rtol=1e-12)


@pytest.mark.parametrize("edges", [{}, {"left": -1, "right": -1}])
def test_interp_values_are_numpys(edges):
    x = np.arange(-100, 100, 0.1)
    np.testing.assert_array_equal(tg.jit(lambda yp: np.interp(x, XP, yp, **edges))(XP ** 2),
                                  np.interp(x, XP, XP ** 2, **edges))


def test_interp_with_a_traced_left_or_right_through_tg_interp():
    xs = np.array([0.5, 3.3, 9.5, -1.0, -3.0, 12.0])
    for lo, hi in [(2.0, None), (None, 2.0)]:
        def f(v, lo=lo, hi=hi):
            return np.sum(tg.interp(xs, XP, YP, left=v if lo else None,
                                    right=v if hi else None))
        assert tg.grad(f)(2.0) == 2.0                 # two points beyond each edge
        assert tg.jit(f)(2.0) == f(2.0) == np.sum(np.interp(xs, XP, YP, lo, hi))


def test_np_interp_with_only_left_traced_names_tg_interp():
    # NumPy dispatches np.interp on x, xp and fp only: a traced left reaches float()
    xs = np.array([0.5, -1.0])
    with pytest.raises(TypeError, match=r"np\.interp\(xs, XP, YP, left=v\) at .*Call tg\.interp"):
        tg.grad(lambda v: np.sum(np.interp(xs, XP, YP, left=v)))(2.0)
    with pytest.raises(TypeError, match=r"right=v\) at .*Call tg\.interp"):
        tg.jit(lambda v: np.interp(xs, XP, YP, right=v))(2.0)


# ---------------------------------------------------------------- test_builtins
def test_builtins_isinstance_looks_through_traced_values_as_autograds():
    from tapegrad.builtins import isinstance as isinstance_

    def checker(ex, type_, truthval):
        assert isinstance_(ex, type_) == truthval
        return 1.0

    examples = [
        [list, [[]], [()]],
        [np.ndarray, [np.zeros(1)], [[]]],
        [(tuple, list), [[], ()], [np.zeros(1)]],
        [float, [1.5], [np.zeros(1)]],
    ]
    for type_, positive, negative in examples:
        for ex, truth in [(e, True) for e in positive] + [(e, False) for e in negative]:
            checker(ex, type_, truth)
            tg.grad(checker)(ex, type_, truth)
            tg.jit(checker, static_argnums=(1, 2))(ex, type_, truth)


def test_builtins_type_is_the_type_of_the_value():
    from tapegrad.builtins import type as type_
    seen = []
    tg.grad(lambda x, y: seen.append((type_(x), type_(y))) or np.sum(x) * y)(np.ones(2), 2.0)
    assert seen == [(np.ndarray, float)]


# ------------------------------------------------------------------ test_direct
def test_direct_values_of_grad_and_deriv_and_a_complex_output_refused():
    def fun(x):
        return (x + np.sin(x ** 2)) * x
    closed = 2 * 1.3 + np.sin(1.3 ** 2) + 2 * 1.3 ** 2 * np.cos(1.3 ** 2)
    assert abs(closed - 3.190948746871) < 1e-6
    for d in (tg.grad(fun), tg.deriv(fun), tg.jit(tg.grad(fun))):
        np.testing.assert_allclose(d(1.3), closed, rtol=1e-15)
    with pytest.raises(TypeError, match="complex"):
        tg.grad(lambda x: x * (1.0 + 0.2j))(1.0)
