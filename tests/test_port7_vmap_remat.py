"""JAX's ``tests/api_test.py``: vmap's axes and their errors, and ``remat``.

vmap: ``in_axes`` as a list, pytree prefixes of NamedTuples, dicts and
OrderedDicts with the batch at a different axis per leaf, objects passed
through with ``None``, and the errors JAX checks (prefix mismatch, axes that
are no ints, inconsistent sizes naming each argument, rank 0, no mapped
argument, an axis out of range, ``out_axes=None`` for a batched output).
Results are compared with a Python loop over the examples.

remat (``tg.checkpoint``): values, ``jvp``, free variables, ``jit``,
``vmap``, Jacobians, second order, scans, binomial nesting, a jitted
function inside, a scan inside, a static argument, a nontrivial closure
environment: each against the same function without checkpointing and
against closed forms.
"""

from __future__ import annotations

import collections

import numpy as np
import pytest

import tapegrad as tg

Point = collections.namedtuple("Point", ["x", "y"])


def test_in_axes_as_a_list_is_the_tuple():
    d = {"a": 5., "b": np.ones(2)}
    x, y = np.zeros(3), np.arange(3.)
    f = lambda dct, x, y: dct["a"] + dct["b"][0] + x + y  # noqa: E731
    want = np.array([f(d, x[i], y[i]) for i in range(3)])
    np.testing.assert_array_equal(tg.vmap(f, (None, 0, 0))(d, x, y), want)
    np.testing.assert_array_equal(tg.vmap(f, [None, 0, 0])(d, x, y), want)


def _tree_of_axes(k=6):
    r = np.random.RandomState(1).randn
    return r(k, 2, 3), r(3, k, 4), r(4, 5, k)        # the batch at axes 0, 1, 2


def test_pytrees_of_in_axes_put_the_batch_where_each_leaf_has_it():
    x, y, z = _tree_of_axes()
    want = np.stack([x[k] @ (y[:, k] @ z[..., k]) for k in range(6)])

    def foo(t):
        x, (y, z) = t
        return tg.dot(x, tg.dot(y, z))

    def bar(t):
        x, d = t
        return tg.dot(x, tg.dot(d["a"], d["b"]))
    od = collections.OrderedDict
    cases = [
        (foo, (x, (y, z)), (0, (1, 2))),
        (foo, (x, Point(y, z)), (0, Point(1, 2))),
        (bar, (x, {"a": y, "b": z}), (0, {"a": 1, "b": 2})),
        (bar, (x, od([("a", y), ("b", z)])), (0, od([("a", 1), ("b", 2)]))),
    ]
    for fun, tree, axes in cases:
        got = tg.vmap(fun, in_axes=(axes,))(tree)
        assert got.shape == (6, 2, 5)
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)


def test_an_unbatched_function_argument_is_passed_through():
    got = tg.vmap(lambda f, x: f(x), (None, 0))(lambda x: x + 1, np.arange(3.))
    np.testing.assert_array_equal(got, np.arange(1., 4.))


def test_in_axes_with_more_entries_than_arguments_is_a_value_error():
    with pytest.raises(ValueError, match="in_axes has 2 entries.*1 positional"):
        tg.vmap(lambda x: x, in_axes=(0, 0))(np.ones(3))


@pytest.mark.parametrize("kw", ["in_axes", "out_axes"])
@pytest.mark.parametrize("axis", [np.array([1., 2.]), 0.0])
def test_an_axis_that_is_no_int_or_none_is_a_type_error(kw, axis):
    spec = (axis,) if kw == "in_axes" else axis
    with pytest.raises(TypeError, match="give an int or None"):
        tg.vmap(lambda x: x, **{kw: spec})(np.array([1., 2.]))


def test_sizes_that_disagree_name_every_mapped_argument():
    x, u = np.random.randn(10, 4), np.random.randn(10, 2)
    h = lambda a, b: tg.sum(a) + tg.sum(b)  # noqa: E731
    with pytest.raises(ValueError, match="a has 10, b has 2"):
        tg.vmap(h, in_axes=(0, 1))(x, u)
    with pytest.raises(ValueError, match="x has 10, y has 2, z has 10"):
        tg.vmap(lambda x, y, z: x[0], in_axes=(0, 1, 0))(x, u, x)
    with pytest.raises(ValueError, match=r"a has 10, b\[0\] has 2, b\[1\] has 2"):
        tg.vmap(h, in_axes=(0, 1))(x, [u, u])


@pytest.mark.parametrize("arg, in_axes, match", [
    (1., 0, r"axis 0 at x.*shape \(\)"),
    (np.array([1., 2.]), None, "no argument is batched"),
    (np.array([1., 2.]), 1, r"axis 1 at x.*shape \(2,\)"),
    (np.array([1., 2.]), -2, r"axis -2 at x.*shape \(2,\)"),
])
def test_an_axis_the_argument_does_not_have_is_named(arg, in_axes, match):
    with pytest.raises(ValueError, match=match):
        tg.vmap(lambda x: x, in_axes=in_axes)(arg)


def test_out_axes_that_do_not_fit_the_output_are_named():
    x = np.array([1., 2.])
    with pytest.raises(ValueError, match="prefix of the output"):
        tg.vmap(lambda x: x, in_axes=0, out_axes=(2, 3))(x)
    with pytest.raises(ValueError, match="depends on the batch"):
        tg.vmap(lambda x: x, out_axes=None)(x)
    with pytest.raises(ValueError, match="from -2 to 1"):
        tg.vmap(lambda x: x, out_axes=2)(np.ones((2, 3)))


@pytest.mark.parametrize("out_axes", [0, 1, -1])
def test_an_unbatched_output_is_broadcast_along_out_axes(out_axes):
    got = tg.vmap(lambda x: np.zeros(2), out_axes=out_axes)(np.zeros(5))
    assert got.shape == ((5, 2) if out_axes == 0 else (2, 5))
    np.testing.assert_array_equal(got, 0.)


# ------------------------------------------------------------------ remat
def _sin_sin(x):
    return tg.sin(tg.sin(x))


def _d_sin_sin(x):
    return np.cos(np.sin(x)) * np.cos(x)


def test_remat_of_a_function_returning_a_constant_beside_a_value():
    g = tg.checkpoint(lambda x: (_sin_sin(x), 3.))
    f = lambda x: g(x)[0]  # noqa: E731
    assert f(2.) == np.sin(np.sin(2.))
    assert g(2.)[1] == 3.
    val, tan = tg.jvp(f, (2.,), (3.,))
    assert val == np.sin(np.sin(2.))
    np.testing.assert_allclose(tan, _d_sin_sin(2.) * 3., rtol=1e-15)
    np.testing.assert_allclose(tg.grad(f)(2.), _d_sin_sin(2.), rtol=1e-15)


def test_remat_of_a_closure_over_a_value_computed_from_the_input():
    def f1(x):
        y = 2 * tg.sin(x)
        return tg.cos(x) * tg.sin(y)

    def f2(x):
        y = 2 * tg.sin(x)
        return tg.checkpoint(lambda x: tg.cos(x) * tg.sin(y))(x)
    assert tg.jvp(f2, (2.,), (3.,)) == tg.jvp(f1, (2.,), (3.,))
    assert tg.grad(f2)(2.) == tg.grad(f1)(2.)
    x = 2.
    want = -np.sin(x) * np.sin(2 * np.sin(x)) + np.cos(x) * np.cos(2 * np.sin(x)) * 2 * np.cos(x)
    np.testing.assert_allclose(tg.grad(f2)(x), want, rtol=1e-14)


def test_remat_under_jit_and_jit_of_its_gradient():
    g = tg.checkpoint(_sin_sin)
    f = tg.jit(lambda x: g(x))
    assert f(2.) == np.sin(np.sin(2.))
    np.testing.assert_allclose(tg.grad(f)(2.), _d_sin_sin(2.), rtol=1e-15)
    np.testing.assert_allclose(tg.jit(tg.grad(lambda x: g(x)))(2.), _d_sin_sin(2.), rtol=1e-15)


def test_remat_under_vmap_and_both_jacobians():
    g = tg.checkpoint(_sin_sin)
    x = np.arange(3.)
    np.testing.assert_allclose(tg.vmap(g)(x), np.sin(np.sin(x)), rtol=1e-15)
    for jac in (tg.jacfwd, tg.jacrev):
        np.testing.assert_allclose(jac(g)(x), np.diag(_d_sin_sin(x)), rtol=1e-15, atol=0)


def test_second_derivative_through_remat_is_the_plain_functions():
    f = lambda x: tg.cos(tg.sin(x))  # noqa: E731
    assert tg.grad(tg.grad(tg.checkpoint(f)))(3.) == tg.grad(tg.grad(f))(3.)
    x = 3.
    s, c = np.sin(x), np.cos(x)
    want = -np.cos(s) * c * c + np.sin(s) * s        # (cos(sin x))''
    np.testing.assert_allclose(tg.grad(tg.grad(f))(x), want, rtol=1e-13)


def test_remat_as_a_scan_body_gives_the_plain_scans_gradient():
    to_scan = lambda c, x: (tg.sin(c), None)  # noqa: E731
    plain = lambda x: tg.scan(to_scan, x, np.arange(3.))[0]  # noqa: E731
    remat = lambda x: tg.scan(tg.checkpoint(to_scan), x, np.arange(3.))[0]  # noqa: E731
    assert remat(4.) == plain(4.)
    assert tg.grad(remat)(4.) == tg.grad(plain)(4.)
    s1, s2 = np.sin(4.), np.sin(np.sin(4.))
    np.testing.assert_allclose(tg.grad(plain)(4.), np.cos(s2) * np.cos(s1) * np.cos(4.),
                               rtol=1e-14)


def test_binomially_nested_remat_of_four_sines():
    def binom(funs):
        if len(funs) == 1:
            return funs[0]
        a, b = binom(funs[:len(funs) // 2]), binom(funs[len(funs) // 2:])
        return tg.checkpoint(lambda x: a(b(x)))
    f1 = binom([tg.sin] * 4)
    f2 = lambda x: tg.sin(tg.sin(tg.sin(tg.sin(x))))  # noqa: E731
    assert f1(4.) == f2(4.)
    assert tg.grad(f1)(4.) == tg.grad(f2)(4.)
    xs = [4.]
    for _ in range(3):
        xs.append(np.sin(xs[-1]))
    np.testing.assert_allclose(tg.grad(f2)(4.), np.prod(np.cos(xs)), rtol=1e-14)


def test_remat_of_a_closure_inside_jit_and_of_jitted_calls():
    @tg.jit
    def f(x):
        y = 2 * x
        return tg.checkpoint(lambda: y)()
    assert f(3.) == 6. and f(3) == 6
    mul = tg.jit(lambda a, b: a * b)
    g = tg.checkpoint(lambda w, x: mul(mul(w, x), mul(w, x)))
    assert tg.grad(g)(1.5, 2.) == 2 * 1.5 * 2. ** 2

    def h(w, x):
        a = tg.dot(x, w)
        b = tg.einsum("btd,bTd->btT", a, a)
        return tg.sum(tg.einsum("btT,btd->btd", b, a))
    w = np.array([[0.7]])
    x = np.array([[[1.3]]])
    np.testing.assert_allclose(tg.grad(tg.checkpoint(h))(w, x), 3 * w ** 2 * 1.3 ** 3, rtol=1e-14)


def test_remat_of_a_function_that_runs_a_scan():
    def scan_bug(x0):
        f = lambda x, _: (x + 1, None)  # noqa: E731

        def scanned_f(x, _):
            return tg.scan(f, x, xs=None, length=1)[0], None
        return tg.checkpoint(scanned_f)(x0, None)[0]
    assert scan_bug(1.0) == 2.0
    assert tg.grad(scan_bug)(1.0) == 1.0


def test_remat_with_a_static_argument_under_jit_and_the_branch_error_without():
    def f(a_bool, y):
        return y + 1 if a_bool else y
    for flag, want in ((True, 2.), (False, 1.)):
        assert tg.jit(tg.checkpoint(f, static_argnums=0), static_argnums=0)(flag, 1.) == want
        assert tg.grad(tg.checkpoint(f, static_argnums=0), 1)(flag, 1.) == 1.
    with pytest.raises(TypeError, match=r"branches on a traced value.*static_argnums"):
        tg.grad(lambda y: tg.checkpoint(f)(y > 0, y))(1.)


@pytest.mark.parametrize("y", [1.5, -0.5])
def test_a_traced_boolean_is_data_for_remat_and_for_loop_carries(y):
    c = tg.checkpoint(lambda m, x: tg.where(m, x * x, -x))
    want = 2 * y if y > 0 else -1.
    assert tg.grad(lambda x: c(x > 0, x))(y) == want
    assert tg.jit(tg.grad(lambda x: c(x > 0, x)))(y) == want
    ys = np.array([y, -y])
    np.testing.assert_array_equal(tg.vmap(tg.grad(lambda x: c(x > 0, x)))(ys),
                                  [want, 2 * -y if -y > 0 else -1.])
    body = lambda c, _: ((tg.where(c[1], c[0] * 2, c[0] / 2), c[1]), None)  # noqa: E731
    f = lambda x: tg.scan(body, (x, x > 0), None, length=3)[0][0]  # noqa: E731
    assert tg.grad(f)(y) == (8. if y > 0 else 0.125)
    g = lambda x: tg.fori_loop(0, 3, lambda i, c: body(c, None)[0], (x, x > 0))[0]  # noqa: E731
    assert tg.grad(g)(y) == tg.grad(f)(y) == tg.jit(tg.grad(g))(y)


def test_remat_of_a_wave_step_with_default_arguments_inside_a_scan():
    @tg.checkpoint
    def step(state, dt=0.5, c=1.0):
        u, u_t = state
        return (u, u_t + c ** 2 * u * dt)

    def loss(u0, steps):
        init = (u0, tg.zeros_like(u0))
        (uf, ut), _ = tg.scan(lambda s, _: (step(s, 0.7, 1.0), None), init, None, length=steps)
        return tg.mean((uf + ut) ** 2)
    u0 = np.linspace(-1., 1., 6).reshape(2, 3)
    # u stays u0 and u_t grows to steps * 0.7 * u0: loss = mean(((1 + 0.7 n) u0)**2)
    n = 3
    want = 2 * (1 + 0.7 * n) ** 2 * u0 / u0.size
    np.testing.assert_allclose(tg.grad(loss)(u0, n), want, rtol=1e-14)
