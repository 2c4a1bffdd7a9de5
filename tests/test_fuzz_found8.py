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


# Loop fuzzer list seed 3214: an inner ``for x in xs`` rebinds the outer loop's ``x``,
# so ``s - 0.3 * x`` reads xs[-1] after an iteration whose branch ran the inner loop and
# the outer loop's own x after one whose branch did not. The tape sees neither binding:
# jit rolled the outer loop with the inputs each iteration read at the trace as a table
# (xs[4], xs[4], xs[4], xs[3]) and read them at another call, whose branches went other
# ways (3.0889438639520477 for eager's 5.554764013161433). Inputs read in no list's
# order, iteration by iteration, now keep the loop unrolled, with its guards.
def rebound(x0, xs):
    s = x0
    for x in xs:
        if tg.sin(s) > 0.0:
            for x in xs:
                s = s * 0.9 + x
        s = s - 0.3 * x
    return s


REBOUND_CALLS = [
    (0.18925915171141477, [1.3556217594311961, 0.1334618647099352, 0.9320589084068527,
                           0.32904469629184285, -0.34701879626942833]),
    (0.1843343315271831, [1.9355198981402801, 0.193232524766089, 1.4625797223414558,
                          0.8264518635408644, 0.5561276220842688]),
]


@pytest.mark.parametrize("how", ["jit", "jit(grad)"])
def test_a_loop_variable_an_arm_rebinds_to_another_input_is_read_as_eager_reads_it(how):
    f = rebound if how == "jit" else tg.grad(rebound, (0, 1))
    jf = tg.jit(f)
    for x0, xs in REBOUND_CALLS + REBOUND_CALLS[::-1]:
        assert jf(x0, xs) == f(x0, xs), (how, x0)


@pytest.mark.xfail(strict=True, reason=(
    "the same rebinding where the inputs read happen to run in a list's order at the trace "
    "(xs[0], xs[1], xs[3] for branches F, F, T): the table is taken as data read by the "
    "iteration's count, and another call's branches read other inputs (-1.9961180459260808 "
    "for eager's -2.07994123246168)"))
def test_a_rebound_loop_variable_read_in_increasing_order_is_read_as_eager_reads_it():
    calls = [(-0.14232728717871945, [0.8299271042495487, -1.4313942795106365,
                                     2.040761939896942, -0.8134195295344778]),
             (-0.7652832419470891, [1.2207681971892839, 0.790052335011729,
                                    1.3253916956498109, 1.0459810738644797])]
    jf = tg.jit(rebound)
    for x0, xs in calls:
        assert jf(x0, xs) == rebound(x0, xs), x0
