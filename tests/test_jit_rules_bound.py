"""Transforms of a jitted function whose derivative needs more specializations than jit's.

``jit(f)`` of a ``while`` loop with an ``if`` inside is one specialization
(the loop and the branch roll); the reverse pass through that loop is not,
so ``grad(jit(f))``'s compiled program would need one per trip pattern. Past
the bound of 8 the derivative runs as ``grad(f)`` does, uncompiled, and
equals it bit for bit; ``jit(grad(f))`` written by the user rolls its
backward pass into a loop over the stored outcomes (one specialization).

Also: the gradient ``grad`` keeps from a jitted call's forward pass is used
only for a cotangent of 1.0; another cotangent goes through the vjp, as
eager pushes it through ``f`` (``g * (a * b)`` is not ``(g * a) * b``).
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg


def halve_or_step(x):
    while x > 1.0:
        if x > 4.0:
            x = x * 0.5
        else:
            x = x - 0.7
    return x * x * x


XS = [float(x) for x in np.linspace(1.5, 300.0, 25)]     # 25 trip/branch patterns
jf = tg.jit(halve_or_step)

CASES = {
    "grad(jit)": (lambda: tg.grad(jf), lambda: tg.grad(halve_or_step)),
    "value_and_grad(jit)": (lambda: tg.value_and_grad(jf),
                            lambda: tg.value_and_grad(halve_or_step)),
    "grad(grad(jit))": (lambda: tg.grad(tg.grad(jf)), lambda: tg.grad(tg.grad(halve_or_step))),
    "hessian(jit)": (lambda: tg.hessian(jf), lambda: tg.hessian(halve_or_step)),
    "jvp(jit)": (lambda: lambda x: tg.jvp(jf, (x,), (1.0,)),
                 lambda: lambda x: tg.jvp(halve_or_step, (x,), (1.0,))),
    "grad(2 jit + 1)": (lambda: tg.grad(lambda x: 2.0 * jf(x) + 1.0),
                        lambda: tg.grad(lambda x: 2.0 * halve_or_step(x) + 1.0)),
    "grad(jit * jit)": (lambda: tg.grad(lambda x: jf(x) * jf(x + 1.0)),
                        lambda: tg.grad(lambda x: halve_or_step(x) * halve_or_step(x + 1.0))),
    "jit(grad(jit))": (lambda: tg.jit(tg.grad(jf)), lambda: tg.grad(halve_or_step)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_transforms_of_jit_past_the_bound_equal_eager_bit_for_bit(name):
    made, eager = CASES[name]
    got, want = made(), eager()
    assert [repr(got(x)) for x in XS] == [repr(want(x)) for x in XS]


@pytest.mark.parametrize("how", ["vmap(jit)", "vmap(grad(jit))", "jit(vmap(jit))",
                                 "jit(vmap(grad(jit)))"])
def test_batched_transforms_of_jit_past_the_bound_equal_the_loop(how):
    f = {"vmap(jit)": tg.vmap(tg.jit(halve_or_step)),
         "vmap(grad(jit))": tg.vmap(tg.grad(tg.jit(halve_or_step))),
         "jit(vmap(jit))": tg.jit(tg.vmap(tg.jit(halve_or_step))),
         "jit(vmap(grad(jit)))": tg.jit(tg.vmap(tg.grad(tg.jit(halve_or_step))))}[how]
    one = tg.grad(halve_or_step) if "grad" in how else halve_or_step
    assert np.array_equal(f(np.array(XS)), np.array([one(x) for x in XS]))


def test_the_derivative_matches_central_differences():
    g = tg.grad(tg.jit(halve_or_step))
    for x in XS:
        h = 1e-6 * x
        fd = (halve_or_step(x + h) - halve_or_step(x - h)) / (2 * h)
        assert g(x) == pytest.approx(fd, rel=1e-5)


def test_jit_itself_stays_one_specialization_and_so_does_jit_of_grad():
    f = tg.jit(halve_or_step)
    assert [f(x) for x in XS] == [halve_or_step(x) for x in XS]
    assert f.trace_count <= 2
    user = tg.jit(tg.grad(halve_or_step))     # its backward pass: a loop over the outcomes
    assert [repr(user(x)) for x in XS] == [repr(tg.grad(halve_or_step)(x)) for x in XS]
    assert user.trace_count <= 2


def cube(x):
    return (x * x) * x * 1.1


@pytest.mark.parametrize("scale", [lambda y: 0.3 * y, lambda y: y * y, lambda y: y / 7.0])
def test_a_kept_gradient_is_used_only_for_a_cotangent_of_one(scale):
    jc = tg.jit(cube)
    xs = np.linspace(0.1, 9.0, 200).tolist()
    got = [tg.grad(lambda x: scale(jc(x)))(x) for x in xs]
    want = [tg.grad(lambda x: scale(cube(x)))(x) for x in xs]
    assert got == want
    assert [tg.grad(jc)(x) for x in xs] == [tg.grad(cube)(x) for x in xs]   # the kept one
