"""Wrong numbers the random-program fuzzers found, each a small function (continued).

As ``test_fuzz_found.py``: each runs under the transforms and compares with
eager Python bit for bit (``vmap`` with a Python loop over the examples).
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg


def same_bits(got, want):
    return type(got) is type(want) and np.asarray(got).tobytes() == np.asarray(want).tobytes()


def sine_of_a_numpy_where(x0, xs):
    """List seed 896 reduced: ``np.where`` of numbers is NumPy's 0-d array, whose
    ``tg.sin`` is a strong ``np.float64``; a float there rounds to float32 beside ``x``."""
    s = x0
    for x in xs:
        v = tg.stack([x, 0.3])         # float64: its items are np.float64
        s = np.where(s > v[0], s * 0.5, s + v[0] * 0.5)
        s = tg.sin(s) + x
    return s


XS = [np.float32(0.3242616), np.float32(-0.5738623), np.float32(0.60810417)]


@pytest.mark.parametrize("x0", [-0.63343364, 0.2, 1.7])
def test_sine_of_a_numpy_where_of_numbers_is_eagers_under_jit_and_grad(x0):
    x0 = np.float32(x0)
    want, dwant = sine_of_a_numpy_where(x0, XS), tg.grad(sine_of_a_numpy_where)(x0, XS)
    assert want.dtype == np.float64
    assert same_bits(tg.jit(sine_of_a_numpy_where)(x0, XS), want)
    assert same_bits(tg.jit(tg.grad(sine_of_a_numpy_where))(x0, XS), dwant)
    h = 1e-3
    fd = (sine_of_a_numpy_where(np.float64(x0) + h, XS) - sine_of_a_numpy_where(
        np.float64(x0) - h, XS)) / (2 * h)
    assert abs(float(dwant) - float(fd)) < 1e-3


@pytest.mark.parametrize("a, b", [(np.float64(1.5), np.float64(-2.0)), (1.5, -2.0),
                                  (np.float32(1.5), 0.5), (np.float32(1.5), np.float64(0.5))])
def test_numpy_where_of_traced_numbers_is_numpys_0d_array(a, b):
    seen = []

    def f(x, y):
        r = np.where(x > y, x * 1.0, y * 1.0)
        seen.append(r)
        return r

    want = np.where(a > b, a * 1.0, b * 1.0)
    for run in (f, tg.jit(f), tg.grad(f)):
        run(a, b)
        got = seen[-1]
        got = getattr(got, "_value", got)
        while hasattr(got, "_value"):
            got = got._value
        assert type(got) is np.ndarray and got.shape == () and got.dtype == want.dtype, (run, got)


def nested_breaks(x0):
    """Plain seed 21224 reduced: an inner loop's break brings the outer loop's next
    iteration sooner, so how often the ``if`` runs depends on its outcomes."""
    s = x0
    for _ in range(3):
        for _ in range(3):
            s = s + 0.25
            if s > 1.0:
                break
    return s


def test_jit_of_a_break_out_of_an_inner_loop_is_eager_at_every_pattern():
    xs = [-2.0, -1.0, -0.5, 0.0, 0.3, 0.5, 0.9, 1.5]
    for first in xs:             # traced at one pattern, called at the others
        jf = tg.jit(nested_breaks)
        jf(first)
        for x in xs:
            try:
                got = jf(x)
            except TypeError as e:          # past the bound of specializations: refused
                assert "needed more than 8 specializations" in str(e)
                continue
            assert same_bits(got, nested_breaks(x)), (first, x, got)


def stepped_unseen(t, w, u):
    """Wide seed 21142 reduced: ``t`` is the caller's Python number, stepped where the
    tape never shows it, and read again by Python's own ``t > 2.0`` (no guard)."""
    while w < 3.0:
        w = w + 0.3
        t = t * 0.5 + 1.0
        if u < 0.0 or t > 2.0:
            continue
    return t


def unseen_in_a_helper(x0):
    return stepped_unseen(0.5, x0, x0)


def halving_where(c, x):
    for j in range(2):
        c = tg.where(c > x, c * 0.5, c + 0.25) + j * 0.1
    return c


def unseen_beside_a_loop(x0):
    """The seed's helper less reduced: a traced ``s`` stepped by a loop beside ``t``."""
    s, u, t, w = x0, x0 * 0.5 - 0.25, 0.5, x0
    while w < 3.0:
        w = w + 0.3 + 0.1 * tg.sin(s)
        t = t * 0.5 + 1.0
        s = halving_where(s, u * 0.1)
        if u < 0.0 or t > 2.0:
            continue
    return s + u + t + w * 0.1


def helper_call(x0):
    return unseen_beside_a_loop_helper(x0, x0 * 0.5 - 0.25, 0.5, x0)


def unseen_beside_a_loop_helper(s, u, t, w):
    while w < 3.0:
        w = w + 0.3 + 0.1 * tg.sin(s)
        t = t * 0.5 + 1.0
        s = halving_where(s, u * 0.1)
        if u < 0.0 or t > 2.0:
            continue
    return s + u + t + w * 0.1


def trips_to_three(x0, step=0.3):
    n, w = 0, x0
    while w < 3.0:
        w, n = w + step, n + 1
    return n


@pytest.mark.parametrize("f", [unseen_in_a_helper, helper_call, unseen_beside_a_loop])
def test_a_python_number_a_helpers_while_steps_is_eagers_at_every_trip_count(f):
    # traced at 1 trip, jit rolled the loop and kept t of that trip count for every
    # count (1.25 for 1.99926... at x0 = 0.0); a loop that cannot roll, one trace a count
    xs = [2.9, 2.0, 1.0, 0.0, -0.5, 2.5, 1.0, 2.9]
    jf, jg = tg.jit(f), tg.jit(tg.grad(f))
    for x in xs:
        assert same_bits(jf(x), f(x)), x
        assert same_bits(jg(x), tg.grad(f)(x)), x
    if f is unseen_in_a_helper:
        assert len({trips_to_three(x) for x in xs}) == jf.trace_count == 6
    assert jf.trace_count <= 6


def dot_of_mixed_dtypes(y, z):
    """Array seed 10431 reduced: float64 ``y`` against float32 ``z`` of one item,
    broadcast; NumPy casts through buffers, which sum in their own order."""
    return np.einsum('i,i->', y, z)


def test_vmap_of_an_einsum_of_mixed_dtypes_is_a_python_loops_bit_for_bit():
    y = np.array([-0.80806766, 2.36892443, -0.13623289])
    z = np.array([0.79164195], dtype=np.float32)
    rows = [(y, z), (y * 0.5 - 0.25, np.asarray(z * 0.5 - 0.25, np.float32)),
            (y + 0.1, np.asarray(z - 0.3, np.float32)), (y[::-1], z)]
    ys, zs = np.stack([r[0] for r in rows]), np.stack([r[1] for r in rows])
    want = np.stack([dot_of_mixed_dtypes(a, b) for a, b in zip(ys, zs)])
    f = dot_of_mixed_dtypes
    for run in (tg.vmap(f), tg.vmap(tg.jit(f)), tg.jit(tg.vmap(f))):
        assert same_bits(run(ys, zs), want)
    want = np.stack([f(a, z) for a in ys])       # z shared by the examples
    assert same_bits(tg.vmap(f, in_axes=(0, None))(ys, z), want)
    g = tg.grad(f, (0, 1))
    for run in (tg.vmap(g), tg.jit(tg.vmap(g))):
        got, dwant = run(ys, zs), [g(a, b) for a, b in zip(ys, zs)]
        assert all(same_bits(got[k], np.stack([d[k] for d in dwant])) for k in (0, 1))


def where_then_clip(x0):
    """List seed 904 reduced: a float32 ``s`` and a float64 ``u`` clipped at its bound."""
    s = x0
    for _ in range(2):
        s = np.where(s > 0.37, s * 0.5, s + 0.37) + tg.sin(s) * 0.01
    u = np.clip(s + np.float64(2.0), -1.5, 1.5)
    return s + u + x0


# eager grad's minimum/maximum of Python floats handed the losing side a Python 0.0
# where traced code has an np.float64 zero (kinks._passed keeps the cotangent's type)
def test_grad_of_a_clip_at_its_bound_beside_float32_values_is_eagers_under_jit():
    x0 = np.float32(-0.9376627)
    want = tg.grad(where_then_clip)(x0)
    assert same_bits(tg.jit(tg.grad(where_then_clip))(x0), want)
    assert same_bits(tg.grad(tg.jit(where_then_clip))(x0), want)
