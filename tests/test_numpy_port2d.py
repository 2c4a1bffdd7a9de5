"""NumPy's argument-level edge cases on traced values, part four: keywords and methods.

NumPy 2's keywords (``np.std(mean=)``, ``np.var(correction=)``,
``np.vecdot(axis=)``, ``np.astype(copy=)``, ``np.unstack``), ``where=`` and
``initial=``, ``svd(hermitian=True)``, ``linspace``/``geomspace`` arguments,
``pad`` modes, ``take``/``choose`` modes, and the ndarray methods and
operators with NumPy's arguments (``x.clip(max=)``, ``x.transpose(1, 2, 0)``,
``x.compress``, ``x.searchsorted``, ``x[[]]``...), after NumPy's
``_core/tests/test_multiarray.py``, ``test_numeric.py`` and
``lib/tests/test_arraypad.py``. What tapegrad refuses by design (in-place
writes, reading a number out of the trace, values that decide a shape) is
refused with a message naming the fix. The checks are test_numpy_port2's.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_numpy_port2 import Case, c, case_tests

import tapegrad as tg

R = np.random.default_rng(5)
X = R.normal(size=(3, 4))
X3 = R.normal(size=(2, 3, 4))
M = R.normal(size=(3, 3)) + 3 * np.eye(3)
S = M @ M.T + np.eye(3)
V = np.array([0.3, 1.2, -0.5, 2.0, 0.7, -1.1])
SP = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0])
I = np.array([3, -1, 4, 1, -5, 9], dtype=np.int64)  # noqa: E741

CASES: dict[str, Case] = {
    "svd_hermitian_s": c(lambda s: np.linalg.svd(s, compute_uv=False, hermitian=True), S),
    "svd_hermitian": c(lambda s: np.abs(np.linalg.svd(s, hermitian=True)[0]), S),
    "svd_hermitian_indef": c(
        lambda s: np.linalg.svd(s - 4 * np.eye(3), compute_uv=False, hermitian=True), S
    ),
    "std_mean_kw": c(lambda x: np.std(x, axis=1, mean=np.mean(x, axis=1, keepdims=True)), X),
    "var_correction": c(lambda x: np.var(x, axis=0, correction=1), X),
    "std_ddof_keepdims": c(lambda x: np.std(x, axis=(0, 2), ddof=1, keepdims=True), X3),
    "var_where": c(lambda x: np.var(x, where=x > -0.5), X),
    "mean_where": c(lambda x: np.mean(x, axis=1, where=x > -0.5), X),
    "sum_where_initial": c(lambda x: np.sum(x, axis=0, where=x > 0, initial=1.0), X),
    "max_initial_where": c(lambda x: np.max(x, axis=1, initial=-10.0, where=x < 1), X),
    "mean_dtype_f32": c(lambda x: np.mean(x, dtype=np.float32), X, diff=False),
    "count_nonzero_axis_keep": c(
        lambda x: np.count_nonzero(x > 0, axis=1, keepdims=True), X, diff=False
    ),
    "ptp_axis_tuple": c(lambda x: np.ptp(x, axis=(0, 2)), X3),
    "cumulative_sum_initial": c(lambda x: np.cumulative_sum(x, axis=1, include_initial=True), X),
    "cumulative_prod_dtype": c(
        lambda x: np.cumulative_prod(x, axis=0, dtype=np.float32), X, diff=False
    ),
    "linspace_endpoint": c(lambda x: np.linspace(x[0], x[1], 5, endpoint=False), V),
    "linspace_retstep": c(lambda x: np.linspace(x[0], x[1], 5, retstep=True), V),
    "linspace_axis": c(lambda x: np.linspace(x[:2], x[2:4], 4, axis=1), V),
    "linspace_num1": c(lambda x: np.linspace(x[0], x[1], 1), V),
    "linspace_num0": c(lambda x: np.linspace(x[0], x[1], 0), V, diff=False),
    "linspace_neg_num": c(lambda x: np.linspace(x[0], x[1], -1), V, diff=False),
    "logspace_base": c(lambda x: np.logspace(x[0], x[1], 4, base=2.0), V),
    "geomspace": c(lambda x: np.geomspace(np.abs(x[0]), np.abs(x[1]), 4), V),
    "geomspace_zero": c(lambda x: np.geomspace(x[0] * 0, 1.0, 4), V, diff=False),
    "tensordot_int_axes": c(lambda x: np.tensordot(x, x, axes=1), M),
    "tensordot_pair_axes": c(lambda x: np.tensordot(x, x[:, :, :2], axes=([1, 0], [1, 0])), X3),
    "tensordot_zero": c(lambda x: np.tensordot(x, x[0], axes=0), X[:2, :2]),
    "matvec": c(lambda m, v: np.matvec(m, v[:3]), M, V),
    "vecmat": c(lambda m, v: np.vecmat(v[:3], m), M, V),
    "vecdot_axis": c(lambda x: np.vecdot(x, x[::-1], axis=0), X),
    "matmul_1d_2d": c(lambda m, v: np.matmul(v[:3], m), M, V),
    "matmul_mismatch": c(lambda m: np.matmul(m, m[:2]), M, diff=False),
    "einsum_optimize": c(lambda x: np.einsum("ij,jk,kl->il", x, x.T, x, optimize=True), X),
    "einsum_trace_ellipsis": c(lambda x: np.einsum("...ii->...", x), M),
    "trace_dtype": c(lambda m: np.trace(m, dtype=np.float32), M, diff=False),
    "ediff1d_begin_end": c(lambda x: np.ediff1d(x, to_begin=[1.0, 2.0], to_end=-1.0), V),
    "ediff1d_2d": c(lambda x: np.ediff1d(x), X),
    "nan_to_num_kw": c(lambda x: np.nan_to_num(x * SP, nan=-1.0, posinf=9.0, neginf=-9.0), V),
    "nan_to_num_int": c(lambda x: np.nan_to_num(x), I, diff=False),
    "diagonal_axes": c(lambda x: np.diagonal(x, offset=1, axis1=2, axis2=0), X3),
    "triu_neg_k": c(lambda x: np.triu(x, -1), X),
    "tril_3d": c(lambda x: np.tril(x, 1), X3),
    "flip_axis_tuple": c(lambda x: np.flip(x, (0, 2)), X3),
    "rot90_k_axes": c(lambda x: np.rot90(x, k=-1, axes=(2, 1)), X3),
    "rot90_same_axes": c(lambda x: np.rot90(x, axes=(1, 1)), X3, diff=False),
    "sort_axis_none": c(lambda x: np.sort(x, axis=None), X),
    "sort_stable": c(lambda x: np.sort(x, axis=0, kind="stable"), X),
    "argsort_stable": c(lambda x: np.argsort(np.round(x), axis=1, stable=True), X, diff=False),
    "sort_descending_kw": c(lambda x: np.sort(x, descending=True), V, diff=False),
    "cov_kw": c(lambda x: np.cov(x, rowvar=False, ddof=0), X),
    "cov_weights": c(
        lambda x: np.cov(
            x, fweights=np.array([1, 2, 1, 3]), aweights=np.array([0.5, 1.0, 2.0, 1.0])
        ),
        X,
    ),
    "corrcoef_rowvar": c(lambda x: np.corrcoef(x, rowvar=False), X),
    "corrcoef_y": c(lambda x: np.corrcoef(x[0], x[1]), X),
    "polyval_2d": c(lambda x: np.polyval(x[0], x), X),
    "full_like_dtype": c(lambda x: np.full_like(x, 2, dtype=np.int32), X, diff=False),
    "zeros_like_shape": c(lambda x: np.zeros_like(x, shape=(2, 2)), X, diff=False),
    "ones_like_f32": c(lambda x: np.ones_like(x, dtype=np.float32), X, diff=False),
    "repeat_array_reps": c(lambda x: np.repeat(x, [1, 0, 2], axis=0), X),
    "repeat_bad": c(lambda x: np.repeat(x, [1, 2], axis=0), X, diff=False),
    "resize": c(lambda x: np.resize(x, (5, 3)), X),
    "reshape_copy": c(lambda x: np.reshape(x, (4, 3), copy=True), X),
    "reshape_shape_kw": c(lambda x: np.reshape(x, shape=(2, 6)), X),
    "astype_copy_false": c(lambda x: np.astype(x, np.float32, copy=False), X, diff=False),
    "squeeze_axis": c(lambda x: np.squeeze(x[:, :1], axis=1), X),
    "squeeze_bad_axis": c(lambda x: np.squeeze(x, axis=0), X, diff=False),
    "swapaxes_neg": c(lambda x: np.swapaxes(x, -1, 0), X3),
    "permute_dims": c(lambda x: np.permute_dims(x, (2, 0, 1)), X3),
    "unstack": c(lambda x: np.unstack(x, axis=1), X),
    "concat_axis_none": c(lambda x: np.concat([x, x[0]], axis=None), X),
    "atleast_multi": c(lambda x: np.atleast_2d(x[0, 0], x[0]), X),
    "broadcast_to_bad": c(lambda x: np.broadcast_to(x, (3, 3)), X, diff=False),
    "pad_constant_values": c(
        lambda x: np.pad(x, ((1, 0), (2, 1)), constant_values=((1.0, 2.0), (3.0, 4.0))), X
    ),
    "pad_symmetric": c(lambda x: np.pad(x, (1, 3), mode="symmetric"), V),
    "pad_wrap": c(lambda x: np.pad(x, 3, mode="wrap"), V),
    "take_clip": c(lambda x: np.take(x, [0, 9, -9], mode="clip"), V),
    "take_wrap": c(lambda x: np.take(x, [0, 9, -9], mode="wrap"), V),
    "take_raise_oob": c(lambda x: np.take(x, [9]), V, diff=False),
    "choose": c(lambda x: np.choose([0, 1, 0, 1], [x[0], x[1]]), X),
    "choose_clip": c(lambda x: np.choose([0, 3, 1, -1], [x[0], x[1]], mode="clip"), X),
    "compress_axis": c(lambda x: np.compress([True, False, True], x, axis=0), X),
    "extract_const_cond": c(lambda x: np.extract(np.arange(12).reshape(3, 4) % 3 == 0, x), X),
    "where_one_arg_const": c(lambda x: x[np.where(np.arange(3) > 0)], X),
    "searchsorted_side": c(
        lambda x: np.searchsorted(np.sort(x), [0.0, 0.7], side="right"), V, diff=False
    ),
    "searchsorted_sorter": c(
        lambda x: np.searchsorted(x, [0.0, 0.7], sorter=np.argsort(x)), V, diff=False
    ),
    "digitize_right": c(lambda x: np.digitize(x, [-1.0, 0.0, 0.7, 1.5], right=True), V, diff=False),
    "digitize_decreasing": c(lambda x: np.digitize(x, [1.5, 0.7, 0.0, -1.0]), V, diff=False),
    "isin_invert": c(lambda x: np.isin(np.round(x), [0.0, 1.0], invert=True), V, diff=False),
    "around_out_of_place_int8": c(lambda x: np.round(x.astype(np.int8), -1), I, diff=False),
    "sinc_2d": c(lambda x: np.sinc(x), X),
    "clip_out_of_order_arrays": c(lambda x: np.clip(x, np.ones(4), -np.ones(4)), X, diff=False),
    "var_mean_kw": c(
        lambda x: np.var(x, axis=(0, 1), mean=np.mean(x, axis=(0, 1), keepdims=True)), X3
    ),
    "std_mean_kw_f32": c(lambda x: np.std(x, mean=np.mean(x, keepdims=True)), X),
    "var_mean_ddof": c(
        lambda x: np.var(x, axis=0, ddof=1, mean=np.mean(x, axis=0, keepdims=True), keepdims=True),
        X,
    ),
    "var_mean_const": c(lambda x: np.var(x, axis=1, mean=np.zeros((3, 1))), X),
    "var_mean_where": c(
        lambda x: np.var(
            x, axis=1, where=x > -0.5, mean=np.mean(x, axis=1, keepdims=True, where=x > -0.5)
        ),
        X,
    ),
    "std_correction_mean": c(
        lambda x: np.std(x, axis=1, correction=1, mean=np.mean(x, axis=1, keepdims=True)), X
    ),
    "m_clip": c(lambda x: x.clip(-0.5, 0.5), X),
    "m_clip_max_only": c(lambda x: x.clip(max=0.5), X),
    "m_round": c(lambda x: x.round(1), X, diff=False),
    "m_cumsum_axis_dtype": c(lambda x: x.cumsum(1, np.float32), X, diff=False),
    "m_mean_keepdims": c(lambda x: x.mean(axis=(0, 1), keepdims=True), X3),
    "m_std_ddof": c(lambda x: x.std(axis=0, ddof=1), X),
    "m_var_mean": c(lambda x: x.var(axis=0, mean=x.mean(axis=0, keepdims=True)), X),
    "m_take_clip": c(lambda x: x.take([0, 20], mode="clip"), X),
    "m_take_axis": c(lambda x: x.take([2, 0], axis=1), X),
    "m_repeat": c(lambda x: x.repeat(2, axis=0), X),
    "m_reshape_F": c(lambda x: x.reshape((4, 3), order="F"), X),
    "m_reshape_varargs": c(lambda x: x.reshape(2, -1), X),
    "m_transpose_varargs": c(lambda x: x.transpose(1, 2, 0), X3),
    "m_transpose_tuple": c(lambda x: x.transpose((2, 0, 1)), X3),
    "m_swapaxes": c(lambda x: x.swapaxes(0, 2), X3),
    "m_sum_where": c(lambda x: x.sum(axis=1, where=x > 0), X),
    "m_max_initial": c(lambda x: x.max(axis=0, initial=0.5), X),
    "m_argmax_keepdims": c(lambda x: x.argmax(axis=1, keepdims=True), X, diff=False),
    "argmin_keepdims": c(lambda x: np.argmin(x, axis=0, keepdims=True), X, diff=False),
    "argmax_none_keepdims": c(lambda x: np.argmax(x, keepdims=True), X, diff=False),
    "m_argsort_kind": c(lambda x: x.argsort(axis=0, kind="stable"), X, diff=False),
    "m_trace_offset": c(lambda x: x.trace(offset=-1), X),
    "m_diagonal": c(lambda x: x.diagonal(1, 0, 2), X3),
    "m_squeeze_axis": c(lambda x: x[:, :1].squeeze(1), X),
    "m_flatten_F": c(lambda x: x.flatten("F"), X),
    "m_ravel_F": c(lambda x: x.ravel(order="F"), X),
    "m_conj": c(lambda x: x.conj(), X),
    "m_cumprod": c(lambda x: x.cumprod(axis=0), X),
    "m_prod_initial": c(lambda x: x.prod(axis=1, initial=2.0), X),
    "m_all_keepdims": c(lambda x: (x > 0).all(axis=1, keepdims=True), X, diff=False),
    "m_any_where": c(lambda x: (x > 0).any(axis=0, where=x < 1), X, diff=False),
    "m_dot": c(lambda x: x.dot(x.T), X),
    "m_compress": c(lambda x: x.compress([True, False, True, True], axis=1), X),
    "m_nonzero_const": c(lambda x: x[np.nonzero(np.arange(4) % 2)[0]], V),
    "m_astype_copy": c(lambda x: x.astype(np.float32, copy=False), X, diff=False),
    "m_sort_axis": c(lambda x: np.sort(x, axis=0), X),
    "m_partition": c(lambda x: np.partition(x, 2, axis=1)[:, 2], X),
    "m_argpartition": c(lambda x: np.argpartition(x, 1, axis=0)[1], X, diff=False),
    "m_searchsorted": c(lambda x: np.sort(x).searchsorted(0.5), V, diff=False),
    "m_T_3d": c(lambda x: x.T, X3),
    "m_mT": c(lambda x: x.mT, X3),
    "m_real_imag": c(lambda x: (x.real, x.imag), X, diff=False),
    "m_getitem_ellipsis_newaxis": c(lambda x: x[..., None, 1:3], X3),
    "m_getitem_neg_step": c(lambda x: x[::-2, ::3], X),
    "m_getitem_bool_const": c(lambda x: x[np.array([True, False, True])], X),
    "m_getitem_mixed_adv": c(lambda x: x[[0, 1], :, [2, 3]], X3),
    "m_getitem_adv_separated": c(lambda x: x[:, [0, 2], [1, 3]], X3),
    "m_getitem_empty_list": c(lambda x: x[[]], V),
    "m_getitem_oob": c(lambda x: x[7], V, diff=False),
    "m_getitem_float_idx": c(lambda x: x[1.0], V, diff=False),
    "m_len": c(lambda x: x * len(x), X),
    "m_iter": c(lambda x: [r * 2 for r in x], X),
    "bool_of_array": c(lambda x: 1.0 if x else 0.0, V, diff=False),
    "m_size_ndim": c(lambda x: x * (x.size + x.ndim), X),
    "m_nbytes_itemsize": c(lambda x: x * x.itemsize, X, diff=False),
    "m_copy": c(lambda x: x.copy() * 2, X),
    "m_divmod_op": c(lambda x: divmod(x, 0.7), V, diff=False),
    "m_matmul_op_1d": c(lambda x: x[:3] @ X, V),
    "m_rmatmul_const": c(lambda x: X @ x[:4], V),
    "m_pow_op_int": c(lambda x: x**3, V),
    "m_rpow": c(lambda x: 2.0**x, V),
    "m_abs_op": c(lambda x: abs(x), V),
    "m_neg_bool": c(lambda x: -(x > 0), V, diff=False),
    "m_invert_bool": c(lambda x: ~(x > 0), V, diff=False),
    "m_floordiv_neg": c(lambda x: x // -0.7, V, diff=False),
    "m_mod_neg": c(lambda x: x % -0.7, V * 1.1),
    "m_lshift_int": c(lambda x: x << 2, I, diff=False),
    "m_xor_bool": c(lambda x: (x > 0) ^ (x < 1), V, diff=False),
    "m_round_builtin": c(lambda x: round(x[0], 1), V, diff=False),
    # lib/tests/test_arraypad.py: the modes that compute values
    "pad_reflect_odd": c(lambda x: np.pad(x, 2, mode="reflect", reflect_type="odd"), V),
    "pad_reflect_odd_wide": c(lambda x: np.pad(x, (9, 13), mode="reflect", reflect_type="odd"), V),
    "pad_symmetric_odd": c(lambda x: np.pad(x, (3, 1), mode="symmetric", reflect_type="odd"), V),
    "pad_symmetric_odd_wide": c(
        lambda x: np.pad(x, (8, 14), mode="symmetric", reflect_type="odd"), V
    ),
    "pad_reflect_odd_2d": c(
        lambda x: np.pad(x, ((1, 2), (3, 5)), mode="reflect", reflect_type="odd"), X
    ),
    "pad_symmetric_odd_2d": c(
        lambda x: np.pad(x, ((4, 0), (2, 6)), mode="symmetric", reflect_type="odd"), X
    ),
    "pad_reflect_odd_singleton": c(
        lambda x: np.pad(x[:1], ((2, 1), (1, 1)), mode="reflect", reflect_type="odd"), X
    ),
    "pad_linear_ramp": c(lambda x: np.pad(x, 2, mode="linear_ramp", end_values=(1.0, -1.0)), V),
    "pad_linear_ramp_default": c(lambda x: np.pad(x, (3, 1), mode="linear_ramp"), V),
    "pad_linear_ramp_2d": c(
        lambda x: np.pad(
            x, ((1, 2), (2, 3)), mode="linear_ramp", end_values=((1.0, 2.0), (-3.0, 4.0))
        ),
        X,
    ),
    "pad_maximum": c(lambda x: np.pad(x, 2, mode="maximum"), V),
    "pad_minimum_2d": c(lambda x: np.pad(x, ((1, 2), (2, 1)), mode="minimum"), X),
    "pad_mean_stat": c(lambda x: np.pad(x, (1, 2), mode="mean", stat_length=2), V),
    "pad_mean_stat_pairs": c(
        lambda x: np.pad(x, ((1, 2), (2, 1)), mode="mean", stat_length=((1, 2), (3, 2))), X
    ),
    "pad_mean_2d": c(lambda x: np.pad(x, 2, mode="mean"), X),
    "pad_median": c(lambda x: np.pad(x, 1, mode="median"), V),
    "pad_median_2d_stat": c(lambda x: np.pad(x, ((1, 1), (2, 2)), mode="median", stat_length=2), X),
    "pad_maximum_stat0": c(lambda x: np.pad(x, 1, mode="maximum", stat_length=0), V, diff=False),
    "pad_empty": c(lambda x: np.pad(x, 1, mode="empty").shape, V, diff=False),
    "pad_bad_mode": c(lambda x: np.pad(x, 1, mode="foo"), V, diff=False),
    "pad_bad_kw": c(lambda x: np.pad(x, 1, mode="edge", stat_length=2), V, diff=False),
    "pad_int_mean": c(lambda x: np.pad(x, 2, mode="mean"), I, diff=False),
    "pad_int_median": c(lambda x: np.pad(x, 2, mode="median", stat_length=3), I, diff=False),
    "pad_int_ramp": c(
        lambda x: np.pad(x, 3, mode="linear_ramp", end_values=(7, -7)), I, diff=False
    ),
    "pad_int_odd": c(lambda x: np.pad(x, 4, mode="reflect", reflect_type="odd"), I, diff=False),
    "pad_neg_width": c(lambda x: np.pad(x, -1, mode="mean"), V, diff=False),
    "pad_dict_width": c(lambda x: np.pad(x, {1: (1, 2)}, mode="maximum"), X),
    "pad_dict_int_width": c(lambda x: np.pad(x, {0: 1, 1: (0, 2)}, mode="minimum"), X),
    "pad_int_ramp_2d": c(
        lambda x: np.pad(x.reshape(2, 3), ((1, 2), (2, 1)), mode="linear_ramp", end_values=5),
        I,
        diff=False,
    ),
    "pad_bool_max": c(lambda x: np.pad(x > 0, 2, mode="maximum"), V, diff=False),
}


test_values_are_numpys_in_every_transform, test_derivatives_against_central_differences = \
    case_tests(CASES)


# ------------------------------------------------------- refusals by design
REFUSED = {
    "item": (lambda x: x.item(3), AttributeError, "tg.stop_gradient"),
    "tolist": (lambda x: x.tolist(), AttributeError, "tg.stop_gradient"),
    "fill": (lambda x: x.fill(0.0), AttributeError, "build a new array"),
    "sort_in_place": (lambda x: x.sort(), AttributeError, "np.sort"),
    "setitem": (lambda x: x.__setitem__(0, 1.0), TypeError, r"x = x\.copy\(\) first"),
    "nonzero": (lambda x: np.nonzero(x > 0), TypeError, "tg.where"),
    "float": (lambda x: float(x[0]), TypeError, "tg.stop_gradient"),
    "constant_choose_method": (
        lambda x: np.array([0, 1]).choose([x[:2], x[2:4]]),
        TypeError,
        r"np.choose\(np.array",
    ),
    "trim_zeros": (lambda x: np.trim_zeros(x), TypeError, "bounds i, j found outside"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_what_tapegrad_refuses_by_design_names_the_fix(name):
    f, error, fix = REFUSED[name]
    with pytest.raises(error, match=fix):
        tg.jit(f)(V)
    with pytest.raises(error, match=fix):
        tg.grad(lambda x: np.sum(f(x)))(V)


def test_int_of_a_traced_integer_is_a_guard_under_jit_vmap_and_a_replayed_tape():
    def f(x):
        return x * int(x.astype(int)[0])
    jf = tg.jit(f)
    xs = [np.array([2.5, 1.0]), np.array([2.9, -1.0]), np.array([-3.5, 2.0])]
    for x in xs:
        assert np.array_equal(jf(x), f(x))
        assert np.array_equal(tg.jit(tg.grad(lambda x: np.sum(f(x))))(x),
                              tg.grad(lambda x: np.sum(f(x)))(x))
    assert jf.trace_count == 2                      # int() 2, then -3
    batch = np.stack(xs)
    assert np.array_equal(tg.vmap(f)(batch), np.stack([f(x) for x in xs]))
    tape = tg.make_tape(f)(xs[0])
    assert np.array_equal(tape(xs[1]), f(xs[1]))    # the same int: the guard holds
    with pytest.raises(tg.GuardError):
        tape(xs[2])
