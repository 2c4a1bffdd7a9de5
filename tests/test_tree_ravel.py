"""tg.tree.ravel: a pytree as one flat vector and back (JAX's ravel_pytree)."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pytest

import tapegrad as tg

RNG = np.random.default_rng(0)


class Pair(NamedTuple):
    first: Any
    second: Any


def _same_leaf(a: Any, b: Any) -> None:
    """``a`` and ``b`` have the same type, shape, dtype and value."""
    assert type(a) is type(b), (a, b)
    assert np.shape(a) == np.shape(b)
    if isinstance(a, np.ndarray | np.generic):
        assert a.dtype == b.dtype
    np.testing.assert_array_equal(a, b)


def _same_tree(a: Any, b: Any) -> None:
    la, ta = tg.tree.flatten(a)
    lb, tb = tg.tree.flatten(b)
    assert ta == tb
    for x, y in zip(la, lb):
        _same_leaf(x, y)


TREES = [
    {"b": [1.0, (2.0, None)], "a": {"w": np.arange(6.0).reshape(2, 3), "e": []}},
    [(), {}, None, [np.ones((2, 0))], 3.5],
    Pair(np.float32(1.5), {"k": np.array(2.0)}),
    {"i64": np.arange(3, dtype=np.int64), "i32": np.arange(2, dtype=np.int32),
     "u8": np.array([7, 250], dtype=np.uint8), "b": True, "n": 4,
     "f32": np.ones((1, 2), np.float32), "s64": np.float64(-0.5), "s32": np.int32(3)},
    {"deep": [[[[[1.0]]]]], "empty": {"x": (), "y": [None]}},
    (),
    np.arange(4.0).reshape(2, 1, 2),
    2.0,
]


@pytest.mark.parametrize("tree", TREES, ids=range(len(TREES)))
def test_round_trip_keeps_structure_shapes_dtypes_and_values(tree):
    vec, unravel = tg.tree.ravel(tree)
    leaves = tg.tree.leaves(tree)
    assert vec.ndim == 1 and vec.dtype.kind == "f"
    expected = [np.ravel(x) for x in leaves]
    assert vec.size == sum(e.size for e in expected)
    if expected:
        np.testing.assert_array_equal(vec, np.concatenate(expected).astype(vec.dtype))
    _same_tree(unravel(vec), tree)


@pytest.mark.parametrize("leaves, dtype", [
    ([np.ones(2, np.float32), np.float32(1.0)], np.float32),
    ([np.ones(2, np.float32), 1.0, 2], np.float32),           # Python numbers are weak
    ([np.ones(2, np.float32), np.ones(1)], np.float64),
    ([np.ones(2, np.float32), np.arange(2, dtype=np.int64)], np.float64),
    ([np.arange(2, dtype=np.int32), 3], np.float64),           # no float leaf: float64
    ([np.array([1, 2], np.uint8), True], np.float64),
    ([1.0, 2.0], np.float64),
    ([], np.float64),
])
def test_vector_dtype_is_the_leaves_result_type_and_a_float(leaves, dtype):
    vec, unravel = tg.tree.ravel(leaves)
    assert vec.dtype == dtype
    _same_tree(unravel(vec), leaves)


def test_unravel_gives_new_arrays_and_takes_a_list():
    tree = {"w": np.ones((2, 2))}
    vec, unravel = tg.tree.ravel(tree)
    back = unravel(vec)
    vec[:] = 5.0
    np.testing.assert_array_equal(back["w"], np.ones((2, 2)))
    assert unravel([1.0, 2.0, 3.0, 4.0])["w"].tolist() == [[1.0, 2.0], [3.0, 4.0]]


@pytest.mark.parametrize("bad", [np.ones(4), np.ones(6), np.ones((5, 1)), 1.0])
def test_unravel_of_a_wrong_length_names_the_expected_length(bad):
    _, unravel = tg.tree.ravel({"w": np.ones((2, 2)), "b": 0.0})
    with pytest.raises(ValueError, match="length 5"):
        unravel(bad)


def test_unravel_of_a_wrong_length_inside_a_transform_is_the_same_error():
    _, unravel = tg.tree.ravel([1.0, 2.0])
    with pytest.raises(ValueError, match="length 2"):
        tg.grad(lambda v: tg.sum(unravel(v)[0]))(np.ones(3))


@pytest.mark.parametrize("leaf", ["text", 1 + 2j, np.array(["a"]), object()])
def test_a_leaf_that_is_not_a_real_number_is_refused_with_its_path(leaf):
    with pytest.raises(TypeError, match=r"\['b'\]\[1\].*real number"):
        tg.tree.ravel({"a": 1.0, "b": [2.0, leaf]})


# ------------------------------------------------------------ gradients
PARAMS = {"w": RNG.normal(size=(2, 3)), "b": [RNG.normal(size=3), 0.3], "s": (1.2,)}


def loss(p):
    h = tg.tanh(p["w"] @ p["b"][0] + p["b"][1])
    return tg.sum(h * h) * p["s"][0] + tg.sin(p["b"][1] * p["s"][0])


def central(f, v, eps=1e-6):
    """The gradient of ``f`` at the vector ``v`` by central differences."""
    out = np.zeros_like(v)
    for i in range(v.size):
        e = np.zeros_like(v)
        e[i] = eps
        out[i] = (f(v + e) - f(v - e)) / (2 * eps)
    return out


def test_gradient_through_unravel_matches_central_differences():
    vec, unravel = tg.tree.ravel(PARAMS)
    f = lambda v: loss(unravel(v))
    g = tg.grad(f)(vec)
    assert g.shape == vec.shape and g.dtype == np.float64
    np.testing.assert_allclose(g, central(f, vec), rtol=1e-6, atol=1e-8)
    # the same numbers as the gradient of the tree, raveled
    np.testing.assert_allclose(g, tg.tree.ravel(tg.grad(loss)(PARAMS))[0], rtol=1e-12)


def test_gradient_through_ravel_matches_central_differences():
    weights = RNG.normal(size=tg.tree.ravel(PARAMS)[0].size)
    g_tree = lambda p: tg.sum(tg.sin(tg.tree.ravel(p)[0]) * weights)
    grads = tg.grad(g_tree)(PARAMS)
    vec, unravel = tg.tree.ravel(PARAMS)
    expected = central(lambda v: g_tree(unravel(v)), vec)
    _same_tree_close(grads, unravel(expected))


def _same_tree_close(a, b):
    la, ta = tg.tree.flatten(a)
    lb, tb = tg.tree.flatten(b)
    assert ta == tb
    for x, y in zip(la, lb):
        assert np.shape(x) == np.shape(y)
        np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-8)


def test_second_order_through_unravel():
    vec, unravel = tg.tree.ravel(PARAMS)
    f = lambda v: loss(unravel(v))
    h = tg.hessian(f)(vec)
    fd = np.stack([central(lambda v, i=i: tg.grad(f)(v)[i], vec) for i in range(vec.size)])
    np.testing.assert_allclose(h, fd, rtol=1e-5, atol=1e-7)


# ------------------------------------------------------ jit, vmap, replay
def test_jit_equals_eager_bit_for_bit():
    vec, unravel = tg.tree.ravel(PARAMS)
    f = lambda v: loss(unravel(v))
    assert tg.jit(f)(vec) == f(vec)
    np.testing.assert_array_equal(tg.jit(tg.grad(f))(vec), tg.grad(f)(vec))
    flat = lambda p: tg.tree.ravel(p)[0]
    np.testing.assert_array_equal(tg.jit(flat)(PARAMS), flat(PARAMS))
    _same_tree(tg.jit(lambda v: unravel(v))(vec), unravel(vec))


def test_make_tape_replays_on_new_vectors():
    vec, unravel = tg.tree.ravel(PARAMS)
    f = lambda v: loss(unravel(v))
    tape = tg.make_tape(f)(vec)
    other = vec + 0.25
    assert tape(other) == f(other)


def test_vmap_equals_a_loop():
    vec, unravel = tg.tree.ravel(PARAMS)
    f = lambda v: loss(unravel(v))
    batch = vec + RNG.normal(size=(4, vec.size))
    np.testing.assert_allclose(tg.vmap(f)(batch), [f(v) for v in batch], rtol=1e-14)
    np.testing.assert_allclose(tg.vmap(tg.grad(f))(batch),
                               np.stack([tg.grad(f)(v) for v in batch]), rtol=1e-14)
    trees = {"w": RNG.normal(size=(4, 2, 3)), "b": RNG.normal(size=4)}
    flat = tg.vmap(lambda t: tg.tree.ravel(t)[0])(trees)
    loop = [tg.tree.ravel({"w": trees["w"][i], "b": trees["b"][i]})[0] for i in range(4)]
    np.testing.assert_array_equal(flat, np.stack(loop))


# ------------------------------------------------------------- float32
def test_float32_stays_float32_through_ravel_unravel_and_grad():
    p32 = {"w": np.ones((2, 2), np.float32), "b": np.float32(0.5)}
    vec, unravel = tg.tree.ravel(p32)
    assert vec.dtype == np.float32
    f = lambda v: tg.sum(unravel(v)["w"] * unravel(v)["b"])
    g = tg.grad(f)(vec)
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, np.array([4.0, 0.5, 0.5, 0.5, 0.5], np.float32))
    assert tg.jit(f)(vec).dtype == np.float32


def test_a_float32_leaf_in_a_float64_vector_comes_back_float32_under_grad():
    tree = {"a": np.ones(2, np.float32), "b": np.ones(1)}
    vec, unravel = tg.tree.ravel(tree)
    assert vec.dtype == np.float64
    seen = []

    def f(v):
        t = unravel(v)
        seen.append(t["a"].dtype)
        return tg.sum(t["a"] * 3.0) + tg.sum(t["b"])

    np.testing.assert_array_equal(tg.grad(f)(vec), [3.0, 3.0, 1.0])
    assert seen == [np.float32]
