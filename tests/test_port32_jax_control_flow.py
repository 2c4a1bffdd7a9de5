"""Cases after JAX's lax_control_flow_test.py: a Python float literal carry meets float32 data.

``testScanTypeErrors``' weak carry and ``testScanReverse``, ``testScanTree``:
a loop whose initial carry is a Python number written in the function
(``tg.scan(f, 0.5, xs)``) and whose body makes it a float32 is promoted to
float32, as JAX promotes a weakly typed carry and as the Python loop
computes; under ``jit`` and ``vmap`` too, since such a literal is no traced
argument (an ``np.float64`` argument traced as a float stays refused:
tests/test_port30_jax_loops.py). Values equal the Python loop bit for bit
with its dtype, derivatives the closed forms and central differences.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tests.conftest import fd

X32 = np.array([0.5, -1.25, 2.0, 0.75], np.float32)


def scan_reverse(a):
    c, ys = tg.scan(lambda c, v: (c * 0.5 + np.sin(v), c * v), 0.5, a, reverse=True)
    return c, ys


def loop_reverse(a):
    c, ys = 0.5, []
    for v in a[::-1]:
        c, y = c * 0.5 + np.sin(v), c * v
        ys.append(y)
    return c, np.stack(ys[::-1])


def scan_tree(a):
    (p, q), ys = tg.scan(lambda c, v: ((c[0] + v["p"], c[1] * v["q"]), {"s": c[0] * v["q"]}),
                         (0.0, 1.0), {"p": a, "q": a[::-1]})
    return p, q, ys["s"]


def loop_tree(a):
    p, q, s = 0.0, 1.0, []
    for u, v in zip(a, a[::-1]):
        s.append(p * v)
        p, q = p + u, q * v
    return p, q, np.stack(s)


def fori(a):
    return tg.fori_loop(0, 3, lambda i, c: c * 0.5 + a[0], 0.25)


def loop_fori(a):
    c = 0.25
    for _ in range(3):
        c = c * 0.5 + a[0]
    return c


def while_(a):
    return tg.while_loop(lambda c: c * c < 16.0, lambda c: c * 2.0 + a[2], 0.5)


def loop_while(a):
    c = 0.5
    while c * c < 16.0:
        c = c * 2.0 + a[2]
    return c


CASES = [(scan_reverse, loop_reverse), (scan_tree, loop_tree), (fori, loop_fori),
         (while_, loop_while)]
IDS = ["scan_reverse", "scan_tree", "fori_loop", "while_loop"]


def same(got, want):
    for g, w in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
        assert type(g) is type(w) and np.asarray(g).dtype == np.asarray(w).dtype, (g, w)
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("f,loop", CASES, ids=IDS)
def test_a_literal_carry_made_float32_is_the_python_loop_under_jit(f, loop):
    want = loop(X32)
    assert np.asarray(tg.tree.leaves(want)[0]).dtype == np.float32
    same(f(X32), want)
    same(tg.jit(f)(X32), want)
    same(tg.jit(f)(X32[::-1].copy()), loop(X32[::-1].copy()))     # no stale specialization


@pytest.mark.parametrize("f,loop", CASES, ids=IDS)
def test_vmap_of_a_literal_carry_made_float32_is_the_loop_over_examples(f, loop):
    xs = np.stack([X32, X32 * 0.5, -X32]).astype(np.float32)
    got = tg.vmap(f)(xs)
    rows = [loop(x) for x in xs]
    want = tg.tree.map(lambda *r: np.stack(r), *rows)
    for g, w in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
        assert g.dtype == w.dtype == np.float32
        np.testing.assert_array_equal(g, w)
    for g, w in zip(tg.tree.leaves(tg.jit(tg.vmap(f))(xs)), tg.tree.leaves(got)):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("f,loop", CASES, ids=IDS)
def test_derivatives_of_the_promoted_loop_in_float64_are_central_differences(f, loop):
    x = X32.astype(np.float64)
    w = np.linspace(0.5, 1.5, 9)

    def loss(a):
        leaves = [np.ravel(v) for v in tg.tree.leaves(f(a))]
        flat = np.concatenate(leaves)
        return np.sum(np.sin(flat) * w[:flat.shape[0]])
    g = tg.grad(loss)(x)
    np.testing.assert_allclose(g, fd(loss, x), rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(tg.jit(tg.grad(loss))(x), g)
    _, t = tg.jvp(loss, (x,), (np.ones(4),))
    assert t == pytest.approx(np.sum(g), rel=1e-12, abs=1e-12)
    g32 = tg.jit(tg.grad(loss))(X32)
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, g, rtol=2e-5, atol=1e-6)
