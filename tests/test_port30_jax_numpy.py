"""Cases after JAX's lax_numpy_operators_test.py and lax_numpy_indexing_test.py.

``np.angle`` of small integer data keeps NumPy's dtype (``arctan2`` of the
Python int 0 and the data: int8 gives float16) under ``jit`` and ``vmap``
as in eager. A Python int argument of ``jit`` indexes as JAX's traced int
does (it is traced as a float, and cast to an int where it indexes); through
a jitted function inside another transform it is left as a strict xfail.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.int64, np.bool_,
                                   np.float32, np.float64])
def test_angle_of_real_data_keeps_numpys_dtype_under_jit_and_vmap(dtype):
    z = np.array([1, 0, 3, 2], dtype=dtype)
    if np.dtype(dtype).kind in "if":
        z = z * np.array([1, -1, -1, 1], dtype=dtype)
    want = np.angle(z)
    for deg in (False, True):
        want = np.angle(z, deg=deg)
        got = tg.jit(lambda a, d=deg: np.angle(a, deg=d))(z)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
        batch = np.stack([z, z[::-1]])
        out = tg.vmap(lambda a, d=deg: np.angle(a, deg=d))(batch)
        loop = np.stack([np.angle(a, deg=deg) for a in batch])
        assert out.dtype == loop.dtype
        np.testing.assert_array_equal(out, loop)


def test_angle_has_zero_derivative_in_both_modes():
    x = np.array([1.5, -2.0, 0.5])
    f = lambda a: np.sum(np.angle(a) * a)                # noqa: E731
    np.testing.assert_array_equal(tg.grad(f)(x), np.angle(x))
    _, t = tg.jvp(lambda a: np.angle(a), (x,), (np.ones(3),))
    np.testing.assert_array_equal(t, np.zeros(3))


def test_a_python_int_argument_of_jit_indexes_as_eagers_int_does():
    v = np.arange(10.0) ** 2
    f = tg.jit(lambda a, i: a[i] * a[i])
    assert [f(v, i) for i in (3, 7, -1)] == [v[3] ** 2, v[7] ** 2, v[-1] ** 2]
    assert f.trace_count == 1                 # one trace for every int: the index is traced
    g = tg.jit(tg.grad(lambda a, i: a[i] ** 2))(v, 3)
    np.testing.assert_array_equal(g, np.where(np.arange(10) == 3, 2 * v[3], 0.0))
    rows = np.arange(12.0).reshape(4, 3)
    np.testing.assert_array_equal(tg.jit(lambda a, i: a[i, 1:])(rows, 2), rows[2, 1:])
    np.testing.assert_array_equal(tg.jit(lambda a, i: a[:, i])(rows, -1), rows[:, -1])
    batch = np.stack([v, -v])
    np.testing.assert_array_equal(
        tg.vmap(tg.jit(lambda a, i: a[i]), in_axes=(0, None))(batch, 4), batch[:, 4])
    np.testing.assert_array_equal(
        tg.jit(lambda a, i: tg.vmap(lambda b: b[i])(a))(batch, 5), batch[:, 5])
    out, tangent = tg.jvp(lambda a: tg.jit(lambda b, j: b[j] ** 2)(a, 3), (v,), (np.ones(10),))
    assert (out, tangent) == (v[3] ** 2, 2 * v[3])
    assert tg.make_tape(lambda a, i: a[i])(v, 3)(v, 4) == v[4]
    with pytest.raises(IndexError):
        tg.jit(lambda a, i: a[i])(v, 30)


@pytest.mark.xfail(strict=True, raises=TypeError, reason=(
    "a jitted function called under grad or under another jit sees the int argument "
    "as the float the outer transform traced, and indexing refuses a traced float"))
@pytest.mark.parametrize("stack", ["grad(jit)", "jit(jit)"])
def test_a_python_int_index_through_a_jitted_function_inside_another_transform(stack):
    v = np.arange(10.0) ** 2
    inner = tg.jit(lambda a, i: a[i] ** 2)
    if stack == "grad(jit)":
        g = tg.grad(inner)(v, 3)
        np.testing.assert_array_equal(g, np.where(np.arange(10) == 3, 2 * v[3], 0.0))
    else:
        assert tg.jit(lambda a, i: inner(a, i))(v, 5) == v[5] ** 2


@pytest.mark.parametrize("x", [np.float32(-0.3), np.array(0.3, np.float32), np.array(0.3)])
def test_sigmoid_of_a_numpy_scalar_is_a_numpy_scalar_as_tanh_and_softplus_give(x):
    for f in (tg.sigmoid, tg.tanh, tg.softplus):
        got, jitted = f(x), tg.jit(f)(x)
        assert type(got) is type(jitted) is np.dtype(x.dtype).type
    v = float(x)
    want = 1.0 / (1.0 + np.exp(-v))
    assert tg.sigmoid(x) == pytest.approx(want, rel=1e-6)
    assert tg.jit(tg.sigmoid)(x) == tg.sigmoid(x)
    assert tg.grad(tg.sigmoid)(x) == pytest.approx(want * (1 - want), rel=1e-6)
