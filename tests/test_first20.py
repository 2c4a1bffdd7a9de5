"""jit's first call made cheaper: the same numbers, bit for bit (issue 20, targets).

Straight-line programs (no loop to roll) of every step kind, divisions by
constants of every sign and by zero, long backward passes (longer than one
compiled function holds), under ``jit``, ``jit(grad)`` and
``jit(value_and_grad)``, each against eager bit for bit, for every dtype a
step takes.
"""

from __future__ import annotations

import math
import random
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tapegrad as tg
from tapegrad.staging import source as _source


def bits(x):
    """A value's bits: floats by their IEEE encoding, arrays by dtype, shape and bytes."""
    if isinstance(x, float):
        return ("f", struct.pack("<d", x))
    if isinstance(x, np.ndarray):
        return ("a", x.dtype.str, x.shape, x.tobytes())
    if isinstance(x, np.generic):
        return ("s", x.dtype.str, x.tobytes())
    if isinstance(x, list | tuple):
        return tuple(bits(v) for v in x)
    return ("o", type(x), x)


CONSTANTS = (2.0, -3.0, 0.5, 1e300, -1e-300, 1.0, -1.0, 7)   # no 0.0: eager floats raise
STEPS = (
    lambda x, c: x * c,
    lambda x, c: x + c,
    lambda x, c: c - x,
    lambda x, c: x / c,                    # a division by a constant: the branch is decided
    lambda x, c: c / (x * x + 1.0),
    lambda x, c: tg.sin(x) * c,
    lambda x, c: tg.tanh(x + c) / c,
    lambda x, c: -(x / c),
    lambda x, c: tg.where(True, x / c, x),     # a where on a constant condition
    lambda x, c: tg.where(False, x, x * c),
    lambda x, c: tg.exp(x * 0.1) - c * x,
    lambda x, c: tg.abs(x) / c + x,
    lambda x, c: x * 0.0 + c,
    lambda x, c: x * -0.0 - (x + -0.0),
)


def program(seed, n, steps=STEPS, constants=CONSTANTS):
    """``n`` steps drawn with their constants, each squashed (no inf, so no nan)."""
    def f(x):
        rnd = random.Random(seed)
        for _ in range(n):
            c = rnd.choice(constants) if rnd.random() < 0.5 else 0.5 + rnd.random()
            x = tg.tanh(rnd.choice(steps)(x, c))
        return x
    return f


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 40),
       st.sampled_from([0.3, -1.7, 0.0, -0.0, 2.5]))
def test_jit_of_straight_line_code_equals_eager(seed, n, x):
    f = program(seed, n)
    with np.errstate(all="ignore"):
        assert bits(tg.jit(f)(x)) == bits(f(x))


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 30), st.sampled_from([0.3, -1.7, 2.5]))
def test_jit_of_grad_and_value_and_grad_equal_eager(seed, n, x):
    # no saturating constants: a zero cotangent's sign differs from eager's (before too)
    f = program(seed, n, STEPS[:9], (2.0, -3.0, 0.5, 1.0, -1.0, 7))
    with np.errstate(all="ignore"):
        assert bits(tg.jit(tg.grad(f))(x)) == bits(tg.grad(f)(x))
        assert bits(tg.jit(tg.value_and_grad(f))(x)) == bits(tg.value_and_grad(f)(x))


@pytest.mark.parametrize("x", [np.float64(0.7), np.float32(0.7), np.array([0.7, -2.0, 0.0]),
                               np.array([0.7, -2.0], dtype=np.float32), 3, np.int64(3),
                               np.array([1, 2], dtype=np.int32),
                               np.array([1, 250], dtype=np.uint8)])
def test_division_by_constants_equals_eager_for_every_dtype(x):
    def f(x):
        y = x / 2.0
        y = y / -3.0 + x / 7
        return tg.tanh(y / 0.5) + y / 1.5
    with np.errstate(all="ignore"):
        assert bits(tg.jit(f)(x)) == bits(f(x))
    if not np.issubdtype(np.asarray(x).dtype, np.integer):
        g = tg.grad(lambda x: tg.sum(f(x)))
        assert bits(tg.jit(g)(x)) == bits(g(x))


def test_a_division_by_a_constant_is_written_as_one_division():
    # the numerator is computed once and written once
    f = tg.jit(lambda x: tg.sin(x * 3.0 + 1.0) / 4.0)
    source = f.lower(0.5).source
    assert source.count("x * 3.0") + source.count("* 3.0") == 1
    assert " / 4.0" in source
    assert bits(f(0.5)) == bits(math.sin(0.5 * 3.0 + 1.0) / 4.0)


def test_a_division_by_a_zero_constant_follows_ieee_as_eager():
    # as tapegrad's division computes it eagerly: inf or -inf, never an error
    f = lambda x: ((x * 2.0 + 1.0) / 0.0, (x - 1.5) / -0.0, 1.0 / (x * 0.0 + 0.0))
    for x in (1.0, -3.0, 0.5):
        assert bits(tg.jit(f)(x)) == bits(tg.jvp(f, (x,), (1.0,))[0])


def test_inlined_calls_compute_as_eager_in_every_position():
    # calls inlined into operators, attribute access and calls, left and right
    def f(x, y):
        a = tg.sin(x) - tg.cos(y) / tg.exp(x)
        b = -tg.tanh(a) ** 2.0 - tg.sin(a) * tg.sin(y)
        return tg.sqrt(tg.abs(b) + 1.0) - (tg.sin(b) - tg.cos(b)) / (tg.exp(a) + 1.0)
    for x, y in [(0.3, -0.4), (2.0, 5.0), (-1.0, 0.0)]:
        assert bits(tg.jit(f)(x, y)) == bits(f(x, y))
        g = tg.grad(f, argnums=(0, 1))
        assert bits(tg.jit(g)(x, y)) == bits(g(x, y))


def repeats(x):
    """A short loop, then straight-line code longer than one compiled function holds."""
    for _ in range(30):
        x = x * 1.0001 + 0.5
    return program(1, _source.CHUNK // 2 + 1000)(tg.tanh(x))


def test_a_program_too_long_to_roll_in_one_function_equals_eager():
    # its backward pass repeats (rolling finds loops) but is straight-line mostly
    vg = tg.value_and_grad(repeats)
    with np.errstate(all="ignore"):
        assert bits(tg.jit(vg)(0.25)) == bits(vg(0.25))
        assert bits(tg.jit(repeats)(0.25)) == bits(repeats(0.25))


def test_loops_in_short_programs_still_roll():
    def f(x):
        for _ in range(200):
            x = tg.sin(x) * 0.9 + 0.1
        return x
    jf = tg.jit(tg.value_and_grad(f))
    assert "for " in jf.lower(0.3).source or "while " in jf.lower(0.3).source
    assert bits(jf(0.3)) == bits(tg.value_and_grad(f)(0.3))


def test_inlined_calls_and_call_arguments_get_no_extra_parentheses():
    # less to parse on the first call; the docs print these programs
    f = lambda x, y: tg.sin(tg.tanh(x * y) + y) * tg.exp(x)
    source = tg.jit(f).lower(0.5, 2.0).source
    assert "((" not in source and "))" not in source
    for x, y in [(0.5, 2.0), (-1.25, 0.0), (3.0, -0.5)]:
        assert bits(tg.jit(f)(x, y)) == bits(f(x, y))
