"""A rolled loop's ``if`` must not hide Python arithmetic the tape does not show.

``t = t * 0.5 + 1.0`` where ``t`` started as a constant is computed by
Python, not recorded: its value depends on the arms taken. Such a branch
keeps its guards, so jit equals eager for every pattern, not only the traced one.
"""

from __future__ import annotations

import numpy as np

import tapegrad as tg


def constant_arm(x0, xs):
    s = x0
    t = 0.5
    for x in xs:
        if x > 0.0:
            t = t * 0.5 + 1.0
    return s + t


def traced_arm_no_else(x0, xs):
    s = x0
    t = 0.5
    while s < 3.0:
        x = 0.37
        if t < 1.0:
            t = t + s * x
        s = s + 0.2
    return s + t


def test_an_arm_of_python_arithmetic_on_constants_keeps_its_guard():
    jf = tg.jit(constant_arm)
    for xs in ([1.0, -1.0, 1.0, 1.0, -1.0, 1.0], [-1.0, 1.0, 1.0, -1.0, -1.0, 1.0],
               [1.0] * 6, [-1.0] * 6):
        assert jf(0.0, xs) == constant_arm(0.0, xs)


def test_random_patterns_equal_eager():
    rng = np.random.default_rng(5)
    jf = tg.jit(constant_arm)
    for _ in range(30):
        xs = [float(v) for v in rng.normal(size=int(rng.integers(0, 12)))]
        x0 = float(rng.normal())
        assert jf(x0, xs) == constant_arm(x0, xs)


def test_a_while_with_an_if_without_else_runs_or_falls_back_but_never_crashes():
    jf = tg.jit(traced_arm_no_else)
    for x0 in (-0.5369532353602852, 0.3, 2.5, 2.95):
        try:
            got = jf(x0, [])
        except TypeError as e:         # the contract's bound on guard patterns
            assert "specializations" in str(e)
            continue
        assert got == traced_arm_no_else(x0, [])
