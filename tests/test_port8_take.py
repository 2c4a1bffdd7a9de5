"""NumPy's ``np.take`` and ``np.take_along_axis`` tests (``test_item_selection``,
``test_shape_base``) and JAX's ``testTake``/``testTakeAlongAxis``, ported.

Every axis (and ``None``, the flattened array), the modes ``"raise"``,
``"wrap"`` and ``"clip"`` with out-of-range and negative indices, a scalar
index, index arrays of several integer dtypes and of several axes, the
method ``x.take``, and ``take_along_axis`` with broadcast and negative
indices and with the indices of ``argsort``/``argmax`` of the same value,
each under every transform (``port8_check.check``). ``tg.take`` gathers
from a constant NumPy array with traced indices, where ``E[i]`` cannot.
"""

from __future__ import annotations

import numpy as np
import pytest
from port8_check import check, same

import tapegrad as tg

X = np.linspace(-1.3, 2.1, 12).reshape(3, 4)

TAKE = [  # (indices, axis, mode)
    (np.array([[1, 0], [2, 2]]), 0, "raise"), (np.array([[1, 0], [3, 3]]), 1, "raise"),
    (np.array([[1, 0], [11, 11]]), None, "raise"), (np.array([-1, -3]), -1, "raise"),
    (2, 0, "raise"), (np.int16(3), 1, "raise"), (np.array(5), None, "raise"),
    (np.array([5, -7, 2]), 0, "wrap"), (np.array([5, -7, 2]), 1, "wrap"),
    (np.array([50, -7, 2]), None, "wrap"), (np.array([5, -7, 2]), 0, "clip"),
    (np.array([5, -7, 2]), 1, "clip"), (np.array([50, -7, 2]), None, "clip"),
    (np.array([1, 1], np.uint8), 0, "raise"), (np.array([3, 0], np.int32), 1, "clip"),
    (np.zeros(0, int), 1, "raise"), ([2, 2, 0], 0, "raise"),
]


@pytest.mark.parametrize("indices, axis, mode", TAKE,
                         ids=[f"{i!r}-{a}-{m}".replace("\n", "") for i, a, m in TAKE])
def test_take_under_every_transform(indices, axis, mode):
    expected = np.take(X, indices, axis=axis, mode=mode)
    check(lambda v: np.take(v, indices, axis=axis, mode=mode), X, expected=expected)
    check(lambda v: v.take(indices, axis=axis, mode=mode), X, expected=expected)


ALONG = [  # (indices, axis)
    (np.array([[0, 2, 1, 0], [2, 2, 0, 1]]), 0), (np.array([[3, 0], [1, 1], [0, 2]]), 1),
    (np.array([11, 0, 5]), None), (np.array([[-1], [-2], [0]]), 1), (np.array([[3, 1]]), 1),
    (np.array([[3], [2], [0]], np.int32), -1), (np.array([[3], [2], [0]], np.uint8), -1),
    (np.array([[1, 1, 1, 1]]), 0),
]


@pytest.mark.parametrize("indices, axis", ALONG, ids=[f"{a}-{i.tolist()}" for i, a in ALONG])
def test_take_along_axis_under_every_transform(indices, axis):
    expected = np.take_along_axis(X, indices, axis=axis)
    check(lambda v: np.take_along_axis(v, indices, axis=axis), X, expected=expected)


@pytest.mark.parametrize("axis", [0, 1])
def test_take_along_axis_of_the_values_own_argsort_and_argmax(axis):
    x = X * np.array([1.0, -1.0, 1.0, -1.0])

    def sorted_(v):
        return np.take_along_axis(v, np.argsort(v, axis=axis), axis=axis)

    def top(v):
        return np.take_along_axis(v, np.expand_dims(np.argmax(v, axis=axis), axis), axis=axis)
    check(sorted_, x, expected=np.sort(x, axis=axis))
    check(top, x, expected=np.max(x, axis=axis, keepdims=True))


def test_tg_take_gathers_from_a_constant_with_traced_indices():
    E = np.arange(12.0).reshape(4, 3)     # noqa: N806  (an embedding table)
    ks = np.array([[1, 1, 3], [0, 2, 2]])
    f = lambda k, w: np.sum(tg.take(E, k, axis=0) * w)     # noqa: E731
    w = np.array([0.5, -1.0, 2.0])[:, None]
    assert same(tg.jit(f)(ks[0], w), f(ks[0], w))
    assert same(tg.vmap(f, in_axes=(0, None))(ks, w), np.stack([f(k, w) for k in ks]))
    g = tg.grad(lambda t: np.sum(np.take(t, ks[0], axis=0) * w))(E)
    assert same(g, np.array([[0.0] * 3, [-0.5] * 3, [0.0] * 3, [2.0] * 3]))
