"""Cases after JAX's lax_control_flow_test.py: a weakly typed initial carry is promoted.

A Python float initial carry that the body turns into a float32 (``c +
x`` with float32 ``x``) is promoted to float32 and the body traced again,
as JAX does (``_promote_weak_typed_inputs``) and as a Python loop computes
(``0.0 + np.float32(x)`` is a float32). ``scan``, ``fori_loop`` and
``while_loop`` alike, eager and under ``grad`` and ``jvp``, derivatives
against closed forms. Under ``jit`` and ``vmap``, which trace an
``np.float64`` (and each example of a float64 batch) as a Python float,
a carry given as an argument is still refused (a strict xfail); a Python
float literal of the function is promoted there too.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tests.conftest import fd

XS = np.linspace(0.5, 2.0, 4).astype(np.float32)


def _scan(c0):
    return tg.scan(lambda c, x: (c * x + x, c), c0, XS)


def _python_scan(c0):
    c, ys = c0, []
    for x in XS:
        ys.append(c)
        c = c * x + x
    return c, np.array(ys, dtype=np.result_type(*ys))


def test_a_python_float_carry_made_float32_by_the_body_is_the_python_loops():
    c, ys = _scan(0.5)
    want_c, want_ys = _python_scan(0.5)
    assert type(c) is np.float32 and c == want_c
    assert ys.dtype == np.float32
    np.testing.assert_array_equal(ys, want_ys)
    with pytest.raises(TypeError, match="dtypes do not match"):
        _scan(np.float64(0.5))                # an np.float64 is strong: refused, as JAX


def test_derivatives_through_the_promoted_carry_are_the_closed_forms():
    # c_n = c_{n-1} * x_n + x_n: dc_final/dc0 = prod(xs); d sum(ys)/dc0 = sum of prefix products
    prefix = np.cumprod(np.concatenate([[1.0], XS[:-1].astype(float)]))
    assert tg.grad(lambda a: _scan(a)[0])(0.5) == pytest.approx(np.prod(XS), rel=1e-6)
    g = tg.grad(lambda a: np.sum(_scan(a)[1]))(0.5)
    assert g == pytest.approx(np.sum(prefix), rel=1e-6)
    _, t = tg.jvp(lambda a: _scan(a)[1], (0.5,), (1.0,))
    np.testing.assert_allclose(t, prefix, rtol=1e-6)


def test_fori_loop_and_while_loop_promote_a_python_float_carry_too():
    step = np.float32(1.5)
    out = tg.fori_loop(0, 3, lambda i, c: c + step, 0.0)
    assert type(out) is np.float32 and out == np.float32(4.5)

    def doubling(a):
        return tg.while_loop(lambda c: c < 10, lambda c: c * np.float32(2) + a, a)
    c = a = 1.0
    while c < 10:
        c = c * np.float32(2) + a
    assert type(doubling(1.0)) is np.float32 and doubling(1.0) == c
    assert tg.grad(doubling)(1.0) == pytest.approx(15.0, rel=1e-6)   # c = 15 a here
    # linear in a for this trip count: a wide step keeps float32 rounding out of it
    assert tg.grad(doubling)(1.0) == pytest.approx(fd(lambda v: float(doubling(v)), 1.0,
                                                      eps=1e-2), rel=1e-5)


def test_what_stays_as_it_was_a_float64_body_and_a_float32_array_carry():
    c, _ = tg.scan(lambda c, x: (c + x, None), 0.0, XS.astype(np.float64))
    assert type(c) is np.float64
    with pytest.raises(TypeError, match="dtypes do not match"):
        tg.scan(lambda c, x: (c + x, None), np.zeros(2, np.float32), np.ones((3, 2)))


@pytest.mark.xfail(strict=True, raises=TypeError, reason=(
    "jit traces an np.float64 argument as a Python float, so it cannot tell a weak "
    "carry argument from a strong one: it refuses the carry's dtype change where eager "
    "promotes a Python float"))
def test_jit_promotes_a_python_float_carry_argument_as_eager_does():
    c, ys = tg.jit(_scan)(0.5)
    assert type(c) is np.float32 and c == _scan(0.5)[0]


def test_jit_and_vmap_promote_a_python_float_literal_carry_as_eager_does():
    for step in (lambda c, x, s: c * x + s, lambda c, x, s: c * x + s.astype(np.float32)):
        f = lambda s: tg.scan(lambda c, x: (step(c, x, s), c), 0.5, XS)   # noqa: E731
        ss = np.array([1.0, 2.0])
        want = [np.stack([f(s)[k] for s in ss]) for k in (0, 1)]   # the loop over np.float64
        for got in (tg.vmap(f)(ss), tg.jit(tg.vmap(f))(ss)):
            for g, w in zip(got, want):
                assert g.dtype == w.dtype
                np.testing.assert_array_equal(g, w)
    f = lambda m: tg.fori_loop(0, m, lambda i, c: c + np.float32(1.5), 0.0)  # noqa: E731
    got = tg.jit(f)(np.int64(3))
    assert type(got) is np.float32 and got == f(3)
