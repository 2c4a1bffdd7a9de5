"""Plain Python loops under jit compile once, for patterns never seen while tracing.

A branch inside a loop whose outcome switches once (``if x * i > c``: all
one way, then all the other), a ``while`` keeping a counter nobody reads,
a short ``while`` on float32 scalars: one specialization (or two, the
first traced before the loop met both arms) runs every trip count and
every pattern of outcomes, bit for bit as eager (issue 20, item 3).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tapegrad as tg

DTYPES = [np.float64, np.float32]


def same(a, b):
    """Bit for bit: equal values of one dtype (a Python float as float64)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def central(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


def switching(c, n):
    """A loop whose branch switches once: ``x * i > c`` holds from some ``i`` on."""
    def f(x):
        s = x * 0.0
        for i in range(n):
            if x * i > c:
                s = s + tg.sin(x * i)
            else:
                s = s - x * x
        return s
    return f


# --------------------------------------------- a branch switching once in a loop
@settings(max_examples=15, deadline=None)
@given(c=st.floats(0.5, 5.0), n=st.integers(8, 30), dtype=st.sampled_from(DTYPES),
       seed=st.integers(0, 10_000))
def test_a_branch_switching_once_in_a_for_loop_runs_every_switch_point_in_one_trace(
        c, n, dtype, seed):
    f = switching(c, n)
    jf = tg.jit(f)
    x0 = dtype(c / (n // 2 - 0.5))            # traced switching halfway
    assert same(jf(x0), f(x0))
    xs = np.random.default_rng(seed).uniform(0.01, 3.0, size=12).astype(dtype)
    for x in [*xs, dtype(0.0), dtype(c * 2)]:      # never, from the first iterations
        assert same(jf(x), f(x))
    assert jf.trace_count == 1


def test_the_issues_loop_over_nine_inputs_compiles_twice_at_most():
    f = switching(3.0, 20)
    jf = tg.jit(f)
    for x in np.linspace(0.05, 2, 9):
        assert same(jf(float(x)), f(float(x)))
    assert jf.trace_count <= 2


def test_the_printed_program_holds_an_if_inside_the_for():
    source = tg.jit(switching(3.0, 20)).lower(0.3).source
    body = source[source.index("for i"):]
    assert "if " in body and "else:" in body and "sin" in body
    assert "range(19)" in body or "range(20)" in body


def test_a_pattern_never_traced_fails_a_guard_and_the_next_trace_runs_every_pattern():
    def f(xs):
        s = xs[0]
        for i in range(1, 12):
            if xs[i] > 0.0:
                s = s + xs[i] * s
            else:
                s = s * 0.5 - xs[i]
        return s
    jf = tg.jit(f)
    switch = np.array([-1.0] * 6 + [1.0] * 6) * 0.3     # no arm after the other arm
    assert same(jf(switch), f(switch))
    rng = np.random.default_rng(3)
    for _ in range(25):
        xs = rng.normal(size=12) * 0.3
        assert same(jf(xs), f(xs))
    assert jf.trace_count <= 2


@pytest.mark.parametrize("make", [tg.grad, lambda f: (lambda x: tg.value_and_grad(f)(x)[1])])
def test_jit_of_grad_of_a_branch_switching_once_equals_eager_and_central_differences(make):
    f = switching(3.0, 20)
    jg, g = tg.jit(make(f)), tg.grad(f)
    for x in np.linspace(0.05, 2, 9):
        x = float(x)
        assert same(jg(x), g(x))
        if all(abs(x * i - 3.0) > 1e-4 for i in range(20)):
            assert np.isclose(jg(x), central(f, x), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------- while loops
def halvings(x):
    y = x
    n = 0
    while y > 1.0:
        y = y * 0.5 + 0.125
        n += 1                      # counted, never read: the tape shows all there is
    return y


def counted(x):
    y = x
    n = 0
    while y > 1.0:
        y = y * 0.5
        n += 1
    return y * n                    # read: each trip count computes its own constant


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_while_keeping_a_counter_nobody_reads_rolls_once(dtype):
    jf = tg.jit(halvings)
    assert same(jf(dtype(50.0)), halvings(dtype(50.0)))      # 6 iterations
    for x in np.concatenate([[0.5, 1.5], np.geomspace(2.0, 1e6, 25)]).astype(dtype):
        assert same(jf(x), halvings(x))
    assert jf.trace_count == 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_while_whose_counter_is_read_stays_exact(dtype):
    jf = tg.jit(counted)
    for x in np.geomspace(1.5, 60.0, 6).astype(dtype):      # at most 8 trip counts
        assert same(jf(x), counted(x))


def newton(x):
    y = x
    while abs(y * y - x) > 1e-3 * x:
        y = 0.5 * (y + x / y)
    return y


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_short_while_on_numpy_scalars_rolls_once_and_keeps_the_dtype(dtype):
    jf = tg.jit(newton)
    for x in np.linspace(1.5, 100, 30).astype(dtype):
        out = jf(x)
        assert same(out, newton(x))
        assert np.asarray(out).dtype == dtype
    assert jf.trace_count == 1
    assert "while True:" in tg.jit(newton).lower(dtype(3.0)).source


@settings(max_examples=10, deadline=None)
@given(xs=st.lists(st.floats(1.5, 1e4), min_size=2, max_size=6), dtype=st.sampled_from(DTYPES))
def test_jit_of_grad_of_newton_equals_eager_grad_and_central_differences(xs, dtype):
    jg, g = tg.jit(tg.grad(newton)), tg.grad(newton)
    for x in xs:
        assert same(jg(dtype(x)), g(dtype(x)))
    for x in xs:
        assert np.isclose(jg(x), 0.5 / np.sqrt(x), rtol=2e-2)   # d sqrt(x)/dx, to tol


def thirds(x):
    y = x
    n = 0
    while y > 1.0:
        if y > 10.0:
            y = y / 3.0
        else:
            y = y - 0.7
        n += 1
    return y


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_while_with_an_if_inside_runs_every_trip_count_and_pattern_in_one_trace(dtype):
    jf = tg.jit(thirds)
    x0 = dtype(200.0)                # both arms, many times each
    assert same(jf(x0), thirds(x0))
    for x in np.concatenate([[0.5, 1.5, 3.0, 10.5], np.geomspace(11.0, 1e5, 40)]).astype(dtype):
        assert same(jf(x), thirds(x))
    assert jf.trace_count == 1
    source = tg.jit(thirds).lower(x0).source
    assert "while True:" in source and "break" in source and "else:" in source


# ------------------------------------------------- hypothesis programs
ARMS = {
    "sin": lambda s, x: tg.sin(s) * 0.9 + x * 0.1,
    "mul": lambda s, x: s * x,
    "sub": lambda s, x: s - x,
    "tanh": lambda s, x: tg.tanh(s + x),
    "half": lambda s, x: s * 0.5,
}


def branching(then, other, with_else):
    """``for x in xs: if x > 0: s = then(s, x) [else: s = other(s, x)]; s = s * 0.9``."""
    if with_else:
        def f(s, xs):
            for x in xs:
                if x > 0.0:
                    s = ARMS[then](s, x)
                else:
                    s = ARMS[other](s, x)
                s = s * 0.9
            return s
    else:
        def f(s, xs):
            for x in xs:
                if x > 0.0:
                    s = ARMS[then](s, x)
                s = s * 0.9
            return s
    return f


@settings(max_examples=25, deadline=None)
@given(then=st.sampled_from(sorted(ARMS)), other=st.sampled_from(sorted(ARMS)),
       with_else=st.booleans(), n=st.integers(8, 24), dtype=st.sampled_from(DTYPES),
       seed=st.integers(0, 10_000))
def test_a_loop_traced_where_its_branch_switched_once_runs_other_patterns(
        then, other, with_else, n, dtype, seed):
    f = branching(then, other, with_else)
    jf = tg.jit(f)
    rng = np.random.default_rng(seed)
    k = n // 2
    first = np.concatenate([-rng.uniform(0.1, 1, k), rng.uniform(0.1, 1, n - k)]).astype(dtype)
    s0 = dtype(0.3)
    assert same(jf(s0, first), f(s0, first))
    for _ in range(6):                       # patterns never traced, signs at random
        xs = rng.normal(size=n).astype(dtype)
        assert same(jf(s0, xs), f(s0, xs))
    assert jf.trace_count <= 2


def make_shrink(big, factor, step):
    def shrink(x):
        while x > 1.0:
            if x > big:
                x = x * factor
            else:
                x = x - step
        return x
    return shrink


@settings(max_examples=20, deadline=None)
@given(big=st.floats(8.0, 20.0), factor=st.floats(0.4, 0.7), step=st.floats(0.2, 1.0),
       xs=st.lists(st.floats(-1.0, 1e4), min_size=3, max_size=10),
       dtype=st.sampled_from(DTYPES))
def test_a_while_branching_inside_runs_random_trip_counts_in_one_trace(big, factor, step,
                                                                        xs, dtype):
    f = make_shrink(big, factor, step)
    jf = tg.jit(f)
    x0 = dtype(1e6)        # many iterations of each arm (the else arm 3 at least)
    assert same(jf(x0), f(x0))
    for x in np.array(xs, dtype=dtype):
        assert same(jf(x), f(x))
    assert jf.trace_count == 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_break_out_of_a_loop_and_loops_inside_branches_equal_eager(dtype):
    def f(x):
        y = x
        if x > 1.0:
            for _ in range(30):
                y = y * 0.9 + 0.01
                if y < 0.5:
                    break
        else:
            for i in range(25):
                y = tg.sin(y) + x * i * 0.01
        return y
    jf = tg.jit(f)
    for x in np.array([0.3, 2.0, 40.0, -1.0, 0.9, 5.0], dtype=dtype):
        assert same(jf(x), f(x))


@pytest.mark.parametrize("how", ["grad", "value_and_grad"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_jit_of_grad_of_a_while_branching_inside_equals_eager_and_central_differences(
        how, dtype):
    f = make_shrink(10.0, 0.5, 0.7)
    g = tg.grad(f)
    jg = tg.jit(g) if how == "grad" else tg.jit(tg.value_and_grad(f))
    for x in np.array([1.5, 4.0, 30.0, 250.0, 3e3], dtype=dtype):
        got = jg(x) if how == "grad" else jg(x)[1]
        assert same(got, g(x))
        if dtype is np.float64:
            assert np.isclose(got, central(f, float(x), 1e-7), rtol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_jit_of_grad_of_a_short_while_rolls_its_backward_loop_too(dtype):
    jg, g = tg.jit(tg.grad(newton)), tg.grad(newton)
    assert same(jg(dtype(5.0)), g(dtype(5.0)))      # 4 iterations traced: a short backward
    for x in np.geomspace(5.0, 1e4, 20).astype(dtype):     # 4 to 10 iterations
        assert same(jg(x), g(x))
    # at 4 trips, the backward pass reads iteration 1 of the forward loop, which may be
    # counted from its start or its end (tests/test_fuzz_found8.py): that trace serves 4
    # trips only, and the next one, at more, rolls for every trip count
    assert jg.trace_count == 2
    assert "while True:" in jg.lower(dtype(1e4)).source
