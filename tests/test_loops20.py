"""Loops stay loops (issue 20): the loop primitives are Python loops in jit's code,
and vmap runs a plain Python ``while`` at each example's own trip count.

jit is compared with eager bit for bit, at trip counts never seen while
tracing, reading ``trace_count`` and the generated source; vmap and
vmap(grad) with a Python loop over the examples; derivatives with central
differences. The last part ports cases of JAX's tests/lax_control_flow_test.py.
"""

from __future__ import annotations

import math
import re
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tapegrad as tg


def bits(x):
    """A value's bits: floats by their IEEE encoding, arrays by dtype, shape and bytes."""
    if isinstance(x, float):
        return ("f", struct.pack("<d", x))
    if isinstance(x, np.ndarray):
        return ("a", x.dtype.str, x.shape, x.tobytes())
    if isinstance(x, list | tuple):
        return tuple(bits(v) for v in x)
    return ("o", type(x), x)


def impl_calls(source):
    """The loop primitives the generated code calls by their impl (none when written out)."""
    return re.findall(r"\b(?:while|scan|while_vjp)_\d+\(", source)


def close(got, want, rtol=1e-12):
    np.testing.assert_allclose(np.asarray(got, float), np.asarray(want, float), rtol=rtol,
                               atol=1e-300)


# ====================================================== item 1: the primitives
def newton(a):
    return tg.while_loop(lambda y: abs(y * y - a) > 1e-12 * a, lambda y: 0.5 * (y + a / y), a)


def newton_trips(a):
    n, y = 0, a
    while abs(y * y - a) > 1e-12 * a:
        y, n = 0.5 * (y + a / y), n + 1
    return n


NEWTON_INPUTS = [7.0, 2.0, 1e6, 0.3, 1e-5, 123.0, 5e10, 1.5, 1.0, 4.0, 1e-300, 9e200, 17.0]


def test_a_while_loop_under_jit_is_a_python_while_equal_to_eager_bit_for_bit():
    jf = tg.jit(newton)
    assert len({newton_trips(a) for a in NEWTON_INPUTS}) > 8
    for a in NEWTON_INPUTS:
        assert bits(jf(a)) == bits(newton(a))
    assert jf.trace_count == 1
    source = jf.lower(2.0).source
    assert "while True:" in source and "break" in source
    assert impl_calls(source) == []


def test_jit_of_grad_of_a_while_loop_is_two_python_loops_one_trace():
    g = tg.grad(newton)
    jg = tg.jit(g)
    for a in NEWTON_INPUTS:
        assert bits(jg(a)) == bits(g(a))
        if newton_trips(a):               # else the loop never ran: y = a
            assert math.isclose(jg(a), 0.5 / math.sqrt(a), rel_tol=1e-6)
    assert jg.trace_count == 1
    source = jg.lower(2.0).source
    assert "while True:" in source and source.count("for i in range(n):") == 2
    assert impl_calls(source) == []


def test_jit_of_value_and_grad_of_a_while_loop_with_a_pytree_carry():
    def f(x, w):
        def body(c):
            v, k = c
            return (v * 0.5 + w, k + 1)
        v, k = tg.while_loop(lambda c: tg.sum(c[0]) > 13.0 * tg.sum(w), body, (x * 10.0, 0))
        return tg.sum(v * v) * k
    vg = tg.value_and_grad(f, argnums=(0, 1))
    jvg = tg.jit(vg)
    w = np.array([0.5, 0.25, 1.0])
    for scale in [1.0, 3.0, 40.0, 1e4]:
        x = np.array([1.0, 2.0, 3.0]) * scale
        assert bits(jvg(x, w)) == bits(vg(x, w))
    assert jvg.trace_count == 1
    assert impl_calls(jvg.lower(np.ones(3), w).source) == []


SCAN_OPS = {
    "sin": lambda c, x, w: (tg.sin(c * w + x), c * x),
    "mul": lambda c, x, w: (c * w + x, (c * x, c - x)),
    "tanh": lambda c, x, w: (tg.tanh(c) * w - x * 0.5, tg.cos(c)),
}


@settings(max_examples=20, deadline=None)
@given(op=st.sampled_from(sorted(SCAN_OPS)), n=st.integers(0, 30), reverse=st.booleans(),
       seed=st.integers(0, 1000))
def test_scan_under_jit_grad_and_jvp_is_a_python_for_bit_for_bit(op, n, reverse, seed):
    xs = np.random.default_rng(seed).normal(size=n)

    def f(w, xs):
        c, ys = tg.scan(lambda c, x: SCAN_OPS[op](c, x, w), 0.3, xs, reverse=reverse)
        return c + sum(tg.sum(y * y) for y in tg.tree.leaves(ys))
    for g in [f, tg.grad(f, argnums=(0, 1)),
              lambda w, xs: tg.jvp(f, (w, xs), (1.0, np.ones(n)))]:
        jg = tg.jit(g)
        assert bits(jg(0.7, xs)) == bits(g(0.7, xs))
        assert bits(jg(-0.2, xs[::-1].copy())) == bits(g(-0.2, xs[::-1].copy()))
        assert jg.trace_count == 1
        source = jg.lower(0.7, xs).source
        assert "for i in range(n" in source and impl_calls(source) == []


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int32, np.uint8])
def test_fori_loop_under_jit_keeps_every_dtype_bit_for_bit(dtype):
    def f(x):
        def body(i, c):
            return c * dtype(3) // dtype(2) if np.dtype(dtype).kind in "iu" else \
                c * dtype(0.5) + dtype(1.5)
        return tg.fori_loop(0, 5, body, x)
    x = np.array([1, 2, 7], dtype=dtype)
    jf = tg.jit(f)
    assert bits(jf(x)) == bits(f(x))
    assert jf(x).dtype == np.dtype(dtype)
    assert "for i in range(n):" in jf.lower(x).source
    if np.dtype(dtype).kind == "f":
        g = tg.grad(lambda x: tg.sum(f(x)))
        assert bits(tg.jit(g)(x)) == bits(g(x))


@pytest.mark.parametrize("scalar", [np.float32(0.25), np.int64(3), 0.25])
def test_a_while_loop_on_numpy_scalars_under_jit(scalar):
    def f(x):
        return tg.while_loop(lambda c: c < 100, lambda c: c * 2 + x, x)
    jf = tg.jit(f)
    assert bits(jf(scalar)) == bits(f(scalar))
    assert type(jf(scalar)) is type(f(scalar))


def test_fori_loop_with_traced_bounds_under_jit_and_grad():
    def f(n, x):
        return tg.fori_loop(0, n, lambda i, c: c * 0.9 + tg.sin(c) * 0.1, x)
    jf = tg.jit(f)
    jg = tg.jit(tg.grad(f, argnums=1))
    for n in [0, 1, 5, 17, 40]:
        assert bits(jf(n, 0.7)) == bits(f(n, 0.7))
        assert bits(jg(n, 0.7)) == bits(tg.grad(f, argnums=1)(n, 0.7))
    assert jf.trace_count == 1 and jg.trace_count == 1
    assert impl_calls(jg.lower(3, 0.7).source) == []


def test_checkpointed_scan_under_jit_of_grad():
    xs = np.linspace(-1.0, 1.0, 30)

    def f(w):
        c, _ = tg.scan(tg.checkpoint(lambda c, x: (tg.sin(c * w + x), None)), 0.1, xs)
        return c
    g = tg.grad(f)
    assert bits(tg.jit(g)(0.8)) == bits(g(0.8))
    assert "for i in range(n" in tg.jit(g).lower(0.8).source


def test_make_tape_of_a_loop_still_replays():
    tape = tg.make_tape(newton)(2.0)
    assert "while" in str(tape)
    assert bits(tape(9.0)) == bits(newton(9.0))


# ============================================ item 2: vmap of a Python while
def halving_sin(x, w):
    s = w * 0.5
    while x > 1.0:
        x = x * 0.5
        s = tg.sin(s * w + x * 1e-3)
    return s + x


def halving_mul(x, w):
    s = w * 0.5
    while x > 1.0:
        x = x * 0.5
        s = s * w + 0.25
    return s * x


def halving_relu(x, w):
    s = w * 0.5
    while x > 1.0:
        x = x * 0.5
        s = tg.relu(s - w * x) + w * 0.5
    return s + x * w


PROGRAMS = {"sin": halving_sin, "mul": halving_mul, "relu": halving_relu}


def start(t):
    """An input whose loop runs exactly ``t`` times (0.75 * 2**t halves t times to 0.75)."""
    return 0.75 * 2.0 ** t


def newton_sqrt(a):
    x = a
    while tg.abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x


def bisect_where(c):
    lo, hi = 0.0 * c, c + 1.0
    while hi - lo > 1e-9:
        mid = 0.5 * (lo + hi)
        above = mid * mid * mid > c
        lo, hi = tg.where(above, lo, mid), tg.where(above, mid, hi)
    return 0.5 * (lo + hi)


def counted(fun, calls):
    def f(*args):
        calls.append(1)
        return fun(*args)
    f.__name__ = fun.__name__
    return f


@pytest.mark.parametrize("fun", [newton_sqrt, bisect_where])
def test_vmap_and_vmap_grad_of_a_python_while_take_any_mix_of_trip_counts(fun):
    xs = np.exp(np.random.default_rng(0).uniform(-12, 40, 200))
    for f in [fun, tg.grad(fun), tg.value_and_grad(fun)]:
        calls = []
        got = tg.vmap(counted(f, calls))(xs)
        want = [f(x) for x in xs]
        if isinstance(got, tuple):
            for k, g in enumerate(got):
                assert bits(g) == bits(np.array([w[k] for w in want]))
        else:
            assert bits(got) == bits(np.array(want))
        assert len(calls) <= 3           # traced once, and for a trip count too short to roll


def test_vmap_of_newtons_sqrt_sees_many_more_trip_counts_than_specializations():
    xs = np.exp(np.random.default_rng(1).uniform(-300, 300, 300))
    assert len({newton_trips(x) for x in xs}) > 20
    close(tg.vmap(newton_sqrt)(xs), np.sqrt(xs), rtol=1e-11)
    close(tg.vmap(tg.grad(newton_sqrt))(xs), 0.5 / np.sqrt(xs), rtol=1e-6)


@settings(max_examples=15, deadline=None)
@given(name=st.sampled_from(sorted(PROGRAMS)),
       trips=st.lists(st.integers(1, 60), min_size=1, max_size=25),
       w=st.floats(0.1, 0.9), shared=st.booleans())
def test_vmap_of_random_while_programs_equals_a_python_loop(name, trips, w, shared):
    f = PROGRAMS[name]
    xs = np.array([start(t) for t in trips])
    ws = w if shared else np.full(len(xs), w) + 0.01 * np.arange(len(xs))
    axes = (0, None) if shared else (0, 0)
    wl = [ws if shared else ws[k] for k in range(len(xs))]
    for g in [f, tg.grad(f, argnums=(0, 1))]:
        got = tg.vmap(g, in_axes=axes)(xs, ws)
        want = [g(x, v) for x, v in zip(xs, wl)]
        if isinstance(got, tuple):
            for k in range(2):
                if k == 1 and shared:       # the shared argument's gradient, per example
                    close(got[k], [wv[k] for wv in want])
                else:
                    close(got[k], [wv[k] for wv in want])
        else:
            close(got, want)


@settings(max_examples=15, deadline=None)
@given(name=st.sampled_from(sorted(PROGRAMS)), traced=st.integers(6, 14),
       others=st.lists(st.integers(1, 60), min_size=1, max_size=8), w=st.floats(0.1, 0.9))
def test_jit_of_random_while_programs_is_one_trace_at_unseen_trip_counts(name, traced,
                                                                          others, w):
    f = PROGRAMS[name]
    jf = tg.jit(f)
    assert bits(jf(start(traced), w)) == bits(f(start(traced), w))
    for t in others:
        assert bits(jf(start(t), w)) == bits(f(start(t), w))
    # one trace; a loop that runs once at a call ends before the rolled loop's first test
    assert jf.trace_count <= 1 + (1 in others)
    assert "while True" in jf.lower(start(traced), w).source


@settings(max_examples=10, deadline=None)
@given(name=st.sampled_from(sorted(PROGRAMS)), trips=st.lists(st.integers(1, 60), min_size=1,
                                                              max_size=4),
       w=st.floats(0.2, 0.8))
def test_jit_of_grad_of_while_programs_matches_central_differences(name, trips, w):
    f = PROGRAMS[name]
    jg = tg.jit(tg.grad(f, argnums=1))
    h = 1e-6
    for t in trips:
        x = start(t)
        got = jg(x, w)
        assert bits(got) == bits(tg.grad(f, argnums=1)(x, w))
        assert math.isclose(got, (f(x, w + h) - f(x, w - h)) / (2 * h), rel_tol=1e-5,
                            abs_tol=1e-7)


@pytest.mark.parametrize("trips", [[2, 1], [3, 1], [1, 2, 1], [2, 9, 1, 1]])
def test_vmap_grad_traced_at_a_short_loop_reads_each_example_at_its_own_count(trips):
    # traced at two or three trips, a value read after the loop could count
    # from its start or its end: the other examples tell which
    g = tg.grad(halving_mul, argnums=(0, 1))
    xs = np.array([start(t) for t in trips])
    ws = 0.5 + 0.01 * np.arange(len(xs))
    got = tg.vmap(g)(xs, ws)
    want = [g(x, w) for x, w in zip(xs, ws)]
    for k in range(2):
        assert bits(got[k]) == bits(np.array([wv[k] for wv in want]))


def shrink(x, w):
    s = tg.sum(w * 0.0)
    while tg.sum(x * x) > 1.0:
        x = x * 0.5 + w * 0.01
        s = s + tg.sum(tg.sin(x))
    return s + tg.sum(x)


def test_vmap_of_a_while_on_an_array_carry():
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(30, 3)) * np.exp(rng.uniform(0, 15, size=(30, 1)))
    w = np.array([0.1, 0.2, 0.3])
    for f in [shrink, tg.grad(shrink), tg.grad(shrink, argnums=1)]:
        got = tg.vmap(f, in_axes=(0, None))(xs, w)
        close(got, np.array([f(x, w) for x in xs]))


def over_data(w, data):
    s = w
    for x in data:
        s = tg.sin(s * w + x) * 0.9
    return s


def test_a_for_loop_over_data_under_jit_vmap_and_vmap_grad():
    rng = np.random.default_rng(3)
    data = rng.normal(size=(6, 24))
    jf = tg.jit(over_data)
    for row in data:
        assert bits(jf(0.4, row)) == bits(over_data(0.4, row))
    assert jf.trace_count == 1 and "for " in jf.lower(0.4, data[0]).source
    ws = np.linspace(0.1, 0.9, 6)
    close(tg.vmap(over_data)(ws, data), [over_data(w, r) for w, r in zip(ws, data)])
    g = tg.grad(over_data)
    close(tg.vmap(g)(ws, data), [g(w, r) for w, r in zip(ws, data)])


def with_break(x):
    for _ in range(20):
        x = x * 0.5 + 0.1 * tg.sin(x)
        if x < 0.01:
            break
    return x


def test_a_for_loop_with_a_break_under_jit_and_vmap():
    jf = tg.jit(with_break)
    xs = [100.0, 1e6, 3.0, 1e30, 0.001, 5e5, 7.0]
    for x in xs:
        assert bits(jf(x)) == bits(with_break(x))
    few = np.array([0.001, 0.05, 0.3, 0.02, 0.5])      # a few break positions
    close(tg.vmap(with_break)(few), [with_break(x) for x in few])
    close(tg.vmap(tg.grad(with_break))(few), [tg.grad(with_break)(x) for x in few])


def while_in_a_branch(x, w):
    if x > 3.0:
        s = w
        while x > 1.0:
            x = x * 0.5
            s = tg.tanh(s + w * x)
        return s
    return x * w


def test_a_while_loop_inside_a_branch_under_jit_and_vmap():
    ts = [2, 9, 40, 3, 17, 60, 5, 25, 11, 33, 4]
    xs = np.array([start(t) for t in ts] + [0.5, 1.5, 2.9])
    jf = tg.jit(while_in_a_branch)
    for x in xs:
        assert bits(jf(x, 0.3)) == bits(while_in_a_branch(x, 0.3))
    assert jf.trace_count <= 3
    for g in [while_in_a_branch, tg.grad(while_in_a_branch, argnums=1)]:
        got = tg.vmap(g, in_axes=(0, None))(xs, 0.3)
        close(got, [g(x, 0.3) for x in xs])


def test_vmap_of_a_while_whose_values_are_read_from_a_middle_iteration_stays_exact():
    # the traced program reads an iteration that has no place at other trip
    # counts: it is played as before, one specialization per pattern
    def f(x):
        ys = []
        while x > 1.0:
            x = x * 0.5
            ys.append(x)
        return x + ys[len(ys) // 2]
    xs = np.array([start(t) for t in [6, 7, 6, 7]])
    close(tg.vmap(f)(xs), [f(x) for x in xs])


# ====================================== ported from JAX's lax_control_flow_test
def test_jax_while_with_tuple_under_jit():
    def loop(init):
        return tg.while_loop(lambda s: s[0] < 10, lambda s: (s[0] + 1, s[1] + 1), (init, 0))[1]
    cloop = tg.jit(loop)
    assert loop(2) == 8 and cloop(2) == 8 and cloop(3) == 7
    assert cloop.trace_count == 1 and "while True:" in cloop.lower(2).source


def test_jax_nested_while_under_jit_is_two_nested_python_loops():
    def inner(i, count):
        return tg.while_loop(lambda s: s[1] <= s[0], lambda s: (s[0], s[1] + 1, s[2] + 1),
                             (i, 0, count))[2]

    def outer(num):
        _, i, count = tg.while_loop(lambda s: s[1] < s[0],
                                    lambda s: (s[0], s[1] + 1, inner(s[1], s[2])),
                                    (num, 0, 0))
        return i, count
    cloop = tg.jit(outer)
    for num, want in [(3, 6), (2, 3), (4, 10), (0, 0)]:
        assert tuple(map(int, cloop(num))) == (num, want)
        assert bits(cloop(num)) == bits(outer(num))
    assert cloop.lower(3).source.count("while True:") == 2


def test_jax_while_with_many_args_under_jit():
    f = tg.jit(lambda x: tg.while_loop(lambda s: s[0] < 2, lambda s: tuple(v + 1 for v in s),
                                       (x,) * 64))
    assert bits(f(0.0)) == bits(tuple(2.0 for _ in range(64)))


def test_jax_fori_loop_closure_and_tuple_state_under_jit():
    def count(num):
        return tg.fori_loop(0, num, lambda i, tot: num + (tot + i), 0.0)   # jit: num a float
    cfun = tg.jit(count)
    for n in [2, 3, 4]:
        assert cfun(n) == count(n) == n * (n - 1) // 2 + n * n

    def sum_first_n(arr, num):
        return tg.fori_loop(0, num, lambda i, s: (s[0], s[1] + s[0][i]), (arr, 0.0))[1]
    x = np.random.default_rng(0).normal(size=10)
    cf = tg.jit(sum_first_n)
    for n in [0, 5, 10]:
        assert bits(cf(x, n)) == bits(sum_first_n(x, n))
        assert math.isclose(cf(x, n), float(np.sum(x[:n])), rel_tol=1e-12, abs_tol=1e-15)


def test_jax_scan_against_the_reference_loop_under_jit_with_gradients():
    def f(c, a):
        b = tg.cos(tg.sum(tg.sin(a)) + tg.sum(tg.cos(c)) + tg.sum(tg.tan(a)))
        c = tg.sin(c * b)
        return c, b
    rng = np.random.default_rng(0)
    c0, xs = rng.normal(size=3), rng.normal(size=(5, 4))

    def reference(c, xs):
        ys = []
        for x in xs:
            c, y = f(c, x)
            ys.append(y)
        return c, np.array(ys)

    def loss(c, xs):
        c, ys = tg.scan(f, c, xs)
        return tg.sum(c) + tg.sum(ys)
    jscan = tg.jit(lambda c, xs: tg.scan(f, c, xs))
    got, want = jscan(c0, xs), reference(c0, xs)
    close(got[0], want[0])
    close(got[1], want[1])
    g = tg.grad(loss, argnums=(0, 1))
    jg = tg.jit(g)
    assert bits(jg(c0, xs)) == bits(g(c0, xs))
    h = 1e-6
    e = np.zeros(3)
    e[1] = h
    assert math.isclose(jg(c0, xs)[0][1], (loss(c0 + e, xs) - loss(c0 - e, xs)) / (2 * h),
                        rel_tol=1e-5)


def test_jax_while_loop_batched_cond_and_body_consts():
    fun = tg.jit(lambda x: tg.while_loop(lambda x: x < 3, lambda x: x + 2, x))
    assert list(tg.vmap(fun)(np.array([0.0, 1.0, 2.0, 3.0]))) == [4.0, 3.0, 4.0, 3.0]

    def cond_consts(x, y):
        return tg.while_loop(lambda x: x < y, lambda x: x + 2, x)
    assert list(tg.vmap(cond_consts, in_axes=(None, 0))(0.0, np.array([2.0, 3.0]))) == \
        [2.0, 4.0]
