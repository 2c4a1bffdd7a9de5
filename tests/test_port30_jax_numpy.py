"""Cases after JAX's lax_numpy_operators_test.py and lax_numpy_indexing_test.py.

``np.angle`` of small integer data keeps NumPy's dtype (``arctan2`` of the
Python int 0 and the data: int8 gives float16) under ``jit`` and ``vmap``
as in eager. A Python int argument of ``jit`` used as an index is left as a
strict xfail: JAX indexes with it, tapegrad traces it as a float.
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


@pytest.mark.xfail(strict=True, raises=TypeError, reason=(
    "jit traces a Python int argument as a float (its kind is in the signature), and "
    "indexing refuses a traced float; JAX traces it as an int32 and gathers. Pass "
    "np.int64(i) or name it in static_argnums."))
def test_jit_of_indexing_with_a_python_int_argument_is_eagers():
    v = np.arange(10.0) ** 2
    assert tg.jit(lambda a, i: a[i])(v, 3) == v[3]


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
