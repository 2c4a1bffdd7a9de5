"""JAX's ``tests/lax_numpy_indexing_test.py`` and NumPy's indexing tests, ported.

JAX's STATIC_INDEXING_TESTS (ints, negative ints, slices with every stride,
out-of-range slice bounds, ``...``, ``None``, the empty tuple),
ADVANCED_INDEXING_TESTS (integer arrays and lists, broadcast against each
other, with repeats, whose derivative adds up: a scatter-add) and
MIXED_ADVANCED_INDEXING_TESTS (arrays beside slices, ``...`` and ``None``,
adjacent and separated, whose result axes NumPy moves first), and boolean
masks, each on a traced float array under every transform
(``port8_check.check``): NumPy's value and dtype, ``grad`` against central
differences, ``jit`` bit for bit, ``vmap`` against a loop, ``jit(grad)``
and ``vmap(grad)``.
"""

from __future__ import annotations

import numpy as np
import pytest
from port8_check import check, same

import tapegrad as tg

STATIC = [  # (shape, index): JAX's STATIC_INDEXING_TESTS
    ((3,), 1), ((3, 3), 0), ((3, 4, 5), 2), ((3,), -1), ((3,), -2),
    ((3, 3), (2, 1)), ((3, 4, 5), (1, 2)), ((3, 4, 5), (-1, 2)), ((3, 4, 5), (1, 2, 3)),
    ((10,), slice(1, 3)), ((10,), slice(1, -1)), ((10,), slice(None, -1)),
    ((10, 8), slice(-3, None)), ((10,), slice(3, 1, -1)), ((10,), slice(1, 8, -1)),
    ((10,), slice(None, 1, -2)), ((10,), slice(None, None, -1)), ((10, 8), slice(0, 8, -1)),
    ((10,), slice(0, 8, 3)), ((10,), slice(1, None, 2)), ((10, 8), slice(None, None, -2)),
    ((10, 8), (slice(None, None, -1), slice(None, 2))),
    ((10, 8, 3), (slice(1, None), slice(0, 2))),
    ((3, 4), (slice(None), slice(None))), ((10, 4), (1, slice(None))),
    ((3,), Ellipsis), ((3, 4, 5), (0, Ellipsis)), ((3, 4, 5), (Ellipsis, 2, 3)),
    ((), None), ((), (None, None)), ((), (Ellipsis, None)), ((3, 4), (Ellipsis, None)),
    ((3, 4), (0, None, Ellipsis)), ((3, 4, 5), (1, None, Ellipsis)),
    ((), ()), ((3, 4), ()),
    ((3, 2, 3), (0, slice(None), np.arange(3))),
    ((3, 2, 3), (np.int32(1), slice(None), np.arange(3))),
    ((3, 2, 3), (np.array(2), slice(None), np.arange(3))),
    # slice bounds out of range are clipped (NumPy's and JAX's out-of-bounds slices)
    ((5,), slice(-10, 10)), ((5,), slice(3, 100)), ((5,), slice(100, 200)),
    ((5, 2), slice(-100, 2)),
    ((5,), slice(10, -10, -1)), ((5,), slice(2, 2)), ((0,), slice(None)),
    ((0, 3), (slice(None), 1)),
]

ADVANCED = [  # JAX's ADVANCED_INDEXING_TESTS, repeats included
    ((3,), np.array([0, 1])), ((3, 3), np.array([1, 2, 1])), ((3, 4, 5), np.array([0, 2, 0, 1])),
    ((3,), np.array([-1, 1])), ((3,), np.array([-2, -1])), ((0,), np.array([], dtype=np.int32)),
    ((3,), np.array([[0, 0]])), ((3, 3), np.array([[1, 2, 1], [0, 1, -1]])),
    ((3, 3), (np.array([0, 1]), np.array([1, 2]))),
    ((3, 4, 5), (np.array([0, 2, 0, 1]), np.array([-1, 0, -1, 2]))),
    ((3, 3), (np.array([[0, 1]]), np.array([1, 2]))),
    ((3, 4, 5), (np.array([[0, 2, 0, 1]]), np.array([-1, 0, -1, 2]))),
    ((3,), np.array([0, 1, 0])), ((3, 4, 5), ([0, 1],)),
    ((3, 4, 5), ([[0], [-1]], [[2, 3, 0, 3]])), ((3, 4, 5), (0, np.array([0, 1]))),
    ((3, 4, 5), (0, 1, np.array([[2, 3, 0, 3]]))), ((3, 4, 5), ([0, 1], np.array([0]))),
    ((3, 4, 5), ([[0], [-1]], np.array([[2, 3, 0, 3]]))), ((4,), [3, 3, 3]), ((4,), []),
]

MIXED = [  # JAX's MIXED_ADVANCED_INDEXING_TESTS: where NumPy puts the advanced axes
    ((2, 3), (np.array([0, 1]), slice(1, 2))), ((2, 3), (slice(0, 2), np.array([0, 2]))),
    ((3, 4, 5), (Ellipsis, np.array([0, 2]), slice(None))),
    ((3, 4, 5), (Ellipsis, np.array([[0, 2], [1, 3]]), slice(None))),
    ((3, 4, 5), (Ellipsis, np.array([0, 2]), np.array([-1, 2]))),
    ((3, 4, 5), (np.array([0, 2]), Ellipsis, np.array([-1, 2]))),
    ((3, 4, 5), (np.array([0, 2]), np.array([-1, 2]), Ellipsis)),
    ((3, 4, 5), (np.array([0, 2]), np.array([-1, 2]), slice(1, 3))),
    ((3, 4, 5), (np.array([0, 2]), slice(1, 3), np.array([-1, 2]))),
    ((3, 4, 5), (np.array([0, 2, -2]), slice(None, None, 2), np.array([-1, 2, 1]))),
    ((3, 4, 5), (np.array([0, 2]), None, np.array([-1, 2]))),
    ((3, 4, 5), (np.array([0, 2]), slice(None), None)),
    ((3, 4, 5), (None, np.array([0, 2]), slice(None), np.array([1, 1]))),
    ((3, 4, 5), (1, slice(None), np.array([0, 3, 3]))),
    ((3, 4), (1, 2, Ellipsis)), ((3, 4), (Ellipsis, 1, 2)), ((3, 4), (np.array(1), Ellipsis, 2)),
    ((3, 4, 5), (np.array([0, 2]), 1, slice(None))),
    ((3, 4, 5), (slice(None), np.array([0, 2]), 1)),
    ((3, 4, 5), (np.array([[0], [2]]), slice(1, 3), np.array([[1, 0, 4]]))),
]

BOOLEAN = [  # constant masks: NumPy's boolean indexing (a traced mask is refused)
    ((3,), np.array([True, False, True])), ((3, 4), np.array([True, False, True])),
    ((3, 4), np.arange(12).reshape(3, 4) % 5 == 0),
    ((3, 4), (slice(None), np.array([1, 0, 0, 1], bool))),
    ((3, 4, 5), (np.array([True, False, True]), slice(None), 2)),
    ((3,), np.zeros(3, bool)), ((2, 3), (np.array([True, True]), np.array([0, 2]))),
    ((3,), True), ((3,), False), ((), np.True_),
]


def _x(shape):
    return np.linspace(-1.3, 2.1, int(np.prod(shape))).reshape(shape)


def _ids(cases):
    return [f"{s}-{i!r}".replace("\n", "")[:60] for s, i in cases]


@pytest.mark.parametrize("shape, index", STATIC + ADVANCED + MIXED + BOOLEAN,
                         ids=_ids(STATIC + ADVANCED + MIXED + BOOLEAN))
def test_constant_index_under_every_transform(shape, index):
    x = _x(shape)
    check(lambda v: v[index], x, expected=x[index])


def test_an_index_with_an_ellipsis_gives_numpys_0d_array_under_every_transform():
    # NumPy: x[1, 2] is a scalar, x[1, 2, ...] a 0-d array (a view); so under grad too
    x = _x((3, 4))
    for f in (lambda v: v[1, 2, ...], lambda v: v[1][..., 2], lambda v: v[1, 2][...]):
        assert type(f(x)) is np.ndarray and f(x).shape == ()
        value, g = tg.value_and_grad(lambda v, f=f: f(v) * 1.0)(x)
        assert same(value, f(x) * 1.0)
        assert same(tg.jit(f)(x), f(x))
        assert type(tg.jvp(f, (x,), (x,))[0]) is np.ndarray


INT_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
              np.uint64, np.intp]


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=lambda d: d.__name__)
def test_index_arrays_of_every_integer_dtype(dtype):
    x, i = _x((3, 4)), np.array([2, 0, 2], dtype)
    check(lambda v: v[i], x, expected=x[i])
    check(lambda v: v[1:, i[:2]], x, expected=x[1:, i[:2]])


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=lambda d: d.__name__)
def test_traced_integer_indices_of_every_dtype(dtype):
    # an int array argument of jit and vmap is traced: a gather, its derivative a scatter-add
    x, i = _x((3, 4)), np.array([2, 0, 2], dtype)

    def f(v, k):
        return np.sum(np.sin(v[k, 1:]) * v[k, :1])
    g = tg.grad(f)(x, i)
    assert same(tg.jit(f)(x, i), f(x, i))
    assert same(tg.jit(tg.grad(f))(x, i), g)
    ks = np.stack([i, i[::-1], i % 2]).astype(dtype)
    assert same(tg.vmap(f, in_axes=(None, 0))(x, ks), np.stack([f(x, k) for k in ks]))
    assert same(tg.vmap(tg.grad(f), in_axes=(None, 0))(x, ks),
                np.stack([tg.grad(f)(x, k) for k in ks]))


def test_repeated_indices_add_up_in_the_gradient():
    # x[[0, 0, 2]]: row 0 read twice, so its gradient is twice the cotangent (scatter-add)
    x = _x((3, 2))
    g = tg.grad(lambda v: np.sum(v[[0, 0, 2]] * np.array([[1.0], [2.0], [5.0]])))(x)
    assert same(g, np.array([[3.0, 3.0], [0.0, 0.0], [5.0, 5.0]]))
    gj = tg.jit(tg.grad(lambda v, k: np.sum(v[k, 1])))(x, np.array([1, 1, 1, 0]))
    assert same(gj, np.array([[0.0, 1.0], [0.0, 3.0], [0.0, 0.0]]))


def test_indices_computed_from_traced_values():
    def f(v):
        k = np.floor(np.abs(v[0]) * 2).astype(int) % 4     # integer data from the values
        return v[1][k] * v[2][k] + v[2, np.argmax(v[1])]
    check(f, _x((3, 4)))
    check(lambda v: np.take_along_axis(v, np.argsort(v, axis=0), axis=0),
          _x((3, 4)) * np.array([1.0, -1.0, 1.0, -1.0]))
