"""Custom primitives: tg.primitive, tg.defvjp, tg.defjvp, tg.defpartials, and
the built-ins declared through the same path."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tapegrad as tg
from tapegrad import logic, ops, reductions


def make_softplus():
    """log(1 + exp(x)), stable, with rules written in tapegrad functions."""
    def impl(x):
        return np.logaddexp(0.0, x) if isinstance(x, np.ndarray) else \
            (x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x)))
    sp = tg.primitive(impl, name="softplus")
    tg.defvjp(sp, lambda g, ans, x: g * tg.sigmoid(x))
    tg.defjvp(sp, lambda t, ans, x: t * tg.sigmoid(x))
    return sp


def test_custom_primitive_in_both_modes_and_every_order():
    sp = make_softplus()
    x = 0.4
    s = 1 / (1 + math.exp(-x))
    assert tg.grad(sp)(x) == pytest.approx(s)
    assert tg.jvp(sp, (x,), (2.0,))[1] == pytest.approx(2 * s)
    # rules are recorded like any computation, so they differentiate again
    assert tg.grad(tg.grad(sp))(x) == pytest.approx(s * (1 - s))
    assert tg.jvp(tg.grad(sp), (x,), (1.0,))[1] == pytest.approx(s * (1 - s))
    assert tg.hessian(sp)(x) == pytest.approx(s * (1 - s))
    assert sp(1000.0) == 1000.0 and tg.grad(sp)(-1000.0) == 0.0   # stable
    tape = tg.make_tape(lambda x: sp(x) * 2.0)(x)
    assert tape.record(1).prim is sp and "softplus v0" in str(tape)


def test_custom_primitive_on_arrays():
    sp = make_softplus()
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_allclose(tg.grad(lambda x: tg.sum(sp(x)))(x), 1 / (1 + np.exp(-x)))
    tg.check_grads(lambda x: sp(x) * x, (x,), order=2)


def test_none_rule_marks_a_non_differentiable_input():
    scale = tg.primitive(lambda x, k: x * k, name="scale")
    tg.defvjp(scale, lambda g, ans, x, k: g * k, None)
    tg.defjvp(scale, lambda t, ans, x, k: t * k, None)
    assert tg.grad(scale, argnums=(0, 1))(2.0, 3.0) == (3.0, 0.0)
    assert tg.jvp(scale, (2.0, 3.0), (1.0, 1.0)) == (6.0, 3.0)


def test_vjp_only_primitive_in_forward_mode_names_the_missing_rule():
    cube = tg.primitive(lambda x: x ** 3, name="cube")
    tg.defvjp(cube, lambda g, ans, x: 3.0 * g * x * x)
    assert tg.grad(cube)(2.0) == 12.0
    with pytest.raises(NotImplementedError,
                       match=r"forward mode: primitive 'cube' has a vjp rule but "
                             r"has no jvp rule for input 0; give one with tg.defjvp\(cube"):
        tg.jvp(cube, (2.0,), (1.0,))
    with pytest.raises(NotImplementedError, match="'cube'"):
        tg.jacfwd(cube)(2.0)
    # forward over reverse plays only the records the gradient needs: the vjp
    # rule's own arithmetic, not cube's value, so no jvp rule is needed there
    assert tg.hessian(cube)(2.0) == 12.0
    assert tg.jvp(tg.grad(cube), (2.0,), (1.0,)) == (12.0, 12.0)
    tg.defjvp(cube, lambda t, ans, x: 3.0 * t * x * x)
    assert tg.jacfwd(cube)(2.0) == 12.0


def test_jvp_only_primitive_in_reverse_mode_names_the_missing_rule():
    sq = tg.primitive(lambda x: x * x, name="sq")
    tg.defjvp(sq, lambda t, ans, x: 2.0 * t * x)
    assert tg.jvp(sq, (3.0,), (1.0,)) == (9.0, 6.0)
    with pytest.raises(NotImplementedError, match=r"primitive 'sq' has no vjp rule"):
        tg.grad(sq)(3.0)


def test_defpartials_gives_both_modes_and_exact_zeros():
    recip = tg.primitive(lambda x: 1.0 / x if x != 0 else math.inf, name="recip")
    tg.defpartials(recip, lambda ans, x: -ans * ans)
    assert tg.grad(recip)(2.0) == -0.25
    assert tg.jvp(recip, (2.0,), (1.0,)) == (0.5, -0.25)
    assert tg.grad(tg.grad(recip))(2.0) == pytest.approx(0.25)
    # zero cotangent or tangent meets an infinite partial: exactly zero
    assert tg.grad(lambda x: tg.where(x > 0, recip(x), 0.0))(0.0) == 0.0
    assert tg.jvp(lambda x, y: x + recip(y), (1.0, 0.0), (1.0, 0.0))[1] == 1.0


def test_rule_arguments_are_checked():
    p = tg.primitive(lambda x: x)
    with pytest.raises(TypeError, match="rule 0 for '<lambda>' must be callable or None"):
        tg.defvjp(p, 3)
    with pytest.raises(TypeError, match="must be a tg.primitive"):
        tg.defjvp(lambda x: x, None)


def test_builtins_are_primitives_made_through_the_public_path():
    """Every built-in is a tg.Primitive with a reverse and a forward rule (or
    None) for each input, registered like a user's."""
    builtins = [getattr(m, name) for m in (ops, reductions, logic) for name in m.__all__
                if isinstance(getattr(m, name), tg.Primitive)]
    assert len(builtins) >= 30
    for prim in builtins:
        assert type(prim) is tg.Primitive
        assert prim.vjps is not None and prim.jvps is not None, prim.name
        assert len(prim.vjps) == len(prim.jvps), prim.name
    assert tg.exp is ops.exp and isinstance(tg.where, tg.Primitive)


def test_zmul_both_is_a_product_zero_where_either_factor_is():
    from tapegrad.primitive import zmul_both
    inf, nan = float("inf"), float("nan")
    assert zmul_both(0.0, inf) == 0.0 and zmul_both(inf, 0.0) == 0.0
    assert zmul_both(nan, 0.0) == 0.0 and zmul_both(0.0, nan) == 0.0
    assert zmul_both(2.0, -3.0) == -6.0
    c = np.array([0.0, inf, 2.0, -1.0], dtype=np.float32)
    g = np.array([inf, 0.0, 3.0, -0.0], dtype=np.float32)
    r = zmul_both(c, g)
    assert r.dtype == np.float32 and r.tolist() == [0.0, 0.0, 6.0, 0.0]
    assert str(r[3]) == "0.0"                       # +0.0 where g is zero
    tg.check_grads(lambda a, b: zmul_both(a, b), (1.5, -0.7), order=2)
    tg.check_grads(lambda a, b: tg.sum(zmul_both(a, b)),
                   (np.array([1.5, 2.0]), np.array([-0.7, 0.3])), order=2)
    assert tg.grad(lambda a: zmul_both(a, 0.0))(inf) == 0.0
