"""More of JAX's ``tests/api_test.py``: ``has_aux`` everywhere, argnums forms,
static argument names, keyword arguments under ``vmap``, ``out_axes`` pytrees,
nested ``vmap`` with ``None`` axes, Hessians of several arguments, and the
transforms of a jitted function with a static argument; each against closed
forms or a Python loop.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg


def _sin_and_square(x):
    return tg.sin(x), {"sq": x ** 2}


@pytest.mark.parametrize("jac", [tg.jacfwd, tg.jacrev])
def test_jacobians_with_aux_return_the_aux_as_computed(jac):
    x = np.array([1., 2.])
    got, aux = jac(_sin_and_square, has_aux=True)(x)
    np.testing.assert_allclose(got, np.diag(np.cos(x)), rtol=1e-15)
    np.testing.assert_array_equal(aux["sq"], x ** 2)


def test_hessian_vjp_and_value_and_grad_with_aux():
    x = np.array([1., 2.])
    h, aux = tg.hessian(lambda x: (tg.sum(x ** 3), x * 2), has_aux=True)(x)
    np.testing.assert_array_equal(h, np.diag(6 * x))
    np.testing.assert_array_equal(aux, 2 * x)
    out, vjp_fn, aux = tg.vjp(_sin_and_square, x, has_aux=True)
    np.testing.assert_array_equal(out, np.sin(x))
    np.testing.assert_array_equal(aux["sq"], x ** 2)
    (ct,) = vjp_fn(np.array([1., 3.]))
    np.testing.assert_allclose(ct, np.cos(x) * [1., 3.], rtol=1e-15)
    assert tg.value_and_grad(lambda x: (x ** 2, x + 1), has_aux=True)(3.) == ((9., 4.), 6.)


@pytest.mark.parametrize("ret, got", [
    (lambda x: x ** 2, "a float alone"), (lambda x: (x ** 2, 1, 2), "a tuple of 3 items")])
def test_has_aux_with_no_pair_says_what_came_back(ret, got):
    with pytest.raises(TypeError, match=f"pair \\(output, aux\\), got {got}"):
        tg.grad(ret, has_aux=True)(3.)


def test_vmap_of_grad_with_aux_is_the_loop():
    xs = np.arange(3.)
    g, aux = tg.vmap(tg.grad(lambda x: (x ** 2, x), has_aux=True))(xs)
    np.testing.assert_array_equal(g, 2 * xs)
    np.testing.assert_array_equal(aux, xs)


def test_argnums_as_a_list_negative_or_repeated_and_a_float_refused():
    f = lambda x, y: x * y  # noqa: E731
    assert tg.grad(f, argnums=[0, 1])(2., 3.) == (3., 2.)
    assert tg.jacrev(f, argnums=-1)(2., 3.) == 2.
    assert tg.grad(f, argnums=(0, 0))(2., 3.) == (3., 3.)
    with pytest.raises(TypeError, match="argnums must be an int or a tuple of ints"):
        tg.grad(f, argnums=1.0)(2., 3.)


def test_the_hessian_of_two_arguments_is_the_nested_block_matrix():
    f = lambda x, y: x ** 2 * y ** 3  # noqa: E731
    x, y = 2., 3.
    want = ((2 * y ** 3, 6 * x * y ** 2), (6 * x * y ** 2, 6 * x ** 2 * y))
    assert tg.hessian(f, argnums=(0, 1))(x, y) == want


def test_static_argument_names_given_by_keyword_or_by_position():
    side = []

    def f(x, n):
        side.append(n)
        return x * n
    g = tg.jit(f, static_argnames="n")
    assert g(2., n=3) == 6. and g(2., 3) == 6. and g(5., n=3) == 15.
    assert side.count(3) <= 2 and g(2., n=4) == 8. and side[-1] == 4
    with pytest.raises(TypeError, match="not hashable"):
        tg.jit(lambda x, n: x * len(n), static_argnums=1)(2., [1, 2])


def test_keyword_arguments_under_vmap_are_mapped_over_axis_zero():
    got = tg.vmap(lambda x, y: x + y)(np.ones(3), y=np.arange(3.))
    np.testing.assert_array_equal(got, 1. + np.arange(3.))
    with pytest.raises(ValueError, match="keyword arguments are mapped over axis 0"):
        tg.vmap(lambda x, y: x + y)(np.ones(3), y=2.)


def test_out_axes_as_a_pytree_prefix_with_none_for_a_shared_output():
    f = lambda x: {"a": x, "b": (x, 2.0)}  # noqa: E731
    xs = np.arange(6.).reshape(3, 2)
    got = tg.vmap(f, out_axes={"a": 1, "b": (0, None)})(xs)
    np.testing.assert_array_equal(got["a"], xs.T)
    np.testing.assert_array_equal(got["b"][0], xs)
    assert got["b"][1] == 2.0
    with pytest.raises(ValueError, match=r"out_axes at \['b'\]\[1\] is None.*depends on the batch"):
        tg.vmap(lambda x: {"a": x, "b": (x, x * 2)}, out_axes={"a": 1, "b": (0, None)})(xs)


def test_negative_axes_and_nested_vmaps_with_unmapped_arguments():
    x = np.arange(6.).reshape(2, 3)
    np.testing.assert_array_equal(tg.vmap(lambda v: v * 2, in_axes=-1, out_axes=-1)(x), 2 * x)
    outer = tg.vmap(tg.vmap(lambda a, b: a * b, (0, None)), (None, 0))
    a, b = np.arange(3.), np.array([2., 5.])
    np.testing.assert_array_equal(outer(a, b), np.outer(b, a))


def test_transforms_of_a_jitted_function_with_a_static_exponent():
    p = tg.jit(lambda x, n: x ** n, static_argnums=1)
    assert tg.grad(p)(2., 3) == 12.
    np.testing.assert_array_equal(tg.vmap(p, in_axes=(0, None))(np.arange(3.), 2), [0., 1., 4.])
    assert tg.jvp(lambda x: p(x, 3), (2.,), (1.,)) == (8., 12.)


def test_jvp_of_a_pytree_and_an_int_primal():
    got = tg.jvp(lambda p: {"y": p["a"] * p["b"]}, ({"a": 2., "b": 3.},), ({"a": 1., "b": 0.},))
    assert got == ({"y": 6.}, {"y": 3.})
    assert tg.jvp(lambda x: x * 2, (3,), (1.,)) == (6., 2.)
    with pytest.raises(ValueError, match="structure"):
        tg.jvp(lambda x: x * 2, (3.,), (None,))


def test_keyword_arguments_pass_through_every_derivative_maker():
    f = lambda x, s=1.: x * s  # noqa: E731
    assert tg.grad(f)(2., s=3.) == 3.
    np.testing.assert_array_equal(tg.jacfwd(f)(np.ones(2), s=3.), 3 * np.eye(2))
    np.testing.assert_array_equal(tg.jacrev(f)(np.ones(2), s=3.), 3 * np.eye(2))
    assert tg.hessian(lambda x, s=1.: s * x ** 3)(2., s=0.5) == 6.
    assert tg.vjp(f, 2.)[1](1.) == (1.,)


@pytest.mark.parametrize("transform", [tg.grad, tg.jacfwd, tg.jacrev, tg.hessian, tg.jit,
                                       tg.elementwise_grad])
def test_a_complex_input_is_refused_by_every_transform(transform):
    with pytest.raises(TypeError, match="real numbers only"):
        transform(tg.sin)(1 + 2j)
    with pytest.raises(TypeError, match="real numbers only"):
        tg.vmap(tg.sin)(np.array([1 + 2j]))


@pytest.mark.parametrize("transform", [tg.grad, tg.jacfwd, tg.jacrev])
def test_a_complex_output_is_refused_naming_the_real_parts(transform):
    with pytest.raises(TypeError, match=r"complex.*real numbers only.*tg\.real"):
        transform(lambda x: 1.0 + 0.2j)(3.)
    with pytest.raises(TypeError, match="complex"):
        transform(lambda x: x ** 2 * (1.0 + 0.2j))(3.)


@pytest.mark.parametrize("fun, value", [
    (lambda x: tg.sum(tg.real(x * 1j)), 0.0), (lambda x: tg.sum(tg.imag(x * 1j)), 1.0),
    (lambda x: tg.sum(np.real(x * (2 + 3j))), 2.0), (lambda x: tg.sum(np.imag(x * (2 + 3j))), 3.0)])
def test_complex_values_are_numpys_and_a_derivative_through_them_is_refused(fun, value):
    # the derivative of real(x * 1j) is 0; with the complex value on the tape it came out 1j
    x = np.ones(1)
    for transform in (tg.jit, lambda f: lambda x: tg.vmap(lambda v: f(v[None]))(x)[0]):
        assert transform(fun)(x) == value
    with pytest.raises(TypeError, match="complex.*real numbers only"):
        tg.grad(fun)(x)
    with pytest.raises(TypeError, match="complex.*real numbers only"):
        tg.jvp(fun, (x,), (np.ones(1),))
    with pytest.raises(TypeError, match=r"complex.*real numbers only"):
        tg.grad(lambda x: tg.sum(x + np.array([1j])))(x)


def test_a_jitted_closure_keeps_its_array_alive_until_the_jitted_function_goes():
    import gc
    import weakref
    x = np.ones(10)
    f = (lambda x: lambda y: x * y)(x)
    g = tg.jit(f)
    ref = weakref.ref(x)
    del x
    f(1.0), g(1.0), g(2.0)
    del f
    gc.collect()
    assert ref() is not None
    np.testing.assert_array_equal(g(3.0), np.full(10, 3.0))
    del g
    gc.collect()
    assert ref() is None


def test_a_negative_static_argnum_and_vjp_through_jit_and_inside_it():
    s = tg.jit(lambda a, n: a * n, static_argnums=-1)
    assert s(2.0, 3) == s(2.0, n=3) == 6.0
    f = lambda x: tg.sin(x) * x  # noqa: E731
    want = np.cos(0.7) * 0.7 + np.sin(0.7)
    out, pullback = tg.vjp(tg.jit(f), 0.7)
    assert out == f(0.7)
    np.testing.assert_allclose(pullback(1.0), (want,), rtol=1e-15)
    np.testing.assert_allclose(tg.jit(lambda x: tg.vjp(f, x)[1](1.0))(0.7), (want,), rtol=1e-15)
