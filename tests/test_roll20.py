"""Python loops under jit whose iterations branch, and loops in loops (issue 20, item 3).

A guard whose outcome differs between iterations becomes an ``if`` in the
rolled loop's body: one specialization runs any pattern of outcomes (read
``trace_count``), bit for bit as eager, at patterns never seen while tracing.
"""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tapegrad as tg


def bits(x):
    """A value's bits: floats by their IEEE encoding, arrays by dtype, shape and bytes."""
    if isinstance(x, float):
        return ("f", struct.pack("<d", x))
    if isinstance(x, np.ndarray):
        return ("a", x.dtype.str, x.shape, x.tobytes())
    if isinstance(x, np.floating):
        return ("s", x.dtype.str, x.tobytes())
    if isinstance(x, list | tuple):
        return tuple(bits(v) for v in x)
    return ("o", type(x), x)


def floats(rng, n, scale=1.0):
    return [float(v) for v in rng.normal(scale=scale, size=n)]


def loop_body(source):
    """The lines of the generated source from the first ``for`` on."""
    return source[source.index("for i"):]


ARMS = {
    "sin": lambda s, x: tg.sin(s) * 0.9 + x * 0.1,
    "cos": lambda s, x: tg.cos(s) * 0.8 - x * 0.05,
    "mul": lambda s, x: s * x,
    "sub": lambda s, x: s - x,
    "tanh": lambda s, x: tg.tanh(s + x),
    "keep": lambda s, x: s,
}


def branching(then, other, after):
    def f(s, xs):
        for x in xs:
            if x > 0.0:
                s = ARMS[then](s, x)
            else:
                s = ARMS[other](s, x)
            s = ARMS[after](s, x)
        return s
    return f


# ------------------------------------------------------------ an if in a loop
@settings(max_examples=30, deadline=None)
@given(then=st.sampled_from(sorted(ARMS)), other=st.sampled_from(sorted(ARMS)),
       after=st.sampled_from(["sin", "mul", "tanh"]), n=st.integers(6, 30),
       seed=st.integers(0, 10_000))
def test_a_branch_in_a_for_loop_is_an_if_and_runs_any_pattern_in_one_trace(
        then, other, after, n, seed):
    rng = np.random.default_rng(seed)
    f = branching(then, other, after)
    jf = tg.jit(f)
    xs = floats(rng, n)
    # each arm after each outcome (T F T T F F): where both arms record nothing
    # ("keep"), the tape cannot tell one name both write from two names each writes
    # alone, so an arm never seen after its own outcome waits behind a guard
    xs[:6] = [abs(xs[0]) + 0.1, -abs(xs[1]) - 0.1, abs(xs[2]) + 0.1, abs(xs[3]) + 0.1,
              -abs(xs[4]) - 0.1, -abs(xs[5]) - 0.1]
    assert bits(jf(0.5, xs)) == bits(f(0.5, xs))
    for _ in range(6):                                    # patterns never traced
        ys, s = floats(rng, n), float(rng.normal())
        assert bits(jf(s, ys)) == bits(f(s, ys))
    for ys in ([1.0] * n, [-1.0] * n):                    # all one way
        assert bits(jf(0.25, ys)) == bits(f(0.25, ys))
    assert jf.trace_count == 1
    if then != other:
        body = loop_body(jf.lower(0.5, xs).source)
        assert "if " in body and "else:" in body


def test_the_printed_program_holds_the_if_inside_the_for():
    f = branching("sin", "sub", "mul")
    source = tg.jit(f).lower(1.0, [0.5, -1.0, 2.0, -0.3, 0.2, 0.1]).source
    lines = source.splitlines()
    head = next(k for k, s in enumerate(lines) if s.strip().startswith("for i"))
    indent = len(lines[head]) - len(lines[head].lstrip())
    inner = [s for s in lines[head + 1:] if len(s) - len(s.lstrip()) > indent]
    assert any(s.strip().startswith("if ") for s in inner)
    assert any(s.strip() == "else:" for s in inner)
    assert "_guard_failed" not in source


def test_an_if_without_else_carries_the_value_through_iterations_that_skip_it():
    def f(s, xs):
        for x in xs:
            if x > 0.0:
                s = s * 0.5 + x
        return s
    rng = np.random.default_rng(1)
    jf = tg.jit(f)
    xs = floats(rng, 12)
    xs[:3] = [1.0, -1.0, -2.0]          # two skipped in a row while tracing
    assert bits(jf(0.3, xs)) == bits(f(0.3, xs))
    for _ in range(10):
        ys = floats(rng, 12)
        assert bits(jf(0.3, ys)) == bits(f(0.3, ys))
    assert bits(jf(0.3, [-1.0] * 12)) == bits(f(0.3, [-1.0] * 12))   # never taken: s itself
    assert jf.trace_count == 1


def test_continue_in_a_loop_skips_the_rest_of_its_body():
    def f(s, xs):
        for x in xs:
            if x < 0.0:
                continue
            s = tg.sin(s + x)
        return s
    rng = np.random.default_rng(2)
    jf = tg.jit(f)
    assert bits(jf(0.1, [0.5, -1.0, 0.2, -0.3, 0.4, 0.6])) == \
        bits(f(0.1, [0.5, -1.0, 0.2, -0.3, 0.4, 0.6]))
    for _ in range(10):
        ys = floats(rng, 6)
        assert bits(jf(0.1, ys)) == bits(f(0.1, ys))
    assert jf.trace_count == 1


def test_a_hinge_written_with_max_in_a_loop_over_examples():
    def loss(w, xs, ys):
        total = w * 0.0
        for x, y in zip(xs, ys):
            total = total + max(0.0, 1.0 - y * (w * x))
        return total
    rng = np.random.default_rng(3)
    xs, ys = floats(rng, 20), [float(v) for v in rng.choice([-1.0, 1.0], size=20)]
    jl = tg.jit(loss)
    for w in [2.0, 0.3, -0.7, 0.0, 5.0, -3.0]:     # traced where both ways show
        assert bits(jl(w, xs, ys)) == bits(loss(w, xs, ys))
    assert jl.trace_count == 1


def test_a_nested_branch_going_a_way_never_traced_retraces():
    def f(s, xs):
        for x in xs:
            if x > 0.0:
                s = s * x
                if s > 100.0:          # never true while tracing
                    s = s * 0.01
            else:
                s = s - x
        return s
    jf = tg.jit(f)
    xs = [0.5, -0.5, 0.7, -0.2, 0.9, 0.1]
    assert bits(jf(1.0, xs)) == bits(f(1.0, xs))
    assert jf.trace_count == 1
    big = [50.0, -0.5, 7.0, -0.2, 9.0, 0.1]
    assert bits(jf(3.0, big)) == bits(f(3.0, big))     # the guard failed: traced again
    assert jf.trace_count == 2


@pytest.mark.parametrize("arm", ["counter", "constant", "append"])
def test_an_arm_changing_python_state_keeps_its_guard(arm):
    def f(s, xs):
        n, sign, kept = 0, 1.0, []
        for x in xs:
            if x > 0.0:
                s = s + x
                if arm == "counter":
                    n += 1
                elif arm == "constant":
                    sign = -1.0
                else:
                    kept.append(1.0)
            else:
                s = s * 0.5
        return s * (n + sign + len(kept))
    rng = np.random.default_rng(4)
    jf = tg.jit(f)
    for _ in range(6):
        ys = floats(rng, 8)
        assert bits(jf(0.5, ys)) == bits(f(0.5, ys))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_branch_on_an_arrays_elements_in_a_loop(dtype):
    def f(xs, s):
        for i in range(xs.shape[0]):
            if xs[i] > 0:
                s = s * 0.5 + xs[i]
            else:
                s = tg.tanh(s - xs[i])
        return s
    rng = np.random.default_rng(5)
    jf = tg.jit(f)
    for _ in range(6):
        xs = rng.normal(size=10).astype(dtype)
        s = dtype(rng.normal())
        got, want = np.asarray(jf(xs, s)), np.asarray(f(xs, s))   # (a float64: float or not)
        assert bits(got) == bits(want)
    assert jf.trace_count == 1


# -------------------------------------------------- gradients of such loops
def central(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


@settings(max_examples=15, deadline=None)
@given(then=st.sampled_from(["sin", "cos", "mul", "tanh"]),
       other=st.sampled_from(["sin", "sub", "tanh", "keep"]), seed=st.integers(0, 10_000))
def test_jit_of_grad_of_a_branching_loop_equals_eager_and_central_differences(
        then, other, seed):
    rng = np.random.default_rng(seed)
    f = branching(then, other, "tanh")
    g, jg = tg.grad(f), tg.jit(tg.grad(f))
    xs = floats(rng, 10)
    for _ in range(4):
        ys, s = floats(rng, 10), float(rng.normal())
        got = jg(s, ys)
        assert bits(got) == bits(g(s, ys))
        want = central(lambda v: f(v, ys), s)
        assert math.isclose(got, want, rel_tol=1e-5, abs_tol=1e-7)
    assert bits(jg(0.2, xs)) == bits(g(0.2, xs))


# --------------------------------------------------------------- loops in loops
def matvec(A, x):
    out = []
    for row in A:
        acc = row[0] * x[0]
        for a, v in zip(row[1:], x[1:]):
            acc = acc + a * v
        out.append(tg.tanh(acc))
    return sum(out[1:], out[0])


def nested_source_levels(source):
    """The indentation of each ``for`` line of a generated source."""
    return [len(s) - len(s.lstrip()) for s in source.splitlines() if s.strip().startswith("for ")]


@pytest.mark.parametrize("shape", [(6, 8), (12, 5), (3, 20)])
def test_a_matrix_vector_product_written_with_two_for_loops_rolls_both(shape):
    rng = np.random.default_rng(sum(shape))

    def data():
        return ([floats(rng, shape[1]) for _ in range(shape[0])], floats(rng, shape[1]))
    jf = tg.jit(matvec)
    A, x = data()
    levels = nested_source_levels(jf.lower(A, x).source)
    assert len(levels) == 2 and levels[1] > levels[0]        # a for inside the for
    for _ in range(4):
        A, x = data()
        assert bits(jf(A, x)) == bits(matvec(A, x))
    assert jf.trace_count == 1


def test_jit_of_grad_of_a_nested_loop_equals_eager_and_central_differences():
    rng = np.random.default_rng(7)
    A, x = [floats(rng, 8) for _ in range(6)], floats(rng, 8)
    g = tg.grad(matvec, argnums=(0, 1))
    jg = tg.jit(g)
    source = jg.lower(A, x).source
    assert len(set(nested_source_levels(source))) == 2        # nested loops in the program
    for _ in range(3):
        A, x = [floats(rng, 8) for _ in range(6)], floats(rng, 8)
        assert bits(jg(A, x)) == bits(g(A, x))
    got = jg(A, x)[1]
    for j in range(8):
        def along(v, j=j):
            return matvec(A, x[:j] + [v] + x[j + 1:])
        assert math.isclose(got[j], central(along, x[j]), rel_tol=1e-5, abs_tol=1e-8)
    assert jg.trace_count == 1


INNER = {
    "tanh": lambda h, v: tg.tanh(h * v + 0.1),
    "sin": lambda h, v: tg.sin(h) * v,
    "mix": lambda h, v: h * 0.5 + v * v,
}


@settings(max_examples=20, deadline=None)
@given(op=st.sampled_from(sorted(INNER)), rows=st.integers(3, 10), cols=st.integers(4, 12),
       carried=st.booleans(), seed=st.integers(0, 10_000))
def test_nested_for_loops_over_lists_of_floats_equal_eager(op, rows, cols, carried, seed):
    rng = np.random.default_rng(seed)

    def f(x, w):
        total, h = x * 0.0, x
        for row in w:
            if not carried:
                h = x
            for v in row:
                h = INNER[op](h, v)
            total = total + h * h
        return total
    jf, g, jg = tg.jit(f), tg.grad(f), tg.jit(tg.grad(f))
    for _ in range(3):
        w = [floats(rng, cols, 0.5) for _ in range(rows)]
        x = float(rng.normal())
        assert bits(jf(x, w)) == bits(f(x, w))
        assert bits(jg(x, w)) == bits(g(x, w))
    assert jf.trace_count == 1 and jg.trace_count == 1


def test_a_break_out_of_a_for_loop_equals_eager_at_every_trip_count():
    def f(s, xs):
        for x in xs:
            if x > 2.0:
                break
            s = tg.sin(s) + x
        return s
    rng = np.random.default_rng(8)
    jf, g, jg = tg.jit(f), tg.grad(f), tg.jit(tg.grad(f))
    for stop in [None, 7, 3, 0, 11, 5]:
        xs = [float(v) for v in rng.uniform(-1.0, 1.0, size=12)]
        if stop is not None:
            xs[stop] = 3.0
        assert bits(jf(0.5, xs)) == bits(f(0.5, xs))
        assert bits(jg(0.5, xs)) == bits(g(0.5, xs))


def test_a_while_inside_a_for_and_a_short_circuit_test_stay_exact():
    # each for iteration runs the line's test a number of times the data decide
    def halve(s, xs):
        for x in xs:
            s = s + 1.0 + x * 0.0
            while s > 2.0:
                s = s * 0.5
        return s

    def both(s, xs):
        for x in xs:
            if x > 0 and s > 0:
                s = tg.sin(s) + x
            else:
                s = s * 0.5 - x
        return s
    rng = np.random.default_rng(9)
    for f in (halve, both):
        jf = tg.jit(f)
        for _ in range(12):
            xs, s = floats(rng, 6), float(rng.uniform(-3.0, 5.0))
            try:
                got = jf(s, xs)
            except TypeError as e:             # more than 8 patterns: named as such
                assert "specializations" in str(e)
                continue
            assert bits(got) == bits(f(s, xs))


@pytest.mark.parametrize("make", [tg.grad, tg.value_and_grad, lambda f: tg.grad(tg.grad(f))],
                         ids=["grad", "value_and_grad", "grad_grad"])
def test_the_gradient_of_a_jitted_branching_loop_at_patterns_never_traced(make):
    # the compiled program runs any pattern; a transform of it records f's own
    f = branching("sin", "sub", "tanh")
    d, eager = make(tg.jit(f)), make(f)
    rng = np.random.default_rng(10)
    for _ in range(6):
        xs, s = floats(rng, 8), float(rng.normal())
        assert [bits(v) for v in tg.tree.leaves(d(s, xs))] == \
            [bits(v) for v in tg.tree.leaves(eager(s, xs))]
