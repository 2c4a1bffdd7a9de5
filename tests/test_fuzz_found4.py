"""Wrong numbers the random-program fuzzers found, each a small function (continued).

As ``test_fuzz_found.py`` to ``test_fuzz_found3.py``: each runs under the
transforms and compares with eager Python bit for bit (``vmap`` with a Python
loop over the examples), eager's derivatives with central differences.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg

F32 = np.float32


def same_bits(got, want):
    return type(got) is type(want) and np.asarray(got).tobytes() == np.asarray(want).tobytes()


def clipped_cubes(x0, y):
    """List seed 1174 reduced: ``abs`` of a float32 number under a float64 ``np.minimum``.

    Where ``np.minimum`` takes the stacked values, the cotangent reaching
    ``abs(x0 - y) * 0.9`` in ``grad(grad)``'s outer pass is the float zero:
    eager skips it, while jit's recording passed on ``zmul(0.0, sign)`` with
    ``sign`` abs's 0-d float32 partial, a float32 zero that made the rest of
    ``x0``'s gradient sum in float32 (an ulp off eager's float64 sum)."""
    q = tg.stack([x0 * 0.5, 0.25, -x0])
    q = np.minimum(q, abs(x0 - y) * 0.9)
    return np.sum(q ** 3)


PAIRS = [(F32(-0.5356694), F32(0.36159506)), (F32(0.8734943), F32(0.29018456)),
         (F32(-0.72519374), F32(1.559359)), (F32(0.1992403), F32(-1.2109451)),
         (F32(1.5), F32(-0.25)), (F32(-0.2), F32(2.0))]


@pytest.mark.parametrize("first", [0, 4])
def test_jit_of_a_second_derivative_through_abs_under_a_minimum_is_eagers(first):
    h = tg.grad(tg.grad(clipped_cubes))
    jh = tg.jit(h)
    jh(*PAIRS[first])                      # traced at one pair, called at all of them
    for x0, y in PAIRS:
        assert same_bits(jh(x0, y), h(x0, y)), (x0, y, jh(x0, y), h(x0, y))
        tape = tg.make_tape(h)(x0, y)
        assert same_bits(tape(x0, y), h(x0, y)), (x0, y)


@pytest.mark.parametrize("x0, y", [(-0.5356694, 0.36159506), (1.5, -0.25), (-0.2, 2.0)])
def test_eager_second_derivative_through_abs_under_a_minimum_is_the_central_difference(x0, y):
    g = tg.grad(clipped_cubes)
    want = fd(lambda u: g(u, y), x0, 1e-5)
    assert abs(tg.grad(tg.grad(clipped_cubes))(x0, y) - want) < 1e-6 * max(1.0, abs(want))


def capped_cubes(x0):
    """The same seed reduced further: the minimum takes constants only at ``|x0| > 1.2``.

    There the second derivative is zero; jit returned it as a 0-d float32
    array where eager returns ``np.float32(0.0)``."""
    return np.sum(np.minimum(np.array([0.25, 1.0]), abs(x0) * 0.9) ** 3)


@pytest.mark.parametrize("first", [F32(1.304), F32(0.5)])
def test_a_zero_second_derivative_is_eagers_number_under_jit(first):
    h = tg.grad(tg.grad(capped_cubes))
    jh = tg.jit(h)
    jh(first)
    for x0 in [F32(1.304), F32(-2.0), F32(0.5), F32(-0.1), F32(1.0)]:
        assert same_bits(jh(x0), h(x0)), (x0, jh(x0), h(x0))


@pytest.mark.parametrize("x0", [1.304, -2.0, 0.5, -0.1])
def test_eager_second_derivative_of_the_capped_cubes_is_the_central_difference(x0):
    g = tg.grad(capped_cubes)
    assert abs(tg.grad(g)(x0) - fd(g, x0, 1e-5)) < 1e-5


def where_beside_float_terms(x0, x):
    """Idiom seed 452 reduced: a ``tg.where`` whose taken side differs between examples.

    Eager's gradient of a float32 ``x0`` sums Python floats (the ``x0 * 0.1``
    terms) with the cotangent through ``s``: an ``np.float32`` where ``where``
    takes ``s - u``, the float ``0.0`` where it does not. The sum's precision
    thus depends on the example (float64 then rounded, or float32 throughout);
    ``vmap`` runs one program, in float32, for every example."""
    u = x0 * 0.5 - 0.25
    r = tg.stack([x0 * 0.5, 0.25, -x0])
    s = x0 / (1.0 + x * x)
    u = tg.where(s > u, s - u, u * 0.5)
    return u + x0 * 0.1 + np.sum(r) * 0.1 + x0 * 0.05


@pytest.mark.xfail(strict=True, reason="idiom seed 452: eager's zero cotangents are float 0.0 "
                   "where a nonzero one is np.float32, so a float32 gradient sums in float64 "
                   "at some examples only; vmap's one batch program cannot follow (an ulp off)")
def test_vmap_of_the_gradient_of_a_where_beside_float_terms_is_the_loop():
    x0s = np.array([-2.2940516, -2.7239377], F32)
    xs = np.array([-1.6952733, 0.8283534], F32)
    g = tg.grad(where_beside_float_terms)
    loop = np.stack([g(a, b) for a, b in zip(x0s, xs)])
    assert same_bits(tg.vmap(g)(x0s, xs), loop)


@pytest.mark.parametrize("x0, x", [(-2.2940516, -1.6952733), (-2.7239377, 0.8283534)])
def test_jit_and_eager_gradients_of_the_where_beside_float_terms(x0, x):
    g = tg.grad(where_beside_float_terms)
    jg = tg.jit(g)
    jg(F32(-2.2940516), F32(-1.6952733))      # traced where the where takes s - u
    assert same_bits(jg(F32(x0), F32(x)), g(F32(x0), F32(x)))
    assert abs(g(x0, x) - fd(lambda v: where_beside_float_terms(v, x), x0)) < 1e-6


def weighted_log_of_a_minimum(x, y):
    """Array seed 12571 reduced: a float32 vector against a float64 number."""
    return np.sum(np.log1p(np.minimum(y, x) ** 2) * np.cos(np.arange(3) + 1.0))


# grad keeps an np.float64 argument strong, as the float64 batch vmap reads it
def test_vmap_of_the_gradient_beside_a_float64_example_number_is_the_loop():
    xs = np.array([[-1.0251291, 0.7966444, 0.43728083], [-0.8219902, 0.8974682, 0.6904603],
                   [-0.76256454, 0.1483222, -0.03135958]], F32)
    ys = np.array([-0.91701306, -0.66577754, -0.70850653])
    g = tg.grad(weighted_log_of_a_minimum, (0, 1))
    got = tg.vmap(g)(xs, ys)
    loop = [g(x, y) for x, y in zip(xs, ys)]
    assert all(same_bits(a, np.stack(b)) for a, b in zip(got, zip(*loop)))
