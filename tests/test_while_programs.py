"""Data-dependent Python ``while`` loops as a numerics user writes them.

Each program runs on inputs whose trip counts differ, under ``jit``,
``jit(grad)`` (both against eager, bit for bit, with the result's type),
``vmap`` and ``vmap(grad)`` (against a Python loop of eager calls, bit for
bit). A loop that rolls takes one trace for every trip count; a few take
one or two more, for the shortest trip counts seen first (too short to show
the loop), and none comes near the bound of 8 specializations.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

import tapegrad as tg

A3 = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 1.0]])
H3 = np.array([2.0, 1.0, 0.5])


def euler_adaptive(k):
    """Explicit Euler for y' = -k y, its step h doubled at most, shrunk to keep k h small."""
    t, y, h = 0.0, 1.0, 0.05
    while t < 1.0:
        y = y + h * (-k * y)
        t = t + h
        h = h * np.minimum(2.0, 0.2 / (k * h + 1e-9))
    return y


def heun_adaptive(k):
    """Heun's method with an error estimate controlling the step (np.clip)."""
    t, y, h = 0.0, 1.0, 0.1
    while t < 1.0:
        k1 = -k * y
        k2 = -k * (y + h * k1)
        err = np.abs(0.5 * h * (k2 - k1))
        y = y + 0.5 * h * (k1 + k2)
        t = t + h
        h = h * np.clip(0.9 * np.sqrt(1e-4 / (err + 1e-14)), 0.3, 2.0)
    return y


def step_controlled(k):
    """The step follows a clipped ratio of itself; k is an array of one."""
    t, y, h = 0.0, 1.0, 0.1
    while t < 2.0:
        t = t + h
        y = y - h * k[0] * y
        h = h * np.minimum(0.5 / (h * k[0] + 1e-12), 2.0)
    return y


def regula_falsi(c):
    """The root of z^2 - c in [0, c + 1]: the bracket's ends copied in the arms."""
    a, b = c * 0.0, c + 1.0
    fa, fb = a * a - c, b * b - c
    m = (a * fb - b * fa) / (fb - fa)
    fm = m * m - c
    while np.abs(fm) > 1e-9 * c:
        if fm > 0.0:
            b, fb = m, fm
        else:
            a, fa = m, fm
        m = (a * fb - b * fa) / (fb - fa)
        fm = m * m - c
    return m


def golden(c):
    """Golden-section search for the minimum of (z - c)^2 + 0.1 z^4 on [-5, 5]."""
    g = 0.6180339887498949
    a, b = c * 0.0 - 5.0, c * 0.0 + 5.0
    while b - a > 1e-5:
        x1 = b - g * (b - a)
        x2 = a + g * (b - a)
        if (x1 - c) ** 2 + 0.1 * x1 ** 4 < (x2 - c) ** 2 + 0.1 * x2 ** 4:
            b = x2
        else:
            a = x1
    return 0.5 * (a + b)


def fixed_point(c):
    """x = cos(c x), iterated until two iterates agree to 1e-12."""
    x = c * 0.0 + 0.5
    x_new = np.cos(c * x)
    while np.abs(x_new - x) > 1e-12:
        x = x_new
        x_new = np.cos(c * x)
    return x_new


def shrink(a):
    """A float Collatz: halve while large, else a contraction, until under 1."""
    y = a
    while y > 1.0:
        if y > 4.0:
            y = 0.5 * y
        else:
            y = 0.8 * y - 0.1
    return y


def halley(c):
    """The cube root of c by Halley's method."""
    x = c * 0.5 + 1.0
    fx = x ** 3 - c
    while np.abs(fx) > 1e-12 * c:
        x = x - 2.0 * fx * 3.0 * x * x / (2.0 * (3.0 * x * x) ** 2 - fx * 6.0 * x)
        fx = x ** 3 - c
    return x


def bisection(c):
    """The root of z^3 + z - c by bisection on the sign of f(mid)."""
    lo, hi = c * 0.0 - 10.0, c * 0.0 + 10.0
    while hi - lo > 1e-9:
        mid = 0.5 * (lo + hi)
        if mid ** 3 + mid - c > 0.0:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def newton_break(c):
    """Newton's square root in a ``while True`` left by ``break``."""
    x = c + 1.0
    while True:
        dx = (x * x - c) / (2.0 * x)
        x = x - dx
        if np.abs(dx) < 1e-12 * x:
            break
    return x


def halving(a):
    """Halve until under 1 (a loop linear in its carry), then a square root (np.float64)."""
    y = a
    while y >= 1.0:
        y = y * 0.5
    return np.sqrt(y)


def newton_log(c):
    """Solve exp(z) = c by Newton's method."""
    z = c * 0.0
    step = z + 1.0
    while np.abs(step) > 1e-13:
        step = (np.exp(z) - c) / np.exp(z)
        z = z - step
    return z


def heron(c):
    """Heron's square root until the relative change is small."""
    x = c
    x_new = 0.5 * (x + c / x)
    while np.abs(x_new - x) > 1e-14 * x_new:
        x = x_new
        x_new = 0.5 * (x + c / x)
    return x_new


def logistic(r):
    """The logistic map iterated until it settles."""
    x = r * 0.0 + 0.3
    d = r * 0.0 + 1.0
    while d > 1e-9:
        x_new = r * x * (1.0 - x)
        d = np.abs(x_new - x)
        x = x_new
    return x


def damped_newton(c):
    """Newton's cube root with the step clipped to 1 (np.sign, np.minimum)."""
    x = c * 0.0 + 3.0
    r = x * x * x - c
    while np.abs(r) > 1e-10:
        step = r / (3.0 * x * x)
        x = x - np.sign(step) * np.minimum(np.abs(step), 1.0)
        r = x * x * x - c
    return x


def power_iteration(v):
    """The dominant eigenvalue of a 3x3 matrix: a (3,) carry, a residual test."""
    x = v / np.sqrt(np.sum(v * v))
    lam = np.sum(x * (A3 @ x))
    y = A3 @ x
    while np.sqrt(np.sum((y - lam * x) ** 2)) > 1e-8:
        x = y / np.sqrt(np.sum(y * y))
        y = A3 @ x
        lam = np.sum(x * y)
    return lam + x[0]


def gradient_descent(w):
    """Gradient descent on a quadratic until the gradient's norm is small."""
    g = H3 * (w - 1.0)
    while np.sqrt(np.sum(g * g)) > 1e-6:
        w = w - 0.4 * g
        g = H3 * (w - 1.0)
    return np.sum(w * w)


def decay(v):
    """A (3,) carry contracted until its largest entry is small (np.max: an axis tuple)."""
    x = v
    while np.max(np.abs(x)) > 0.01:
        x = 0.7 * x + 0.01 * np.sin(x)
    return np.sum(x)


def jacobi_like(v):
    """A fixed point x = cos(x) / 2 + v / 10 of a (3,) carry, to an L1 tolerance."""
    x = v
    d = np.sum(np.abs(v)) + 1.0
    while d > 1e-10:
        x_new = 0.5 * np.cos(x) + 0.1 * v
        d = np.sum(np.abs(x_new - x))
        x = x_new
    return np.sum(x * x)


def shrink_branchy(a):
    """Divide while large, then subtract (the benchmark's if/else in a while)."""
    y = a
    while y > 1.0:
        if y > 10.0:
            y = y / 3.0
        else:
            y = y - 0.7
    return y


def regula_falsi_break(c):
    a, b = c * 0.0, c + 1.0
    fa, fb = a * a - c, b * b - c
    m = b
    while b - a > 1e-6 * (1.0 + c):
        m = (a * fb - b * fa) / (fb - fa)
        fm = m * m - c
        if fm > 0.0:
            b, fb = m, fm
        else:
            a, fa = m, fm
        if np.abs(fm) < 1e-12:
            break
    return m


def newton_two_exits(c):
    """Newton's sqrt while the step is large, left by a break once x * x is close to c.

    Small c leave by the break, large c by the test: each exit is one trace.
    """
    x = c + 1.0
    step = x
    while np.abs(step) > 1e-4 * (1.0 + c):
        step = (x * x - c) / (2.0 * x)
        x = x - step
        if np.abs(x * x - c) < 1e-12 * c:
            break
    return x


def fmax_decay(a):
    """Shrink by 0.9, never under 0.3 (np.fmax of an np.float64 was a 0-d array under jit)."""
    y = a
    while y > 1.0:
        y = np.fmax(y * 0.9, 0.3)
    return y


def clipped_decay(a):
    """np.maximum in the body; inputs under 1.0 run zero trips (a float, not np.float64)."""
    y = a
    while y > 1.0:
        y = np.maximum(y * 0.9, 0.3)
    return y


def floats(lo: float, step: float, n: int = 12) -> list[float]:
    return [lo + step * i for i in range(n)]


# name: (function, inputs, traces under jit, traces under jit(grad)). More than
# one: the first inputs run one to four trips, too few to show the loop.
PROGRAMS: dict[str, tuple[Any, list[Any], int, int]] = {
    "euler_adaptive": (euler_adaptive, floats(0.5, 0.7), 1, 2),
    "heun_adaptive": (heun_adaptive, floats(0.5, 1.3), 1, 1),
    "step_controlled": (step_controlled, [np.array([x]) for x in floats(0.3, 0.4)], 1, 1),
    "regula_falsi": (regula_falsi, floats(0.5, 2.0), 1, 1),
    "golden": (golden, floats(-3.0, 0.55), 1, 1),
    "fixed_point": (fixed_point, floats(0.1, 0.07), 1, 1),
    "shrink": (shrink, [1.5 * 1.9 ** i for i in range(12)], 3, 4),
    "halley": (halley, [0.5 * 3.0 ** i for i in range(12)], 1, 1),
    "bisection": (bisection, floats(-5.0, 0.9), 1, 1),
    "newton_break": (newton_break, [0.5 * 4.0 ** i for i in range(12)], 1, 1),
    "halving": (halving, [1.3 * 2.1 ** i for i in range(12)], 2, 5),
    "newton_log": (newton_log, floats(0.5, 2.5), 1, 1),
    "heron": (heron, [0.5 * 5.0 ** i for i in range(12)], 1, 1),
    "logistic": (logistic, floats(0.5, 0.2), 1, 1),
    # np.sign and np.minimum of floats are np.float64: x is a float before the first trip
    # only, so the loop shows from the third
    "damped_newton": (damped_newton, floats(0.3, 7.0), 1, 3),
    "power_iteration": (power_iteration, [np.array([1.0, 0.1 * i - 0.5, 0.3 + 0.2 * i])
                                          for i in range(12)], 1, 5),
    "gradient_descent": (gradient_descent, [np.array([2.0 + i, -1.0 + 0.5 * i, 3.0 ** (i / 3)])
                                            for i in range(12)], 1, 1),
    "decay": (decay, [np.array([0.5 * 1.5 ** i, -0.3, 0.1 * i]) for i in range(12)], 1, 1),
    "jacobi_like": (jacobi_like, [np.array([0.1 * i, 1.0 - 0.2 * i, 0.5]) for i in range(12)],
                    1, 1),
    # a while with a test and a break: the loop that ended by either exit rolls
    "regula_falsi_break": (regula_falsi_break, floats(0.5, 2.0), 1, 1),
    "newton_two_exits": (newton_two_exits, [0.5 * 3.0 ** i for i in range(14)], 2, 2),
    "fmax_decay": (fmax_decay, [500.0, 200.0, 30.0, 0.5, 1.0, 70.0, 0.2, 1e4], 2, 2),
    "clipped_decay": (clipped_decay, [500.0, 0.5, 200.0, 1.0, 30.0, 70.0, -3.0, 1e4], 2, 2),
    "shrink_branchy": (shrink_branchy, [float(a) for a in np.exp(np.linspace(-4.0, 30.0, 40))],
                       5, 5),
}


def same(a: Any, b: Any) -> bool:
    """Equal bits, dtype, shape and type."""
    if type(a) is not type(b):
        return False
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_jit_rolls_the_while_loop_and_equals_eager(name: str) -> None:
    f, xs, traces, _ = PROGRAMS[name]
    jf = tg.jit(f)
    for x in xs:
        assert same(jf(x), f(x)), x
    assert jf.trace_count <= traces


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_jit_grad_rolls_the_while_loop_and_equals_eager(name: str) -> None:
    f, xs, _, traces = PROGRAMS[name]
    g, jg = tg.grad(f), tg.jit(tg.grad(f))
    for x in xs:
        assert same(jg(x), g(x)), x
    assert jg.trace_count <= traces


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_vmap_and_vmap_grad_equal_a_python_loop(name: str) -> None:
    f, xs, _, _ = PROGRAMS[name]
    batch = np.stack([np.asarray(x) for x in xs])
    for h in (f, tg.grad(f)):
        got = tg.vmap(h)(batch)
        want = np.stack([np.asarray(h(x)) for x in xs])
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()


@pytest.mark.parametrize("f, closed_form, xs", [
    (heron, lambda c: 0.5 / np.sqrt(c), [0.5, 7.0, 1e4]),
    (halley, lambda c: c ** (-2.0 / 3.0) / 3.0, [0.5, 7.0, 1e4]),
    (newton_log, lambda c: 1.0 / c, [0.5, 7.0, 30.0]),
    (fixed_point, lambda c: (lambda x: -x * np.sin(c * x) / (1.0 + c * np.sin(c * x)))(
        fixed_point(c)), [0.1, 0.5, 0.8]),
])
def test_the_rolled_gradient_is_the_derivative_of_the_solution(f, closed_form, xs) -> None:
    jg = tg.jit(tg.grad(f))
    for c in xs:
        np.testing.assert_allclose(jg(c), closed_form(c), rtol=1e-6)
    assert jg.trace_count == 1


def secant(c):
    x0, x1 = c * 0.0 + 1.0, c * 0.5 + 1.0
    f0, f1 = x0 ** 3 - c, x1 ** 3 - c
    while np.abs(f1) > 1e-10 * (1.0 + c):
        x0, x1 = x1, x1 - f1 * (x1 - x0) / (f1 - f0)
        f0, f1 = f1, x1 ** 3 - c
    return x1


def backtracking(x):
    f = lambda z: z ** 4 + z ** 2                 # noqa: E731
    g = 4.0 * x ** 3 + 2.0 * x
    a = 1.0
    while f(x - a * g) > f(x) - 0.5 * a * g * g:
        a = a * 0.5
    return x - a * g


def tribonacci(c):
    """Sums of the last three until past ``c``; after the loop, values one and two back."""
    a, b, d = c * 0.0 + 0.25, c * 0.0 + 0.5, c * 0.0 + 1.0
    while d < c:
        a, b, d = b, d, a + b * 0.5 + d
    return a + b / d


def damped_three(c):
    """Heron's step for sqrt(c) plus a quarter of the difference of the iterates two
    and three back (damped: it goes to zero as they converge)."""
    x0, x1, x2 = c * 0.0 + 1.0, c * 0.0 + 1.5, c * 0.0 + 2.0
    while np.abs(x2 - x1) > 1e-12 * (1.0 + c):
        x0, x1, x2 = x1, x2, 0.5 * (x2 + c / x2) + 0.25 * (x0 - x1)
    return x2


def secant_trips(c):
    """How many iterations ``secant`` runs."""
    x0, x1 = c * 0.0 + 1.0, c * 0.5 + 1.0
    f0, f1 = x0 ** 3 - c, x1 ** 3 - c
    n = 0
    while np.abs(f1) > 1e-10 * (1.0 + c):
        x0, x1 = x1, x1 - f1 * (x1 - x0) / (f1 - f0)
        f0, f1 = f1, x1 ** 3 - c
        n += 1
    return n


def leapfrog(x):
    """``b`` steps from its value two iterations back; its gradient's loop reads two back too,
    and the code after that loop reads the value before its last."""
    a, b = x * 2.0, x * 3.0
    while b < 50.0:
        a, b = b, a * 1.5 + 0.5
    return b * a


def fibonacci(x):
    a, b = x * 0.0 + 1.0, x + 1.0
    while b < 1e3:
        a, b = b, a + b
    return b + a


def lagged_sum(x):
    """Four back; the passes merge ``v[-4] * 0.3`` into the ``v[-3] * 0.3`` of the iteration
    before, and after the loop all four values are read (from its end)."""
    v = [x * a + b for a, b in ((0.0, 1.5), (2.0, 1.5), (0.5, 1.0), (1.0, 1.5))]
    while v[-1] < 100.0:
        new = v[-1] * 1.5 + 0.1
        new = v[-2] * 0.5 + new
        new = v[-3] * 0.3 + new
        new = v[-4] * 0.3 + new
        v = v[1:] + [new]
    return ((v[1] * 0.5 + v[0]) * 0.5 + v[3]) * 0.5 + v[2]


SHIFTED = {"lagged_sum": (lagged_sum, [0.2 * 1.7 ** i for i in (3, 4, 0, 1, 6, 2, 5, 7)], 1, 3),
           "secant": (secant, [0.5 + 3.0 * i ** 2 for i in range(12)], 1, 1),
           "tribonacci": (tribonacci, [5.0 * 3.0 ** i for i in range(12)], 1, 1),
           "damped_three": (damped_three, [0.5 * 3.0 ** i for i in range(12)], 1, 2),
           "leapfrog": (leapfrog, [0.05 * 1.6 ** i for i in range(12)], 1, 1),
           "fibonacci": (fibonacci, [0.01 * 2.2 ** i for i in range(12)], 1, 1)}
PROGRAMS.update(SHIFTED)     # each iteration reads values two or three iterations back


def test_the_secant_method_rolls() -> None:
    cs = [0.5 + 3.0 * i ** 2 for i in range(12)] + [2e3, 1e-3, 7e4]
    assert len({secant_trips(c) for c in cs}) >= 8          # trip counts never traced
    jf = tg.jit(secant)
    for c in cs:
        assert same(jf(c), secant(c)), c
    assert jf.trace_count == 1
    assert "while True:" in jf.lower(0.5).source


@pytest.mark.parametrize("name", sorted(SHIFTED))
def test_a_loop_reading_further_back_keeps_a_shift_register(name: str) -> None:
    f, xs, _, _ = SHIFTED[name]
    source = tg.jit(f).lower(xs[0]).source
    body = source.split("while True:")[1].split(" += 1")[0]
    assert "_guard_failed" not in body     # any trip count, the loop's test its one exit
    assert re.search(r"b\d+_\d+_1 = ", body)     # a register two back, shifted each iteration


def lagged(x, n=40):
    """A ``for`` loop whose iterations read one, two and three iterations back."""
    a, b, c = x * 0.0 + 1.0, x * 0.5, x + 0.25
    for _ in range(n):
        a, b, c = b, c, 0.5 * c + 0.3 * b * x - 0.2 * a
    return c + a


def test_a_for_loop_reading_three_back_is_one_loop() -> None:
    jf, jg = tg.jit(lagged), tg.jit(tg.grad(lagged))
    xs = floats(-0.5, 0.1, 8)
    for x in xs:
        assert same(jf(x), lagged(x)) and same(jg(x), tg.grad(lagged)(x)), x
    assert jf.trace_count == 1 and jg.trace_count == 1
    source = jf.lower(0.3).source
    assert "for i0 in range(" in source and "for i1" not in source    # not cut in pieces
    for h in (lagged, tg.grad(lagged)):
        got = tg.vmap(h)(np.array(xs))
        assert same(got, np.stack([np.asarray(h(x)) for x in xs]))


def test_a_value_read_back_after_the_loop_counts_from_its_end() -> None:
    # traced at four trips, `a` after the loop is the `d` of iteration 1 = 4 - 3: its end
    jf = tg.jit(tribonacci)
    assert same(jf(5.0), tribonacci(5.0))
    for c in (15.0, 45.0, 1e3, 1e6, 6.0):
        assert same(jf(c), tribonacci(c)), c
    assert jf.trace_count == 1


def test_backtracking_with_a_python_float_step_rolls() -> None:
    # the step `a = 1.0` halved stays a Python float, a constant on the tape per
    # iteration: the rolled loop keeps it as a float and steps it as the source does
    jf = tg.jit(backtracking)
    for x in floats(0.3, 0.4, 30):
        assert same(jf(x), backtracking(x))
    assert jf.trace_count <= 2           # 0.3 runs two trips: too few to show the loop


def test_backtracking_with_a_traced_step_rolls() -> None:
    def traced_step(x):
        f = lambda z: z ** 4 + z ** 2             # noqa: E731
        g = 4.0 * x ** 3 + 2.0 * x
        a = x * 0.0 + 1.0
        while f(x - a * g) > f(x) - 0.5 * a * g * g:
            a = a * 0.5
        return x - a * g
    jf, jg = tg.jit(traced_step), tg.jit(tg.grad(traced_step))
    for x in floats(0.3, 0.4, 30):
        assert same(jf(x), traced_step(x))
        assert same(jg(x), tg.grad(traced_step)(x))
    assert jf.trace_count <= 2 and jg.trace_count <= 4     # one to three trips: traced apart


def constant_in_body(x0):
    w = x0
    x = 0.3
    while w < 2.0:
        w = w + 0.3 + 0.1 * tg.sin(x0)
        x = 0.37              # 0.3 after the loop where it never ran
    return w + x


def test_a_constant_set_in_the_body_and_read_after_is_right_for_zero_trips() -> None:
    # vmap ran every example through the traced pattern: 3.47 for 3.1 (loop fuzzer seed 11928)
    xs = np.array([0.15, -2.19, 3.1, 2.33, 1.27])
    want = np.array([constant_in_body(x) for x in xs])
    assert tg.vmap(constant_in_body)(xs).tobytes() == want.tobytes()
    jf = tg.jit(constant_in_body)
    assert all(same(jf(x), constant_in_body(x)) for x in xs)


def capped_by_a_counter(c):
    """A while whose test reads a Python counter (not on the tape) and a traced break."""
    x, k = c, 0
    while k < 5:
        x = x * 0.5 + 1.0
        k += 1
        if x < 2.0 + 1e-3 * c:
            break
    return x


def test_a_break_beside_a_test_the_tape_does_not_show_rolls_no_further_than_eager() -> None:
    xs = [2.0 ** i for i in range(12)]               # 1 to 5 trips: break, or the cap
    for h in (capped_by_a_counter, tg.grad(capped_by_a_counter)):
        jh = tg.jit(h)
        for x in xs:
            assert same(jh(x), h(x)), x
        got = tg.vmap(h)(np.array(xs))
        assert got.tobytes() == np.array([h(x) for x in xs]).tobytes()


def where_mixed(a, steps):
    """Grow by a float64 step or by a factor: a float and an np.float64 branch of np.where."""
    s = a
    while s < 10.0:
        s = np.where(s > 5.0, s * 1.2, s + steps[1])
    return s


def test_a_where_of_a_float_and_an_np_float64_is_one_type_whichever_branch_runs() -> None:
    # traced at 0.5 (the np.float64 branch); 6.0 takes the float one only: jit
    # returned 10.367999999999999 and jit(grad) 1.728 as floats, eager np.float64s
    steps = np.array([0.01, 0.02, 0.03])
    xs = [0.5, 6.0, 3.0, 5.5, 4.9, 1.0]
    jf, g = tg.jit(where_mixed), tg.grad(where_mixed)
    jg = tg.jit(g)
    for x in xs:         # eager's np.where is a 0-d array, and so is jit's
        y = where_mixed(x, steps)
        assert type(y) is np.ndarray and same(jf(x, steps), y), x
        assert same(jg(x, steps), g(x, steps)), x
    assert jf.trace_count == 1 and jg.trace_count == 1
    batch = np.array(xs)
    for h in (where_mixed, g):
        want = np.stack([np.asarray(h(x, steps)) for x in xs])
        assert tg.vmap(h, in_axes=(0, None))(batch, steps).tobytes() == want.tobytes()


def test_a_while_with_a_test_a_traced_break_and_a_python_break_runs_as_eager() -> None:
    def f(x0, xs):
        s = w = x0
        for k in range(len(xs)):
            while w < 2.0:
                w = w + 0.3 + 0.1 * tg.sin(s)
                if w > 1.5:
                    break
                if k % 2 == 0:            # a break on a Python value: not on the tape
                    break
        return w
    for h in (f, tg.grad(f)):
        jh = tg.jit(h)
        for x0 in (0.684, -3.32, 1.2, -1.0, 0.1, 1.9):
            for xs in ([0.0] * 3, [0.0] * 6):
                assert same(jh(x0, xs), h(x0, xs)), (x0, len(xs))


def restarted(x):
    """A ``while`` run afresh by each of three iterations of a ``for``, from a start that moves."""
    s = x * 0.0
    for _ in range(3):
        a, b = x * 0.5 + s, x + 1.0
        while b < 40.0 + s:
            a, b = b, a * 1.3 + b * 0.4 + 0.2
        s = s + a * 0.01
    return s + b


def test_an_inner_while_test_does_not_end_the_outer_for_loop() -> None:
    # the last outer iteration's inner loop ran one trip fewer: its test, which runs
    # ten times an outer iteration, looked like the exit of a while over outer iterations
    jf = tg.jit(restarted)
    for x in [0.3 * 1.5 ** i for i in range(6)]:
        assert same(jf(x), restarted(x)), x
