"""A loop left by ``if <test>: P = P_next; break`` rolls: copies of names before the break.

The copies record nothing; where the break leaves the loop, the code after
it reads the value the tape shows (``P_next`` of the last iteration). Each
family below runs at trip counts tracing never saw: jit and jit(grad) equal
eager bit for bit in one trace, grad(jit) equals grad, grad agrees with
central differences, vmap and vmap(grad) equal a Python loop over the
examples. A copy of a value from an earlier iteration, or of anything but a
name, keeps the guards: still eager's numbers.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fd
from program_battery import same

import tapegrad as tg


def riccati(p, seen=None):            # solve_discrete_lqr's loop on a scalar system
    a, b, q, r = 1.1, 0.5, p[0], p[1]
    P = q
    K = q * 0.0
    for _ in range(400):
        seen is None or seen.append(1)
        K = b * P * a / (r + b * P * b)
        P_next = a * P * a - a * P * b * K + q
        if np.abs(P_next - P) < 1e-5 * P:
            P = P_next
            break
        P = P_next
    return K + 0.5 * P


def newton_copies(p, seen=None):       # two copies in one statement, counter first
    x = p[0] + 1.0
    fx = x
    for _ in range(80):
        seen is None or seen.append(1)
        step = (x * x - p[0]) / (2.0 * x)
        x_new = x - step
        f_new = x_new * x_new - p[0]
        if np.abs(step) < 1e-6 * x_new:
            x, fx = x_new, f_new
            break
        x = x_new
    return x * p[1] + fx


def while_true_copy(p, seen=None):     # while True: the copy before the break
    x, best = p[0], p[0]
    while True:
        seen is None or seen.append(1)
        nxt = np.cos(x) * p[1]
        if np.abs(nxt - x) < 1e-6:
            best = nxt
            break
        x = nxt
    return best * 2.0 + x


def branchy_copy(p, seen=None):        # an if/else before the break sets what it copies
    lo, hi = p[0] * 0.0, p[0] + 1.0
    root = lo
    for _ in range(200):
        seen is None or seen.append(1)
        mid = 0.5 * (lo + hi)
        if mid * mid > p[0]:
            hi = mid
        else:
            lo = mid
        if hi - lo < 1e-5 * p[1] * (1.0 + p[0]):
            root = mid
            break
    return root * p[1]


FS = [riccati, newton_copies, while_true_copy]
POINTS = {riccati: [[1.0, 40.0], [2.0, 0.5], [0.3, 3.0], [10.0, 0.5], [0.05, 1.0], [3.0, 8.0]],
          newton_copies: [[2.0, 1.5], [1e6, 0.5], [3e-4, 2.0], [7e12, -1.0], [1.0, 1.0],
                          [50.0, 3.0]],
          while_true_copy: [[0.5, 0.7], [1.0, 0.3], [-2.0, 0.9], [0.1, 0.1], [3.0, 0.8],
                            [0.7, 0.5]],
          branchy_copy: [[2.0, 1.0], [1e4, 1.0], [0.3, 5.0], [7.0, 1e3], [50.0, 0.1],
                         [1.5, 0.1]]}


def trips(f, x):
    seen: list[int] = []
    f(np.asarray(x), seen)
    return len(seen)


def eager_after_a_trace_at_the_first(f, points, with_grad=True):
    """``jit(f)`` (and ``jit(grad(f))``) at each point equal eager, each call made where the
    only trace is the first point's (a point that traced a pattern of its own gets new ones)."""
    made = [(f, f)] + ([(tg.grad(f), tg.grad(f))] if with_grad else [])
    jitted = [None] * len(made)
    for x in points:
        for i, (h, eager) in enumerate(made):
            if jitted[i] is None or jitted[i].trace_count > 1:
                jitted[i] = tg.jit(h)
                jitted[i](points[0])
            assert same(jitted[i](x), eager(x)), x


@pytest.mark.parametrize("f", FS, ids=lambda f: f.__name__)
def test_the_points_run_trip_counts_tracing_never_saw(f):
    first, *others = POINTS[f]
    assert len({trips(f, x) for x in others} - {trips(f, first)}) >= 3


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("f", FS, ids=lambda f: f.__name__)
def test_jit_and_jit_grad_are_eager_in_one_trace(f, dtype):
    jf, jg, g = tg.jit(f), tg.jit(tg.grad(f)), tg.grad(f)
    for x in (np.array(x, dtype) for x in POINTS[f]):
        assert same(jf(x), f(x)), x
        assert same(jg(x), g(x)), x
    assert (jf.trace_count, jg.trace_count) == (1, 1)


@pytest.mark.parametrize("f", FS, ids=lambda f: f.__name__)
def test_the_loop_is_written_as_a_loop(f):
    x = np.array(POINTS[f][0])
    for h in (f, tg.grad(f)):
        assert "while True:" in tg.jit(h).lower(x).source


@pytest.mark.parametrize("f", FS, ids=lambda f: f.__name__)
def test_grad_of_jit_is_grad_and_central_differences(f):
    gj, g = tg.grad(tg.jit(f)), tg.grad(f)
    for x in map(np.array, POINTS[f]):
        assert same(gj(x), g(x)), x
    for x in map(np.array, POINTS[f][:3]):
        # the tolerance moves where the loop stops: a step of its size at most
        np.testing.assert_allclose(g(x), fd(f, x, 1e-6 * np.abs(x).max()), rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("f", FS, ids=lambda f: f.__name__)
def test_vmap_and_vmap_grad_are_the_loop(f):
    batch = np.array(POINTS[f])
    for h in (f, tg.grad(f)):
        assert same(tg.vmap(h)(batch), np.stack([np.asarray(h(x)) for x in batch]))


# ------------------------------------------------------------ copies that keep the guards
# The if/else's copies (hi = mid, lo = mid) are read after it in the body: by the break's
# test here, and so by the code jit writes after the rolled loop, where which iteration's
# mid lo holds depends on the pattern of outcomes. Guards, one trace per pattern.
def copy_of_last_iteration(p):       # `prev` is the value of the iteration before
    x, prev, out = p[0], p[0], p[0]
    for _ in range(100):
        x2 = 0.5 * (x + p[1] / x)
        if np.abs(x2 - x) < 1e-12:
            out = prev
            break
        prev = x
        x = x2
    return out + x


def copy_of_a_constant(p):           # a constant copied: not a copy of a name
    x, s = p[0], 1.0
    for _ in range(100):
        x2 = 0.5 * (x + p[1] / x)
        if np.abs(x2 - x) < 1e-12:
            s = -1.0
            break
        x = x2
    return s * x


@pytest.mark.parametrize("f", [copy_of_last_iteration, copy_of_a_constant, branchy_copy],
                         ids=lambda f: f.__name__)
def test_other_arms_before_a_break_are_still_eagers_numbers(f):
    points = [np.array(x) for x in ([1.0, 2.0], [30.0, 7.0], [0.1, 1e4], [5.0, 5.0],
                                    [2.0, 1e-6], [50.0, 0.1])]
    eager_after_a_trace_at_the_first(f, points)
    batch = np.stack(points)
    assert same(tg.vmap(f)(batch), np.stack([np.asarray(f(x)) for x in batch]))


# ------------------------------------------------------------ the arms' copies read after the if
def for_then_width(p):       # d = hi - lo after the if: read after the loop only
    lo, hi = p[0] * 0.0, p[0] + 1.0
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        if mid * mid > p[0]:
            hi = mid
        else:
            lo = mid
        d = hi - lo
    return mid * p[1] + d


def for_then_low(p):         # e = lo * 2.0: which iteration's mid lo is depends on the pattern
    lo, hi = p[0] * 0.0, p[0] + 1.0
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        e = lo * 2.0
        if mid * mid > p[0]:
            hi = mid
        else:
            lo = mid
    return mid * p[1] + e


@pytest.mark.parametrize("f", [for_then_width, for_then_low, branchy_copy],
                         ids=lambda f: f.__name__)
def test_a_copy_read_after_the_if_is_never_the_traced_patterns(f):
    # jit wrote the value read after the loop as the traced pattern's iteration (lo as
    # the mid of iteration 28 where the trace's last else was): wrong for about half
    # of the inputs of the same trip count
    points = [np.array([p0, 1.0]) for p0 in [2.0, *np.linspace(1.5, 3.0, 16)]]
    eager_after_a_trace_at_the_first(f, points, with_grad=False)


# ------------------------------------------------------------ vmap of a loop with a counter
def newton_bounded(a, maxiter=12, seen=None):      # the traced test first
    x = a
    k = 0
    while abs(x * x - a) > 1e-6 * a and k < maxiter:
        seen is None or seen.append(1)
        x = 0.5 * (x + a / x)
        k += 1
    return x * x + x


def cos_fixed_point(c, maxiter=15):          # the counter first, <=, stepped by 2
    x = c * 0.0 + 1.0
    k = 1
    while k <= 2 * maxiter and abs(np.cos(x) * c - x) > 1e-6:
        x = np.cos(x) * c
        k = k + 2
    return x


def raise_past(a):                           # if k > N: raise in the body
    x = a
    k = 0
    while abs(x * x - a) > 1e-6 * a:
        x = 0.5 * (x + a / x)
        k += 1
        if k > 20:
            raise ValueError("no convergence")
    return x


BATCHES = {newton_bounded: [2.0, 1e6, 3e-4, 7e7, 49.0, 1e15, 0.5, 1e-30, 1.0],
           cos_fixed_point: [0.5, 0.9, 0.1, 0.99, 0.3, 0.7, 0.999, 0.05],
           raise_past: [2.0, 1e6, 3e-4, 7e7, 49.0, 0.5, 1.0]}


def runs_on_the_batch(monkeypatch):
    from tapegrad.batching import rolled
    counted: list[bool] = []
    run = rolled._Run.run

    def spy(self):
        counted.append(self.loop.counter is not None)
        return run(self)
    monkeypatch.setattr(rolled._Run, "run", spy)
    return counted


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("f", list(BATCHES), ids=lambda f: f.__name__)
def test_vmap_of_a_counted_while_runs_on_the_batch_as_the_loop(f, dtype, monkeypatch):
    counted = runs_on_the_batch(monkeypatch)
    xs = np.array(BATCHES[f], dtype)
    for h in (f, tg.grad(f)):
        assert same(tg.vmap(h)(xs), np.stack([np.asarray(h(x)) for x in xs])), h
    assert any(counted)       # a loop with its counter ran on the batch


def test_some_examples_stop_at_the_counter():
    counts = []
    for a in BATCHES[newton_bounded]:
        seen: list[int] = []
        newton_bounded(a, seen=seen)
        counts.append(len(seen))
    assert 12 in counts and min(counts) < 12


def test_vmap_of_a_counter_that_raises_raises_as_eager():
    xs = np.array([2.0, 1e300, 49.0])
    with pytest.raises(ValueError, match="no convergence"):
        raise_past(xs[1])
    with pytest.raises(ValueError, match="no convergence"):
        tg.vmap(raise_past)(xs)


# ------------------------------------------------------------ a break's copy into an arm's name
def settle_copy(p):             # the break copies into lo, which the if/else after it sets too
    lo, hi = 0.0 * p[1], p[1]
    while True:
        mid = (lo + hi) / 2
        y = np.tanh(mid - 1.3) * p[0]
        if abs(y) < 1e-4:
            lo = mid
            break
        if y > 0:
            hi = mid
        else:
            lo = mid
    return lo + hi


def settle_copy_for(p):
    lo, hi = 0.0 * p[1], p[1]
    for _ in range(200):
        mid = (lo + hi) / 2
        y = np.tanh(mid - 1.3) * p[0]
        if abs(y) < 1e-4:
            lo = mid
            break
        if y > 0:
            hi = mid
        else:
            lo = mid
    return lo + hi


@pytest.mark.parametrize("f", [settle_copy, settle_copy_for], ids=lambda f: f.__name__)
def test_a_break_copying_into_an_arms_name_is_eager_and_the_loop(f):
    points = [np.array([a, 3.0 + a]) for a in np.linspace(0.5, 1.5, 12)]
    points += [np.array(x) for x in ([2.0, 5.0], [0.3, 40.0], [1.5, 40.0])]
    eager_after_a_trace_at_the_first(f, points)
    batch = np.stack(points)
    for h in (f, tg.grad(f)):
        assert same(tg.vmap(h)(batch), np.stack([np.asarray(h(x)) for x in batch]))
