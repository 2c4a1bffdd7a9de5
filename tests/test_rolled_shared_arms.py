"""Branching loops whose arm the passes emptied in one iteration, under jit.

``m = -x0`` before ``for x in xs: if x > 0.0: s = s * 0.9 + x else: s = -s``
makes the first iteration's ``-s`` (of ``s = x0``) the same value: sharing
drops it, so that iteration's arm records nothing. An arm that recorded
nothing only because the passes dropped what it computed (shared with code
before it, or with an earlier iteration, or dead) is no arm that does
nothing: the loop is rolled from the program that keeps it, or not at all.
Each function is traced at every branch pattern of lengths 1 to 3 and
called at every pattern of the same length, bit for bit as eager: on the
code before the fix each of the seven families that were wrong fails at
length 3, but ``reset``, first wrong at length 4, which runs to 4.
"""

import itertools
import struct
import sys

import numpy as np
import pytest

import tapegrad as tg

F, T = -1.5, 2.0


def neg_before(x0, xs):            # the else arm's first result, before the loop
    m = -x0
    s = x0
    for x in xs:
        if x > 0.0:
            s = s * 0.9 + x
        else:
            s = -s
    return s + m


def twice_neg_before(x0, xs):      # the first two else arms' results
    m = -x0
    n = -m
    s = x0
    for x in xs:
        if x > 0.0:
            s = s * 0.9 + x
        else:
            s = -s
    return s + m * n


def if_arm_before(x0, xs):         # the if arm's first result: all of it
    m = x0 * 0.9 + xs[0]
    s = x0
    for x in xs:
        if x > 0.0:
            s = s * 0.9 + x
        else:
            s = -s
    return s - m


def last_before(x0, xs):           # the last iteration's result (no else)
    m = x0 * 0.9 + xs[-1]
    s = x0
    for x in xs:
        if x > 0.0:
            s = s * 0.9 + x
    return s * m


def if_only_neg(x0, xs):
    m = -x0
    s = x0
    for x in xs:
        if x <= 0.0:
            s = -s
    return s - m


def reset(x0, xs):                 # each else arm computes what the first did
    s = x0
    for x in xs:
        if x > 0.0:
            s = s * 0.9 + x
        else:
            s = x0 * 1.5
    return s


def reset_neg(x0, xs):
    m = -x0
    s = x0
    for x in xs:
        if x > 0.0:
            s = -s
        else:
            s = -x0
    return s * m


def while_neg(x0, xs):
    m = -x0
    s = x0
    i = 0
    while i < len(xs):
        if xs[i] > 0.0:
            s = s * 0.9 + xs[i]
        else:
            s = -s
        i += 1
    return s + m


def traced_while(x0, xs):          # a while whose test is on a traced value
    m = -x0
    s = x0
    t = x0 * 0.0
    i = 0
    while t < len(xs):
        if xs[i] > 0.0:
            s = s * 0.9 + xs[i]
        else:
            s = -s
        t = t + 1.0
        i += 1
    return s + m


def two_names(x0, xs):
    m = -x0
    k = x0 * 2.0
    s, t = x0, x0 * 2.0
    for x in xs:
        if x > 0.0:
            s = s * 0.9 + x
            t = t - s
        else:
            s = -s
            t = t * 2.0
    return s + t + m + k


def nested(x0, xs):
    m = -x0
    s = x0
    for _ in range(2):
        for x in xs:
            if x > 0.0:
                s = s * 0.9 + x
            else:
                s = -s
    return s + m


FAMILY = [neg_before, twice_neg_before, if_arm_before, last_before, if_only_neg, reset,
          reset_neg, while_neg, traced_while, two_names, nested]


@pytest.fixture
def many(monkeypatch):
    """Room for every pattern's specialization (the default bound is 8)."""
    monkeypatch.setattr(sys.modules["tapegrad.jit"], "MAX_SPECIALIZATIONS", 10 ** 6)


def bits(v):
    v = np.asarray(v)
    return v.dtype.str, v.shape, v.tobytes()


def patterns(n):
    return [list(p) for p in itertools.product([F, T], repeat=n)]


def check_all(make, want, kind=float, longest=3):
    """``make()`` traced at every pattern, then called at every pattern of its length."""
    for n in range(1, longest + 1):
        calls = [[kind(v) if kind is float else int(v * 2) for v in p] for p in patterns(n)]
        for traced in calls:
            g = make()
            g(kind(2), traced)
            for q in calls:
                assert bits(g(kind(2), q)) == bits(want(kind(2), q)), (traced, q)


def test_the_reduced_case_is_eagers():
    jf = tg.jit(neg_before)
    assert jf(2.0, [0.0, 1.0, 2.0, 2.0, -2.0]) == neg_before(2.0, [0.0, 1.0, 2.0, 2.0, -2.0])
    got, want = jf(2.0, [2.0, 0.0, 0.0, 2.0, 0.0]), neg_before(2.0, [2.0, 0.0, 0.0, 2.0, 0.0])
    assert struct.pack("<d", got) == struct.pack("<d", want)       # -7.42
    assert "pass" not in jf.lower(2.0, [0.0, 1.0, 2.0, 2.0, -2.0]).source


@pytest.mark.parametrize("f", FAMILY, ids=lambda f: f.__name__)
def test_jit_at_every_pattern_is_eagers(f, many):
    check_all(lambda: tg.jit(f), f, longest=4 if f is reset else 3)


@pytest.mark.parametrize("f", [reset_neg, if_only_neg], ids=lambda f: f.__name__)
def test_jit_of_ints_is_eagers(f, many):
    check_all(lambda: tg.jit(f), f, int)


def test_jit_of_ints_whose_arms_differ_in_kind_is_eagers():
    # s is an int after -s and a float after s * 0.9 + x: the loop keeps its guards
    # (rolled, it gave 0.0 where every iteration took the int arm and Python gives 0)
    jf = tg.jit(neg_before)
    jf(2, [-3, -3, 4, 4])
    assert bits(jf(2, [-3, -3, -3, -3])) == bits(neg_before(2, [-3, -3, -3, -3]))


@pytest.mark.parametrize("f", [neg_before, reset, while_neg], ids=lambda f: f.__name__)
def test_jit_of_grad_is_grads(f, many):
    check_all(lambda: tg.jit(tg.grad(f)), tg.grad(f))


@pytest.mark.parametrize("f", [neg_before, reset_neg], ids=lambda f: f.__name__)
def test_grad_of_jit_is_grads(f, many):
    check_all(lambda: tg.grad(tg.jit(f)), tg.grad(f))


@pytest.mark.parametrize("f", [neg_before, twice_neg_before, reset], ids=lambda f: f.__name__)
def test_vmap_of_jit_is_the_loop(f, many):
    for n in range(1, 4):
        every = np.array(patterns(n))
        want = np.array([f(2.0, list(map(float, q))) for q in every])
        for traced in patterns(n):
            g = tg.vmap(tg.jit(f))
            g(np.array([2.0]), np.array([traced]))
            got = np.asarray(g(np.full(len(every), 2.0), every), dtype=float)
            assert got.tobytes() == want.tobytes(), traced


def test_the_derivative_of_the_reduced_case_is_a_central_difference():
    from conftest import fd
    xs = [2.0, 0.0, 0.0, 2.0, 0.0]
    g = tg.jit(tg.grad(neg_before))
    g(2.0, [0.0, 1.0, 2.0, 2.0, -2.0])
    assert abs(g(2.0, xs) - fd(lambda v: neg_before(v, xs), 2.0)) < 1e-6
