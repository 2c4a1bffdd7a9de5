"""check_grads: passes on every built-in primitive at order 2 in both modes,
and fails, naming the pytree path and both numbers, on a wrong rule."""

from __future__ import annotations

import re

import numpy as np
import pytest

import tapegrad as tg

# (name, function, arguments): smooth points, away from every kink
CASES = [
    ("exp", tg.exp, (0.3,)),
    ("log", tg.log, (1.7,)),
    ("sin", tg.sin, (0.4,)),
    ("cos", tg.cos, (0.4,)),
    ("tanh", tg.tanh, (0.3,)),
    ("sigmoid", tg.sigmoid, (-0.8,)),
    ("sqrt", tg.sqrt, (2.0,)),
    ("relu", tg.relu, (np.array([0.5, -1.0, 2.0]),)),
    ("abs", tg.abs, (np.array([0.5, -1.0, 2.0]),)),
    ("neg", lambda x: -x, (0.5,)),
    ("add", lambda a, b: a + b, (0.5, np.array([1.0, 2.0]))),
    ("sub", lambda a, b: a - b, (0.5, np.array([1.0, 2.0]))),
    ("mul", lambda a, b: a * b, (0.5, np.array([1.0, 2.0]))),
    ("div", lambda a, b: a / b, (np.array([0.5, -2.0]), 1.3)),
    ("pow", lambda a, b: a ** b, (1.3, 0.7)),
    ("pow_const", lambda a: a ** 3, (np.array([0.5, -2.0]),)),
    ("maximum", tg.maximum, (np.array([0.5, -1.0]), np.array([0.2, 1.0]))),
    ("minimum", tg.minimum, (np.array([0.5, -1.0]), np.array([0.2, 1.0]))),
    ("where", lambda a, b: tg.where(np.array([True, False]), a * b, b),
     (np.array([0.5, 2.0]), 1.5)),
    ("logaddexp", tg.logaddexp, (0.3, -1.1)),
    ("sum", lambda x: tg.sum(x * x), (np.array([[1.0, 2.0], [3.0, -1.0]]),)),
    ("mean", lambda x: tg.mean(x * x), (np.array([1.0, 2.0, -1.0]),)),
    ("logsumexp", lambda a, b, c: tg.logsumexp([a, b, c]), (0.3, -1.0, 2.0)),
    ("softmax", lambda a, b: tg.softmax([a, b]), (0.3, -1.0)),
    ("zmul", lambda a, b: tg.ops.zmul(a, b), (0.7, np.array([1.0, -2.0]))),
    ("stop_gradient", lambda x: x * tg.stop_gradient(x) - tg.stop_gradient(x) * x + x, (0.5,)),
    ("pytree", lambda p: {"y": p["w"][0] * tg.sin(p["w"][1]) + p["b"]},
     ({"w": [0.4, 1.1], "b": -0.3},)),
]


@pytest.mark.parametrize("name,f,args", CASES, ids=[c[0] for c in CASES])
def test_every_builtin_passes_at_order_two_in_both_modes(name, f, args):
    tg.check_grads(f, args, order=2, modes=("fwd", "rev"))


def square_with(rule_factor):
    sq = tg.primitive(lambda x: x * x, name="sq")
    tg.defvjp(sq, lambda g, ans, x: g * rule_factor * x)
    tg.defjvp(sq, lambda t, ans, x: t * rule_factor * x)
    return sq


def test_wrong_vjp_rule_fails_naming_the_path_and_both_numbers():
    sq = square_with(3.0)     # should be 2.0
    f = lambda params, x: sq(params["layers"][1]["w"]) * x + params["layers"][0]["w"]
    params = {"layers": [{"w": 0.5}, {"w": 1.5}]}
    with pytest.raises(AssertionError) as err:
        tg.check_grads(f, (params, 2.0), modes=["rev"])
    msg = str(err.value)
    assert "VJP (reverse mode) wrt params['layers'][1]['w'] is wrong" in msg
    got, expected = map(float, re.search(r"got (\S+), central differences give (\S+) ",
                                         msg).groups())
    assert got == pytest.approx(expected * 1.5, rel=1e-6)   # 3x where 2x was due


def test_wrong_jvp_rule_fails_naming_the_path():
    sq = square_with(2.0)
    tg.defjvp(sq, lambda t, ans, x: t * x)                 # should be 2 t x
    f = lambda p: [p["a"] * 2.0, sq(p["b"])]
    with pytest.raises(AssertionError) as err:
        tg.check_grads(f, ({"a": 1.0, "b": 0.75},), modes=["fwd"])
    msg = str(err.value)
    assert "JVP (forward mode) wrt p['b'] is wrong at output[1]: got " in msg
    got, expected = map(float, re.search(r"got (\S+), central differences give (\S+) ",
                                         msg).groups())
    assert got == pytest.approx(expected / 2, rel=1e-6)     # t x where 2 t x was due


def test_order_two_catches_a_rule_that_is_right_only_at_order_one():
    """The rule's value is right, but written with a stop_gradient its own
    derivative is wrong: only the order-2 check sees it."""
    cube = tg.primitive(lambda x: x ** 3, name="cube")
    tg.defvjp(cube, lambda g, ans, x: g * 3.0 * tg.stop_gradient(x * x))
    tg.check_grads(cube, (0.7,), order=1, modes=["rev"])
    with pytest.raises(AssertionError, match=r"VJP \(reverse mode\) of VJP \(reverse mode\)"):
        tg.check_grads(cube, (0.7,), order=2, modes=["rev"])


def test_array_leaf_failure_names_the_element():
    sq = square_with(3.0)
    with pytest.raises(AssertionError, match=r"wrt x is wrong at output element \(1,\)"):
        tg.check_grads(lambda x: sq(x), (np.array([0.0, 2.0]),), modes=["fwd"])


def test_arguments_are_checked():
    with pytest.raises(TypeError, match=r"args must be a tuple.*\(x,\)"):
        tg.check_grads(tg.sin, 0.3)
    for order in (0, -1, 1.0, True):
        with pytest.raises(ValueError, match="order must be a positive int"):
            tg.check_grads(tg.sin, (0.3,), order=order)
    with pytest.raises(ValueError, match="modes"):
        tg.check_grads(tg.sin, (0.3,), modes=("forward",))
