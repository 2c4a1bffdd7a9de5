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


