"""A while loop stepping a name that is a Python number in some iterations.

``x = 0.37`` then ``t = t + x``: ``x`` may also be traced elsewhere (``for x
in xs``), yet where ``t`` is read it holds a Python number computed from the
trip count, which the tape shows as a constant: jit must not roll such a
loop to another trip count. Found by ``tests/test_loopfuzz.py`` (seed 8036).
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg


def stepped_by_a_name_also_traced(x0, xs):
    s, t, w = x0, 0.5, x0
    while w < 2.0:
        w = w + 0.3 + 0.1 * tg.sin(s)
        x = 0.37
        t = t + x
        if t < 1.0:
            for x in xs:
                if x > 0.0:
                    break
            s = tg.sin(s) + x
        else:
            s = tg.sin(s) + x
    return s + t + w * 0.1


def branches_on_a_name_also_traced(x0, xs):
    s, t, w = x0, 0.5, x0
    while w < 2.0:
        w = w + 0.25
        x = 0.2
        if t < 1.0:
            x = xs[0]
        t = t + x
        s = s * 0.9 + t
    return s + w


def accumulates_traced_values(x0, xs):
    s, w = 0.0, x0
    while w < 2.0:
        w = w + 0.3 + 0.1 * tg.sin(w)
        s = s + w * xs[0]
    return s + w


STARTS = [-3.0, -2.5, -1.958, -1.01, -0.358, 1.2]       # at most 8 trip counts


def test_past_eight_trip_counts_jit_refuses_rather_than_reuse_a_loop():
    f = stepped_by_a_name_also_traced
    j = tg.jit(f)
    with pytest.raises(TypeError, match="more than 8 specializations"):
        for x0 in np.linspace(-6.0, 1.9, 40):
            assert j(float(x0), [1.42]) == f(float(x0), [1.42])


@pytest.mark.parametrize("f", [stepped_by_a_name_also_traced, branches_on_a_name_also_traced])
@pytest.mark.parametrize("xs", [[1.42], [-0.3, 1.6]])
def test_jit_equals_eager_at_every_trip_count(f, xs):
    j = tg.jit(f)
    for x0 in STARTS:
        assert j(x0, xs) == f(x0, xs), x0


@pytest.mark.parametrize("f", [stepped_by_a_name_also_traced, branches_on_a_name_also_traced])
def test_jit_of_grad_equals_eager_grad(f):
    g, jg = tg.grad(f), tg.jit(tg.grad(f))
    for x0 in STARTS:
        assert jg(x0, [1.42]) == g(x0, [1.42]), x0


def test_vmap_equals_the_loop():
    f = stepped_by_a_name_also_traced
    got = tg.vmap(f, in_axes=(0, None))(np.array(STARTS), [1.42])
    assert np.array_equal(got, [f(x0, [1.42]) for x0 in STARTS])


def test_an_accumulator_started_at_a_python_zero_still_rolls():
    f = accumulates_traced_values
    j = tg.jit(f)
    for x0 in np.linspace(-4.0, 1.9, 25):
        assert j(float(x0), [0.7]) == f(float(x0), [0.7])
    assert j.trace_count == 1
