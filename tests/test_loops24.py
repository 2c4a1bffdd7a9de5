"""A ``while`` loop bounded by a Python counter rolls into one loop under jit.

``while err > tol and k < maxiter: ...; k += 1`` and ``it = it + 1; if it > N:
raise`` step a Python int the tape does not show. jit writes the counter
itself (``j0`` in the generated code), its start and step read while tracing,
so any trip count up to ``maxiter`` runs under one specialization. Compared
with eager bit for bit (jit, jit(grad), grad(jit)), with a Python loop over the
examples (vmap, vmap(grad)), and gradients with central differences.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg

AS = [1.0, 2.0, 9.0, 100.0, 1e4, 1e6, 3.0, 0.01, 1e-4, 7e7, 1e-8, 0.5]


def bits(x):
    return struct.pack("<d", float(x))


# ------------------------------------------------------------ the reproducers
def newton_maxiter(a, maxiter=100):
    x = a
    k = 0
    while abs(x * x - a) > 1e-10 and k < maxiter:
        x = 0.5 * (x + a / x)
        k += 1
    return x


def newton_counter_raise(a):
    x = a
    it = 0
    while abs(x * x - a) > 1e-10:
        x = 0.5 * (x + a / x)
        it = it + 1
        if it > 100:
            raise RuntimeError("no convergence")
    return x


# ------------------------------------------------------------ the family
def first_lt(a, maxiter=100):             # counter first, <, from 0, step 1
    x = a
    k = 0
    while k < maxiter and abs(x * x - a) > 1e-10:
        x = 0.5 * (x + a / x)
        k = k + 1
    return x


def from_one_le(a, maxiter=100):          # from 1, <=
    x = a
    k = 1
    while abs(x * x - a) > 1e-10 and k <= maxiter:
        x = 0.5 * (x + a / x)
        k += 1
    return x


def step_two(a, maxiter=100):             # step 2, the step first in the body
    x = a
    n = 0
    while abs(x * x - a) > 1e-10 and n < 2 * maxiter:
        n += 2
        x = 0.5 * (x + a / x)
    return x


def first_le_step_two(a, maxiter=100):    # counter first, <=, from 1, step 2 written c + k
    x = a
    k = 1
    while k <= 2 * maxiter - 1 and abs(x * x - a) > 1e-10:
        x = 0.5 * (x + a / x)
        k = 2 + k
    return x


def _helper(a, maxiter):
    x = a
    k = 0
    while abs(x * x - a) > 1e-10 and k < maxiter:
        x = 0.5 * (x + a / x)
        k += 1
    return x


def nested(a, maxiter=100):               # the loop in a function the jitted one calls
    return _helper(a, maxiter) * 2.0


def raise_before_step(a, limit=100):      # the if reads the counter before its step
    x = a
    it = 0
    while abs(x * x - a) > 1e-10:
        if it >= limit:
            raise RuntimeError("no convergence")
        x = 0.5 * (x + a / x)
        it += 1
    return x


FAMILY = [newton_maxiter, first_lt, from_one_le, step_two, first_le_step_two, nested]


def _bounded(f, maxiter):
    def g(a):
        return f(a, maxiter)
    g.__name__ = f"{f.__name__}_{maxiter}"
    return g


# maxiter=3 is reached by most of these inputs, 100 by none
CASES = [_bounded(f, m) for f in FAMILY for m in (3, 100)] + [
    newton_counter_raise, _bounded(raise_before_step, 100)]


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_jit_equals_eager_bit_for_bit_in_at_most_two_traces(f):
    jf = tg.jit(f)
    for a in AS:
        assert bits(jf(a)) == bits(f(a)), a
    # a = 1.0 runs no iteration (the loop is not on that tape); a = 2.0 shows it
    assert jf.trace_count <= 2
    for a in [5.0, 1e12, 3e-7, 42.0]:     # trip counts never seen while tracing
        assert bits(jf(a)) == bits(f(a)), a
    assert jf.trace_count <= 2


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_jit_grad_equals_eager_grad_and_central_differences(f):
    jg, g = tg.jit(tg.grad(f)), tg.grad(f)
    for a in AS:
        assert bits(jg(a)) == bits(g(a)), a
    assert jg.trace_count <= 3
    for a in [2.0, 9.0, 1e4, 0.5]:
        np.testing.assert_allclose(g(a), fd(f, a, eps=1e-6 * a), rtol=1e-4)


@pytest.mark.parametrize("f", [CASES[0], CASES[1], CASES[-2]], ids=lambda f: f.__name__)
def test_grad_of_jit_equals_eager_grad(f):
    gj, g = tg.grad(tg.jit(f)), tg.grad(f)
    for a in AS:
        assert bits(gj(a)) == bits(g(a)), a


@pytest.mark.parametrize("f", [CASES[0], CASES[1], CASES[-2]], ids=lambda f: f.__name__)
def test_vmap_and_vmap_grad_equal_a_python_loop(f):
    xs = np.array(AS)
    np.testing.assert_array_equal(tg.vmap(f)(xs), np.array([f(a) for a in AS]))
    np.testing.assert_array_equal(tg.vmap(tg.grad(f))(xs),
                                  np.array([tg.grad(f)(a) for a in AS]))


def test_the_generated_loop_keeps_the_counter():
    source = tg.jit(_bounded(newton_maxiter, 3)).lower(2.0).source
    assert "j0 = 0" in source and "if not j0 < 3: break" in source and "j0 += 1" in source
    assert source.count("while True:") == 1
    source = tg.jit(newton_counter_raise).lower(2.0).source
    assert "if j0 + 1 > 100: _guard_failed(" in source


def test_the_exit_at_maxiter_is_the_counters():
    # Newton from a = 1e6 needs about 14 steps: with maxiter = 3 the counter ends every call
    f = _bounded(newton_maxiter, 3)
    jf = tg.jit(f)
    xs = [jf(a) for a in [1e6, 1e8, 2.0, 7e7]]
    assert jf.trace_count == 1
    x = 1e6
    for _ in range(3):
        x = 0.5 * (x + 1e6 / x)
    assert bits(xs[0]) == bits(x)
    assert xs == [f(a) for a in [1e6, 1e8, 2.0, 7e7]]


def test_a_raise_the_counter_decides_raises_under_jit():
    def g(a):
        x = a
        it = 0
        while abs(x * x - a) > 1e-10:
            x = 0.5 * (x + a / x)
            it = it + 1
            if it > 6:
                raise RuntimeError("no convergence")
        return x
    jf = tg.jit(g)
    assert bits(jf(2.0)) == bits(g(2.0))
    with pytest.raises(RuntimeError, match="no convergence"):
        g(1e6)
    with pytest.raises(RuntimeError, match="no convergence"):
        jf(1e6)
    assert bits(jf(3.0)) == bits(g(3.0)) and bits(jf(9.0)) == bits(g(9.0))
    assert jf.trace_count == 1


# ------------------------------------------------------------ what stays refused
def counter_in_body(a, maxiter=100):      # the counter read in the body's arithmetic
    x = a
    k = 0
    while abs(x * x - a) > 1e-10 and k < maxiter:
        x = 0.5 * (x + a / x) + 1e-3 / (k + 1) ** 4 * (x - x)
        x = x * (1.0 + 1e-17 * k)
        k += 1
    return x


def counter_read_after(a, maxiter=100):   # the count is the result
    x = a
    k = 0
    while abs(x * x - a) > 1e-10 and k < maxiter:
        x = 0.5 * (x + a / x)
        k += 1
    return x + k


def counter_in_an_if(a, maxiter=100):     # stepped in some iterations only
    x = a
    k = 0
    while abs(x * x - a) > 1e-10 and k < maxiter:
        x = 0.5 * (x + a / x)
        if x > 0.0:
            k += 1
    return x


def bound_changes(a, maxiter=100):        # the bound moves in the body
    x = a
    k = 0
    while abs(x * x - a) > 1e-10 and k < maxiter:
        x = 0.5 * (x + a / x)
        k += 1
        maxiter = maxiter - 1
    return x


@pytest.mark.parametrize("f", [counter_in_body, counter_read_after, counter_in_an_if,
                               bound_changes], ids=lambda f: f.__name__)
def test_a_counter_the_loop_cannot_keep_is_still_right(f):
    jf, jg = tg.jit(f), tg.jit(tg.grad(f))
    for a in [2.0, 9.0, 2.0, 1e4, 9.0, 3.0]:      # four trip counts, each its own trace
        assert bits(jf(a)) == bits(f(a)), a
        assert bits(jg(a)) == bits(tg.grad(f)(a)), a
    assert "j0" not in jf.lower(2.0).source


def test_counter_read_after_the_loop_counts_each_call():
    jf = tg.jit(counter_read_after)
    assert [jf(a) for a in [2.0, 1e4, 2.0]] == [counter_read_after(a) for a in [2.0, 1e4, 2.0]]
    assert jf.trace_count == 2


# ------------------------------------------------------------ a run before the first else
def bisect_max(a):
    lo, hi = 0.0, max(a, 1.0)
    while hi - lo > 1e-6:
        mid = 0.5 * (lo + hi)
        if mid * mid > a:
            hi = mid
        else:
            lo = mid
    return lo


def bisect_shifted(a):
    lo, hi = 0.0, a + 1.0
    while hi - lo > 1e-6:
        mid = 0.5 * (lo + hi)
        if mid * mid > a:
            hi = mid
        else:
            lo = mid
    return lo


def test_the_run_before_the_first_else_is_a_while_loop():
    # lo is the Python float 0.0 until the first else: those iterations record other
    # equations; they roll into a while loop that ends where the if goes the other way
    jf, jg = tg.jit(bisect_shifted), tg.jit(tg.grad(bisect_shifted))
    for a in AS:
        assert bits(jf(a)) == bits(bisect_shifted(a)), a
        assert bits(jg(a)) == bits(tg.grad(bisect_shifted)(a)), a
    # 1.0 goes else at once (its loop saw the if arm alone), 2.0 after one if: no run
    assert jf.trace_count <= 3 and jg.trace_count <= 3
    source = tg.jit(bisect_shifted).lower(100.0).source
    assert source.count("while True:") == 2 and "if not x0_5: break" in source


def test_a_run_traced_first_serves_every_count():
    jf, jg = tg.jit(bisect_shifted), tg.jit(tg.grad(bisect_shifted))
    for a in [100.0] + AS:
        assert bits(jf(a)) == bits(bisect_shifted(a)), a
        assert bits(jg(a)) == bits(tg.grad(bisect_shifted)(a)), a
    assert jf.trace_count == 1
    assert jg.trace_count <= 2        # 1.0: no iteration before the first else


def test_bisect_with_max_before_the_loop_fits_the_bound_under_jit():
    # a < 1: max gives the Python float 1.0, and lo, hi, mid stay Python floats: the tape
    # holds only comparisons of constants with a, so each such input is a trace of its own
    jf = tg.jit(bisect_max)
    for a in AS:
        assert bits(jf(a)) == bits(bisect_max(a)), a
    assert jf.trace_count <= 8
    jf = tg.jit(bisect_max)
    big = [100.0, 1.0, 2.0, 9.0, 1e4, 1e6, 3.0, 7e7]
    assert [jf(a) for a in big] == [bisect_max(a) for a in big] and jf.trace_count == 1


def test_jit_grad_of_bisect_with_max_fits_the_bound():
    # each input below 1 is a trace, as under jit; 1.0 goes else at once (its loop sees
    # the if arm alone), 2.0 runs no iteration before the first else, 9.0 one and 100.0
    # more: hi's first value a is data too, read by the test mid * mid > a, which has no
    # derivative, so the backward loop is written (it was refused: 9 traces)
    jg = tg.jit(tg.grad(bisect_max))
    for a in AS:
        assert bits(jg(a)) == bits(tg.grad(bisect_max)(a)), a
    assert jg.trace_count <= 8


def test_jit_grad_of_bisect_with_max_above_one():
    jg = tg.jit(tg.grad(bisect_max))
    big = [100.0, 1.0, 2.0, 9.0, 1e4, 1e6, 3.0, 7e7]
    assert [jg(a) for a in big] == [tg.grad(bisect_max)(a) for a in big]
    # 1.0 and 2.0 run no iteration before the first else, and trace their own ways
    # (1.0's loop sees the if arm alone); 3.0 and 9.0 run in the others' loops
    assert jg.trace_count <= 3


def bisect_flag(a):                       # an arm assigns a constant: no run rolls
    lo, hi = 0.0, a + 1.0
    flag = 0.0
    while hi - lo > 1e-6:
        mid = 0.5 * (lo + hi)
        if mid * mid > a:
            hi = mid
            flag = 1.0
        else:
            lo = mid
    return lo + flag


def test_an_arm_that_assigns_a_constant_ends_no_run():
    jf = tg.jit(bisect_flag)
    for a in [100.0, 1e4, 100.0, 0.5]:
        assert bits(jf(a)) == bits(bisect_flag(a)), a
    assert "if not x0_5: break" not in jf.lower(100.0).source


@pytest.mark.parametrize("f", [CASES[0], CASES[2], CASES[-2], bisect_shifted],
                         ids=lambda f: f.__name__)
def test_vmap_of_jit_and_jit_of_vmap_equal_a_python_loop(f):
    xs = np.array(AS)
    want = np.array([f(a) for a in AS])
    np.testing.assert_array_equal(tg.vmap(tg.jit(f))(xs), want)
    np.testing.assert_array_equal(tg.jit(tg.vmap(f))(xs), want)
