"""A loop whose iterations branch rolls when the code after it reads an input again.

``while (b - a) / 2 > tol: ... if ...: b = c else: a = c`` followed by
``return (a + b) / 2 + p[2]``: under ``jit(grad)`` the backward pass of
``p[2]`` (an ``index_add`` into ``p``'s cotangent, a rule without partials)
lies between the seed and the loop's backward records. It reaches no loop
variable, so the backward loop is found past it and any trip count runs in
one specialization. Compared with eager bit for bit (jit, jit(grad),
grad(jit)), with a Python loop over the examples (vmap, vmap(grad)), and
gradients with central differences.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fd
from program_battery import same

import tapegrad as tg


def bisect_plus(p, seen=None):
    a, b = p[0], p[1]
    while (b - a) / 2 > 1e-13:
        seen is None or seen.append(1)
        c = (a + b) / 2
        if c ** 2 - 2.0 > 0:
            b = c
        else:
            a = c
    return (a + b) / 2 + p[2]


def bisect_times(p, seen=None):     # the input read after the loop scales the root
    a, b = p[0], p[1]
    while b - a > 1e-9:
        seen is None or seen.append(1)
        c = 0.5 * (a + b)
        if c ** 3 - 1.7 > 0:
            b = c
        else:
            a = c
    return p[2] * (0.5 * (a + b)) + p[0] * p[1]


def bisect_sum(p, seen=None):       # the whole input, summed, after the loop
    lo, hi = p[0], p[1]
    while hi - lo > 1e-7:
        seen is None or seen.append(1)
        mid = 0.5 * (lo + hi)
        if mid * mid > 3.0:
            hi = mid
        else:
            lo = mid
    return lo * p[2] + np.sum(p)


FS = [bisect_plus, bisect_times, bisect_sum]
TRACED = np.array([0.0, 2.0, 1.5])
# intervals of other widths: trip counts tracing never saw
OTHERS = [np.array(x) for x in ([1.0, 2.0, 1.4], [0.0, 8.0, 1.0], [-5.0, 40.0, 0.3],
                                [1.1, 1.35, -0.7], [0.0, 300.0, 2.0], [1.3, 1.8, 0.0])]


@pytest.mark.parametrize("f", FS, ids=lambda f: f.__name__)
def test_the_others_run_trip_counts_tracing_never_saw(f):
    def trips(x):
        seen: list[int] = []
        f(x, seen)
        return len(seen)
    assert trips(TRACED) not in {trips(x) for x in OTHERS}
    assert len({trips(x) for x in OTHERS}) >= 4


@pytest.mark.parametrize("f", FS, ids=lambda f: f.__name__)
def test_jit_is_eager_in_one_trace(f):
    jf = tg.jit(f)
    for x in [TRACED] + OTHERS:
        assert same(jf(x), f(x)), x
    assert jf.trace_count == 1


@pytest.mark.parametrize("f", FS, ids=lambda f: f.__name__)
def test_jit_grad_is_grad_in_one_trace(f):
    jg, g = tg.jit(tg.grad(f)), tg.grad(f)
    for x in [TRACED] + OTHERS:
        assert same(jg(x), g(x)), x
    assert jg.trace_count == 1
    assert "while True:" in tg.jit(tg.grad(f)).lower(TRACED).source


@pytest.mark.parametrize("f", FS, ids=lambda f: f.__name__)
def test_grad_of_jit_is_grad(f):
    gj, g = tg.grad(tg.jit(f)), tg.grad(f)
    for x in [TRACED] + OTHERS:
        assert same(gj(x), g(x)), x


@pytest.mark.parametrize("f", FS, ids=lambda f: f.__name__)
def test_grad_agrees_with_central_differences(f):
    for x in OTHERS[:3]:
        # the ends move the root by the tolerance at most (a step in the ends' partials):
        # p[2]'s, read after the loop only, is smooth
        np.testing.assert_allclose(tg.grad(f)(x)[2], fd(f, x)[2], rtol=1e-6)


@pytest.mark.parametrize("f", FS, ids=lambda f: f.__name__)
def test_vmap_and_vmap_grad_are_the_loop(f):
    batch = np.stack([TRACED] + OTHERS)
    for h in (f, tg.grad(f)):
        assert same(tg.vmap(h)(batch), np.stack([np.asarray(h(x)) for x in batch]))
    jv = tg.jit(tg.vmap(tg.grad(f)))
    assert same(jv(batch), np.stack([np.asarray(tg.grad(f)(x)) for x in batch]))


# ------------------------------------------------------------ while True, a break, an if
def halve_while_true(p, seen=None):
    a, b = 0.0 * p[1], p[1]
    while True:
        seen is None or seen.append(1)
        c = (a + b) / 2
        y = np.tanh(c - 1.3) * p[0]
        if abs(y) < 1e-4:
            break
        if y > 0:
            b = c
        else:
            a = c
    return c + y


def swap_then_bisect(p, seen=None):       # sdrave/braunschweig09's bisec, the ends swapped
    def f(x):
        return np.tanh(x - 1.3) * p[0]
    a, b = p[1], 0.0 * p[1]
    if f(a) > f(b):
        a, b = b, a
    while True:
        seen is None or seen.append(1)
        c = (a + b) / 2
        y = f(c)
        if abs(y) < 1e-6:
            break
        if y > 0:
            b = c
        else:
            a = c
    return c * y + c


def cube_root_while_true(p, seen=None):   # the exit reads the midpoint only
    lo, hi = p[0] * 0.0, p[0] + 1.0
    while True:
        seen is None or seen.append(1)
        mid = 0.5 * (lo + hi)
        if hi - lo < 1e-9:
            break
        if mid ** 3 > p[0]:
            hi = mid
        else:
            lo = mid
    return mid * p[1]


GS = [halve_while_true, swap_then_bisect, cube_root_while_true]
BREAKS = {halve_while_true: [[0.8, 3.0], [0.85, 3.1], [0.74, 2.99], [2.0, 5.0], [0.3, 2.7],
                             [1.5, 40.0]],
          swap_then_bisect: [[0.8, 3.0], [0.85, 3.1], [0.74, 2.99], [2.0, 5.0], [0.3, 2.7],
                             [1.5, 40.0]],
          cube_root_while_true: [[2.0, 0.5], [9.0, 1.5], [0.5, -2.0], [100.0, 1.0],
                                 [3.0, 0.1], [1e4, 2.0]]}


@pytest.mark.parametrize("f", GS, ids=lambda f: f.__name__)
def test_the_breaks_come_after_trip_counts_tracing_never_saw(f):
    def trips(x):
        seen: list[int] = []
        f(np.array(x), seen)
        return len(seen)
    first, *others = BREAKS[f]
    assert len({trips(x) for x in others} - {trips(first)}) >= 3


@pytest.mark.parametrize("f", GS, ids=lambda f: f.__name__)
def test_jit_and_jit_grad_of_a_while_true_are_eager_in_one_trace(f):
    jf, jg, g = tg.jit(f), tg.jit(tg.grad(f)), tg.grad(f)
    for x in map(np.array, BREAKS[f]):
        assert same(jf(x), f(x)), x
        assert same(jg(x), g(x)), x
    assert jf.trace_count == 1 and jg.trace_count == 1
    x = np.array(BREAKS[f][0])
    for h in (f, g):
        source = tg.jit(h).lower(x).source
        assert "while True:" in source and ": break" in source


@pytest.mark.parametrize("f", GS, ids=lambda f: f.__name__)
def test_grad_of_jit_of_a_while_true_is_grad(f):
    gj, g = tg.grad(tg.jit(f)), tg.grad(f)
    for x in map(np.array, BREAKS[f]):
        assert same(gj(x), g(x)), x


@pytest.mark.parametrize("f", GS, ids=lambda f: f.__name__)
def test_vmap_of_a_while_true_is_the_loop(f):
    batch = np.array(BREAKS[f])
    for h in (f, tg.grad(f)):
        assert same(tg.vmap(h)(batch), np.stack([np.asarray(h(x)) for x in batch]))


# ------------------------------------------------------------ an end that starts as the input
def bisect_from_a(a, seen=None):      # hi starts as a itself, which the test reads too
    lo, hi = 0.0 * a, a
    while hi - lo > 1e-9:
        seen is None or seen.append(1)
        mid = 0.5 * (lo + hi)
        if mid * mid > a:
            hi = mid
        else:
            lo = mid
    return lo


def cube_root_from_a(a, seen=None):
    lo, hi = 0.0 * a, a
    while hi - lo > 1e-9:
        seen is None or seen.append(1)
        mid = 0.5 * (lo + hi)
        if mid ** 3 > a:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def bisect_max(a, seen=None):         # test_loops24's, counted
    lo, hi = 0.0, max(a, 1.0)
    while hi - lo > 1e-6:
        seen is None or seen.append(1)
        mid = 0.5 * (lo + hi)
        if mid * mid > a:
            hi = mid
        else:
            lo = mid
    return lo


HS = [bisect_from_a, cube_root_from_a, bisect_max]
TRACED_A = 100.0
AS = [2.5, 5.0, 6.5, 12.0, 50.0, 1e3, 3e5, 1e8, 1e10, 7.3]


@pytest.mark.parametrize("f", HS, ids=lambda f: f.__name__)
def test_the_inputs_run_trip_counts_tracing_never_saw(f):
    def trips(a):
        seen: list[int] = []
        f(a, seen)
        return len(seen)
    assert len({trips(a) for a in AS} - {trips(TRACED_A)}) >= 5


# bisect_max from 2.5 goes else at once (lo is the Python float 0.0 in no iteration;
# from 100.0, in three): jit runs it in 100.0's program, jit(grad) traces it again
@pytest.mark.parametrize("f, traces", [(bisect_from_a, 1), (cube_root_from_a, 1),
                                       (bisect_max, 2)], ids=lambda f: getattr(f, "__name__", ""))
def test_jit_grad_of_a_loop_whose_first_end_is_the_input_is_one_trace(f, traces):
    jf, jg, g = tg.jit(f), tg.jit(tg.grad(f)), tg.grad(f)
    for a in [TRACED_A] + AS:
        assert same(jf(a), f(a)), a
        assert same(jg(a), g(a)), a
    assert jf.trace_count == 1 and jg.trace_count == traces
    assert "while True:" in tg.jit(g).lower(TRACED_A).source


@pytest.mark.parametrize("f", HS, ids=lambda f: f.__name__)
def test_grad_of_jit_and_vmap_of_a_loop_whose_first_end_is_the_input(f):
    gj, g = tg.grad(tg.jit(f)), tg.grad(f)
    for a in [TRACED_A] + AS:
        assert same(gj(a), g(a)), a
    batch = np.array([TRACED_A] + AS)
    for h in (f, g):
        assert same(tg.vmap(h)(batch), np.stack([np.asarray(h(a)) for a in batch]))


def test_the_derivative_is_the_loops_closed_form():
    # lo and hi start as 0 * a and a, and each step halves their sum: for the outcomes the
    # input takes, every value is a times a number, so d/da of the result is result / a
    for f in HS[:2]:
        for a in AS:
            np.testing.assert_allclose(tg.grad(f)(a), f(a) / a, rtol=1e-13)
