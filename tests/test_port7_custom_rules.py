"""JAX's ``CustomJVPTest`` and ``CustomVJPTest`` (api_test.py), in tapegrad's terms.

JAX's ``custom_jvp``/``custom_vjp`` are tapegrad's ``tg.primitive`` with
``tg.defjvp``/``tg.defvjp``/``tg.defpartials``. The families: the rule is
used by every transform (basic), nesting ``jvp`` in ``jvp`` and
``value_and_grad`` in ``value_and_grad`` keeps using it (invariance), rules
with Python control flow, ``vmap`` of ``jvp`` of ``vmap``, ``jit`` on either
side, keyword arguments, use inside ``scan`` (initial style) and under
``vmap`` there, a rule written with the primitive itself (linear in scan),
a ``None`` first rule, several invocations in a scanned function, and the
errors for missing rules, wrong rule counts and rule results of another
shape or structure.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg


def _sin_times_two_rule():
    f = tg.primitive(np.sin, name="f", elementwise=True)
    tg.defjvp(f, lambda t, ans, x: 2 * tg.cos(x) * t)
    tg.defvjp(f, lambda g, ans, x: 2 * tg.cos(x) * g)
    return f


def test_the_rules_are_what_every_transform_uses():
    f = _sin_times_two_rule()
    x = 3.
    assert f(x) == np.sin(x)
    assert tg.jvp(f, (x,), (1.,)) == (np.sin(x), 2 * np.cos(x))
    assert tg.grad(f)(x) == 2 * np.cos(x)
    assert tg.value_and_grad(f)(x) == (np.sin(x), 2 * np.cos(x))
    assert tg.jit(f)(x) == np.sin(x) and tg.jit(tg.jit(f))(x) == np.sin(x)
    want = (np.sin(x), 2 * np.cos(x) * x)
    assert tg.jit(lambda x: tg.jvp(f, (x,), (x,)))(x) == want
    assert tg.jvp(tg.jit(f), (x,), (x,)) == want


def test_nesting_jvp_or_value_and_grad_keeps_using_the_rule():
    f = tg.primitive(lambda x: np.cos(2 * x) / 2., name="f")
    tg.defjvp(f, lambda t, ans, x: 3 * t)
    tg.defvjp(f, lambda g, ans, x: 3 * g)
    f2 = lambda x: tg.jvp(f, (x,), (x,))[0]  # noqa: E731
    f3 = lambda x: tg.jvp(f2, (x,), (x,))[0]  # noqa: E731
    want = (np.cos(2.) / 2., 3.)
    assert tg.jvp(f, (1.,), (1.,)) == tg.jvp(f2, (1.,), (1.,)) == tg.jvp(f3, (1.,), (1.,)) == want
    g2 = lambda x: tg.value_and_grad(f)(x)[0]  # noqa: E731
    g3 = lambda x: tg.value_and_grad(g2)(x)[0]  # noqa: E731
    assert f(1.) == g2(1.) == g3(1.)
    assert tg.grad(f)(1.) == tg.grad(g2)(1.) == tg.grad(g3)(1.) == 3.


def test_python_control_flow_in_the_impl_and_in_the_rules():
    f = tg.primitive(lambda x: np.sin(x) if x > 0 else np.cos(x), name="f")
    tg.defjvp(f, lambda t, ans, x: 2 * t if x > 0 else 3 * t)
    tg.defvjp(f, lambda g, ans, x: 2 * g if x > 0 else 3 * g)
    assert f(2.) == np.sin(2.) and f(-2.) == np.cos(-2.)
    assert tg.jvp(f, (2.,), (1.,)) == (np.sin(2.), 2.)
    assert tg.jvp(f, (-2.,), (1.,)) == (np.cos(-2.), 3.)
    assert (tg.grad(f)(2.), tg.grad(f)(-2.)) == (2., 3.)
    assert (tg.jit(tg.grad(f))(2.), tg.jit(tg.grad(f))(-2.)) == (2., 3.)
    np.testing.assert_array_equal(tg.vmap(tg.grad(f))(np.array([2., -2.])), [2., 3.])


def test_vmap_of_jvp_of_vmap_in_every_order():
    f = _sin_times_two_rule()
    x, xx = np.arange(3.), np.arange(6.).reshape(2, 3)
    np.testing.assert_allclose(tg.vmap(f)(x), np.sin(x), rtol=1e-15)
    np.testing.assert_allclose(tg.vmap(tg.vmap(f))(xx), np.sin(xx), rtol=1e-15)
    jv = lambda x: tg.jvp(f, (x,), (x,))  # noqa: E731
    for got, arg in ((tg.vmap(jv)(x), x), (tg.vmap(tg.vmap(jv))(xx), xx),
                     (tg.jvp(tg.vmap(f), (x,), (x,)), x),
                     (tg.jvp(tg.vmap(tg.vmap(f)), (xx,), (xx,)), xx),
                     (tg.vmap(lambda x: tg.jvp(tg.vmap(f), (x,), (x,)))(xx), xx)):
        np.testing.assert_allclose(got[0], np.sin(arg), rtol=1e-15)
        np.testing.assert_allclose(got[1], 2 * np.cos(arg) * arg, rtol=1e-15)


def test_vmap_of_grad_and_grad_of_vmap():
    f = _sin_times_two_rule()
    x, xx = np.arange(3.), np.arange(6.).reshape(2, 3)
    np.testing.assert_allclose(tg.vmap(tg.grad(f))(x), 2 * np.cos(x), rtol=1e-15)
    np.testing.assert_allclose(tg.vmap(tg.vmap(tg.grad(f)))(xx), 2 * np.cos(xx), rtol=1e-15)
    val, g = tg.vmap(tg.vmap(tg.value_and_grad(f)))(xx)
    np.testing.assert_allclose(val, np.sin(xx), rtol=1e-15)
    np.testing.assert_allclose(g, 2 * np.cos(xx), rtol=1e-15)
    np.testing.assert_allclose(tg.grad(lambda x: tg.sum(tg.vmap(f)(x)))(x), 2 * np.cos(x),
                               rtol=1e-15)


def test_keyword_arguments_of_the_impl_reach_the_rules():
    kw = tg.primitive(lambda x, y, c=1.: c * (x + y), name="kw")
    tg.defpartials(kw, lambda ans, x, y, c=1.: c, lambda ans, x, y, c=1.: c)
    f = lambda x, y: tg.square(kw(x, y, c=2.))  # noqa: E731
    assert f(10., 5.) == 900.
    assert tg.grad(f, (0, 1))(10., 5.) == (120., 120.)     # 2 * 30 * 2
    assert tg.jvp(f, (10., 5.), (1., 1.)) == (900., 240.)


def test_a_custom_rule_inside_a_scan_and_a_vmapped_scan():
    f = tg.primitive(lambda x: 3 * x, name="f")
    tg.defjvp(f, lambda t, ans, x: 2 * t)
    tg.defvjp(f, lambda g, ans, x: 2 * g)
    foo = lambda x: tg.scan(lambda c, _: (f(c), None), x, None, length=1)[0]  # noqa: E731
    assert tg.grad(foo)(3.) == 2. and tg.grad(tg.grad(foo))(3.) == 0.
    np.testing.assert_array_equal(tg.vmap(foo)(np.ones(3)), np.full(3, 3.))
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(tg.vmap(foo)(x)))(np.ones(3)),
                                  np.full(3, 2.))


def test_a_rule_written_with_the_primitive_itself_inside_a_scan():
    neg = tg.primitive(lambda x: -x, name="neg")
    tg.defjvp(neg, lambda t, ans, x: neg(t))
    tg.defvjp(neg, lambda g, ans, x: neg(g))
    foo = lambda x: tg.scan(lambda c, _: (neg(c), None), x, None, length=1)[0]  # noqa: E731
    assert tg.grad(foo)(3.) == -1.
    assert tg.jvp(foo, (3.,), (2.,)) == (-3., -2.)


def test_a_none_rule_for_the_first_input():
    f = tg.primitive(lambda x, y: x ** 2 * y, name="f")
    tg.defjvp(f, None, lambda t, ans, x, y: x ** 2 * t)
    tg.defvjp(f, None, lambda g, ans, x, y: x ** 2 * g)
    assert tg.grad(f, 1)(2., 3.) == 4.
    assert tg.grad(f, 0)(2., 3.) == 0.
    assert tg.jvp(f, (2., 3.), (1., 1.)) == (12., 4.)


def test_several_invocations_in_a_scanned_function_match_the_plain_function():
    expit = tg.primitive(lambda x: 1 / (1 + np.exp(-x)), name="expit", elementwise=True)
    tg.defpartials(expit, lambda ans, x: ans * (1 - ans))

    def make(sig):
        def foo(x):
            body = lambda c, _: ([sig(c[0])] + [c[i - 1] + c[i] for i in range(1, 5)], None)  # noqa: E731
            return tg.scan(body, [x, 0., 0., 0., 0.], None, length=10)[0][-1]
        return foo
    custom, plain = make(expit), make(tg.sigmoid)
    np.testing.assert_allclose(custom(3.), plain(3.), rtol=1e-13)
    np.testing.assert_allclose(tg.grad(custom)(3.), tg.grad(plain)(3.), rtol=1e-12)
    xs = np.arange(3.)
    np.testing.assert_allclose(tg.grad(lambda x: tg.sum(tg.vmap(custom)(x)))(xs),
                               tg.grad(lambda x: tg.sum(tg.vmap(plain)(x)))(xs), rtol=1e-12)


def test_a_relu_with_a_custom_rule_through_scan_under_jit_vmap_and_grad():
    relu = tg.primitive(lambda x: np.maximum(x, 0.), name="relu", elementwise=True)
    tg.defjvp(relu, lambda t, ans, x: tg.where(x > 0, t, 0. * t))
    tg.defvjp(relu, lambda g, ans, x: tg.where(x > 0, g, 0. * g))

    def f(x):
        body = lambda c, _: ([relu(c[0])] + [c[i - 1] + c[i] for i in range(1, 5)], None)  # noqa: E731
        return tg.scan(body, [x, 0., 0., 0., 0.], None, length=10)[0][-1]
    xs = np.array([-1., 0.5, 2.])
    loop = np.array([f(x) for x in xs])
    np.testing.assert_array_equal(tg.jit(tg.vmap(f))(xs), loop)
    grads = np.array([tg.grad(f)(x) for x in xs])
    np.testing.assert_allclose(grads, [fd(f, x) for x in xs], rtol=1e-7)
    np.testing.assert_array_equal(tg.jit(tg.vmap(tg.grad(f)))(xs), grads)
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(tg.vmap(f)(x)))(xs), grads)
    np.testing.assert_array_equal(tg.jvp(tg.jit(tg.vmap(f)), (xs,), (np.ones(3),))[1], grads)


def test_a_missing_rule_names_the_primitive_and_how_to_give_it():
    foo = tg.primitive(lambda x: x ** 2, name="foo")
    assert foo(2.) == 4. and tg.jit(foo)(2.) == 4.
    with pytest.raises(NotImplementedError, match=r"'foo' has no jvp rule.*tg\.defjvp"):
        tg.jvp(foo, (2.,), (1.,))
    with pytest.raises(NotImplementedError, match=r"'foo' has no vjp rule.*tg\.defvjp"):
        tg.grad(foo)(2.)


def test_more_rules_than_inputs_is_refused_when_they_are_given():
    q = tg.primitive(lambda x: x, name="q")
    for define in (tg.defvjp, tg.defjvp):
        with pytest.raises(TypeError, match=r"'q' takes 1 input\(s\) but 2 rules"):
            define(q, lambda g, ans, x: g, lambda g, ans, x: g)
    opt = tg.primitive(lambda x, y=1.: x * y, name="opt")       # an optional input may have one
    tg.defvjp(opt, lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x)
    assert tg.grad(opt, (0, 1))(2., 3.) == (3., 2.)


def test_a_rule_result_of_another_shape_or_structure_is_named():
    bad = tg.primitive(lambda x: x ** 2, name="bad")
    tg.defjvp(bad, lambda t, ans, x: np.reshape(t, (1,)))
    with pytest.raises(ValueError, match=r"'bad'.*shape \(1,\).*shape \(\)"):
        tg.jvp(bad, (np.float32(2.),), (np.float32(1.),))
    pair = tg.primitive(lambda x: x ** 2, name="pair")
    tg.defvjp(pair, lambda g, ans, x: (g, g))
    with pytest.raises(TypeError, match="'pair' for input 0 returned a tuple"):
        tg.grad(pair)(2.)
