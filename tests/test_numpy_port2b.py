"""NumPy's argument-level edge cases on traced values, part two: numeric, shapes, linalg.

After NumPy's ``_core/tests/test_numeric.py`` (convolve/correlate modes,
cross with ``axisa``/``axisb``/``axisc``, roll with tuples, moveaxis, outer,
isclose/allclose, clip with arrays, round with ``decimals``),
``lib/tests/test_shape_base.py`` (split/array_split sections, tile, kron,
expand_dims tuples, apply_over_axes, column_stack, dstack),
``linalg/tests/test_linalg.py`` (norm of every ``ord`` and axis pair,
negative matrix powers, multi_dot, lstsq ``rcond``, pinv ``hermitian``,
slogdet, tensorsolve, tensorinv, eigh ``UPLO``, svd ``compute_uv=False``,
cholesky ``upper``). test_umath's cases are in test_numpy_port2c. The checks are
test_numpy_port2's.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_jnp_port import derivatives
from test_numpy_port2 import Case, c, check_values, numpys

import tapegrad as tg

R = np.random.default_rng(3)
X = R.normal(size=(3, 4))
X3 = R.normal(size=(2, 3, 4))
V = np.array([0.3, 1.2, -0.5, 2.0, 0.7, -1.1])
W = np.array([0.5, -1.5, 0.25])
A3, B3 = R.normal(size=(4, 3)), R.normal(size=(4, 3))
M = R.normal(size=(3, 3)) + 3 * np.eye(3)
MR = R.normal(size=(4, 3))
S = M @ M.T + np.eye(3)
T = np.eye(6).reshape(2, 3, 6) * 2 + R.normal(size=(2, 3, 6)) * 0.1
I = np.array([3, -1, 4, 1, -5, 9], dtype=np.int64)  # noqa: E741

CASES: dict[str, Case] = {
    # convolve / correlate
    **{
        f"convolve_{m}": c(lambda a, v, m=m: np.convolve(a, v, mode=m), V, W)
        for m in ["full", "same", "valid"]
    },
    **{
        f"convolve_swapped_{m}": c(lambda a, v, m=m: np.convolve(v, a, mode=m), V, W)
        for m in ["full", "same", "valid"]
    },
    **{
        f"correlate_{m}": c(lambda a, v, m=m: np.correlate(a, v, mode=m), V, W)
        for m in ["full", "same", "valid"]
    },
    **{
        f"correlate_swapped_{m}": c(lambda a, v, m=m: np.correlate(v, a, mode=m), V, W)
        for m in ["full", "same", "valid"]
    },
    "correlate_default": c(lambda a, v: np.correlate(a, v), V, W),
    "convolve_even_same": c(
        lambda a: np.convolve(a, np.array([1.0, -2.0, 0.5, 3.0]), mode="same"), V
    ),
    "convolve_empty": c(lambda a: np.convolve(a, np.array([])), V, diff=False),
    "convolve_bad_mode": c(lambda a: np.convolve(a, W, mode="foo"), V, diff=False),
    "convolve_2d": c(lambda a: np.convolve(a, W), X, diff=False),
    "convolve_int": c(lambda a: np.convolve(a, np.array([1, 2])), I, diff=False),
    "convolve_int_float": c(lambda a: np.convolve(a, W), I, diff=False),
    "convolve_scalar": c(lambda a: np.convolve(a, 2.0), V),
    # cross
    "cross_3": c(lambda a, b: np.cross(a, b), A3, B3),
    "cross_axisc": c(lambda a, b: np.cross(a, b, axisc=0), A3, B3),
    "cross_axisa_axisb": c(lambda a, b: np.cross(a.T, b, axisa=0, axisb=-1), A3, B3),
    "cross_axis": c(lambda a, b: np.cross(a.T, b.T, axis=0), A3, B3),
    "cross_broadcast": c(lambda a, b: np.cross(a, b[0]), A3, B3),
    "cross_bad_dim": c(lambda a, b: np.cross(a[:, :1], b), A3, B3, diff=False),
    "cross_int": c(lambda a: np.cross(a[:3], a[3:]), I, diff=False),
    "cross_axis_oob": c(lambda a, b: np.cross(a, b, axisa=2), A3, B3, diff=False),
    # roll
    "roll_tuple": c(lambda x: np.roll(x, (1, -2), axis=(0, 1)), X),
    "roll_tuple_same_axis": c(lambda x: np.roll(x, (1, 2), axis=(1, 1)), X),
    "roll_broadcast_shift": c(lambda x: np.roll(x, 1, axis=(0, 1)), X),
    "roll_big": c(lambda x: np.roll(x, 13), X),
    "roll_neg_axis": c(lambda x: np.roll(x, -5, axis=-1), X3),
    "roll_no_axis_tuple_shift": c(lambda x: np.roll(x, (1, 2)), X, diff=False),
    "roll_shift_axis_mismatch": c(lambda x: np.roll(x, (1, 2), axis=(0, 1, 1)), X, diff=False),
    "roll_0d": c(lambda x: np.roll(x[0, 0], 1), X),
    "roll_empty": c(lambda x: np.roll(x[:0], 1), X),
    "roll_np_int_shift": c(lambda x: np.roll(x, np.int64(2), axis=np.int32(1)), X),
    # moveaxis
    "moveaxis_lists": c(lambda x: np.moveaxis(x, [0, 1], [-1, -2]), X3),
    "moveaxis_neg": c(lambda x: np.moveaxis(x, -1, 0), X3),
    "moveaxis_repeat": c(lambda x: np.moveaxis(x, [0, 0], [1, 2]), X3, diff=False),
    "moveaxis_oob": c(lambda x: np.moveaxis(x, 3, 0), X3, diff=False),
    "moveaxis_len_mismatch": c(lambda x: np.moveaxis(x, [0, 1], [0]), X3, diff=False),
    # outer
    "outer_2d": c(lambda a, b: np.outer(a, b), X, W),
    "outer_scalar": c(lambda a: np.outer(a[0], a), V),
    "outer_int": c(lambda a: np.outer(a, a), I, diff=False),
    # isclose/allclose
    "isclose_tols": c(lambda a: np.isclose(a, a + 1e-3, rtol=1e-2, atol=0.0), V, diff=False),
    "isclose_inf_nan": c(
        lambda a: np.isclose(
            a * np.array([1, np.inf, np.nan, 1, -np.inf, 1]),
            np.array([1, np.inf, np.nan, 0, np.inf, 1.0]) * a,
            equal_nan=True,
        ),
        V,
        diff=False,
    ),
    "allclose_equal_nan": c(
        lambda a: np.allclose(
            a * np.array([1, np.nan, 1, 1, 1, 1]),
            a * np.array([1, np.nan, 1, 1, 1, 1]),
            equal_nan=True,
        ),
        V,
        diff=False,
    ),
    "allclose_default": c(lambda a: np.allclose(a, a + 1e-9), V, diff=False),
    "isclose_scalar": c(lambda a: np.isclose(a[0], 0.3), V, diff=False),
    "isclose_int": c(lambda a: np.isclose(a, 3, atol=1), I, diff=False),
    # clip
    "clip_arrays": c(
        lambda x: np.clip(x, np.array([-0.5, 0.0, -1.0, 0.2]), np.array([[0.5], [1.0], [0.1]])), X
    ),
    "clip_min_gt_max": c(lambda x: np.clip(x, 1.0, -1.0), X, diff=False),
    "clip_none_min": c(lambda x: np.clip(x, None, 0.5), X),
    "clip_none_max": c(lambda x: np.clip(x, -0.5, None), X),
    "clip_both_none": c(lambda x: np.clip(x, None, None), X),
    "clip_int_float_bounds": c(lambda x: np.clip(x, -1.5, 2.5), I, diff=False),
    "clip_int": c(lambda x: np.clip(x, -1, 2), I, diff=False),
    "clip_f32_f64bounds": c(
        lambda x: np.clip(x.astype(np.float32), np.float64(-0.5), 0.5), V, diff=False
    ),
    "clip_traced_bounds": c(lambda lo: np.clip(V, lo, 1.0), V * 0.5),
    "clip_kw_min_max": c(lambda x: np.clip(x, min=-0.5, max=0.7), X),
    # round
    "round_neg_decimals": c(lambda x: np.round(x * 1000, -2), X, diff=False),
    "round_decimals": c(lambda x: np.round(x, 3), X, diff=False),
    "around_decimals": c(lambda x: np.around(x, decimals=1), X, diff=False),
    "round_int_neg": c(lambda x: np.round(x * 37, -1), I, diff=False),
    "round_int": c(lambda x: np.round(x, 2), I, diff=False),
    "round_method": c(lambda x: x.round(2), X, diff=False),
    "round_half": c(
        lambda x: np.round(x * 0 + np.array([0.5, 1.5, 2.5, -0.5, -1.5, 0.25])), V, diff=False
    ),
    "round_half_dec": c(
        lambda x: np.round(x * 0 + np.array([0.05, 0.15, 0.25, -0.05, 1.005, 0.125]), 2),
        V,
        diff=False,
    ),
    # shape_base
    "split_sections": c(lambda x: np.split(x, 2, axis=1), X),
    "split_indices": c(lambda x: np.split(x, [1, 3], axis=1), X),
    "split_indices_oob": c(lambda x: np.split(x, [1, 9]), V),
    "split_unequal": c(lambda x: np.split(x, 4), V, diff=False),
    "array_split_uneven": c(lambda x: np.array_split(x, 4), V),
    "array_split_more_than_len": c(lambda x: np.array_split(x, 8), V),
    "array_split_axis1": c(lambda x: np.array_split(x, 3, axis=1), X),
    "array_split_zero": c(lambda x: np.array_split(x, 0), V, diff=False),
    "array_split_desc_indices": c(lambda x: np.array_split(x, [4, 2]), V),
    "hsplit": c(lambda x: np.hsplit(x, 2), X),
    "vsplit": c(lambda x: np.vsplit(x, [1]), X),
    "dsplit": c(lambda x: np.dsplit(x, 2), X3),
    "hsplit_1d": c(lambda x: np.hsplit(x, 3), V),
    "vsplit_1d": c(lambda x: np.vsplit(x, 2), V, diff=False),
    "dsplit_2d": c(lambda x: np.dsplit(x, 2), X, diff=False),
    "tile_longer": c(lambda x: np.tile(x, (2, 1, 2)), X),
    "tile_zero": c(lambda x: np.tile(x, 0), X),
    "tile_int_reps": c(lambda x: np.tile(x, 3), V),
    "tile_shorter": c(lambda x: np.tile(x, 2), X3),
    "kron_2d_1d": c(lambda a, b: np.kron(a, b), X, W),
    "kron_3d_2d": c(lambda a, b: np.kron(a, b), X3[:, :2, :2], X[:2, :2]),
    "kron_scalar": c(lambda a: np.kron(a[0], a), V),
    "kron_int": c(lambda a: np.kron(a, a[:2]), I, diff=False),
    "expand_dims_tuple": c(lambda x: np.expand_dims(x, (0, 2)), X),
    "expand_dims_neg_tuple": c(lambda x: np.expand_dims(x, (-1, -3)), X),
    "expand_dims_repeat": c(lambda x: np.expand_dims(x, (0, 0)), X, diff=False),
    "expand_dims_oob": c(lambda x: np.expand_dims(x, 3), X, diff=False),
    "apply_over_axes_sum": c(lambda x: np.apply_over_axes(np.sum, x, [0, 2]), X3),
    "apply_over_axes_mean": c(lambda x: np.apply_over_axes(np.mean, x, (1,)), X3),
    "column_stack_mixed": c(lambda x: np.column_stack((x[:, 0], x, x[:, 1])), X),
    "column_stack_1d": c(lambda x: np.column_stack((x, x**2)), V),
    "dstack_1d": c(lambda x: np.dstack((x, x**2)), V),
    "dstack_2d": c(lambda x: np.dstack((x, x)), X),
    "dstack_3d": c(lambda x: np.dstack((x, x[:, :, :1])), X3),
    "row_stack_vstack_1d": c(lambda x: np.vstack((x, x * 2)), V),
    "hstack_0d": c(lambda x: np.hstack((x[0], x[1])), V),
    "stack_axis_neg": c(lambda x: np.stack((x, x * 2), axis=-2), X),
    "stack_shape_mismatch": c(lambda x: np.stack((x, x[:2])), X, diff=False),
    "stack_axis_oob": c(lambda x: np.stack((x, x), axis=3), X, diff=False),
    "apply_along_axis": c(lambda x: np.apply_along_axis(lambda r: r * r.sum(), 1, x), X),
    "apply_along_axis_scalar": c(lambda x: np.apply_along_axis(np.max, 0, x), X),
    "take_along_axis_none": c(lambda x: np.take_along_axis(x, np.array([0, 11, 5]), axis=None), X),
    "take_along_axis_bcast": c(
        lambda x: np.take_along_axis(x, np.array([[0], [2], [1]]), axis=1), X
    ),
    **{
        f"norm_vec_{o}": c(lambda v, o=o: np.linalg.norm(v, ord=o), V)
        for o in [None, np.inf, -np.inf, 1, -1, 2, -2, 3, 0.5]
    },
    "norm_vec_0": c(lambda v: np.linalg.norm(v, ord=0), V, diff=False),
    **{
        f"norm_mat_{o}": c(lambda v, o=o: np.linalg.norm(v, ord=o), MR)
        for o in [None, "fro", "nuc", np.inf, -np.inf, 1, -1, 2, -2]
    },
    **{
        f"norm_axes_{o}": c(lambda v, o=o: np.linalg.norm(v, ord=o, axis=(2, 0)), X3)
        for o in ["fro", 1, np.inf, 2]
    },
    "norm_axis_keepdims": c(lambda v: np.linalg.norm(v, axis=(0, 1), keepdims=True), X3),
    "norm_axis_int_keepdims": c(lambda v: np.linalg.norm(v, 3, axis=1, keepdims=True), X3),
    "norm_bad_ord_vec": c(lambda v: np.linalg.norm(v, ord="fro"), V, diff=False),
    "norm_bad_ord_mat": c(lambda v: np.linalg.norm(v, ord=3), MR, diff=False),
    "norm_3d_noaxis": c(lambda v: np.linalg.norm(v), X3),
    "norm_3d_ord_noaxis": c(lambda v: np.linalg.norm(v, ord=2), X3, diff=False),
    "norm_int": c(lambda v: np.linalg.norm(v), I, diff=False),
    "norm_int_ord1": c(lambda v: np.linalg.norm(v, 1), I, diff=False),
    "norm_same_axes": c(lambda v: np.linalg.norm(v, axis=(1, 1)), X3, diff=False),
    "matrix_power_neg": c(lambda m: np.linalg.matrix_power(m, -3), M),
    "matrix_power_0": c(lambda m: np.linalg.matrix_power(m, 0), M),
    "matrix_power_stack": c(lambda m: np.linalg.matrix_power(np.stack([m, m.T]), 4), M),
    "matrix_power_nonsquare": c(lambda m: np.linalg.matrix_power(m, 2), MR, diff=False),
    "matrix_power_float_n": c(lambda m: np.linalg.matrix_power(m, 2.0), M, diff=False),
    "matrix_power_int": c(
        lambda m: np.linalg.matrix_power(m.reshape(2, 3)[:, :2], 3), I, diff=False
    ),
    "multi_dot_3": c(lambda a, b: np.linalg.multi_dot([a, b, a.T]), MR, M),
    "multi_dot_vec_ends": c(lambda a, v: np.linalg.multi_dot([v[:4], a, v[:3]]), MR, V),
    "multi_dot_4": c(lambda a, b: np.linalg.multi_dot([a, b, b.T, a.T]), MR, M),
    "multi_dot_one": c(lambda a: np.linalg.multi_dot([a]), MR, diff=False),
    "lstsq_rcond_none": c(lambda a: np.linalg.lstsq(a, np.arange(4.0), rcond=None)[0], MR),
    "lstsq_rcond": c(lambda a: np.linalg.lstsq(a, np.arange(4.0), rcond=1e-3)[0], MR),
    "lstsq_2d_b": c(lambda a: np.linalg.lstsq(a, np.ones((4, 2)))[0], MR),
    "lstsq_all": c(lambda a: np.linalg.lstsq(a, np.arange(4.0)), MR),
    "pinv_hermitian": c(lambda s: np.linalg.pinv(s, hermitian=True), S),
    "pinv_rcond": c(lambda a: np.linalg.pinv(a, rcond=1e-10), MR),
    "pinv_rtol": c(lambda a: np.linalg.pinv(a, rtol=1e-10), MR),
    "slogdet": c(lambda m: np.linalg.slogdet(m), M),
    "slogdet_neg": c(lambda m: np.linalg.slogdet(-m), M),
    "slogdet_stack": c(lambda m: np.linalg.slogdet(np.stack([m, -m, m.T])), M),
    "slogdet_attrs": c(lambda m: np.linalg.slogdet(m).logabsdet, M),
    "det_stack": c(lambda m: np.linalg.det(np.stack([m, 2 * m])), M),
    "tensorsolve": c(lambda a: np.linalg.tensorsolve(a, np.arange(6.0).reshape(2, 3)), T),
    "tensorsolve_axes": c(
        lambda a: np.linalg.tensorsolve(a, np.arange(6.0).reshape(2, 3), axes=(0,)),
        T.reshape(6, 2, 3),
    ),
    "tensorinv": c(lambda a: np.linalg.tensorinv(a, ind=2), T),
    "tensorinv_ind1": c(lambda a: np.linalg.tensorinv(a, ind=1), T.reshape(6, 2, 3)),
    "tensorinv_bad_ind": c(
        lambda a: np.linalg.tensorinv(a, ind=0), np.eye(6).reshape(2, 3, 6), diff=False
    ),
    "eigh_U": c(lambda s: np.linalg.eigh(s, UPLO="U").eigenvalues, S),
    "eigh_L_vectors": c(lambda s: np.abs(np.linalg.eigh(s, UPLO="L")[1]), S),
    "eigh_U_upper_only": c(lambda s: np.linalg.eigh(np.triu(s), UPLO="U")[0], S),
    "eigvalsh_U": c(lambda s: np.linalg.eigvalsh(np.triu(s), UPLO="U"), S),
    "eigvalsh_L": c(lambda s: np.linalg.eigvalsh(np.tril(s)), S),
    "eigh_bad_uplo": c(lambda s: np.linalg.eigh(s, UPLO="X"), S, diff=False),
    "svd_no_uv": c(lambda a: np.linalg.svd(a, compute_uv=False), MR),
    "svd_no_uv_stack": c(lambda a: np.linalg.svd(a, compute_uv=False), X3),
    "svdvals": c(lambda a: np.linalg.svdvals(a), MR),
    "cholesky_upper": c(lambda s: np.linalg.cholesky(s, upper=True), S),
    "cholesky_lower": c(lambda s: np.linalg.cholesky(s), S),
    "cholesky_not_pd": c(lambda s: np.linalg.cholesky(-s), S, diff=False),
    "solve_stack_vec": c(
        lambda m: np.linalg.solve(np.stack([m, m.T]), np.ones((2, 3))), M, diff=False
    ),
    "solve_bcast_b": c(lambda m: np.linalg.solve(np.stack([m, m.T]), np.ones((3, 2))), M),
    "solve_singular": c(lambda m: np.linalg.solve(m * np.array([1.0, 1.0, 0.0]), W), M, diff=False),
    "inv_singular": c(lambda m: np.linalg.inv(m * np.array([1.0, 1.0, 0.0])), M, diff=False),
    "matrix_rank_tol": c(lambda a: np.linalg.matrix_rank(a, tol=0.5), MR, diff=False),
    "matrix_rank_hermitian": c(lambda s: np.linalg.matrix_rank(s, hermitian=True), S, diff=False),
    "cond_p": c(lambda m: [np.linalg.cond(m, p) for p in [None, 1, -1, 2, -2, np.inf, "fro"]], M),
    "det_int": c(lambda m: np.linalg.det(m.reshape(2, 3)[:, :2]), I, diff=False),
    "inv_int": c(lambda m: np.linalg.inv(m.reshape(2, 3)[:, :2]), I, diff=False),
    "trace_offset": c(lambda m: np.trace(m, offset=1, axis1=1, axis2=0), MR),
    "vector_norm": c(lambda v: np.linalg.vector_norm(v, ord=3, axis=(0, 2), keepdims=True), X3),
    "matrix_norm": c(lambda v: np.linalg.matrix_norm(v, ord="nuc"), X3),
    "outer_linalg": c(lambda v: np.linalg.outer(v, v[:2]), V),
    "cross_linalg": c(lambda v: np.linalg.cross(v[:3], v[3:]), V),
    "diagonal_offset": c(lambda v: np.linalg.diagonal(v, offset=-1), X3),
}


KNOWN: dict[tuple[str, str], str] = {}   # (case, dtype) -> why it is not NumPy's yet


# vmap(grad) of convolve/correlate: the window product's derivative, batched, rounds
# by a batched matmul where the loop takes gemv (an ulp apart)
VMAP_ULP = {k for k in CASES if k.startswith(("convolve", "correlate"))}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_are_numpys_in_every_transform(name, dtype, request):
    reason = KNOWN.get((name, "f64" if dtype is np.float64 else "f32"))
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason))
    check_values(CASES, name, dtype)


@pytest.mark.parametrize("name", sorted(k for k, (_, _, d) in CASES.items() if d))
def test_derivatives_against_central_differences(name):
    f, args, _ = CASES[name]
    derivatives(f, *args, vmap_bits=name not in VMAP_ULP)


# ------------------------------------------------------- refusals by design
def test_two_component_cross_products_are_refused_with_the_formula():
    with pytest.raises(ValueError, match=r"a\[0\] \* b\[1\] - a\[1\] \* b\[0\]"):
        tg.jit(lambda a, b: np.cross(a, b[:, :2]))(A3, B3)


def test_full_svd_of_a_non_square_matrix_is_refused_with_the_fix():
    with pytest.raises(ValueError, match="full_matrices=False"):
        tg.jit(lambda a: np.linalg.svd(a, full_matrices=True))(MR)
    numpys(lambda a: np.linalg.svd(a, full_matrices=True).S, M)  # square: computed
