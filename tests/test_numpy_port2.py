"""NumPy's argument-level edge cases on traced values (function_base), part one.

After NumPy's ``lib/tests/test_function_base.py``: ``gradient`` with spacings
and ``edge_order``, ``diff`` with ``n``/``prepend``/``append``, ``interp``
with ``left``/``right``/``period``, ``trapezoid``, ``average`` with
``weights``/``returned``, every quantile ``method``, ``cumsum`` with
``dtype``, ``sinc``, ``i0``, ``unwrap``, ``angle``, ``meshgrid``,
``select``, ``insert``/``delete``. Part two (test_numpy_port2b) follows
``test_numeric``, ``test_shape_base``, ``test_linalg`` and ``test_umath``.

Each case runs on float64 and float32 data (integers where NumPy takes
them): value, dtype and shape equal NumPy's bit for bit eagerly (inside
``tg.jvp``), under ``tg.jit`` (the tracing call and the compiled one) and
under ``tg.vmap`` against a Python loop; where NumPy raises, tapegrad raises
the same exception type. Float cases are differentiated: ``grad`` and
``jvp`` against central differences, ``jit(grad)`` bit for bit against
``grad`` (test_jnp_port's ``derivatives``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from test_jnp_port import assert_same, derivatives

import tapegrad as tg

Case = tuple[Callable[..., Any], tuple[Any, ...], bool]


def c(f: Callable[..., Any], *args: Any, diff: bool = True) -> Case:
    """``f(*args)``; ``diff``: also differentiated (float64, away from kinks)."""
    return f, args, diff


def outcome(f: Callable[..., Any], *args: Any) -> tuple[Any, BaseException | None]:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return f(*args), None
        except Exception as e:  # noqa: BLE001  (NumPy's and tapegrad's errors alike)
            return None, e


def same_error(got: BaseException | None, want: BaseException, where: str) -> None:
    """tapegrad raises NumPy's type (a NumPy-only subclass: its builtin base)."""
    kind = type(want)
    if kind.__module__.startswith("numpy") and kind is not np.exceptions.AxisError:
        kind = next(k for k in kind.__mro__ if k.__module__ == "builtins")
    assert isinstance(got, kind), f"{where}: NumPy raises {want!r}, tapegrad {got!r}"


def stacked(outs: list[Any]) -> Any:
    if isinstance(outs[0], tuple | list):
        items = [stacked([o[i] for o in outs]) for i in range(len(outs[0]))]
        return type(outs[0])(*items) if hasattr(outs[0], "_fields") else type(outs[0])(items)
    return np.stack(outs)


def numpys(f: Callable[..., Any], *args: Any) -> None:
    """``f`` on traced ``args`` is NumPy's: eager (jvp), jit twice, vmap against a loop."""
    want, err = outcome(f, *args)
    jf = tg.jit(f)
    runs = [("jit (tracing)", lambda: jf(*args)), ("jit (compiled)", lambda: jf(*args))]
    if all(np.asarray(a).dtype.kind == "f" for a in args):
        runs.insert(0, ("eager", lambda: tg.jvp(f, args, tuple(np.ones_like(a) for a in args))[0]))
    batch = [
        np.stack([a, np.flip(a) * (0.9 if np.asarray(a).dtype.kind == "f" else 1)]) for a in args
    ]
    if err is None:
        runs.append(("vmap", lambda: tg.vmap(f)(*batch)))
    for name, run in runs:
        got, gerr = outcome(run)
        if err is not None:
            same_error(gerr, err, name)
            continue
        assert gerr is None, f"{name}: tapegrad raises {gerr!r}, NumPy gives {want!r}"
        if name == "vmap":
            want = stacked([f(*(b[i] for b in batch)) for i in range(2)])
        assert_same(got, want, name)


def check_values(cases: dict[str, Case], name: str, dtype: Any) -> None:
    """The case on ``dtype`` data (float cases), or on its own integers (float64 run)."""
    f, args, _ = cases[name]
    if all(np.asarray(a).dtype.kind == "f" for a in args):
        args = tuple(np.asarray(a, dtype) for a in args)
    elif dtype is np.float32:
        pytest.skip("integer data: run once")
    numpys(f, *args)


R = np.random.default_rng(2)
X = R.normal(size=(3, 4))
V = np.array([0.3, 1.2, -0.5, 2.0, 0.7, -1.1])
P = np.array([0.6, 1.3, 0.9, 2.1, 1.7])
XP = np.array([-1.0, -0.2, 0.4, 0.9, 1.6])
FP = np.array([0.5, -1.0, 2.0, 0.3, 1.1])
I = np.array([3, -1, 4, 1, -5, 9], dtype=np.int64)  # noqa: E741

CASES: dict[str, Case] = {
    # gradient
    "gradient_dx": c(lambda x: np.gradient(x, 2.0), V),
    "gradient_dx_array": c(lambda x: np.gradient(x, np.array([0.0, 1.0, 1.5, 3.5, 4.0, 6.0])), V),
    "gradient_uneven_edge2": c(
        lambda x: np.gradient(x, np.array([0.0, 1.0, 1.5, 3.5, 4.0, 6.0]), edge_order=2), V
    ),
    "gradient_axis_neg": c(lambda x: np.gradient(x, axis=-1), X),
    "gradient_axis_tuple_dx": c(lambda x: np.gradient(x, 2.0, 3.0, axis=(0, 1)), X),
    "gradient_axis_none_list": c(
        lambda x: np.gradient(x, [0.0, 1.0, 3.0], [0.0, 0.5, 1.0, 1.5]), X
    ),
    "gradient_int": c(lambda x: np.gradient(x), I, diff=False),
    "gradient_int_dx_int": c(lambda x: np.gradient(x, 2), I, diff=False),
    "gradient_too_small": c(lambda x: np.gradient(x[:1]), V, diff=False),
    "gradient_too_small_edge2": c(lambda x: np.gradient(x[:2], edge_order=2), V, diff=False),
    "gradient_edge3": c(lambda x: np.gradient(x, edge_order=3), V, diff=False),
    "gradient_bad_nargs": c(lambda x: np.gradient(x, 1.0, 2.0), V, diff=False),
    "gradient_bad_spacing_len": c(lambda x: np.gradient(x, np.arange(5.0)), V, diff=False),
    "gradient_0d": c(lambda x: np.gradient(x[0]), V, diff=False),
    # diff
    "diff_n0": c(lambda x: np.diff(x, n=0), X),
    "diff_n2": c(lambda x: np.diff(x, n=2), X),
    "diff_n3_axis0": c(lambda x: np.diff(x, n=3, axis=0), X),
    "diff_n_big": c(lambda x: np.diff(x, n=7), V),
    "diff_prepend_scalar": c(lambda x: np.diff(x, prepend=0.5), X),
    "diff_append_array": c(lambda x: np.diff(x, axis=0, append=np.ones((1, 4))), X),
    "diff_prepend_append": c(lambda x: np.diff(x, n=2, prepend=[1.0], append=[2.0, 3.0]), V),
    "diff_prepend_int": c(lambda x: np.diff(x, prepend=0), V),
    "diff_int_prepend_float": c(lambda x: np.diff(x, prepend=0.5), I, diff=False),
    "diff_int": c(lambda x: np.diff(x, n=2), I, diff=False),
    "diff_neg_n": c(lambda x: np.diff(x, n=-1), V, diff=False),
    "diff_0d": c(lambda x: np.diff(x[0]), V, diff=False),
    "diff_bad_axis": c(lambda x: np.diff(x, axis=2), X, diff=False),
    "diff_prepend_traced": c(lambda x: np.diff(x[1:], prepend=x[:1]), V),
    # interp
    "interp_x": c(lambda x: np.interp(x, XP, FP), V),
    "interp_left_right": c(lambda x: np.interp(x * 2.1, XP, FP, left=-3.0, right=7.0), V),
    "interp_fp": c(lambda f: np.interp(V, XP, f), FP),
    "interp_period": c(lambda x: np.interp(x * 3.1, XP, FP, period=2.5), V),
    "interp_period_neg": c(lambda x: np.interp(x * 3.1, XP, FP, period=-2.5), V),
    "interp_period_unsorted": c(
        lambda x: np.interp(x, np.array([3.0, 1.0, 2.0]), np.array([0.5, 1.0, -1.0]), period=4.0),
        V * 1.07,
    ),
    "interp_period0": c(lambda x: np.interp(x, XP, FP, period=0), V, diff=False),
    "interp_scalar": c(lambda x: np.interp(x[0], XP, FP), V),
    "interp_2d_x": c(lambda x: np.interp(x, XP, FP), X),
    "interp_len_mismatch": c(lambda x: np.interp(x, XP, FP[:4]), V, diff=False),
    "interp_empty_xp": c(lambda x: np.interp(x, XP[:0], FP[:0]), V, diff=False),
    "interp_int_x": c(lambda x: np.interp(x, XP, FP), I, diff=False),
    "interp_left_traced": c(lambda x: np.interp(x * 2.1, XP, FP, left=x[0], right=x[1]), V),
    "tg_interp_left_traced": c(lambda x: tg.interp(V * 2.1, XP, FP, left=x[0] ** 2, right=x[1]), V),
    "interp_period_traced_fp": c(lambda f: np.interp(V * 3.1, XP, f, period=2.5), FP),
    # trapezoid
    "trapezoid_dx": c(lambda x: np.trapezoid(x, dx=0.5), X),
    "trapezoid_x": c(lambda y: np.trapezoid(y, x=np.array([0.0, 0.2, 0.7, 1.0])), X),
    "trapezoid_axis0": c(lambda y: np.trapezoid(y, x=np.array([0.0, 1.0, 3.0]), axis=0), X),
    "trapezoid_x2d": c(lambda y: np.trapezoid(y, x=np.cumsum(np.ones((3, 4)), axis=1) ** 1.5), X),
    "trapezoid_traced_x": c(lambda x: np.trapezoid(V, x=np.cumsum(x**2)), V),
    "trapezoid_int": c(lambda y: np.trapezoid(y), I, diff=False),
    "trapezoid_1pt": c(lambda y: np.trapezoid(y[:1]), V),
    # average
    "average_weights": c(lambda x: np.average(x, weights=np.arange(1.0, 13.0).reshape(3, 4)), X),
    "average_weights_axis_1d": c(
        lambda x: np.average(x, axis=1, weights=np.array([1.0, 2.0, 3.0, 4.0])), X
    ),
    "average_returned": c(
        lambda x: np.average(x, axis=0, weights=np.array([1.0, 2.0, 0.5]), returned=True), X
    ),
    "average_returned_noweights": c(lambda x: np.average(x, axis=1, returned=True), X),
    "average_keepdims": c(
        lambda x: np.average(x, axis=1, weights=np.array([1.0, 2.0, 3.0, 4.0]), keepdims=True), X
    ),
    "average_axis_tuple": c(lambda x: np.average(x, axis=(0, 1), weights=np.ones((3, 4))), X),
    "average_axes_reversed": c(
        lambda x: np.average(x, axis=(1, 0), weights=np.arange(1.0, 13.0).reshape(4, 3)), X
    ),
    "average_axes_reversed_bad": c(
        lambda x: np.average(x, axis=(1, 0), weights=np.ones((3, 4))), X, diff=False
    ),
    "average_traced_weights": c(
        lambda w: np.average(X, axis=1, weights=w**2 + 0.1), np.array([1.0, 2.0, 3.0, 4.0])
    ),
    "average_zero_weights": c(lambda x: np.average(x, axis=0, weights=np.zeros(3)), X, diff=False),
    "average_bad_weights_shape": c(lambda x: np.average(x, weights=np.ones(3)), X, diff=False),
    "average_bad_weights_len": c(
        lambda x: np.average(x, axis=1, weights=np.ones(3)), X, diff=False
    ),
    "average_int": c(lambda x: np.average(x), I, diff=False),
    "average_int_weights": c(lambda x: np.average(x, weights=np.arange(6)), I, diff=False),
    "average_int_returned": c(lambda x: np.average(x, returned=True), I, diff=False),
    "average_f32_weights_f64": c(
        lambda x: np.average(x.astype(np.float32), weights=np.ones(6)), V, diff=False
    ),
    # cumsum/cumprod dtype
    "cumsum_dtype_f32": c(lambda x: np.cumsum(x, dtype=np.float32), V, diff=False),
    "cumsum_axis_dtype": c(lambda x: np.cumsum(x, axis=1, dtype=np.float64), X),
    "cumsum_dtype_int": c(lambda x: np.cumsum(x * 3, dtype=np.int64), V, diff=False),
    "cumprod_dtype": c(lambda x: np.cumprod(x, dtype=np.float64, axis=0), X),
    "cumsum_int_dtype_float": c(lambda x: np.cumsum(x, dtype=np.float64), I, diff=False),
    "cumprod_int_dtype_int32": c(lambda x: np.cumprod(x, dtype=np.int32), I, diff=False),
    "cumsum_bool": c(lambda x: np.cumsum(x > 0), V, diff=False),
    "cumsum_int8": c(lambda x: np.cumsum(x.astype(np.int8)), I, diff=False),
    # sinc/i0/unwrap/angle
    "sinc_zero": c(lambda x: np.sinc(x * np.array([0.0, 1.0, 1.0, 1.0, 1.0, 1.0])), V),
    "sinc_int": c(lambda x: np.sinc(x), I, diff=False),
    "i0_neg": c(lambda x: np.i0(-x * 4), V),
    "i0_int": c(lambda x: np.i0(x), I, diff=False),
    "i0_0d": c(lambda x: np.i0(x[0]), V),
    "unwrap_discont_small": c(lambda x: np.unwrap(x * 4, discont=1.0), V),
    "unwrap_period_int": c(lambda x: np.unwrap(x), I, diff=False),
    "unwrap_int_period": c(lambda x: np.unwrap(x * 3, period=5), I, diff=False),
    "angle_deg": c(lambda x: np.angle(x, deg=True), V, diff=False),
    "angle_int": c(lambda x: np.angle(x), I, diff=False),
    # meshgrid
    "meshgrid_ij": c(lambda x, y: np.meshgrid(x, y, indexing="ij"), V, P),
    "meshgrid_sparse": c(lambda x, y: np.meshgrid(x, y, sparse=True), V, P),
    "meshgrid_3": c(lambda x, y: np.meshgrid(x, y, x[:2], indexing="xy"), V, P),
    "meshgrid_1": c(lambda x: np.meshgrid(x), V),
    "meshgrid_bad_indexing": c(lambda x: np.meshgrid(x, x, indexing="ji"), V, diff=False),
    "meshgrid_copy_false": c(
        lambda x, y: np.meshgrid(x, y, copy=False, sparse=True, indexing="ij"), V, P
    ),
    "meshgrid_2d_input": c(lambda x: np.meshgrid(x, x[0]), X),
    # select
    "select_default": c(lambda x: np.select([x < -0.2, x > 0.5], [x * 2, x**2], default=1.5), X),
    "select_scalar_choices": c(lambda x: np.select([x < 0, x >= 0], [-1.0, x]), X),
    "select_overlap_first_wins": c(lambda x: np.select([x > 0, x > 1], [x, 3 * x]), X),
    "select_empty": c(lambda x: np.select([], [], default=x), X, diff=False),
    "select_len_mismatch": c(lambda x: np.select([x > 0], [x, x]), X, diff=False),
    "select_non_bool": c(lambda x: np.select([np.ones((3, 4), int)], [x]), X, diff=False),
    "select_broadcast": c(lambda x: np.select([x[0] > 0], [x]), X),
    "select_int": c(lambda x: np.select([x > 0, x < -2], [x, -x], default=7), I, diff=False),
    # insert/delete
    "insert_multi": c(lambda x: np.insert(x, [1, 3, 3], [9.0, 8.0, 7.0]), V),
    "insert_axis": c(lambda x: np.insert(x, 1, 5.0, axis=1), X),
    "insert_axis0_row": c(lambda x: np.insert(x, 2, np.arange(4.0), axis=0), X),
    "insert_neg": c(lambda x: np.insert(x, -1, 2.5), V),
    "insert_end": c(lambda x: np.insert(x, 6, 2.5), V),
    "insert_slice": c(lambda x: np.insert(x, slice(1, 4), [1.0, 2.0, 3.0]), V),
    "insert_traced_values": c(lambda x: np.insert(V, [0, 2], x[:2] ** 2), V),
    "insert_scalar_idx_array_vals": c(lambda x: np.insert(x, 1, [[1.0], [2.0], [3.0]], axis=1), X),
    "insert_noaxis_2d": c(lambda x: np.insert(x, 3, 0.0), X),
    "insert_oob": c(lambda x: np.insert(x, 9, 1.0), V, diff=False),
    "insert_int_float_value": c(lambda x: np.insert(x, 1, 2.7), I, diff=False),
    "insert_bool_idx": c(lambda x: np.insert(x, np.array([True, False]), 1.0), V, diff=False),
    "delete_slice": c(lambda x: np.delete(x, slice(1, 5, 2)), V),
    "delete_list": c(lambda x: np.delete(x, [0, -1]), V),
    "delete_axis": c(lambda x: np.delete(x, [1, 2], axis=1), X),
    "delete_mask": c(lambda x: np.delete(x, np.array([True, False, True, False, False, True])), V),
    "delete_noaxis_2d": c(lambda x: np.delete(x, 5), X),
    "delete_oob": c(lambda x: np.delete(x, 6), V, diff=False),
    "delete_dup": c(lambda x: np.delete(x, [1, 1, 2]), V),
    "delete_int": c(lambda x: np.delete(x, [0, 2]), I, diff=False),
    "append_axis": c(lambda x: np.append(x, x[:1] * 2, axis=0), X),
    "append_axis_mismatch": c(lambda x: np.append(x, V, axis=0), X, diff=False),
    "percentile_methods": c(
        lambda x: [
            np.percentile(x, [10, 55, 90], method=m)
            for m in ["linear", "lower", "higher", "nearest", "midpoint"]
        ],
        V,
        diff=False,
    ),
    "percentile_methods2": c(
        lambda x: [
            np.percentile(x, [10, 55, 90], method=m, axis=1)
            for m in [
                "inverted_cdf",
                "averaged_inverted_cdf",
                "closest_observation",
                "interpolated_inverted_cdf",
                "hazen",
                "weibull",
                "median_unbiased",
                "normal_unbiased",
            ]
        ],
        X,
        diff=False,
    ),
    "quantile_linear_deriv": c(lambda x: np.quantile(x, [0.13, 0.77], axis=0, method="hazen"), X),
    "quantile_weibull_deriv": c(lambda x: np.quantile(x, 0.4, method="weibull"), V),
    "quantile_out_of_range": c(lambda x: np.quantile(x, 1.5), V, diff=False),
    "percentile_out_of_range": c(lambda x: np.percentile(x, -1), V, diff=False),
    "quantile_bad_method": c(lambda x: np.quantile(x, 0.5, method="foo"), V, diff=False),
    "quantile_int_q": c(lambda x: np.quantile(x, 1), V),
    "percentile_int": c(lambda x: np.percentile(x, [25, 50], method="lower"), I, diff=False),
    "quantile_keepdims_axis_tuple": c(
        lambda x: np.quantile(x, [0.3], axis=(0, 1), keepdims=True), X
    ),
}


def case_tests(cases: dict[str, Case]) -> tuple[Any, Any]:
    """The two tests of a table of cases: values in every transform, derivatives."""
    @pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
    @pytest.mark.parametrize("name", sorted(cases))
    def test_values_are_numpys_in_every_transform(name, dtype):
        check_values(cases, name, dtype)

    @pytest.mark.parametrize("name", sorted(k for k, (_, _, d) in cases.items() if d))
    def test_derivatives_against_central_differences(name):
        f, args, _ = cases[name]
        derivatives(f, *args)
    return test_values_are_numpys_in_every_transform, test_derivatives_against_central_differences


test_values_are_numpys_in_every_transform, test_derivatives_against_central_differences = \
    case_tests(CASES)


# ------------------------------------------------------- refusals by design
def test_traced_sample_points_of_interp_differentiate_as_the_line_through_their_interval():
    # was refused ("xp must be a constant"), with this spelling by hand to write instead
    f = lambda xp: np.interp(V * 0.7, xp, FP)  # noqa: E731

    def by_hand(xp, x=V * 0.7):
        i = np.clip(np.searchsorted(tg.stop_gradient(xp), x), 1, len(xp) - 1)
        x0, x1, f0, f1 = tg.take(xp, i - 1), tg.take(xp, i), tg.take(FP, i - 1), tg.take(FP, i)
        return f0 + (x - x0) * (f1 - f0) / (x1 - x0)

    np.testing.assert_allclose(by_hand(XP), np.interp(V * 0.7, XP, FP), rtol=1e-15)
    assert_same(tg.jit(f)(XP), np.interp(V * 0.7, XP, FP), "jit")
    np.testing.assert_allclose(tg.jacobian(f)(XP), tg.jacobian(by_hand)(XP), rtol=1e-12)
    derivatives(f, XP)
    with pytest.raises(TypeError, match=r"interp: with period=, xp must be a constant"):
        tg.grad(lambda xp: np.sum(np.interp(V, xp, FP, period=3.0)))(XP)


def test_quantile_with_weights():
    # NumPy's weighted cdf, taken in its sort order of the traced values, searched by a count
    numpys(
        lambda x: np.quantile(
            x, [0.2, 0.7], method="inverted_cdf", weights=np.array([1.0, 2.0, 1.0, 3.0, 1.0, 1.0])
        ),
        V,
    )
    w0 = np.array([0.0, 2.0, 1.0, 3.0, 1.0, 0.0])   # zero weights first and last
    numpys(lambda x: np.quantile(x, [0.0, 0.5, 1.0], method="inverted_cdf", weights=w0), V)
    numpys(lambda x: np.percentile(x.reshape(2, 3), [30, 90], axis=1, method="inverted_cdf",
                                   weights=w0[1:4]), V)
    numpys(lambda x: np.quantile(x.reshape(2, 3), [0.4], axis=0, method="inverted_cdf",
                                 weights=(w0 + 1.0).reshape(2, 3), keepdims=True), V)
    numpys(lambda x: np.quantile(x, [0.3, 0.6], method="inverted_cdf", weights=x * x), V)
    numpys(lambda x: np.quantile(x, [0.5], method="linear", weights=w0), V)     # NumPy refuses
    numpys(lambda x: np.quantile(x, [0.5], method="inverted_cdf", weights=-w0), V)
    numpys(lambda x: np.quantile(x.reshape(2, 3), [0.5], method="inverted_cdf",
                                 weights=w0[:3]), V)     # no axis: the shapes must agree
