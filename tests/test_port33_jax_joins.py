"""Cases after JAX's lax_numpy_test.py testHStack, testVStack, testConcatenate, testTrace: dtype.

``np.hstack``, ``np.vstack`` and ``np.linalg.trace`` on traced values take
NumPy's ``dtype`` (refused before), casting the data first as NumPy does.
``np.concatenate``, ``np.stack``, ``np.hstack`` and ``np.vstack`` cast
with NumPy's default ``casting="same_kind"``: a float to an integer dtype
is NumPy's ``TypeError`` under ``jit`` and ``vmap`` too (``jit`` returned
int64 where eager NumPy raises).
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tests.conftest import fd

X = np.random.default_rng(17).normal(size=(3, 4)) * 3
FUNS = {"hstack": lambda x, d: np.hstack([x, 2 * x], dtype=d),
        "vstack": lambda x, d: np.vstack([x, x[0]], dtype=d),
        "concatenate": lambda x, d: np.concatenate([x, x[:1]], dtype=d),
        "stack": lambda x, d: np.stack([x, -x], dtype=d),
        "linalg.trace": lambda x, d: np.linalg.trace(x[:, 1:], offset=-1, dtype=d)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("src", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("name", list(FUNS))
def test_joins_and_trace_with_a_dtype_are_numpys(name, src, dtype):
    x = X.astype(src)
    f = lambda m: FUNS[name](m, dtype)          # noqa: E731
    want = f(x)
    got = tg.jit(f)(x)
    assert got.dtype == want.dtype == dtype
    np.testing.assert_array_equal(got, want)
    batch = np.stack([x, 2 * x, x[::-1]])
    np.testing.assert_array_equal(tg.vmap(f)(batch), np.stack([f(m) for m in batch]))


@pytest.mark.parametrize("name", ["hstack", "vstack", "concatenate", "stack"])
def test_joining_floats_into_integers_is_numpys_casting_error(name):
    f = lambda m: FUNS[name](m, np.int64)        # noqa: E731
    for g in (f, tg.jit(f), lambda m: tg.vmap(f)(np.stack([m, m]))):
        with pytest.raises(TypeError, match="according to the rule 'same_kind'"):
            g(X)


def test_trace_into_an_integer_dtype_is_numpys():
    f = lambda m: np.linalg.trace(m[:, :3], dtype=np.int64)     # noqa: E731
    assert tg.jit(f)(X) == f(X) and tg.jit(f)(X).dtype == np.int64


@pytest.mark.parametrize("name", list(FUNS))
def test_a_float64_dtype_differentiates_as_without(name):
    loss = lambda m: np.sum(np.sin(FUNS[name](m, np.float64)))     # noqa: E731
    g = tg.grad(loss)(X)
    np.testing.assert_allclose(g, fd(loss, X), rtol=1e-6, atol=1e-8)
    _, t = tg.jvp(loss, (X,), (np.ones_like(X),))
    assert t == pytest.approx(np.sum(g), rel=1e-10)
