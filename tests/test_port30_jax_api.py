"""Cases after JAX's api_test.py and batching_test.py: arguments JAX's transforms take.

``vmap(..., axis_size=n)`` maps a function none of whose arguments is
batched (each output broadcast over ``n``), and checks ``n`` against the
batched ones; ``scan(..., unroll=k)`` and ``fori_loop(..., unroll=k)`` take
JAX's unrolling hint, which changes no number. Derivatives are checked
against central differences or closed forms, ``jit`` against eager bit for
bit, ``vmap`` against a Python loop.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tests.conftest import fd


def _loop(f, n, *args):
    return np.stack([np.asarray(f(*args)) for _ in range(n)])


def test_axis_size_maps_a_function_of_unbatched_arguments_as_the_loop():
    w = np.array([0.5, -1.0, 2.0])
    f = lambda s, v: np.sin(s) * v + s       # noqa: E731
    out = tg.vmap(f, in_axes=None, axis_size=4)(0.3, w)
    np.testing.assert_array_equal(out, _loop(f, 4, 0.3, w))
    out = tg.vmap(f, in_axes=(None, None), out_axes=1, axis_size=2)(0.3, w)
    np.testing.assert_array_equal(out, _loop(f, 2, 0.3, w).T)
    assert tg.vmap(f, in_axes=None, axis_size=0)(0.3, w).shape == (0, 3)


def test_axis_size_beside_batched_arguments_is_the_loop_and_a_mismatch_names_it():
    xs = np.array([1.0, 2.0, 3.0])
    f = lambda s, x: s * x * x               # noqa: E731
    out = tg.vmap(f, in_axes=(None, 0), axis_size=3)(2.0, xs)
    np.testing.assert_array_equal(out, np.stack([f(2.0, x) for x in xs]))
    with pytest.raises(ValueError, match="axis_size has 4"):
        tg.vmap(f, in_axes=(None, 0), axis_size=4)(2.0, xs)
    for bad in (-1, 2.0, True, "3"):
        with pytest.raises(TypeError, match="axis_size"):
            tg.vmap(f, in_axes=None, axis_size=bad)


def test_axis_size_under_grad_jit_and_an_outer_vmap():
    f = lambda a: np.sum(tg.vmap(lambda s: s * np.sin(s), in_axes=None,   # noqa: E731
                                  axis_size=3)(a))
    g = tg.grad(f)(0.7)
    assert g == pytest.approx(3 * (np.sin(0.7) + 0.7 * np.cos(0.7)), rel=1e-12)
    assert g == pytest.approx(fd(f, 0.7), rel=1e-7)
    assert tg.jit(tg.grad(f))(0.7) == g
    inner = tg.vmap(lambda s, t: s * t, in_axes=(None, None), axis_size=2)
    out = tg.vmap(inner, in_axes=(0, None))(np.array([1.0, 2.0, 3.0]), 4.0)
    np.testing.assert_array_equal(out, np.stack([_loop(lambda: s * 4.0, 2)
                                                 for s in (1.0, 2.0, 3.0)]))
    h = tg.jit(tg.vmap(lambda s: np.cos(s) * s, in_axes=None, axis_size=5))
    np.testing.assert_array_equal(h(1.25), _loop(lambda: np.cos(1.25) * 1.25, 5))


def test_scan_and_fori_loop_take_jaxs_unroll_and_it_changes_no_bit():
    xs = np.linspace(0.1, 1.0, 7)
    step = lambda c, x: (np.sin(c) * x + c, c * x)      # noqa: E731
    f = lambda a, **kw: tg.scan(step, a, xs, **kw)      # noqa: E731
    want = f(0.3)
    for unroll in (1, 3, True, False, np.int64(2)):
        got = f(0.3, unroll=unroll)
        assert got[0] == want[0]
        np.testing.assert_array_equal(got[1], want[1])
    loss = lambda a: np.sum(f(a, unroll=2)[1])          # noqa: E731
    assert tg.grad(loss)(0.3) == tg.grad(lambda a: np.sum(f(a)[1]))(0.3)
    assert tg.grad(loss)(0.3) == pytest.approx(fd(loss, 0.3), rel=1e-7)
    body = lambda i, c: c * 1.5 + np.sin(c) * i         # noqa: E731
    g = lambda a: tg.fori_loop(0, 5, body, a, unroll=True)   # noqa: E731
    assert g(0.2) == tg.fori_loop(0, 5, body, 0.2)
    assert tg.jit(g)(0.2) == g(0.2)
    assert tg.grad(g)(0.2) == pytest.approx(fd(g, 0.2), rel=1e-7)
    assert tg.fori_loop(0, 3, body, 0.2, unroll=None) == tg.fori_loop(0, 3, body, 0.2)


def test_an_unroll_that_is_no_bool_or_positive_int_is_refused():
    for bad in (0, -2, 1.5, "2"):
        with pytest.raises(ValueError, match="unroll"):
            tg.scan(lambda c, x: (c + x, None), 0.0, np.ones(3), unroll=bad)
        with pytest.raises(ValueError, match="unroll"):
            tg.fori_loop(0, 3, lambda i, c: c + 1.0, 0.0, unroll=bad)
