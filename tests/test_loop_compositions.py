"""Transforms of a jitted function with a loop, at trip counts its tape never saw.

``grad(jit(f))`` replays the tape ``jit`` recorded for ``f`` under
``value_and_grad``; where ``f``'s loop runs another number of times the
tape's guards fail, and the compiled loop (which runs any trip count) is
what counts: the result is eager's, bit for bit, and no composition runs
out of specializations.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_forbreak import bits
from test_forbreak import newton as for_newton
from test_forbreak import newton_true as true_newton

import tapegrad as tg


def while_newton(a):
    x = a + 1.0
    while tg.abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x


INPUTS = [float(v) for v in np.exp(np.linspace(-3.0, 30.0, 30))]
LOOPS = [while_newton, for_newton, true_newton]


@pytest.mark.parametrize("f", LOOPS)
def test_grad_of_jit_equals_eager_grad_at_every_trip_count(f):
    g, vg = tg.grad(tg.jit(f)), tg.value_and_grad(tg.jit(f))
    for a in INPUTS:
        assert bits(g(a)) == bits(tg.grad(f)(a)), a
        assert bits(vg(a)) == bits(tg.value_and_grad(f)(a)), a


@pytest.mark.parametrize("f", LOOPS)
def test_jvp_and_jit_of_grad_of_jit(f):
    jg = tg.jit(tg.grad(tg.jit(f)))
    for a in INPUTS:
        assert bits(tg.jvp(tg.jit(f), (a,), (1.0,))) == bits(tg.jvp(f, (a,), (1.0,))), a
        assert bits(jg(a)) == bits(tg.grad(f)(a)), a


@pytest.mark.parametrize("f", LOOPS)
def test_vmap_of_jit_equals_the_python_loop(f):
    xs = np.array(INPUTS)
    assert bits(tg.vmap(tg.jit(f))(xs)) == bits(np.array([f(a) for a in INPUTS]))
    assert bits(tg.vmap(tg.grad(tg.jit(f)))(xs)) == \
        bits(np.array([tg.grad(f)(a) for a in INPUTS]))
