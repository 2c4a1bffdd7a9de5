"""A ``for _ in range(n)`` left by ``break`` compiles as one loop for any trip count.

The tape of a traced call shows the iterations that ran and the break
guard's outcomes, not the ``range``: while ``jit`` traces, the break guard
also records how many iterations its loop has left, so the rolled loop
stops where the Python loop would, and a run to the end of the range (no
break) is another specialization. Checked bit for bit against eager
Python at trip counts never traced, under ``jit``, ``jit(grad)`` and
``jit(value_and_grad)``, in float64 and float32.
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
    if isinstance(x, tuple):
        return tuple(bits(v) for v in x)
    if isinstance(x, np.ndarray | np.generic):
        return (x.dtype.str, x.tobytes())
    return struct.pack("<d", x)


def newton(a):
    """sqrt(a): at most 60 Newton steps, left once a step is small."""
    x = a + 1.0
    for _ in range(60):
        dx = (x * x - a) / (2.0 * x)
        x = x - dx
        if tg.abs(dx) <= 1e-12 * x:
            break
    return x


def decay(y):
    """A test in the middle of the body: what follows it runs only when it held."""
    for _ in range(200):
        y = y * 0.8 - 0.01 * tg.sin(y)
        if y < 0.05:
            break
        y = y - 0.001 * tg.cos(y) * y
    return 2.0 * y


STEPS = 25


def shrink(y):
    """The bound a global int names; a range with a start and a step."""
    for _ in range(3, 3 + 2 * STEPS, 2):
        y = 0.7 * y + 0.05 * tg.sqrt(y)
        if y < 1.2:
            break
    return y


INPUTS = [float(v) for v in np.exp(np.linspace(-3.0, 60.0, 40))]


@pytest.mark.parametrize("f", [newton, decay, shrink])
def test_jit_runs_any_trip_count_below_the_bound_with_one_loop(f):
    jf = tg.jit(f)
    for a in INPUTS:
        assert bits(jf(a)) == bits(f(a)), a
    assert "while True" in jf.lower(20.0).source
    assert jf.trace_count <= 3      # left by break; at once (no loop); ran to the end


def test_the_end_of_the_range_is_a_guard_not_a_wrong_number():
    jf = tg.jit(shrink)
    assert bits(jf(30.0)) == bits(shrink(30.0))     # traced: left by break
    big = 1e300                                       # runs all 25 iterations
    assert tg.jit(shrink).lower(big).source.count("_guard_failed") == 1
    assert bits(jf(big)) == bits(shrink(big))
    assert jf.trace_count == 2
    source = jf.lower(30.0).source
    assert f"if n0 == {STEPS}: _guard_failed" in source


@pytest.mark.parametrize("f", [newton, shrink])
def test_jit_of_grad_is_one_loop_forward_and_backward(f):
    g, jg = tg.grad(f), tg.jit(tg.grad(f))
    vg, jvg = tg.value_and_grad(f), tg.jit(tg.value_and_grad(f))
    for a in INPUTS[8:]:
        assert bits(jg(a)) == bits(g(a)), a
        assert bits(jvg(a)) == bits(vg(a)), a
    assert jg.trace_count <= 3 and jvg.trace_count <= 3
    source = jg.lower(20.0).source
    assert "while True" in source and "range(n0" in source     # the backward runs n0 times


def test_jit_of_grad_of_newton_matches_the_closed_form():
    jg = tg.jit(tg.grad(newton))
    for a in [2.0, 10.0, 1e4, 3e8]:
        assert math.isclose(jg(a), 0.5 / math.sqrt(a), rel_tol=1e-9)


def test_float32_loops_roll_and_stay_float32():
    jf = tg.jit(newton)
    for a in INPUTS[:25]:
        x = np.float32(a)
        out = jf(x)
        assert type(out) is np.float32
        assert bits(out) == bits(newton(x))
    assert jf.trace_count <= 3


def test_a_static_bound_and_a_bound_from_an_argument_name():
    def f(x, n):
        for _ in range(n):
            x = x * 0.5 + 0.25 * tg.cos(x)
            if x < 0.6:
                break
        return x
    jf = tg.jit(f, static_argnums=1)
    for n in (5, 40):
        for x in [1.0, 10.0, 1e3, 1e6, 1e12, 0.1]:
            assert bits(jf(x, n)) == bits(f(x, n)), (x, n)
    assert jf.trace_count <= 6


@pytest.mark.parametrize("case", ["reads_counter", "for_else", "nested_if", "counter",
                                  "list_data"])
def test_loops_the_bound_cannot_be_read_from_stay_right(case):
    """Where the source does not give the bound plainly, jit still gives eager's numbers."""
    def reads_counter(x, xs):
        for i in range(30):
            x = x * 0.8 + 0.001 * i
            if x < 0.1:
                break
        return x

    def for_else(x, xs):
        for _ in range(30):
            x = x * 0.8
            if x < 0.1:
                break
        else:
            x = x + 100.0
        return x

    def nested_if(x, xs):
        for _ in range(30):
            x = x * 0.8
            if x > -1.0:
                if x < 0.1:
                    break
        return x

    def counter(x, xs):
        k = 0.0
        for _ in range(30):
            x = x * 0.8
            k = k + 1.0
            if x < 0.1:
                break
        return x + k

    def list_data(x, xs):
        for v in xs:
            x = x * 0.8 + v
            if x < 0.1:
                break
        return x

    f = locals()[case]
    jf = tg.jit(f)
    xs = [0.01 * k for k in range(30)]
    for x in [0.05, 1.0, 3.0, 1e3, 1e9]:
        assert bits(jf(x, xs)) == bits(f(x, xs)), x


def test_a_break_loop_inside_an_outer_loop():
    def f(x):
        total = 0.0 * x
        for k in range(3):
            y = x + k
            for _ in range(50):
                y = y * 0.7
                if y < 0.3:
                    break
            total = total + y
        return total
    jf, jg = tg.jit(f), tg.jit(tg.grad(f))
    for x in [0.1, 1.0, 5.0, 1e3, 1e8, 2.5]:
        assert bits(jf(x)) == bits(f(x))
        assert bits(jg(x)) == bits(tg.grad(f)(x))


@pytest.mark.parametrize("f", [newton, shrink])
@pytest.mark.parametrize("n", [1, 7, 300])
def test_vmap_of_a_break_loop_equals_the_python_loop(f, n):
    """Run on the batch up to the range's end; examples that run it out go their own way."""
    xs = np.exp(np.linspace(-3.0, 200.0, n))[np.random.default_rng(n).permutation(n)]
    assert bits(tg.vmap(f)(xs)) == bits(np.array([f(float(a)) for a in xs]))
    grads = tg.vmap(tg.grad(f))(xs)
    assert bits(grads) == bits(np.array([tg.grad(f)(float(a)) for a in xs]))
    assert bits(tg.jit(tg.vmap(f))(xs)) == bits(tg.vmap(f)(xs))


OPS = ["y = y * {c} + {d}", "y = tg.sin(y) * {c} + {d}", "y = tg.sqrt(y * y + {d}) * {c}",
       "y = y * y * {c} + {d}", "y = tg.maximum(y * {c}, {d})"]


@settings(max_examples=25, deadline=None)
@given(ops=st.lists(st.sampled_from(OPS), min_size=1, max_size=3),
       cs=st.lists(st.floats(0.3, 0.95), min_size=3, max_size=3),
       ds=st.lists(st.floats(0.0, 0.2), min_size=3, max_size=3),
       at=st.integers(0, 3), bound=st.integers(2, 40), stop=st.floats(0.2, 2.0),
       xs=st.lists(st.floats(0.0, 50.0), min_size=4, max_size=8))
def test_random_break_loops_under_jit_and_jit_grad(ops, cs, ds, at, bound, stop, xs):
    body = [op.format(c=c, d=d) for op, c, d in zip(ops, cs, ds)]
    body.insert(min(at, len(body)), f"if y < {stop!r}: break")
    src = "\n".join(["def f(y):", f"    for _ in range({bound}):"]
                    + [f"        {line}" for line in body] + ["    return y + 0.5 * y"])
    f = _compiled(src)
    jf, jg = tg.jit(f), tg.jit(tg.grad(f))
    for x in xs:
        assert bits(jf(x)) == bits(f(x)), (src, x)
        try:
            got = jg(x)
        except TypeError as e:              # a trip count too short to show the loop, many times
            assert "specializations" in str(e)
            continue
        assert bits(got) == bits(tg.grad(f)(x)), (src, x)


def _compiled(src):
    import linecache
    name = f"<forbreak {abs(hash(src))}>"
    linecache.cache[name] = (len(src), None, [line + "\n" for line in src.splitlines()], name)
    ns = {"tg": tg}
    exec(compile(src, name, "exec"), ns)
    return ns["f"]


def halve(a):
    y = a
    while y > 1.0:
        y = y * 0.5
    return y


def halve_loop(a):
    return tg.while_loop(lambda y: y > 1.0, lambda y: y * 0.5, a)


def test_a_linear_loops_derivative_under_jit_rolls_as_the_forward_loop():
    """Its derivative (0.5 ** trips) is recorded from a traced seed: one trace for every count."""
    jg, g = tg.jit(tg.grad(halve)), tg.grad(halve)
    for k in [10] + list(range(1, 40)):
        a = 2.0 ** k + 0.5
        assert bits(jg(a)) == bits(g(a)), k
    assert jg.trace_count == 1
    assert "range(n0)" in jg.lower(2.0 ** 10 + 0.5).source
    jg = tg.jit(tg.grad(halve_loop))
    for k in range(1, 40):
        a = 2.0 ** k + 0.5
        assert bits(jg(a)) == bits(tg.grad(halve)(a))
    assert jg.trace_count == 1


def newton_true(a):
    """``while True`` left by ``break``; the test's ``1e-12 * a`` is loop-invariant."""
    x = a + 1.0
    while True:
        dx = (x * x - a) / (2.0 * x)
        x = x - dx
        if dx <= 1e-12 * a:
            break
    return x


def fixed_point(a):
    """x = cos(x) / 2 + 0.3 x: its backward reads the input after the loop's values."""
    x = a
    while True:
        x = tg.cos(x) * 0.5 + 0.3 * x
        if tg.abs(x - tg.cos(x) * 0.5 - 0.3 * x) < 1e-12:
            break
    return x


@pytest.mark.parametrize("f", [newton_true, fixed_point])
def test_while_true_left_by_break_is_one_loop_under_jit_grad_and_vmap(f):
    xs = np.exp(np.linspace(-3.0, 30.0, 40))
    jf, jg, jvg = tg.jit(f), tg.jit(tg.grad(f)), tg.jit(tg.value_and_grad(f))
    for a in xs:
        a = float(a)
        assert bits(jf(a)) == bits(f(a))
        assert bits(jg(a)) == bits(tg.grad(f)(a))
        assert bits(jvg(a)) == bits(tg.value_and_grad(f)(a))
    assert (jf.trace_count, jg.trace_count, jvg.trace_count) == (1, 1, 1)
    assert "while True" in jf.lower(20.0).source and "while True" in jg.lower(20.0).source
    loop = np.array([tg.grad(f)(float(a)) for a in xs])
    assert bits(tg.vmap(tg.grad(f))(xs)) == bits(loop)


def test_the_gradient_of_a_fixed_point_loop_matches_central_differences():
    jg = tg.jit(tg.grad(fixed_point))
    for a in [0.3, 2.0, 40.0]:
        h = 1e-6
        fd = (fixed_point(a + h) - fixed_point(a - h)) / (2 * h)
        assert math.isclose(jg(a), fd, rel_tol=1e-5, abs_tol=1e-9)
