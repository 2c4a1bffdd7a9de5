"""A large constant array a traced operation reads is watched, not copied.

Small arrays are copied as an operation reads them (``freezing.kept``), so a
later write into them cannot reach the derivative or a replay. A copy of a
large one would cost more than the operation (an eager ``grad`` of a loss
over a data matrix of 80 MB took 3x as long), so it is read in place and a
write into it after the read is refused when the function returns (where
the write changes one of the samples compared).
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.freezing import KEEP_BYTES

N = KEEP_BYTES // 8 + 1          # float64 numbers: one more than is copied


def _data() -> np.ndarray:
    return np.linspace(-1.0, 1.0, N)


def test_a_large_array_read_and_not_written_is_not_copied_and_differentiates():
    X = _data()
    seen = []

    def loss(w):
        s = X * w
        seen.append(s)
        return np.sum(s * s)
    g = tg.grad(loss)(1.5)
    assert g == pytest.approx(2.0 * 1.5 * np.sum(X * X), rel=1e-12)
    assert tg.jit(loss)(2.0) == loss(2.0)


@pytest.mark.parametrize("transform", [tg.grad, tg.jit, tg.value_and_grad,
                                       lambda f: tg.vmap(f)],
                         ids=["grad", "jit", "value_and_grad", "vmap"])
@pytest.mark.parametrize("where", [0, N - 1, slice(N // 3, N // 2), slice(None)],
                         ids=["first", "last", "a third", "all"])
def test_a_large_array_written_after_a_read_is_refused(transform, where):
    def loss(w):
        u = _data()
        s = u * w               # reads u
        u[where] = 7.0          # a later write: the record would read it
        return np.sum(s * s)
    arg = np.array([1.0, 2.0]) if transform is not tg.grad and transform is not tg.jit \
        and transform is not tg.value_and_grad else 1.5
    with pytest.raises(TypeError, match="written after an operation on a traced value"):
        transform(loss)(arg)


def test_a_small_array_written_after_a_read_keeps_what_the_operation_read():
    def loss(w):
        u = np.linspace(-1.0, 1.0, 16)
        s = u * w
        u += 9.0
        return np.sum(s * s)
    u = np.linspace(-1.0, 1.0, 16)
    assert tg.grad(loss)(1.5) == pytest.approx(2.0 * 1.5 * np.sum(u * u), rel=1e-12)


def test_a_large_array_written_before_any_read_is_fine():
    def loss(w):
        u = _data()
        u[0] = 3.0
        return np.sum((u * w) ** 2)
    u = _data()
    u[0] = 3.0
    assert tg.grad(loss)(0.5) == pytest.approx(2.0 * 0.5 * np.sum(u * u), rel=1e-12)
