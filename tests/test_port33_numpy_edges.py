"""NumPy's edge cases of ranges, quantiles, covariances and conditioning, on traced values.

After NumPy's ``_core/tests/test_function_base.py`` (``TestLinspace``:
denormal and zero steps), ``lib/tests/test_arraypad.py`` (``linear_ramp``
over several axes), ``lib/tests/test_function_base.py`` (``TestQuantile``
of booleans with the methods that pick an element; ``TestCov`` and
``TestCorrCoef`` with ``dtype=``) and ``linalg/tests/test_linalg.py``
(``TestCond`` of singular matrices, ``matrix_rank`` and ``norm`` of empty
arrays):

- ``linspace`` with array ends computes ``y / div * delta`` for every
  element once any step is 0, as NumPy's denormal path does (tapegrad took
  ``y * step``: ``linspace([0, 0], [0, -0.857...], 7, endpoint=False)`` was
  one ulp off NumPy's; ``pad(x, 7, mode="linear_ramp")`` of a matrix so);
- ``quantile`` of booleans with ``inverted_cdf``, ``lower``, ``nearest``...
  is NumPy's bool element (it was refused as if it interpolated);
- ``cov``/``corrcoef`` take ``dtype=`` (it was refused);
- ``cond(a, p)`` of a singular matrix for ``p`` in 1, -1, inf, -inf, 'fro'
  is inf (it raised LinAlgError), and ``jit(cond)`` traced at an invertible
  matrix gives inf at the zero matrix (it gave nan: whether to map NaN to inf
  was decided while tracing);
- ``matrix_rank`` of an empty stack is 0 and ``norm(empty, inf)`` is 0.0, as
  NumPy's ``max(initial=0)`` (both raised);
- ``concatenate``, ``stack``, ``vstack`` and ``hstack`` take ``casting=``
  (and ``vstack``/``hstack`` ``dtype=``), and ``dtype=np.int64`` of float
  data is NumPy's TypeError under the default ``casting="same_kind"`` (it
  was cast silently), after NumPy's ``_core/tests/test_shape_base.py``;
- ``median``/``quantile``/``percentile`` and their nan-forms take
  ``overwrite_input=`` (tapegrad never writes into ``x``), and
  ``np.linalg.trace`` takes ``dtype=`` (both were refused).

Each value equals NumPy's in dtype, shape and bits eagerly (inside
``tg.jvp``), under ``tg.jit`` and under ``tg.vmap`` against a Python loop;
where NumPy raises, tapegrad raises the same type; the differentiable ones
against central differences in every transform.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_jnp_port import assert_same, derivatives
from test_numpy_port2 import numpys

import tapegrad as tg

L = np.linalg
ENDS = np.array([0.0, -0.857142857142857, 3.0])
M = np.arange(12.0).reshape(3, 4) ** 1.3 - 2
SING = np.array([[1.0, 2.0], [2.0, 4.0]])
B = np.array([True, False, True, True, False, False, True])
W = np.array([1.0, 2.0, 0.5, 1.0, 3.0, 0.2, 1.5])

CASES = {
    # linspace: one zero step among the ends makes NumPy scale every element as y / div * delta
    "linspace_zero_step": (lambda e: np.linspace(np.zeros(3), e, 7, endpoint=False), ENDS),
    "linspace_zero_step_axis": (lambda e: np.linspace(e * 0, e, 5, axis=1), ENDS),
    "linspace_zero_step_f32": (lambda e: np.linspace(np.zeros(3, np.float32), e, 7), ENDS),
    "linspace_no_zero_step": (lambda e: np.linspace(np.ones(3), e, 7, endpoint=False), ENDS),
    "linspace_denormal": (lambda e: np.linspace(0.0, e[0] * 0 + 5e-324, 3), ENDS),
    "geomspace_equal_ends": (lambda e: np.geomspace(np.ones(3), e ** 2 + 1.0, 6), ENDS),
    "pad_ramp_2d_wide": (lambda x: np.pad(x, (7, 1), mode="linear_ramp"), M),
    "pad_ramp_2d_end_values": (lambda x: np.pad(x, 3, mode="linear_ramp", end_values=2.0), M),
    # quantiles of booleans: the methods that pick an element
    **{f"quantile_bool_{m}": (lambda x, m=m: np.quantile(x, [0.0, 0.3, 0.5, 1.0], method=m), B)
       for m in ("inverted_cdf", "closest_observation", "lower", "higher", "nearest")},
    "percentile_bool_keepdims": (
        lambda x: np.percentile(x.reshape(7, 1), 40, axis=0, keepdims=True, method="lower"), B),
    "quantile_bool_linear_integer_q": (lambda x: np.quantile(x, np.array([0, 1])), B),
    "quantile_bool_weighted": (
        lambda x: np.quantile(x, [0.2, 0.9], weights=W, method="inverted_cdf"), B),
    "nanquantile_bool_nearest": (lambda x: np.nanquantile(x, 0.6, method="nearest"), B),
    "quantile_bool_linear_refused": (lambda x: np.quantile(x, 0.3), B),
    "quantile_bool_hazen_refused": (lambda x: np.quantile(x, 0.3, method="hazen"), B),
    # cov and corrcoef with dtype=
    **{f"cov_dtype_{np.dtype(d).name}": (lambda x, d=d: np.cov(x, dtype=d), M)
       for d in (np.float32, np.float16, np.float64)},
    "cov_dtype_f32_data_f64": (lambda x: np.cov(x.astype(np.float32), dtype=np.float64), M),
    "cov_dtype_rowvar_y": (lambda x: np.cov(x, x[::-1] ** 2, rowvar=False, dtype=np.float32), M),
    "cov_dtype_aweights": (lambda x: np.cov(x, aweights=[1.0, 2.0, 0.5, 1.0], dtype=np.float32), M),
    "cov_dtype_fweights": (lambda x: np.cov(x, fweights=[1, 2, 3, 1], dtype=np.float32), M),
    "cov_dtype_int_refused": (lambda x: np.cov(x, dtype=np.int64), M),
    "corrcoef_dtype": (lambda x: np.corrcoef(x, dtype=np.float32), M),
    "corrcoef_dtype_one_row": (lambda x: np.corrcoef(x[0], dtype=np.float32), M),
    # cond of singular matrices, matrix_rank and norm of empty arrays
    **{f"cond_singular_{p}": (lambda a, p=p: L.cond(a, p), SING)
       for p in (1, -1, np.inf, -np.inf, "fro", None, 2, -2)},
    "cond_stack_one_singular": (lambda a: L.cond(np.stack([a, a + np.eye(2)]), 1), SING),
    "cond_zero_matrix": (lambda a: L.cond(a * 0.0, np.inf), SING),
    "cond_nan_stays_nan": (lambda a: L.cond(a * np.nan, 1), SING),
    "cond_singular_f32": (lambda a: L.cond(a.astype(np.float32), "fro"), SING),
    "matrix_rank_empty": (lambda a: L.matrix_rank(a[:0]), SING),
    "matrix_rank_empty_stack": (lambda a: L.matrix_rank(np.zeros((2, 0, 3)) * a[0, 0]), SING),
    "matrix_rank_empty_rtol": (lambda a: L.matrix_rank(a[:, :0], rtol=0.5), SING),
    # joins with dtype= and casting=: each array cast by NumPy's rule, else NumPy's TypeError
    "concatenate_dtype_int_same_kind": (lambda x: np.concatenate([x, x], dtype=np.int64), M),
    "concatenate_dtype_int_unsafe": (
        lambda x: np.concatenate([x, x], dtype=np.int64, casting="unsafe"), M),
    "concatenate_dtype_f32_safe": (
        lambda x: np.concatenate([x, x], dtype=np.float32, casting="safe"), M),
    "concatenate_casting_no_mixed": (
        lambda x: np.concatenate([x, x.astype(np.float32)], casting="no"), M),
    "concatenate_casting_safe": (lambda x: np.concatenate([x, x], casting="safe"), M),
    "concatenate_axis_none_dtype": (
        lambda x: np.concatenate([x, x], axis=None, dtype=np.float32), M),
    "concatenate_list_of_traced": (
        lambda x: np.concatenate([x[0], [x[1, 0], 2.0]], dtype=np.float32), M),
    "concatenate_casting_unknown": (lambda x: np.concatenate([x, x], casting="bogus"), M),
    "stack_dtype_int_same_kind": (lambda x: np.stack([x, x], dtype=np.int64), M),
    "stack_axis_dtype": (lambda x: np.stack([x, x], axis=-1, dtype=np.float32), M),
    "vstack_dtype_unsafe": (lambda x: np.vstack([x, x], dtype=np.int64, casting="unsafe"), M),
    "vstack_dtype_vectors": (lambda x: np.vstack([x, x[::-1]], dtype=np.float32), ENDS),
    "hstack_dtype_number": (lambda x: np.hstack([x, 3.0], dtype=np.float32), ENDS),
    "hstack_bool_to_int8": (lambda x: np.hstack([x > 0, x > 1], dtype=np.int8), M),
    # keywords NumPy takes that change nothing here, or that cast first
    "median_overwrite_input": (lambda x: np.median(x, axis=0, overwrite_input=True), M),
    "percentile_overwrite_input": (lambda x: np.percentile(x, 30, overwrite_input=True), M),
    "nanquantile_overwrite_input": (
        lambda x: np.nanquantile(x, [0.2, 0.9], axis=1, overwrite_input=True), M),
    "linalg_trace_dtype_f32": (lambda x: L.trace(x[:, :3], offset=1, dtype=np.float32), M),
    "linalg_trace_dtype_int8": (lambda x: L.trace((x * 30).astype(np.int8), dtype=np.int8), M),
    "norm_inf_empty": (lambda x: L.norm(x[:0], np.inf), ENDS),
    "norm_inf_empty_axis_keepdims": (lambda x: L.norm(x[:, :0], np.inf, axis=1, keepdims=True), M),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_value_dtype_and_shape_are_numpys_eager_jit_and_vmap(name):
    f, x = CASES[name]
    numpys(f, x)


DIFFERENTIABLE = {
    "linspace_zero_step": (lambda e: np.linspace(np.zeros(3), e, 7, endpoint=False), ENDS),
    "linspace_zero_step_start": (lambda s: np.linspace(s, np.array([0.0, 1.0, 2.5]), 5),
                                 np.array([0.0, 0.5, -1.0])),
    "pad_ramp_2d_wide": (lambda x: np.pad(x, (7, 1), mode="linear_ramp"), M),
    "cov_dtype_f64_aweights": (lambda x: np.cov(x, aweights=[1.0, 2.0, 0.5, 1.0], dtype=np.float64),
                               M),
    "corrcoef_dtype_f64": (lambda x: np.corrcoef(x, dtype=np.float64), M),
    "concatenate_dtype_f64_safe": (
        lambda x: np.concatenate([x, x ** 2], dtype=np.float64, casting="safe"), M),
    "vstack_dtype_f64": (lambda x: np.vstack([x, np.sin(x)], dtype=np.float64), ENDS),
    **{f"cond_{p}": (lambda a, p=p: L.cond(a, p), np.array([[2.0, 1.0], [0.5, 3.0]]))
       for p in (1, -1, np.inf, "fro")},
}


@pytest.mark.parametrize("name", sorted(DIFFERENTIABLE))
def test_derivatives_against_central_differences_in_every_transform(name):
    f, x = DIFFERENTIABLE[name]
    derivatives(f, x)


def test_jit_of_linspace_traced_without_a_zero_step_takes_numpys_path_at_one():
    f = lambda e: np.linspace(np.zeros(3), e, 7, endpoint=False)  # noqa: E731
    jf = tg.jit(f)
    for e in (ENDS + 1.0, ENDS, ENDS - ENDS[1]):      # no zero step, one, then another
        assert_same(jf(e), f(e), f"jit at {e}")


@pytest.mark.parametrize("p", [None, 1, "fro", -np.inf])
def test_jit_of_cond_traced_at_an_invertible_matrix_gives_inf_at_a_singular_one(p):
    f = lambda a: L.cond(a, p)  # noqa: E731
    jf = tg.jit(f)
    nan = () if p is None else (np.full((2, 2), np.nan),)    # NumPy's SVD refuses NaN
    for a in (np.eye(2), np.zeros((2, 2)), SING, *nan, np.eye(2) * 3.0):
        assert_same(jf(a), f(a), f"jit at {a.tolist()}")
    stack = np.stack([np.eye(2), np.zeros((2, 2)), SING])
    assert_same(tg.vmap(f)(stack), np.stack([f(a) for a in stack]), "vmap")
