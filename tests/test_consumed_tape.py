"""``grad`` plays its tape once and lets each record go as it plays it.

``value_and_grad`` (so ``grad``) and ``elementwise_grad`` call their
backward pass once: ``reverse.backward(..., consume=True)`` drops each
record and its cotangent once the record's rules have run. Under ``jit``
the backward pass records on jit's staging tape while the inner tape
shrinks, so the first call's peak holds about one tape, not both: the moons
loop of benchmarks/jit.py (the loss written with Python loops, 188,525
records) is the measure. ``vjp``'s function may be called again, so its
tape stays whole; a pass that skips a float zero keeps the records from
there down, for the exact pass that may follow.
"""

from __future__ import annotations

import math
import os
import sys
import tracemalloc

import pytest

import tapegrad as tg
from tapegrad import jit_first, reverse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
ALPHA = 1e-4


def moons_loop_loss(X, y):
    """benchmarks/eager.py's ``tg_loss_loop``: the MLP and hinge loss on floats, per example."""
    def mlp(params, x):
        for k, layer in enumerate(params):
            x = [sum((wi * xi for wi, xi in zip(row, x)), b)
                 for row, b in zip(layer["w"], layer["b"])]
            if k < len(params) - 1:
                x = [tg.relu(v) for v in x]
        return x[0]

    def loss(params):
        scores = [mlp(params, [float(a), float(b)]) for a, b in X]
        losses = [tg.relu(1.0 - float(yi) * s) for yi, s in zip(y, scores)]
        reg = ALPHA * sum(p * p for p in tg.tree.leaves(params))
        return sum(losses) * (1.0 / len(losses)) + reg
    return loss


def first_call_peak(fun, params):
    """tracemalloc (bytes): a fresh jit's first call's peak, and what it holds after it."""
    jf = tg.jit(fun)
    tracemalloc.start()
    try:
        jf(params)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, held


def test_the_moons_loops_first_call_peaks_near_the_tape_it_keeps(monkeypatch):
    monkeypatch.setattr(jit_first, "COMPILE_AT_FIRST_CALL", False)   # the first call traces
    from moons import make_moons  # examples/moons.py
    X, y = make_moons(100, 0.1, seed=0)
    params = tg.nn.mlp_init([2, 16, 16, 1], seed=0)
    first_call_peak(tg.value_and_grad(moons_loop_loss(X[:2], y[:2])), params)   # imports, caches
    fun = tg.value_and_grad(moons_loop_loss(X, y))
    peak, held = first_call_peak(fun, params)
    # What the first call keeps is jit's staging tape (the forward and backward
    # records, about 26 MB), to compile at the second call. The inner tape of
    # value_and_grad (65,414 records, about 12 MB with its values) held whole
    # during the backward pass put the peak at 1.45x that (38 MB); let go as
    # it is played, it adds a few percent.
    assert peak < 1.1 * held, (peak, held)
    assert peak < 30 * 2**20, peak          # "Loops stay loops": at most 30 MB


def test_a_skipped_zero_keeps_the_rest_of_the_tape_for_the_exact_pass(monkeypatch):
    # (x + x) * -0.0 gets a float zero cotangent: skipped, x's gradient is missing,
    # so the pass runs again exactly from there (the records above it let go)
    monkeypatch.setattr(jit_first, "COMPILE_AT_FIRST_CALL", False)   # the first call traces
    def f(x, y):
        return tg.sin(y) * 2.0 + (x + x) * -0.0 + tg.cos(y)
    runs = []
    real = reverse.backward

    def counted(*args, **kwargs):
        runs.append(kwargs.get("resume") is not None)
        return real(*args, **kwargs)
    for x, y in [(0.0, 1.0), (-0.0, 0.5), (3.0, -2.0)]:
        jf = tg.jit(tg.grad(f, argnums=(0, 1)))
        runs.clear()
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(tg.transforms, "backward", counted)
            mp.setattr(reverse, "backward", counted)
            first = jf(x, y)                      # traced: grad's tape is an inner one
        assert runs == [False, True]              # consumed, then resumed where it skipped
        _, pullback = tg.vjp(f, x, y)             # plays a whole tape, exact from the top
        for other in (jf(x, y), tg.grad(f, argnums=(0, 1))(x, y), pullback(1.0)):
            assert [v.hex() for v in first] == [v.hex() for v in other]
        assert math.copysign(1.0, first[0]) == -1.0 and first[0] == 0.0   # -0.0 + -0.0
        assert first[1] == pytest.approx(2 * math.cos(y) - math.sin(y), rel=1e-15)


def test_a_vjp_function_plays_its_tape_again():
    f = lambda x: tg.sin(x * x) * x
    _, pullback = tg.vjp(f, 1.5)
    want = math.cos(2.25) * 2 * 1.5 * 1.5 + math.sin(2.25)
    assert pullback(1.0)[0] == pytest.approx(want, rel=1e-15)
    assert pullback(2.0)[0] == pytest.approx(2 * want, rel=1e-15)
    assert pullback(1.0)[0] == pullback(1.0)[0] == tg.grad(f)(1.5)
