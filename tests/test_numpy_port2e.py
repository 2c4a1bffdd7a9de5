"""NumPy's argument-level edge cases on traced values, part five: keywords of ufuncs and reductions.

After NumPy's ``_core/tests/test_umath.py`` and ``test_ufunc.py`` (a ufunc's
``dtype=``, ``out=None``, ``casting=``), ``lib/tests/test_nanfunctions.py``
(``where=`` of ``nansum``, ``nanmean``, ``nanvar``, ``nanstd`` over long
axes, where NumPy's masked sums round their own way), and
``_core/tests/test_numeric.py`` (``np.size`` with an axis, ``np.dot`` with
a Python number, ``array_equiv``, a list of axes that NumPy's reductions
refuse). The checks are test_numpy_port2's.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_numpy_port2 import Case, c, case_tests, numpys

import tapegrad as tg

R = np.random.default_rng(8)
X = R.normal(size=(3, 4))
V = np.array([0.3, 1.2, -0.5, 2.0, 0.7, -1.1])
XN = np.where(np.arange(12).reshape(3, 4) % 5 == 2, np.nan, R.normal(size=(3, 4)))
XL = np.where(
    np.arange(60).reshape(3, 20) % 7 == 3, np.nan, np.random.default_rng(9).normal(size=(3, 20))
)
I = np.array([3, -1, 4, 1, -5, 9], dtype=np.int64)  # noqa: E741

CASES: dict[str, Case] = {
    "ufunc_dtype": c(lambda x: np.exp(x, dtype=np.float32), V, diff=False),
    "ufunc_add_dtype": c(lambda x: np.add(x, 1, dtype=np.float32), V, diff=False),
    "ufunc_out_none": c(lambda x: np.multiply(x, x, out=None), V),
    "ufunc_casting": c(lambda x: np.add(x, x, casting="same_kind"), V),
    "ufunc_int_dtype_float": c(lambda x: np.add(x, x, dtype=np.float64), I, diff=False),
    "sum_axis_npint": c(lambda x: np.sum(x, axis=np.int64(0)), X),
    "sum_axis_list": c(lambda x: np.sum(x, axis=[0, 1]), X, diff=False),
    "mean_axis_neg_tuple": c(lambda x: np.mean(x, axis=(-1, -2)), X),
    "nanmean_keepdims": c(lambda x: np.nanmean(x, axis=1, keepdims=True), XN),
    "nanstd_ddof": c(lambda x: np.nanstd(x, axis=0, ddof=1), XN),
    "nanvar_where": c(lambda x: np.nanvar(x, axis=1, where=np.arange(4) != 1), XN),
    "nanmean_where": c(lambda x: np.nanmean(x, where=np.arange(4) != 0), XN),
    "nansum_where": c(lambda x: np.nansum(x, axis=0, where=np.arange(4) != 2), XN),
    "nanmax_keepdims": c(lambda x: np.nanmax(x, axis=0, keepdims=True), XN),
    "nancumsum_axis": c(lambda x: np.nancumsum(x, axis=1), XN),
    "nancumprod_none": c(lambda x: np.nancumprod(x), XN),
    "nanargmax_keepdims": c(lambda x: np.nanargmax(x, axis=1, keepdims=True), XN, diff=False),
    "nanquantile_keepdims": c(lambda x: np.nanquantile(x, [0.2, 0.8], axis=0, keepdims=True), XN),
    "nanmedian_axis_tuple": c(lambda x: np.nanmedian(x, axis=(0, 1)), XN),
    "nan_to_num_copy": c(lambda x: np.nan_to_num(x, copy=False), XN),
    "prod_dtype_int": c(lambda x: np.prod(x, dtype=np.int8), I, diff=False),
    "cumsum_out_none": c(lambda x: np.cumsum(x, out=None), V),
    "max_axis_none_keepdims": c(lambda x: np.max(x, axis=None, keepdims=True), X),
    "argmax_out_none": c(lambda x: np.argmax(x, axis=0, out=None), X, diff=False),
    "all_axis_tuple": c(lambda x: np.all(x > -1, axis=(0, 1)), X, diff=False),
    "any_keepdims_where": c(
        lambda x: np.any(x > 1, axis=1, keepdims=True, where=x < 2), X, diff=False
    ),
    "ptp_keepdims": c(lambda x: np.ptp(x, axis=1, keepdims=True), X),
    "around_decimals_neg_f32": c(lambda x: np.around(x * 100, -1), V, diff=False),
    "clip_out_none": c(lambda x: np.clip(x, -1, 1, out=None), V),
    "where_scalar_scalar": c(lambda x: np.where(x > 0, 1.0, -1.0), V, diff=False),
    "where_bcast": c(lambda x: np.where(x[:, :1] > 0, x, x[0]), X),
    "dot_1d_2d": c(lambda x: np.dot(x[:3], X), V),
    "dot_scalar": c(lambda x: np.dot(x, 2.0), V),
    "inner_2d": c(lambda x: np.inner(x, x[:2]), X),
    "matmul_vec_vec": c(lambda x: np.matmul(x, x), V),
    "einsum_implicit": c(lambda x: np.einsum("ij,kj", x, x), X),
    "einsum_broadcast": c(lambda x: np.einsum("...j,j->...", x, x[0]), X),
    "einsum_repeated_out": c(lambda x: np.einsum("ii->i", x[:, :3]), X),
    "trace_axes": c(lambda x: np.trace(x.reshape(2, 3, 2), axis1=0, axis2=2), X),
    "linspace_array_num": c(lambda x: np.linspace(x[:2], 1.0, np.int64(3)), V),
    "zeros_like_subok": c(lambda x: np.zeros_like(x, subok=True), X, diff=False),
    "empty_like": c(lambda x: np.empty_like(x).shape, X, diff=False),
    "shape_func": c(lambda x: x * np.shape(x)[0] * np.size(x, 1) * np.ndim(x), X),
    "size_axis": c(lambda x: x * np.size(x, axis=0), X),
    "isscalar": c(lambda x: x * float(np.isscalar(x)), X),
    "iscomplexobj": c(lambda x: x * float(np.iscomplexobj(x)), X),
    "result_type": c(lambda x: x.astype(np.result_type(x, np.float32)), X, diff=False),
    "can_cast": c(lambda x: x * float(np.can_cast(x, np.float32)), X, diff=False),
    "array_equal": c(lambda x: np.array_equal(x, x), X, diff=False),
    "array_equal_nan": c(lambda x: np.array_equal(x, x, equal_nan=True), XN, diff=False),
    "array_equiv": c(lambda x: np.array_equiv(x, x[0]), X, diff=False),
    "allclose_rtol": c(lambda x: np.allclose(x, x * 1.01, rtol=0.02), X, diff=False),
    "nansum_where_long": c(lambda x: np.nansum(x, axis=1, where=np.arange(20) % 3 != 1), XL),
    "nanmean_where_long": c(lambda x: np.nanmean(x, where=np.arange(20) % 4 != 0), XL),
    "nanvar_where_long": c(
        lambda x: np.nanvar(x, axis=1, ddof=1, where=np.arange(20) % 5 != 2), XL
    ),
    "nanstd_where_keepdims": c(
        lambda x: np.nanstd(x, axis=1, keepdims=True, where=np.arange(20) < 15), XL
    ),
    "sum_where_long": c(
        lambda x: np.sum(x, axis=1, where=np.arange(20) % 3 != 1), np.nan_to_num(XL)
    ),
    "var_where_long": c(lambda x: np.var(x, where=np.arange(20) % 3 != 1), np.nan_to_num(XL)),
}


test_values_are_numpys_in_every_transform, test_derivatives_against_central_differences = \
    case_tests(CASES)


# ------------------------------------------------------- refusals by design
REFUSED = {
    "ufunc_where_out": (lambda x: np.sqrt(x, where=x > 0, out=np.zeros(6)), "tg.where"),
    "full_of_traced": (lambda x: np.full((2, 2), x[0]), r"value \* np.ones\(shape\)"),
    "asarray_dtype": (lambda x: np.asarray(x, dtype=np.float32), r"x.astype"),
    "array_copy": (lambda x: np.array(x, copy=True), r"write x"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_what_tapegrad_refuses_by_design_names_the_fix(name):
    f, fix = REFUSED[name]
    with pytest.raises(TypeError, match=fix):
        tg.jit(f)(V)
    with pytest.raises(TypeError, match=fix):
        tg.grad(lambda x: np.sum(f(x)))(V)


QUANTILE_METHODS = ["linear", "lower", "higher", "nearest", "midpoint", "inverted_cdf",
                    "averaged_inverted_cdf", "closest_observation", "interpolated_inverted_cdf",
                    "hazen", "weibull", "median_unbiased", "normal_unbiased"]


@pytest.mark.parametrize("method", QUANTILE_METHODS)
def test_nanpercentile_methods(method):
    # NumPy's table for every count of values 0..n, the traced count choosing the row
    numpys(lambda x: np.nanpercentile(x, 40, axis=1, method=method), XN)
    numpys(lambda x: np.nanquantile(x, [0.0, 0.1, 0.5, 0.77, 1.0], axis=0, method=method), XL.T)
    numpys(lambda x: np.nanquantile(x, [0.3, 0.9], method=method, keepdims=True), XN)
    all_nan = np.where(np.arange(12).reshape(3, 4) < 4, np.nan, XN)     # a slice of NaNs only
    numpys(lambda x: np.nanquantile(x, 0.6, axis=1, method=method), all_nan[::-1])
    numpys(lambda x: np.nanpercentile(x, [20, 80], method=method), I)     # integers: no NaN


def test_nanpercentile_of_an_unknown_method_is_numpys_error():
    numpys(lambda x: np.nanpercentile(x, 40, axis=1, method="nearest_rank"), XN)
