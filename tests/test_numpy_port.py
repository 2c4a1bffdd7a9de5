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


def same(got, want, rtol=0.0):
    """Equal as NumPy's result: dtype, shape and value (nan equal to nan)."""
    got, want = np.asarray(got), np.asarray(want)
    assert (got.dtype, got.shape) == (want.dtype, want.shape)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=0)


def each_transform(f, x, rtol=0.0):
    """``f(x)`` by NumPy, then on a traced ``x``: eager, jit, and vmap over two copies."""
    want = quiet(f, x)
    if np.asarray(x).dtype.kind == "f":
        same(quiet(lambda: tg.jvp(f, (x,), (np.ones_like(x),))[0]), want, rtol)
    same(quiet(tg.jit(f), x), want, rtol)
    same(quiet(tg.vmap(f), np.stack([x, x])), np.stack([want, want]), rtol)
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


# ------------------- test_numeric / test_multiarray: NumPy's argument order
M = np.cos(np.arange(12.0)).reshape(3, 4)
POSITIONAL = [
    lambda v: np.sum(v, 1, None, None, True), lambda v: np.mean(v, 0, np.float32),
    lambda v: np.mean(v, 0, None, None, True), lambda v: np.std(v, 0, None, None, 1),
    lambda v: np.var(v, None, None, None, 1, True), lambda v: np.max(v, 0, None, True),
    lambda v: np.prod(v, 1, None, None, True), lambda v: np.cumsum(v, 1, np.float32),
    lambda v: np.argmax(v, 0, None, keepdims=True), lambda v: np.concatenate([v, v], 1, None),
    lambda v: np.stack([v, v], -1, None), lambda v: np.clip(v, -0.5, 0.5, None),
    lambda v: np.round(v, 2, None), lambda v: np.sum(v, (0, 1), np.float32, None, True),
]


@pytest.mark.parametrize("k", range(len(POSITIONAL)))
def test_positional_arguments_in_numpys_order(k):
    each_transform(POSITIONAL[k], M)


METHODS = [
    lambda v: v.sum(1, None, None, True), lambda v: v.sum(0, np.float32),
    lambda v: v.mean(axis=(0, 1), dtype=np.float32, keepdims=True),
    lambda v: v.max(0, None, False, -0.5), lambda v: v.min(initial=-2.0),
    lambda v: v.std(0, None, None, 1), lambda v: v.var(ddof=1, keepdims=True),
    lambda v: v.prod(1, np.float32), lambda v: v.cumsum(0, np.float32), lambda v: v.cumprod(1),
    lambda v: v.argmax(1, None, keepdims=True), lambda v: (v > 0).any(0, keepdims=True),
    lambda v: (v > -2).all(axis=1), lambda v: v.sum(out=None), lambda v: v.argmin(),
]


@pytest.mark.parametrize("k", range(len(METHODS)))
def test_ndarray_methods_take_numpys_arguments(k):
    each_transform(METHODS[k], M)


@pytest.mark.parametrize("call, bad", [
    (lambda v: v.cumsum(0, None, np.ones(4)), "out"),
    (lambda v: np.std(v, 0, None, np.ones(4)), "out"),
    (lambda v: np.mean(v, 0, None, np.ones(4)), "out"),
])
def test_what_the_methods_cannot_take_is_refused_by_name(call, bad):
    with pytest.raises(TypeError, match=rf"\(\.\.\., {bad}=\.\.\.\) was applied to a traced "
                                        rf"value: .* not {bad}\. Call it without {bad}"):
        tg.jit(call)(M)


# -------------------------- test_multiarray / test_umath: dtype=, initial=
DTYPES = [
    lambda v: np.sum(v, dtype=np.float32), lambda v: np.sum(v, axis=0, dtype=np.float16),
    lambda v: np.mean(v, axis=1, dtype=np.float32), lambda v: np.prod(v, dtype=np.float32),
    lambda v: np.cumsum(v, axis=1, dtype=np.float32), lambda v: np.nansum(v, dtype=np.float32),
    lambda v: np.trace(v, dtype=np.float32), lambda v: np.stack([v, v], dtype=np.float32),
    lambda v: np.concatenate([v, np.ones((1, 4))], dtype=np.float32),
    lambda v: np.cumprod(v, dtype=np.float32),
]


@pytest.mark.parametrize("k", range(len(DTYPES)))
def test_dtype_keyword_computes_in_that_dtype(k):
    f = DTYPES[k]
    want = each_transform(f, M)
    g = lambda v: tg.sum(f(v) * np.arange(1.0, 1.0 + want.size).reshape(  # noqa: E731
        want.shape))
    assert tg.grad(g)(M).dtype == M.dtype
    eps = 0.25 if want.dtype == np.float16 else 1e-2    # rounding in the low dtype
    np.testing.assert_allclose(tg.grad(g)(M), fd(lambda v: float(g(v)), M, eps), rtol=1e-2,
                               atol=1e-2)


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.bool_])
def test_integer_dtype_keyword_wraps_as_numpys(dtype):
    x = np.array([[100, 100, 3, 120], [7, -5, 100, 2]], dtype=np.int8)
    each_transform(lambda v: np.sum(v, axis=1, dtype=dtype), x)
    each_transform(lambda v: np.cumsum(v, dtype=dtype), x)
    each_transform(lambda v: np.sum(v.astype(float) * 1.7, dtype=dtype), x)


INITIALS = [
    lambda v: np.sum(v, initial=3.0), lambda v: np.sum(v, axis=1, initial=-1.0),
    lambda v: np.max(v, axis=0, initial=0.5), lambda v: np.min(v, initial=-0.25),
    lambda v: np.max(v, axis=1, where=v < 0.5, initial=-5.0),
    lambda v: np.min(v, where=np.eye(3, 4, dtype=bool), initial=0.0, keepdims=True),
    lambda v: np.prod(v, axis=0, initial=2.0), lambda v: np.amax(v, initial=np.float32(9)),
    lambda v: np.sum(v, axis=0, where=v > 0, initial=1.0),
    lambda v: np.max(v[:, :0], axis=1, initial=1.5), lambda v: np.sum(v[:0], initial=2.0),
]


@pytest.mark.parametrize("k", range(len(INITIALS)))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_initial_keyword_starts_the_reduction(k, dtype):
    f = INITIALS[k]
    x = M.astype(dtype)
    each_transform(f, x, rtol=2 * np.finfo(dtype).eps)   # initial added last, not first
    if dtype is np.float64:
        g = lambda v: tg.sum(np.sin(f(v)))        # noqa: E731
        np.testing.assert_allclose(tg.grad(g)(x), fd(lambda v: float(g(v)), x), atol=1e-7)


def test_initial_is_cast_to_the_integer_result():
    x = np.array([1, 2, 3])
    each_transform(lambda v: np.sum(v, initial=2.5), x)
    each_transform(lambda v: np.max(v, initial=7.9), x)


# ------------------ linalg/tests/test_linalg.py: the array API's products
T = np.cos(np.arange(24.0) * 0.7).reshape(2, 3, 4)
PRODUCTS = {
    "vecdot": lambda v: np.vecdot(v, np.arange(4.0)),
    "vecdot both traced": lambda v: np.vecdot(v, v[0] * v[1]),
    "matvec": lambda v: np.matvec(v, np.arange(4.0)),
    "matvec of a traced vector": lambda v: np.matvec(T, v[0, 0]),
    "vecmat": lambda v: np.vecmat(v[:, :, 0], v),
    "linalg.vecdot axis": lambda v: np.linalg.vecdot(v, v, axis=1),
    "linalg.matmul": lambda v: np.linalg.matmul(v, np.linalg.matrix_transpose(v)),
    "linalg.outer": lambda v: np.linalg.outer(v[0, 0], v[1, 1]),
    "linalg.cross": lambda v: np.linalg.cross(v[..., :3], v[..., 1:]),
    "linalg.trace": lambda v: np.linalg.trace(v, offset=1),
    "linalg.diagonal": lambda v: np.linalg.diagonal(v, offset=-1),
    "linalg.tensordot": lambda v: np.linalg.tensordot(v, v, axes=([1, 2], [1, 2])),
}


@pytest.mark.parametrize("name", PRODUCTS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_array_api_products_are_numpys_bit_for_bit(name, dtype):
    each_transform(PRODUCTS[name], T.astype(dtype))


@pytest.mark.parametrize("name", PRODUCTS)
def test_array_api_products_differentiate(name):
    f = lambda v: tg.sum(np.sin(PRODUCTS[name](v)))     # noqa: E731
    np.testing.assert_allclose(tg.grad(f)(T), fd(f, T), rtol=1e-6, atol=1e-8)
    tg.check_grads(f, (T,), order=2)


def test_array_api_products_refuse_what_numpy_refuses():
    with pytest.raises(ValueError, match=r"np.linalg.outer takes 1-D vectors only"):
        tg.jit(lambda v: np.linalg.outer(v, v))(T)
    assert tg.vecdot(np.ones(3), np.arange(3.0)) == 3.0


# ------------------------- test_numeric: reshape with order, divmod
@pytest.mark.parametrize("shape", [(4, 6), (-1,), 24, (2, -1, 3)])
@pytest.mark.parametrize("order", ["C", "F", "A"])
def test_reshape_reads_in_numpys_order(shape, order):
    x = np.cos(np.arange(24.0)).reshape(2, 3, 4)
    each_transform(lambda v: np.reshape(v, shape, order=order), x)
    each_transform(lambda v: v.reshape(shape, order=order), x)
    f = lambda v: tg.sum(np.reshape(v, shape, order=order).ravel() * np.arange(24.0))  # noqa: E731
    np.testing.assert_allclose(tg.grad(f)(x), fd(f, x), rtol=1e-7)


def test_reshape_refuses_an_order_numpy_refuses():
    with pytest.raises(ValueError, match=r"order must be 'C', 'F' or 'A', not 'K'"):
        tg.jit(lambda v: np.reshape(v, (6, 4), order="K"))(np.ones(24))


SIGNED = np.array([-3.5, -1.0, -0.0, 0.0, 2.5, 7.0, np.inf, -np.inf, np.nan])


@pytest.mark.parametrize("f", [lambda v: np.divmod(v, 1.5), lambda v: np.divmod(2.0, v),
                               lambda v: divmod(v, -1.5), lambda v: divmod(3.0, v)])
def test_divmod_is_floor_divide_and_remainder(f):
    for x in (SIGNED, SIGNED.astype(np.float32)):
        want = quiet(f, x)
        got = quiet(tg.jit(f), x)
        for g, w in zip(got, want, strict=True):
            same(g, w)
    ints = np.array([-7, -1, 0, 5, 9])
    for g, w in zip(tg.jit(lambda v: np.divmod(v, 3))(ints), np.divmod(ints, 3), strict=True):
        same(g, w)
    h = lambda v: tg.sum(np.divmod(v, 1.5)[1] ** 2)      # noqa: E731
    x = np.array([0.7, 2.0, -2.2])
    np.testing.assert_allclose(tg.grad(h)(x), fd(h, x), rtol=1e-6)


# ----------------------- test_nanfunctions: empty slices, nanargmax/min
def test_empty_and_all_nan_slices_are_numpys_nan():
    each_transform(lambda v: np.nanmedian(v, axis=0), np.zeros((0, 3)))
    each_transform(lambda v: np.nanmedian(v), np.zeros((0, 3)))
    each_transform(lambda v: np.nanmedian(v, axis=1), np.array([[np.nan, np.nan], [1.0, 3.0]]))
    for x in (np.zeros(0), np.zeros((2, 0)), np.array([1.0]), np.arange(6.0).reshape(2, 3)):
        for kw in ({}, {"ddof": 3}, {"bias": True}):
            each_transform(lambda v: np.cov(v, **kw), x)


NANS = np.array([[1.0, np.nan, 3.0, 2.0], [np.nan, -1.0, -np.inf, 5.0],
                 [0.5, 0.5, np.nan, 0.5]])


@pytest.mark.parametrize("name", ["nanargmax", "nanargmin"])
@pytest.mark.parametrize("kw", [{}, {"axis": 0}, {"axis": 1, "keepdims": True}, {"axis": -1}])
def test_nanargmax_nanargmin_skip_the_nans(name, kw):
    f = lambda v: getattr(np, name)(v, **kw)        # noqa: E731
    each_transform(f, NANS)
    each_transform(f, NANS.astype(np.float32))
    each_transform(f, np.arange(12).reshape(3, 4) % 5)
    assert np.array_equal(getattr(tg, name)(NANS, **kw), f(NANS))


def test_nanargmax_of_an_all_nan_slice_is_numpys_error_at_every_call():
    f = tg.jit(lambda v: np.nanargmax(v, axis=1))
    same(f(np.array([[0.0, 3.0], [1.0, 2.0]])), [1, 1])
    for call in (f, tg.vmap(np.nanargmin)):
        with pytest.raises(ValueError, match=r"All-NaN slice encountered"):
            call(np.array([[np.nan, np.nan], [1.0, 2.0]]))


# --------------------- test_twodim_base / test_multiarray: index helpers
@pytest.mark.parametrize("k", [-1, 0, 1, 2])
def test_triangle_indices_from_a_traced_array_are_numpys(k):
    each_transform(lambda v: v[np.triu_indices_from(v, k)], M)
    each_transform(lambda v: v[np.tril_indices_from(v, k=k)], M)
    each_transform(lambda v: v[np.diag_indices_from(v)], M[:, :3])
    f = lambda v: tg.sum(v[np.triu_indices_from(v, k)] ** 2)       # noqa: E731
    np.testing.assert_array_equal(tg.grad(f)(M), 2 * np.triu(M, k))


def test_triangle_indices_want_a_matrix_as_numpy():
    with pytest.raises(ValueError, match="input array must be 2-d"):
        tg.jit(lambda v: v[np.triu_indices_from(v)])(np.ones((2, 2, 2)))


@pytest.mark.parametrize("mode", ["clip", "wrap"])
@pytest.mark.parametrize("axis", [None, 1, -1])
def test_take_wraps_or_clips_as_numpy(mode, axis):
    idx = np.array([[0, 7], [-9, 2]])
    each_transform(lambda v: np.take(v, idx, axis=axis, mode=mode), M)
    f = lambda v: tg.sum(np.take(v, idx, axis=axis, mode=mode) ** 2)    # noqa: E731
    np.testing.assert_allclose(tg.grad(f)(M), fd(f, M), rtol=1e-7)
    with pytest.raises(ValueError, match=r"mode must be 'raise', 'wrap' or 'clip'"):
        tg.jit(lambda v: np.take(v, idx, mode="nearest"))(M)


def test_sort_takes_numpys_default_order():
    each_transform(lambda v: np.sort(v, axis=0, order=None), M)
    each_transform(lambda v: np.argsort(v, axis=0, kind="stable", order=None), M)


# ------------------------- test_multiarray / test_numeric: where= masks
MASK = T > -0.3


@pytest.mark.parametrize("name", ["std", "var"])
@pytest.mark.parametrize("kw", [
    {"where": MASK}, {"where": MASK, "axis": 1}, {"correction": 1},
    {"where": MASK, "axis": (0, 2), "ddof": 1, "keepdims": True},
    {"where": MASK[0, 0], "axis": -1, "correction": 1}, {"where": MASK, "ddof": 3, "axis": 0},
])
def test_std_var_over_a_mask_as_numpy(name, kw):
    f = lambda v: getattr(np, name)(v, **kw)         # noqa: E731
    want = each_transform(f, T, rtol=1e-15)
    each_transform(f, T.astype(np.float32), rtol=1e-6)
    if not np.all(np.isfinite(want) & (want > 0)):   # sqrt'(0), or no degrees of freedom
        return
    g = lambda v: tg.sum(np.sin(f(v)))                # noqa: E731
    np.testing.assert_allclose(tg.grad(g)(T), fd(g, T), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["prod", "any", "all"])
def test_prod_any_all_skip_the_masked_places(name):
    each_transform(lambda v: getattr(np, name)(v, axis=1, where=MASK), T)
    each_transform(lambda v: getattr(np, name)(v, where=v > 0), T)
    each_transform(lambda v: getattr(v, name)(axis=(0, 2), where=MASK, keepdims=True), T)
    if name == "prod":
        f = lambda v: tg.sum(np.prod(v, axis=0, where=MASK, initial=2.0))    # noqa: E731
        np.testing.assert_allclose(tg.grad(f)(T), fd(f, T), rtol=1e-7, atol=1e-9)


def test_max_over_a_mask_needs_initial_as_in_numpy():
    with pytest.raises(ValueError):
        np.max(T, where=MASK)
    with pytest.raises(ValueError, match=r"np.max\(\.\.\., where=\.\.\.\) needs initial="):
        tg.jit(lambda v: np.max(v, where=MASK))(T)


def test_square_of_booleans_is_numpys_int8():
    each_transform(np.square, np.array([True, False]))
    each_transform(np.conjugate, np.array([True, False]))


def test_diff_of_booleans_is_not_equal():
    each_transform(np.diff, np.array([True, False, False, True]))
