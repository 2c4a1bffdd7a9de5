"""Plain Python loops under jit compile as loops (issue 20, item 3).

Each test compares jit bit for bit with eager, at trip counts never seen
while tracing, and reads ``trace_count`` and the generated source.
"""

from __future__ import annotations

import math
import os
import struct
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tapegrad as tg
from tapegrad.staging.lower import lower
from tapegrad.staging.passes import optimize
from tapegrad.staging.program import from_tape

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
import moons  # noqa: E402  (examples/moons.py)


def bits(x):
    """A value's bits: floats by their IEEE encoding, arrays by dtype, shape and bytes."""
    if isinstance(x, float):
        return ("f", struct.pack("<d", x))
    if isinstance(x, np.ndarray):
        return ("a", x.dtype.str, x.shape, x.tobytes())
    if isinstance(x, list | tuple):
        return tuple(bits(v) for v in x)
    if isinstance(x, dict):
        return tuple((k, bits(v)) for k, v in sorted(x.items()))
    return ("o", type(x), x)


def newton_sqrt(a):
    x = a
    while tg.abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x


def bisect_root(c):
    lo, hi = 0.0, c + 1.0
    while hi - lo > 1e-9:
        mid = 0.5 * (lo + hi)
        if mid * mid * mid > c:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def newton_trips(a):
    n, x = 0, a
    while abs(x * x - a) > 1e-12 * a:
        x, n = 0.5 * (x + a / x), n + 1
    return n


# ------------------------------------------------------------------ for loops
OPS = {
    "sin": lambda s, x, c: tg.sin(s * c + x),
    "mul": lambda s, x, c: s * c + x * 0.25,
    "tanh": lambda s, x, c: tg.tanh(s) * c - x,
    "relu": lambda s, x, c: tg.relu(s - c) + x * c,
}


@settings(max_examples=25, deadline=None)
@given(ops=st.lists(st.sampled_from(sorted(OPS)), min_size=1, max_size=3),
       n=st.integers(12, 40), seed=st.integers(0, 10_000))
def test_a_for_loop_over_data_rolls_and_equals_eager(ops, n, seed):
    rng = np.random.default_rng(seed)
    data = rng.normal(size=n)

    def f(x, w):
        s = w
        for d in data:                        # per-iteration data: a list read at i
            for op in ops + ["tanh"]:         # one nonlinear step: the gradient varies
                s = OPS[op](s, x, float(d))
        return s
    jf = tg.jit(f)
    source = jf.lower(0.5, 0.25).source
    assert "for i" in source
    assert source.count("\n") < 50 + 10 * len(ops)      # one iteration, not n
    for x, w in rng.normal(size=(5, 2)):
        assert bits(jf(float(x), float(w))) == bits(f(float(x), float(w)))
    assert jf.trace_count == 1
    g, jg = tg.grad(f, argnums=(0, 1)), tg.jit(tg.grad(f, argnums=(0, 1)))
    for x, w in rng.normal(size=(3, 2)):
        assert bits(jg(float(x), float(w))) == bits(g(float(x), float(w)))
    assert jg.trace_count == 1 and "for i" in jg.lower(0.5, 0.25).source


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_for_loop_over_a_traced_arrays_rows_rolls(dtype):
    def f(xs, w):
        h = tg.zeros_like(xs[0]) if hasattr(tg, "zeros_like") else xs[0] * 0.0
        for i in range(xs.shape[0]):
            h = tg.tanh(h * w + xs[i])
        return tg.sum(h * h)
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(30, 3)).astype(dtype)
    jf = tg.jit(f)
    assert "for i" in jf.lower(xs, dtype(0.5)).source
    for _ in range(3):
        xs = rng.normal(size=(30, 3)).astype(dtype)
        w = dtype(rng.normal())
        assert bits(jf(xs, w)) == bits(f(xs, w))
    assert jf.trace_count == 1
    g = tg.grad(f)
    assert bits(tg.jit(g)(xs, w)) == bits(g(xs, w))


def test_the_moons_loop_value_and_grad_packs_across_examples_bit_for_bit():
    X, y = moons.make_moons(40, 0.1, seed=0)
    params = tg.nn.mlp_init([2, 8, 1], seed=0)

    def loss(p):
        scores = [tg.nn.mlp(p, [float(a), float(b)])[0] for a, b in X]
        return sum(tg.relu(1.0 - float(t) * s) for s, t in zip(scores, y)) / len(y)
    vg = tg.value_and_grad(loss)
    jvg = tg.jit(vg)
    source = jvg.lower(params).source
    # its iterations depend on each other through sums only: they are packed
    # (one vector operation for all examples, the sums reductions), not rolled
    assert "for i" not in source and "lanes_chain" in source
    unrolled = lower(optimize(from_tape(tg.make_tape(vg)(params)))).source
    assert source.count("\n") * 5 < unrolled.count("\n")
    for seed in range(3):
        p = tg.nn.mlp_init([2, 8, 1], seed=seed)
        assert bits(jvg(p)) == bits(vg(p))
    assert jvg.trace_count == 1


def test_a_program_with_no_loop_is_left_as_it_was():
    def f(x, y):
        a = tg.sin(x) * y + tg.exp(-x)
        return tg.tanh(a * a - y) / (1.0 + x * x)
    source = tg.jit(f).lower(0.3, 0.7).source
    assert source == lower(optimize(from_tape(tg.make_tape(f)(0.3, 0.7)))).source
    assert "for " not in source and "while " not in source
    g = tg.grad(f, argnums=(0, 1))
    assert tg.jit(g).lower(0.3, 0.7).source == \
        lower(optimize(from_tape(tg.make_tape(g)(0.3, 0.7)))).source


def test_a_short_loop_stays_unrolled():
    def f(x):
        for _ in range(3):
            x = x * 1.5 + 1.0
        return x
    source = tg.jit(f).lower(2.0).source
    assert "for " not in source and tg.jit(f)(2.0) == f(2.0)


# ---------------------------------------------------------------- while loops
@settings(max_examples=40, deadline=None)
@given(a=st.floats(1e-6, 1e9), b=st.floats(1e-6, 1e9))
def test_newtons_sqrt_under_jit_is_one_trace_for_any_trip_count(a, b):
    jf = tg.jit(newton_sqrt)
    assert bits(jf(7.0)) == bits(newton_sqrt(7.0))
    assert bits(jf(a)) == bits(newton_sqrt(a))
    assert bits(jf(b)) == bits(newton_sqrt(b))
    assert jf.trace_count == 1
    assert "while True" in jf.lower(7.0).source


def test_newtons_sqrt_runs_trip_counts_never_seen_while_tracing():
    jf = tg.jit(newton_sqrt)
    inputs = [7.0, 2.0, 1e6, 0.3, 1e-5, 123.0, 5e10, 1.5, 1.0, 4.0, 1e-300, 9e200]
    counts = {newton_trips(a) for a in inputs}
    assert len(counts) > 8                   # more than jit's bound of specializations
    for a in inputs:
        assert bits(jf(a)) == bits(newton_sqrt(a))
    assert jf.trace_count == 1


def bisect_where(c):
    lo, hi = 0.0 * c, c + 1.0
    while hi - lo > 1e-9:
        mid = 0.5 * (lo + hi)
        above = mid * mid * mid > c
        lo, hi = tg.where(above, lo, mid), tg.where(above, mid, hi)
    return 0.5 * (lo + hi)


def test_a_bisection_is_one_trace_for_any_trip_count():
    jf = tg.jit(bisect_where)
    assert "while True" in jf.lower(2.0).source
    for c in [2.0, 10.0, 0.5, 1000.0, 3.3, 1e-3, 7e5, 1e12, 1e-8]:
        assert bits(jf(c)) == bits(bisect_where(c))
    assert jf.trace_count == 1


def test_a_bisection_branching_in_its_body_stays_exact():
    # the branch's outcome differs between iterations, and so does what each
    # iteration carries: not rolled, one specialization per outcome pattern
    jf = tg.jit(bisect_root)
    for c in [2.0, 2.0000001, 10.0]:
        assert bits(jf(c)) == bits(bisect_root(c))


@settings(max_examples=25, deadline=None)
@given(a=st.floats(1e-3, 1e6))
def test_jit_of_grad_of_a_while_loop_equals_eager(a):
    g = tg.grad(newton_sqrt)
    jg = tg.jit(g)
    assert bits(jg(1e6)) == bits(g(1e6))             # traced with many trips
    assert bits(jg(a)) == bits(g(a))
    source = jg.lower(1e6).source
    assert "while True" in source and "for i" in source
    # enough trips for the backward loop and the iterations read on either side of it
    # (the recorded seed of the backward pass reads one more at each end: 4, not 3)
    if newton_trips(a) >= 4:
        assert jg.trace_count == 1
    assert jg.trace_count <= 2


def test_jit_of_value_and_grad_of_a_while_loop_is_one_trace_over_many_counts():
    vg = tg.value_and_grad(newton_sqrt)
    jvg = tg.jit(vg)
    inputs = [1e6, 7.0, 2.0, 0.3, 1e-5, 123.0, 5e10, 1.5, 1e-300, 9e200, 17.0]
    for a in inputs:
        assert bits(jvg(a)) == bits(vg(a))
        assert math.isclose(jvg(a)[1], 0.5 / math.sqrt(a), rel_tol=1e-6)
    assert jvg.trace_count == 1


def test_a_for_loop_with_a_break_stays_bounded():
    def f(x):
        for _ in range(20):
            x = x * 0.5 + 0.1 * tg.sin(x)
            if x < 0.01:
                break
        return x
    jf = tg.jit(f)
    for x in [100.0, 1e6, 3.0, 1e30, 0.001, 5e5, 7.0, 40.0, 1e4]:
        assert bits(jf(x)) == bits(f(x))
    # left by break: any trip count below the bound; run to the end: another trace
    assert "if n0 == 20: _guard_failed" in jf.lower(100.0).source
    assert jf.trace_count == 2          # left by break (any count, 0 too), ran out


def test_a_while_loop_inside_a_branch():
    def f(x):
        if x > 1.0:
            while x > 1.0:
                x = x * 0.7 - 0.01
        else:
            x = x + 1.0
        return x
    jf = tg.jit(f)
    for x in [50.0, 3.0, 1e5, 0.5, 800.0, 2.0, 1e9]:
        assert bits(jf(x)) == bits(f(x))
    assert jf.trace_count <= 2


def test_nested_for_loops_roll():
    w = np.random.default_rng(1).normal(size=(12, 6))

    def f(x):
        total = 0.0
        for row in w:
            h = x
            for v in row:
                h = tg.tanh(h * float(v) + 0.1)
            total = total + h
        return total
    jf = tg.jit(f)
    assert "for i" in jf.lower(0.3).source
    for x in [0.3, -1.0, 2.5]:
        assert bits(jf(x)) == bits(f(x))
    assert jf.trace_count == 1
    g = tg.grad(f)
    assert bits(tg.jit(g)(0.7)) == bits(g(0.7))


STEPS = {
    "damp": lambda x, a: x * 0.75 + a * 0.1,
    "sin": lambda x, a: x - 0.2 * tg.sin(x - 0.01 * a),
    "half": lambda x, a: 0.5 * (x + a / (x + 1.0)),
    "relu": lambda x, a: tg.relu(x - 0.05) * 0.9,
}


@settings(max_examples=30, deadline=None)
@given(steps=st.lists(st.sampled_from(sorted(STEPS)), min_size=1, max_size=3),
       tol=st.sampled_from([1e-3, 1e-6, 1e-9]),
       traced=st.floats(5.0, 50.0), others=st.lists(st.floats(0.0, 1e3), min_size=3, max_size=6))
def test_random_while_loops_equal_eager_at_unseen_trip_counts(steps, tol, traced, others):
    def f(a):
        x, y = a, a + 1.0
        while tg.abs(x - y) > tol:
            y = x
            for s in steps:
                x = STEPS[s](x, a)
        return x * 2.0 + y
    jf = tg.jit(f)
    want = f(traced)
    assert bits(jf(traced)) == bits(want)
    for a in others:
        assert bits(jf(a)) == bits(f(a))
    g, jg = tg.grad(f), tg.jit(tg.grad(f))
    for a in [traced] + others:
        assert bits(jg(a)) == bits(g(a))


def test_a_linear_while_loops_gradient_follows_the_trip_count():
    # the gradient of a linear loop is computed in Python from constants (none of
    # it on the tape): a compiled loop must not freeze it at the traced trip count
    def damp(a):
        x, y = a, a + 1.0
        while tg.abs(x - y) > 1e-6:
            y = x
            x = x * 0.75 + a * 0.1
        return x * 2.0 + y
    g, jg = tg.grad(damp), tg.jit(tg.grad(damp))
    for a in [5.0, 1.0, 100.0, 1e4, 0.0]:
        assert bits(jg(a)) == bits(g(a))


def test_a_python_counter_in_a_while_keeps_the_trip_count_exact():
    def f(x):
        k = 0
        while x > 1.0:
            x = x * 0.5
            k += 1
        return x, k
    jf = tg.jit(f)           # k returned: the rolled loop writes it from its trip count
    for x in [100.0, 3.0, 1e6, 7.5, 1e3, 0.5]:
        assert bits(jf(x)) == bits(f(x)) and type(jf(x)[1]) is int
    assert "while True" in jf.lower(100.0).source and jf.trace_count == 1


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int32, np.uint8])
def test_a_for_loop_over_rows_of_every_dtype_rolls_bit_for_bit(dtype):
    def f(xs, w):
        acc = xs[0] * w
        for i in range(1, xs.shape[0]):
            acc = acc * w + xs[i] * xs[i] - (xs[i] + w)
        return acc
    rng = np.random.default_rng(3)
    data = [rng.integers(0, 50, size=(25, 4)).astype(dtype) for _ in range(3)]
    w = data[0][0, :1].copy()                     # an array of the same dtype
    jf = tg.jit(f)
    assert "for i" in jf.lower(data[0], w).source
    for xs in data:
        with np.errstate(all="ignore"):           # uint8 wraps around, as in eager
            want = f(xs, w)
        got = jf(xs, w)
        assert got.dtype == want.dtype and bits(got) == bits(want)
    assert jf.trace_count == 1


@settings(max_examples=30, deadline=None)
@given(n=st.integers(8, 30), seed=st.integers(0, 1000),
       points=st.lists(st.floats(-3.0, 3.0), min_size=2, max_size=5))
def test_a_for_loop_with_a_branch_in_its_body_equals_eager(n, seed, points):
    data = np.random.default_rng(seed).normal(size=n)

    def f(x):
        s = x
        for d in data:
            if s > float(d):                    # goes either way from iteration to iteration
                s = tg.sin(s) * 0.9 + float(d) * 0.1
            else:
                s = tg.cos(s) * 0.8 - float(d) * 0.05
        return s
    jf, g, jg = tg.jit(f), tg.grad(f), tg.jit(tg.grad(f))
    for x in points:
        assert bits(jf(x)) == bits(f(x))
        assert bits(jg(x)) == bits(g(x))


def newton_from_a_guess(a):
    """Newton's square root from a computed first guess, returning a value of its body."""
    x = 2.0 * a + 1.0
    while tg.abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x * x + x


@pytest.mark.parametrize("make", [tg.grad, tg.value_and_grad], ids=["grad", "value_and_grad"])
def test_a_while_from_a_computed_guess_differentiates_under_jit_at_any_trip_count(make):
    # the backward pass reads the carry's history down to its first value (2a + 1)
    g, jg = make(newton_from_a_guess), tg.jit(make(newton_from_a_guess))
    inputs = np.exp(np.linspace(-4.0, 30.0, 60))
    for a in [*inputs[::-1], *inputs]:
        assert [bits(v) for v in tg.tree.leaves(jg(float(a)))] == \
            [bits(v) for v in tg.tree.leaves(g(float(a)))]
    assert jg.trace_count <= 2          # a trip count too short for the peeled ends retraces
    assert "while True" in jg.lower(1e12).source
