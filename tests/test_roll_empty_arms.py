"""Loops whose branch only copies (``if f(mid) > 0: hi = mid else: lo = mid``) under jit.

The arms record nothing; jit writes them as copies in an ``if`` of the
rolled loop, so one trace runs any trip count and any pattern of outcomes,
bit for bit as eager.
"""

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tapegrad as tg


def bits(x):
    return struct.pack("<d", x) if isinstance(x, float) else x


CS = [float(c) for c in np.exp(np.linspace(-5.0, 8.0, 64))]


def bisect(c):
    lo, hi = c * 0.0, c + 1.0
    while hi - lo > 1e-9 * (1.0 + c):
        mid = 0.5 * (lo + hi)
        if mid * mid > c:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def bisect_for(c):
    lo, hi = c * 0.0, c + 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if mid * mid > c:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def cubic(c):          # the root of x^3 - 2x - c in [-2, c + 3]
    lo, hi = c * 0.0 - 2.0, c + 3.0
    while hi - lo > 1e-10:
        mid = 0.5 * (lo + hi)
        if mid * mid * mid - 2.0 * mid - c > 0.0:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def kept(c):            # bisection keeping f at the left end: two variables in one arm
    a, b = c * 0.0 - 2.0, c + 3.0
    fa = a * a * a - c
    for _ in range(50):
        m = 0.5 * (a + b)
        fm = m * m * m - c
        if fm * fa > 0.0:
            a, fa = m, fm
        else:
            b = m
    return 0.5 * (a + b)


def kept_after(c):      # fb: written by an arm, read after the loop only
    a, b = c * 0.0 - 2.0, c + 3.0
    fa, fb = a * a * a - c, b * b * b - c
    for _ in range(50):
        m = 0.5 * (a + b)
        fm = m * m * m - c
        if fm * fa > 0.0:
            a, fa = m, fm
        else:
            b, fb = m, fm
    return a - fa * (b - a) / (fb - fa)


def falsi(c):           # regula falsi on tanh(x) - c: both ends move
    a, b = c * 0.0 - 3.0, c * 0.0 + 2.5
    fa, fb = tg.tanh(a) - c, tg.tanh(b) - c
    for _ in range(40):
        m = (a * fb - b * fa) / (fb - fa)
        fm = tg.tanh(m) - c
        if fm * fa > 0.0:
            a, fa = m, fm
        else:
            b, fb = m, fm
    return 0.5 * (a + b)


INV_PHI = (5.0 ** 0.5 - 1.0) / 2.0


def golden(c):          # the minimum of (x - c)^2 + sin(3x)
    a, b = c * 0.0 - 1.0, c + 3.0
    for _ in range(45):
        x1 = b - INV_PHI * (b - a)
        x2 = a + INV_PHI * (b - a)
        if (x1 - c) * (x1 - c) + tg.sin(3.0 * x1) < (x2 - c) * (x2 - c) + tg.sin(3.0 * x2):
            b = x2
        else:
            a = x1
    return 0.5 * (a + b)


def check(f, cs, traced):
    jf = tg.jit(f)
    assert bits(jf(traced)) == bits(f(traced))
    for c in cs:
        assert bits(jf(c)) == bits(f(c)), c
    assert jf.trace_count == 1
    return jf.lower(traced).source


def test_a_while_bisection_is_one_trace():
    source = check(bisect, CS, 2.0)
    assert "while True:" in source
    body = source[source.index("while True:"):]
    assert "        if x0_" in body and "        else:" in body
    assert "            x0_tv4 = x0_4" in body and "            x0_fv4 = x0_4" in body


def test_a_for_bisection_is_one_trace():
    source = check(bisect_for, CS, 2.0)
    body = source[source.index("for i0 in range(60):"):]
    assert "if x0_3:\n            x0_tv1 = x0_1\n        else:\n            x0_fv1 = x0_1" in body


def test_trip_counts_and_patterns_never_traced():
    jf = tg.jit(bisect)
    jf(2.0)
    many = [float(c) for c in np.exp(np.linspace(-12.0, 30.0, 80))]
    for c in many:                     # 31 to 76 iterations, each its own pattern
        assert bits(jf(c)) == bits(bisect(c)), c
    assert jf.trace_count == 1


def test_a_cubic():
    check(cubic, [float(c) for c in np.linspace(-30.0, 40.0, 61)], 1.5)


def test_two_variables_per_arm():
    check(kept, [float(c) for c in np.linspace(-20.0, 60.0, 61)], 3.0)


def test_a_variable_read_after_the_loop_only_is_its_arms_last_copy():
    # fb: the else arm's last copy of fm; where that arm never ran, its value
    # before the loop is not on the tape: a guard fails, and jit traces again
    jf = tg.jit(kept_after)
    source = jf.lower(3.0).source
    assert "x0_fv4 = None" in source and "            x0_fv4 = x0_4" in source
    assert "(x0_fv4 if x0_fv4 is not None else _guard_failed(0))" in source
    cs = [float(c) for c in np.linspace(-20.0, 60.0, 61)]
    for c in [3.0] + cs:
        assert bits(jf(c)) == bits(kept_after(c)), c
    assert jf.trace_count == 2          # 3.0, then -6.67: no else ran (b < a there)


def test_a_name_both_arms_assign_read_after_the_loop_only_keeps_the_guards():
    # last holds either arm's copy: its value after the loop is not one arm's
    jf = tg.jit(shared_copy)
    assert "else:" not in jf.lower(3.0).source
    for c in [3.0, 4.0, 20.0, 7.5, -3.0, 1.0]:     # the last two end in the other arm
        assert bits(jf(c)) == bits(shared_copy(c)), c


def test_regula_falsi():
    cs = [float(c) for c in np.linspace(-0.95, 0.95, 61)]
    check(falsi, cs, 0.3)


def test_golden_section():
    check(golden, [float(c) for c in np.linspace(-3.0, 5.0, 61)], 0.7)


def test_a_python_constant_start_stays_exact():
    # lo = 0.0 is a Python float until an else runs: the iterations before hold
    # other equations (0.0 + hi; hi - 0.0 is hi), a while loop of their own that
    # ends where the if goes the other way: one trace for every count of them
    def bisect0(c):
        lo, hi = 0.0, c + 1.0
        while hi - lo > 1e-9 * (1.0 + c):
            mid = 0.5 * (lo + hi)
            if mid * mid > c:
                hi = mid
            else:
                lo = mid
        return 0.5 * (lo + hi)
    jf = tg.jit(bisect0)
    for c in [float(c) for c in np.exp(np.linspace(-5.0, 8.0, 60))]:
        assert bits(jf(c)) == bits(bisect0(c)), c
    assert jf.trace_count == 1


def test_mid_read_after_the_loop_keeps_the_guards():
    # after the loop, lo + mid: the tape cannot tell mid from the variable an
    # arm copied it into, so the loop is not rolled
    def after_mid(c):
        lo, hi = c * 0.0, c + 1.0
        for _ in range(30):
            mid = 0.5 * (lo + hi)
            if mid * mid > c:
                hi = mid
            else:
                lo = mid
        return lo + mid
    jf = tg.jit(after_mid)
    assert "else:" not in jf.lower(2.0).source
    for c in [2.0, 3.0, 0.7, 11.0]:
        assert bits(jf(c)) == bits(after_mid(c)), c


def test_a_copy_of_a_variable_stays_exact():
    # else: lo = hi copies what an earlier iteration's arm kept, not this iteration's value
    def shift(c):
        lo, hi = c * 0.0, c + 1.0
        for _ in range(30):
            mid = 0.5 * (lo + hi)
            if mid * mid > c:
                hi = mid
            else:
                lo = hi
                hi = c + 1.0 + mid
        return lo + hi
    jf = tg.jit(shift)
    for c in [2.0, 3.0, 0.7, 11.0]:
        assert bits(jf(c)) == bits(shift(c)), c


CMPS = {">": lambda a, b: a > b, "<": lambda a, b: a < b,
        ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b}
FNS = {"square": lambda x: x * x, "cube": lambda x: x * x * x, "sin": lambda x: tg.sin(x) * 3.0,
       "tanh": lambda x: tg.tanh(x - 1.0) * 5.0, "exp": lambda x: tg.exp(x * 0.5)}


def search(cmp, fn, n):
    def f(c):
        lo, hi = c * 0.0 - 1.0, c + 2.0
        for _ in range(n):
            mid = 0.5 * (lo + hi)
            if CMPS[cmp](FNS[fn](mid), c):
                hi = mid
            else:
                lo = mid
        return lo * 0.25 + hi
    return f


def while_search(cmp, fn, n):
    tol = 2.0 ** -n

    def f(c):
        lo, hi = c * 0.0 - 1.0, c + 2.0
        while hi - lo > tol:
            mid = 0.5 * (lo + hi)
            if CMPS[cmp](FNS[fn](mid), c):
                hi = mid
            else:
                lo = mid
        return lo * 0.25 + hi
    return f


@settings(max_examples=25, deadline=None)
@given(cmp=st.sampled_from(sorted(CMPS)), fn=st.sampled_from(sorted(FNS)),
       n=st.integers(8, 40), cs=st.lists(st.floats(-4.0, 9.0), min_size=6, max_size=12),
       loop=st.sampled_from([search, while_search]))
def test_random_comparisons(cmp, fn, n, cs, loop):
    f = loop(cmp, fn, n)
    jf = tg.jit(f)
    for c in [1.3] + cs:
        assert bits(jf(c)) == bits(f(c)), c
    assert jf.trace_count <= 8
    if cmp in (">", ">="):        # at 1.3 these go both ways: rolled, with the copies
        assert "        else:\n            x0_fv" in jf.lower(1.3).source


def test_grad_of_the_jitted_bisection_replays_its_loop():
    jf = tg.jit(bisect)
    g, gj = tg.grad(bisect), tg.grad(jf)
    for c in CS[::2]:
        assert bits(gj(c)) == bits(g(c)), c
    assert jf.trace_count == 1


def test_vmap_of_the_jitted_bisection_equals_the_loop():
    xs = np.array(CS)
    loop = np.array([bisect(c) for c in CS])
    assert np.array_equal(tg.vmap(tg.jit(bisect))(xs), loop)
    assert np.array_equal(tg.vmap(bisect)(xs), loop)


def test_mid_read_by_an_outer_loop_stays_exact():
    # total + mid reads the inner loop's last mid: not one of the arms' copies
    def restart(c):
        mid = c * 0.0 + 1.0
        total = c * 0.0
        for _ in range(3):
            total = total + mid
            lo, hi = c * 0.0, c + 1.0 + total
            for _ in range(20):
                mid = 0.5 * (lo + hi)
                if mid * mid > c:
                    hi = mid
                else:
                    lo = mid
        return total + lo + hi
    jf = tg.jit(restart)
    for c in [2.0, 3.0, 5.0, 7.0, 11.0, 0.3]:
        assert bits(jf(c)) == bits(restart(c)), c


def shared_copy(c):      # a function of the module: the source checks read its own def
    a, b = c * 0.0 - 2.0, c + 3.0
    fa, last = a * a * a - c, c * 0.0
    for _ in range(30):
        m = 0.5 * (a + b)
        fm = m * m * m - c
        if fm * fa > 0.0:
            a, fa, last = m, fm, fm
        else:
            b, last = m, m
    return a + b + last


@pytest.mark.parametrize("make", [lambda f: f, tg.grad], ids=["value", "grad"])
def test_a_copy_both_arms_make_read_after_the_loop_is_never_another_names(make):
    # at the traced 3.0 the last iteration went else: last held b's record, and the
    # rolled loop read b for last; at -5.0 the last went if (last = fm): -6.0, not -7.0
    jf, f = tg.jit(make(shared_copy)), make(shared_copy)
    for c in [3.0, -5.0, 4.0, 20.0, -0.5, 7.5, 0.1]:
        assert bits(jf(c)) == bits(f(c)), c
