"""JAX's lax_numpy families for arrays: shapes, joins, products, indexing, on traced values.

The array half of ``tests/lax_numpy_test.py`` and ``lax_numpy_indexing_test.py``:
each NumPy function or index on traced values gives NumPy's value, dtype and
shape eagerly, under ``tg.jit`` and under ``tg.vmap`` (against a loop), over
dtypes and shapes (0-d, empty, size 1); float inputs are differentiated in
every transform. Indexing covers basic, advanced, mixed, negative strides,
constant boolean masks and traced integer indices; updates are written
without ``x[i] = y`` (``np.where``, ``np.take_along_axis``), which tapegrad
refuses with a message naming the fix. The helpers are test_jnp_port's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_jnp_port import DTYPES, SHAPES, assert_same, derivatives, numpy_semantics, sample

import tapegrad as tg

SHAPED: dict[str, Any] = {
    "reshape": lambda v: np.reshape(v, -1), "ravel": np.ravel, "flatten": lambda v: v.flatten(),
    "ravel_F": lambda v: np.ravel(v, order="F"), "transpose": np.transpose, "T": lambda v: v.T,
    "mT": lambda v: v.mT, "take_method": lambda v: v.take([0, -1]),
    "swapaxes": lambda v: np.swapaxes(v, 0, -1), "moveaxis": lambda v: np.moveaxis(v, 0, -1),
    "expand_dims": lambda v: np.expand_dims(v, (0, -1)), "squeeze": np.squeeze,
    "atleast_1d": np.atleast_1d, "atleast_2d": np.atleast_2d, "atleast_3d": np.atleast_3d,
    "flip": np.flip, "flip0": lambda v: np.flip(v, 0), "fliplr": np.fliplr, "flipud": np.flipud,
    "rot90": np.rot90, "roll": lambda v: np.roll(v, 1), "roll0": lambda v: np.roll(v, -2, 0),
    "tile": lambda v: np.tile(v, (2, 1)), "repeat": lambda v: np.repeat(v, 2),
    "repeat0": lambda v: np.repeat(v, [1, 0, 2][:len(v)], axis=0),
    "concatenate": lambda v: np.concatenate([v, v], axis=-1),
    "concatenate_none": lambda v: np.concatenate([v, v], axis=None),
    "stack": lambda v: np.stack([v, v], axis=-1), "hstack": lambda v: np.hstack([v, v]),
    "vstack": lambda v: np.vstack([v, v]), "dstack": lambda v: np.dstack([v, v]),
    "column_stack": lambda v: np.column_stack([v, v]), "block": lambda v: np.block([v, v]),
    "split": lambda v: np.split(v, 1), "array_split": lambda v: np.array_split(v, 2, axis=-1),
    "broadcast_to": lambda v: np.broadcast_to(v, (2, *np.shape(v))),
    "broadcast_arrays": lambda v: np.broadcast_arrays(v, np.zeros((2, 1))),
    "diag": np.diag, "diag_k": lambda v: np.diag(v, 1), "diagonal": np.diagonal,
    "trace": np.trace, "tril": np.tril, "triu": lambda v: np.triu(v, 1), "diagflat": np.diagflat,
    "pad": lambda v: np.pad(v, 1), "pad_edge": lambda v: np.pad(v, 1, mode="edge"),
    "pad_reflect": lambda v: np.pad(v, 1, mode="reflect"), "diff": np.diff,
    "diff0": lambda v: np.diff(v, axis=0), "ediff1d": np.ediff1d, "copy": np.copy,
    "astype_f32": lambda v: v.astype(np.float32), "astype_i32": lambda v: v.astype(np.int32),
    "astype_bool": lambda v: v.astype(bool), "zeros_like": np.zeros_like,
    "full_like": lambda v: np.full_like(v, 2), "where": lambda v: np.where(v > 0, v, 0),
    "where_scalar": lambda v: np.where(v > 0, 1, v), "clip": lambda v: np.clip(v, -1, 1),
    "select": lambda v: np.select([v > 0.5, v < -0.5], [v, 2 * v], default=-1),
    "append": lambda v: np.append(v, v), "insert": lambda v: np.insert(v, 0, 7),
    "delete": lambda v: np.delete(v, 0), "outer": lambda v: np.outer(v, v),
    "inner": lambda v: np.inner(v, v), "dot": lambda v: np.dot(v, v),
    "vdot": lambda v: np.vdot(v, v),
    "kron": lambda v: np.kron(v, v), "tensordot": lambda v: np.tensordot(v, v, axes=np.ndim(v)),
    "einsum": lambda v: np.einsum("...->...", v), "meshgrid": lambda v: np.meshgrid(v, v),
    "take": lambda v: np.take(v, [0, -1]), "take0": lambda v: np.take(v, [0, 0], axis=0),
    "take_along_axis": lambda v: np.take_along_axis(v, np.argsort(v, axis=-1), axis=-1),
    "vander": np.vander, "percentile": lambda v: np.percentile(v, 30),
    "quantile": lambda v: np.quantile(v, [0.2, 0.9], axis=0),
    "partition": lambda v: np.partition(v, 0),
    "linspace": lambda v: np.linspace(v, 2 * v, 3), "round2": lambda v: np.round(v, 2),
    "matrix_transpose": np.matrix_transpose, "vecdot": lambda v: np.vecdot(v, v),
    "mean_f32": lambda v: np.mean(v, dtype=np.float32),
    "sum_i32": lambda v: np.sum(v, dtype=np.int32),
    "cumsum_f32": lambda v: np.cumsum(v, dtype=np.float32), "gradient": np.gradient,
    "trapezoid": np.trapezoid, "cov": np.cov, "corrcoef": np.corrcoef, "unwrap": np.unwrap,
}
NOT_DIFFERENTIATED = {"astype_i32", "astype_bool", "zeros_like", "full_like", "sum_i32",
                      "mean_f32", "cumsum_f32", "astype_f32", "where", "clip", "select",
                      "percentile", "quantile", "partition", "cov", "corrcoef"}


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", sorted(SHAPED))
def test_shape_functions_on_every_shape_and_dtype_are_numpys(name, dtype):
    for shape in [*SHAPES, (2, 0)]:
        if name in ("take0", "repeat0") and not shape:
            continue                # test_jnp_port's refusals of NumPy's 0-d ravels
        numpy_semantics(SHAPED[name], sample(shape, dtype))


@pytest.mark.parametrize("name", sorted(set(SHAPED) - NOT_DIFFERENTIATED))
def test_shape_function_derivatives_in_every_transform(name):
    for shape in [(), (1,), (3,), (2, 3), (2, 1, 3)]:
        x = sample(shape, np.float64, 0.5, 1.5)
        if numpy_outcome_fails(SHAPED[name], x) or (name == "take0" and not shape):
            continue
        derivatives(SHAPED[name], x)


def numpy_outcome_fails(f: Any, x: Any) -> bool:
    try:
        f(x)
    except Exception:  # noqa: BLE001  (NumPy's own refusal of this shape)
        return True
    return False


def test_inner_of_float32_stacks():
    # NumPy's inner of stacks is dot with b's last two axes swapped: an inner product each
    x = np.random.default_rng(5).uniform(-2, 2, (2, 1, 3)).astype(np.float32)
    numpy_semantics(lambda v: np.inner(v, v), x)


# ---------------------------------------------------- indexing (lax_numpy_indexing_test)
INDICES: dict[str, Any] = {
    "int": 1, "negative": -1, "slice": slice(1, None), "reversed": slice(None, None, -1),
    "step_back_2": slice(-1, 0, -2), "step_2": slice(None, None, 2), "empty": slice(2, 1),
    "ellipsis": Ellipsis, "none": None, "ellipsis_none": (Ellipsis, None),
    "ints": (1, 0), "slice_int": (slice(None), 1), "int_none": (1, None),
    "ellipsis_int": (Ellipsis, 0),
    "np_int": np.int64(1), "list": [0, 1, 1], "array": np.array([1, 0]),
    "negative_array": np.array([-1, 0]), "int32_array": np.array([1, 0], np.int32),
    "array_2d": np.array([[0, 1], [1, 1]]), "no_index": np.array([], dtype=int),
    "pair": (np.array([0, 1]), np.array([2, 0])),
    "broadcast_pair": (np.array([[0], [1]]), np.array([0, 2])),
    "slice_array": (slice(None), np.array([0, 2])),
    "array_slice": (np.array([1, 0]), slice(None, 2)),
    "split_arrays": (np.array([1, 0]), slice(None), np.array([2, 0])),
    "none_array": (None, np.array([1, 0])),
    "array_none_array": (np.array([1, 0]), None, np.array([0, 1])),
    "ellipsis_array": (Ellipsis, np.array([0, 2])), "row_mask": np.array([True, False]),
    "column_mask": (slice(None), np.array([True, False, True])), "true": True, "false": False,
    "reversed_array": (slice(None, None, -1), np.array([2, 0, 2])),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.bool_],
                         ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", sorted(INDICES))
def test_static_indices_are_numpys(name, dtype):
    index = INDICES[name]
    for shape in [(), (3,), (2, 3), (2, 1, 3)]:
        x = sample(shape, dtype)
        numpy_semantics(lambda v: v[index], x)
        if dtype is np.float64 and not numpy_outcome_fails(lambda v: v[index], x) and \
                np.size(x[index]):
            derivatives(lambda v: v[index] * 1.5, x)


def test_a_constant_mask_of_the_whole_array_is_numpys():
    for shape in [(3,), (2, 3), (2, 1, 3)]:
        x, mask = sample(shape, np.float64), sample(shape, np.bool_)
        numpy_semantics(lambda v: v[mask], x)
        derivatives(lambda v: v[mask] ** 2, x)


TRACED_INDEX = {
    "rows": lambda v, i: v[i], "pairs": lambda v, i: v[i, i], "columns": lambda v, i: v[:, i],
    "rows_slice": lambda v, i: v[i, 1:], "negated": lambda v, i: v[:, -i],
    "none": lambda v, i: v[None, i], "ellipsis": lambda v, i: v[..., i],
    "take": lambda v, i: np.take(v, i, axis=1), "take_flat": lambda v, i: np.take(v, i),
    "argmax": lambda v, i: v[np.arange(2), np.argmax(v, axis=1)] + i,
}


@pytest.mark.parametrize("index", [np.array([1, 0]), np.array([-1, 1], np.int32), np.int64(1)],
                         ids=["int64", "int32", "scalar"])
@pytest.mark.parametrize("name", sorted(TRACED_INDEX))
def test_traced_integer_indices_under_jit_vmap_and_grad(name, index):
    f = TRACED_INDEX[name]
    x = sample((2, 3), np.float64)
    numpy_semantics(f, x, index)
    g = tg.grad(lambda v, i: np.sum(f(v, i) ** 2))(x, index)
    x2 = x.copy()
    want = np.zeros_like(x)
    eps = 1e-6
    for k in np.ndindex(x.shape):
        x2[k] += eps
        up = np.sum(f(x2, index) ** 2)
        x2[k] -= 2 * eps
        want[k] = (up - np.sum(f(x2, index) ** 2)) / (2 * eps)
        x2[k] += eps
    np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-6)
    rows = np.stack([index, np.flip(index)]) if np.ndim(index) else np.stack([index, 0 * index])
    got = tg.vmap(f, in_axes=(None, 0))(x, rows)
    assert_same(got, np.stack([f(x, r) for r in rows]), "vmap over indices")


def test_take_along_axis_with_traced_indices_is_numpys():
    x = sample((2, 3), np.float64)
    i = np.array([[1, 0, 2], [0, 0, 1]])
    for axis in (0, 1, -1):
        idx = i % 2 if axis == 0 else i
        numpy_semantics(lambda v, j: np.take_along_axis(v, j, axis=axis), x, idx)
        derivatives(lambda v: np.take_along_axis(v, idx, axis=axis) ** 2, x)


# ------------------------------------------- updates without x[i] = y (JAX's .at)
def test_where_and_concatenate_write_the_updates_numpy_would_make_in_place():
    x = sample((2, 3), np.float64)

    def set_row(v):                          # v[1] = 0.5 * v[0]
        return np.where(np.arange(2)[:, None] == 1, 0.5 * v[0], v)

    def add_at(v):                           # np.add.at(v, ([0, 0], [1, 1]), 1.0)
        return v + np.where((np.arange(2)[:, None] == 0) & (np.arange(3) == 1), 2.0, 0.0)

    def put_along(v):                        # np.put_along_axis(v, argmax, 0, axis=1)
        return np.where(np.arange(3) == np.argmax(v, axis=1)[:, None], 0.0, v)

    for f in (set_row, add_at, put_along):
        numpy_semantics(f, x)
        derivatives(f, x)
    assert_same(tg.jit(set_row)(x), np.concatenate([x[:1], 0.5 * x[:1]]), "set_row")


@pytest.mark.parametrize("update, message", [
    (lambda v: v.__setitem__(0, 1.0), r"x = x\.copy\(\) first"),
    (lambda v: np.put_along_axis(v, np.array([[0], [1]]), 0.0, axis=1), "np.put_along_axis"),
    (lambda v: np.add.at(v, [0], 1.0), "np.add.at"),
    (lambda v: np.put(v, [0], 1.0), "np.put"),
    (lambda v: np.copyto(v, 0.0), "np.copyto"),
    (lambda v: v.fill(0.0), "x.fill"),
], ids=["setitem", "put_along_axis", "add.at", "put", "copyto", "fill"])
def test_in_place_updates_are_refused_with_the_fix(update, message):
    x = sample((2, 3), np.float64)
    for transform in (tg.jit, tg.grad, tg.vmap):
        with pytest.raises((TypeError, AttributeError), match=message):
            transform(lambda v: np.sum(update(v) or v))(x)


# ------------------------------------------------------- found and fixed here
@pytest.mark.parametrize("kind", [None, "quicksort", "heapsort", "stable"])
def test_argsort_orders_ties_as_numpys_kind_under_jit_and_vmap(kind):
    x = np.round(np.random.default_rng(3).uniform(-2, 2, (3, 40))).astype(np.int64)
    for axis in (None, 0, -1):
        numpy_semantics(lambda v, a=axis: np.argsort(v, axis=a, kind=kind), x)
        numpy_semantics(lambda v, a=axis: v.argsort(axis=a, kind=kind), x)
        numpy_semantics(lambda v, a=axis: np.argsort(v.astype(float), axis=a, kind=kind), x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32], ids=lambda d: d.__name__)
def test_polyval_of_a_0d_array_is_numpys_dtype(dtype):
    numpy_semantics(lambda v: np.polyval([1.0, 2.0, 0.5], v), sample((), dtype))
    numpy_semantics(lambda v: np.polyval(np.array([1.0, 2.0], np.float32), v), sample((), dtype))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_isclose_and_allclose_take_bools_and_ints_as_numpy(dtype):
    for shape in [(), (3,), (2, 3)]:
        x = sample(shape, dtype)
        for f in (lambda v: np.isclose(v, v), lambda v: np.allclose(v, np.flip(v)),
                  lambda v: np.isclose(v, True), lambda v: np.isclose(1, v)):
            numpy_semantics(f, x)


@pytest.mark.parametrize("dtype", [np.bool_, np.int32, np.float64], ids=lambda d: d.__name__)
def test_triangles_of_a_0d_array_are_refused_as_numpy_refuses(dtype):
    for name in ("tril", "triu"):
        numpy_semantics(getattr(np, name), sample((), dtype))
        numpy_semantics(getattr(np, name), sample((3,), dtype))


# ------------------------------ refusals: NumPy computes, tapegrad names the fix
@pytest.mark.parametrize("f, message", [
    (lambda v: np.argsort(v, axis=-1), "has no axis -1"),         # NumPy's 0-d ravel quirk
    (lambda v: np.repeat(v, 2, axis=0), "axis 0 is out of range"),
    (lambda v: np.take(v, [0, 0], axis=0), "axis 0 is out of range"),
], ids=["argsort", "repeat", "take"])
def test_what_numpy_does_to_0d_arrays_by_raveling_is_refused_by_name(f, message):
    numpy_semantics(f, np.array(1.5), refused=(ValueError, message))


# ------------------------------------------------------------------ products
PRODUCTS = {"dot": np.dot, "matmul": np.matmul, "@": lambda a, b: a @ b, "inner": np.inner,
            "outer": np.outer, "kron": np.kron, "vdot": np.vdot, "vecdot": np.vecdot,
            "matvec": np.matvec, "vecmat": np.vecmat, "cross": np.cross,
            "tensordot": lambda a, b: np.tensordot(a, b, axes=1),
            "einsum": lambda a, b: np.einsum("...i,...i->...", a, b)}
PRODUCT_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 2)),
                  ((0, 3), (3,)), ((3, 0), (0, 2)), ((), ())]
@pytest.mark.parametrize("dtypes", [(np.float64,) * 2, (np.float32,) * 2, (np.int64,) * 2,
                                    (np.int32,) * 2, (np.bool_,) * 2, (np.int32, np.float32),
                                    (np.bool_, np.int64)], ids=lambda p: "-".join(
                                        d.__name__ for d in p))
@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_products_over_dtypes_and_shapes_are_numpys(name, dtypes):
    for s1, s2 in PRODUCT_SHAPES:       # matvec of two vectors: NumPy's error, and tapegrad's
        two = name == "cross" and s1 and s2 and (s1[-1], s2[-1]) != (3, 3)
        numpy_semantics(PRODUCTS[name], sample(s1, dtypes[0]), sample(s2, dtypes[1]),
                        refused=(ValueError, "3 components") if two else None)  # 2-d: refused


@pytest.mark.parametrize("name", ["dot", "inner"])
def test_float32_products_of_stacks_are_numpys_bit_for_bit(name):
    # NumPy takes one inner product per element for a 3-d stack (not matmul's sums)
    r = np.random.default_rng(5)
    a, b = r.uniform(-2, 2, (2, 2, 3)), r.uniform(-2, 2, (2, 3) if name == "inner" else (3, 2))
    numpy_semantics(getattr(np, name), a.astype(np.float32), b.astype(np.float32))


@pytest.mark.parametrize("f", [lambda a, b: a * b[0], lambda a, b: a * np.sum(b),
                               lambda a, b: np.cross(a, b)], ids=["index", "sum", "cross"])
def test_float32_times_a_float64_value_of_a_traced_array_is_float64(f):
    numpy_semantics(f, np.ones(3, np.float32), np.array([2.0, 3.0, 0.5]))
