"""``jit(grad(f))`` of a Python loop whose trip count depends on the data: one trace.

The forward loop rolls into a ``while``; its backward pass is recorded and
rolls into a loop that runs as many times. A loop linear in its carry has
constant partials, so the backward pass would be floats Python multiplies
for the traced trip count only: inside ``jit``, after a loop's test, the
seed is a recorded ``1.0`` and the same products are recorded, in eager's
order. Every result is checked bit for bit against eager ``grad`` at trip
counts never traced, and ``trace_count`` is asserted.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest

import tapegrad as tg


def bits(x):
    """The exact bits of a float, or of each float of a tuple (sign of zero, NaN)."""
    if isinstance(x, tuple):
        return tuple(bits(v) for v in x)
    return struct.pack("<d", x)


def grow(w, c):
    while w < c:
        w = w * 1.1 + 0.2
    return w


def grow_trips(w, c):
    n = 0
    while w < c:
        w = w * 1.1 + 0.2
        n += 1
    return n


def fade(s, x):
    for _ in range(200):
        if s > 3.0:
            break
        s = s * 0.9 + x
    return s


def newton(x):
    y = x
    while abs(y * y - x) > 1e-12:
        y = 0.5 * (y + x / y)
    return y


def bisect(c, tol):
    lo, hi = c * 0.0, c + 1.0
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        big = mid * mid > c
        hi = tg.where(big, mid, hi)
        lo = tg.where(big, lo, mid)
    return 0.5 * (lo + hi)


def two(w, c):
    while w < c:
        w = w * 1.1 + 0.2
    v = w * 0.5
    while v < 2.0 * c:
        v = v * 1.3 - 0.1
    return v


CS = [float(c) for c in np.exp(np.linspace(0.1, 12.0, 60))]


@pytest.mark.parametrize("transform", [tg.grad, tg.value_and_grad])
def test_a_linear_while_rolls_forward_and_backward(transform):
    g, jg = transform(grow), tg.jit(transform(grow))
    assert bits(jg(1.0, 100.0)) == bits(g(1.0, 100.0))
    trips = {grow_trips(1.0, c) for c in CS}
    assert len(trips) > 50 and min(trips) == 1 and max(trips) > 80
    for c in CS:
        assert bits(jg(1.0, c)) == bits(g(1.0, c)), c
    assert jg.trace_count == 1
    source = jg.lower(1.0, 100.0).source
    assert "while True" in source and "range(n0)" in source


def test_both_arguments_gradients_of_a_linear_while():
    g, jg = tg.grad(grow, argnums=(0, 1)), tg.jit(tg.grad(grow, argnums=(0, 1)))
    for c in [100.0] + CS:
        assert bits(jg(1.0, c)) == bits(g(1.0, c)), c
    assert jg.trace_count == 1


@pytest.mark.parametrize("transform", [tg.grad, tg.value_and_grad])
def test_a_linear_for_left_by_break(transform):
    g, jg = transform(fade), tg.jit(transform(fade))
    xs = [0.5] + [float(x) for x in np.linspace(0.32, 3.5, 60)]   # 1 to 31 iterations
    for x in xs:
        assert bits(jg(0.0, x)) == bits(g(0.0, x)), x
    assert jg.trace_count == 1
    assert bits(jg(0.0, 0.05)) == bits(g(0.0, 0.05))   # never breaks: the end of the range
    assert jg.trace_count == 2


@pytest.mark.parametrize("transform", [tg.grad, tg.value_and_grad])
def test_newtons_sqrt(transform):
    g, jg = transform(newton), tg.jit(transform(newton))
    for x in [2.0, 3.0, 5.0, 10.0, 50.0, 100.0, 0.5, 0.1, 0.01, 1e-3, 1e-4, 1e-5, 123.0, 999.0]:
        assert bits(jg(x)) == bits(g(x)), x
    assert jg.trace_count == 1


@pytest.mark.parametrize("transform", [tg.grad, tg.value_and_grad])
def test_bisection_over_trip_counts_2_to_50(transform):
    g, jg = transform(bisect), tg.jit(transform(bisect))
    calls = [(2.0, 1e-6)] + [(c, 2.0 ** -k) for c in (0.3, 2.0, 7.5) for k in range(1, 49, 3)]
    for c, tol in calls:
        assert bits(jg(c, tol)) == bits(g(c, tol)), (c, tol)
    assert jg.trace_count == 1
    assert bits(jg(0.3, 1.0)) == bits(g(0.3, 1.0))     # one iteration: too short to show a loop
    assert jg.trace_count == 2


def test_two_linear_loops_in_a_row_each_have_their_backward_loop():
    g, jg = tg.value_and_grad(two), tg.jit(tg.value_and_grad(two))
    for c in [50.0] + [float(c) for c in np.exp(np.linspace(0.1, 9.0, 30))]:
        assert bits(jg(1.0, c)) == bits(g(1.0, c)), c
    assert jg.trace_count == 1
    source = jg.lower(1.0, 50.0).source
    assert "range(n0)" in source and "range(n1)" in source


def test_the_seed_is_recorded_only_after_a_loops_test():
    assert "seed" not in tg.jit(tg.grad(lambda x: x * 3.0)).lower(2.0).source
    assert "seed" in tg.jit(tg.grad(grow)).lower(1.0, 100.0).source


def within_bound(f, args_list, transform=tg.grad):
    """Each call equals eager until the specializations run out; then the error, never a number."""
    jg, g = tg.jit(transform(f)), transform(f)
    for args in args_list:
        try:
            got = jg(*args)
        except TypeError as e:
            assert "needed more than 8 specializations" in str(e)
            return jg.trace_count
        assert bits(got) == bits(g(*args)), args
    return jg.trace_count


def swerve(w, c):
    while w < c:
        if w > 5.0:
            w = w * 1.05 + 0.1
        else:
            w = w * 1.5 + 0.1
    return w


def nested(w, c):
    for _ in range(3):
        while w < c:
            w = w * 1.5 + 0.1
        c = c * 2.0
    return w


def brk_list(s, xs):
    for x in xs:
        if x > 3.0:
            break
        s = s * 0.9 + x
    return s


@pytest.mark.parametrize("transform", [tg.grad, tg.value_and_grad])
def test_an_if_in_the_body_rolls_with_a_backward_loop_over_the_outcomes(transform):
    # (tests/test_rollgrad_if.py has more)
    calls = [(1.0, float(c)) for c in np.exp(np.linspace(0.1, 9.0, 30))]
    jg, g = tg.jit(transform(swerve)), transform(swerve)
    for args in calls[::-1]:       # the longest first: it shows both outcomes
        assert bits(jg(*args)) == bits(g(*args)), args
    assert jg.trace_count == 1
    assert "o0.pop()" in jg.lower(*calls[-1]).source


def test_a_while_inside_a_for_keeps_its_guards():
    # it does not roll under jit alone either (the inner trip counts differ)
    calls = [(1.0, float(c)) for c in np.exp(np.linspace(0.1, 9.0, 30))]
    assert within_bound(nested, calls) == 8


def test_a_for_over_a_list_left_by_break_keeps_its_guards():
    # a for over a list rolls as a loop of the traced trip count (jit alone too)
    base = [0.5, 1.0, 2.0, 0.3, 1.5, 2.5, 0.1, 0.7, 1.1, 2.9, 0.4, 0.2] * 2
    calls = [(1.0, base[:k] + [5.0] + base[k:-1]) for k in range(2, 20)]
    assert within_bound(brk_list, calls) == 8


@pytest.mark.parametrize("k", [0.0, -0.0, float("inf"), float("nan")])
def test_zero_inf_and_nan_cotangents_are_eagers(k):
    def f(w, c):
        while w < c:
            w = w * 1.1 + 0.2
        return w * k
    g, jg = tg.grad(f, argnums=(0, 1)), tg.jit(tg.grad(f, argnums=(0, 1)))
    for c in [100.0, 1.5, 7.0, 1e4]:
        assert bits(jg(1.0, c)) == bits(g(1.0, c)), c
    assert jg.trace_count == 1


def test_transforms_of_the_jitted_gradient():
    jg = tg.jit(tg.grad(grow))
    cs = [100.0, 1.5, 7.0, 1e4]
    for c in cs:
        assert bits(tg.grad(jg)(1.0, c)) == bits(tg.grad(tg.grad(grow))(1.0, c))
        assert bits(tg.grad(jg, argnums=1)(1.0, c)) == \
            bits(tg.grad(tg.grad(grow), argnums=1)(1.0, c))
        assert bits(tg.jit(tg.grad(tg.grad(grow)))(1.0, c)) == bits(tg.grad(tg.grad(grow))(1.0, c))
    want = np.array([tg.grad(grow)(1.0, c) for c in cs])
    assert tg.vmap(jg, in_axes=(None, 0))(1.0, np.array(cs)).tobytes() == want.tobytes()


def inner_for(w, c):
    while w < c:
        for _ in range(4):
            w = w * 1.01 + 0.05
    return w


def inner_for_sin(w, c):
    while w < c:
        for _ in range(3):
            w = w + 0.1 * tg.sin(w) * tg.sin(w) + 0.05
    return w


CS_SHORT = [float(c) for c in np.exp(np.linspace(0.1, 6.0, 30))]


@pytest.mark.parametrize("transform", [tg.grad, tg.value_and_grad])
def test_a_for_inside_a_while_rolls_its_backward_pass_four_steps_a_trip(transform):
    g, jg = transform(inner_for), tg.jit(transform(inner_for))
    for c in [50.0] + CS_SHORT:
        assert bits(jg(1.0, c)) == bits(g(1.0, c)), c
    assert jg.trace_count == 1
    assert "range(4 * n0)" in jg.lower(1.0, 50.0).source


def test_a_nonlinear_for_inside_a_while_keeps_its_guards():
    # its backward pass reads the inner loop's values: not rolled under jit(grad) yet
    assert tg.jit(inner_for_sin)(1.0, 50.0) == inner_for_sin(1.0, 50.0)
    assert within_bound(inner_for_sin, [(1.0, c) for c in [50.0] + CS_SHORT]) == 8
