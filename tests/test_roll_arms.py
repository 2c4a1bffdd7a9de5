"""A ``while`` whose ``if`` accepts or rejects a step, or moves one end of a bracket: one trace.

Adaptive integrators keep a step only where its error estimate is small
(the rejected arm changes nothing: the next iteration computes again what
the last one did); regula falsi copies the new point into one end and
halves the other end's value. Both roll under ``jit`` and ``jit(grad)``:
each result is checked bit for bit against eager at inputs never traced
(other trip counts, other patterns of outcomes) and ``trace_count`` is
asserted; gradients against central differences, ``vmap`` and
``vmap(grad)`` against a Python loop. Programs that must not roll (the code
after the loop reads an arm's copy and the loop's own name) stay correct.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg


def same(a: Any, b: Any) -> bool:
    """Equal bits, dtype, shape and type."""
    if type(a) is not type(b):
        return False
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def adaptive(p):
    """Euler and Heun side by side; a step is kept where they agree to 1e-4."""
    k, y = p[0], p[1]
    t = 0.0 * k             # np.float64 from the start, as h: every iteration alike
    h = 0.5 + 0.0 * k
    while t < 2.0:
        f0 = -k * y + np.sin(t)
        y1 = y + h * f0
        f1 = -k * y1 + np.sin(t + h)
        y2 = y + 0.5 * h * (f0 + f1)
        err = np.abs(y2 - y1) + 1e-16
        if err < 1e-4:
            t = t + h
            y = y2
        h = h * np.clip(0.9 * np.sqrt(1e-4 / err), 0.2, 3.0)
    return y


def regula_falsi(c):
    """The root of x^3 + x - c, Illinois' way: each arm moves one end, halves the other."""
    a, b = 0.0 * c, c + 1.0
    fa, fb = a * a * a + a - c, b * b * b + b - c
    x = b
    while b - a > 1e-12 * (1.0 + c):
        x = (a * fb - b * fa) / (fb - fa)
        fx = x * x * x + x - c
        if fx > 0.0:
            b, fb = x, fx
            fa = fa * 0.5
        else:
            a, fa = x, fx
            fb = fb * 0.5
    return x


def regula_falsi_both(c):
    """The same, reading an end after the loop beside x: which name a value is, the tape
    cannot tell where the last arm copied x into it, so the loop keeps its guards."""
    a, b = 0.0 * c, c + 1.0
    fa, fb = a * a * a + a - c, b * b * b + b - c
    x = b
    while b - a > 1e-12 * (1.0 + c):
        x = (a * fb - b * fa) / (fb - fa)
        fx = x * x * x + x - c
        if fx > 0.0:
            b, fb = x, fx
            fa = fa * 0.5
        else:
            a, fa = x, fx
            fb = fb * 0.5
    return x + 0.25 * b


def steps(p):
    """The outcomes of ``adaptive``'s if (True: kept), from a plain float run."""
    k, y, t, h, out = float(p[0]), float(p[1]), 0.0, 0.5, []
    while t < 2.0:
        f0 = -k * y + np.sin(t)
        y1 = y + h * f0
        y2 = y + 0.5 * h * (f0 + (-k * y1 + np.sin(t + h)))
        err = abs(y2 - y1) + 1e-16
        out.append(bool(err < 1e-4))
        if out[-1]:
            t, y = t + h, y2
        h = h * min(max(0.9 * np.sqrt(1e-4 / err), 0.2), 3.0)
    return out


ADAPTIVE = [np.array([k, y]) for k in (0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 0.2, 12.0)
            for y in (1.0, -2.0)]
FALSI = [0.5, 2.0, 0.05, 5.0, 9.0, 20.0, 60.0, 1.3, 3.7, 100.0, 0.2, 7.5]


def test_the_inputs_run_many_trip_counts_and_patterns() -> None:
    runs = [steps(p) for p in ADAPTIVE]
    assert len({len(r) for r in runs}) >= 8
    assert len({tuple(r) for r in runs}) == len(runs)
    texts = ["".join("T" if b else "F" for b in r) for r in runs]
    # the first (traced) rejects after accepting; the others start with runs of 2 to 4
    # rejected steps, and half of them never reject one after
    assert "TF" in texts[0] and {len(t) - len(t.lstrip("F")) for t in texts} == {2, 3, 4}
    assert sum("TF" not in t for t in texts) == 6
    assert len({len(tg.make_tape(regula_falsi)(c)) for c in FALSI}) >= 5


# regula falsi from 0.5 runs F F T F T ...: its rolled loop starts at the second F, so
# a rejected end after a rejected one (F F F, from 2.0 on) is a read never traced: a
# guard fails, and the trace of 2.0 shows it; then every pattern runs
@pytest.mark.parametrize("f, xs, traces", [(adaptive, ADAPTIVE, 1), (regula_falsi, FALSI, 2)],
                         ids=["adaptive", "regula_falsi"])
def test_jit_and_jit_grad_run_new_trip_counts_and_patterns_untraced(f: Any, xs: list[Any],
                                                           traces: int) -> None:
    for h in (f, tg.grad(f)):
        jh = tg.jit(h)
        for x in xs:
            assert same(jh(x), h(x)), x
        assert jh.trace_count == traces
        for x in [x * 1.1 for x in xs]:       # more trip counts and patterns, no more traces
            assert same(jh(x), h(x)), x
        assert jh.trace_count == traces


@pytest.mark.parametrize("f, xs", [(adaptive, ADAPTIVE), (regula_falsi, FALSI)],
                         ids=["adaptive", "regula_falsi"])
def test_vmap_and_vmap_grad_equal_a_python_loop(f: Any, xs: list[Any]) -> None:
    batch = np.stack([np.asarray(x, dtype=np.float64) for x in xs])
    for h in (f, tg.grad(f)):
        want = np.stack([np.asarray(h(x)) for x in xs])
        assert tg.vmap(h)(batch).tobytes() == want.tobytes()


def test_gradients_agree_with_central_differences() -> None:
    for p in ADAPTIVE[:4]:
        np.testing.assert_allclose(tg.grad(adaptive)(p), fd(adaptive, p, 1e-6), rtol=1e-3)
    for c in FALSI[:4]:       # the root's derivative: 1 / (3 x^2 + 1)
        x = regula_falsi(c)
        assert abs(tg.grad(regula_falsi)(c) * (3.0 * x * x + 1.0) - 1.0) < 1e-6


def test_the_rolled_loop_is_one_while_with_an_if() -> None:
    for f, x in ((adaptive, ADAPTIVE[0]), (regula_falsi, 2.0)):
        src = tg.jit(f).lower(x).source
        assert src.count("while True:") == 1 and "        if " in src
        src = tg.jit(tg.grad(f)).lower(x).source
        assert src.count("while True:") == 1 and re.search(r"if o\d+\.pop\(\):", src)


def test_a_loop_whose_copy_and_own_name_are_read_after_it_keeps_its_guards() -> None:
    xs = FALSI[:5]
    for h in (regula_falsi_both, tg.grad(regula_falsi_both)):
        jh = tg.jit(h)
        for c in xs:
            assert same(jh(c), h(c)), c
        assert jh.trace_count > 1         # a trace per pattern: not rolled


def lentz(x):
    """tan(x) by its continued fraction and Lentz's method, D and C reset where tiny."""
    tiny = 1e-30
    f = x
    C, D = np.inf, 1.0 + 0.0 * x
    b = 1.0 + 0.0 * x
    a = -x * x
    delta = 0.0
    while np.abs(delta - 1.0) > 1e-15:
        b = b + 2.0
        D = b + a * D
        if np.abs(D) < tiny:
            D = tiny
        C = b + a / C
        D = 1.0 / D
        delta = C * D
        f = f * delta
    return f


def restarts(x):
    """A counter a guarded arm resets and the body steps in Python: never rolled as any
    trip count (its steps are constants on the tape), a trace per trip count, each right."""
    n = 0.0
    y = x
    while y < 3.0:
        if y < -100.0:
            n = 0.0
        n = n + 1.0
        y = y + 0.1 * n * np.cos(y) ** 2 + 0.05
    return y + n


LENTZ = [0.3, 1.0, 1.4, 0.05, -0.8, 1.55, 0.9, -1.2]


def test_a_reset_arm_never_taken_rolls_as_any_trip_count() -> None:
    assert len({len(tg.make_tape(lentz)(x)) for x in LENTZ}) >= 5
    for h in (lentz, tg.grad(lentz)):
        jh = tg.jit(h)
        for x in LENTZ:
            assert same(jh(x), h(x)), x
        assert jh.trace_count == 1
    for x in LENTZ[:3]:
        assert abs(lentz(x) - np.tan(x)) < 1e-14
        np.testing.assert_allclose(tg.grad(lentz)(x), 1.0 / np.cos(x) ** 2, rtol=1e-12)
    batch = np.array(LENTZ)
    for h in (lentz, tg.grad(lentz)):
        want = np.stack([np.asarray(h(x)) for x in LENTZ])
        assert tg.vmap(h)(batch).tobytes() == want.tobytes()


def test_a_counter_a_guarded_arm_resets_is_still_a_python_step() -> None:
    xs = [0.0, 1.0, -1.0, 2.0, 2.5]
    assert len({len(tg.make_tape(restarts)(x)) for x in xs}) == len(xs)
    for h in (restarts, tg.grad(restarts)):
        jh = tg.jit(h)
        for x in xs:
            assert same(jh(x), h(x)), x
        assert jh.trace_count == len(xs)
