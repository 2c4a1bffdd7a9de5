"""jit's cache: static arguments, signatures, threads, user primitives, memory.

Each test states a behaviour of API.md ("Added in turn 3", jit), or JAX's
where API.md is silent, and checks it against eager evaluation or a closed
form.
"""

import functools
import gc
import linecache
import math
import sys
import threading
import time
import tracemalloc
import weakref

import numpy as np
import pytest

import tapegrad as tg


def power(x, n):
    out = 1.0
    for _ in range(n):            # a traced n could not drive range: n must be static
        out = out * x
    return out


# ------------------------------------------------ item 8: no crash, no race
BUILTIN_NAMES = ["add", "sub", "mul", "div", "neg", "zmul", "relu", "guard", "where", "sum",
                 "mean", "sum_like", "broadcast_like", "getitem", "matmul", "transpose",
                 "tanh", "square", "exp", "log", "sin", "cos", "sqrt", "log1p", "expm1", "tan",
                 "arctan", "sinh", "cosh", "lt", "gt", "eq", "ne", "not", "pow", "abs",
                 "reshape", "maximum"]


def user_primitive(name):
    """Like no built-in: 3 * first argument + the others (booleans count as 1)."""
    def impl(*args):
        out = 3.0 * args[0]
        for a in args[1:]:
            out = out + (np.asarray(a, dtype=float) if isinstance(a, np.ndarray) else float(a))
        return out
    prim = tg.primitive(impl, name=name)
    tg.defpartials(prim, 3.0, *([1.0] * 3))
    return prim


CALLS = {                 # argument patterns that each name's spelling looks for
    "unary": lambda p, x: p(x),
    "one": lambda p, x: p(x, 1.0) + p(1.0, x),
    "zero": lambda p, x: p(x, 0.0) + p(0.0, x),
    "true": lambda p, x: p(x, True) + p(x, False),
    "two": lambda p, x: p(x, x * 2.0),
    "three": lambda p, x: p(x, x, 2.0) + p(x > 0, x, x * 2.0),
}


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_a_user_primitive_named_like_a_builtin_computes_its_own_impl(name):
    prim = user_primitive(name)
    for call in CALLS.values():
        f = functools.partial(call, prim)
        for x in (2.0, -1.5, 0.0, np.array([1.0, -2.0, 0.0]), np.float32(1.5),
                  np.array([0.5, 2.0], dtype=np.float32)):
            np.testing.assert_array_equal(tg.jit(f)(x), f(x))
            if np.ndim(x) == 0:
                assert tg.jit(tg.grad(f))(x) == tg.grad(f)(x)
        xs = np.array([1.0, -2.0, 0.0])
        np.testing.assert_array_equal(tg.vmap(f)(xs), [f(v) for v in xs])


@pytest.mark.parametrize("name", ["square", "relu", "tanh", "zmul", "sum", "where", "exp"])
def test_a_user_primitive_with_a_tapegrad_impl_is_spelled_by_its_impl(name):
    prim = tg.primitive(tg.sin.impl, name=name)      # sin, whatever its name says
    for x in (2.0, -0.5, np.array([1.0, -2.0])):
        np.testing.assert_array_equal(tg.jit(prim)(x), np.sin(x))


def where_reciprocal(x):
    return tg.where(x > 0, 1 / x, 0.0)


def where_sqrt(x):
    return tg.where(x >= 0, x, tg.sqrt(-x))


def nth(f, k):
    for _ in range(k):
        f = tg.grad(f)
    return f


RECIPROCAL = {0.0: [0.0] * 6, -1.0: [0.0] * 6,     # f, f', ... f^(5) at x
              2.0: [(-1) ** k * math.factorial(k) / 2.0 ** (k + 1) for k in range(6)]}
SQRT = {1.0: [1.0, 1.0, 0.0, 0.0, 0.0, 0.0], 0.0: [0.0, 1.0, 0.0, 0.0, 0.0, 0.0]}


@pytest.mark.parametrize("f, table", [(where_reciprocal, RECIPROCAL), (where_sqrt, SQRT)])
@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_a_zero_cotangent_contributes_zero_at_every_order(f, table, order):
    """TRAPS row 15 at any order: the branch not taken adds exactly zero."""
    for x, derivatives in table.items():
        want = derivatives[order]
        d = nth(f, order)
        assert d(x) == want, (x, "eager")
        assert tg.jit(d)(x) == want, (x, "jit")
        assert tg.jvp(nth(f, order - 1), (x,), (1.0,))[1] == want, (x, "jvp")
        assert tg.jvp(d, (x,), (1.0,))[1] == derivatives[order + 1], (x, "jvp of grad")
        assert tg.make_tape(d)(x)(x) == want, (x, "replay")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_zero_cotangent_contributes_zero_at_every_order_on_arrays(dtype):
    x = np.array([0.0, -1.0, 2.0], dtype=dtype)
    d = where_reciprocal
    for order in range(1, 5):
        d = (lambda g: lambda v: tg.grad(lambda u: tg.sum(g(u)))(v))(d)   # elementwise
        want = np.array([0.0, 0.0, RECIPROCAL[2.0][order]], dtype=dtype)
        for got in (d(x), tg.jit(d)(x)):
            np.testing.assert_array_equal(got, want)
            assert got.dtype == dtype
        np.testing.assert_array_equal(tg.vmap(d)(x), want)   # float32: item 4's


