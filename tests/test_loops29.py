"""Loops that traced once per trip count, now one trace; and their limits.

- a backtracking line search whose step stays a Python float (``a = 1.0``,
  then ``a = a * 0.5``, ``a *= 0.5``, ``a /= 2``, ``a = BETA * a``, with or
  without an ``it += 1`` counter bounding it): the tape holds one constant
  per iteration made from ``a``; the rolled loop keeps ``a`` as a float,
  steps it as the source does and computes those constants from it;
- a helper's parameter stepped in its ``while`` (``n += 1.0``) that the
  caller passed traced: each guard of the loop's test saw it traced, so it
  is no Python counter.

Each runs at trip counts tracing never saw, bit for bit as eager, in the
traces counted. A spelling jit cannot prove (the step read by a helper or
compared in the test, a constant after the loop that may be a read of the
last step) keeps a trace per trip count, with eager's numbers.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fd
from program_battery import same

import tapegrad as tg

BETA = 0.7
SHRINK = 2


def _f(z):
    return z ** 4 + z ** 2


def halved(x):
    g = 4.0 * x ** 3 + 2.0 * x
    a = 1.0
    while _f(x - a * g) > _f(x) - 0.5 * a * g * g:
        a = a * 0.5
    return x - a * g


def halved_in_place(x):
    g = 4.0 * x ** 3 + 2.0 * x
    a = 1.0
    while _f(x - a * g) > _f(x) - 0.5 * a * g * g:
        a *= 0.5
    return x - a * g


def divided(x):
    g = 4.0 * x ** 3 + 2.0 * x
    a = 1.0
    while _f(x - a * g) > _f(x) - 1e-4 * a * g * g:
        a /= 2
    return x - a * g


def divided_by_a_name(x):
    g = 4.0 * x ** 3 + 2.0 * x
    a = 1.0
    while _f(x - a * g) > _f(x) - 1e-4 * a * g * g:
        a = a / SHRINK
    return x - a * g


def by_beta(x):
    g = 4.0 * x ** 3 + 2.0 * x
    a = 1.0
    while _f(x - a * g) > _f(x) - 0.5 * a * g * g:
        a = BETA * a
    return x - a * g


def with_a_counter(x):
    g = 4.0 * x ** 3 + 2.0 * x
    a = 1.0
    it = 0
    while _f(x - a * g) > _f(x) - 0.5 * a * g * g and it < 50:
        a *= 0.5
        it += 1
    return x - a * g


def armijo_2d(p):
    """Backtracking on Rosenbrock's function from ``p``, one gradient step."""
    f = lambda q: (1.0 - q[0]) ** 2 + 100.0 * (q[1] - q[0] ** 2) ** 2   # noqa: E731
    d = tg.grad(f)(p)
    fp, slope = f(p), np.sum(d * d)
    t = 1.0
    while f(p - t * d) > fp - 1e-4 * t * slope:
        t *= 0.5
    return f(p - t * d)


ROLLED = [halved, halved_in_place, divided, divided_by_a_name, by_beta, with_a_counter]
XS = [0.3 + 0.15 * i for i in range(30)] + [7.5, 12.0, 40.0]


def _trips(fn, x):
    """How many times ``fn``'s loop steps ``a`` at ``x`` (eager)."""
    g = 4.0 * x ** 3 + 2.0 * x
    a, n = 1.0, 0
    while _f(x - a * g) > _f(x) - 0.5 * a * g * g:
        a, n = a * 0.5, n + 1
    return n


@pytest.mark.parametrize("fn", ROLLED, ids=lambda f: f.__name__)
def test_a_python_float_step_rolls_under_jit(fn) -> None:
    jf = tg.jit(fn)
    for x in XS:
        assert same(jf(x), fn(x))
    # the first inputs run one to three trips: too few to show the loop (the first
    # iteration, where a * g is g, differs from the others)
    assert jf.trace_count <= 3


def test_the_inputs_run_many_trip_counts() -> None:
    assert len({_trips(halved, x) for x in XS}) >= 9       # past jit's bound of 8


@pytest.mark.parametrize("fn", ROLLED, ids=lambda f: f.__name__)
def test_a_python_float_step_rolls_from_a_long_trace(fn) -> None:
    jf = tg.jit(fn)
    for x in [4.0] + XS[::-1]:        # the first trace runs many trips: it rolls at once
        assert same(jf(x), fn(x))
    assert jf.trace_count == 1


def test_the_rolled_loop_steps_the_float_itself() -> None:
    src = tg.jit(halved).lower(4.0).source
    assert "while True:" in src and "p0 = p0 * 0.5" in src


def test_armijo_on_an_array_rolls() -> None:
    ps = [np.array([x, y]) for x in (-1.2, 0.5, 1.5, -0.3) for y in (1.0, -0.5, 2.0)]
    jf = tg.jit(armijo_2d)
    for p in ps:
        assert same(jf(p), armijo_2d(p))
    assert jf.trace_count <= 2


@pytest.mark.parametrize("fn", ROLLED + [armijo_2d], ids=lambda f: f.__name__)
def test_grad_of_a_python_float_step_is_eagers(fn) -> None:
    # the numbers are eager's, and those of central differences (that jit(grad) rolls,
    # one trace for any trip count: tests/test_loops30.py)
    xs = [np.array([-1.2, 1.0]), np.array([0.5, -0.5])] if fn is armijo_2d else XS[:8]
    jg = tg.jit(tg.grad(fn))
    for x in xs:
        got = jg(x)
        assert same(got, tg.grad(fn)(x))
        assert np.allclose(got, fd(fn, x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", ROLLED, ids=lambda f: f.__name__)
def test_vmap_of_a_python_float_step_is_the_loops(fn) -> None:
    xs = np.array(XS[:12])
    assert np.array_equal(tg.vmap(fn)(xs), np.array([fn(x) for x in xs]))
    assert np.array_equal(tg.vmap(tg.grad(fn))(xs), np.array([tg.grad(fn)(x) for x in xs]))


def test_grad_of_jit_replays_the_rolled_loop() -> None:
    jf = tg.jit(halved)
    for x in XS[:10]:
        assert same(tg.grad(jf)(x), tg.grad(halved)(x))


# ------------------------------------------------ what jit cannot prove: it retraces
def _step_of(x, a, g):
    return x - a * g


def read_by_a_helper(x):
    g = 4.0 * x ** 3 + 2.0 * x
    a = 1.0
    while _f(_step_of(x, a, g)) > _f(x) - 0.5 * a * g * g:
        a = a * 0.5
    return x - a * g


def compared_in_the_test(x):
    g = 4.0 * x ** 3 + 2.0 * x
    a = 1.0
    while _f(x - a * g) > _f(x) - 0.5 * a * g * g and a > 1e-3:
        a = a * 0.5
    return x - a * g


def read_after_in_another_order(x):
    g = 4.0 * x ** 3 + 2.0 * x
    a = 1.0
    while _f(x - a * g) > _f(x) - 0.5 * a * g * g:
        a = a * 0.5
    return x - g * a + 0.25 * g       # g * a: a constant after the loop, as 0.25 may be


def stepped_in_an_if(x):
    g = 4.0 * x ** 3 + 2.0 * x
    a = 1.0
    while _f(x - a * g) > _f(x) - 0.5 * a * g * g:
        if x > 2.0:
            a = a * 0.5
        else:
            a = a * 0.25
    return x - a * g


def times_a_python_number(x):
    g = 4.0 * x ** 3 + 2.0 * x
    c = 2.0
    a = 1.0
    while _f(x - a * g) > _f(x) - 0.5 * a * g * g:
        a = a * 0.5
    return x - c * a * g              # c * a: one Python number, no read of a alone


def differentiated_after(x):
    g = 4.0 * x ** 3 + 2.0 * x
    a = 1.0
    while _f(x - a * g) > _f(x) - 0.5 * a * g * g:
        a = a * 0.5
    return tg.grad(lambda z: z - a * (4.0 * z ** 3 + 2.0 * z))(x)   # 1 - a * 2.0: folded


@pytest.mark.parametrize("fn", [read_by_a_helper, compared_in_the_test,
                                read_after_in_another_order, stepped_in_an_if,
                                times_a_python_number, differentiated_after],
                         ids=lambda f: f.__name__)
def test_a_step_jit_cannot_prove_keeps_eagers_numbers(fn) -> None:
    jf = tg.jit(fn)
    for x in XS[:14]:
        try:
            got = jf(x)
        except TypeError as e:            # past the bound of 8: a trace per trip count
            assert "specializations" in str(e)
            return
        assert same(got, fn(x))


# ------------------------------------------------ a helper's traced parameter
def _halvings(x, n):
    while x > 1.0:
        x = x / 2.0
        n += 1.0
    return n


def _scaled(x, s):
    while s * x > 1.0:
        x = x * 0.75
        s = s + 0.5
    return x + s


def test_a_traced_parameter_stepped_in_a_helper_rolls() -> None:
    jf = tg.jit(lambda x: _halvings(x, 0.0 * x))
    xs = [3.0, 100.0, 1e6, 0.5, 7.0, 2.0 ** 40, 1.5, 1e12, 33.0, 5e3]
    assert [jf(x) for x in xs] == [_halvings(x, 0.0) for x in xs]
    assert jf.trace_count == 1
    jg = tg.jit(tg.grad(lambda x: _halvings(x, x * x)))   # n's cotangent: constants
    for x in xs[:6]:
        want = tg.grad(lambda x: _halvings(x, x * x))(x)
        assert same(jg(x), want) and want == 2.0 * x


def test_a_traced_parameter_read_by_the_test_rolls() -> None:
    f = lambda x: _scaled(x, x * 0.5 + 0.25)            # noqa: E731
    jf = tg.jit(f)
    xs = [1.5, 3.0, 10.0, 40.0, 0.2, 2.5, 7.0, 100.0, 0.9, 55.0]
    for x in xs:
        assert same(jf(x), f(x))
    assert jf.trace_count <= 2
    jg = tg.jit(tg.grad(f))
    for x in xs:
        assert same(jg(x), tg.grad(f)(x))
        assert np.isclose(jg(x), fd(f, x), rtol=1e-5)


def test_a_python_number_passed_to_the_helper_keeps_a_trace_per_count() -> None:
    def python_n(x, n):
        while x > 1.0:
            x = x / 2.0
            n += 1.0
        return n
    jf = tg.jit(lambda x: python_n(x, 0.0))
    xs = [3.0, 100.0, 1e6, 0.5]
    assert [jf(x) for x in xs] == [python_n(x, 0.0) for x in xs]
    assert jf.trace_count == 4
