"""jit's first call on straight-line code: cheaper lowering, the same numbers bit for bit.

Straight-line programs of mixed primitives on every dtype a step takes
(Python floats, NumPy scalars, float64 and float32 arrays, int arrays),
under ``jit`` and ``jit(value_and_grad)``, against eager bit for bit;
programs longer than one compiled function holds (compiled in chunks);
guards that still fail and retrace to the other branch's code.

jit compiles at the first call under the tests (conftest.py), so a single
call here runs compiled code; tests/test_jit_deferred.py tests the first
call that returns the traced outputs and the second that compiles.
"""

from __future__ import annotations

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


# each step keeps values finite and moderate, so eager and jit take the same path
STEPS = (
    lambda x, c: x * c,
    lambda x, c: x + c,
    lambda x, c: c - x,
    lambda x, c: x / c,
    lambda x, c: -x * c,
    lambda x, c: tg.sin(x) * c,
    lambda x, c: tg.cos(x) + c,
    lambda x, c: tg.tanh(x + c),
    lambda x, c: tg.exp(tg.tanh(x)) - c,
    lambda x, c: tg.sqrt(x * x + c),
    lambda x, c: tg.abs(x) * c + x,
    lambda x, c: tg.maximum(x, c * 0.1),
    lambda x, c: tg.where(True, x / c, x),
    lambda x, c: x * 1.0 + x * 0.0,
    lambda x, c: (x - 0.0) / 1.0,
    lambda x, c: tg.log(tg.exp(tg.tanh(x)) + c),
    lambda x, c: x ** 2.0 * 0.25 + c,
)


def straight(seed, n, steps=STEPS):
    """``n`` steps, each drawn with a positive constant; squashed every few steps."""
    def f(x):
        rnd = random.Random(seed)
        for k in range(n):
            x = rnd.choice(steps)(x, 0.25 + rnd.random())
            if k % 3 == 2:
                x = tg.tanh(x)
        return x
    return f


def total(f):
    """``f`` summed to a scalar (for gradients of array programs)."""
    return lambda x: tg.sum(f(x))


INPUTS = [0.3, -1.7, 0.0, -0.0, 2.5, np.float64(0.7), np.float32(-0.4),
          np.array([0.7, -2.0, 0.0]), np.array([0.7, -2.0], dtype=np.float32),
          np.array([1, 2, -3], dtype=np.int64), np.array([1, 250], dtype=np.uint8),
          np.array([[0.5, -0.25], [1.5, 3.0]])]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 60), st.sampled_from(INPUTS))
def test_jit_of_mixed_straight_line_code_equals_eager_for_every_dtype(seed, n, x):
    f = straight(seed, n)
    with np.errstate(all="ignore"):
        assert bits(tg.jit(f)(x)) == bits(f(x))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 40),
       st.sampled_from([0.3, -1.7, 2.5, np.array([0.7, -2.0, 0.1]),
                        np.array([0.7, -2.0], dtype=np.float32)]))
def test_jit_of_value_and_grad_of_mixed_code_equals_eager(seed, n, x):
    f = total(straight(seed, n, STEPS[:12]))
    vg = tg.value_and_grad(f)
    with np.errstate(all="ignore"):
        assert bits(tg.jit(vg)(x)) == bits(vg(x))
        assert bits(tg.jit(tg.grad(f))(x)) == bits(tg.grad(f)(x))


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 12))
def test_two_inputs_read_several_times_equal_eager(seed, n):
    # values read more than once are kept in registers, not inlined
    def f(x, y):
        rnd = random.Random(seed)
        for _ in range(n):
            a, b = rnd.choice(STEPS)(x, 0.5), rnd.choice(STEPS)(y, 1.5)
            x, y = tg.tanh(a * b + x), tg.sin(a - y) * b
        return x + y, x * y
    for args in [(0.3, -0.8), (2.0, 0.0), (-1.25, 4.0)]:
        with np.errstate(all="ignore"):
            assert bits(tg.jit(f)(*args)) == bits(f(*args))
            g = tg.value_and_grad(lambda x, y: f(x, y)[0] * f(x, y)[1], argnums=(0, 1))
            assert bits(tg.jit(g)(*args)) == bits(g(*args))


@pytest.mark.parametrize("chunk", [7, 50, 400])
@pytest.mark.parametrize("x", [0.3, np.array([0.2, -1.1, 3.0])])
def test_programs_longer_than_a_chunk_equal_eager(monkeypatch, chunk, x):
    monkeypatch.setattr(_source, "CHUNK", chunk)
    f = total(straight(5, 300))
    vg = tg.value_and_grad(f)
    with np.errstate(all="ignore"):
        jf, jvg = tg.jit(f), tg.jit(vg)
        assert bits(jf(x)) == bits(f(x))
        assert bits(jvg(x)) == bits(vg(x))
        assert "_chunk1(" in jvg.lower(x).source       # compiled in several functions


def test_a_long_program_compiles_in_chunks_and_equals_eager():
    f = straight(11, _source.CHUNK + 500)
    vg = tg.value_and_grad(f)
    with np.errstate(all="ignore"):
        assert bits(tg.jit(f)(0.4)) == bits(f(0.4))
        assert bits(tg.jit(vg)(0.4)) == bits(vg(0.4))


def branchy(seed, n):
    """Straight-line code with a data-dependent branch in the middle."""
    head, tail = straight(seed, n), straight(seed + 1, n)

    def f(x):
        y = head(x)
        if x > 0.0:          # tested after the head's statements
            y = y * 3.0 + tg.sin(y)
        else:
            y = tg.tanh(y) - 2.0
        return tail(y)
    return f


@pytest.mark.parametrize("chunk", [None, 9])
def test_guards_fail_and_retrace_to_the_other_branch(monkeypatch, chunk):
    if chunk is not None:
        monkeypatch.setattr(_source, "CHUNK", chunk)
    f = branchy(3, 30)
    jf = tg.jit(f)
    points = [float(x) for x in np.linspace(-3.0, 3.0, 40)]    # both signs, no zero
    with np.errstate(all="ignore"):
        for x in points + points:
            assert bits(jf(x)) == bits(f(x))
    assert jf.trace_count == 2       # one specialization per branch taken


def test_a_guard_failing_inside_a_later_chunk_retraces(monkeypatch):
    monkeypatch.setattr(_source, "CHUNK", 5)
    f = branchy(8, 40)
    jf = tg.jit(f)
    assert "_chunk2(" in jf.lower(0.5).source
    assert bits(jf(0.5)) == bits(f(0.5)) and jf.trace_count == 1
    assert bits(jf(-0.5)) == bits(f(-0.5)) and jf.trace_count == 2
    assert bits(jf(1.5)) == bits(f(1.5)) and bits(jf(-2.5)) == bits(f(-2.5))
    assert jf.trace_count == 2


def test_int_inputs_and_int_outputs_keep_eager_types():
    # an int input traced as a float is converted; an int computed by + - * stays an int
    f = lambda x, n: (x * n + 1.5, n * 2 + 1, n)
    jf = tg.jit(f)
    for x, n in [(0.5, 3), (-2.0, 7), (1.25, -4)]:
        got, want = jf(x, n), f(x, n)
        assert bits(got) == bits(want)
        assert [type(v) for v in got] == [type(v) for v in want]


def test_int_powers_quotients_remainders_and_abs_stay_ints_as_in_eager():
    # n ** 2, abs(n), n // 2 and n % 3 of an int are ints in eager Python; a negative power
    # (a float in eager), a float exponent and a true division stay floats
    f = lambda n: (n ** 2, n ** 0, abs(n), n // 2, n % 3, (n * n) ** 3 // 5, n ** -1,
                   n ** 0.5 if n > 0 else 0.5, n / 2)
    jf = tg.jit(f)
    for n in [3, 7, 1, 4]:
        got, want = jf(n), f(n)
        assert bits(got) == bits(want)
        assert [type(v) for v in got] == [type(v) for v in want], n
    assert jf.trace_count == 1


@pytest.mark.parametrize("x", [0.5, -2.0, np.array([0.5, -2.0, 0.0]),
                               np.array([1.5, -0.5], dtype=np.float32)])
def test_constants_of_equal_value_but_other_bits_are_not_shared(x):
    # cse keys constants by their bits: 0.0 and -0.0 differ, 1 (int) and 1.0 differ
    # (a nan's sign and payload aside, as API.md says of jit)
    f = lambda x: (x * 0.0, x * -0.0, x + 0.0, x + -0.0, x * 1, x * 1.0,
                   x * 2.0 - x * 2.0, tg.maximum(x, 0.0) - tg.maximum(x, -0.0))
    vg = tg.value_and_grad(lambda x: tg.sum(sum(f(x)[:6])))
    with np.errstate(all="ignore"):
        assert bits(tg.jit(f)(x)) == bits(f(x))
        assert bits(tg.jit(vg)(x)) == bits(vg(x))


def test_a_value_read_only_for_its_shape_is_not_computed():
    # grad of sum(x ** 2 * 0.1): broadcast_like reads x ** 2 for its shape only
    g = tg.grad(lambda x: tg.sum(tg.square(tg.sin(x))) * 0.1)
    x = np.array([1.0, -2.0, 3.0])
    assert bits(tg.jit(g)(x)) == bits(g(x))
    assert tg.jit(g).lower(x).source.count("square") == 0
