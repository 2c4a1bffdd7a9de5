"""HIPS autograd's own test files, ported to tapegrad.

``test_core.py`` (binary operators and comparisons), ``test_graphs.py``
(fan-out, constants, closures over the outer variable, cotangents that add
into each other, third derivatives, size-1 outputs), ``test_dict.py``,
``test_list.py``, ``test_tuple.py`` and ``test_builtins.py`` (containers
as arguments), ``test_direct.py``, ``test_scalar_ops.py``,
``test_binary_ops.py`` (every broadcasting pair), ``test_jacobian.py`` and
``test_wrappers.py`` (value_and_grad, hessian, multigrad as argnums,
elementwise_grad, the Hessian and Jacobian products with tensors of any
rank, dtypes, partial, checkpoint). Derivatives are checked with
``tg.check_grads`` (central differences, both modes) and closed forms.
"""

from __future__ import annotations

import functools
import itertools
import operator

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg
from tapegrad.misc.operators import hessian_tensor_product, tensor_jacobian_product

R = np.random.RandomState(1)


def _check(fun, *args, order=2):
    tg.check_grads(fun, args, order=order, modes=("fwd", "rev"))


BINARY = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
          "div": operator.truediv, "pow": operator.pow, "mod": operator.mod}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_operators_on_two_floats_match_central_differences(name):
    fun = BINARY[name]
    x, y = 0.7, 1.8
    np.testing.assert_allclose(tg.grad(fun)(x, y), fd(lambda x: fun(x, y), x), rtol=1e-7)
    np.testing.assert_allclose(tg.grad(fun, 1)(x, y), fd(lambda y: fun(x, y), y), rtol=1e-7)


@pytest.mark.parametrize("cmp", [operator.eq, operator.ne, operator.le, operator.ge,
                                 operator.lt, operator.gt])
def test_a_comparison_is_no_number_to_differentiate_and_its_where_has_zero_gradient(cmp):
    with pytest.raises(TypeError, match="bool"):
        tg.grad(cmp)(0.7, 1.8)
    f = lambda x, y: tg.where(cmp(x, y), 1.0, 0.0)  # noqa: E731
    assert tg.grad(f, (0, 1))(0.7, 1.8) == (0.0, 0.0)


def test_fan_out_constants_and_the_identity():
    fun = lambda x: tg.sin(tg.sin(x) + tg.sin(x))  # noqa: E731
    _check(fun, R.randn())
    _check(tg.grad(fun), R.rand())
    assert tg.grad(lambda x: 1)(2.0) == 0.0
    assert tg.grad(lambda x: x)(2.0) == 1.0 and tg.grad(tg.grad(lambda x: x))(2.0) == 0.0


def test_the_gradient_inside_a_hessian_vector_product():
    v = R.randn(10)
    fun = lambda x: tg.sin(tg.dot(x, v))  # noqa: E731
    vector_product = lambda x, w: tg.sin(tg.dot(w, tg.grad(fun)(x)))  # noqa: E731
    _check(fun, R.randn(10))
    _check(vector_product, R.randn(10), R.randn(10))


@pytest.mark.parametrize("inner", [lambda x: lambda y: x * y, lambda x: lambda y: y * x])
def test_an_inner_gradient_closing_over_the_outer_variable(inner):
    fun = lambda x: x * tg.grad(inner(x))(2.0)  # noqa: E731
    _check(fun, 1.0)
    assert tg.grad(fun)(1.5) == 3.0                 # d/dx x * x = 2x


@pytest.mark.parametrize("index", [False, True])
def test_cotangents_that_add_into_each_other(index):
    def fun(a):
        b = a + 1.0
        c = (b[0] if index else b) + 1.5
        return tg.sum(a + b + c)
    a = R.randn(5)
    _check(fun, a)
    want = 2.0 + (np.eye(5)[0] * 5 if index else 1.0)
    np.testing.assert_array_equal(tg.grad(fun)(a), want * np.ones(5))


@pytest.mark.parametrize("argnums", [(0, 0, 0), (0, 1, 0), (1, 0, 1)])
def test_third_derivatives_with_respect_to_either_argument(argnums):
    fun = lambda x, y: tg.sin(tg.sin(x) + tg.sin(y))  # noqa: E731
    d = fun
    for n in argnums:
        d = tg.grad(d, n)
        _check(d, R.randn(), R.randn(), order=1)


@pytest.mark.parametrize("shape, axis, keepdims", [
    ((3, 3), None, True), ((3, 1), 0, True), ((1, 3), 1, True), ((3, 1), 0, False),
    ((1, 3), 1, False)])
def test_size_one_array_outputs_are_differentiated(shape, axis, keepdims):
    fun = lambda x: tg.sum(tg.sin(x), axis=axis, keepdims=keepdims)  # noqa: E731
    x = R.randn(*shape)
    np.testing.assert_allclose(tg.grad(fun)(x), np.cos(x), rtol=1e-15)
    _check(fun, x)
    _check(lambda x: tg.sum(tg.grad(fun)(x)), x)


def _containers(kind):
    parts = [R.randn(5, 6), R.randn(4, 3), R.randn(2, 4)]
    if kind == "dict":
        return dict(zip(["item_1", "item_2", "item_X"], parts)), ["item_1", "item_2", "item_X"]
    return (list(parts) if kind == "list" else tuple(parts)), [0, 1, 2]


@pytest.mark.parametrize("kind", ["dict", "list", "tuple"])
def test_reading_entries_of_a_container_gives_ones_twos_and_zeros(kind):
    t, k = _containers(kind)
    g = tg.grad(lambda t: tg.sum(t[k[0]]) + tg.sum(t[k[1]]) + tg.sum(t[k[1]]))(t)
    assert type(g) is type(t)
    for key, want in zip(k, (1.0, 2.0, 0.0)):
        np.testing.assert_array_equal(g[key], np.full(t[key].shape, want))


@pytest.mark.parametrize("kind", ["dict", "list", "tuple"])
def test_gradients_of_containers_and_of_their_gradients(kind):
    t, k = _containers(kind)
    fun = lambda t: tg.sum(tg.sin(t[k[0]])) + tg.sum(tg.cos(t[k[1]]))  # noqa: E731

    def d_fun(t):
        g = tg.grad(fun)(t)
        return tg.sum(g[k[0]]) + tg.sum(tg.sin(g[k[0]])) + tg.sum(tg.sin(g[k[1]]))
    _check(fun, t)
    _check(d_fun, t)


def test_iterating_a_dict_by_keys_items_and_values():
    t, _ = _containers("dict")

    def fun(d):
        a = b = 0.0
        for i, (_key, v) in enumerate(sorted(d.items(), key=operator.itemgetter(0))):
            a = a + tg.sum(tg.sin(v)) * (i + 1.0)
            b = b + tg.sum(tg.cos(v))
        for v in d.values():
            a = a + tg.sum(tg.sin(v))
        for key in sorted(d.keys()):
            a = a + tg.sum(tg.cos(d[key]))
        return a + b
    _check(fun, t)
    g = tg.grad(fun)(t)
    for i, key in enumerate(sorted(t)):
        v = t[key]
        np.testing.assert_allclose(g[key], (i + 2.0) * np.cos(v) - 2 * np.sin(v), rtol=1e-13)


@pytest.mark.parametrize("d", [{"item_1": 3.0}, {"item_2": 4.0}, {}])
def test_dict_get_with_a_traced_default(d):
    fun = lambda d, x: d.get("item_1", x) ** 2  # noqa: E731
    gd, gx = tg.grad(fun, (0, 1))(d, 2.0)
    assert gd == {k: (2 * v if k == "item_1" else 0.0) for k, v in d.items()}
    assert gx == (0.0 if "item_1" in d else 4.0)


def test_a_gradient_of_a_tuple_built_inside_nests_to_third_order():
    def outer_fun(x):
        return tg.sum(tg.sin(tg.stack(tg.grad(lambda y: y[0] * y[1])((x, x)))))
    # grad of y0*y1 at (x, x) is (x, x): outer_fun = 2 sin(x)
    for d, want in ((outer_fun, lambda x: 2 * np.sin(x)),
                    (tg.grad(outer_fun), lambda x: 2 * np.cos(x)),
                    (tg.grad(tg.grad(outer_fun)), lambda x: -2 * np.sin(x))):
        np.testing.assert_allclose(d(10.0), want(10.0), rtol=1e-14)
    _check(outer_fun, 5.0)


@pytest.mark.parametrize("type_, yes, no", [
    (list, [[]], [()]), (dict, [{}], [[]]), ((tuple, list), [[], ()], [np.zeros(1)])])
def test_isinstance_on_containers_inside_grad_is_pythons(type_, yes, no):
    def checker(ex, type_, truth):
        assert isinstance(ex, type_) == truth
        return 1.0
    for ex in yes:
        checker(ex, type_, True)
        tg.grad(checker)(ex, type_, True)
    for ex in no:
        checker(ex, type_, False)
        tg.grad(checker)(ex, type_, False)


def test_the_explicit_value_and_a_complex_output_refused():
    fun = lambda x: (x + tg.sin(x ** 2)) * x  # noqa: E731
    x = 1.3
    want = 2 * x + np.sin(x ** 2) + 2 * x ** 2 * np.cos(x ** 2)
    np.testing.assert_allclose(tg.grad(fun)(x), want, rtol=1e-15)
    assert abs(tg.grad(fun)(x) - 3.190948746871) < 1e-6     # autograd's number
    with pytest.raises(TypeError):
        tg.grad(lambda x: x * (1.0 + 0.2j))(1.0)


@pytest.mark.parametrize("name, at", [
    ("abs", (1.1, -1.1)), ("sin", (0.3,)), ("sign", (1.1, -1.1)), ("exp", (0.3,)),
    ("log", (0.7,)), ("neg", (0.3,)), ("cos", (0.3,)), ("tan", (0.3,)), ("cosh", (0.3,)),
    ("sinh", (0.3,)), ("tanh", (0.3,))])
def test_scalar_operations_to_second_order(name, at):
    op = (lambda x: -x) if name == "neg" else getattr(tg, name)
    fun = lambda x: 3.0 * op(x)  # noqa: E731
    for x in at:
        _check(fun, x)
        _check(tg.grad(fun), x)


def _arg_pairs():
    r = np.random.RandomState(1)
    args = [2.0, r.randn(6), r.randn(7, 6), r.randn(1, 6)]
    return list(itertools.product(args, args))


@pytest.mark.parametrize("name", ["mul", "add", "sub", "div", "pow"])
def test_binary_operators_over_every_broadcasting_pair_to_second_order(name):
    op = BINARY[name]
    for a, b in _arg_pairs():
        if name == "div":
            a, b = np.sqrt(np.square(a) + 0.5), np.sqrt(np.square(b) + 0.5)
        if name == "pow":
            a, b = np.abs(a) + 1.1, np.round(b)
        fun = lambda x, y: tg.sum(op(x, y))  # noqa: E731
        _check(fun, a, b)
        _check(lambda x, y: tg.sum(tg.grad(fun, 0)(x, y)), a, b, order=1)
        _check(lambda x, y: tg.sum(tg.grad(fun, 1)(x, y)), a, b, order=1)


def test_jacobians_against_grads_and_stacked_gradients():
    fun = lambda x: tg.sum(tg.sin(x), axis=1, keepdims=True)  # noqa: E731
    a = R.randn(1, 3)
    np.testing.assert_allclose(tg.jacobian(fun)(a).reshape(1, 3), tg.grad(fun)(a), rtol=1e-15)
    v = 0.4
    np.testing.assert_allclose(tg.jacobian(lambda x: tg.stack([x, x ** 2, x ** 3]))(v),
                               [1.0, 2 * v, 3 * v ** 2], rtol=1e-15)
    scalar_funs = [lambda x: tg.sum(x ** 3), lambda x: tg.prod(tg.sin(x) + tg.sin(x)),
                   lambda x: tg.grad(lambda y: tg.exp(y) * tg.tanh(x[0]))(x[1])]
    x = R.randn(5)
    jac = tg.jacobian(lambda x: tg.stack([f(x) for f in scalar_funs]))(x)
    np.testing.assert_allclose(jac, np.vstack([tg.grad(f)(x) for f in scalar_funs]), rtol=1e-13)


def test_jacobians_of_jacobians_have_the_stacked_shapes_and_are_differentiable():
    fun = lambda x: tg.sin(tg.outer(x, x)) + tg.cos(tg.dot(x, x))  # noqa: E731
    x = R.randn(2)
    assert tg.jacobian(fun)(x).shape == (2, 2, 2)
    assert tg.jacobian(tg.jacobian(fun))(x).shape == (2, 2, 2, 2)
    assert tg.jacobian(tg.jacobian(tg.jacobian(fun)))(x).shape == (2, 2, 2, 2, 2)
    _check(lambda x: tg.sum(tg.sin(tg.jacobian(fun)(x))), x, order=1)
    _check(lambda x: tg.sum(tg.sin(tg.jacobian(tg.jacobian(fun))(x))), x, order=1)


def test_value_and_grad_returns_the_values_of_both():
    fun = lambda x: 3.0 * x ** 3.2  # noqa: E731
    assert tg.value_and_grad(fun)(1.7) == (fun(1.7), tg.grad(fun)(1.7))
    fun = lambda x: tg.sum(tg.sin(x) ** 2)  # noqa: E731
    x = R.randn(5)
    val, g = tg.value_and_grad(fun)(x)
    assert val == fun(x)
    np.testing.assert_array_equal(g, tg.grad(fun)(x))
    np.testing.assert_allclose(g, 2 * np.sin(x) * np.cos(x), rtol=1e-14)


def test_the_hessian_of_a_quadratic_form_and_multigrad_as_argnums():
    h = R.randn(5, 5)
    np.testing.assert_allclose(tg.hessian(lambda x: tg.dot(tg.dot(x, h), x))(R.randn(5)),
                               h + h.T, rtol=1e-14)

    def fun(a, b, c, d, e, f=1.1, g=9.0):
        return a + tg.sin(b) + tg.cosh(c) + tg.cos(d) + tg.tan(e) + f + g
    args = (0.5, -0.3, 0.2, -1.1, 0.7)
    got = tg.grad(fun, argnums=(3, 1))(*args, f=0.6, g=-0.1)
    np.testing.assert_allclose(got, (-np.sin(-1.1), np.cos(-0.3)), rtol=1e-15)


def test_elementwise_grad_of_one_and_of_the_second_argument():
    a = R.randn(10)
    got = tg.elementwise_grad(lambda a: a + tg.sin(a) + tg.cosh(a))(a)
    np.testing.assert_allclose(got, 1 + np.cos(a) + np.sinh(a), rtol=1e-15)
    b = R.randn(10)
    got = tg.elementwise_grad(lambda a, b: a + tg.sin(a) + tg.cosh(b), argnum=1)(0.9, b)
    np.testing.assert_allclose(got, np.sinh(b), rtol=1e-15)


@pytest.mark.parametrize("shape", [(5,), (5, 4), (5, 4, 3)])
def test_hessian_times_a_tensor_of_the_arguments_shape(shape):
    fun = lambda a: tg.sum(tg.sin(a))  # noqa: E731
    a, v = R.randn(*shape), R.randn(*shape)
    np.testing.assert_allclose(hessian_tensor_product(fun)(a, v), -np.sin(a) * v, rtol=1e-14)
    h = tg.hessian(fun)(a)
    np.testing.assert_allclose(hessian_tensor_product(fun)(a, v),
                               np.tensordot(h, v, axes=v.ndim), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("a_shape, v_shape", [((5,), (5,)), ((5, 4), (5, 4)),
                                              ((5, 4, 3), (5, 4)), ((5, 4, 3), (5,))])
def test_a_tensor_times_the_jacobian_contracts_the_outputs_leading_axes(a_shape, v_shape):
    fun = lambda a: tg.roll(tg.sin(a), 1)  # noqa: E731
    a, v = R.randn(*a_shape), R.randn(*v_shape)
    j = tg.jacobian(fun)(a)
    want = np.tensordot(v, j, axes=v.ndim)
    got = tensor_jacobian_product(fun)(a, v)
    assert got.shape == want.shape == a_shape[v.ndim:] + a_shape
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)
    # roll without an axis rolls the flat array: d out_i / d a_j = cos(a_j) where i = j + 1
    np.testing.assert_allclose(j.reshape(a.size, a.size) @ np.ones(a.size),
                               np.roll(np.cos(a).reshape(-1), 1), rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_gradients_keep_a_narrow_float_dtype(dtype):
    y = R.randn(10, 10).astype(dtype)
    g = tg.grad(lambda x: tg.sum(x ** 2))(y)
    assert g.dtype == dtype
    np.testing.assert_array_equal(g, 2 * y)


def test_grad_of_a_partial_with_a_bound_keyword():
    assert tg.grad(functools.partial(lambda x, y: x * y, y=3.0))(2.0) == 3.0


def test_checkpoint_changes_neither_values_nor_gradients():
    bar = lambda x, y: 2 * x + y + 5  # noqa: E731
    cbar = tg.checkpoint(bar)
    foo = lambda x: bar(x, x / 3.) + bar(x, x ** 2)  # noqa: E731
    foo2 = lambda x: cbar(x, x / 3.) + cbar(x, x ** 2)  # noqa: E731
    assert foo(3.) == foo2(3.) and tg.grad(foo)(3.) == tg.grad(foo2)(3.)
    np.testing.assert_allclose(tg.grad(foo)(3.), 4 + 1 / 3 + 2 * 3., rtol=1e-15)
    baz = lambda *args: sum(args)  # noqa: E731
    cbaz = tg.checkpoint(baz)
    assert tg.grad(lambda x: cbaz(x, x / 3.))(3.) == tg.grad(lambda x: baz(x, x / 3.))(3.)
    np.testing.assert_allclose(tg.grad(lambda x: cbaz(x, x / 3.))(3.), 4 / 3, rtol=1e-15)
