"""Programs the fuzzers found wrong, reduced; each checked as a family.

A while loop's value read after it, where the traced trip count cannot tell
from which end it is counted: loop fuzzer list seed 2984. Under
``jit(grad)`` of a float32 program the backward pass peels its first two
iterations, and the second read the forward loop's iteration 2 of 5: as
``s[2]``, where it is ``s[n - 3]``, so at any other trip count the gradient
read another iteration's value (0.9709672 for eager's 0.9709685, silently).
Such a read now keeps the loop to the traced trip count; a loop traced at
more trips rolls and reads from the end.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg


def stepped(x0, xs):
    s = x0
    u = x0 * 0.5 - 0.25
    w = x0
    q = tg.stack([x0 * 0.5, 0.25, -x0 * 1.0])      # float32: the backward pass peels two
    for _ in xs:
        while w < 2.0:
            w = w + 0.3 + 0.1 * tg.sin(s)
            s, u = u * 0.5, s + 0.1
    return s + u + w * 0.1 + q[0] * 0.1


STARTS = [1.95, 1.5, 0.9, 0.6, 0.3, -0.5, -2.0]      # 1 to 14 trips of the while loop


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("first", [1.5, 0.6, -2.0])
def test_jit_of_the_gradient_at_trip_counts_it_did_not_trace_is_eagers(dtype, first):
    g = tg.grad(stepped, (0, 1))
    xs = [dtype(0.1), dtype(0.2)]
    jg, gj = tg.jit(g), tg.grad(tg.jit(stepped), (0, 1))
    jg(dtype(first), xs)
    gj(dtype(first), xs)
    for x0 in STARTS:
        want = g(dtype(x0), xs)
        for how, h in (("jit(grad)", jg), ("grad(jit)", gj)):
            got = h(dtype(x0), xs)
            assert type(got[0]) is type(want[0]) and got[0] == want[0], (how, first, x0)
            assert [type(v) for v in got[1]] == [type(v) for v in want[1]]
            assert got[1] == want[1], (how, first, x0)


def test_the_gradient_is_the_central_difference():
    g = tg.grad(stepped)
    for x0 in (0.6, -0.5):                  # away from a change of trip count
        h = 1e-6
        fd = (stepped(x0 + h, [0.1, 0.2]) - stepped(x0 - h, [0.1, 0.2])) / (2 * h)
        assert abs(g(x0, [0.1, 0.2]) - fd) < 1e-6
