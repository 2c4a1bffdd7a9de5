"""JAX's ``tests/lax_numpy_ufuncs_test.py`` families, as NumPy's ufunc methods on traced values.

JAX checks ``ufunc.at``, ``reduceat``, ``reduce`` (with ``where`` and
``initial``), ``accumulate`` and ``outer`` of every binary ufunc (and ``at``
of every unary one) over a grid of shapes, axes and index shapes, against
NumPy and compiled. Here the same grid runs NumPy's own calls on traced
values: ``tg.jit`` (index passed as an argument too, so traced) gives
NumPy's bits, ``tg.vmap`` a Python loop's, and the derivatives of the
smooth ufuncs match central differences (``conftest.fd``), in both modes.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest

import tapegrad as tg
from tests.conftest import fd

BINARY = ["add", "subtract", "multiply", "divide", "maximum", "minimum", "fmax", "fmin",
          "power", "arctan2", "hypot", "logaddexp", "logaddexp2", "copysign", "fmod",
          "remainder", "floor_divide", "heaviside", "nextafter"]
SMOOTH = {"add", "subtract", "multiply", "divide", "maximum", "minimum", "fmax", "fmin",
          "power", "arctan2", "hypot", "logaddexp", "logaddexp2"}
INTEGER = ["add", "subtract", "multiply", "maximum", "minimum", "bitwise_and", "bitwise_or",
           "bitwise_xor", "floor_divide", "remainder", "gcd"]
UNARY = ["negative", "sin", "exp", "sqrt", "square", "tanh", "floor", "abs", "reciprocal",
         "log1p", "arctan", "sign"]
SHAPES = [(3,), (4,), (4, 3)]


def sample(shape: tuple[int, ...], dtype: Any, seed: int) -> np.ndarray:
    """Values away from 0 and from each other (power, divide, fmod stay tame)."""
    r = np.random.default_rng(seed)
    if np.dtype(dtype).kind in "iu":
        return r.integers(1, 9, shape).astype(dtype)
    return (r.uniform(0.5, 2.0, shape) * r.choice([-1.0, 1.0], shape)).astype(dtype)


def positive(x: np.ndarray, name: str) -> np.ndarray:
    return np.abs(x) if name in ("power", "sqrt", "log1p", "hypot") else x


def same(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


def numpy_at(ufunc: Any, x: np.ndarray, idx: Any, *y: Any) -> np.ndarray:
    c = x.copy()
    ufunc.at(c, idx, *y)
    return c


def traced_at(ufunc: Any) -> Any:
    def f(x: Any, idx: Any, *y: Any) -> Any:
        a = x.copy()
        ufunc.at(a, idx, *y)
        return a
    return f


def check_derivatives(f: Any, x: np.ndarray, ref: Any = None) -> None:
    """grad and jvp of ``sum(sin(f(x)))`` against central differences (of ``ref``, else ``f``)."""
    loss = lambda v: np.sum(np.sin(f(v)))            # noqa: E731
    want = fd(lambda v: np.sum(np.sin((ref or f)(v))), x)
    got = tg.grad(loss)(x)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    assert same(tg.jit(tg.grad(loss))(x), got)
    t = np.random.default_rng(5).standard_normal(x.shape)
    np.testing.assert_allclose(tg.jvp(loss, (x,), (t,))[1], np.sum(want * t), rtol=1e-6,
                               atol=1e-7)


def check_vmap(f: Any, xs: np.ndarray, ref: Any = None, ulp: bool = False) -> None:
    """``tg.vmap(f)`` against a Python loop of ``ref`` (``f`` itself on NumPy arrays)."""
    got, want = tg.vmap(f)(xs), np.stack([(ref or f)(x) for x in xs])
    if ulp:
        np.testing.assert_allclose(got, want, rtol=3e-16)
    else:
        assert same(got, want)


# ------------------------------------------------------------ ufunc.at
@pytest.mark.parametrize("idx_shape", [(), (2,), (5,)])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", BINARY)
def test_binary_ufunc_at(name, shape, idx_shape):
    ufunc = getattr(np, name)
    x = positive(sample(shape, np.float64, 1), name)
    y = positive(sample(idx_shape[1:] + shape[1:], np.float64, 2), name)
    idx = np.random.default_rng(3).integers(-shape[0], shape[0], idx_shape).astype(np.int32)
    want = numpy_at(ufunc, x, idx, y)
    f = traced_at(ufunc)
    assert same(tg.jit(lambda v, w: f(v, idx, w))(x, y), want)      # a constant index
    assert same(tg.jit(f)(x, idx, y), want)                          # a traced index
    check_vmap(lambda v: f(v, idx, y), np.stack([x, 2.0 * x, 0.5 * x]))
    if name in SMOOTH:
        check_derivatives(lambda v: f(v, idx, y), x)
        check_derivatives(lambda w: f(x + 0.0 * np.sum(w), idx, w), y)   # x traced


@pytest.mark.parametrize("name", INTEGER)
def test_integer_ufunc_at_under_jit_and_vmap(name):
    ufunc = getattr(np, name)
    x, y = sample((4, 3), np.int32, 1), sample((3,), np.int32, 2)
    idx = np.array([0, -1, 0, 2, 0], np.int32)
    f = traced_at(ufunc)
    assert same(tg.jit(f)(x, idx, y), numpy_at(ufunc, x, idx, y))
    check_vmap(lambda v: f(v, idx, y), np.stack([x, 2 * x, x + 3]))


@pytest.mark.parametrize("idx_shape", [(), (2,), (5,)])
@pytest.mark.parametrize("name", UNARY)
def test_unary_ufunc_at(name, idx_shape):
    ufunc = getattr(np, "absolute" if name == "abs" else name)
    x = positive(sample((4, 3), np.float64, 4), name)
    if name in ("sqrt", "log1p"):
        x = np.abs(x)
    if name == "exp":                         # exp(exp(...)) of a repeated index stays small
        x = 0.2 * x
    idx = np.random.default_rng(6).integers(-4, 4, idx_shape)
    want = numpy_at(ufunc, x, idx)
    f = traced_at(ufunc)
    assert same(tg.jit(lambda v: f(v, idx))(x), want)
    assert same(tg.jit(f)(x, idx.astype(np.int32)), want)
    check_vmap(lambda v: f(v, idx), np.stack([x, 1.5 * x]))
    if name not in ("floor", "sign", "abs"):
        check_derivatives(lambda v: f(v, idx), x)


def test_add_at_broadcasts_rows_as_numpy():
    # JAX's regression test: a (3, 3) update broadcast into rows of a (5, 3) array
    x, y, idx = np.ones((5, 3)), np.arange(9.0).reshape(3, 3), np.array([0, 4, 2])
    want = numpy_at(np.add, x, idx, y)
    f = traced_at(np.add)
    assert same(tg.jit(f)(x, idx, y), want)
    check_derivatives(lambda w: f(x + 0.0 * np.sum(w), idx, w), y)
    g = tg.grad(lambda w: np.sum(f(x + 0.0 * np.sum(w), np.array([1, 1, 1]), w) ** 2))(y)
    np.testing.assert_allclose(g, 2 * np.broadcast_to(1.0 + y.sum(0), (3, 3)))   # closed form


def test_add_at_adds_every_repeat_where_a_write_keeps_the_last():
    x = np.array([1.0, 2.0, 3.0])
    idx = np.array([0, 0, 0, 2])

    def at(v):
        a = np.zeros_like(v)
        np.add.at(a, idx, v[[0, 1, 2, 2]])
        return a

    def setitem(v):
        a = np.zeros_like(v)
        a[idx] += v[[0, 1, 2, 2]]
        return a
    assert same(tg.jit(at)(x), np.array([6.0, 0.0, 3.0]))
    assert same(tg.jit(setitem)(x), np.array([3.0, 0.0, 3.0]))
    np.testing.assert_array_equal(tg.jacobian(at)(x), [[1, 1, 1], [0, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(tg.jacobian(setitem)(x), [[0, 0, 1], [0, 0, 0], [0, 0, 1]])


def test_maximum_at_with_repeats_sends_the_derivative_to_the_winner():
    x = np.array([0.5, 3.0, -1.0, 2.0])

    def f(v):
        a = v[:2].copy()
        np.maximum.at(a, [0, 0, 1, 0], v)      # a[0] = max(v0, v0, v1, v3), a[1] = max(v1, v2)
        return a
    assert same(tg.jit(f)(x), numpy_at(np.maximum, x[:2], [0, 0, 1, 0], x))
    np.testing.assert_array_equal(tg.jacobian(f)(x), [[0, 1, 0, 0], [0, 1, 0, 0]])
    y = np.array([0.5, 3.0, -1.0, 4.0])                    # v3 wins a[0] now
    np.testing.assert_array_equal(tg.jacobian(f)(y), [[0, 0, 0, 1], [0, 1, 0, 0]])


def test_multiply_at_second_order():
    x = np.array([0.7, -1.3, 2.0])

    def f(v):
        a = np.ones_like(v)
        np.multiply.at(a, [0, 0, 1], v)       # a = [v0 * v1, v2, 1]
        return np.sum(a ** 2)
    h = tg.hessian(f)(x)
    want = np.array([[2 * x[1] ** 2, 4 * x[0] * x[1], 0], [4 * x[0] * x[1], 2 * x[0] ** 2, 0],
                     [0, 0, 2]])
    np.testing.assert_allclose(h, want, rtol=1e-14)
    assert same(tg.jit(tg.hessian(f))(x), h)


def test_at_into_numpy_or_argument_arrays_is_refused_naming_the_fix():
    x = np.array([1.0, 2.0])
    with pytest.raises(TypeError, match=r"np\.maximum\.at.*a = np\.zeros_like\(x\)"):
        tg.grad(lambda v: np.sum(np.maximum.at(np.zeros(2), [0, 1], v) or v))(x)
    with pytest.raises(TypeError, match=r"np\.add\.at writes into its array.*copy"):
        tg.jit(lambda v: np.sum(np.add.at(v, [0], 1.0) or v))(x)


# ------------------------------------------------------------ ufunc.reduceat
REDUCEAT = ["add", "subtract", "multiply", "divide", "maximum", "minimum", "fmax", "fmin",
            "hypot", "logaddexp", "arctan2", "copysign"]


def folded(ufunc: Any, x: np.ndarray, idx: Any, axis: int) -> np.ndarray:
    """The definition of ``ufunc.reduceat``: each segment folded from the left."""
    v = np.moveaxis(x, axis, 0)
    ends = [*idx[1:], len(v)]
    out = [functools.reduce(ufunc, v[i:j]) if j > i else v[i] for i, j in zip(idx, ends)]
    return np.moveaxis(np.array(out, x.dtype).reshape((len(idx),) + v.shape[1:]), 0, axis)


def test_arctan2_reduce_is_the_fold_numpy_accumulate_ends_with():
    # NumPy 2.4's own np.arctan2.reduce (and reduceat) of three or more gives
    # arctan2(x[0], x[-1]), skipping the middle; its accumulate folds, as tapegrad does
    x = np.array([1.0, 2.0, 3.0, 4.0])
    want = np.arctan2(np.arctan2(np.arctan2(1.0, 2.0), 3.0), 4.0)
    np.testing.assert_allclose(np.arctan2.accumulate(x)[-1], want, rtol=1e-15)
    assert tg.jit(np.arctan2.reduce)(x) == want
    assert tg.jit(lambda v: np.arctan2.reduceat(v, [0]))(x)[0] == want
    g = tg.grad(np.arctan2.reduce)(x)
    np.testing.assert_allclose(g, fd(lambda v: functools.reduce(np.arctan2, v), x), rtol=1e-7)


@pytest.mark.parametrize("idx_shape", [(0,), (3,), (5,)])
@pytest.mark.parametrize("shape, axis", [(s, a) for s in SHAPES for a in range(-len(s), len(s))])
@pytest.mark.parametrize("name", REDUCEAT)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_binary_ufunc_reduceat(name, shape, axis, idx_shape, dtype):
    ufunc = getattr(np, name)
    x = sample(shape, dtype, 7)
    idx = np.random.default_rng(8).integers(0, shape[axis], idx_shape)
    want = ufunc.reduceat(x, idx, axis=axis) if name != "arctan2" else folded(ufunc, x, idx, axis)
    f = lambda v: ufunc.reduceat(v, idx, axis=axis)        # noqa: E731
    assert same(tg.jit(f)(x), want)
    ref = (lambda v: folded(ufunc, v, idx, axis)) if name == "arctan2" else None
    check_vmap(f, np.stack([x, 2 * x, -x]), ref)
    if dtype is np.float64 and name in SMOOTH | {"hypot"}:
        check_derivatives(f, x, ref)


@pytest.mark.parametrize("name", ["add", "multiply"])
def test_reduceat_dtype(name):
    x = np.array([100] * 4, np.int8)
    ufunc = getattr(np, name)
    assert same(tg.jit(lambda v: ufunc.reduceat(v, [0], dtype=np.int32))(x),
                ufunc.reduceat(x, [0], dtype=np.int32))


def test_add_reduceat_overlapping_segments_closed_form():
    # indices [0, 4, 1, 5, 7]: segments x[0:4], x[4], x[1:5], x[5:7], x[7:]
    x = np.linspace(-1.0, 2.0, 8)
    idx = [0, 4, 1, 5, 7]
    jac = tg.jacobian(lambda v: np.add.reduceat(v, idx))(x)
    want = np.zeros((5, 8))
    for k, (i, j) in enumerate([(0, 4), (4, 5), (1, 5), (5, 7), (7, 8)]):
        want[k, i:j] = 1.0
    np.testing.assert_array_equal(jac, want)
    np.testing.assert_array_equal(tg.jacfwd(lambda v: np.add.reduceat(v, idx))(x), want)


def test_reduceat_refuses_out_of_range_as_numpy():
    with pytest.raises(IndexError, match="out-of-bounds"):
        tg.jit(lambda v: np.add.reduceat(v, [0, 3]))(np.ones(3))


# ------------------------------------------------- reduce, accumulate, outer
@pytest.mark.parametrize("shape, axis", [(s, a) for s in SHAPES + [(0, 3)]
                                         for a in range(-len(s), len(s))])
@pytest.mark.parametrize("name", ["add", "multiply", "maximum", "minimum"])
def test_reduce_where_initial(name, shape, axis):
    ufunc = getattr(np, name)
    x = sample(shape, np.float64, 9)
    where = np.random.default_rng(10).random(shape) < 0.6
    f = lambda v, w: ufunc.reduce(v, axis=axis, where=where, initial=w)   # noqa: E731
    assert same(tg.jit(f)(x, 0.75), ufunc.reduce(x, axis=axis, where=where, initial=0.75))
    check_vmap(lambda v: f(v, 0.75), np.stack([x, -x]))
    if x.size:
        check_derivatives(lambda v: f(v, 0.75), x)
        g = tg.grad(lambda v, w: np.sum(f(v, w)), argnums=(0, 1))(x, 0.75)[1]   # traced initial
        np.testing.assert_allclose(g, fd(lambda w: np.sum(f(x, w)), 0.75), rtol=1e-6)


@pytest.mark.parametrize("shape, axis", [(s, a) for s in SHAPES for a in range(-len(s), len(s))])
@pytest.mark.parametrize("name", BINARY)
def test_binary_ufunc_accumulate(name, shape, axis):
    ufunc = getattr(np, name)
    x = positive(sample(shape, np.float64, 11), name)
    f = lambda v: ufunc.accumulate(v, axis=axis)       # noqa: E731
    if name == "arctan2":     # NumPy's accumulate loop is 1 ulp away from its arctan2 of two
        np.testing.assert_allclose(tg.jit(f)(x), ufunc.accumulate(x, axis=axis), rtol=3e-16)
    else:
        assert same(tg.jit(f)(x), ufunc.accumulate(x, axis=axis))
    check_vmap(f, np.stack([x, 0.5 * x]), ulp=name == "arctan2")
    if name in SMOOTH:
        check_derivatives(f, x)


@pytest.mark.parametrize("rhs", [(), (1,), (3,), (1, 3), (4, 1), (4, 3)])
@pytest.mark.parametrize("lhs", [(), (1,), (3,), (4, 3)])
@pytest.mark.parametrize("name", BINARY)
def test_binary_ufunc_outer(name, lhs, rhs):
    ufunc = getattr(np, name)
    a = positive(sample(lhs, np.float64, 12), name)
    b = positive(sample(rhs, np.float64, 13), name)
    want = ufunc.outer(a, b)
    assert same(tg.jit(ufunc.outer)(a, b), want)
    if name in SMOOTH and lhs:
        check_derivatives(lambda v: ufunc.outer(v, b), a)
        check_vmap(lambda v: ufunc.outer(v, b), np.stack([a, 0.5 * a]))


@pytest.mark.parametrize("name", ["add", "maximum", "multiply"])
def test_at_with_a_batched_traced_index(name):
    # found here: np.maximum.at with an index batched by vmap read a[i] through the
    # constant-index getitem, whose batching broadcast failed
    ufunc = getattr(np, name)
    x = np.array([1.0, -2.0, 3.0, 0.5, 2.5])
    idxs = np.array([[0, 0, 3, 1, 0], [1, 2, 2, 2, 3], [-1, -1, 0, 2, 2]])

    def f(v, i):
        a = v[:4] * 1.0
        ufunc.at(a, i, v)
        return a
    want = np.stack([numpy_at(ufunc, x[:4], i, x) for i in idxs])
    assert same(tg.vmap(f, in_axes=(None, 0))(x, idxs), want)
    assert same(tg.jit(tg.vmap(f, in_axes=(None, 0)))(x, idxs), want)
    loss = lambda v: np.sum(tg.vmap(f, in_axes=(None, 0))(v, idxs) ** 2)      # noqa: E731
    looped = lambda v: sum(np.sum(f(v, i) ** 2) for i in idxs)               # noqa: E731
    np.testing.assert_allclose(tg.grad(loss)(x), tg.grad(looped)(x), rtol=1e-15)
    np.testing.assert_allclose(tg.grad(loss)(x), fd(looped, x), rtol=1e-7, atol=1e-8)
