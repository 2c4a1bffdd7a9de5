"""JAX's ``tests/api_test.py`` (APITest), ported to tapegrad's contract.

The families: argnums and keyword flags, non-scalar outputs refused,
arguments that are no numbers, casts and Python control flow under ``jit``,
Jacobians and Hessians of pytrees (jax issue 1372: every nesting of
``jacfwd``/``jacrev``), ``has_aux`` nested inside other transforms,
``jvp``/``vjp`` argument checks, NamedTuple transparency, trace counts of
``jit`` with static and keyword arguments, escaped tracers, and functions
that are not functions. Values are checked against closed forms and central
differences, never against tapegrad's own output.
"""

from __future__ import annotations

import collections

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg


def _linear(x, y, z, flag=False):
    assert flag
    return 1.0 * x + 2.0 * y + 3.0 * z


def test_grad_and_value_and_grad_select_arguments_and_pass_keyword_flags():
    assert tg.grad(_linear)(1.0, 1.0, 1.0, flag=True) == 1.0
    assert tg.grad(_linear, argnums=1)(1.0, 1.0, 1.0, flag=True) == 2.0
    assert tg.grad(_linear, argnums=(2, 0))(1.0, 1.0, 1.0, flag=True) == (3.0, 1.0)
    assert tg.grad(_linear, argnums=-1)(1.0, 1.0, 1.0, flag=True) == 3.0
    assert tg.value_and_grad(_linear)(1.0, 1.0, 1.0, flag=True) == (6.0, 1.0)
    assert tg.value_and_grad(_linear, argnums=(2, 0))(1.0, 1.0, 1.0, flag=True) == (
        6.0, (3.0, 1.0))


@pytest.mark.parametrize("fun, arg, match", [
    (lambda x: (x, x), 1.0, "has_aux=True"),
    (lambda x: (), np.zeros(3), "scalar"),
    (lambda x: x, np.zeros(3), r"shape \(3,\)"),
])
def test_grad_of_an_output_that_is_not_one_number_says_what_to_use(fun, arg, match):
    with pytest.raises(TypeError, match=match):
        tg.grad(fun)(arg)


def test_a_string_argument_is_named_by_grad_and_jit():
    with pytest.raises(TypeError, match=r"x is a str, not a number"):
        tg.grad(lambda x: x)("foo")
    with pytest.raises(TypeError, match=r"str.*static_argnums"):
        tg.jit(lambda x: x)("foo")


def test_shapes_that_do_not_broadcast_or_line_up_are_named_under_grad():
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        tg.grad(lambda x, y: tg.sum(x + y))(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        tg.grad(lambda x, y: tg.dot(x, y))(np.zeros(3), np.zeros(4))


@pytest.mark.parametrize("cast", [float, int, complex])
def test_a_cast_of_a_traced_value_under_jit_points_to_tapegrads_functions(cast):
    with pytest.raises(TypeError, match=r"tg\.exp"):
        tg.jit(lambda x: cast(x))(1.0)


@pytest.mark.parametrize("cast", [hex, oct])
def test_an_integer_conversion_under_jit_points_to_static_argnums(cast):
    with pytest.raises(TypeError, match="static_argnums"):
        tg.jit(lambda x: cast(x))(0)


def test_a_python_branch_on_a_traced_value_takes_each_side_under_grad_and_jit():
    def f(x):
        return x if x > 0 else -x
    assert (tg.grad(f)(1.0), tg.grad(f)(-1.0)) == (1.0, -1.0)
    assert (tg.jit(f)(1.0), tg.jit(f)(-2.0)) == (1.0, 2.0)


def test_range_of_an_int_argument_needs_it_static_under_jit():
    def f(x, n):
        for i in range(n):
            x = x + i
        return x
    assert tg.jit(f, static_argnums=(1,))(0, 5) == 10
    with pytest.raises(TypeError, match="static_argnums"):
        tg.jit(f)(0, 5)


def test_jacobians_of_linear_and_nonlinear_maps_and_the_hessian_of_a_quadratic():
    r = np.random.RandomState(0).randn
    a, x, q = r(4, 3), r(3), r(4, 4)
    np.testing.assert_allclose(tg.jacfwd(lambda x: tg.dot(a, x))(x), a, rtol=1e-14)
    np.testing.assert_allclose(tg.jacrev(lambda x: tg.dot(a, x))(x), a, rtol=1e-14)
    f = lambda x: tg.tanh(tg.dot(a, x))  # noqa: E731
    want = (1 - np.tanh(a @ x) ** 2)[:, None] * a
    np.testing.assert_allclose(tg.jacfwd(f)(x), want, rtol=1e-12)
    np.testing.assert_allclose(tg.jacrev(f)(x), want, rtol=1e-12)
    h = tg.hessian(lambda x: tg.dot(x, tg.dot(q, x)))(r(4))
    np.testing.assert_allclose(h, q + q.T, rtol=1e-12)


@pytest.mark.parametrize("jac", [tg.jacfwd, tg.jacrev])
def test_jacobians_of_pytrees_have_the_output_outside_and_the_input_inside(jac):
    assert jac(lambda x, y: (x, y))(0., 1.) == (1., 0.)
    assert jac(lambda x, y: (x, y), 1)(0., 1.) == (0., 1.)
    assert jac(lambda x, y: (x, y), (0, 1))(0., 1.) == ((1., 0.), (0., 1.))
    assert jac(lambda x: x[:2])((1., 2., 3.)) == ((1., 0., 0.), (0., 1., 0.))
    r = np.random.RandomState(0).randn
    x, y = r(2), r(3)
    got = jac(lambda x, y: {"x": x, "xy": tg.outer(x, y)})(x, y)
    np.testing.assert_array_equal(got["x"], np.eye(2))
    want = np.zeros((2, 3, 2))
    for i in range(2):
        want[i, :, i] = y                     # d(x_i y_j)/dx_k = delta_ik y_j
    np.testing.assert_array_equal(got["xy"], want)


def test_a_zero_block_between_two_floats_is_a_float_in_both_modes():
    for jac in (tg.jacfwd, tg.jacrev):
        got = jac(lambda x, y: (x, y))(0., 1.)
        assert [type(v) for v in got] == [float, float]


def test_the_hessian_of_a_tuple_argument_nests_tuples():
    got = tg.hessian(lambda x: tg.stack(list(x)) ** 2)((1., 2.))
    want = ((np.array([2., 0.]), np.array([0., 0.])), (np.array([0., 0.]), np.array([0., 2.])))
    for row, wrow in zip(got, want):
        for block, wblock in zip(row, wrow):
            np.testing.assert_array_equal(block, wblock)


@pytest.mark.parametrize("outer", [tg.jacrev, tg.jacfwd])
@pytest.mark.parametrize("inner", [tg.jacrev, tg.jacfwd])
@pytest.mark.parametrize("a, b", [(0, 0), (1, 1), (1, 0), (0, 1)])
def test_every_nesting_of_jacobians_gives_the_block_of_the_hessian(outer, inner, a, b):
    def f(x, u):
        return tg.dot(x, x) + tg.dot(u, u)
    xu = (np.linspace(0.5, 1.5, 5), np.array([0.3, -0.7]))
    got = outer(inner(f, a), b)(*xu)
    n_a, n_b = xu[a].size, xu[b].size
    want = 2 * np.eye(n_a) if a == b else np.zeros((n_a, n_b))
    assert got.shape == (n_a, n_b)
    np.testing.assert_array_equal(got, want)


def test_has_aux_returns_the_aux_as_plain_values():
    g, aux = tg.grad(lambda x: (x ** 3, [x ** 2]), has_aux=True)(3.)
    assert (g, aux) == (27., [9.])
    g, aux = tg.grad(lambda x: (x ** 3, [x ** 2, 4.]), has_aux=True)(4.)
    assert (g, aux) == (48., [16., 4.])
    _, aux = tg.grad(lambda x: (x ** 2, dict(identity=x, p1=x + 1)), has_aux=True)(3.)
    assert aux == {"identity": 3., "p1": 4.}
    assert all(type(v) is float for v in aux.values())


def test_an_aux_used_as_a_value_is_differentiated_through_every_stack():
    def f(x):
        _, aux = tg.grad(lambda x: (x ** 3, [x ** 3]), has_aux=True)(x)
        return aux[0] * tg.sin(x)
    x = 4.
    want = 3 * x ** 2 * np.sin(x) + x ** 3 * np.cos(x)
    for got in (tg.grad(f)(x), tg.jit(tg.grad(f))(x), tg.jit(tg.grad(tg.jit(f)))(x)):
        np.testing.assert_allclose(got, want, rtol=1e-13)


def test_jvp_refuses_primals_and_tangents_that_do_not_pair_up():
    with pytest.raises(ValueError, match="1 primal.*0 tangent"):
        tg.jvp(lambda x, y: x * y, (np.float32(2),), ())
    with pytest.raises(TypeError, match="primals must be a tuple or list.*got float"):
        tg.jvp(lambda x, y: x + y, 0., (1.,))
    with pytest.raises(TypeError, match="tangents must be a tuple or list.*got ndarray"):
        tg.jvp(lambda x, y: x + y, (0.,), np.array([1., 2.]))
    with pytest.raises(ValueError, match=r"tangent at x has shape \(4,\).*\(3,\)"):
        tg.jvp(lambda x: x * 2, (np.ones(3),), (np.ones(4),))


def test_a_vjp_cotangent_of_another_structure_or_shape_is_refused():
    _, pullback = tg.vjp(lambda x, y: x * y, np.float32(3), np.float32(4))
    with pytest.raises(ValueError, match="structure"):
        pullback((np.float32(7), np.float32(100)))
    _, pullback = tg.vjp(lambda x: x * 2, np.ones(3))
    with pytest.raises(ValueError, match=r"\(4,\).*\(3,\)"):
        pullback(np.ones(4))


def test_jvp_through_two_calls_of_a_jitted_closure_over_the_primal():
    def func(x):
        inner = lambda y: y * x  # noqa: E731
        return tg.jit(inner)(4.) + tg.jit(inner)(5.)
    assert tg.jvp(func, (5.,), (1.,)) == (45., 9.)


Point = collections.namedtuple("Point", ["x", "y"])


class ZeroPoint(Point):
    def is_zero(self):
        return (self.x == 0) and (self.y == 0)


def test_namedtuples_and_their_subclasses_come_back_as_themselves():
    f = lambda pt: tg.sqrt(pt.x ** 2 + pt.y ** 2)  # noqa: E731
    g = tg.grad(f)(Point(3., 4.))
    assert type(g) is Point
    np.testing.assert_allclose(g, (0.6, 0.8), rtol=1e-15)
    assert tg.jit(f)(Point(3., 4.)) == f(Point(3., 4.))
    h = lambda pt: 0. if pt.is_zero() else f(pt)  # noqa: E731
    g = tg.grad(h)(ZeroPoint(3., 4.))
    assert type(g) is ZeroPoint
    np.testing.assert_allclose(g, (0.6, 0.8), rtol=1e-15)
    assert tg.grad(h)(ZeroPoint(0., 0.)) == ZeroPoint(0., 0.)


def test_jit_retraces_only_for_a_new_static_value():
    side = []

    def f(x, y, z, flag=False, flag2=False):
        assert flag
        side.append(None)
        return 100 * x + 10 * y + z
    f1 = tg.jit(f, static_argnums=(3, 4))
    assert f1(1, 2, 3, True, False) == 123 and len(side) == 1
    assert f1(2, 1, 3, True, False) == 213 and len(side) == 1
    assert f1(2, 1, 3, True, True) == 213 and len(side) == 2
    side.clear()
    f2 = tg.jit(f, static_argnums=(0, 2, 3, 4))
    calls = [((1, 2, 3), 123, 1), ((1, 3, 3), 133, 1), ((2, 2, 3), 223, 2), ((2, 4, 3), 243, 2)]
    for args, want, traces in calls:
        assert f2(*args, True, False) == want and len(side) == traces


def test_jit_of_a_keyword_call_caches_and_takes_an_array_keyword():
    side = []

    def f(x, y, z):
        side.append(None)
        return 100 * x + 10 * y + z
    f = tg.jit(f)
    assert f(1, 2, 3) == 123 and f(1, 2, 3) == 123 and len(side) == 1
    assert f(1, 2, z=3) == 123
    n = len(side)
    assert f(1, 2, z=3) == 123 and len(side) == n
    np.testing.assert_array_equal(f(1, 2, z=np.zeros(3)), np.full(3, 120.))


def test_jit_of_a_list_of_five_hundred_arguments():
    assert tg.jit(lambda xs: sum(xs))(list(range(500))) == sum(range(500))


def test_grad_of_jit_and_jit_of_grad_trace_once():
    side = []

    @tg.jit
    def f(x):
        side.append(None)
        return x * x
    assert (tg.grad(f)(1.0), tg.grad(f)(2.0), len(side)) == (2.0, 4.0, 1)
    side.clear()
    g = tg.jit(tg.grad(f))
    assert (g(1.0), g(2.0)) == (2.0, 4.0)
    assert len(side) <= 1


def _escapes(saved, outer, inner):
    """Run ``inner`` under ``outer``: it stores a traced value in ``saved``."""
    def keep(x):
        saved.append(x)
        return x
    outer(keep)(0.)


@pytest.mark.parametrize("make, use", [
    (tg.jit, lambda s: tg.jit(lambda x: s[-1])(0.)),
    (tg.jit, lambda s: tg.jit(lambda x: x)(s[-1])),
    (tg.grad, lambda s: tg.grad(lambda x: x)(s[-1])),
    (tg.grad, lambda s: tg.make_tape(lambda x: s[-1])(0.)),
    (tg.grad, lambda s: tg.vmap(lambda x: s[-1])(np.ones(2))),
    (tg.jit, lambda s: tg.jit(lambda x: x + s[-1])(2.)),
    (tg.grad, lambda s: tg.grad(lambda x: x + s[-1])(2.)),
])
def test_a_traced_value_kept_from_a_finished_transform_is_an_escaped_tracer(make, use):
    saved: list = []
    _escapes(saved, make, None)
    with pytest.raises(tg.EscapedTracerError):
        use(saved)


@pytest.mark.parametrize("transform", [tg.jit, tg.grad, tg.vmap])
def test_a_generator_function_or_a_value_is_refused_when_transformed(transform):
    def gen(x):
        yield x
    with pytest.raises(TypeError, match="generator function"):
        transform(gen)
    with pytest.raises(TypeError, match="expected a function"):
        transform(3)


def test_grad_without_the_positional_argument_it_differentiates_names_argnums():
    def f(x, y):
        return x + y
    with pytest.raises(ValueError, match=r"argnums=0.*0 positional"):
        tg.grad(f, argnums=0)(x=0., y=1.)


def test_a_branching_function_agrees_with_central_differences_on_each_side():
    f = lambda x: tg.sin(x) * x if x > 0 else tg.exp(x)  # noqa: E731
    for x in (0.7, -0.4):
        np.testing.assert_allclose(tg.grad(f)(x), fd(f, x), rtol=1e-8)
        np.testing.assert_allclose(tg.jit(tg.grad(f))(x), fd(f, x), rtol=1e-8)
