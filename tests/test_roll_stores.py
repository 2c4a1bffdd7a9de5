"""While loops that store into a list, call ``grad`` in their body, or branch into arms
that record nothing, under jit (issue 20, "Loops stay loops").

Each rolls: one trace runs trip counts never seen while tracing (read
``trace_count``), bit for bit as eager, under ``jit(f)`` and ``jit(grad(f))``;
``vmap`` of the value and of ``grad`` equals a Python loop bit for bit.

- ``x[i] = v`` inside ``for i in range(2)`` in a ``while`` writes the same items
  each iteration: after the loop they hold the last iteration's values, as a
  name does. The source check took it for an effect whose size the trip count
  decides (as ``hist.append(w)`` and ``x[k] = w`` with ``k`` a counter are).
- ``g = tg.grad(loss)(w)`` in a ``while``'s body differentiates one iteration:
  no derivative is computed in Python for the traced trip count, as it is for a
  ``grad`` whose function runs the loop.
- Where both arms of an ``if`` record nothing, a read traced only after the
  other arm waits behind the writer it saw, not behind a flag that the traced
  pattern itself (``T F T``) would set.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from conftest import fd

import tapegrad as tg


def same(a: Any, b: Any) -> bool:
    """Equal bits, dtype, shape and type."""
    if type(a) is not type(b):
        return False
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def trips(f: Any, xs: list[Any]) -> set[int]:
    """The lengths of ``f``'s tapes at ``xs``: one per trip count."""
    return {len(tg.make_tape(f)(x)) for x in xs}


def rolls_for_any_trip_count(f: Any, traced: list[Any], fresh: list[Any]) -> None:
    """``jit(f)`` and ``jit(grad(f))`` traced at ``traced`` run ``fresh`` in the same trace."""
    assert not trips(f, fresh) <= trips(f, traced)      # trip counts never traced
    for h in (f, tg.grad(f)):
        jh = tg.jit(h)
        for x in traced + fresh:
            assert same(jh(x), h(x)), x
        assert jh.trace_count == 1


def batched_as_a_loop(f: Any, xs: list[float]) -> None:
    batch = np.array(xs)
    for h in (f, tg.grad(f)):
        want = np.array([h(x) for x in xs])
        assert tg.vmap(h)(batch).tobytes() == want.tobytes()


# ------------------------------------------------------------ stores into a list's items
def relax(c):
    """Gauss-Seidel on a 2 x 2 system held in a list, until a sweep moves x[0] by < 1e-13."""
    x = [c * 0.0, c * 0.0 + 1.0]
    step = c + 1.0
    while step > 1e-13:
        old = x[0]
        for i in range(2):
            x[i] = (c / (i + 2.0) - 0.3 * x[1 - i]) / (1.0 + c)
        step = np.abs(x[0] - old)
    return x[0] + 2.0 * x[1]


RELAX = [0.5, 1.0, 3.0, 0.05, 9.0, 0.2, 30.0, 2.2]


def test_a_while_storing_into_the_same_items_rolls_for_any_trip_count() -> None:
    assert len(trips(relax, RELAX)) >= 4
    rolls_for_any_trip_count(relax, RELAX[:2], RELAX[2:])
    batched_as_a_loop(relax, RELAX)


def test_the_gradient_of_the_rolled_store_loop_is_the_derivative() -> None:
    for c in RELAX[:4]:
        np.testing.assert_allclose(tg.grad(relax)(c), fd(relax, c), rtol=1e-6)


def counted_store(c):
    """x[k % 2] = ...: the item a trip writes depends on a Python counter."""
    x = [c * 0.0, c * 0.0]
    k = 0
    y = c
    while y > 1.0:
        y = y * 0.5
        x[k % 2] = y
        k += 1
    return x[0] - x[1]


def test_a_store_at_an_index_a_counter_gives_keeps_a_trace_per_trip_count() -> None:
    xs = [3.0, 10.0, 40.0, 100.0, 1000.0]
    assert len(trips(counted_store, xs)) == len(xs)
    jf = tg.jit(counted_store)
    for x in xs:
        assert same(jf(x), counted_store(x)), x
    assert jf.trace_count == len(xs)


# ------------------------------------------------------------ a grad in the body
def loss(w, c):
    return (w - c) * (w - c) + 0.25 * w * w * w * w


def descent(c):
    """Gradient descent on ``loss`` until the gradient is under 1e-10."""
    w = c * 0.0 + 2.0
    g = tg.grad(loss)(w, c)
    while np.abs(g) > 1e-10:
        w = w - 0.1 * g
        g = tg.grad(loss)(w, c)
    return w


DESCENT = [0.5, 1.0, -1.0, 0.1, 2.0, -0.3, 1.5, 0.7]


def test_a_while_calling_grad_in_its_body_rolls_for_any_trip_count() -> None:
    assert len(trips(descent, DESCENT)) >= 4
    rolls_for_any_trip_count(descent, DESCENT[:2], DESCENT[2:])
    batched_as_a_loop(descent, DESCENT)
    source = tg.jit(descent).lower(0.5).source
    assert "while True:" in source


def test_the_minimum_descent_finds_is_the_stationary_point() -> None:
    for c in DESCENT[:4]:
        w = descent(c)
        assert abs(2.0 * (w - c) + w ** 3) < 1e-9
        # w(c) solves 2 (w - c) + w^3 = 0: dw/dc = 2 / (2 + 3 w^2)
        np.testing.assert_allclose(tg.grad(descent)(c), 2.0 / (2.0 + 3.0 * w * w), rtol=1e-6)


def linear(c):
    """A loop linear in its carry: its derivative is a Python number per trip count."""
    y = c
    while y > 1.0:
        y = y * 0.5
    return y


def test_a_jvp_whose_function_runs_the_loop_still_traces_per_trip_count() -> None:
    def tangent(c):
        return tg.jvp(linear, (c,), (1.0,))[1]
    xs = [3.0, 10.0, 40.0]
    jt = tg.jit(tangent)
    for x in xs:
        assert same(jt(x), tangent(x)), x
    assert jt.trace_count == len(xs)


# ------------------------------------------------------------ arms recording nothing
def keep_then_scale(s, xs):
    for x in xs:
        if x > 0.0:
            s = s
        else:
            s = s
        s = s * x
    return s


def pattern(signs: str, rng: np.random.Generator) -> list[float]:
    """Floats whose signs spell ``signs`` (T: positive)."""
    return [(0.1 + abs(float(v))) * (1.0 if c == "T" else -1.0)
            for v, c in zip(rng.normal(size=len(signs)), signs)]


def test_a_read_seen_after_one_arm_waits_behind_the_writer_it_saw() -> None:
    rng = np.random.default_rng(3)
    fresh = ["TFFFTF", "FTFTFF", "TFTFFF", "FFFTFT", "FFFFFF"]       # no T after T
    for h in (keep_then_scale, tg.grad(keep_then_scale)):
        jh = tg.jit(h)
        for signs in ["TFTFFT"] + fresh:
            s, xs = float(rng.normal()), pattern(signs, rng)
            assert same(jh(s, xs), h(s, xs)), signs
        assert jh.trace_count == 1
        s, xs = 0.7, pattern("FTTFFF", rng)            # T after T: never traced
        assert same(jh(s, xs), h(s, xs))
        assert jh.trace_count == 2
    source = tg.jit(keep_then_scale).lower(0.5, pattern("TFTFFT", rng)).source
    assert "u0" not in source and "_guard_failed" in source


def test_vmap_of_the_branching_loop_equals_a_python_loop() -> None:
    rng = np.random.default_rng(4)
    xs = pattern("TFTFFTTF", rng)
    ss = rng.normal(size=7)
    for h in (keep_then_scale, tg.grad(keep_then_scale)):
        want = np.array([h(float(s), xs) for s in ss])
        got = tg.vmap(h, in_axes=(0, None))(ss, xs)
        assert np.asarray(got).tobytes() == want.tobytes()



def halves(c):
    """x[i] = y in a for left by break: the items written depend on where it broke."""
    x = [c * 0.0, c * 0.0, c * 0.0, c * 0.0, c * 0.0, c * 0.0, c * 0.0, c * 0.0]
    y = c
    for i in range(8):
        y = y * 0.5 + 0.01 * tg.sin(y)
        x[i] = y
        if y < 1.0:
            break
    return x[0] + x[1] + x[2] + x[3] + x[4] + x[5] + x[6] + x[7]


def test_a_store_at_a_for_loops_own_index_keeps_a_trace_per_trip_count() -> None:
    xs = [3.0, 10.0, 40.0, 100.0, 1000.0]
    assert len(trips(halves, xs)) == len(xs)
    jf = tg.jit(halves)
    for x in xs:
        assert same(jf(x), halves(x)), x
    assert jf.trace_count == len(xs)
