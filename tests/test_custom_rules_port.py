"""Custom primitives under every transform, ported from JAX's custom_jvp /
custom_vjp tests and autograd's test_wrappers.py / test_core.py, adapted to
tg.primitive / tg.defvjp / tg.defjvp / tg.defpartials.

Each fact is checked against a closed form or central differences; jit
against eager bit for bit, vmap against a Python loop over the examples.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tapegrad as tg


def central(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


def make_siny(elementwise):
    """sin(x) * y, both rules written with tapegrad functions."""
    def impl(x, y=2.0):
        return np.sin(x) * y
    p = tg.primitive(impl, name="siny", elementwise=elementwise)
    tg.defvjp(p, lambda g, ans, x, y: g * tg.cos(x) * y, lambda g, ans, x, y: g * tg.sin(x))
    tg.defjvp(p, lambda t, ans, x, y: t * tg.cos(x) * y, lambda t, ans, x, y: t * tg.sin(x))
    return p


def make_siny_partials():
    p = tg.primitive(lambda x, y: np.sin(x) * y, name="siny_p", elementwise=True)
    tg.defpartials(p, lambda ans, x, y: tg.cos(x) * y, lambda ans, x, y: tg.sin(x))
    return p


MAKERS = {"vjp+jvp elementwise": lambda: make_siny(True),
          "vjp+jvp per example": lambda: make_siny(False),
          "partials": make_siny_partials}


def ref(x, y):
    return np.sin(x) * y * x


@pytest.mark.parametrize("make", MAKERS.values(), ids=MAKERS.keys())
def test_rules_are_used_by_grad_jvp_and_jit_bit_for_bit(make):
    p = make()
    f = lambda x, y: p(x, y) * x
    x, y = 0.7, 1.3
    gx, gy = tg.grad(f, (0, 1))(x, y)
    assert gx == pytest.approx(central(lambda x: ref(x, y), x), rel=1e-8)
    assert gy == pytest.approx(central(lambda y: ref(x, y), y), rel=1e-8)
    assert tg.jvp(f, (x, y), (1.0, 0.0))[1] == pytest.approx(gx, rel=1e-12)
    assert tg.jit(f)(x, y) == f(x, y)
    assert tg.jit(tg.grad(f, (0, 1)))(x, y) == (gx, gy)
    assert tg.grad(tg.jit(f), (0, 1))(x, y) == (gx, gy)


@pytest.mark.parametrize("make", MAKERS.values(), ids=MAKERS.keys())
def test_vmap_equals_a_loop_for_elementwise_and_per_example_primitives(make):
    p = make()
    f = lambda x, y: p(x, y) * x
    xs, ys = np.array([0.1, 0.7, 1.2]), np.array([1.0, 2.0, 3.0])
    loop = lambda fun, *a: np.array([fun(*e) for e in zip(*a)])
    np.testing.assert_allclose(tg.vmap(f)(xs, ys), ref(xs, ys), rtol=1e-15)
    np.testing.assert_allclose(tg.vmap(f, in_axes=(0, None))(xs, 2.0), ref(xs, 2.0), rtol=1e-15)
    g = tg.grad(f)
    want = loop(g, xs, ys)
    np.testing.assert_allclose(tg.vmap(g)(xs, ys), want, rtol=1e-14)
    np.testing.assert_array_equal(tg.jit(tg.vmap(g))(xs, ys), tg.vmap(g)(xs, ys))
    np.testing.assert_allclose(tg.vmap(tg.jit(g))(xs, ys), want, rtol=1e-14)
    xx, yy = np.outer(xs, xs), np.outer(ys, ys)
    np.testing.assert_allclose(tg.vmap(tg.vmap(f))(xx, yy), ref(xx, yy), rtol=1e-15)
    out, tan = tg.jvp(tg.vmap(f), (xs, ys), (np.ones(3), np.zeros(3)))
    np.testing.assert_allclose(tan, want, rtol=1e-14)


@pytest.mark.parametrize("make", MAKERS.values(), ids=MAKERS.keys())
def test_rules_are_themselves_differentiable_to_order_four(make):
    p = make()
    d = lambda f: tg.grad(f)
    f = lambda x: p(x, 1.0)
    x = 0.7
    assert d(d(f))(x) == pytest.approx(-math.sin(x), rel=1e-12)
    assert d(d(d(d(f))))(x) == pytest.approx(math.sin(x), rel=1e-12)
    assert tg.jacfwd(tg.jacrev(f))(x) == pytest.approx(-math.sin(x), rel=1e-12)
    h = tg.hessian(lambda x, y: p(x, y) * x, (0, 1))(x, 1.3)
    assert h[0][1] == pytest.approx(math.sin(x) + x * math.cos(x), rel=1e-12)
    assert h[1][1] == 0.0
    assert tg.jit(tg.grad(tg.grad(f)))(x) == d(d(f))(x)


def test_a_none_rule_gives_a_zero_derivative_under_every_transform():
    s = tg.primitive(lambda x, k: x * k, name="scale")
    tg.defvjp(s, lambda g, ans, x, k: g * k, None)
    tg.defjvp(s, lambda t, ans, x, k: t * k, None)
    assert tg.jit(tg.grad(s, (0, 1)))(2.0, 3.0) == (3.0, 0.0)
    assert tg.jacfwd(s, (0, 1))(2.0, 3.0) == (3.0, 0.0)
    gx, gk = tg.vmap(tg.grad(s, (0, 1)))(np.array([2.0, 1.0]), np.array([3.0, 4.0]))
    assert gx.tolist() == [3.0, 4.0] and gk.tolist() == [0.0, 0.0]
    h = tg.hessian(lambda x, k: s(x, k) * x, (0, 1))(2.0, 3.0)
    assert h == ((6.0, 2.0), (0.0, 0.0))     # d/dk of the x-rule is seen, the k-rule is None


def test_three_inputs_broadcast_and_mixed_batching():
    fma = tg.primitive(lambda a, b, c: a * b + c, name="fma")
    tg.defvjp(fma, lambda g, ans, a, b, c: g * b, lambda g, ans, a, b, c: g * a,
              lambda g, ans, a, b, c: g)
    tg.defjvp(fma, lambda t, ans, a, b, c: t * b, lambda t, ans, a, b, c: t * a,
              lambda t, ans, a, b, c: t)
    assert tg.grad(fma, (0, 1, 2))(2.0, 3.0, 4.0) == (3.0, 2.0, 1.0)
    assert tg.jvp(fma, (2.0, 3.0, 4.0), (1.0, 1.0, 1.0)) == (10.0, 6.0)
    ga, gb = tg.grad(lambda a, b: tg.sum(fma(a, b, 1.0)), (0, 1))(np.array([1.0, 2.0]), 3.0)
    assert ga.tolist() == [3.0, 3.0] and gb == 3.0   # b was broadcast: its cotangent is summed
    a, c = np.array([1.0, 2.0]), np.array([1.0, 1.0])
    g = tg.grad(fma, (0, 1, 2))
    got = tg.jit(tg.vmap(g, in_axes=(0, None, 0)))(a, 3.0, c)
    want = [g(ai, 3.0, ci) for ai, ci in zip(a, c)]
    for k in range(3):
        np.testing.assert_array_equal(got[k], [w[k] for w in want])


def test_keyword_arguments_are_bound_to_impls_parameters():
    p = make_siny(True)
    assert p(0.5, y=3.0) == np.sin(0.5) * 3.0 == p(x=0.5, y=3.0)
    gx, gy = tg.grad(lambda x, y: p(x=x, y=y), (0, 1))(0.5, 3.0)
    assert (gx, gy) == (3.0 * math.cos(0.5), math.sin(0.5))
    assert tg.grad(lambda x: p(x=x))(0.5) == 2.0 * math.cos(0.5)    # impl's default
    assert tg.jit(tg.grad(lambda x, y: p(x, y=y), (0, 1)))(0.5, 3.0) == (gx, gy)
    xs, ys = np.array([0.5, 0.6]), np.array([3.0, 4.0])
    np.testing.assert_array_equal(tg.vmap(lambda x, y: p(x, y=y))(xs, ys), p(xs, ys))
    assert tg.jvp(lambda x, y: p(x, y=y), (0.5, 3.0), (1.0, 0.0))[1] == gx
    # left out, y gets impl's default, passed to the rules too (as custom_jvp does);
    # it once reached impl only, and the rules failed with "missing 'y'"
    assert tg.grad(p)(0.5) == 2.0 * math.cos(0.5) == tg.jit(tg.grad(p))(0.5)
    assert tg.jvp(p, (0.5,), (1.0,))[1] == 2.0 * math.cos(0.5)
    np.testing.assert_array_equal(tg.vmap(tg.grad(p))(xs), 2.0 * np.cos(xs))
    with pytest.raises(TypeError, match=r"primitive 'siny': .*'z'.*by position"):
        p(0.5, z=1.0)
    add = tg.primitive(np.add)          # a ufunc's own defaults (out=None) are no inputs
    tg.defpartials(add, 1.0, 1.0)
    assert add(1.0, 2.0) == 3.0 and tg.grad(add, (0, 1))(1.0, 2.0) == (1.0, 1.0)

    def scaled(x, y=3.0, *, k=2.0):     # keyword-only defaults stay impl's
        return x * y * k
    s = tg.primitive(scaled)
    tg.defvjp(s, lambda g, ans, x, y: g * y * 2.0, None)
    assert s(1.0) == 6.0 and tg.grad(s)(1.0) == 6.0 and s(1.0, y=1.0) == 2.0
    q = tg.primitive(lambda x, *, k: x * k, name="kwo")
    with pytest.raises(TypeError, match=r"keyword-only parameters \['k'\].*functools.partial"):
        q(1.0, k=2.0)


def test_an_unhashable_callable_impl_binds_its_keywords():
    # impl's signature is read once per impl where impl can be a key; an
    # unhashable callable object is bound all the same
    class Scale:
        __hash__ = None

        def __call__(self, x, a=2.0):
            return x * a
    s = tg.primitive(Scale(), name="scale")
    tg.defvjp(s, lambda g, ans, x, a: g * a, None)
    assert s(1.5) == 3.0 and s(1.5, a=4.0) == 6.0
    assert tg.grad(lambda x: s(x, a=4.0))(1.5) == 4.0 == tg.jit(tg.grad(lambda x: s(x, a=4.0)))(1.5)


def test_rules_closing_over_outer_values():
    def make(a):
        c = tg.primitive(lambda x: x * a, name="times_a")
        tg.defvjp(c, lambda g, ans, x: g * a)
        tg.defjvp(c, lambda t, ans, x: t * a)
        return c
    c3 = make(3.0)
    assert tg.grad(c3)(1.0) == 3.0 == tg.jit(tg.grad(c3))(1.0)
    assert tg.vmap(tg.grad(c3))(np.ones(2)).tolist() == [3.0, 3.0]

    # a closure over an outer transform's value is fine: that transform records it
    da = tg.grad(lambda a: tg.grad(lambda x: make(a)(x) * x)(2.0))(1.5)
    assert da == 4.0                                      # d/da d/dx [a x^2] = 2x
    assert tg.jvp(lambda a: tg.grad(lambda x: make(a)(x) * x)(2.0), (1.5,), (1.0,)) == (6.0, 4.0)


TRANSFORMS = {"grad": lambda f: tg.grad(f, (0, 1)),
              "jvp": lambda f: lambda x, a: tg.jvp(f, (x, a), (0.0, 1.0)),
              "jit": tg.jit, "jit(grad)": lambda f: tg.jit(tg.grad(f, (0, 1))),
              "vmap": lambda f: lambda x, a: tg.vmap(f)(np.array([x]), np.array([a])),
              "vmap(grad)": lambda f: lambda x, a: tg.vmap(tg.grad(f))(np.array([x]),
                                                                       np.array([a]))}


@pytest.mark.parametrize("transform", TRANSFORMS.values(), ids=TRANSFORMS.keys())
def test_an_impl_closing_over_the_transformed_value_is_named(transform):
    """Once grad raised EscapedTracerError and jvp returned a traced value with a
    zero tangent: impl's closure over ``a`` was invisible to the rules."""
    def f(x, a):
        c = tg.primitive(lambda x: x * a, name="times_a")
        tg.defvjp(c, lambda g, ans, x: g * a)
        tg.defjvp(c, lambda t, ans, x: t * a)
        return c(x) * x
    with pytest.raises(TypeError, match=r"primitive 'times_a': impl returned a traced value"
                                        r".*closure_convert"):
        transform(f)(2.0, 1.5)
    assert tg.grad(lambda x: x * 1.5)(2.0) == 1.5        # and the next call is clean


def test_custom_primitive_inside_loops_in_both_modes_and_under_vmap():
    p = make_siny(True)
    def f(a):
        return tg.scan(lambda c, _: (p(c, a), None), 0.5, None, length=3)[0]
    def loop(a):
        c = 0.5
        for _ in range(3):
            c = math.sin(c) * a
        return c
    assert f(1.1) == loop(1.1)
    assert tg.grad(f)(1.1) == pytest.approx(central(loop, 1.1), rel=1e-8)
    assert tg.jvp(f, (1.1,), (1.0,))[1] == pytest.approx(tg.grad(f)(1.1), rel=1e-13)
    w = lambda a: tg.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, p(c[1], a)), (0, 0.5))[1]
    np.testing.assert_allclose(tg.vmap(w)(np.array([1.1, 0.9])), [loop(1.1), loop(0.9)],
                               rtol=1e-15)


RULE_RUNNERS = {"grad": TRANSFORMS["grad"], "jit(grad)": TRANSFORMS["jit(grad)"],
                "vmap(grad)": lambda f: lambda x, a: tg.vmap(tg.grad(f, (0, 1)))(
                    np.array([x]), np.array([a])), "hessian": lambda f: tg.hessian(f, (0, 1)),
                "jvp": lambda f: lambda x, a: tg.jvp(f, (x, a), (1.0, 1.0))}


@pytest.mark.parametrize("transform", RULE_RUNNERS.values(), ids=RULE_RUNNERS.keys())
@pytest.mark.parametrize("how", ["defvjp+defjvp", "defpartials"])
def test_a_rule_closing_over_the_transformed_value_is_named(transform, how):
    """Once an EscapedTracerError telling to return values instead of storing them."""
    def f(x, a):
        c = tg.primitive(lambda x: x * 2.0, name="dbl_a")
        if how == "defpartials":
            tg.defpartials(c, lambda ans, x: 2.0 + 0.0 * a)
        else:
            tg.defvjp(c, lambda g, ans, x: g * 2.0 + 0.0 * a)
            tg.defjvp(c, lambda t, ans, x: t * 2.0 + 0.0 * a)
        return c(x) * a
    assert tg.jit(f)(2.0, 1.5) == 6.0                 # no rule runs: fine
    # a is vmap's, outside grad's tape: the closure is fine and the result is 2a
    assert tg.vmap(tg.grad(f))(np.array([2.0]), np.array([1.5])).tolist() == [3.0]
    with pytest.raises(TypeError, match=r"rule of primitive 'dbl_a' for input 0 uses a traced "
                                        r"value that is not one of its arguments.*closure_convert"):
        transform(f)(2.0, 1.5)


# ---------------------------------------------------------- wrong results of rules

def test_a_vjp_rule_adding_axes_to_a_scalar_input_is_named_not_returned():
    """Once a cotangent shaped (5,) for a float input came back as the gradient."""
    q = tg.primitive(lambda x: x * 2.0, name="dbl")
    tg.defvjp(q, lambda g, ans, x: np.ones(5) * g)
    for t in (tg.grad(q), tg.jit(tg.grad(q))):
        with pytest.raises(ValueError, match=r"'dbl' for input 0 returned shape \(5,\), "
                                             r"but that input has shape \(\)"):
            t(1.0)
    with pytest.raises(ValueError, match=r"'dbl' for input 0 returned shape \(5,\)"):
        tg.vmap(tg.grad(q))(np.ones(2))


def test_a_vjp_rule_adding_a_leading_axis_is_named_not_summed_away():
    """Once a (2, 3) cotangent for a (3,) input was summed to (3,): a silent 2x."""
    q = tg.primitive(lambda x: x * 2.0, name="dbl2")
    tg.defvjp(q, lambda g, ans, x: np.ones((2, 3)) * g)
    with pytest.raises(ValueError, match=r"'dbl2' for input 0 returned shape \(2, 3\), "
                                         r"but that input has shape \(3,\)"):
        tg.grad(lambda x: tg.sum(q(x)))(np.ones(3))


def test_legitimate_cotangent_shapes_still_pass():
    s = tg.primitive(lambda x: np.sum(x), name="mysum")     # output smaller than the input
    tg.defvjp(s, lambda g, ans, x: g * np.ones(np.shape(x)))
    assert tg.grad(s)(np.ones(3)).tolist() == [1.0, 1.0, 1.0]
    b = tg.primitive(lambda x, y: x * y, name="bmul")      # output-shaped: summed to the input
    tg.defvjp(b, lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x)
    gx, gy = tg.grad(lambda x, y: tg.sum(b(x, y)), (0, 1))(2.0, np.ones(3))
    assert gx == 3.0 and gy.tolist() == [2.0, 2.0, 2.0]


def test_a_rule_returning_an_int_gives_a_float_derivative():
    """Once grad of a float came back as the int the rule returned (3, not 3.0)."""
    q = tg.primitive(lambda x: 3.0 * x, name="triple")
    tg.defvjp(q, lambda g, ans, x: 3)
    tg.defjvp(q, lambda t, ans, x: 3)
    for d in (tg.grad(q)(1.0), tg.jit(tg.grad(q))(1.0), tg.jvp(q, (1.0,), (1.0,))[1],
              tg.jacfwd(q)(1.0), tg.grad(lambda x: q(x) * 1.0)(1.0)):
        assert d == 3.0 and type(d) is float
    v = tg.vmap(tg.grad(q))(np.ones(2))
    assert v.dtype == np.float64 and v.tolist() == [3.0, 3.0]
    g32 = tg.grad(q)(np.float32(1.0))
    assert g32 == 3.0 and g32.dtype == np.float32


def test_a_float64_jvp_rule_keeps_a_float32_tangent_float32_as_reverse_mode_does():
    """Once jvp and jacfwd gave float64 where grad and jacrev gave float32."""
    p = tg.primitive(lambda x: x * np.float32(2.0), name="double32")
    tg.defvjp(p, lambda g, ans, x: np.float64(2.0) * g)
    tg.defjvp(p, lambda t, ans, x: np.float64(2.0) * t)
    x = np.float32(1.5)
    out, tan = tg.jvp(p, (x,), (np.float32(1.0),))
    assert out.dtype == tan.dtype == np.float32 and tan == 2.0
    assert tg.jacfwd(p)(x).dtype == tg.jacrev(p)(x).dtype == np.float32
    xs = np.ones(3, np.float32)
    vt = tg.vmap(lambda x: tg.jvp(p, (x,), (x,))[1])(xs)
    assert vt.dtype == np.float32 and vt.tolist() == [2.0] * 3
    assert tg.jit(lambda x: tg.jvp(p, (x,), (x,)))(x)[1].dtype == np.float32


def test_a_per_example_result_of_another_shape_is_named_under_vmap():
    """Once NumPy's "all input arrays must have the same shape" from np.stack."""
    ragged = tg.primitive(lambda x: np.arange(int(x[0])) * x[0], name="ragged")
    tg.defvjp(ragged, lambda g, ans, x: g)
    with pytest.raises(ValueError, match=r"vmap: primitive 'ragged' returned shape \(2,\) "
                                         r"for example 0 but \(3,\) for example 1"):
        tg.vmap(ragged)(np.array([[2.0], [3.0]]))
    same = np.array([[2.0], [2.0]])
    np.testing.assert_array_equal(tg.vmap(ragged)(same), [ragged(x) for x in same])


def test_a_container_of_traced_values_as_an_input_is_named():
    """Once impl ran on the traced values inside a dict, and grad skipped the rule."""
    p = tg.primitive(lambda d: d["a"] * 2.0, name="dictp")
    tg.defvjp(p, lambda g, ans, d: {"a": g * 100.0})
    assert p({"a": 1.0}) == 2.0                          # plain numbers: fine
    for t in (tg.grad, tg.jit, lambda f: lambda x: tg.vmap(f)(np.array([x]))):
        with pytest.raises(TypeError, match=r"primitive 'dictp': argument 0 is a dict holding "
                                            r"traced values.*tg.tree.flatten"):
            t(lambda x: p({"a": x}))(1.0)
    q = tg.primitive(lambda x, shape: np.reshape(x, shape), name="reshape_to")
    tg.defvjp(q, lambda g, ans, x, shape: tg.reshape(g, np.shape(x)), None)
    g = tg.grad(lambda x: tg.sum(q(x, (2, 2)) * x.reshape(2, 2)))    # a tuple of ints: fine
    np.testing.assert_array_equal(g(np.arange(4.0)), 2 * np.arange(4.0))
    np.testing.assert_array_equal(tg.jit(g)(np.arange(4.0)), 2 * np.arange(4.0))


def test_rules_that_use_transforms_themselves():
    """JAX's test_vmap_inside_defjvp: a rule may call vmap or grad."""
    s = tg.primitive(lambda x: np.sin(x), name="sin_v")
    tg.defvjp(s, lambda g, ans, x: g * tg.vmap(tg.cos)(x))
    tg.defjvp(s, lambda t, ans, x: t * tg.vmap(tg.cos)(x))
    x = np.array([0.1, 0.5, 0.9])
    d = tg.grad(lambda x: tg.sum(s(x)))
    np.testing.assert_allclose(d(x), np.cos(x), rtol=1e-15)
    np.testing.assert_array_equal(tg.jvp(s, (x,), (np.ones(3),))[1], d(x))
    np.testing.assert_array_equal(tg.jit(d)(x), d(x))
    np.testing.assert_allclose(np.diag(tg.hessian(lambda x: tg.sum(s(x)))(x)), -np.sin(x),
                               rtol=1e-15)
    cube = tg.primitive(lambda x: x ** 3, name="cube_g")
    tg.defvjp(cube, lambda g, ans, x: g * tg.grad(lambda y: y ** 3)(x))
    tg.defjvp(cube, lambda t, ans, x: t * tg.grad(lambda y: y ** 3)(x))
    assert tg.grad(tg.grad(cube))(2.0) == 12.0 == tg.jit(tg.grad(tg.grad(cube)))(2.0)
    assert tg.jacfwd(tg.jacfwd(cube))(2.0) == 12.0
    assert tg.vmap(tg.grad(tg.grad(cube)))(np.array([2.0, 1.0])).tolist() == [12.0, 6.0]
