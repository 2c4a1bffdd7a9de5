"""A write into a result NumPy makes read-only is NumPy's ValueError, in every transform.

``np.diagonal`` (``a.diagonal()``, ``np.diag`` of a matrix), ``np.broadcast_to``
and ``sliding_window_view`` return read-only views in NumPy. tapegrad's results
are new arrays, which a write would have changed silently; it refuses the write
with NumPy's error instead, eagerly and under ``grad``, ``jit``, ``vmap`` and
their compositions. A copy of one is writable, as NumPy's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import tapegrad as tg

MAKERS: dict[str, Callable[[Any], Any]] = {
    "np.diagonal": np.diagonal, "a.diagonal()": lambda a: a.diagonal(),
    "np.diagonal(offset=1)": lambda a: np.diagonal(a, 1), "np.diag": np.diag,
    "tg.diagonal": tg.diagonal,
    "np.broadcast_to": lambda a: np.broadcast_to(a[0], (2, 3)),
    "tg.broadcast_to": lambda a: tg.broadcast_to(a[0], (2, 3)),
    "sliding_window_view": lambda a: sliding_window_view(a[0], 2),
}
WRITES: dict[str, tuple[Callable[[Any], Any], str]] = {
    "d[0] = v": (lambda d: d.__setitem__(0, 5.0), "assignment destination is read-only"),
    "d[...] = v": (lambda d: d.__setitem__(Ellipsis, 5.0),
                   "assignment destination is read-only"),
    "d += v": (lambda d: d.__iadd__(1.0), "output array is read-only"),
    "np.copyto": (lambda d: np.copyto(d, 2.0), "read-only"),
}
TRANSFORMS: dict[str, Callable[[Callable[[Any], Any]], Callable[[Any], Any]]] = {
    "eager": lambda f: f,
    "grad": lambda f: tg.grad(lambda a: tg.sum(f(a))),
    "jit": tg.jit,
    "jit(grad)": lambda f: tg.jit(tg.grad(lambda a: tg.sum(f(a)))),
    "vmap": lambda f: lambda a: tg.vmap(f)(np.stack([a, a + 1.0])),
    "vmap(grad)": lambda f: lambda a: tg.vmap(tg.grad(lambda a: tg.sum(f(a))))(
        np.stack([a, a + 1.0])),
    "jvp": lambda f: lambda a: tg.jvp(f, (a,), (np.ones_like(a),)),
}
A = np.arange(9.0).reshape(3, 3)


@pytest.mark.parametrize("maker", MAKERS)
@pytest.mark.parametrize("write", WRITES)
def test_numpy_refuses_the_write(maker: str, write: str) -> None:
    """The premise, on NumPy alone (the tg.* names aside)."""
    if maker.startswith("tg."):
        pytest.skip("tapegrad's own name")
    how, message = WRITES[write]
    with pytest.raises(ValueError, match=message):
        how(MAKERS[maker](A.copy()))


@pytest.mark.parametrize("maker", MAKERS)
@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("transform", TRANSFORMS)
def test_every_transform_refuses_it_as_numpy_does(maker: str, write: str,
                                                  transform: str) -> None:
    how, message = WRITES[write]

    def f(a: Any) -> Any:
        d = MAKERS[maker](a)
        how(d)
        return d * 2.0
    for dtype in (np.float64, np.float32):
        with pytest.raises(ValueError, match=message):
            TRANSFORMS[transform](f)(A.astype(dtype))


@pytest.mark.parametrize("maker", MAKERS)
@pytest.mark.parametrize("transform", TRANSFORMS)
def test_a_copy_is_writable_and_differentiable(maker: str, transform: str) -> None:
    def f(a: Any) -> Any:
        d = MAKERS[maker](a).copy()
        d[0] = d[0] * 3.0
        d += 1.0
        return d * a[1, 1]

    def eager(a: Any) -> Any:
        return TRANSFORMS[transform](f)(a)
    want = TRANSFORMS[transform.replace("jit(grad)", "grad").replace("jit", "eager")](f)(A)
    got = eager(A)
    for g, w in zip(tg.tree.leaves(got), tg.tree.leaves(want), strict=True):
        np.testing.assert_array_equal(g, w)
    if transform == "eager":                              # NumPy's numbers
        d = MAKERS[maker](A).copy() if not maker.startswith("tg.") else None
        if d is not None:
            d[0] = d[0] * 3.0
            d += 1.0
            np.testing.assert_array_equal(got, d * A[1, 1])


def test_a_writeable_sliding_window_view_is_a_view_refused_by_name() -> None:
    """NumPy's writeable windows write into ``x``: tapegrad refuses, naming the copy."""
    def f(x: Any) -> Any:
        w = sliding_window_view(x, 2, writeable=True)
        w[0, 0] = 5.0
        return w
    for run, x in ((tg.jit(f), np.ones(3)), (tg.vmap(f), np.ones((2, 3))),
                   (tg.grad(lambda x: tg.sum(f(x))), np.ones(3))):
        with pytest.raises(TypeError, match=r"writable view.*x = x.copy\(\)"):
            run(x)


def test_an_array_made_otherwise_stays_writable() -> None:
    """The marks are of those results alone: a sum of one, a product, a slice's copy."""
    def f(a: Any) -> Any:
        d = np.diagonal(a) * 1.0
        d[0] = 7.0
        e = np.broadcast_to(a[0], (2, 3)) + 0.0
        e[1, 1] = d[0] * a[0, 0]
        return tg.sum(d) + tg.sum(e)
    want = f(A)
    assert tg.jit(f)(A) == want
    np.testing.assert_array_equal(tg.grad(f)(A), tg.jit(tg.grad(f))(A))
