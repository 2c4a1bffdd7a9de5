"""SciPy's discrete cosine transforms on traced values, as ``jax.scipy.fft`` has them.

A DCT is real and linear: ``dct(x, type, n, axis, norm)`` is the product of
``x`` along ``axis`` with SciPy's ``n``-by-``n`` cosine matrix of that type
(1 to 4) and ``norm`` (``None``/``"backward"``, ``"ortho"``, ``"forward"``),
built with NumPy from SciPy's formulas; ``idct`` uses the inverse matrix,
and ``dctn``/``idctn`` apply them along each of ``axes``. So they
differentiate (the cotangent meets the transposed matrix), jit and vmap as
``np.tensordot`` does; the values are SciPy's within a few ulps (SciPy
computes with an FFT). ``n`` pads with zeros or truncates, as SciPy's.
The complex transforms (``fft``, ``rfft``) are refused: tapegrad computes
on real numbers.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..padding import pad
from ..values import primal_value, shape_of

__all__ = ["dct", "dctn", "idct", "idctn"]

Number = Any


def _unscaled(kind: int, n: int) -> np.ndarray:
    """SciPy's backward (unnormalized) DCT matrix: ``y = M @ x``."""
    k, j = np.arange(n)[:, None], np.arange(n)[None, :]
    if kind == 1:
        if n == 1:
            return np.ones((1, 1))
        m = 2.0 * np.cos(np.pi * k * j / (n - 1))
        m[:, 0] = 1.0
        m[:, -1] = (-1.0) ** np.arange(n)
        return m
    if kind == 2:
        return 2.0 * np.cos(np.pi * k * (2 * j + 1) / (2 * n))
    if kind == 3:
        m = 2.0 * np.cos(np.pi * (2 * k + 1) * j / (2 * n))
        m[:, 0] = 1.0
        return m
    return 2.0 * np.cos(np.pi * (2 * k + 1) * (2 * j + 1) / (4 * n))


@functools.lru_cache(maxsize=64)
def _matrix(kind: int, n: int, norm: str | None, inverse: bool) -> np.ndarray:
    """The transform's matrix (read-only): SciPy's ``dct``, or its inverse for ``idct``."""
    m = _unscaled(kind, n)
    if norm == "forward":
        m = m / (2.0 * (n - 1) if kind == 1 else 2.0 * n)
    elif norm == "ortho":
        m = _ortho(kind, n, m)
    out = np.linalg.inv(m) if inverse else m
    out.setflags(write=False)
    return out


def _ortho(kind: int, n: int, m: np.ndarray) -> np.ndarray:
    """SciPy's orthonormal scaling of the backward matrix ``m``."""
    if kind == 1:
        d = np.ones(n)
        d[0] = d[-1] = np.sqrt(2.0)
        return (m * d[None, :] / d[:, None]) / np.sqrt(2.0 * (n - 1)) if n > 1 else m
    if kind == 2:
        f = np.full(n, np.sqrt(1.0 / (2.0 * n)))
        f[0] = np.sqrt(1.0 / (4.0 * n))
        return m * f[:, None]
    if kind == 3:                        # the inverse of the orthonormal type 2: its transpose
        return _ortho(2, n, _unscaled(2, n)).T
    return m / np.sqrt(2.0 * n)


def _resized(x: Number, n: int | None, axis: int) -> Number:
    """``x`` zero-padded or truncated to ``n`` along ``axis``, as SciPy's ``n=``."""
    have = shape_of(x)[axis]
    if n is None or n == have:
        return x
    if n < 1:
        raise ValueError(f"invalid number of data points ({n}) specified")
    if n < have:
        return x[(slice(None),) * axis + (slice(0, n),)]
    widths = [(0, 0)] * len(shape_of(x))
    widths[axis] = (0, n - have)
    return pad(x, widths)


def _apply(x: Number, kind: int, n: int | None, axis: int, norm: str | None,
           inverse: bool) -> Number:
    if kind not in (1, 2, 3, 4):
        raise ValueError(f"invalid DCT type {kind}; SciPy's are 1, 2, 3 and 4.")
    if norm not in (None, "backward", "ortho", "forward"):
        raise ValueError(f'Invalid norm value {norm!r}, should be "backward", "ortho" or '
                         '"forward"')
    ndim = len(shape_of(x))
    axis = int(axis) % ndim
    x = _resized(x * 1.0, n, axis)
    size = shape_of(x)[axis]
    if kind == 1 and size < 2:
        raise ValueError("DCT-I is not defined for size < 2")
    m = _matrix(kind, size, None if norm == "backward" else norm, inverse)
    if np.asarray(primal_value(x)).dtype == np.float32:     # SciPy's float32 stays so
        m = m.astype(np.float32)
    return np.moveaxis(np.tensordot(np.moveaxis(x, axis, -1), m, axes=([-1], [1])), -1, axis)


def dct(x: Number, type: int = 2, n: int | None = None, axis: int = -1,
        norm: str | None = None, overwrite_x: bool = False, workers: Any = None,
        orthogonalize: Any = None) -> Number:
    """SciPy's ``dct`` of type 1 to 4 along ``axis``.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> from tapegrad.scipy.fft import dct
      >>> np.round(dct(np.array([1.0, 2.0, 3.0])), 12)
      array([12.        , -3.46410162,  0.        ])
      >>> np.round(tg.grad(lambda x: dct(x, norm="ortho")[0])(np.ones(4)), 12)
      array([0.5, 0.5, 0.5, 0.5])
    """
    return _apply(x, type, n, axis, norm, False)


def idct(x: Number, type: int = 2, n: int | None = None, axis: int = -1,
         norm: str | None = None, overwrite_x: bool = False, workers: Any = None,
         orthogonalize: Any = None) -> Number:
    """SciPy's ``idct``: the inverse of ``dct`` of the same type and norm."""
    return _apply(x, type, n, axis, norm, True)


def _axes(x: Number, s: Any, axes: Any) -> tuple[list[int | None], list[int]]:
    ndim = len(shape_of(x))
    if axes is None:
        axes = list(range(ndim)) if s is None else list(range(ndim - len(s), ndim))
    axes = [int(a) % ndim for a in (axes if isinstance(axes, Sequence) else [axes])]
    sizes: list[int | None] = [None] * len(axes) if s is None else list(
        s if isinstance(s, Sequence) else [s])
    if len(sizes) != len(axes):
        raise ValueError("when given, axes and shape arguments have to be of the same length")
    return sizes, axes


def dctn(x: Number, type: int = 2, s: Any = None, axes: Any = None, norm: str | None = None,
         overwrite_x: bool = False, workers: Any = None, orthogonalize: Any = None) -> Number:
    """SciPy's ``dctn``: ``dct`` along each of ``axes`` (all, by default)."""
    sizes, axes = _axes(x, s, axes)
    for n, a in zip(sizes, axes):
        x = _apply(x, type, n, a, norm, False)
    return x


def idctn(x: Number, type: int = 2, s: Any = None, axes: Any = None, norm: str | None = None,
          overwrite_x: bool = False, workers: Any = None, orthogonalize: Any = None) -> Number:
    """SciPy's ``idctn``: ``idct`` along each of ``axes`` (all, by default)."""
    sizes, axes = _axes(x, s, axes)
    for n, a in zip(sizes, axes):
        x = _apply(x, type, n, a, norm, True)
    return x
