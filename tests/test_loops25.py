"""A loop whose iterations branch rolls when the code after it reads an input again.

``while (b - a) / 2 > tol: ... if ...: b = c else: a = c`` followed by
``return (a + b) / 2 + p[2]``: under ``jit(grad)`` the backward pass of
``p[2]`` (an ``index_add`` into ``p``'s cotangent, a rule without partials)
lies between the seed and the loop's backward records. It reaches no loop
variable, so the backward loop is found past it and any trip count runs in
one specialization. Compared with eager bit for bit (jit, jit(grad),
grad(jit)), with a Python loop over the examples (vmap, vmap(grad)), and
gradients with central differences.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fd
from program_battery import same

import tapegrad as tg


def bisect_plus(p, seen=None):
    a, b = p[0], p[1]
    while (b - a) / 2 > 1e-13:
        seen is None or seen.append(1)
        c = (a + b) / 2
        if c ** 2 - 2.0 > 0:
            b = c
        else:
            a = c
    return (a + b) / 2 + p[2]


def bisect_times(p, seen=None):     # the input read after the loop scales the root
    a, b = p[0], p[1]
    while b - a > 1e-9:
        seen is None or seen.append(1)
        c = 0.5 * (a + b)
        if c ** 3 - 1.7 > 0:
            b = c
        else:
            a = c
    return p[2] * (0.5 * (a + b)) + p[0] * p[1]


def bisect_sum(p, seen=None):       # the whole input, summed, after the loop
    lo, hi = p[0], p[1]
    while hi - lo > 1e-7:
        seen is None or seen.append(1)
        mid = 0.5 * (lo + hi)
        if mid * mid > 3.0:
            hi = mid
        else:
            lo = mid
    return lo * p[2] + np.sum(p)


FS = [bisect_plus, bisect_times, bisect_sum]
TRACED = np.array([0.0, 2.0, 1.5])
# intervals of other widths: trip counts tracing never saw
OTHERS = [np.array(x) for x in ([1.0, 2.0, 1.4], [0.0, 8.0, 1.0], [-5.0, 40.0, 0.3],
                                [1.1, 1.35, -0.7], [0.0, 300.0, 2.0], [1.3, 1.8, 0.0])]


@pytest.mark.parametrize("f", FS, ids=lambda f: f.__name__)
def test_the_others_run_trip_counts_tracing_never_saw(f):
    def trips(x):
        seen: list[int] = []
        f(x, seen)
        return len(seen)
    assert trips(TRACED) not in {trips(x) for x in OTHERS}
    assert len({trips(x) for x in OTHERS}) >= 4


@pytest.mark.parametrize("f", FS, ids=lambda f: f.__name__)
def test_jit_is_eager_in_one_trace(f):
    jf = tg.jit(f)
    for x in [TRACED] + OTHERS:
        assert same(jf(x), f(x)), x
    assert jf.trace_count == 1


@pytest.mark.parametrize("f", FS, ids=lambda f: f.__name__)
def test_jit_grad_is_grad_in_one_trace(f):
    jg, g = tg.jit(tg.grad(f)), tg.grad(f)
    for x in [TRACED] + OTHERS:
        assert same(jg(x), g(x)), x
    assert jg.trace_count == 1
    assert "while True:" in tg.jit(tg.grad(f)).lower(TRACED).source


@pytest.mark.parametrize("f", FS, ids=lambda f: f.__name__)
def test_grad_of_jit_is_grad(f):
    gj, g = tg.grad(tg.jit(f)), tg.grad(f)
    for x in [TRACED] + OTHERS:
        assert same(gj(x), g(x)), x


@pytest.mark.parametrize("f", FS, ids=lambda f: f.__name__)
def test_grad_agrees_with_central_differences(f):
    for x in OTHERS[:3]:
        # the ends move the root by the tolerance at most (a step in the ends' partials):
        # p[2]'s, read after the loop only, is smooth
        np.testing.assert_allclose(tg.grad(f)(x)[2], fd(f, x)[2], rtol=1e-6)


@pytest.mark.parametrize("f", FS, ids=lambda f: f.__name__)
def test_vmap_and_vmap_grad_are_the_loop(f):
    batch = np.stack([TRACED] + OTHERS)
    for h in (f, tg.grad(f)):
        assert same(tg.vmap(h)(batch), np.stack([np.asarray(h(x)) for x in batch]))
    jv = tg.jit(tg.vmap(tg.grad(f)))
    assert same(jv(batch), np.stack([np.asarray(tg.grad(f)(x)) for x in batch]))
