"""NumPy's functions on integer and boolean data under jit and vmap, after NumPy's own tests.

NumPy's ``test_function_base.py``, ``test_twodim_base.py`` and
``test_nanfunctions.py`` check these functions on integer arrays too; under
``jit`` and ``vmap`` the data is traced and tapegrad's own implementation
runs, which must give NumPy's numbers and dtype bit for bit:

- ``mean`` (with an axis), ``average``, ``var``, ``std`` and their nan-forms
  sum integers as float64, as NumPy does: an int64 sum of nanosecond
  timestamps (about 1.7e18 each) wrapped around (``mean(t, axis=1)`` was
  -1.5e18 where NumPy gives 4.6e18);
- ``linspace`` subtracts integer ends as floats (``linspace`` of uint8 ends
  250 and 0 has 125 in the middle; the uint8 difference wrapped to 253);
- ``trapezoid`` adds neighbours in the data's dtype before scaling, as
  NumPy's ``d * (y[1:] + y[:-1]) / 2.0`` does;
- ``diag``/``diagflat`` of int64/uint64 data keep every bit (through float64,
  2**64 - 1 became 0);
- a boolean array every example shares (``in_axes=None``) stays boolean
  (it was made float64, so ``x + y`` with int8 ``y`` was float64, not int8);
- ``histogram`` takes a Python list of samples beside traced weights;
- ``mean`` of float16 along an axis (or with ``where=``) sums in float32 and
  rounds once to float16, as NumPy's (the mean of a row's positive numbers
  was 30.14 for NumPy's 30.16), while ``var`` keeps NumPy's float16 sums
  and ``mean(..., dtype=np.float16)`` sums in float16, as NumPy's.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tapegrad as tg
from tests.conftest import fd


def same(got, want) -> bool:
    got, want = np.asarray(got), np.asarray(want)
    return got.dtype == want.dtype and got.shape == want.shape and \
        np.array_equal(got, want, equal_nan=want.dtype.kind == "f")


STAMPS = np.array([[1_700_000_000_000_000_001, 1_700_000_000_000_000_003,
                    1_700_000_000_000_000_007], [2**62, 2**62 + 1, 2**62 + 5]], dtype=np.int64)
DATA = {
    "int64": STAMPS,
    "uint64": np.array([[3, 2**64 - 1, 7], [1, 2, 2**63]], dtype=np.uint64),
    "uint8": np.array([[3, 250, 7], [255, 0, 4]], dtype=np.uint8),
    "int8": np.array([[127, -128, 100], [100, 100, 100]], dtype=np.int8),
    "int16": np.array([[32767, 30000, -32768], [1, 2, 3]], dtype=np.int16),
    "bool": np.array([[True, False, True], [True, True, False]]),
}
REDUCERS = {
    "mean_axis": lambda x: np.mean(x, axis=1),
    "mean_keepdims": lambda x: np.mean(x, keepdims=True),
    "mean_where": lambda x: np.mean(x, axis=1, where=np.array([True, False, True])),
    "average": np.average,
    "average_axis": lambda x: np.average(x, axis=0),
    "average_weights": lambda x: np.average(x, axis=1, weights=[1, 2, 3]),
    "var": np.var,
    "var_axis_ddof": lambda x: np.var(x, axis=1, ddof=1),
    "std_keepdims": lambda x: np.std(x, axis=0, keepdims=True),
    "nanmean": np.nanmean,
    "nanmean_axis": lambda x: np.nanmean(x, axis=0),
    "nanvar": np.nanvar,
    "nanstd_axis": lambda x: np.nanstd(x, axis=1),
    "nanvar_ddof": lambda x: np.nanvar(x, axis=0, ddof=1),
    "linspace": lambda x: np.linspace(x[0], x[1], 3),
    "linspace_axis": lambda x: np.linspace(x[0], x[1], 4, endpoint=False, axis=1),
    "linspace_step": lambda x: np.linspace(x[0], x[1], 5, retstep=True)[1],
    "logspace": lambda x: np.logspace(x[0] // 64, x[1] // 64, 3),
    "trapezoid": np.trapezoid,
    "trapezoid_dx": lambda x: np.trapezoid(x, dx=2, axis=0),
    "diag": lambda x: np.diag(x[1], k=1),
    "diagflat": lambda x: np.diagflat(x, k=-2),
}


@pytest.mark.parametrize("kind", sorted(DATA))
@pytest.mark.parametrize("name", sorted(REDUCERS))
def test_integer_data_gives_numpys_numbers_under_jit_and_vmap(name, kind):
    f, x = REDUCERS[name], DATA[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")        # NumPy's own overflow and bool warnings
        try:
            want = f(x)
        except TypeError:                      # NumPy refuses it (bool subtraction): so do we
            pytest.skip("NumPy refuses this dtype")
        assert same(tg.jit(f)(x), want)
        assert same(tg.vmap(f)(x[None])[0], want)
        assert same(tg.vmap(f, in_axes=None, axis_size=2)(x)[1], want)


def test_mean_of_timestamps_keeps_float64_sums_under_grad_of_a_float_companion():
    # the int data rides along a differentiated float: the mean's value enters the loss
    def loss(w, t):
        return w * np.mean(t, axis=1).sum() / 1e18
    want = tg.grad(loss)(2.0, STAMPS)
    np.testing.assert_allclose(want, np.mean(STAMPS, axis=1).sum() / 1e18, rtol=1e-15)
    assert same(tg.jit(tg.grad(loss))(2.0, STAMPS), want)


def test_diag_of_uint64_keeps_the_largest_value():
    v = np.array([3, 2**64 - 1, 5], dtype=np.uint64)
    for k in (0, 2, -1):
        want = np.diag(v, k)
        assert same(tg.jit(lambda x: np.diag(x, k))(v), want)
        assert same(tg.vmap(lambda x: np.diag(x, k))(v[None])[0], want)


def test_linspace_of_uint8_images_blends_as_numpy():
    a = np.array([[0, 250], [10, 255]], dtype=np.uint8)
    b = np.array([[250, 0], [200, 1]], dtype=np.uint8)
    want = np.linspace(a, b, 5)
    assert want[2, 0, 1] == 125.0
    assert same(tg.jit(lambda p, q: np.linspace(p, q, 5))(a, b), want)
    assert same(tg.vmap(lambda p, q: np.linspace(p, q, 5), in_axes=(None, 0))(a, b[None])[0], want)
    # the float end still carries its derivative: d/ds sum(linspace(a, s, 5)) over the row
    s = np.array([250.0, 0.0])
    g = tg.grad(lambda e: np.sum(np.linspace(a[0], e, 5)))(s)
    np.testing.assert_allclose(g, fd(lambda e: np.sum(np.linspace(a[0], e, 5)), s), rtol=1e-7)


@pytest.mark.parametrize("f", [
    lambda x, y: x + y, lambda x, y: x * y, lambda x, y: np.flip(x) + y,
    lambda x, y: np.where(x, y, 2), lambda x, y: x, lambda x, y: np.sum(x) + y,
], ids=["add", "mul", "flip_add", "where", "identity", "sum_add"])
def test_vmap_keeps_a_shared_boolean_array_boolean(f):
    b = np.array([[True, False], [False, True]])
    y = np.array([0, 5, -3], dtype=np.int8)
    loop = np.stack([f(b, yy) for yy in y])
    assert same(tg.vmap(f, in_axes=(None, 0))(b, y), loop)
    assert same(tg.jit(tg.vmap(f, in_axes=(None, 0)))(b, y), loop)


def test_vmap_of_a_float_program_with_a_shared_boolean_mask():
    mask = np.array([True, False, True])
    x = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])

    def f(m, v):
        return np.sum(v * m) + np.sum(np.where(m, v ** 2, 0.0))
    assert same(tg.vmap(f, in_axes=(None, 0))(mask, x), np.stack([f(mask, r) for r in x]))
    g = tg.vmap(tg.grad(f, argnums=1), in_axes=(None, 0))(mask, x)
    assert same(g, np.stack([tg.grad(f, argnums=1)(mask, r) for r in x]))
    np.testing.assert_allclose(g[0], (1 + 2 * x[0]) * mask)


SAMPLES = [0.1, 0.5, 0.7, 0.2]


@pytest.mark.parametrize("kw", [dict(bins=2), dict(bins=[0.0, 0.3, 1.0], density=True),
                                dict(bins=3, range=(0.0, 1.0))], ids=["count", "density", "range"])
def test_histogram_of_a_list_of_samples_with_traced_weights(kw):
    w = np.array([1.0, 2.0, 3.0, 4.0])

    def f(x):
        return np.histogram(SAMPLES, weights=x, **kw)[0]
    want = f(w)
    assert same(tg.jit(f)(w), want) and same(tg.vmap(f)(w[None])[0], want)
    assert same(tg.jit(f)(w.astype(np.float32)), f(w.astype(np.float32)))

    def loss(x):
        return np.sum(f(x) ** 2)
    np.testing.assert_allclose(tg.grad(loss)(w), fd(loss, w), rtol=1e-6)
    t = np.array([0.5, -1.0, 2.0, 0.25])
    np.testing.assert_allclose(tg.jvp(f, (w,), (t,))[1], f(w + 1e-6 * t) / 1e-6 - f(w) / 1e-6,
                               rtol=1e-5, atol=1e-6)


F16 = (np.random.default_rng(0).standard_normal((3, 40)) * 30).astype(np.float16)
HALF = {
    "mean_axis": lambda x: np.mean(x, axis=1),
    "mean_keepdims": lambda x: np.mean(x, axis=0, keepdims=True),
    "mean_where": lambda x: np.mean(x, axis=1, where=x > 0),
    "mean_all_where": lambda x: np.mean(x, where=x > 0),
    "average_axis": lambda x: np.average(x, axis=1),
    "nanmean_axis": lambda x: np.nanmean(x, axis=1),
    "var_axis": lambda x: np.var(x, axis=1),
    "var_where": lambda x: np.var(x, axis=1, where=x > 0),
    "std_ddof": lambda x: np.std(x, axis=0, ddof=1),
    "nanvar_axis": lambda x: np.nanvar(x, axis=1),
    # dtype= given: NumPy sums in that dtype (float16 sums here, float32 without it)
    "mean_dtype_float16_where": lambda x: np.mean(x, axis=1, dtype=np.float16, where=x > 0),
    "mean_dtype_float16_all": lambda x: np.mean(x, dtype=np.float16),
    "mean_float32_data_as_float16": lambda x: np.mean(x.astype(np.float32) * 3, axis=1,
                                                      dtype=np.float16),
    "mean_dtype_float32": lambda x: np.mean(x, axis=0, dtype=np.float32).astype(np.float16),
}


@pytest.mark.parametrize("name", sorted(HALF))
def test_float16_means_and_variances_are_numpys(name):
    f = HALF[name]
    want = f(F16)
    assert want.dtype == np.float16
    assert same(tg.jit(f)(F16), want)
    assert same(tg.vmap(f)(F16[None])[0], want)
    assert same(tg.jvp(f, (F16,), (F16,))[0], want)
    g = tg.grad(lambda x: np.sum(f(x)))(F16)
    assert g.dtype == np.float16


INTS = np.array([[200, 3, 100, 7], [1, 250, 9, 30]], dtype=np.uint8)
MEAN_DTYPES = {
    "mean_int64": lambda x: np.mean(x, axis=1, dtype=np.int64),
    "mean_int32_all": lambda x: np.mean(x, dtype=np.int32),
    "mean_int64_where": lambda x: np.mean(x, axis=0, dtype=np.int64, where=x > 5),
    "mean_float16": lambda x: np.mean(x, axis=1, dtype=np.float16),
    "mean_bool_data_int64": lambda x: np.mean(x > 5, axis=1, dtype=np.int64),
}


@pytest.mark.parametrize("name", sorted(MEAN_DTYPES))
def test_mean_with_an_integer_dtype_sums_and_truncates_as_numpy(name):
    # NumPy sums in the dtype given and casts the quotient back (truncating)
    f = MEAN_DTYPES[name]
    want = f(INTS)
    assert same(tg.jit(f)(INTS), want) and same(tg.vmap(f)(INTS[None])[0], want)


def test_mean_with_dtype_int64_wraps_as_numpys_sum():
    t = np.array([[2**62, 2**61, 3, -5, 7, 1, 2]] * 3, dtype=np.int64)
    for f in (lambda x: np.mean(x, dtype=np.int64), lambda x: np.mean(x, axis=1, dtype=np.int64)):
        want = f(t)
        assert same(tg.jit(f)(t), want) and same(tg.vmap(f)(t[None])[0], want)


def test_var_with_an_integer_dtype_is_numpys():
    """NumPy truncates the mean to the integer dtype before the deviations, and the result."""
    f = lambda x: np.var(x, axis=1, dtype=np.int64)       # noqa: E731
    assert same(tg.jit(f)(INTS), f(INTS))
