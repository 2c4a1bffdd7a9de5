"""Wrong numbers the random-program fuzzers found, each a small function (continued).

As ``test_fuzz_found.py`` and ``test_fuzz_found2.py``: each runs under the
transforms and compares with eager Python bit for bit (``vmap`` with a Python
loop over the examples), eager's derivatives with central differences.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg

SPECIALIZATIONS = "needed more than 8 specializations"


def same_bits(got, want):
    return type(got) is type(want) and np.asarray(got).tobytes() == np.asarray(want).tobytes()


def where_in_a_rising_while(x0):
    """Plain seed 21787 reduced: a branching ``while`` whose trip count the data decide.

    Under ``grad(grad)`` the cotangent of ``0.1 * tg.sin(x0)``, read by every
    iteration of the backward loop, sums one term a trip: ``v + v + v`` at three
    trips, a sum the code after the loops held for the traced trip count only."""
    s = x0
    u = x0 * 0.5 - 0.25
    w = x0
    while w < 3.0:
        w = w + 0.3 + 0.1 * tg.sin(s)
        u = tg.where(s > u, s - u, u * 0.5)
    return u + w * 0.1


XS = [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 2.5, 2.9]      # 21 trips down to 1


@pytest.mark.parametrize("first", [2.0, -3.0, 1.0])
def test_jit_of_a_second_derivative_of_a_branching_while_is_eagers_at_any_trip_count(first):
    h = tg.grad(tg.grad(where_in_a_rising_while))
    jh = tg.jit(h)
    jh(first)                      # traced at 3, 21 or 6 trips, called at the others
    for x in XS:
        try:
            got = jh(x)
        except TypeError as e:     # past the bound of specializations: refused
            assert SPECIALIZATIONS in str(e)
            continue
        assert same_bits(got, h(x)), (first, x, got, h(x))


@pytest.mark.parametrize("x", [-2.0, 1.0, 2.0])
def test_eager_second_derivative_of_the_branching_while_is_the_central_difference(x):
    g = tg.grad(where_in_a_rising_while)
    assert abs(tg.grad(g)(x) - fd(g, x, 1e-5)) < 1e-6


def test_vmap_of_the_second_derivative_of_the_branching_while_is_a_python_loops():
    h = tg.grad(tg.grad(where_in_a_rising_while))
    xs = np.array([2.0, -3.0, 1.0, -1.0, 2.5])
    assert same_bits(tg.vmap(h)(xs), np.stack([h(x) for x in xs]))


def cube(x):
    """Array seeds 10843 and 10897 reduced: ``x ** 3`` of a 0-d float32 array."""
    return x ** 3


@pytest.mark.xfail(strict=True, reason=(
    "vmap of x ** 3 over a batch of 0-d float32 examples gives 9.346207 where the Python "
    "loop over the 0-d arrays gives NumPy's array power 9.346206 (last bit; NumPy's float32 "
    "scalar ** 3 and x * x * x give 9.346207): vmap traces the example as the batch's row "
    "xb[0], NumPy's float32 scalar, whose power rounds as the scalar's; a reference looping "
    "over the batch's rows instead makes eager grad of a float64 scalar beside float32 data "
    "round apart from vmap(grad) (array seeds 11618, 11836, 11877), so the two disagree on "
    "what a 0-d example is"))
def test_vmap_of_a_cube_of_0d_float32_arrays_is_a_python_loops():
    x = np.asarray(np.float32(2.1064208))
    rows = [x, np.asarray(x * 0.5, np.float32), np.asarray(x * 0.5 - 0.25, np.float32)]
    want = np.stack([cube(r) for r in rows])
    xb = np.stack(rows)
    for run in (tg.vmap(cube), tg.vmap(tg.jit(cube)), tg.jit(tg.vmap(cube))):
        assert same_bits(run(xb), want)
