"""One check of a differentiable function under every transform, for the families' tests.

``every_transform(f, x)`` asserts, for a scalar ``f`` of an array ``x``:
``grad`` against central differences, ``jit`` and ``jit(grad)`` equal to
eager bit for bit, ``vmap`` of ``f`` and of ``grad`` equal to a Python loop
bit for bit, ``jvp`` equal to ``grad @ v``, and (where ``second``) the
Hessian against central differences of ``grad``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from conftest import fd
from program_battery import same

import tapegrad as tg


def every_transform(f: Callable[[Any], Any], x: np.ndarray, rtol: float = 1e-6,
                    second: bool = True) -> None:
    """Assert ``f``'s derivatives at ``x`` and its transforms' values (see the module)."""
    g = tg.grad(f)(x)
    np.testing.assert_allclose(g, fd(f, x), rtol=rtol, atol=rtol * 1e-2)
    assert same(tg.jit(f)(x), f(x)) and same(tg.jit(tg.grad(f))(x), g)
    batch = np.stack([x, x * 1.1 + 0.05, x[::-1].copy()])
    assert same(tg.vmap(f)(batch), np.stack([np.asarray(f(b)) for b in batch]))
    assert same(tg.vmap(tg.grad(f))(batch), np.stack([tg.grad(f)(b) for b in batch]))
    v = np.linspace(0.5, -1.0, x.size).reshape(x.shape)
    out, t = tg.jvp(f, (x,), (v,))
    np.testing.assert_allclose(out, f(x), rtol=1e-14)
    np.testing.assert_allclose(t, np.sum(g * v), rtol=1e-9, atol=1e-12)
    if second:
        h = tg.hessian(f)(x).reshape(x.size, x.size)
        want = np.stack([fd(lambda y, i=i: tg.grad(f)(y).ravel()[i], x).ravel()
                         for i in range(x.size)])
        np.testing.assert_allclose(h, want, rtol=1e-5, atol=1e-7)
