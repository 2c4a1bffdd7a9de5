"""No surprises: threads, exceptions and depth, under every transform.

Two threads running a transform at once get what one thread gets, bit for
bit; an exception raised anywhere inside a traced function (a loop body, a
loop's condition, a checkpointed function, a custom rule or impl) leaves no
tape active and the next call equal to the first; long chains and high
orders run without a RecursionError.
"""

from __future__ import annotations

import math
import sys
import threading

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.tape import active_tapes

X = np.array([0.3, 0.6])


class Boom(Exception):
    pass


def loops(x, a):
    h = tg.fori_loop(0, 12, lambda i, c: tg.sin(c) * a + x, x)
    c, ys = tg.scan(lambda c, y: (c * y + a, c), tg.sum(h), x)
    return c + tg.sum(ys) + tg.sum(tg.tanh(x * a))


def branches(x, a):
    s = 0.0
    for i in range(6):
        s = s + tg.sum(x * a) * i if x[0] > 0 else s - tg.sum(tg.exp(x))
    while s > 1.0:
        s = s * 0.5
    return s


MAKE = {"grad": lambda f: tg.grad(f), "jit": tg.jit, "jit(grad)": lambda f: tg.jit(tg.grad(f)),
        "vmap(grad)": lambda f: tg.vmap(tg.grad(f), in_axes=(0, None)),
        "vmap(jit)": lambda f: tg.vmap(tg.jit(f), in_axes=(0, None)),
        "jvp": lambda f: lambda x, a: tg.jvp(lambda x: f(x, a), (x,), (np.ones_like(x),))[1],
        "hessian": lambda f: tg.hessian(f)}


@pytest.fixture
def fast_switching():
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)          # threads interleave inside every transform
    yield
    sys.setswitchinterval(old)


@pytest.mark.parametrize("fun", [loops, branches])
@pytest.mark.parametrize("name", MAKE, ids=MAKE.keys())
def test_threads_running_a_transform_at_once_equal_one_thread(fast_switching, fun, name):
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal(2) for _ in range(12)]
    arg = (lambda x: np.stack([x, -x, 2 * x])) if name.startswith("vmap") else (lambda x: x)
    single = [MAKE[name](fun)(arg(x), 0.7) for x in xs]
    shared = MAKE[name](fun)                     # fresh: the threads trace it
    out: dict[int, list] = {}
    errors: list[BaseException] = []

    def work(k):
        try:
            out[k] = [shared(arg(x), 0.7) for x in xs[k:] + xs[:k]]
        except BaseException as e:               # noqa: BLE001 - reported below
            errors.append(e)
    threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for k in range(3):
        for got, want in zip(out[k], single[k:] + single[:k]):
            for g, w in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
                np.testing.assert_array_equal(g, w)


def test_a_thread_whose_calls_raise_leaves_the_others_results_alone(fast_switching):
    def f(x, fail):
        def body(c, y):
            if fail:
                raise Boom("inside")
            return tg.sin(c) * y + x, c
        return tg.sum(tg.scan(body, x, np.arange(3.0))[0])
    made = [tg.grad(f), tg.jit(tg.grad(f), static_argnums=1),
            tg.vmap(tg.grad(f), in_axes=(0, None))]
    args = [X, X, np.stack([X, -X])]
    want = [t(a, False) for t, a in zip(made, args)]
    problems: list[str] = []

    def good():
        for _ in range(20):
            for t, a, w in zip(made, args, want):
                if not np.array_equal(t(a, False), w):
                    problems.append("result")
            if active_tapes() != ():
                problems.append("tape left active")

    def failing():
        for _ in range(20):
            for t, a in zip(made, args):
                try:
                    t(a, True)
                    problems.append("no exception")
                except Boom:
                    pass
    threads = [threading.Thread(target=good), threading.Thread(target=failing),
               threading.Thread(target=good)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert problems == []


# --------------------------------------------------------------- exceptions

FAIL = {"on": False}


def maybe_fail():
    if FAIL["on"]:
        raise Boom("inside")


def in_plain(x):
    y = tg.sin(x) * x
    maybe_fail()
    return tg.sum(y)


def in_scan_body(x):
    def body(c, xx):
        maybe_fail()
        return c * xx + tg.sin(c), c
    return tg.sum(tg.scan(body, x, np.arange(3.0))[0])


def in_while_cond(x):
    def cond(c):
        maybe_fail()
        return c[0] < 3
    return tg.sum(tg.while_loop(cond, lambda c: (c[0] + 1, tg.sin(c[1]) * x), (0, x))[1])


def in_nested_scan(x):
    def outer(c, xx):
        def inner(cc, y):
            maybe_fail()
            return cc * y + 1.0, None
        return tg.scan(inner, c, np.arange(2.0))[0] * xx, None
    return tg.sum(tg.scan(outer, x, np.arange(1.0, 3.0))[0])


def in_checkpoint(x):
    def inner(y):
        maybe_fail()
        return tg.sin(y) * y
    return tg.sum(tg.fori_loop(0, 2, lambda i, c: tg.checkpoint(inner)(c), x))


def _rule(g, ans, x):
    maybe_fail()
    return 2.0 * g


def _impl(x):
    maybe_fail()
    return x * 2.0


DOUBLE = tg.primitive(lambda x: x * 2.0, name="double")
tg.defvjp(DOUBLE, _rule)
tg.defjvp(DOUBLE, _rule)
TRIPLE = tg.primitive(_impl, name="twice_impl", elementwise=True)
tg.defpartials(TRIPLE, 2.0)


def in_rule(x):
    return tg.sum(DOUBLE(x) * x)


def in_impl(x):
    return tg.sum(TRIPLE(x) * x)


FUNS = [in_plain, in_scan_body, in_while_cond, in_nested_scan, in_checkpoint, in_impl]
TRANSFORMS = {
    "grad": tg.grad, "jit": tg.jit, "jit(grad)": lambda f: tg.jit(tg.grad(f)),
    "vmap": lambda f: lambda x: tg.vmap(f)(np.stack([x, 2 * x])),
    "vmap(grad)": lambda f: lambda x: tg.vmap(tg.grad(f))(np.stack([x, 2 * x])),
    "jvp": lambda f: lambda x: tg.jvp(f, (x,), (np.ones(2),)),
    "hessian": tg.hessian,
    "grad(grad)": lambda f: tg.grad(lambda x: tg.sum(tg.grad(f)(x)))}


def _equal(a, b):
    for u, v in zip(tg.tree.leaves(a), tg.tree.leaves(b), strict=True):
        np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("fun", FUNS + [in_rule], ids=lambda f: f.__name__)
@pytest.mark.parametrize("name", TRANSFORMS, ids=TRANSFORMS.keys())
def test_an_exception_inside_leaves_no_tape_and_the_next_call_clean(fun, name):
    if fun is in_rule and name in ("jit", "vmap"):
        pytest.skip("no derivative is taken, so no rule runs")
    FAIL["on"] = False
    want = TRANSFORMS[name](fun)(X)
    transformed = TRANSFORMS[name](fun)
    FAIL["on"] = True
    try:
        with pytest.raises(Boom, match="inside"):    # propagates unchanged
            transformed(X)
    finally:
        FAIL["on"] = False
    assert active_tapes() == ()
    _equal(transformed(X), want)
    _equal(TRANSFORMS[name](fun)(X), want)


@pytest.mark.parametrize("name", ["jit", "jit(grad)", "vmap(grad)"])
def test_an_exception_raised_by_compiled_code_leaves_it_usable(name):
    """The impl raises when the compiled code runs it, not when it is traced."""
    FAIL["on"] = False
    f = TRANSFORMS[name](lambda x: tg.sum(tg.fori_loop(0, 3, lambda i, c: TRIPLE(c) * 0.5, x)))
    want = f(X)
    FAIL["on"] = True
    try:
        with pytest.raises(Boom):
            f(X)
    finally:
        FAIL["on"] = False
    assert active_tapes() == ()
    _equal(f(X), want)


# -------------------------------------------------------------------- depth

def test_grad_and_jvp_of_a_hundred_thousand_step_chain():
    n = 100_000

    def chain(x):
        for _ in range(n):
            x = x + 1e-5 * tg.sin(x)
        return x
    d, x = 1.0, 0.3                           # the product of the local derivatives
    for _ in range(n):
        d *= 1.0 + 1e-5 * math.cos(x)
        x = x + 1e-5 * math.sin(x)
    assert tg.grad(chain)(0.3) == pytest.approx(d, rel=1e-12)
    assert tg.jvp(chain, (0.3,), (1.0,))[1] == pytest.approx(d, rel=1e-12)
    body = lambda i, x: x + 1e-5 * tg.sin(x)
    assert tg.grad(lambda x: tg.fori_loop(0, n, body, x))(0.3) == pytest.approx(d, rel=1e-12)


def test_fourth_derivatives_of_chains_and_loops_agree_in_every_mode():
    def chain(x):
        for _ in range(300):
            x = x + 0.01 * tg.sin(x)
        return x

    def loop(x):
        return tg.fori_loop(0, 300, lambda i, x: x + 0.01 * tg.sin(x), x)
    for f in (chain, loop):
        rev = tg.grad(tg.grad(tg.grad(tg.grad(f))))(0.3)
        fwd = tg.jacfwd(tg.jacfwd(tg.jacfwd(tg.jacfwd(f))))(0.3)
        mixed = tg.jacfwd(tg.grad(tg.hessian(f)))(0.3)
        third = tg.grad(tg.grad(tg.grad(f)))
        assert rev == pytest.approx(fwd, rel=1e-10)
        assert mixed == pytest.approx(fwd, rel=1e-10)
        assert rev == pytest.approx((third(0.3 + 1e-4) - third(0.3 - 1e-4)) / 2e-4, rel=1e-5)


def test_fourth_derivative_of_a_scan_in_a_scan_in_every_mode():
    def f(a):
        def outer(c, x):
            inner = tg.scan(lambda cc, y: (tg.sin(cc * a + y), None), c, np.arange(2.0))[0]
            return inner * x, None
        return tg.scan(outer, 0.3, np.array([1.0, 0.5]))[0]
    d4 = tg.grad(tg.grad(tg.grad(tg.grad(f))))
    d3 = tg.grad(tg.grad(tg.grad(f)))
    assert d4(0.7) == pytest.approx(tg.jacfwd(tg.jacfwd(tg.jacfwd(tg.jacfwd(f))))(0.7),
                                    rel=1e-12)
    assert d4(0.7) == pytest.approx((d3(0.7 + 1e-4) - d3(0.7 - 1e-4)) / 2e-4, rel=1e-5)
    assert tg.jit(d4)(0.7) == d4(0.7)
    np.testing.assert_allclose(tg.vmap(d4)(np.array([0.7, 0.2])), [d4(0.7), d4(0.2)],
                               rtol=1e-13)
