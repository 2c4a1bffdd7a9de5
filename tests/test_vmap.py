"""tg.vmap equals a Python loop over the examples, stacked, Python control flow
on traced values included (a mixed branch splits the batch)."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_replay import POINTS, build, program

import tapegrad as tg


def loop(f, xs, ys):
    """The reference: f on each example, as traced (IEEE) values, stacked."""
    return np.array([tg.value_and_grad(f, argnums=(0, 1))(float(x), float(y))[0]
                     for x, y in zip(xs, ys)], dtype=float)


def close(a, b):
    # A batch runs NumPy's exp/tanh where a float runs math's: they may differ in
    # the last bit, and a derivative such as 1 - tanh(x)**2 cancels what comes
    # before it (2.3e-05 from terms of size 1). So: rounding of terms of size 1.
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-13, atol=1e-14, equal_nan=True)


@settings(max_examples=150, deadline=None, derandomize=bool(os.environ.get("CI")))
@given(program(3), st.lists(st.tuples(st.sampled_from(POINTS), st.sampled_from(POINTS)),
                            min_size=1, max_size=6))
def test_vmap_and_vmap_of_grad_equal_a_python_loop(e, points):
    f = build(e, [])
    xs = np.array([p[0] for p in points])
    ys = np.array([p[1] for p in points])
    got = tg.vmap(f)(xs, ys)
    assert close(got, loop(f, xs, ys))
    gx, gy = tg.vmap(tg.grad(f, argnums=(0, 1)))(xs, ys)
    want = [tg.grad(f, argnums=(0, 1))(float(x), float(y)) for x, y in zip(xs, ys)]
    assert close(gx, [w[0] for w in want]) and close(gy, [w[1] for w in want])


def test_a_branch_on_a_traced_value_splits_the_batch():
    def f(x):
        if x > 0:
            return x * 2.0
        return tg.log(-x)                 # nan for x > 0: that branch never runs there
    xs = np.array([1.0, -2.0, 3.0, -0.5])
    got = tg.vmap(f)(xs)
    assert np.array_equal(got, [2.0, math.log(2.0), 6.0, math.log(0.5)])
    g = tg.vmap(tg.grad(f))(xs)                                 # TRAPS row 34: no nan
    assert np.array_equal(g, [2.0, -0.5, 2.0, -2.0])


def test_a_while_loop_per_example():
    def f(x):
        k = 0.0
        while x < 10.0:
            x, k = x * 2.0, k + 1.0
        return k
    xs = np.array([1.0, 3.0, 20.0, 0.5, 9.0])
    assert np.array_equal(tg.vmap(f)(xs), [f(float(x)) for x in xs])


def test_the_batch_axis_never_meets_an_unbatched_arrays_axis():
    xs, w = np.array([1.0, 2.0]), np.array([1.0, 2.0, 3.0])
    got = tg.vmap(lambda x, w: x * w, in_axes=(0, None))(xs, w)      # TRAPS row 35
    assert got.shape == (2, 3) and np.array_equal(got, np.outer(xs, w))
    s = tg.vmap(lambda x, w: tg.sum(x * w), in_axes=(0, None))(xs, w)
    assert np.array_equal(s, [6.0, 12.0])
    m = tg.vmap(lambda row: tg.mean(row * row))(np.arange(6.0).reshape(3, 2))
    assert np.array_equal(m, [0.5, 6.5, 20.5])


def test_in_axes_and_out_axes():
    a = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(tg.vmap(lambda r: r * 2.0, in_axes=1)(a), (a * 2.0).T)
    out = tg.vmap(lambda r: r + 1.0, in_axes=1, out_axes=1)(a)
    assert np.array_equal(out, a + 1.0)
    d = tg.vmap(lambda p, x: p["w"] * x, in_axes=({"w": None}, 0))({"w": 2.0}, np.ones(3))
    assert np.array_equal(d, [2.0, 2.0, 2.0])
    k = tg.vmap(lambda x, *, s: x * s)(np.ones(2), s=np.array([3.0, 4.0]))
    assert np.array_equal(k, [3.0, 4.0])
    pair = tg.vmap(lambda x: (x, 2.0))(np.ones(3))        # an unbatched output broadcasts
    assert np.array_equal(pair[1], [2.0, 2.0, 2.0])


def test_batch_sizes_that_disagree_are_named():
    with pytest.raises(ValueError, match=r"disagree on the batch size: a has 2, b has 3"):
        tg.vmap(lambda a, b: a + b)(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match=r"no argument is batched"):
        tg.vmap(lambda a: a, in_axes=None)(np.ones(2))


def test_custom_primitives_run_once_elementwise_or_per_example():
    calls = []

    def impl(x):
        calls.append(np.shape(x))
        return x * 3.0
    looped = tg.primitive(impl, name="triple")
    tg.defvjp(looped, lambda g, ans, x: g * 3.0)
    xs = np.arange(4.0)
    assert np.array_equal(tg.vmap(looped)(xs), xs * 3.0)
    assert calls.count(()) >= 4                         # once per example
    fast = tg.primitive(impl, name="triple_fast", elementwise=True)
    calls.clear()
    assert np.array_equal(tg.vmap(fast)(xs), xs * 3.0)
    assert calls[-1] == (4,)                            # once on the batch


def test_vmap_of_jit_and_of_per_example_gradients():
    f = lambda x: tg.tanh(x) * x if x > 0 else x * x
    xs = np.array([0.5, -1.0, 2.0])
    assert close(tg.vmap(tg.jit(f))(xs), [f(float(x)) for x in xs])
    assert close(tg.vmap(tg.grad(tg.jit(f)))(xs), [tg.grad(f)(float(x)) for x in xs])
    # TRAPS rows 1 and 1b through vmap
    g = tg.vmap(tg.grad(lambda x: x * tg.grad(lambda y: x + y)(1.0)))(np.ones(2))
    assert np.array_equal(g, [1.0, 1.0])
    h = tg.vmap(tg.grad(lambda x: tg.grad(lambda y: y * (x - y))(x)))(np.ones(2))
    assert np.array_equal(h, [-1.0, -1.0])


# ------------------------------------------- vmap under outer transforms
def branchy(x, w):
    return tg.sum(x * w) if x > 0 else -x * tg.sum(w * w)


XS = np.array([1.0, -2.0, 3.0, -0.5])
W = np.array([1.0, 2.0])


def test_jit_of_vmap_equals_vmap_and_keeps_splitting_the_batch():
    vf = tg.vmap(branchy, in_axes=(0, None))
    jf = tg.jit(vf)
    for xs in (XS, -XS, np.abs(XS)):           # other branch patterns, one trace
        assert np.array_equal(jf(xs, W), vf(xs, W))
        assert np.array_equal(jf(xs, W), [branchy(float(x), W) for x in xs])
    assert jf.trace_count == 1
    assert "vmap_branchy" in jf.lower(XS, W).source


def test_vmap_of_vmap_equals_a_double_loop():
    vf = tg.vmap(branchy, in_axes=(0, None))
    xss = np.array([XS, -XS, XS * 2.0])
    ws = np.array([W, W + 1.0, -W])
    want = [[branchy(float(x), w) for x in xs] for xs, w in zip(xss, ws)]
    assert np.array_equal(tg.vmap(vf)(xss, ws), want)
    # the outer batch along axis 1, the inner unbatched argument batched outside
    assert np.array_equal(tg.vmap(vf, in_axes=(1, 0))(xss.T, ws), want)
    # an argument batched inside only, and the inner result placed on axis 1
    inner = tg.vmap(lambda w, x: w * branchy(x, w), in_axes=(None, 0), out_axes=1)
    got = tg.vmap(inner, in_axes=(0, None))(ws, XS)
    assert got.shape == (3, 2, 4)
    assert np.array_equal(got, [np.array([w * branchy(float(x), w) for x in XS]).T for w in ws])
    with pytest.raises(ValueError, match="out_axes at the output is 1, but that output has "
                                         r"shape \(\) per example"):
        tg.vmap(branchy, in_axes=(0, None), out_axes=1)(XS, W)


def test_gradients_through_vmap_equal_the_loop():
    vf = tg.vmap(branchy, in_axes=(0, None))
    loss = lambda xs, w: tg.sum(vf(xs, w) ** 2)
    looped = lambda xs, w: sum(branchy(x, w) ** 2 for x in xs)
    gx, gw = tg.grad(loss, argnums=(0, 1))(XS, W)
    lw = tg.grad(looped, argnums=1)(list(XS), W)
    lx = tg.grad(looped)(list(XS), W)
    assert np.allclose(gw, lw, rtol=1e-14) and np.allclose(gx, lx, rtol=1e-14)
    assert np.allclose(tg.hessian(loss, argnums=1)(XS, W),
                       tg.hessian(looped, argnums=1)(list(XS), W), rtol=1e-13)
    t = np.array([0.5, -1.0])
    _, jv = tg.jvp(lambda w: vf(XS, w), (W,), (t,))
    assert np.allclose(jv, [tg.jvp(lambda w: branchy(x, w), (W,), (t,))[1] for x in XS])
    tg.check_grads(lambda w: loss(XS, w), (W,), order=2, modes=("rev", "fwd"))
    # TRAPS row 1b through grad(vmap)
    inner = tg.vmap(lambda x, y: tg.grad(lambda y: y * (x - y))(y))
    assert tg.grad(lambda x: tg.sum(inner(x, x)))(np.ones(3)).tolist() == [-1.0, -1.0, -1.0]


def test_jit_of_vmap_of_grad_gives_per_example_gradients():
    per = tg.jit(tg.vmap(tg.grad(branchy, argnums=1), in_axes=(0, None)))
    assert np.array_equal(per(XS, W), [tg.grad(branchy, argnums=1)(float(x), W) for x in XS])


def test_scalar_programs_run_compiled_and_give_their_own_arrays():
    xs = np.array([0.5, -1.0, 2.0])
    f = lambda x, w: tg.tanh(x * w) + w                    # floats only: compiled
    loop = [tg.value_and_grad(f, argnums=(0, 1))(float(x), 3.0) for x in xs]
    (v, (gx, gw)) = tg.vmap(tg.value_and_grad(f, argnums=(0, 1)), in_axes=(0, None))(xs, 3.0)
    assert close(v, [a[0] for a in loop])       # NumPy's tanh may differ in the last bit
    assert close(gx, [a[1][0] for a in loop]) and close(gw, [a[1][1] for a in loop])
    same = tg.vmap(lambda x, w: x, in_axes=(0, None))(xs, 3.0)
    assert same is not xs and np.array_equal(same, xs)
    const = tg.vmap(lambda x, w: w, in_axes=(0, None))(xs, 3.0)
    const[0] = 7.0                                        # writable, not a broadcast view
    assert np.array_equal(const, [7.0, 3.0, 3.0])
