"""Loop-centred programs, part ten: the programs of ``real_programs10.py`` under every transform.

For each program: ``jit`` equals eager bit for bit at inputs whose trip counts
it never traced, within the traces the program's case allows (one where the
loop rolls); ``grad`` agrees with central differences to the case's
tolerance; ``jit(grad)`` equals eager ``grad`` bit for bit; ``vmap`` of the
value and of ``grad`` equals a Python loop bit for bit; ``jvp`` agrees with
``grad``. A loop on a traced test runs eight times as many inputs under one
trace (strict xfails name why one does not). Then loops against their loop
primitives, closed forms, and what running them found, each as its own test:

- a while whose counter is a traced value (``n = 0.0 * x``; ``n += 1.0``), and
  one whose step starts as a Python float (``t, h = 0.0, 0.1``;
  ``h = np.minimum(h, 2.0 - t)``), were read as Python steps and traced once
  per trip count; a Python-int counter still is, and jit's error names it;
- ``tg.grad`` inside a while (gradient descent to a tolerance): a rule's small
  constant arrays, made anew each iteration, read as advancing data, and the
  last run kept values dead in every run; jit(grad) traced every trip count;
- vmap of ``x ** 3`` on floats, of ``err ** 0.5`` on np.float64 scalars and of
  a batched ``@`` rounds apart from the loop in the last bit (C's pow and
  NumPy's; the contract's last bit), which a loop carries on (``exact_vmap``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from conftest import fd
from real_programs10 import PROGRAMS, Case

import tapegrad as tg

NAMES = sorted(PROGRAMS)


def same(a: Any, b: Any) -> bool:
    """Equal bits, dtype, shape and type."""
    if type(a) is not type(b):
        return False
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def tangent(x: Any) -> Any:
    return 0.7 if np.ndim(x) == 0 else np.linspace(0.5, -1.0, np.size(x))


@pytest.mark.parametrize("name", NAMES)
def test_jit_equals_eager_at_trip_counts_never_traced(name: str) -> None:
    c: Case = PROGRAMS[name]
    jf = tg.jit(c.f)
    for x in c.xs:
        assert same(jf(x), c.f(x)), x
    assert jf.trace_count <= c.jit_traces


WHILES = [n for n in NAMES if PROGRAMS[n].varies or PROGRAMS[n].rolls]
NOT_ROLLED = [pytest.param(n, marks=pytest.mark.xfail(strict=True, raises=TypeError,
                                                      reason=PROGRAMS[n].rolls))
              if PROGRAMS[n].rolls else n for n in WHILES]


@pytest.mark.parametrize("name", NOT_ROLLED)
def test_a_loop_on_a_traced_test_rolls_for_any_trip_count(name: str) -> None:
    # eight times the inputs, most of their trip counts new: past eight patterns jit
    # raises, so a loop that does not roll fails here
    c: Case = PROGRAMS[name]
    many = [x * f for f in np.linspace(0.8, 1.25, 8) for x in c.xs]
    for h, bound in ((c.f, c.jit_traces), (tg.grad(c.f), c.grad_traces)):
        jh = tg.jit(h)
        for x in many:
            assert same(jh(x), h(x)), x
        assert jh.trace_count <= bound


@pytest.mark.parametrize("name", NAMES)
def test_the_inputs_run_different_trip_counts(name: str) -> None:
    c: Case = PROGRAMS[name]
    lengths = {len(tg.make_tape(c.f)(x)) for x in c.xs}
    assert len(lengths) >= (3 if c.varies else 1)


@pytest.mark.parametrize("name", NAMES)
def test_grad_agrees_with_central_differences(name: str) -> None:
    c: Case = PROGRAMS[name]
    g = tg.grad(c.f)
    for x in c.xs[:3]:
        h = 1e-6 * max(1.0, float(np.max(np.abs(x))))
        np.testing.assert_allclose(g(x), fd(c.f, x, h), rtol=c.rtol, atol=c.rtol * 1e-2)


@pytest.mark.parametrize("name", NAMES)
def test_jit_grad_equals_eager_grad(name: str) -> None:
    c: Case = PROGRAMS[name]
    g = tg.grad(c.f)
    jg = tg.jit(g)
    for x in c.xs:
        assert same(jg(x), g(x)), x
    assert jg.trace_count <= c.grad_traces


@pytest.mark.parametrize("name", NAMES)
def test_vmap_and_vmap_grad_equal_a_python_loop(name: str) -> None:
    c: Case = PROGRAMS[name]
    batch = np.stack([np.asarray(x, dtype=np.float64) for x in c.xs])
    for h in (c.f, tg.grad(c.f)):
        got = tg.vmap(h)(batch)
        want = np.stack([np.asarray(h(x)) for x in c.xs])
        assert got.dtype == want.dtype and got.shape == want.shape
        if c.exact_vmap:          # the contract's last bit, which a loop may carry on
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.max(np.abs(want)))
        else:
            assert got.tobytes() == want.tobytes()


@pytest.mark.parametrize("name", NAMES)
def test_jvp_agrees_with_grad(name: str) -> None:
    c: Case = PROGRAMS[name]
    for x in c.xs[:2]:
        t = tangent(x)
        out, dout = tg.jvp(c.f, (x,), (t,))
        assert same(out, c.f(x))
        np.testing.assert_allclose(dout, np.sum(tg.grad(c.f)(x) * t), rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------ the same program, two ways
TWINS = [("kalman_for", "kalman_scan"), ("hmm_forward", "hmm_forward_scan"),
         ("rnn_scan", "rnn_scan_checkpoint"), ("lotka_volterra_for", "lotka_volterra_fori"),
         ("lotka_volterra_fori", "lotka_volterra_checkpoint"), ("horner", "horner_scan"),
         ("gru_for", "gru_fori_checkpoint"), ("kepler_newton", "kepler_while_loop"),
         ("exp_series", "exp_series_while_loop")]


@pytest.mark.parametrize(("a", "b"), TWINS, ids="-".join)
def test_a_python_loop_and_its_loop_primitive_agree(a: str, b: str) -> None:
    fa, fb = PROGRAMS[a].f, PROGRAMS[b].f
    for x in PROGRAMS[b].xs:
        np.testing.assert_allclose(fb(x), fa(x), rtol=1e-13)
        np.testing.assert_allclose(tg.grad(fb)(x), tg.grad(fa)(x), rtol=1e-11, atol=1e-15)
    if b.endswith("checkpoint"):    # recomputing gives the stored values' bits
        for x in PROGRAMS[b].xs:
            assert same(tg.grad(fb)(x), tg.grad(fa)(x))


# ------------------------------------------------------------ closed forms
def kepler_partials(p: np.ndarray) -> np.ndarray:
    M, e = p
    E = PROGRAMS["kepler_newton"].f(p)
    return np.array([1.0, np.sin(E)]) / (1.0 - e * np.cos(E))


CLOSED = {
    "exp_series": (np.exp, np.exp), "log_series": (np.log, lambda x: 1.0 / x),
    "erf_series": (np.vectorize(math.erf), lambda x: 2.0 / np.sqrt(np.pi) * np.exp(-x * x)),
    "tan_lentz": (np.tan, lambda x: 1.0 / np.cos(x) ** 2),
    "lambert_w_halley": (None, lambda c: (lambda w: w / (c * (1.0 + w)))(
        PROGRAMS["lambert_w_halley"].f(c))),
    "kepler_newton": (None, kepler_partials), "kepler_fixed_point": (None, kepler_partials),
    "cholesky_loops": (lambda d: np.linalg.slogdet(np.array(
        [[d[0] + 2.0, 0.5, 0.2], [0.5, d[1] + 2.0, 0.3], [0.2, 0.3, d[2] + 2.0]]))[1],
        lambda d: np.diag(np.linalg.inv(np.array(
            [[d[0] + 2.0, 0.5, 0.2], [0.5, d[1] + 2.0, 0.3], [0.2, 0.3, d[2] + 2.0]])))),
}


@pytest.mark.parametrize("name", sorted(CLOSED))
def test_the_loop_converges_to_the_closed_form_and_so_does_its_gradient(name: str) -> None:
    value, slope = CLOSED[name]
    c: Case = PROGRAMS[name]
    for x in c.xs:       # the alternating series for exp(-7.5) cancels to 5e-11
        if value is not None:
            np.testing.assert_allclose(c.f(x), value(x), rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(tg.grad(c.f)(x), slope(x), rtol=1e-10, atol=1e-14)


# ------------------------------------------------------------ what running them found
def exp_series_python_counter(x):
    s = term = 1.0 + 0.0 * x
    n = 0
    while np.abs(term) > 1e-17 * np.abs(s):
        n += 1
        term = term * x / n
        s = s + term
    return s


def test_past_the_bound_a_python_counter_is_named_with_the_rewrite_that_rolls() -> None:
    # the series summed until a term is small, its counter a Python int: the tape holds
    # each 1 / n as a constant, no iteration is like the next, jit traced every trip count
    jf = tg.jit(exp_series_python_counter)
    xs = [0.5, -1.0, 3.0, -7.5, 12.0, 0.01, 20.0, 30.0, 1.0, 2.0, 5.0, 40.0]
    with pytest.raises(TypeError, match=r"more than 8 specializations.*tg\.while_loop.*steps a "
                       r"Python counter \(n \+= 1 at .*test_real_programs10\.py:\d+\).*Start "
                       r"it as a traced value \(0\.0 \* x for a traced x, then \+= 1\.0\)"):
        for x in xs:
            assert same(jf(x), exp_series_python_counter(x))
    # that rewrite (real_programs10.exp_series) rolls: one trace for every trip count,
    # the counter carried (under jit(grad) too, before this a trace per trip count)
    told = PROGRAMS["exp_series"].f
    for h in (told, tg.grad(told)):
        jh = tg.jit(h)
        for x in xs:
            assert same(jh(x), h(x))
        assert jh.trace_count == 1
    assert all(same(told(x), exp_series_python_counter(x)) for x in xs)


def test_a_traced_int_driving_a_collatz_walk_points_to_static_argnums() -> None:
    f = PROGRAMS["collatz_payload"].f
    with pytest.raises(TypeError, match=r"more than 8 specializations.*static_argnums"):
        jf = tg.jit(f)
        for n in range(3, 40):
            jf(0.5, n)
    jf = tg.jit(f, static_argnums=1)
    for n in (3, 7, 27, 97):
        assert same(jf(0.5, n), f(0.5, n))
        assert same(tg.jit(tg.grad(f), static_argnums=1)(0.5, n), tg.grad(f)(0.5, n))


def test_np_array_of_traced_values_in_a_loop_body_names_np_stack() -> None:
    def rhs(p, y):
        return np.array([p[0] * y[0] - p[1] * y[0] * y[1], -y[1] + 0.5 * y[0] * y[1]])

    def f(p):
        return tg.fori_loop(0, 4, lambda i, y: y + 0.05 * rhs(p, y), np.array([1.0, 0.5]))[0]
    for transform in (tg.grad, tg.jit):
        with pytest.raises(TypeError, match=r"^np\.array\(\[p\[0\] \* y\[0\].* at .*test_real_"
                           r"programs10\.py:\d+: NumPy's np\.array would convert the traced values"
                           r".*Stack them instead: np\.stack\(\[p\[0\] \* y\[0\]"):
            transform(f)(np.array([1.0, 0.5]))


def test_a_numpy_constant_indexed_by_the_loop_index_names_tg_take() -> None:
    seq = np.linspace(0.0, 1.0, 6)

    def f(w):
        return tg.fori_loop(0, 6, lambda i, h: np.tanh(w * h + seq[i]), 0.0 * w)
    with pytest.raises(TypeError, match=r"^seq\[i\] at .*: a traced integer array reached NumPy"
                       r".*tg\.take\(E, i, axis=0\)"):
        tg.grad(f)(0.5)

    def told(w):
        return tg.fori_loop(0, 6, lambda i, h: np.tanh(w * h + tg.take(seq, i)), 0.0 * w)

    def loop(w):
        h = 0.0 * w
        for s in seq:
            h = np.tanh(w * h + s)
        return h
    # equal numbers; the loop primitive's gradient is a float, the Python loop's np.float64
    assert same(told(0.5), loop(0.5)) and tg.grad(told)(0.5) == tg.grad(loop)(0.5)
    assert same(tg.jit(told)(0.7), loop(0.7))


def test_gradient_descent_to_a_tolerance_with_tg_grad_inside_rolls_under_jit_grad() -> None:
    # tg.grad in the while made its constants anew in each iteration (the mean's 1 / n:
    # a new array each time, so "advancing data"), and the last run kept the loss value
    # tg.grad computes beside the gradient, dead in every run: jit(grad) traced each
    # trip count, past eight a TypeError
    g = tg.grad(PROGRAMS["gd_to_tolerance"].f)
    jg = tg.jit(g)
    for lam in np.linspace(0.1, 2.0, 24):
        assert same(jg(lam), g(lam)), lam
    assert jg.trace_count == 1
