"""vmap of a gather by a constant index array lays each example out as the example does.

``x[:, idx]`` (the batch behind a slice) keeps the batch axis innermost in
memory, where one example's ``x[idx]`` is C-ordered; ``np.convolve``'s
windows times its kernel then summed in another order (BLAS or not), and
``vmap(grad(f))`` came out an ulp off a Python loop of ``grad(f)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tapegrad as tg

rng = np.random.default_rng(7)
CASES = [(int(rng.integers(1, 9)), int(rng.integers(1, 9))) for _ in range(12)] + [(7, 6)]


def _functions(v: np.ndarray, mode: str) -> dict[str, Any]:
    return {
        "convolve(a, v)": lambda a: np.sum(np.sin(np.convolve(a, v, mode=mode))),
        "correlate(a, v)": lambda a: np.sum(np.sin(np.correlate(a, v, mode=mode))),
        "convolve(v, a)": lambda a: np.sum(np.sin(np.convolve(v, a, mode=mode))),
        "convolve(a, a[::-1])": lambda a: np.sum(np.sin(np.convolve(a, a[::-1], mode=mode))),
        "correlate(a, a)": lambda a: np.sum(np.cos(np.correlate(a, a, mode=mode))),
    }


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("n, m", CASES)
def test_vmap_grad_of_a_convolution_is_a_loop_of_grad_bit_for_bit(n: int, m: int,
                                                                   mode: str) -> None:
    r = np.random.default_rng(n * 10 + m)
    a_batch, v = r.normal(size=(5, n)), r.normal(size=m)
    for name, f in _functions(v, mode).items():
        loop = np.stack([tg.grad(f)(a) for a in a_batch])
        got = tg.vmap(tg.grad(f))(a_batch)
        assert got.dtype == loop.dtype and got.tobytes() == loop.tobytes(), name
        assert tg.jit(tg.vmap(tg.grad(f)))(a_batch).tobytes() == loop.tobytes(), name


def test_the_convolutions_gradient_is_the_central_difference() -> None:
    a, v = np.array([0.3, -1.2, 0.7, 2.0, 0.1, -0.4, 0.9]), np.array([0.5, -0.2, 1.1])
    for f in _functions(v, "full").values():
        tg.check_grads(f, (a,), order=2)


def test_a_product_of_gathered_rows_is_a_loop_bit_for_bit() -> None:
    idx = np.arange(12)[:, None] + np.arange(6)[None, :]
    w = np.random.default_rng(3).normal(size=(6, 1))
    xs = np.random.default_rng(4).normal(size=(9, 17))

    def f(x: Any) -> Any:
        return x[idx] @ w
    loop = np.stack([f(x) for x in xs])
    assert tg.vmap(f)(xs).tobytes() == loop.tobytes()
