"""The checks every ``test_port8_*`` case runs: one function of one float array, every transform.

``check(f, x)``: ``f(x)`` of the plain array is NumPy's (the case computes
it with NumPy only); ``tg.grad`` of ``sum(f(x) * w)`` agrees with central
differences; ``tg.jit`` equals eager bit for bit (value, dtype and type);
``tg.vmap`` over a batch equals a Python loop bit for bit; ``jit(grad)``
equals ``grad`` bit for bit and ``vmap(grad)`` a loop of ``grad``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from conftest import fd

import tapegrad as tg


def same(a: Any, b: Any) -> bool:
    """Equal bits, dtype, shape and type (a NumPy scalar is not a 0-d array)."""
    if type(a) is not type(b):
        return False
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def weights(shape: tuple[int, ...]) -> np.ndarray:
    """Fixed, distinct weights, so a scalar loss sees every output element."""
    return np.linspace(0.5, 1.7, int(np.prod(shape))).reshape(shape) if shape else np.array(1.3)


def scalar_loss(f: Callable[[Any], Any], shape: tuple[int, ...]) -> Callable[[Any], Any]:
    w = weights(shape)
    return lambda x: np.sum(np.sin(f(x)) * w)


def batch_of(x: np.ndarray, n: int = 3) -> np.ndarray:
    return np.stack([x * (1.0 + 0.25 * k) - 0.1 * k for k in range(n)]).astype(x.dtype)


def check(f: Callable[[Any], Any], x: np.ndarray, expected: Any = None,
          grad: bool = True, vmap: bool = True, rtol: float = 1e-6) -> None:
    """Every transform of ``f`` at ``x`` (see the module's docstring)."""
    eager = f(x)
    if expected is not None:
        assert same(eager, expected), (eager, expected)
    assert same(tg.jit(f)(x), eager)
    if vmap:
        xs = batch_of(x)
        loop = np.stack([f(xi) for xi in xs])
        assert same(tg.vmap(f)(xs), loop)
    if not grad:
        return
    loss = scalar_loss(f, np.shape(eager))
    g = tg.grad(loss)(x)
    np.testing.assert_allclose(g, fd(loss, x), rtol=rtol, atol=rtol)
    assert same(tg.jit(tg.grad(loss))(x), g)
    if vmap:
        assert same(tg.vmap(tg.grad(loss))(xs), np.stack([tg.grad(loss)(xi) for xi in xs]))
