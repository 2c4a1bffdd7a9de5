"""NumPy functions answering with an integer or a bool: NumPy's type under jit, vmap and replay.

``np.count_nonzero(x > 0)`` is NumPy's ``np.int64`` and ``x.all()`` an
``np.bool_``; ``jit`` returns what eager returns, type for type, and
``vmap`` what a Python loop over the examples stacks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tapegrad as tg

X = np.array([1.0, -2.0, 3.0, 0.0])
K = np.array([3, 1, 2, 0])
FUNCTIONS = {
    "count_nonzero(x > 0)": lambda x, k: np.count_nonzero(x > 0),
    "count_nonzero(x)": lambda x, k: np.count_nonzero(x),
    "count_nonzero(x[0])": lambda x, k: np.count_nonzero(x[0]),
    "count_nonzero(x > 0) + 1": lambda x, k: np.count_nonzero(x > 0) + 1,
    "count_nonzero keepdims": lambda x, k: np.count_nonzero(x.reshape(2, 2), keepdims=True),
    "count_nonzero axis=0": lambda x, k: np.count_nonzero(x.reshape(2, 2) > 0, axis=0),
    "count_nonzero(k)": lambda x, k: np.count_nonzero(k),
    "tg.count_nonzero(x)": lambda x, k: tg.count_nonzero(x),
    "isfinite(x).all()": lambda x, k: np.isfinite(x).all(),
    "(x > 0).any()": lambda x, k: (x > 0).any(),
    "(x[0] > 0).all()": lambda x, k: (x[0] > 0).all(),
    "np.any(x > 0)": lambda x, k: np.any(x > 0),
    "argmax": lambda x, k: np.argmax(x),
    "argmin": lambda x, k: np.argmin(x),
    "x.argmax() + 1": lambda x, k: x.argmax() + 1,
    "sum(x > 0)": lambda x, k: np.sum(x > 0),
    "(x > 0).sum()": lambda x, k: (x > 0).sum(),
    "searchsorted": lambda x, k: np.searchsorted(np.array([0.0, 1.5, 4.0]), x[0]),
    "size": lambda x, k: np.size(x),
    "ndim": lambda x, k: np.ndim(x),
    "len": lambda x, k: len(x),
    "sum(k)": lambda x, k: np.sum(k),
    "count_nonzero(x > 0) / size": lambda x, k: np.count_nonzero(x > 0) / x.size,
}


def same(a: Any, b: Any) -> bool:
    """Equal bits, dtype, shape and type."""
    if type(a) is not type(b):
        return False
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_jit_returns_numpys_integer_and_bool_types(name: str) -> None:
    f = FUNCTIONS[name]
    jf = tg.jit(f)
    for x in (X, -X, X[::-1] * 2.0 - 1.0):
        assert same(jf(x, K), f(x, K)), (repr(jf(x, K)), repr(f(x, K)))


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_vmap_of_an_integer_answer_equals_a_python_loop(name: str) -> None:
    f = FUNCTIONS[name]
    xs, ks = np.stack([X, -X, X[::-1] * 2.0 - 1.0]), np.stack([K, K[::-1], K * 0])
    want = np.stack([np.asarray(f(x, k)) for x, k in zip(xs, ks)])
    got = tg.vmap(f)(xs, ks)
    assert got.dtype == want.dtype and got.shape == want.shape and np.array_equal(got, want)


def test_a_count_scales_a_gradient_as_in_eager() -> None:
    def f(x: Any) -> Any:
        return np.sum(x * x) * np.count_nonzero(x > 0)
    g = tg.grad(f)
    for x in (X, -X):
        assert same(tg.jit(g)(x), g(x))
        np.testing.assert_allclose(g(x), 2.0 * x * np.count_nonzero(x > 0))


def test_tg_count_nonzero_of_an_array_is_numpys() -> None:
    assert same(tg.count_nonzero(X), np.count_nonzero(X))
