"""Random expression trees over every primitive, on safe domains: grad equals
central finite differences."""

from __future__ import annotations

import math
import os

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tapegrad as tg

# Each unary op maps any finite input into a safe, smooth region of the next.
UNARY = {
    "exp": lambda x: tg.exp(tg.tanh(x)),
    "log": lambda x: tg.log(1.5 + tg.sin(x)),
    "sin": tg.sin,
    "cos": tg.cos,
    "tanh": tg.tanh,
    "sigmoid": tg.sigmoid,
    "sqrt": lambda x: tg.sqrt(2.0 + tg.cos(x)),
    "relu": lambda x: tg.relu(x + 0.37),
    "abs": lambda x: tg.abs(x - 0.41),
    "neg": lambda x: -x,
    "square": lambda x: tg.tanh(x) ** 2,
    "pow": lambda x: (1.2 + tg.sigmoid(x)) ** 1.7,
    "inverse": lambda x: 1.0 / (2.0 + tg.sin(x)),
    "stop": lambda x: x + tg.stop_gradient(x) - tg.stop_gradient(x),  # value x, slope 1
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (2.5 + tg.tanh(b)),
    "tpow": lambda a, b: (1.5 + tg.sigmoid(a)) ** tg.tanh(b),
    "maximum": lambda a, b: tg.maximum(a, b + 0.123),
    "minimum": lambda a, b: tg.minimum(a, b - 0.321),
    "where": lambda a, b: tg.where(a > b + 0.05, a * b, a - b),
    "logsumexp": lambda a, b: tg.logsumexp([a, b, a * 0.5]),
    "softmax": lambda a, b: tg.softmax([a, b])[0],
}


def expr(depth):
    leaf = st.sampled_from(["x", "y", "c"])
    if depth == 0:
        return leaf
    sub = expr(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(st.sampled_from(sorted(UNARY)), sub),
        st.tuples(st.sampled_from(sorted(BINARY)), sub, sub))


def build(e):
    def f(x, y):
        def ev(node):
            if node == "x":
                return x
            if node == "y":
                return y
            if node == "c":
                return 0.7
            if len(node) == 2:
                return UNARY[node[0]](ev(node[1]))
            return BINARY[node[0]](ev(node[1]), ev(node[2]))
        return ev(e)
    return f


def kinked(f, x, y, h=1e-5):
    """True if the one-sided slopes disagree near the point (a kink of relu,
    abs, max or where lies within h): central differences mean nothing there."""
    base = f(x, y)
    for dx, dy in ((h, 0), (0, h)):
        right = (f(x + dx, y + dy) - base) / h
        left = (base - f(x - dx, y - dy)) / h
        if abs(right - left) > 1e-3 * (1 + abs(right) + abs(left)):
            return True
    return False


@settings(max_examples=int(os.environ.get("TG_EXAMPLES", 150)), deadline=None,
          derandomize=bool(os.environ.get("CI")))
@given(expr(4), st.floats(-2, 2), st.floats(-2, 2))
def test_grad_matches_finite_differences(e, x, y):
    f = build(e)
    assume(not kinked(f, x, y))   # central differences mean nothing at a kink
    gx, gy = tg.grad(f, argnums=(0, 1))(x, y)
    eps = 1e-6
    fx = (f(x + eps, y) - f(x - eps, y)) / (2 * eps)
    fy = (f(x, y + eps) - f(x, y - eps)) / (2 * eps)
    scale = 1 + abs(f(x, y))
    assert math.isclose(gx, fx, rel_tol=1e-4, abs_tol=1e-5 * scale), (e, gx, fx)
    assert math.isclose(gy, fy, rel_tol=1e-4, abs_tol=1e-5 * scale), (e, gy, fy)


@settings(max_examples=60, deadline=None, derandomize=bool(os.environ.get("CI")))
@given(expr(3), st.floats(-2, 2), st.floats(-2, 2))
def test_arrays_agree_with_floats(e, x, y):
    f = build(e)
    xs = np.array([x, x * 0.5, -x])
    ga, gb = tg.grad(lambda a, b: tg.sum(f(a, b) + 0.0 * a), argnums=(0, 1))(xs, y)
    for k, xv in enumerate(xs):
        fx, fy = tg.grad(f, argnums=(0, 1))(float(xv), y)
        assert math.isclose(ga[k], fx, rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(gb, sum(tg.grad(f, argnums=1)(float(xv), y) for xv in xs),
                        rel_tol=1e-9, abs_tol=1e-9)


SMOOTH_UNARY = sorted(k for k in UNARY if k not in ("relu", "abs"))
SMOOTH_BINARY = sorted(k for k in BINARY if k not in ("maximum", "minimum", "where"))


def smooth_expr(depth):
    leaf = st.sampled_from(["x", "c"])
    if depth == 0:
        return leaf
    sub = smooth_expr(depth - 1)
    return st.one_of(leaf, st.tuples(st.sampled_from(SMOOTH_UNARY), sub),
                     st.tuples(st.sampled_from(SMOOTH_BINARY), sub, sub))


@settings(max_examples=100, deadline=None, derandomize=bool(os.environ.get("CI")))
@given(smooth_expr(3), st.floats(-2, 2))
def test_second_derivative_matches_differences_of_grad(e, x):
    f = build(e)
    g = lambda v: tg.grad(f)(v, 0.0)
    h = tg.grad(g)(x)
    eps = 1e-5
    fd2 = (g(x + eps) - g(x - eps)) / (2 * eps)
    assert math.isclose(h, fd2, rel_tol=1e-4, abs_tol=1e-5 * (1 + abs(g(x)))), (e, h, fd2)


@settings(max_examples=150, deadline=None, derandomize=bool(os.environ.get("CI")))
@given(expr(4), st.floats(-2, 2), st.floats(-2, 2),
       st.floats(-1, 1), st.floats(-1, 1), st.floats(-1, 1))
def test_jvp_and_vjp_are_transposes(e, x, y, tx, ty, v):
    """<v, J t> == <J^T v, t>: forward and reverse mode agree everywhere,
    kinks included (both take the same one-sided convention there)."""
    f = build(e)
    out, jt = tg.jvp(f, (x, y), (tx, ty))
    out2, pull = tg.vjp(f, x, y)
    gx, gy = pull(v)
    assert out == out2 or (math.isnan(out) and math.isnan(out2))
    lhs, rhs = v * jt, gx * tx + gy * ty
    assert math.isclose(lhs, rhs, rel_tol=1e-9, abs_tol=1e-9 * (1 + abs(lhs))), (e, lhs, rhs)


@settings(max_examples=40, deadline=None, derandomize=bool(os.environ.get("CI")))
@given(expr(3), st.floats(-2, 2), st.floats(-2, 2))
def test_jvp_and_vjp_are_transposes_on_broadcast_arrays(e, x, y):
    """The same on arrays: a (3,) input against a float, output (3,)."""
    f = build(e)
    xs = np.array([x, 0.5 * x + 0.1, -x])
    rng = np.random.default_rng(abs(hash(str(e))) % 2**32)
    tx, ty, v = rng.normal(size=3), float(rng.normal()), rng.normal(size=3)
    fun = lambda a, b: f(a, b) + 0.0 * a          # an array output even if f ignores a
    _, jt = tg.jvp(fun, (xs, y), (tx, ty))
    _, pull = tg.vjp(fun, xs, y)
    gx, gy = pull(v)
    lhs, rhs = float(np.sum(v * jt)), float(np.sum(gx * tx) + gy * ty)
    assert math.isclose(lhs, rhs, rel_tol=1e-9, abs_tol=1e-9 * (1 + abs(lhs))), (e, lhs, rhs)


@settings(max_examples=60, deadline=None, derandomize=bool(os.environ.get("CI")))
@given(smooth_expr(3), st.floats(-2, 2), st.floats(-2, 2))
def test_hessian_is_symmetric_and_matches_jvp_of_grad(e, x, y):
    f = build(e)
    H = tg.hessian(f, argnums=(0, 1))(x, y)
    assert math.isclose(H[0][1], H[1][0], rel_tol=1e-9, abs_tol=1e-9)
    hvp = tg.jvp(lambda a, b: tg.grad(f, argnums=(0, 1))(a, b), (x, y), (1.0, 0.0))[1]
    assert math.isclose(hvp[0], H[0][0], rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(hvp[1], H[1][0], rel_tol=1e-12, abs_tol=1e-12)
