"""Wrong numbers the random-program fuzzers found, each a small function.

Each runs ``jit`` at trip counts the first trace never saw and compares
with eager Python bit for bit; a ``jit`` that refuses past its bound of
specializations is allowed, a different number is not.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

SPECIALIZATIONS = "needed more than 8 specializations"


def while_then_test(x0):
    """A while loop reading a loop-invariant ``sin``, then a test of its result (seed 10405)."""
    s = x0
    u = x0 * 0.5 - 0.25
    w = x0
    while w < x0 + 1.5:
        w = w + 0.3 + 0.1 * tg.sin(s)
        u = tg.where(s > u, s - u, u * 0.5)
    for _ in range(3):
        if s > u:
            pass
    return s + u + w * 0.1


def while_alone(x0):
    s = x0
    u = x0 * 0.5 - 0.25
    w = x0
    while w < x0 + 1.5:
        w = w + 0.3 + 0.1 * tg.sin(s)
        u = tg.where(s > u, s - u, u * 0.5)
    return s + u + w * 0.1


def trips(x0: float) -> int:
    """How many times the while loop of ``while_then_test`` runs at ``x0``."""
    n, w = 0, x0
    while w < x0 + 1.5:
        w = w + 0.3 + 0.1 * float(np.sin(x0))
        n += 1
    return n


@pytest.mark.parametrize("f", [while_then_test, while_alone])
def test_second_derivative_of_a_while_reading_an_invariant_under_jit(f):
    # grad(grad) sums the invariant's cotangent once per trip: traced at 5 trips,
    # jit must not reuse that sum at 7 or 8
    h = tg.grad(tg.grad(f))
    jh = tg.jit(h)
    points = [0.0, -1.0, -1.2, 3.1, -0.5, np.int64(-1), 1.0]
    assert len({trips(float(x)) for x in points}) >= 3
    for x in points:
        want = h(x)
        try:
            got = jh(x)
        except TypeError as e:
            assert SPECIALIZATIONS in str(e)
            continue
        assert np.asarray(got).tobytes() == np.asarray(want).tobytes(), (x, got, want)
