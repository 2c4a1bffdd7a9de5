"""While loops whose gradient jit(grad) took for a pass-through: each runs many trip counts.

A seeded gradient rolls a while loop with no backward record of its own for
any trip count only where each carry steps from itself by constants: a
cotangent stopped (``stop_gradient``, ``np.round``) or passed to another
variable (a swap) records nothing either, and is right at the traced trip
count only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import tapegrad as tg


def same(a: Any, b: Any) -> bool:
    """Equal bits, dtype, shape and type."""
    if type(a) is not type(b):
        return False
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def stopped(x):
    y = x
    while y > 1.0:
        y = tg.stop_gradient(y) - 0.7
    return y * x            # d/dx: y where the loop ran, 2 x where it did not


def rounded(x):
    y = x
    while y > 1.0:
        y = np.round(y) - 0.7
    return y + x * 2.0      # d/dx: 2 where the loop ran, 3 where it did not


def swapped(x):
    a, b = x, x * 2.0
    while a > 1.0:
        a, b = b - 1.5, a - 0.3
    return a + 3.0 * b      # d/dx: 7 after an even trip count, 5 after an odd one


def shifted(x):
    y = x * 3.0
    while y > 1.0:
        y = y - 0.7
    return y * 2.0          # d/dx: 6 for any trip count


XS = [3.2, 1.5, 0.5, 1.05, 2.3, 4.9, 0.9, 1.8, 2.6, 3.3, 0.2, 1.2]


def _grads_equal_eager(f: Any) -> tuple[int, int]:
    g, jg, jf = tg.grad(f), tg.jit(tg.grad(f)), tg.jit(f)
    for x in XS:
        assert same(jg(x), g(x)), x
        assert same(tg.grad(jf)(x), g(x)), x
    return jg.trace_count, jf.trace_count


def test_a_stopped_cotangent_is_not_passed_through():
    # jit(grad) and grad(jit) gave 0.5 for 0.5 (the loop's zero trips: 1.0)
    _grads_equal_eager(stopped)


def test_a_rounded_carry_is_not_passed_through():
    # 2.0 for 0.5 (the loop's zero trips: 3.0)
    _grads_equal_eager(rounded)


def test_swapped_carries_are_not_passed_through():
    # 7.0 for 1.05 (one trip: 5.0)
    _grads_equal_eager(swapped)


def test_a_carry_stepped_by_constants_still_rolls_for_every_trip_count():
    assert _grads_equal_eager(shifted)[0] == 1
    xs = np.array(XS)
    want = np.array([tg.grad(shifted)(x) for x in XS])
    assert tg.vmap(tg.grad(shifted))(xs).tobytes() == want.tobytes()
    assert tg.jit(tg.vmap(tg.grad(shifted)))(xs).tobytes() == want.tobytes()


def stepped_up(x):
    # h is read by the next iteration only: dce keeps the last body run whole
    t, y, h = 0.0, x, 0.1
    while t < 1.0:
        y = y * (1.0 - h * x)
        t = t + h
        h = h * 1.5 + 0.01 * y
    return y


def test_a_step_read_by_the_next_iteration_only_rolls_under_every_transform():
    g = tg.grad(stepped_up)
    jf, jg = tg.jit(stepped_up), tg.jit(g)
    for x in XS:
        assert same(jf(x), stepped_up(x)), x
        assert same(jg(x), g(x)), x
    assert jf.trace_count == 1 and jg.trace_count == 1
    xs = np.array(XS)
    want = np.array([g(x) for x in XS])
    assert tg.jit(tg.vmap(g))(xs).tobytes() == want.tobytes()


def arms_set_constants(x):
    w, s = x, 0.3
    while w < 2.0:
        if w > 1.0:
            s = 0.5
        else:
            s = 0.25
        w = w + 0.3 + 0.1 * np.sin(x)
    return w + s            # 0.3 where the loop never ran


def test_constants_set_in_both_arms_and_read_after_are_right_for_zero_trips():
    jf = tg.jit(arms_set_constants)
    for x in [0.5, 2.5, 1.2, 3.0, 1.9, 0.1, 2.0]:
        assert same(jf(x), arms_set_constants(x)), x
    xs = np.array([0.5, 2.5, 1.2, 3.0, 1.9, 0.1, 2.0])
    want = np.array([arms_set_constants(x) for x in xs])
    assert tg.vmap(arms_set_constants)(xs).tobytes() == want.tobytes()
