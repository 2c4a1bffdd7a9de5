"""The Array-API rules of indexing: a gather, and its adjoint, a scatter-add.

The standard has indexing but no scatter-add, and ``z[i] += g`` with an
index that repeats adds once in some libraries and every time in others
(array-api-compat#205). So the gradient of an index calls each library's
own scatter-add (PyTorch's ``index_add_``, CuPy's ``cupyx.scatter_add``,
JAX's ``.at[].add``); a library with none (array-api-strict) gets a one-hot
product, which the standard has. A constant index (NumPy integers, as
tapegrad's indices are) is turned into flat positions on the host, where it
already is: nothing is read back from a device.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .backends import device, foreign, library, namespace
from .values import primal_value


def np_dtype(x: Any) -> Any:
    """A number's dtype as NumPy's (``torch.float32`` is ``float32``), never reading it."""
    v = primal_value(x)
    if foreign(v) is not None:
        return np.dtype(str(v.dtype).rsplit(".", 1)[-1])
    return np.asarray(v).dtype


def full_like(x: Any, shape: tuple[int, ...], fill: float) -> Any:
    """``fill`` in ``shape``, in the library, float dtype and device of ``x``'s value."""
    v = primal_value(x)
    xp = namespace(v)
    dtype = v.dtype if xp.isdtype(v.dtype, "real floating") else xp.float64
    return xp.full(shape, fill, dtype=dtype, device=device(v))


def xp_round(xp: Any, name: str, x: Any, decimals: int) -> Any:
    """``round``/``floor``/``ceil``/``trunc`` in ``xp`` (the standard's round has no decimals)."""
    if decimals:
        return xp.round(x * 10.0 ** decimals) / 10.0 ** decimals
    return getattr(xp, name)(x)

__all__ = ["full_like", "np_dtype", "xp_getitem", "xp_index_add", "xp_round"]


def _on(xp: Any, idx: Any, x: Any) -> Any:
    """``idx`` with its NumPy integer arrays as ``xp`` arrays on ``x``'s device."""
    if type(idx) is tuple:
        return tuple(_on(xp, p, x) for p in idx)
    if isinstance(idx, np.ndarray):
        return xp.asarray(idx, device=device(x))
    return idx


def _basic(idx: Any) -> bool:
    """Ints, forward slices, None and ``...``: no element twice, and every library's.

    PyTorch has no negative steps: those take the path of positions.
    """
    parts = idx if type(idx) is tuple else (idx,)
    return all(type(p) is int or (type(p) is slice and (p.step is None or p.step > 0))
               or p is None or p is Ellipsis for p in parts)


def _whole(idx: Any, ndim: int) -> Any:
    """``idx`` naming every axis: NumPy's ``x[0]`` of a matrix is the standard's ``x[0, ...]``."""
    parts = idx if type(idx) is tuple else (idx,)
    if any(p is Ellipsis for p in parts) or sum(p is not None for p in parts) >= ndim:
        return idx
    return parts + (Ellipsis,)


def xp_getitem(xp: Any, x: Any, idx: Any) -> Any:
    """``x[idx]`` in ``x``'s library, with NumPy's meaning.

    An index with NumPy integer arrays (which the standard allows only
    alone, and not at all before 2024) is a ``take`` of flat positions
    worked out on the host, where the index already is.
    """
    if _basic(idx):
        return x[_on(xp, _whole(idx, x.ndim), x)]
    if _on_device(idx):        # integer arrays on the device: positions computed there
        pos, picked = _device_positions(xp, tuple(x.shape), idx, x)
        flat = xp.take(xp.reshape(x, (-1,)), xp.reshape(pos, (-1,)))
        return xp.reshape(flat, picked)
    pos = _positions(tuple(x.shape), idx)
    flat = xp.take(xp.reshape(x, (-1,)), xp.asarray(pos.reshape(-1), device=device(x)))
    return xp.reshape(flat, pos.shape)


def _on_device(idx: Any) -> bool:
    return any(namespace(p) is not None for p in (idx if type(idx) is tuple else (idx,)))


def _positions(shape: tuple[int, ...], idx: Any) -> np.ndarray:
    """The flat positions ``idx`` picks from an array of ``shape`` (a NumPy index)."""
    return np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)[idx]


def _float_dtype(xp: Any, g: Any, x: Any) -> Any:
    for a in (g, x):
        if namespace(a) is not None and xp.isdtype(a.dtype, "real floating"):
            return a.dtype
    return xp.float64


def xp_index_add(xp: Any, g: Any, x: Any, idx: Any) -> Any:
    """Zeros of ``x``'s shape with ``g`` added at ``idx``; repeated positions add up."""
    shape = tuple(x.shape)
    z = xp.zeros(shape, dtype=_float_dtype(xp, g, x), device=device(x))
    idx = _whole(idx, len(shape))
    if _basic(idx):                        # no element twice: an assignment is the sum
        if hasattr(z, "at"):               # JAX: immutable arrays
            return z.at[idx].set(g)
        z[idx] = g
        return z
    if _on_device(idx):
        pos, picked = _device_positions(xp, shape, idx, z)
    else:
        pos = _positions(shape, idx)
        picked = pos.shape
    flat_g = xp.reshape(xp.broadcast_to(like_array(xp, g, z), picked), (-1,))
    flat_pos = xp.reshape(pos, (-1,)) if namespace(pos) is not None else pos.reshape(-1)
    return xp.reshape(_scatter_add(xp, xp.reshape(z, (-1,)), flat_pos, flat_g), shape)


def like_array(xp: Any, g: Any, z: Any) -> Any:
    """``g`` as an array of ``z``'s dtype and device (a Python number too)."""
    if namespace(g) is not None:
        return g
    return xp.asarray(g, dtype=z.dtype, device=device(z))


def _device_positions(xp: Any, shape: tuple[int, ...], idx: Any, z: Any) -> tuple[Any, Any]:
    """The flat positions an index of device integer arrays picks, and the picked shape.

    Computed on the device, from the integer parts and the row-major strides.
    """
    parts = list(idx if type(idx) is tuple else (idx,))
    if parts and parts[-1] is Ellipsis:
        parts.pop()
    if len(parts) > len(shape) or any(type(p) is slice or p is None or p is Ellipsis
                                       for p in parts):
        raise TypeError("an index holding arrays on the device (tg.getitem, tg.index_add) may "
                        "hold only "
                        "integer arrays and ints, one per leading axis.")
    k = len(parts)
    rest = int(np.prod(shape[k:]))
    pos: Any = 0
    stride = rest
    for p, n in zip(reversed(_on(xp, tuple(parts), z)), reversed(shape[:k])):
        pos = pos + (xp.astype(p, xp.int64) if namespace(p) is not None else p) * stride
        stride *= n
    pos = xp.asarray(pos, device=device(z))
    lead = tuple(pos.shape)
    tail = xp.arange(rest, dtype=xp.int64, device=device(z))
    return xp.reshape(pos, lead + (1,)) + tail, lead + shape[k:]


def _scatter_add(xp: Any, z: Any, pos: np.ndarray, g: Any) -> Any:
    """``z`` (1-d) with ``g[k]`` added at ``pos[k]``, by the library's own scatter-add."""
    lib = library(z)
    p = pos if namespace(pos) is not None else xp.asarray(pos, device=device(z))
    if lib == "torch":
        return z.index_add_(0, p, g)
    if lib == "cupy":
        import cupyx
        cupyx.scatter_add(z, p, g)
        return z
    if hasattr(z, "at"):                   # JAX
        return z.at[p].add(g)
    hits = xp.astype(xp.arange(z.shape[0], device=device(z))[:, None] == p[None, :], z.dtype)
    return z + xp.matmul(hits, g)          # the standard has no scatter-add: a one-hot sum
