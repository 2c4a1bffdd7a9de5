"""``np.copy(x, order=...)`` and ``x.copy(order=...)`` of a traced array: NumPy's layout.

The layout is what ``ravel(order="K")`` reads (and NumPy's sums follow): a
copy in "F" order, or in "K"/"A" order of a column-major array, is
column-major in NumPy, so its ``ravel(order="K")`` lists the columns first.
Checked eagerly, under ``jit``, ``vmap`` (against the loop), ``grad`` and
``jvp``, for float64 and float32.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

COPIES = {
    "np.copy F": lambda a: np.copy(a, order="F"), "np.copy K of a.T": lambda a: np.copy(a.T),
    "np.copy A of a.T": lambda a: np.copy(a.T, order="A"),
    "np.copy C of a.T": lambda a: np.copy(a.T, order="C"),
    "a.copy()": lambda a: a.copy(), "a.T.copy()": lambda a: a.T.copy(),
    "a.copy(F)": lambda a: a.copy(order="F"), "a.T.copy(K)": lambda a: a.T.copy(order="K"),
    "tg.copy F": lambda a: tg.copy(a, order="F"),
}
W = np.arange(1.0, 7.0)


def _flat(copy):
    return lambda a: np.ravel(copy(a), order="K")


@pytest.mark.parametrize("name", COPIES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_copy_in_an_order_ravels_as_numpys(name, dtype):
    a = np.arange(6.0).reshape(2, 3).astype(dtype)
    copy = COPIES[name]
    want = np.ravel(copy(a) if not name.startswith("tg.") else np.copy(a, order="F"),
                    order="K")
    f = _flat(copy)
    for run in (f, tg.jit(f)):
        got = run(a)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(tg.vmap(f)(np.stack([a, a + 1])), np.stack([want, f(a + 1)]))
    loss = lambda a: tg.sum(f(a) * W)       # noqa: E731  (a weight per memory position)
    g = tg.grad(loss)(a)
    fd = np.array([(loss(a + 1e-3 * e) - loss(a - 1e-3 * e)) / 2e-3
                   for e in np.eye(6).reshape(6, 2, 3)]).reshape(2, 3)
    np.testing.assert_allclose(g, fd, rtol=1e-3)
    np.testing.assert_array_equal(tg.jit(tg.grad(loss))(a), g)
    np.testing.assert_array_equal(tg.jvp(f, (a,), (a,))[1], want)
