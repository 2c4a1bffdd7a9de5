"""Cases after NumPy's own test suite, run on traced values.

Each family follows a NumPy test module (``_core/tests/test_umath.py``,
``lib/tests/test_nanfunctions.py``, ``lib/tests/test_function_base.py``,
``linalg/tests/test_linalg.py``...): NumPy's function called inside
``tg.jvp`` (eager), ``tg.jit`` and ``tg.vmap`` must give NumPy's value,
dtype and shape, and a differentiable one its central-difference derivative.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg


def quiet(f, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return f(*args)


def same(got, want):
    """Equal as NumPy's result: dtype, shape and value (nan equal to nan)."""
    got, want = np.asarray(got), np.asarray(want)
    assert (got.dtype, got.shape) == (want.dtype, want.shape)
    np.testing.assert_array_equal(got, want)


def each_transform(f, x):
    """``f(x)`` by NumPy, then on a traced ``x``: eager, jit, and vmap over two copies."""
    want = quiet(f, x)
    if np.asarray(x).dtype.kind == "f":
        same(quiet(lambda: tg.jvp(f, (x,), (np.ones_like(x),))[0]), want)
    same(quiet(tg.jit(f), x), want)
    same(quiet(tg.vmap(f), np.stack([x, x])), np.stack([want, want]))
    return want


INTS = [np.int8, np.int32, np.int64, np.bool_]


# -------------------------------------------- test_function_base: median
@pytest.mark.parametrize("dtype", INTS)
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 1)])
def test_median_of_integers_is_a_float_as_numpys(dtype, axis):
    x = (np.array([[100, 100, 3, 120], [7, -5, 100, 2], [1, 2, 3, 127]]) %
         (2 if dtype is np.bool_ else 128)).astype(dtype)
    want = each_transform(lambda v: np.median(v, axis=axis), x)
    assert np.asarray(want).dtype == np.float64


@pytest.mark.parametrize("axis", [(0, 2), (-1, 0), (0, 1, 2), (2,), ()])
@pytest.mark.parametrize("keepdims", [False, True])
def test_median_and_quantiles_over_a_tuple_of_axes(axis, keepdims):
    x = np.cos(np.arange(24.0) * 1.7).reshape(2, 3, 4)
    each_transform(lambda v: np.median(v, axis=axis, keepdims=keepdims), x)
    each_transform(lambda v: np.quantile(v, [0.2, 0.9], axis=axis, keepdims=keepdims), x)
    each_transform(lambda v: np.percentile(v, 30, axis=axis, keepdims=keepdims), x)
    f = lambda v: tg.sum(np.median(v, axis=axis) * np.arange(1.0, 1.0 + np.median(  # noqa: E731
        x, axis=axis).size).reshape(np.shape(np.median(x, axis=axis))))
    np.testing.assert_allclose(tg.grad(f)(x), fd(f, x), atol=1e-7)


def test_median_and_quantile_repeated_axes_are_refused():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"tg.median: axis \(0, 0\) repeats an axis"):
        tg.jit(lambda v: np.median(v, axis=(0, 0)))(x)
    with pytest.raises(ValueError, match=r"tg.quantile: axis \(1, -1\) repeats"):
        tg.jit(lambda v: np.quantile(v, 0.5, axis=(1, -1)))(x)


@pytest.mark.parametrize("dtype", [np.int8, np.int64])
def test_quantiles_of_integers_are_floats(dtype):
    x = np.array([[100, 100, 3, 120], [7, -5, 100, 2]], dtype=dtype)
    each_transform(lambda v: np.quantile(v, [0.1, 0.5, 1.0], axis=1), x)
    each_transform(lambda v: np.percentile(v, 40), x)


# ------------------------------------------- test_nanfunctions: integers
@pytest.mark.parametrize("name", ["nansum", "nanprod", "nanmax", "nanmin", "nancumsum",
                                  "nancumprod", "nanmean", "nanvar", "nan_to_num"])
@pytest.mark.parametrize("dtype", INTS)
def test_nan_functions_of_integers_are_numpys_plain_ones(name, dtype):
    # NumPy's TestNanFunctions_IntTypes: no NaN in integers, the plain function's dtype
    x = (np.arange(12).reshape(3, 4) % 5 - (0 if dtype is np.bool_ else 2)).astype(dtype)
    kw = {} if name == "nan_to_num" else {"axis": 0}
    each_transform(lambda v: getattr(np, name)(v, **kw), x)


# ------------------------------------------------ test_umath: dtypes
@pytest.mark.parametrize("dtype", INTS[:3])
def test_integer_powers_of_integer_arrays_stay_integers(dtype):
    x = np.array([0, 1, 2, 3, -4], dtype=dtype)
    each_transform(lambda v: v ** 2, x)
    each_transform(lambda v: np.power(v, np.array([3, 2, 1, 0, 1], dtype=dtype)), x)
    each_transform(lambda v: 2 ** np.abs(v), x)
    each_transform(lambda v: v ** 0.5, x)             # a float exponent: floats


def test_integer_power_keeps_the_float_rules_for_floats():
    x = np.array([0.5, 2.0, 3.0])
    f = lambda v: tg.sum(v ** np.array([2, 3, 1]))         # noqa: E731
    np.testing.assert_allclose(tg.grad(f)(x), [1.0, 12.0, 1.0])
    assert tg.jit(lambda v: v ** 2)(np.float32(2.0)).dtype == np.float32


@pytest.mark.parametrize("dtype", INTS)
def test_fabs_of_integers_is_numpys_float(dtype):
    x = np.array([0, 1, 2, 3, 100]).astype(dtype)
    want = each_transform(np.fabs, x)
    assert want.dtype.kind == "f"
    each_transform(np.fabs, np.array([-0.0, -1.5, np.inf, np.nan], dtype=np.float32))


# --------------------------------------- test_shape_base: bools keep bool
@pytest.mark.parametrize("f", [lambda v: v.reshape(-1), np.ravel, lambda v: v.flatten(),
                               lambda v: np.cumsum(v), lambda v: np.cumprod(v),
                               lambda v: np.reshape(v, (4, 3))])
def test_reshaping_a_boolean_array_keeps_it_boolean(f):
    each_transform(f, np.arange(12).reshape(3, 4) % 3 == 0)
