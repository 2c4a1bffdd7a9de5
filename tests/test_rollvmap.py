"""vmap of plain Python loops whose trip counts and branches differ per example.

Every program here is a Python loop on a traced value: ``break`` in a
``for`` and in a ``while``, ``if``/``else`` and ``if`` without ``else``
inside a ``while`` and a ``for``, a ``while`` nested in a ``for``,
``continue``, ``return`` from inside a loop. Under ``vmap`` and
``vmap(grad)`` (and ``jit(vmap(f))``, ``grad`` of ``sum(vmap(f))``) the
result must equal a Python loop over the examples, bit for bit (the same
NumPy operations on each example), however many trip counts and branch
patterns the batch holds.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tapegrad as tg


def for_break(x, a=0.9, t=0.5):
    y = x
    for _ in range(60):
        y = y * a + 0.01
        if y < t:
            break
    return y


def while_break(x, a=0.8, t=0.3):
    y = x
    while y > 0.01:
        y = y * a
        if y < t:
            break
        y = y - 0.05
    return y


def while_if_else(x, a=3.0, t=10.0):
    y = x
    while y > 1.0:
        if y > t:
            y = y / a
        else:
            y = y - 0.7
    return y


def while_if(x, a=0.5, t=5.0):
    y = x
    while y > 1.0:
        y = y * 0.9
        if y > t:
            y = y * a
    return y


def for_if_else(x, a=0.5, t=1.0):
    s = 0.0 * x
    for i in range(20):
        if x * i > t:
            s = s + tg.sin(x * i)
        else:
            s = s - a * x * x
    return s


def for_if(x, a=0.7, t=2.0):
    y = x
    for _ in range(30):
        if y > t:
            y = y * a
        y = y + 0.1
    return y


def while_in_for(x, a=0.5, t=1.0):
    s = 0.0 * x
    y = x
    for _ in range(3):
        while y > t:
            y = y * a
        s = s + y
        y = y * 7.0
    return s


def for_continue(x, a=0.5, t=3.0):
    y = x
    for _ in range(25):
        y = y + 0.3
        if y < t:
            continue
        y = y * a
    return y


def return_in_loop(x, a=0.8, t=0.6):
    y = x
    for _ in range(60):
        y = y * a
        if y < t:
            return y * y
    return -y


def newton(x, a=1e-3, t=0.0):
    y = x + 1.0
    while abs(y * y - x) > a * x + t:
        y = 0.5 * (y + x / y)
    return y


PROGRAMS = {f.__name__: f for f in [for_break, while_break, while_if_else, while_if,
                                    for_if_else, for_if, while_in_for, for_continue,
                                    return_in_loop, newton]}
RANGES = {"for_break": (0.05, 300.0), "while_break": (0.0, 50.0),
          "while_if_else": (0.5, 300.0), "while_if": (0.5, 300.0),
          "for_if_else": (0.01, 3.0), "for_if": (0.1, 100.0), "while_in_for": (0.5, 200.0),
          "for_continue": (-5.0, 5.0), "return_in_loop": (0.3, 300.0), "newton": (0.5, 1e4)}


def _loop(f, xs):
    """The Python loop over the examples, stacked."""
    return np.stack([np.asarray(f(x)) for x in xs])


def _same(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def _inputs(name, n, dtype):
    lo, hi = RANGES[name]
    return np.linspace(lo, hi, n).astype(dtype)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_vmap_of_a_loop_equals_a_python_loop(name, dtype):
    f = PROGRAMS[name]
    xs = _inputs(name, 300, dtype)
    _same(tg.vmap(f)(xs), _loop(f, xs))
    _same(tg.vmap(tg.grad(f))(xs), _loop(tg.grad(f), xs))


@pytest.mark.parametrize("name", ["for_break", "while_if_else", "return_in_loop",
                                  "for_continue", "while_in_for"])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_vmap_of_a_loop_on_integer_data_equals_a_python_loop(name, dtype):
    f = PROGRAMS[name]
    xs = np.arange(0, 250).astype(dtype)        # trip counts from 0 up
    _same(tg.vmap(f)(xs), _loop(f, xs))


@pytest.mark.parametrize("name", ["for_break", "while_if_else", "return_in_loop",
                                  "while_in_for", "for_continue"])
def test_compositions_with_vmap_of_a_loop_equal_a_python_loop(name):
    f = PROGRAMS[name]
    xs = _inputs(name, 60, np.float64)
    want, dwant = _loop(f, xs), _loop(tg.grad(f), xs)
    _same(tg.jit(tg.vmap(f))(xs), want)
    _same(tg.jit(tg.vmap(tg.grad(f)))(xs), dwant)
    _same(tg.grad(lambda v: tg.sum(tg.vmap(f)(v)))(xs), dwant)


def _trips(x):
    """The trip count of ``for_break`` at ``x``, counted in Python."""
    y, k = x, 0
    while k < 60:
        k += 1
        y = y * 0.9 + 0.01
        if y < 0.5:
            break
    return k


def test_vmap_of_a_loop_over_a_thousand_inputs_with_trip_counts_0_to_60():
    xs = np.concatenate([np.linspace(0.05, 0.5, 30), np.exp(np.linspace(-0.6, 6.0, 970))])
    trips = [_trips(x) for x in xs]
    assert min(trips) == 1 and max(trips) == 60 and len(set(trips)) > 50
    for f in [for_break, while_if_else, return_in_loop]:
        _same(tg.vmap(f)(xs), _loop(f, xs))
        _same(tg.vmap(tg.grad(f))(xs), _loop(tg.grad(f), xs))


def test_a_while_whose_trip_count_is_zero_for_some_examples():
    xs = np.linspace(-3.0, 300.0, 200)         # while_if_else: y <= 1 runs no iteration
    assert (xs <= 1.0).any()
    _same(tg.vmap(while_if_else)(xs), _loop(while_if_else, xs))
    _same(tg.vmap(tg.grad(while_if_else))(xs), _loop(tg.grad(while_if_else), xs))


def test_vmap_of_a_loop_called_again_with_other_examples():
    v, g = tg.vmap(for_break), tg.vmap(tg.grad(for_break))
    for lo, hi in [(0.05, 300.0), (200.0, 900.0), (0.01, 2.0)]:
        xs = np.linspace(lo, hi, 97)
        _same(v(xs), _loop(for_break, xs))
        _same(g(xs), _loop(tg.grad(for_break), xs))


def test_shared_arguments_reach_the_loop():
    xs = np.linspace(0.05, 300.0, 150)
    for a in [0.5, 0.9]:
        got = tg.vmap(for_break, in_axes=(0, None))(xs, a)
        _same(got, np.stack([for_break(x, a) for x in xs]))
        got = tg.vmap(tg.grad(for_break, argnums=(0, 1)), in_axes=(0, None))(xs, a)
        want = [tg.grad(for_break, argnums=(0, 1))(x, a) for x in xs]
        _same(got[0], np.stack([w[0] for w in want]))
        _same(got[1], np.stack([w[1] for w in want]))


def test_gradient_of_a_break_loop_against_its_closed_form():
    # for_break at x: y_k = a^k x + 0.01 (1 - a^k) / (1 - a); dy/dx = a^k at its trip count k
    xs = np.linspace(0.6, 40.0, 50)
    trips = [_trips(x) for x in xs]
    np.testing.assert_allclose(tg.vmap(tg.grad(for_break))(xs), 0.9 ** np.array(trips),
                               rtol=1e-12)


def test_branches_outside_loops_keep_the_bound_of_8_patterns():
    def nine_ways(x):
        y = x
        if tg.sin(x) > 0.0:
            y = y * 2.0
        if tg.cos(3.0 * x) > 0.0:
            y = y * 3.0
        if tg.sin(7.0 * x) > 0.0:
            y = y + 1.0
        if x > 5.0:
            y = y - 1.0
        if tg.cos(11.0 * x) > 0.0:
            y = -y
        return y
    xs = np.linspace(0.0, 10.0, 200)
    with pytest.raises(TypeError, match="more than 8 specializations.*tg.where"):
        tg.vmap(nine_ways)(xs)


@st.composite
def _cases(draw):
    name = draw(st.sampled_from(sorted(PROGRAMS)))
    a = draw(st.sampled_from([0.3, 0.5, 0.7, 0.9]) if name not in ("while_if_else", "newton")
             else st.sampled_from([2.0, 3.0, 5.0] if name == "while_if_else" else [1e-3, 1e-6]))
    t = draw(st.floats(0.2, 8.0) if name != "newton" else st.just(0.0))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    lo, hi = RANGES[name]
    n = draw(st.integers(1, 50))
    xs = draw(st.lists(st.floats(lo, hi), min_size=n, max_size=n))
    return name, a, t, np.array(xs, dtype=dtype)


@settings(max_examples=60, deadline=None)
@given(_cases())
def test_hypothesis_loops_under_vmap_and_vmap_grad_equal_a_python_loop(case):
    name, a, t, xs = case
    f = PROGRAMS[name]
    _same(tg.vmap(f, in_axes=(0, None, None))(xs, a, t),
          np.stack([np.asarray(f(x, a, t)) for x in xs]))
    g = tg.grad(f)
    _same(tg.vmap(g, in_axes=(0, None, None))(xs, a, t),
          np.stack([np.asarray(g(x, a, t)) for x in xs]))


def bisect_if(a):
    lo, hi = 0.0 * a, a + 1.0
    while hi - lo > 1e-5 * (1.0 + a):          # float32 gets there too
        mid = 0.5 * (lo + hi)
        if mid * mid * mid < a:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi), 1.0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_pattern_per_example_equals_a_python_loop(dtype):
    # bisection with if/else: each input its own sequence of outcomes (about 1,000 patterns)
    xs = np.exp(np.linspace(-4.0, 20.0, 1000)).astype(dtype)
    got, one = tg.vmap(bisect_if, out_axes=(0, None))(xs)
    _same(got, np.stack([bisect_if(x)[0] for x in xs]))
    assert one == 1.0
    assert (np.abs(got - np.cbrt(xs)) <= 1e-5 * (1.0 + xs)).all()
    g = tg.grad(lambda a: bisect_if(a)[0])
    _same(tg.vmap(g)(xs), _loop(g, xs))


def test_a_loop_returning_another_structure_for_some_examples_is_named():
    def bad(x):
        y = x
        for _ in range(40):
            y = y * 0.9
            if y < 0.5:
                return y, y
        return y
    with pytest.raises(TypeError, match="pytree of structure.*same structure both ways"):
        tg.vmap(bad)(np.linspace(0.1, 300.0, 300))


def test_compositions_with_a_pattern_per_example_equal_a_python_loop():
    def f(a):
        return bisect_if(a)[0]
    xs = np.exp(np.linspace(-4.0, 20.0, 400))
    want, dwant = _loop(f, xs), _loop(tg.grad(f), xs)
    _same(tg.jit(tg.vmap(f))(xs), want)
    _same(tg.jit(tg.vmap(tg.grad(f)))(xs), dwant)
    _same(tg.grad(lambda v: tg.sum(tg.vmap(f)(v)))(xs), dwant)
    _same(tg.vmap(tg.vmap(f))(xs.reshape(20, 20)), want.reshape(20, 20))
