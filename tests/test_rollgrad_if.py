"""``jit(grad(f))`` of a Python loop whose body has an ``if`` on a traced value: one trace.

The forward loop rolls with an ``if`` in its body and keeps each
iteration's outcome; the backward pass is a loop over the stored outcomes
in reverse. Every result is checked bit for bit against eager ``grad`` at
inputs never traced (other trip counts, other patterns of outcomes), and
``trace_count`` is asserted; gradients against central differences and
closed forms, ``vmap(grad)`` against a Python loop.
"""

from __future__ import annotations

import functools
import linecache
import math
import struct

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

import tapegrad as tg


def bits(x):
    """The exact bits of a float, or of each float of a tuple (sign of zero, NaN)."""
    if isinstance(x, tuple | list):
        return tuple(bits(v) for v in x)
    return struct.pack("<d", x)


def bisect(c):
    lo = c * 0.0
    hi = c + 1.0
    while hi - lo > 1e-10:
        mid = 0.5 * (lo + hi)
        if mid * mid > c:
            hi = mid
        else:
            lo = mid
    return lo


def swing(x, c):
    t = x * 0.0
    while t < c:
        if x > 1.0:
            x = x * 0.5
        else:
            x = x * x + 0.3
        t = t + x
    return x


def newton(a):
    x = a + 1.0
    r = x * x - a
    while abs(r) > 1e-12 * a:
        step = r / (2.0 * x)
        if step > 0.25 * x:       # too long a step: shrink instead
            x = 0.75 * x
        else:
            x = x - step
        r = x * x - a
    return x


def walk(s, xs):
    for x in xs:
        if x > 0.0:
            s = tg.sin(s) + x
        else:
            s = s * 0.5
        s = s - 0.1
    return s


def outcomes(x, c):
    """``swing``'s pattern of outcomes, as a string."""
    t, out = 0.0, ""
    while t < c:
        out += "T" if x > 1.0 else "F"
        x = x * 0.5 if x > 1.0 else x * x + 0.3
        t = t + x
    return out


WALK = [0.3, -1.2, 0.8, 0.5, -0.4, -0.9, 1.5, 0.2]


def traced(transform, f, *args):
    """``jit(transform(f))``, traced once at ``args``."""
    jg = tg.jit(transform(f))
    assert bits(jg(*args)) == bits(transform(f)(*args))
    assert jg.trace_count == 1
    return jg


@pytest.mark.parametrize("transform", [tg.grad, tg.value_and_grad])
def test_the_bisection_rolls_forward_and_backward(transform):
    jg = traced(transform, bisect, 0.5)
    for x in [0.5 + i for i in range(20)] + [1e-3, 7e3, 0.25, 1e-7]:
        assert bits(jg(x)) == bits(transform(bisect)(x)), x
    assert jg.trace_count == 1
    source = jg.lower(0.5).source
    assert "while True:" in source and "for i1 in range(n0):" in source
    assert "o0.pop()" in source


@pytest.mark.parametrize("transform", [tg.grad, tg.value_and_grad])
def test_an_if_else_while_whose_arms_compute(transform):
    assert {"TT", "FF", "TF", "FT"} <= {outcomes(2.5, 25.0)[k:k + 2] for k in range(30)}
    jg = traced(transform, swing, 2.5, 25.0)
    rng = np.random.default_rng(0)
    for x, c in zip(rng.uniform(0.1, 3.0, 40), rng.uniform(0.5, 60.0, 40)):
        assert bits(jg(float(x), float(c))) == bits(transform(swing)(float(x), float(c)))
    assert jg.trace_count == 1


@pytest.mark.parametrize("transform", [tg.grad, tg.value_and_grad])
def test_newton_with_a_guarded_step(transform):
    jg = traced(transform, newton, 50.0)
    for a in [2.0, 0.5, 0.01, 3.0, 1e4, 123.0, 7e8]:
        assert bits(jg(a)) == bits(transform(newton)(a)), a
    assert jg.trace_count == 1


@pytest.mark.parametrize("transform", [tg.grad, tg.value_and_grad])
def test_a_for_loop_whose_outcomes_differ_between_iterations(transform):
    jg = traced(transform, walk, 1.0, WALK)
    rng = np.random.default_rng(1)
    for s, xs in zip(rng.normal(size=30), rng.normal(size=(30, len(WALK)))):
        args = (float(s), [float(v) for v in xs])
        assert bits(jg(*args)) == bits(transform(walk)(*args))
    assert bits(jg(0.3, [1.0] * 8)) == bits(transform(walk)(0.3, [1.0] * 8))     # all True
    assert bits(jg(0.3, [-1.0] * 8)) == bits(transform(walk)(0.3, [-1.0] * 8))   # all False
    assert jg.trace_count == 1
    assert "for i1 in range(8):" in jg.lower(1.0, WALK).source


# ------------------------------------------------ random trip counts and patterns
# traced once a process, at the first test that needs it (not at import: every
# worker imports every module, most never run these tests)
@functools.cache
def jit_swing():
    jf = tg.jit(tg.grad(swing))
    jf(2.5, 25.0)
    return jf


@functools.cache
def jit_bisect():
    jf = tg.jit(tg.value_and_grad(bisect))
    jf(2.0)
    return jf


@functools.cache
def jit_walk():
    jf = tg.jit(tg.grad(walk))
    jf(1.0, WALK)
    return jf


@settings(max_examples=60, deadline=None)
@given(st.floats(0.05, 3.0), st.floats(0.1, 80.0))
def test_swing_any_trip_count_and_pattern(x, c):
    assert bits(jit_swing()(x, c)) == bits(tg.grad(swing)(x, c))
    assert jit_swing().trace_count == 1


@settings(max_examples=60, deadline=None)
@given(st.floats(1e-6, 1e4))
def test_bisection_any_input(c):
    assert bits(jit_bisect()(c)) == bits(tg.value_and_grad(bisect)(c))
    assert jit_bisect().trace_count == 1


@settings(max_examples=60, deadline=None)
@given(st.floats(-3.0, 3.0), st.lists(st.floats(-2.0, 2.0), min_size=8, max_size=8))
def test_walk_any_pattern(s, xs):
    assert bits(jit_walk()(s, xs)) == bits(tg.grad(walk)(s, xs))
    assert jit_walk().trace_count == 1


# ------------------------------------------------------ the derivatives themselves
def central(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


def test_newtons_gradient_is_the_square_roots():
    jg = tg.jit(tg.grad(newton))
    for a in [2.0, 50.0, 0.3, 1e4]:
        assert jg(a) == pytest.approx(0.5 / math.sqrt(a), rel=1e-9)
        assert jg(a) == pytest.approx(central(newton, a, 1e-6 * a), rel=1e-5)


def test_gradients_against_central_differences():
    jw = tg.jit(tg.grad(walk))
    rng = np.random.default_rng(2)
    for s, xs in zip(rng.normal(size=10), rng.normal(size=(10, len(WALK)))):
        xs = [float(v) for v in xs]
        assert jw(float(s), xs) == pytest.approx(
            central(lambda v: walk(v, xs), float(s)), rel=1e-6, abs=1e-9)
    js = tg.jit(tg.grad(swing))
    for x, c in [(2.5, 25.0), (0.7, 10.0), (1.9, 40.0)]:
        same = outcomes(x - 1e-7, c) == outcomes(x, c) == outcomes(x + 1e-7, c)
        assert same      # the same pattern around x: the function is smooth there
        assert js(x, c) == pytest.approx(central(lambda v: swing(v, c), x, 1e-7), rel=1e-5)
    jb = tg.jit(tg.grad(bisect))
    for c in [2.0, 0.3, 50.0]:      # lo = a * 0 + b * (c + 1), a + b = 1: its slope is b
        assert jb(c) == pytest.approx(bisect(c) / (c + 1.0), rel=1e-9)


# -------------------------------------------------------------------- vmap(grad)
def test_vmap_of_grad_equals_a_python_loop():
    cs = np.linspace(0.3, 40.0, 25)
    loop = np.array([tg.grad(bisect)(float(c)) for c in cs])
    assert np.array_equal(tg.vmap(tg.grad(bisect))(cs), loop)
    xs, cs = np.linspace(0.2, 2.9, 20), np.linspace(1.0, 50.0, 20)
    loop = np.array([tg.grad(swing)(float(x), float(c)) for x, c in zip(xs, cs)])
    assert np.array_equal(tg.vmap(tg.grad(swing))(xs, cs), loop)
    ss = np.linspace(-2.0, 2.0, 15)
    loop = np.array([tg.grad(walk)(float(s), WALK) for s in ss])
    assert np.array_equal(tg.vmap(tg.grad(walk), in_axes=(0, None))(ss, WALK), loop)


# ------------------------------------------- where the backward loop is not written
def within_bound(jf, f, args_list):
    """Each call equals eager until the specializations run out; then the error, never a number."""
    for args in args_list:
        try:
            got = jf(*args)
        except TypeError as e:
            assert "needed more than 8 specializations" in str(e)
            return
        assert bits(got) == bits(f(*args)), args


def test_jvp_keeps_the_guards():
    # its tangents are recorded after the loop ran, not marked as its: one trace per pattern
    jv = lambda c, t: tg.jvp(bisect, (c,), (t,))     # noqa: E731
    within_bound(tg.jit(jv), jv, [(0.5 + i, 0.7) for i in range(20)])


def test_a_number_seed_keeps_the_guards():
    # a vjp whose cotangent is a Python float computes a linear backward pass in Python
    f = lambda s: tg.vjp(lambda v: walk(v, WALK[:4] + [0.5, -0.5, 0.5, -0.5]), s)[1](1.0)[0]  # noqa: E731
    g = lambda s, xs: tg.vjp(lambda v: walk(v, xs), s)[1](1.0)[0]    # noqa: E731
    jf = tg.jit(g)
    rng = np.random.default_rng(3)
    within_bound(jf, g, [(0.2, [float(v) for v in rng.normal(size=8)]) for _ in range(20)])
    assert bits(f(0.2)) == bits(tg.jit(f)(0.2))


def test_the_gradient_of_the_list_keeps_the_guards():
    # d/dxs: one cotangent per iteration, read after the loop
    g = tg.grad(walk, argnums=1)
    rng = np.random.default_rng(4)
    within_bound(tg.jit(g), g, [(0.2, [float(v) for v in rng.normal(size=8)]) for _ in range(20)])


# ------------------------------------------------------------- random programs
def compiled(source, name):
    """The function ``name`` of ``source``, its lines readable as a file's (jit reads them)."""
    filename = f"<test_rollgrad_if {abs(hash(source))}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    space = {"tg": tg}
    exec(compile(source, filename, "exec"), space)
    return space[name]


NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]     # each example traces: slow
WHILE = """def f(x, c):
    t = x * 0.0
    while t < c:
        if {cond}:
            x = {yes}
        else:
            x = {no}
        t = t + abs(x) + 0.1
    return {out}
"""
FOR = """def f(s, xs):
    for x in xs:
        if {cond}:
            s = {yes}
        else:
            s = {no}
{post}    return s
"""


@settings(max_examples=20, deadline=None, phases=NO_SHRINK)
@given(st.sampled_from(["x > 1.0", "x - 1.2 > 0.0", "0.5 * x > 0.6"]),
       st.sampled_from(["x * 0.5", "x / 3.0 + 0.4", "tg.sin(x) + 0.2", "0.5 * x * x / (x + 1.0)"]),
       st.sampled_from(["x * x + 0.3", "0.9 * x + 0.3", "tg.sin(x) + 1.2", "x + x + 0.3"]),
       st.sampled_from(["x", "x * 2.0", "tg.sin(x) * x"]),
       st.lists(st.tuples(st.floats(0.05, 3.0), st.floats(0.1, 20.0)), min_size=8, max_size=8))
def test_random_while_programs(cond, yes, no, out, calls):
    f = compiled(WHILE.format(cond=cond, yes=yes, no=no, out=out), "f")
    g = tg.value_and_grad(f)
    within_bound(tg.jit(g), g, [(2.5, 12.0)] + calls)


@settings(max_examples=20, deadline=None, phases=NO_SHRINK)
@given(st.sampled_from(["x > 0.0", "x * s > 0.1", "s > x"]),
       st.sampled_from(["tg.sin(s) + x", "s * x + 0.1", "s + x * x", "s"]),
       st.sampled_from(["s * 0.5", "s - x", "tg.cos(s) * 0.3", "s * s * 0.1"]),
       st.sampled_from(["", "        s = s - 0.1\n", "        s = s * x\n"]),
       st.lists(st.lists(st.floats(-2.0, 2.0), min_size=6, max_size=6), min_size=6,
                max_size=6))
def test_random_for_programs(cond, yes, no, post, lists):
    f = compiled(FOR.format(cond=cond, yes=yes, no=no, post=post), "f")
    g = tg.grad(f)
    within_bound(tg.jit(g), g, list(zip([0.4, -1.0, 0.9, 1.7, -0.3, 0.1],
                                        [[0.3, -1.2, 0.8, 0.5, -0.4, -0.9]] + lists)))


def walk_w(s, w, xs):
    for x in xs:
        if x > 0.0:
            s = tg.sin(s) * w + x
        else:
            s = s * 0.5
    return s


def test_a_loop_invariant_value_read_in_one_arm():
    # its cotangent sums over the iterations of that arm; none of them: a guard
    g = tg.grad(walk_w, argnums=(0, 1))
    jg = traced(lambda f: g, walk_w, 1.0, 0.7, WALK)
    rng = np.random.default_rng(7)
    for s, w in rng.normal(size=(20, 2)):
        xs = [float(v) for v in rng.normal(size=len(WALK))]
        assert bits(jg(float(s), float(w), xs)) == bits(g(float(s), float(w), xs))
    assert jg.trace_count == 1
    assert bits(jg(0.3, 0.5, [-1.0] * 8)) == bits(g(0.3, 0.5, [-1.0] * 8))   # w unread
    assert jg.trace_count == 2


def bisect_reads_its_start(c):
    lo = c * 0.0
    hi = c + 1.0
    start = hi
    while hi - lo > 1e-10:
        mid = 0.5 * (lo + hi)
        if mid * mid > c:
            hi = mid
        else:
            lo = mid
    return lo + start * 0.25


def test_the_value_a_variable_starts_from_read_after_the_loop_keeps_the_guards():
    g = tg.grad(bisect_reads_its_start)
    within_bound(tg.jit(g), g, [(0.5 + i,) for i in range(15)])


def newton_twice(a):
    x = a + 1.0
    while abs(x * x - a) > 1e-12 * a:
        step = (x * x - a) / (2.0 * x)      # x * x - a again: the passes merge the copies
        if step > 0.25 * x:
            x = 0.75 * x
        else:
            x = x - step
    return x


@pytest.mark.parametrize("transform", [tg.grad, tg.value_and_grad])
def test_a_body_computing_an_expression_twice(transform):
    jg = traced(transform, newton_twice, 50.0)
    for a in [2.0, 0.5, 3.0, 1e4, 123.0, 7e8, 0.01]:
        assert bits(jg(a)) == bits(transform(newton_twice)(a)), a
    assert jg.trace_count == 1
    assert "o0.pop()" in jg.lower(50.0).source
