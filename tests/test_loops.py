"""Loop primitives (tg.scan, tg.fori_loop, tg.while_loop) and tg.checkpoint.

Each loop is checked against the same Python loop: values bit for bit where
the same operations run, gradients against the Python loop's gradient and
central differences; every transform (grad, jvp, vmap, jit, make_tape) and
their compositions; ports of JAX's tests/lax_control_flow_test.py cases.
"""

from __future__ import annotations

import os
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tapegrad as tg


def central(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


def close(a, b, rtol=1e-7, atol=1e-9):
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=atol)


def same(a, b):
    """Bit for bit, leaf by leaf, with the same dtypes."""
    la, lb = tg.tree.leaves(a), tg.tree.leaves(b)
    assert len(la) == len(lb)
    for x, y in zip(la, lb):
        assert np.asarray(x).dtype == np.asarray(y).dtype, (x, y)
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


# ----------------------------------------------------------- reference loops
def scan_ref(f, init, xs, length=None, reverse=False):
    n = length if xs is None else len(tg.tree.leaves(xs)[0])
    carry, ys = init, [None] * n
    for i in (range(n - 1, -1, -1) if reverse else range(n)):
        x = None if xs is None else tg.tree.map(lambda a, i=i: a[i], xs)
        carry, ys[i] = f(carry, x)
    if not n or ys[0] is None:
        return carry, None
    return carry, tg.tree.map(lambda *y: np.stack([np.asarray(v) for v in y]), *ys)


def while_ref(cond, body, val):
    while cond(val):
        val = body(val)
    return val


# -------------------------------------------------------------- programs
def rnn_step(params, c, x):
    W, U = params
    h = tg.tanh(W @ c + U * x)
    return h, tg.sum(h * h)


def rnn_loss(params, c0, xs):
    c, ys = tg.scan(lambda c, x: rnn_step(params, c, x), c0, xs)
    return tg.sum(c) + tg.sum(ys)


def rnn_loss_ref(params, c0, xs):
    c, ys = c0, []
    for x in xs:
        c, y = rnn_step(params, c, x)
        ys.append(y)
    return tg.sum(c) + tg.sum(tg.stack(ys))


def newton_sqrt(a):
    """sqrt(a) by Newton's method: the trip count depends on a."""
    return tg.while_loop(lambda x: tg.abs(x * x - a) > 1e-10 * a,
                         lambda x: 0.5 * (x + a / x), a + 1.0)


def newton_ref(a):
    x = a + 1.0
    while abs(x * x - a) > 1e-10 * a:
        x = 0.5 * (x + a / x)
    return x


def power_loop(a):
    """Multiply by a until past 10: n(a) steps, value a^n."""
    return tg.while_loop(lambda x: x < 10.0, lambda x: a * x, 1.0)


def power_ref(a):
    x = 1.0
    while x < 10.0:
        x = a * x
    return x


RNG = np.random.default_rng(0)
PARAMS = (RNG.normal(size=(4, 4)) * 0.5, RNG.normal(size=4))
C0 = RNG.normal(size=4)
XS = RNG.normal(size=7)


# ------------------------------------------------------------------ values
def test_scan_values_equal_the_python_loop_bit_for_bit():
    f = lambda c, x: (c * 0.9 + tg.sin(x), c * x)
    same(tg.scan(f, 1.0, np.linspace(0, 1, 11)), scan_ref(f, 1.0, np.linspace(0, 1, 11)))
    same(tg.scan(f, 1.0, np.linspace(0, 1, 11), reverse=True),
         scan_ref(f, 1.0, np.linspace(0, 1, 11), reverse=True))
    same(tg.scan(lambda c, x: rnn_step(PARAMS, c, x), C0, XS),
         scan_ref(lambda c, x: rnn_step(PARAMS, c, x), C0, XS))


def test_scan_pytree_carry_and_xs_and_no_ys():
    f = lambda c, x: ({"s": c["s"] + x["a"] * x["b"], "n": c["n"] + 1}, None)
    xs = {"a": np.arange(5.0), "b": np.arange(10.0).reshape(5, 2)}
    got = tg.scan(f, {"s": np.zeros(2), "n": 0}, xs)
    want = scan_ref(f, {"s": np.zeros(2), "n": np.int64(0)}, xs)
    same(got, want)
    assert got[1] is None


def test_scan_length_without_xs():
    got = tg.scan(lambda c, _: (c * 2.0, c), 1.0, None, length=5)
    same(got, scan_ref(lambda c, _: (c * 2.0, c), 1.0, None, length=5))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtypes_are_kept(dtype):
    xs = np.linspace(0, 1, 6).astype(dtype)
    f = lambda c, x: (c * dtype(0.5) + x, c * x)
    c0 = np.ones(3, dtype)
    got = tg.scan(f, c0, xs)
    same(got, scan_ref(f, c0, xs))
    assert got[0].dtype == dtype and got[1].dtype == dtype
    g = tg.grad(lambda c: tg.sum(tg.scan(f, c, xs)[0]))(c0)
    assert g.dtype == dtype
    h = lambda c, x: (c + x * 0.1, x * 0.3)          # one step of xs is a scalar of dtype
    same(tg.scan(h, dtype(0.0), xs), scan_ref(h, dtype(0.0), xs))
    assert tg.grad(lambda x: tg.sum(tg.scan(h, dtype(0.0), x)[1]))(xs).dtype == dtype


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_integer_xs_index_traced_arrays(dtype):
    idx = np.array([2, 0, 1, 2], dtype=dtype)
    f = lambda w: tg.scan(lambda c, i: (c + tg.take(w, i, axis=0) * c, None), 1.0, idx)[0]

    def ref(w):
        c = 1.0
        for i in idx:
            c = c + w[i] * c
        return c
    w = np.array([0.1, 0.2, 0.3])
    same(f(w), ref(w))
    close(tg.grad(f)(w), tg.grad(ref)(w))
    close(tg.jit(tg.grad(f))(w), tg.grad(ref)(w))


def test_fori_loop_values():
    body = lambda i, x: x * 1.5 + i
    same(tg.fori_loop(0, 6, body, 1.0), _fori_ref(0, 6, body, 1.0))
    same(tg.fori_loop(3, 3, body, 1.0), 1.0)


def _fori_ref(lo, hi, body, val):
    for i in range(lo, hi):
        val = body(np.int64(i), val)
    return val


def test_while_loop_values():
    for a in [0.5, 2.0, 9.0, 1e4]:
        same(newton_sqrt(a), newton_ref(a))
    assert tg.while_loop(lambda x: x < 0.0, lambda x: x + 1.0, 3.0) == 3.0


# --------------------------------------------------------------- gradients
def test_scan_grad_equals_python_loop_grad_and_central_differences():
    g = tg.grad(rnn_loss, argnums=(0, 1, 2))(PARAMS, C0, XS)
    want = tg.grad(rnn_loss_ref, argnums=(0, 1, 2))(PARAMS, C0, XS)
    for a, b in zip(tg.tree.leaves(g), tg.tree.leaves(want)):
        close(a, b, rtol=1e-12, atol=1e-14)
    close(g[2][3], central(lambda x: rnn_loss(PARAMS, C0, np.r_[XS[:3], x, XS[4:]]), XS[3]),
          rtol=1e-6)


def test_while_grad_with_data_dependent_trip_counts():
    for a in [0.3, 2.0, 9.0, 100.0, 1e5]:
        close(tg.grad(newton_sqrt)(a), tg.grad(newton_ref)(a), rtol=1e-12)
        close(tg.grad(newton_sqrt)(a), 0.5 / np.sqrt(a), rtol=1e-7)
    for a in [1.5, 2.0, 3.0, 11.0]:
        close(tg.grad(power_loop)(a), tg.grad(power_ref)(a), rtol=1e-14)
        close(tg.grad(power_loop)(a), central(power_loop, a), rtol=1e-6)


def test_fori_loop_grad_both_bounds_kinds():
    f = lambda a: tg.fori_loop(0, 5, lambda i, x: tg.sin(x) * a + i, 0.3)
    ref = lambda a: _fori_ref(0, 5, lambda i, x: tg.sin(x) * a + i, 0.3)
    close(tg.grad(f)(1.2), tg.grad(ref)(1.2), rtol=1e-14)
    traced = lambda a, n: tg.fori_loop(0, n, lambda i, x: tg.sin(x) * a + i, 0.3)
    close(tg.jit(tg.grad(traced))(1.2, 5), tg.grad(ref)(1.2), rtol=1e-14)


def test_higher_order_derivatives():
    close(tg.grad(tg.grad(power_loop))(2.0), tg.grad(tg.grad(power_ref))(2.0), rtol=1e-12)
    f = lambda a: tg.scan(lambda c, x: (tg.sin(c * a) + x, None), 0.1, XS)[0]
    ref = lambda a: scan_ref(lambda c, x: (tg.sin(c * a) + x, None), 0.1, XS)[0]
    close(tg.grad(tg.grad(f))(0.7), tg.grad(tg.grad(ref))(0.7), rtol=1e-10)
    close(tg.hessian(f)(0.7), tg.hessian(ref)(0.7), rtol=1e-10)
    close(tg.jvp(tg.grad(f), (0.7,), (1.0,))[1], tg.grad(tg.grad(ref))(0.7), rtol=1e-10)
    close(tg.grad(tg.grad(tg.grad(f)))(0.7), central(tg.grad(tg.grad(ref)), 0.7), rtol=1e-5)
    close(tg.jvp(f, (0.7,), (1.0,)), tg.jvp(ref, (0.7,), (1.0,)), rtol=1e-12)
    close(tg.jvp(power_loop, (2.0,), (1.0,)), (16.0, 32.0))


def test_closed_over_traced_values_get_gradients():
    def f(w, b):
        return tg.while_loop(lambda s: s[1] < 4, lambda s: (tg.tanh(s[0] * w + b), s[1] + 1),
                             (0.5, 0))[0]

    def ref(w, b):
        x = 0.5
        for _ in range(4):
            x = tg.tanh(x * w + b)
        return x
    close(tg.grad(f, argnums=(0, 1))(0.8, 0.1), tg.grad(ref, argnums=(0, 1))(0.8, 0.1),
          rtol=1e-13)


def test_nested_loops_and_loops_inside_branches():
    def f(a):
        if a > 1.0:                  # a Python branch around the loops
            return tg.fori_loop(0, 2, lambda i, x: tg.fori_loop(0, 3, lambda j, y: y * a + i,
                                                                  x), 1.0)
        return tg.scan(lambda c, x: (c * a, None), 2.0, None, length=3)[0]

    def ref(a):
        if a > 1.0:
            x = 1.0
            for i in range(2):
                for _ in range(3):
                    x = x * a + i
            return x
        return 2.0 * a * a * a
    for a in [1.1, 0.5]:
        close(f(a), ref(a), rtol=1e-15)
        close(tg.grad(f)(a), tg.grad(ref)(a), rtol=1e-13)
        close(tg.jit(f)(a), ref(a), rtol=1e-15)
        close(tg.jit(tg.grad(f))(a), tg.grad(ref)(a), rtol=1e-13)
        close(tg.hessian(f)(a), tg.hessian(ref)(a), rtol=1e-12)


def test_a_branch_on_a_traced_value_inside_a_body_is_refused():
    def body(x):
        return x * 2.0 if x > 1.0 else x + 1.0
    with pytest.raises(TypeError, match="tg.where"):
        tg.while_loop(lambda x: x < 5.0, body, tg.make_tape(lambda y: y)(0.5)(0.5) + 0.5)
    with pytest.raises(TypeError, match="tg.where"):
        tg.grad(lambda a: tg.while_loop(lambda x: x < 5.0, body, a))(0.5)


# -------------------------------------------------------------- transforms
def test_jit_equals_eager_bit_for_bit_with_one_trace_across_trip_counts():
    j, jg = tg.jit(newton_sqrt), tg.jit(tg.grad(newton_sqrt))
    trips = set()
    for a in [0.5, 9.0, 100.0, 1e6, 1e-3, 123.0, 4e8, 1e12, 1e-8, 1e20, 1e30]:
        same(j(a), newton_sqrt(a))
        same(jg(a), tg.grad(newton_sqrt)(a))
        trips.add(_trips(a))
    assert len(trips) > 8              # more trip counts than specializations allowed
    assert j.trace_count == 1 and jg.trace_count == 1


def _trips(a):
    x, n = a + 1.0, 0
    while abs(x * x - a) > 1e-10 * a:
        x, n = 0.5 * (x + a / x), n + 1
    return n


def test_jit_of_scan_and_grad():
    j = tg.jit(rnn_loss)
    same(j(PARAMS, C0, XS), rnn_loss(PARAMS, C0, XS))
    jg = tg.jit(tg.grad(rnn_loss))
    same(jg(PARAMS, C0, XS), tg.grad(rnn_loss)(PARAMS, C0, XS))
    same(jg(PARAMS, C0 * 2, XS), tg.grad(rnn_loss)(PARAMS, C0 * 2, XS))
    assert jg.trace_count == 1


def test_vmap_equals_a_python_loop_with_different_trip_counts():
    a = np.array([0.5, 2.0, 9.0, 100.0, 1e5])
    assert len({_trips(x) for x in a}) > 2
    same(tg.vmap(newton_sqrt)(a), np.array([newton_sqrt(x) for x in a]))
    same(tg.vmap(tg.grad(newton_sqrt))(a), np.array([tg.grad(newton_sqrt)(x) for x in a]))
    same(tg.vmap(tg.grad(power_loop))(np.array([1.5, 2.0, 3.0])),
         np.array([tg.grad(power_loop)(x) for x in [1.5, 2.0, 3.0]]))
    same(tg.jit(tg.vmap(tg.grad(power_loop)))(np.array([1.5, 2.0, 3.0])),
         np.array([tg.grad(power_loop)(x) for x in [1.5, 2.0, 3.0]]))


def test_vmap_of_scan_over_examples():
    xs = RNG.normal(size=(3, 7))
    got = tg.vmap(lambda x: tg.grad(rnn_loss, argnums=2)(PARAMS, C0, x))(xs)
    same(got, np.stack([tg.grad(rnn_loss, argnums=2)(PARAMS, C0, x) for x in xs]))


def test_make_tape_replays_at_new_arguments_and_prints_the_body():
    tape = tg.make_tape(power_loop)(2.0)
    for a in [2.0, 1.5, 3.0]:               # other trip counts than recorded
        same(tape(a), power_loop(a))
    text = str(tape)
    assert "while" in text and "\n  body:" in text and "mul" in text
    assert sum(1 for line in text.splitlines() if not line.startswith(" ")
               and "while" in line) == 1        # one record for the whole loop
    gtape = tg.make_tape(tg.grad(power_loop))(2.0)
    for a in [1.5, 3.0]:
        same(gtape(a), tg.grad(power_loop)(a))
    stape = tg.make_tape(rnn_loss)(PARAMS, C0, XS)
    same(stape(PARAMS, C0 + 1, XS), rnn_loss(PARAMS, C0 + 1, XS))
    assert "scan" in str(stape)


def test_one_record_however_many_steps():
    short = tg.make_tape(lambda a: tg.fori_loop(0, 3, lambda i, x: x * a, 1.0))(2.0)
    long = tg.make_tape(lambda a: tg.fori_loop(0, 3000, lambda i, x: x * a, 1.0))(1.0)
    assert len(short.records) == len(long.records)


# ------------------------------------------------------------------ errors
def test_carry_that_changes_kind_names_the_leaf():
    with pytest.raises(TypeError, match=r"carry\[1\] has type float32\[\] but .* float64\[\]"):
        tg.scan(lambda c, x: ((c[0], c[1] + np.float64(1.0)), None), (1.0, np.float32(1.0)), None,
                length=2)
    with pytest.raises(TypeError, match=r"carry\['w'\] has type float64\[3\] .* float64\[2\]"):
        tg.while_loop(lambda c: False, lambda c: {"w": c["w"][:2]}, {"w": np.ones(3)})
    with pytest.raises(TypeError, match="same structure"):
        tg.while_loop(lambda c: True, lambda c: (c, c), 0.0)
    with pytest.raises(TypeError, match="must return a pair"):
        tg.scan(lambda c, x: c, 0.0, np.ones(2))
    with pytest.raises(TypeError, match="expected a function"):
        tg.fori_loop(0, 1, 42, 0.0)
    with pytest.raises(ValueError, match="leading axes"):
        tg.scan(lambda c, x: (c, None), 0.0, (np.ones(2), np.ones(3)))


# ------------------------------------------------ ported from JAX's tests
def test_jax_while_with_tuple():
    def loop(init):
        return tg.while_loop(lambda s: s[0] < 10, lambda s: (s[0] + 1, s[1] + 1), (init, 0))[1]
    c = tg.jit(loop)
    assert loop(2) == 8 and c(2) == 8 and c(3) == 7 and c.trace_count == 1


def test_jax_nested_while():
    def outer(num):
        def inner(i, count):
            return tg.while_loop(lambda s: s[1] <= s[0],
                                 lambda s: (s[0], s[1] + 1, s[2] + 1), (i, 0, count))[2]
        _, i, count = tg.while_loop(lambda s: s[1] < s[0],
                                    lambda s: (s[0], s[1] + 1, inner(s[1], s[2])),
                                    (num, 0, 0))
        return i, count
    c = tg.jit(outer)
    assert outer(3) == (3, 6) and c(3) == (3, 6) and c(2) == (2, 3) and c(4) == (4, 10)


def test_jax_while_with_closure_and_conjunction():
    def sum_first_n(arr, num):
        def cond(s):
            return (s[0] < num) & (s[0] < arr.shape[0])
        return tg.while_loop(cond, lambda s: (s[0] + 1, s[1] + tg.take(arr, s[0], axis=0)),
                             (0, 0.0))[1]
    x = RNG.normal(size=10)
    for num in [0, 5, 10, 15]:
        close(sum_first_n(x, num), np.sum(x[:num]), rtol=1e-14, atol=0)
        close(tg.jit(sum_first_n)(x, num), np.sum(x[:num]), rtol=1e-14, atol=0)
        close(tg.grad(sum_first_n)(x, num), (np.arange(10) < num).astype(float))


def test_jax_while_loop_batched():
    same(tg.vmap(lambda x: tg.while_loop(lambda x: x < 3, lambda x: x + 2, x))(
        np.array([0, 1, 2, 3])), np.array([4, 3, 4, 3]))
    fun = lambda x, y: tg.while_loop(lambda x: x < y, lambda x: x + 2, x)
    close(tg.vmap(fun, in_axes=(None, 0))(0.0, np.array([2.0, 3.0])), [2, 4])
    fun = lambda x, y: tg.while_loop(lambda x: x < 3, lambda x: x + y, x)
    close(tg.vmap(fun, in_axes=(None, 0))(0.0, np.array([2.0, 3.0])), [4, 3])
    fun = lambda x, y: tg.while_loop(lambda c: c[0] + c[1] < 5, lambda c: (c[0] + 1, c[1]),
                                     (x, y))
    got = tg.vmap(fun)(np.array([0.0, 0.0]), np.array([1.0, 2.0]))
    close(got[0], [4, 3])
    close(got[1], [1, 2])


def test_jax_fori_loop_batched_basic_and_closure():
    def fun(x):
        return tg.fori_loop(0, 10, lambda i, c: (c[0] + 1, c[1] + 2), (x, 0))
    got = tg.vmap(fun)(np.array([0.0, 1.0]))
    close(got[0], [10, 11])
    close(got[1], [20, 20])
    count = lambda num: tg.fori_loop(0, num, lambda i, tot: tot + i, 0)
    assert [count(n) for n in (2, 3, 4)] == [1, 3, 6]
    # jit traces an int argument as a float (as eager's transforms do), so the carry is one
    closure = lambda num: tg.fori_loop(0, num, lambda i, tot: num + (tot + i), 0.0)
    assert [closure(n) for n in (2, 3, 4)] == [1 + 4, 3 + 9, 6 + 16]
    c = tg.jit(closure)
    assert [c(n) for n in (2, 3, 4)] == [1 + 4, 3 + 9, 6 + 16] and c.trace_count == 1


def test_jax_scan_impl_jvp_and_grad():
    d = RNG.normal(size=2)

    def f(c, a):
        b = tg.sin(c * tg.sum(tg.cos(d * a)))
        c = 0.9 * tg.cos(d * tg.sum(tg.sin(c * a)))
        return c, b
    c0, a = RNG.normal(size=2), RNG.normal(size=(4, 2))
    same(tg.scan(f, c0, a), scan_ref(f, c0, a))
    loss = lambda c, a, scanner: tg.sum(scanner(f, c, a)[0]) + tg.sum(scanner(f, c, a)[1])
    g = tg.grad(loss, argnums=(0, 1))(c0, a, tg.scan)
    want = tg.grad(loss, argnums=(0, 1))(c0, a, scan_ref_tg)
    for x, y in zip(g, want):
        close(x, y, rtol=1e-12)
    t = RNG.normal(size=2)
    close(tg.jvp(lambda c: loss(c, a, tg.scan), (c0,), (t,))[1],
          tg.jvp(lambda c: loss(c, a, scan_ref_tg), (c0,), (t,))[1], rtol=1e-12)


def scan_ref_tg(f, init, xs):
    carry, ys = init, []
    for k in range(len(xs)):
        carry, y = f(carry, xs[k])
        ys.append(y)
    return carry, tg.stack(ys)


def test_jax_scan_rnn_grad_and_vmap():
    W, U = PARAMS
    xs = RNG.normal(size=(2, 5))

    def loss(W, x):
        return rnn_loss((W, U), C0, x)
    g = tg.vmap(tg.grad(loss), in_axes=(None, 0))(W, xs)
    same(g, np.stack([tg.grad(loss)(W, x) for x in xs]))
    close(g[0], tg.grad(lambda W: rnn_loss_ref((W, U), C0, xs[0]))(W), rtol=1e-12)


# --------------------------------------------------------------- hypothesis
@settings(max_examples=25, deadline=None, derandomize=bool(os.environ.get("CI")))
@given(st.lists(st.floats(1.05, 4.0), min_size=1, max_size=5), st.integers(0, 2))
def test_random_trip_counts_under_every_transform(avals, which):
    limit = [10.0, 50.0, 3.0][which]

    def f(a):
        x = tg.while_loop(lambda s: s[0] < limit, lambda s: (s[0] * a + 0.1, s[1] + 1), (1.0, 0))
        return tg.sin(x[0]) * a

    def ref(a):
        x = 1.0
        while x < limit:
            x = x * a + 0.1
        return tg.sin(x) * a
    a = np.array(avals)
    same(tg.vmap(f)(a), np.array([ref(v) for v in avals]))
    gs = np.array([tg.grad(ref)(v) for v in avals])
    close(tg.vmap(tg.grad(f))(a), gs, rtol=1e-12)
    j = tg.jit(tg.grad(f))
    for v, g in zip(avals, gs):
        close(j(v), g, rtol=1e-12)
    assert j.trace_count == 1


# -------------------------------------------------------------- checkpoint
def _big_loss(step):
    def loss(c0, xs):
        c, ys = tg.scan(step, c0, xs)
        return tg.sum(c * c) + tg.sum(ys)
    return loss


def _step(c, x):
    return tg.tanh(c * x[0] + tg.roll(c, 1) * x[1]), tg.sum(c) * x[1]


def test_checkpoint_scan_gradient_is_bit_for_bit_the_same():
    c0, xs = RNG.normal(size=6), RNG.normal(size=(103, 2))
    for n in (103, 1, 4, 9, 10):
        g1 = tg.grad(_big_loss(_step), argnums=(0, 1))(c0, xs[:n])
        g2 = tg.grad(_big_loss(tg.checkpoint(_step)), argnums=(0, 1))(c0, xs[:n])
        same(g1, g2)
    w = RNG.normal(size=6)

    def closed(w, step):
        return tg.sum(tg.scan(lambda c, x: step(c * w, x), c0, xs)[0])
    same(tg.grad(closed)(w, _step), tg.grad(closed)(w, tg.checkpoint(_step)))
    same(tg.jit(tg.grad(_big_loss(tg.checkpoint(_step))))(c0, xs),
         tg.grad(_big_loss(_step))(c0, xs))
    close(tg.grad(tg.grad(lambda a: tg.sum(tg.scan(tg.checkpoint(lambda c, x: (
        tg.sin(c * a) + x[0], None)), 0.1, xs[:20])[0])))(0.3),
        tg.grad(tg.grad(lambda a: tg.sum(tg.scan(lambda c, x: (
            tg.sin(c * a) + x[0], None), 0.1, xs[:20])[0])))(0.3), rtol=1e-12)


def test_checkpoint_stores_about_sqrt_n_carries():
    c0, xs = np.ones(4000), RNG.normal(size=(400, 2))        # a carry of 32 kB

    def peak(step):
        tracemalloc.start()
        try:
            tg.grad(_big_loss(step))(c0, xs)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    plain, remat = peak(_step), peak(tg.checkpoint(_step))
    assert plain > 400 * 32000         # every carry stored
    assert remat < plain / 5           # about 2 * sqrt(400) carries


def test_checkpoint_of_a_function_recomputes_and_keeps_derivatives():
    f = lambda x: tg.sin(x) * tg.exp(x)
    h = lambda x: tg.checkpoint(f)(x) * 2.0
    ref = lambda x: f(x) * 2.0
    for d in (tg.grad, lambda fn: tg.grad(tg.grad(fn)), lambda fn: tg.jit(tg.grad(fn))):
        same(d(h)(0.3), d(ref)(0.3))
    close(tg.jvp(h, (0.3,), (1.0,)), tg.jvp(ref, (0.3,), (1.0,)), rtol=1e-15)
    same(tg.checkpoint(f)(0.3), f(0.3))
    same(tg.vmap(tg.grad(h))(np.array([0.1, 0.2])), np.array([tg.grad(ref)(0.1),
                                                              tg.grad(ref)(0.2)]))
    # the tape of grad holds the checkpoint record, not f's inside
    tape = tg.make_tape(lambda x: tg.vjp(h, x)[0])(0.3)
    assert "checkpoint" in str(tape) and "\n  v" in str(tape)


# ------------------------------------------------------------ more corners
def test_reverse_scan_derivatives():
    xs = np.linspace(-1, 1, 7)
    f = lambda a: tg.sum(tg.scan(lambda c, x: (tg.sin(c * a + x), c * x), 0.3, xs,
                                 reverse=True)[1])

    def ref(a):
        c, ys = 0.3, [None] * 7
        for i in range(6, -1, -1):
            ys[i] = c * xs[i]
            c = tg.sin(c * a + xs[i])
        return tg.sum(tg.stack(ys))
    same(f(0.7), ref(0.7))
    close(tg.grad(f)(0.7), tg.grad(ref)(0.7), rtol=1e-14)
    close(tg.jvp(f, (0.7,), (1.0,)), tg.jvp(ref, (0.7,), (1.0,)), rtol=1e-14)
    close(tg.grad(tg.grad(f))(0.7), tg.grad(tg.grad(ref))(0.7), rtol=1e-12)


def test_fori_loop_with_a_checkpointed_body_and_constant_outputs():
    for a in (0.9, 1.3):
        g1 = tg.grad(lambda a: tg.fori_loop(0, 50, tg.checkpoint(
            lambda i, x: tg.sin(x * a) + 0.1 * i), 0.3))(a)
        g2 = tg.grad(lambda a: tg.fori_loop(0, 50, lambda i, x: tg.sin(x * a) + 0.1 * i,
                                            0.3))(a)
        same(g1, g2)
    xs = np.linspace(-1, 1, 4)
    same(tg.scan(lambda c, x: (c + x, 0.0), 0.0, xs), scan_ref(lambda c, x: (c + x, 0.0),
                                                               0.0, xs))
    assert tg.grad(lambda a: tg.sum(tg.scan(lambda c, x: (1.0, c * a), 0.0, xs)[1]))(2.0) == 3.0
    assert tg.grad(lambda a: tg.scan(lambda c, x: (c * a, None), 2.0, np.zeros(0))[0])(3.0) == 0.0


def test_while_loop_jacobians_and_integer_carries():
    w = lambda a: tg.while_loop(lambda s: s[0] < 10.0, lambda s: (s[0] * a, s[1] + 1), (1.0, 0))
    value, tangent = tg.jvp(w, (2.0,), (1.0,))
    assert value == (16.0, 4) and tangent[0] == 32.0 and tangent[1] == 0
    assert tg.jacfwd(lambda a: w(a)[0])(2.0) == tg.jacrev(lambda a: w(a)[0])(2.0) == 32.0
    assert tg.hessian(lambda a: w(a)[0])(2.0) == 4 * 3 * 2.0 ** 2


def test_float32_arrays_through_while_under_every_transform():
    f = lambda a: tg.sum(tg.while_loop(lambda x: tg.sum(x) < np.float32(30.0), lambda x: a * x,
                                       np.ones(3, np.float32)))
    a = np.full(3, 2.0, np.float32)
    for got in (tg.grad(f)(a), tg.jit(tg.grad(f))(a), tg.vmap(tg.grad(f))(np.stack([a, a]))[0]):
        assert got.dtype == np.float32
        same(got, np.full(3, 32.0, np.float32))
    value, tangent = tg.jvp(f, (a,), (np.ones(3, np.float32),))
    assert value.dtype == tangent.dtype == np.float32 and tangent == 96.0


_OPS = [lambda c, x, a: tg.sin(c * a) + x, lambda c, x, a: c * a - x * c,
        lambda c, x, a: tg.tanh(c + a * x), lambda c, x, a: c / (1.0 + a * a) + x]


@settings(max_examples=25, deadline=None, derandomize=bool(os.environ.get("CI")))
@given(st.integers(0, 12), st.lists(st.integers(0, len(_OPS) - 1), min_size=1, max_size=3),
       st.booleans(), st.floats(-1.5, 1.5))
def test_random_scan_programs(n, ops, reverse, a):
    xs = np.linspace(-1.0, 1.0, n)

    def step(a):
        def f(c, x):
            for k in ops:
                c = _OPS[k](c, x, a)
            return c, c * x
        return f

    def loss(a, scanner):
        c, ys = scanner(step(a), 0.25, xs, reverse=reverse)
        return c + (tg.sum(ys) if n else 0.0)

    def ref_scan(f, init, xs, reverse):
        c, ys = init, [None] * n
        for i in (range(n - 1, -1, -1) if reverse else range(n)):
            c, ys[i] = f(c, xs[i])
        return c, tg.stack(ys) if n else None
    same(loss(a, tg.scan), loss(a, ref_scan))
    g = tg.grad(loss)(a, tg.scan)
    close(g, tg.grad(loss)(a, ref_scan), rtol=1e-11, atol=1e-12)
    same(tg.jit(tg.grad(loss), static_argnums=1)(a, tg.scan), g)
    same(tg.make_tape(lambda a: loss(a, tg.scan))(a)(a * 0.5), loss(a * 0.5, tg.scan))
    close(tg.jvp(lambda a: loss(a, tg.scan), (a,), (1.0,))[1], g, rtol=1e-11, atol=1e-12)
    batch = np.array([a, a * 0.5])
    close(tg.vmap(lambda a: tg.grad(loss)(a, tg.scan))(batch),
          [tg.grad(loss)(v, tg.scan) for v in batch], rtol=1e-12, atol=1e-13)


def test_the_tape_holds_the_loop_not_copies_of_its_body():
    def f(a):
        def inner(i, x):
            return tg.fori_loop(0, 3, lambda j, y: tg.sin(y) * a + i, x)
        return tg.while_loop(lambda x: tg.abs(x * x - a) > 1e-3 * a,   # reads 1e-3 * a
                             lambda x: 0.5 * (x + a / x), tg.fori_loop(0, 2, inner, a))
    for tape in (tg.make_tape(f)(2.0), tg.make_tape(tg.grad(f))(2.0)):
        top = [line for line in str(tape).splitlines() if not line.startswith(" ")]
        assert not any(op in line for line in top for op in (" abs ", " sin ", " div "))
    tape = tg.make_tape(f)(2.0)
    for a in (2.0, 3.0, 0.7):
        same(tape(a), f(a))
    close(tg.grad(f)(2.0), central(f, 2.0), rtol=1e-6)
    close(tg.jit(tg.grad(f))(3.0), tg.grad(f)(3.0), rtol=1e-15)


def test_vmap_of_grad_of_while_with_batched_and_shared_values():
    def f(a, b):
        s = tg.while_loop(lambda s: s[0] < 10.0 * b,
                          lambda s: (s[0] * a + s[2], s[1] + 1, s[2] * 0.5), (1.0, 0, b))
        return s[0] + s[2] * s[1]
    A, B = np.array([1.5, 2.0, 3.0, 1.1]), np.array([1.0, 0.5, 2.0, 1.3])
    got = tg.vmap(tg.grad(f, argnums=(0, 1)))(A, B)
    for k, (a, b) in enumerate(zip(A, B)):
        want = tg.grad(f, argnums=(0, 1))(a, b)
        same((got[0][k], got[1][k]), (np.float64(want[0]), np.float64(want[1])))
    same(tg.vmap(tg.grad(f), in_axes=(0, None))(A, 1.0),
         np.array([tg.grad(f)(a, 1.0) for a in A]))
    same(tg.vmap(tg.grad(f, argnums=1), in_axes=(None, 0))(2.0, B),
         np.array([tg.grad(f, argnums=1)(2.0, b) for b in B]))


def test_fori_loop_with_traced_bounds_under_jit():
    f = lambda x, lo, n: tg.fori_loop(lo, n, lambda i, c: c * 0.5 + tg.take(x, i, axis=0), 0.0)
    x = np.arange(6.0)
    j, jg = tg.jit(f), tg.jit(tg.grad(f))
    for lo, hi in [(0, 1), (1, 3), (2, 6), (0, 0), (1, 5)]:
        same(j(x, lo, hi), f(x, lo, hi))
        same(jg(x, lo, hi), tg.grad(f)(x, lo, hi))
    assert j.trace_count == jg.trace_count == 1


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.float32, np.float64])
def test_vmap_of_scan_over_xs_of_every_dtype(dtype):
    xs = np.arange(12).reshape(3, 4).astype(dtype)
    f = lambda x: tg.scan(lambda c, i: (c + i * 2, c), np.zeros((), dtype)[()], x)
    got = tg.vmap(f)(xs)
    for k, x in enumerate(xs):
        want = f(x)
        same((got[0][k], got[1][k]), (np.asarray(want[0]), want[1]))


def test_a_tape_with_loops_is_freed_without_the_cycle_collector():
    import gc
    import weakref

    def f(a):
        def inner(i, x):
            return tg.fori_loop(0, 3, lambda j, y: tg.sin(y) * a + i, x)
        x = tg.while_loop(lambda x: tg.abs(x * x - a) > 1e-3 * a, lambda x: 0.5 * (x + a / x),
                          tg.fori_loop(0, 2, inner, a))
        return tg.checkpoint(lambda z: z * a)(x)
    enabled = gc.isenabled()
    gc.disable()
    try:
        for fn in (f, tg.grad(f)):
            tape = tg.make_tape(fn)(2.0)
            ref = weakref.ref(tape)
            del tape
            assert ref() is None            # no record holds its own tape
    finally:
        if enabled:
            gc.enable()


def test_every_order_of_while_under_vmap_and_jit():
    a = np.array([2.0, 1.5, 3.0])        # 4, 6 and 3 trips
    d2, d3 = tg.grad(tg.grad(power_loop)), tg.grad(tg.grad(tg.grad(power_loop)))
    for f in (d2, d3, tg.hessian(power_loop), lambda x: tg.jvp(tg.grad(power_loop), (x,),
                                                               (1.0,))[1]):
        want = np.array([f(x) for x in a])
        same(tg.vmap(f)(a), want)
        same(np.array([tg.jit(f)(x) for x in a]), want)
    close([d2(x) for x in a], [tg.grad(tg.grad(power_ref))(x) for x in a], rtol=1e-12)
    close([d3(x) for x in a], [tg.grad(tg.grad(tg.grad(power_ref)))(x) for x in a],
          rtol=1e-12)


def test_gradient_descent_written_as_a_loop_is_differentiated_through():
    loss = lambda p, t: (p * p - t) ** 2

    def train(t):
        return tg.fori_loop(0, 20, lambda i, p: p - 0.01 * tg.grad(loss)(p, t), 1.0)

    def ref(t):
        p = 1.0
        for _ in range(20):
            p = p - 0.01 * tg.grad(loss)(p, t)
        return p
    same(train(2.0), ref(2.0))
    close(tg.grad(train)(2.0), tg.grad(ref)(2.0), rtol=1e-13)
    close(tg.jit(tg.grad(train))(3.0), tg.grad(ref)(3.0), rtol=1e-13)
    close(tg.vmap(tg.grad(train))(np.array([2.0, 3.0])), [tg.grad(ref)(2.0), tg.grad(ref)(3.0)],
          rtol=1e-13)
