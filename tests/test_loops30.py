"""A ``while`` loop stepping a Python float under ``jit(grad)``: one trace; and its limits.

A backtracking (Armijo) line search keeps its step a Python float (``a = 1.0``,
``a = a * 0.5``). Under ``jit`` alone it rolled (``test_loops29``); under
``jit(grad)`` its gradient reads the step's last value after the loop
(``zmul ct a`` of ``x - a * g``), a constant jit now computes from the rolled
step where that constant is the very float the loop's last test saw. Each
runs at trip counts tracing never saw, bit for bit as eager and as ``grad``
of the jitted function, its numbers those of central differences.

What jit cannot prove keeps a trace per trip count with eager's numbers: a
number of the code's equal to a read of the last step (it may be one), and
a backward pass through the iterations that read the step.
"""

from __future__ import annotations

import numpy as np
from conftest import fd
from program_battery import same
from test_loops29 import armijo_2d

import tapegrad as tg


def _f(z):
    return z ** 4 + z ** 2


def armijo_step(x):
    """One gradient step with Armijo backtracking, then the objective there."""
    g = 4.0 * x ** 3 + 2.0 * x
    a = 1.0
    while _f(x - a * g) > _f(x) - 1e-4 * a * g * g:
        a = a * 0.5
    return _f(x - a * g)


def halvings(x):
    g = 4.0 * x ** 3 + 2.0 * x
    a, n = 1.0, 0
    while _f(x - a * g) > _f(x) - 1e-4 * a * g * g:
        a, n = a * 0.5, n + 1
    return n


# an input for each count of halvings, 1 to 12
XS = [0.01, 0.71, 1.26, 1.91, 2.76, 3.96, 5.66, 8.01, 11.31, 16.01, 22.66, 32.0]


def test_the_inputs_run_one_to_twelve_halvings() -> None:
    assert [halvings(x) for x in XS] == list(range(1, 13))


def test_jit_grad_of_a_backtracking_step_rolls() -> None:
    jg, g = tg.jit(tg.grad(armijo_step)), tg.grad(armijo_step)
    for x in XS:                          # 1, 2 halvings: too few to show the loop
        assert same(jg(x), g(x))
    assert jg.trace_count <= 3            # it was 9 and more (past 8: an error)
    for x in XS:
        assert np.isclose(g(x), fd(armijo_step, x), rtol=1e-6)


def test_jit_grad_rolls_from_a_long_trace() -> None:
    jg, g = tg.jit(tg.grad(armijo_step)), tg.grad(armijo_step)
    for x in XS[::-1] + [0.3, 4.5, 50.0]:
        assert same(jg(x), g(x))
    assert jg.trace_count == 1
    src = jg.lower(XS[-1]).source
    assert "while True:" in src and "p0 = p0 * 0.5" in src


def test_grad_of_jit_and_vmap_are_eagers() -> None:
    gj, g = tg.grad(tg.jit(armijo_step)), tg.grad(armijo_step)
    for x in XS[::-1]:
        assert same(gj(x), g(x))
    xs = np.array(XS)
    assert same(tg.vmap(g)(xs), np.array([g(x) for x in xs]))
    assert same(tg.vmap(tg.jit(g))(xs), np.array([g(x) for x in xs]))


def with_a_bound(x):
    g = 4.0 * x ** 3 + 2.0 * x
    a, it = 1.0, 0
    while _f(x - a * g) > _f(x) - 1e-4 * a * g * g and it < 50:
        a *= 0.5
        it += 1
    return _f(x - a * g)


# test_loops29's armijo_2d: the gradient direction from tg.grad (a pass before the loop),
# then backtracking
rosenbrock_step = armijo_2d


def test_jit_grad_rolls_with_a_counter_bounding_the_loop() -> None:
    jg, g = tg.jit(tg.grad(with_a_bound)), tg.grad(with_a_bound)
    for x in XS[::-1]:
        assert same(jg(x), g(x))
    assert jg.trace_count == 1


def test_jit_grad_rolls_after_a_gradient_computed_inside() -> None:
    ps = [np.array([x, y]) for x in (-1.2, 0.5, 1.5, -0.3) for y in (1.0, -0.5, 2.0)]
    jg, g = tg.jit(tg.grad(rosenbrock_step)), tg.grad(rosenbrock_step)
    for p in ps:
        assert same(jg(p), g(p))
    assert jg.trace_count == 1
    assert np.allclose(g(ps[0]), fd(rosenbrock_step, ps[0]), rtol=1e-5)


# ------------------------------------------------ what jit cannot prove: it retraces
def a_number_like_the_step(x):
    g = 4.0 * x ** 3 + 2.0 * x
    a = 1.0
    while _f(x - a * g) > _f(x) - 1e-4 * a * g * g:
        a = a * 0.5
    return x - 0.015625 * g               # a number, the step's last value after 6 halvings


def test_a_number_equal_to_the_last_step_is_no_read_of_it() -> None:
    # the passes merge x - 0.015625 * g with the last iteration's x - a * g: jit rolled it as
    # the step, wrong at every other trip count
    assert halvings(XS[5]) == 6
    jf = tg.jit(a_number_like_the_step)
    for x in [XS[5]] + XS:
        assert same(jf(x), a_number_like_the_step(x))


def read_in_another_order(x):
    g = 4.0 * x ** 3 + 2.0 * x
    a = 1.0
    while _f(x - a * g) > _f(x) - 1e-4 * a * g * g:
        a = a * 0.5
    return x - g * a + 0.25 * g           # g * a reads a itself; 0.25 is a number


def test_a_read_of_the_last_step_after_the_loop_rolls() -> None:
    jf, jg = tg.jit(read_in_another_order), tg.jit(tg.grad(read_in_another_order))
    for x in XS[::-1]:
        assert same(jf(x), read_in_another_order(x))
        assert same(jg(x), tg.grad(read_in_another_order)(x))
    assert jf.trace_count <= 2 and jg.trace_count <= 2    # 2 halvings: too few to show it


def test_a_number_equal_to_the_step_in_the_trace_keeps_it_from_rolling() -> None:
    assert halvings(XS[1]) == 2           # a is 0.25 after the loop, as the number 0.25
    jf = tg.jit(read_in_another_order)
    for x in [XS[1]] + XS:
        assert same(jf(x), read_in_another_order(x))


def through_the_iterations(x):
    s, a = x, 1.0
    while s * s > 1e-3:                    # each iteration reads a, and the one before
        s = s - a * 0.5 * x
        a = a * 0.5
    return s


def test_a_backward_pass_through_the_iterations_keeps_eagers_numbers() -> None:
    jg, g = tg.jit(tg.grad(through_the_iterations)), tg.grad(through_the_iterations)
    for x in [1.0, 2.0, -3.0, 0.5, 7.0]:
        try:
            got = jg(x)
        except TypeError as e:            # past the bound of 8: a trace per trip count
            assert "specializations" in str(e)
            return
        assert same(got, g(x))
        assert np.isclose(got, fd(through_the_iterations, x), rtol=1e-6)
