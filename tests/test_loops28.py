"""Loops that traced once per trip count, now one trace; and their limits.

- a ``for`` loop left by ``break`` whose body calls a function defined in
  the traced one (the shooting method's ``shoot``, reading the parameters
  from its closure) rolls into a ``while``: the call's result is traced,
  not a Python value the body steps, and the iteration that broke drops
  what every iteration drops (the height ``y`` no one reads), so it runs
  the same equations as the iterations before it;
- a fixed inner loop rolls inside a ``while``'s body, as inside a ``for``'s;
- a Python int counter the body steps (``k += 1``) and the function
  returns (``return x, k``) rolls with its loop: jit writes its final
  value from the loop's trip count, an int as eager returns it.

Each runs at trip counts tracing never saw (0 and 1 among them), bit for
bit as eager, in the traces counted.
"""

from __future__ import annotations

import numpy as np
import pytest
from program_battery import same

import tapegrad as tg


# ------------------------------------------------------------ the shooting method
def shooting(p, seen=None):               # secant on a nested function's miss distance
    v0, target = p[0], p[1]

    def shoot(angle):
        x, y = 0.0, 0.0
        vx, vy = v0 * np.cos(angle), v0 * np.sin(angle)
        for _ in range(20):
            speed = np.sqrt(vx * vx + vy * vy)
            vx, vy = vx - 0.01 * speed * vx * 0.2, vy - (9.81 + 0.01 * speed * vy) * 0.2
            x, y = x + vx * 0.2, y + vy * 0.2      # y: read by no one
        return x - target

    a0, a1 = 0.2, 0.4
    f0, f1 = shoot(a0), shoot(a1)
    for _ in range(30):
        seen is None or seen.append(1)
        a2 = a1 - f1 * (a1 - a0) / (f1 - f0)
        a0, f0, a1 = a1, f1, a2
        f1 = shoot(a1)
        if abs(f1) < 1e-10:
            break
    return a1


def shooting_while(p, seen=None):         # the same, ended by the while's own test
    v0, target = p[0], p[1]                  # (to the tolerance p[2]: any trip count)

    def shoot(angle):
        x, vx, vy = 0.0, v0 * np.cos(angle), v0 * np.sin(angle)
        for _ in range(20):
            vx, vy = vx * 0.99, vy - 9.81 * 0.2
            x = x + vx * 0.2
        return x - target

    a0, a1 = 0.2, 0.4
    f0, f1 = shoot(a0), shoot(a1)
    while abs(f1) > p[2]:
        seen is None or seen.append(1)
        a0, f0, a1 = a1, f1, a1 - f1 * (a1 - a0) / (f1 - f0)
        f1 = shoot(a1)
    return a1


SHOTS = [np.array(x) for x in ([20.0, 10.0, 1e-10], [19.6, 10.5, 1e-3], [20.6, 10.0, 1e-10],
                               [25.0, 30.0, 0.1], [22.0, 20.0, 1e-10], [40.0, 60.0, 10.0],
                               [15.0, 5.0, 1e-10], [45.0, 10.0, 50.0], [20.0, 10.0, 1e-6],
                               [45.0, 10.0, 200.0])]


def trips(f, x):
    seen = []
    f(x, seen)
    return len(seen)


@pytest.mark.parametrize("f", [shooting, shooting_while])
def test_a_nested_function_in_a_loop_left_by_break_is_one_trace(f):
    jf = tg.jit(f)
    counts = [trips(f, x) for x in SHOTS]
    assert len(set(counts[:-1])) >= 3 and min(counts[:-1]) >= 2, counts
    for x in SHOTS[:-1]:
        assert same(jf(x), f(x)), x
    assert jf.trace_count == 1
    assert "while True:" in jf.lower(SHOTS[0]).source
    # fewer trips than the iterations before the rolled loop (a0 starts a Python
    # float: the first two differ): a guard fails, and the call traces once more
    assert same(jf(SHOTS[-1]), f(SHOTS[-1])) and jf.trace_count <= 2


def test_the_shooting_loop_writes_its_inner_loop_once():
    src = tg.jit(shooting).lower(SHOTS[0]).source
    assert src.count("for j") >= 2 and len(src.splitlines()) < 300


def newton_inner(a, seen=None):           # five damped steps an outer iteration
    x = a
    while abs(x * x - a) > 1e-9:
        seen is None or seen.append(1)
        y = x
        for _ in range(5):
            y = y - 0.1 * (y * y - a)
        x = y
    return x


def newton_inner_break(a, seen=None):
    x, s = a, 0.0 * a
    while True:
        seen is None or seen.append(1)
        for _ in range(6):
            x = x - 0.05 * (x * x - a)
            s = s + 1e-3 * x
        if abs(x * x - a) < 1e-9:
            break
    return x + s


@pytest.mark.parametrize("f", [newton_inner, newton_inner_break])
def test_an_inner_loop_rolls_inside_a_while(f):
    xs = [2.0, 3.0, 1.5, 2.5, 1.0, 4.0, 0.3, 1.2]
    counts = {trips(f, x) for x in xs}
    assert len(counts) >= 4 and min(counts) == (0 if f is newton_inner else 1), counts
    jf = tg.jit(f)
    for x in xs:
        assert same(jf(x), f(x)), x
    assert jf.trace_count == 1
    src = jf.lower(2.0).source
    assert "while True:" in src and "for j" in src


# ------------------------------------------------------------ a counter returned
def lone_break_counted(x0, seen=None):    # the counter returned after a lone break
    x, k = x0, 0
    while True:
        seen is None or seen.append(1)
        x = x * 0.5 + 1
        k += 1
        if abs(x - 2) < 1e-6:
            break
    return x, k


def while_counted(x0, seen=None):         # the test the while's own, from 3 by 2
    x, k = x0, 3
    while abs(x - 2) > 1e-6:
        seen is None or seen.append(1)
        x = x * 0.5 + 1
        k = k + 2
    return k, x


def for_counted(x0, seen=None):           # a for left by break: range's bound too
    x, k = x0, 0
    for _ in range(200):
        seen is None or seen.append(1)
        k += 1
        x = x * 0.5 + 1
        if abs(x - 2) < 1e-6:
            break
    return x, k


def two_counted(x0, seen=None):           # two counters, in a dict and a list
    x, k, evals = x0, 0, 1
    while abs(x - 2) > 1e-6:
        seen is None or seen.append(1)
        x = x * 0.5 + 1
        k += 1
        evals += 3
    return {"x": x, "stats": [k, evals, k]}


def newton_counted(a, seen=None):        # a counter the test bounds, returned: iterations
    x, k = a, 0
    while abs(x * x - a) > 1e-10 * a and k < 6:
        seen is None or seen.append(1)
        x = 0.5 * (x + a / x)
        k += 1
    return x, k


def newton_counted_first(a, seen=None):  # the counter compared first
    x, k = a, 0
    while k < 40 and abs(x * x - a) > 1e-10 * a:
        seen is None or seen.append(1)
        x = 0.5 * (x + a / x)
        k += 1
    return k, x


COUNTED = [lone_break_counted, while_counted, for_counted, two_counted, newton_counted,
           newton_counted_first]
STARTS = [5.0, 100.0, 1e6, 1e12, 2.0, 2.000001, 2.5, 3.0, 40.0]
NEWTON = [2.0, 1e6, 3e-4, 1.0, 4.0, 1.0000001, 7e7, 0.25]
POINTS = {newton_counted: NEWTON, newton_counted_first: NEWTON}


@pytest.mark.parametrize("f", COUNTED)
def test_a_counter_read_after_the_loop_is_one_trace(f):
    xs = POINTS.get(f, STARTS)
    counts = {trips(f, x) for x in xs}
    assert 1 in counts and (0 in counts or f in (lone_break_counted, for_counted))
    assert f is not newton_counted or 6 in counts       # the counter ended it too
    jf = tg.jit(f)
    for x in xs:
        got, want = jf(x), f(x)
        assert tg.tree.structure(got) == tg.tree.structure(want)
        for a, b in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
            assert same(a, b), (x, got, want)
    assert jf.trace_count == 1


@pytest.mark.parametrize("f", COUNTED)
def test_a_counter_read_after_the_loop_under_vmap(f):
    xs = POINTS.get(f, STARTS)
    got = tg.vmap(tg.jit(f))(np.array(xs))
    for j, x in enumerate(xs):
        want = f(x)
        for a, b in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
            assert a[j] == b, (x, a[j], b)


def test_the_gradient_beside_a_counter_is_eager_s():
    def f(x0):
        x, k = lone_break_counted(x0)
        return x * x
    jg = tg.jit(tg.grad(f))
    for x in STARTS[:4]:
        assert same(jg(x), tg.grad(f)(x))


def counted_times(x0):                    # the counter computed with: a constant per trace
    x, k = x0, 0
    while abs(x - 2) > 1e-6:
        x = x * 0.5 + 1
        k += 1
    return x * k, k


def counted_and_a_constant(x0):           # an output equal to the counter's final value
    x, k = x0, 0
    while abs(x - 2) > 1e-6:
        x = x * 0.5 + 1
        k += 1
    return x, k, 22


def counted_by_a_helper(x0):              # the return is not jit's: Python may branch on k
    x, k = while_counted(x0)
    return (x, k) if k > 50 else (x, -k)


JITTED_COUNT = tg.jit(while_counted)


def counted_by_a_jitted_helper(x0):      # the same through a jitted helper (its tape replayed)
    x, k = JITTED_COUNT(x0)
    return (x, k) if k > 50 else (x, -k)


def test_a_counter_through_a_jitted_helper_is_eager_s():
    jf = tg.jit(counted_by_a_jitted_helper)
    for x in STARTS:
        assert repr(jf(x)) == repr(counted_by_a_jitted_helper(x)), x


@pytest.mark.parametrize("f", [counted_times, counted_and_a_constant, counted_by_a_helper])
def test_a_counter_jit_cannot_write_keeps_a_trace_per_trip_count(f):
    jf = tg.jit(f)
    for x in STARTS[:6]:             # 5.0's loop runs 22 times (k = 22, 47 from 3 by 2)
        assert repr(jf(x)) == repr(f(x)), x
    assert jf.trace_count >= 2


# ------------------------------------------------------------ a test of several comparisons
def escape(c, seen=None):                 # chained: either comparison may end it
    x = c
    while 0.3 < x < 40.0:
        seen is None or seen.append(1)
        x = x * 1.25 - 0.1
    return x


def escape_and(c, seen=None):             # the same as an and
    x = c
    while x > 0.3 and x < 40.0:
        seen is None or seen.append(1)
        x = x * 1.25 - 0.1
    return x * x


def newton_and(a, seen=None):             # two tolerances: the step's, the residual's
    x, dx = a, a
    while abs(dx) > 1e-9 * a and abs(x * x - a) > 1e-12 * a:
        seen is None or seen.append(1)
        dx = 0.5 * (a / x - x)
        x = x + dx
    return x


def two_rates(c, seen=None):              # two variables, each with its bound
    x, y = c, 1.0 + 0.0 * c
    while x < 10.0 and y > 0.01:
        seen is None or seen.append(1)
        x = x * 1.1 + 0.1
        y = y * 0.8
    return x + y


def bisect_and(c, seen=None):             # an if in the body too
    lo, hi = 0.0 * c, 1.0 + c
    while hi - lo > 1e-9 and abs(lo * lo - c) > 1e-12:
        seen is None or seen.append(1)
        mid = 0.5 * (lo + hi)
        if mid * mid > c:
            hi = mid
        else:
            lo = mid
    return lo


COMPOUND = [escape, escape_and, newton_and, two_rates, bisect_and]
# newton_and rolls at a phase whose iteration starts with the residual's test, read
# after the loop: a call ended by it traces once more. bisect_and's if makes it a loop
# of two arms, whose test's second comparison stays a guard: the same.
TRACES = {newton_and: 2, bisect_and: 2}
ENDS = [2.0, 5.0, 0.25, 0.35, 7.0, 1e-3, 30.0, 0.6, 3.0, 50.0, 1.0]


def ended_by(f, x):
    """The trip count, and whether the test's first comparison ended the loop."""
    n = trips(f, x)
    step, first = {escape: (lambda v: v * 1.25 - 0.1, lambda v: 0.3 < v),
                   escape_and: (lambda v: v * 1.25 - 0.1, lambda v: v > 0.3),
                   two_rates: (lambda v: v * 1.1 + 0.1, lambda v: v < 10.0)}.get(f, (None, None))
    if step is None:
        return n, None
    for _ in range(n):
        x = step(x)
    return n, not first(x)


@pytest.mark.parametrize("f", COMPOUND)
def test_a_compound_while_test_is_one_trace(f):
    seen = {ended_by(f, x) for x in ENDS}
    assert len({n for n, _ in seen}) >= 4 and min(n for n, _ in seen) <= 1, seen
    if f in (escape, escape_and, two_rates):      # each comparison ended some call
        assert {True, False} <= {e for _, e in seen}, seen
    jf = tg.jit(f)
    for x in ENDS:
        assert same(jf(x), f(x)), x
    assert jf.trace_count == TRACES.get(f, 1)


@pytest.mark.parametrize("f", COMPOUND)
def test_a_compound_while_test_under_grad_and_vmap(f):
    jg, g = tg.jit(tg.grad(f)), tg.grad(f)
    xs = [x for x in ENDS if trips(f, x) >= 1]
    for x in xs:
        assert same(jg(x), g(x)), x
    assert jg.trace_count <= 3      # a short trace whose backward reads either end may count
    got = tg.vmap(tg.jit(f))(np.array(ENDS))
    assert [got[j] == f(x) for j, x in enumerate(ENDS)] == [True] * len(ENDS)


def stepped_twice(c, seen=None):          # a Python counter the test reads, stepped in an if
    x, k = c, 0
    while x > 0.3 and k < 7:
        seen is None or seen.append(1)
        x = x * 1.25 - 0.1
        if x > 3.0:
            k += 1
        k += 1
    return x


def limit_in_the_body(c, seen=None):      # a Python bound the body lowers
    x, hi = c, 40.0
    while 0.3 < x < hi:
        seen is None or seen.append(1)
        x = x * 1.25 - 0.1
        hi = hi - 1.0
    return x


@pytest.mark.parametrize("f", [stepped_twice, limit_in_the_body])
def test_a_compound_test_reading_python_state_is_eager_s(f):   # (a trace per trip count)
    xs = [2.0, 5.0, 0.25, 0.6, 0.35, 30.0]
    assert len({trips(f, x) for x in xs}) >= 3
    jf = tg.jit(f)
    for x in xs:
        assert same(jf(x), f(x)), x


# ------------------------------------------------------------ a break on several comparisons
def heron_or(a, seen=None):              # converged in the step or in the residual
    x = a
    while True:
        seen is None or seen.append(1)
        x_new = 0.5 * (x + a / x)
        if abs(x_new - x) < 1e-12 * a or abs(x_new * x_new - a) < 1e-13 * a:
            x = x_new
            break
        x = x_new
    return x


def escape_break(c, seen=None):           # not lo < x < hi: either comparison breaks
    x = c
    while True:
        seen is None or seen.append(1)
        x = x * 1.25 - 0.1
        if not 0.3 < x < 40.0:
            break
    return x


def settle_or(p, seen=None):              # an if after the break
    a, b = 0.0 * p, p + 1.0
    while True:
        seen is None or seen.append(1)
        c = 0.5 * (a + b)
        y = c * c - p
        if abs(y) < 1e-9 or b - a < 1e-12:
            break
        if y > 0:
            b = c
        else:
            a = c
    return c


def counted_or(a, seen=None):             # a Python counter in the or: the guards stay
    x, k = a, 0
    while True:
        seen is None or seen.append(1)
        x = 0.5 * (x + a / x)
        k += 1
        if abs(x * x - a) < 1e-12 * a or k > 3:
            break
    return x


BREAKS = [heron_or, escape_break, settle_or]
BREAK_AT = [2.0, 5.0, 0.25, 0.35, 7.0, 1e-3, 30.0, 0.6, 3.0, 50.0, 1.0]
# heron_or rolls at a phase whose iteration starts with the residual's test, read after
# the loop: a call that test ends traces once more, and 1.0's single iteration (fewer
# than those traced before the loop) once more; jit(grad) once more again where its
# backward pass reads an iteration of a short trace that either end may count
BREAK_TRACES = {heron_or: 3}


@pytest.mark.parametrize("f", BREAKS)
def test_a_break_on_several_comparisons_is_one_trace(f):
    assert len({trips(f, x) for x in BREAK_AT}) >= 4
    jf, jg, g = tg.jit(f), tg.jit(tg.grad(f)), tg.grad(f)
    for x in BREAK_AT:
        assert same(jf(x), f(x)), x
        assert same(jg(x), g(x)), x
    assert jf.trace_count == BREAK_TRACES.get(f, 1) and jg.trace_count <= 4
    got = tg.vmap(tg.jit(f))(np.array(BREAK_AT))
    assert [got[j] == f(x) for j, x in enumerate(BREAK_AT)] == [True] * len(BREAK_AT)


def test_a_break_on_python_state_keeps_its_guards():
    xs = [2.0, 1.0, 1e6, 1.01, 1.05]
    assert len({trips(counted_or, x) for x in xs}) >= 3
    jf = tg.jit(counted_or)
    for x in xs:
        assert same(jf(x), counted_or(x)), x
    assert jf.trace_count >= 3


@pytest.mark.parametrize("f", COMPOUND + BREAKS, ids=lambda f: f.__name__)
def test_each_comparison_ends_it_whichever_ended_the_trace(f):
    # each point traced first (an exit by either comparison, at any trip count), then
    # every point through that jit: the other comparisons' exits and their values
    xs = BREAK_AT if f in BREAKS else ENDS
    for first in xs:
        jf = tg.jit(f)
        jf(first)
        assert [same(jf(x), f(x)) for x in xs] == [True] * len(xs), first
        assert jf.trace_count <= 3
