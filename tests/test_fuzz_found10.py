"""Programs the fuzzers found wrong, reduced; each checked as a family.

Loop fuzzer seed 26302, reduced: a loop whose body starts ``if tg.sin(s) >
0.0: continue`` and then updates a Python float, ``t = t * 0.5 + 1.0``, and
the carried ``s``. Once ``sin(s) > 0`` the loop only continues, so ``t``
counts the iterations before: 1.625 after two, 1.25 after one. ``jit``
traced where two iterations update ``t`` gave, where one does, eager's value
plus 0.375 (1.8962 for 1.5212, float64), with no retrace: the statements
after an ``if`` whose arm continues run in the iterations of one outcome only,
yet the test of what the ``if``'s arms change in Python (``arms.quiet_arms``)
read the arms alone, so the ``if`` was rolled into a loop that runs the
traced ``s`` update per outcome and returns the traced ``t``. The statements
a ``continue`` skips are now asked what the arms are asked. The same held for
a Python counter (``n += 1``), a list appended to, the ``continue`` in the
``else``, in a ``while``, in an ``if`` inside the ``if``.

Loop fuzzer seed 26508 (int inputs), reduced: a ``while`` on a traced ``w``
holding a ``while`` whose body ends ``if x0 > s: continue``. ``jit`` traced
at ``x0 = 0``, then called at ``x0 = 2``, raised ``AttributeError: 'Branchy'
object has no attribute 'period'`` where eager gives 1.2937: the guard that
an open ``while`` ran as often as its variables' int or float kinds need
(``kinds.least``) read the branching loop as a loop of one period. A
branching loop rolled is not ``mixed`` (its variables start as the kinds its
slots hold): it needs no such run.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg


def float_after(x0):
    s = x0
    t = 0.5
    for _ in range(12):
        if tg.sin(s) > 0.0:
            continue
        t = t * 0.5 + 1.0
        s = s * 0.9 + 0.37
    return s + t


def counter_after(x0):
    s = x0
    n = 0
    for _ in range(12):
        if tg.sin(s) > 0.0:
            continue
        n += 1
        s = s * 0.9 + 0.37
    return s + n


def append_after(x0):
    s = x0
    out = []
    for _ in range(12):
        if tg.sin(s) > 0.0:
            continue
        out.append(0.5)
        s = s * 0.9 + 0.37
    return s + sum(out)


def continue_in_else(x0):
    s = x0
    t = 0.5
    for _ in range(12):
        if tg.sin(s) < 0.0:
            s = s * 0.9 + 0.37
        else:
            continue
        t = t * 0.5 + 1.0
    return s + t


def in_a_while(x0):
    s = x0
    t = 0.5
    k = 0
    while k < 12:
        k += 1
        if tg.sin(s) > 0.0:
            continue
        t = t * 0.5 + 1.0
        s = s * 0.9 + 0.37
    return s + t


def in_an_inner_if(x0):
    s = x0
    t = 0.5
    for _ in range(12):
        if s > -5.0:
            if tg.sin(s) > 0.0:
                continue
            t = t * 0.5 + 1.0
        s = s * 0.9 + 0.37
    return s + t


PROGRAMS = [float_after, counter_after, append_after, continue_in_else, in_a_while,
            in_an_inner_if]
POINTS = [-0.6, -0.1, 0.5]        # two, one and no iterations update t


def updates(x0: float) -> int:
    s, n = x0, 0
    for _ in range(12):
        if np.sin(s) > 0.0:
            continue
        s, n = s * 0.9 + 0.37, n + 1
    return n


def test_the_points_update_before_the_loop_only_continues():
    assert [updates(x) for x in POINTS] == [2, 1, 0]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("first", POINTS)
@pytest.mark.parametrize("f", PROGRAMS)
def test_jit_of_a_loop_continuing_past_python_updates_is_eager(f, first, dtype):
    jf = tg.jit(f)
    jf(dtype(first))
    for x in POINTS:
        got, want = jf(dtype(x)), f(dtype(x))
        assert np.array_equal(got, want) and np.asarray(got).dtype == np.asarray(want).dtype


@pytest.mark.parametrize("how", ["jit(grad)", "grad(jit)"])
@pytest.mark.parametrize("f", [float_after, counter_after, continue_in_else, in_a_while])
def test_gradients_of_a_loop_continuing_past_python_updates_are_eager(f, how):
    got = tg.jit(tg.grad(f)) if how == "jit(grad)" else tg.grad(tg.jit(f))
    got(POINTS[0])
    for x in POINTS:
        assert got(x) == tg.grad(f)(x)


def nested_while_ending_in_a_branch(x0):
    s = x0
    u = x0 * 0.5 - 0.25
    w = x0
    while w < x0 + 1.5:
        w = w + 0.3 + 0.1 * tg.sin(s)
        if x0 > s:
            while w < 3.0:
                w = w + 0.3 + 0.1 * tg.sin(s)
                s = s - 0.3 * (s * 0.2 - 0.1)
                if x0 > s:
                    continue
        s, u = u * 0.5, s + 0.1
    return s + u + w * 0.1


@pytest.mark.parametrize("first", [0, 1, 2])
def test_jit_of_a_branching_while_on_ints_retraced_is_eager(first):
    jf = tg.jit(nested_while_ending_in_a_branch)
    jf(first)
    for x in [0, 2, 3, -1, 1]:
        got, want = jf(x), nested_while_ending_in_a_branch(x)
        assert np.array_equal(got, want) and np.asarray(got).dtype == np.asarray(want).dtype
