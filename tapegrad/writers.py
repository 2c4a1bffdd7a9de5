"""NumPy's functions that write into an array, on a traced one: ``put_along_axis``, ``put``...

And ``u op= v`` on a traced array ``u`` a write may change (made in the
function, not a view): NumPy's write into ``u``, which every name bound to
``u`` sees (``w = u; u += v`` changes ``w``). Where ``u`` may not be written
(an argument of the transform, a view), ``u`` is rebound to the new array and
a later read of the old one (through ``w``, or the view's base) is refused
when the function returns (``stale_views.py``).

Each is NumPy's write, ``a[key] = values`` with NumPy's index (``writes.py``):
the traced ``a`` stands for the written array afterwards, and the function
returns None, as NumPy's does. ``a`` must be a traced array a write may
change (not an argument of the transform, nor a view): the refusal names
the function and the fix.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .indexing import take
from .numpy_tables import functions
from .shapes import reshape
from .values import Traced, primal_value, shape_of
from .writes import writable, write, written_into

__all__ = ["copyto", "fill_diagonal", "place", "put", "put_along_axis", "putmask"]


def _along_key(shape: tuple[int, ...], indices: Any, axis: int) -> tuple[Any, ...]:
    """NumPy's ``_make_along_axis_idx``: ``indices`` on ``axis``, ``arange`` on the others."""
    key: list[Any] = []
    for d, n in enumerate(shape):
        if d == axis:
            key.append(indices)
        else:
            key.append(np.arange(n).reshape([n if k == d else 1 for k in range(len(shape))]))
    return tuple(key)


_PUT_ALONG = "np.put_along_axis writes into its array"


def put_along_axis(arr: Any, indices: Any, values: Any, axis: int | None) -> None:
    """NumPy's ``put_along_axis``: ``values`` written at ``indices`` along ``axis``."""
    writable(arr, _PUT_ALONG)
    shape = shape_of(arr)
    if axis is None:                     # into the flattened array: indices 1-D
        if len(shape_of(indices)) != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
        key: Any = np.unravel_index(np.asarray(primal_value(indices)) % math.prod(shape), shape) \
            if type(indices) is not Traced else _flat_key(indices, shape)
    else:
        if len(shape_of(indices)) != len(shape):
            raise ValueError("`indices` and `arr` must have the same number of dimensions")
        key = _along_key(shape, indices, int(axis) % len(shape))
    write(arr, key, values, _PUT_ALONG)


def _flat_key(ind: Any, shape: tuple[int, ...]) -> tuple[Any, ...]:
    """The index of each flat position ``ind`` (traced or not) in an array of ``shape``."""
    ind = ind % math.prod(shape) if shape else ind
    key = []
    for n in reversed(shape):
        key.append(ind % n)
        ind = ind // n
    return tuple(reversed(key))


def put(a: Any, ind: Any, v: Any, mode: str = "raise") -> None:
    """NumPy's ``put``: ``a.flat[ind] = v``, ``v`` repeated to ``len(ind)``."""
    writable(a, "np.put writes into its array")
    size = math.prod(shape_of(a))
    ind = reshape(ind, (-1,)) if type(ind) is Traced else np.ravel(np.asarray(ind))
    if mode == "wrap":
        ind = ind % size
    elif mode == "clip":
        ind = np.clip(ind, 0, size - 1)
    elif mode != "raise":
        raise ValueError(f"put: mode must be 'raise', 'wrap' or 'clip', not {mode!r}.")
    if type(ind) is not Traced and ((ind >= size) | (ind < -size)).any():
        raise IndexError(f"index {ind[(ind >= size) | (ind < -size)][0]} is out of bounds "
                         f"for axis 0 with size {size}")
    n = shape_of(ind)[0]
    values = np.resize(np.ravel(v), n) if n else v
    write(a, _flat_key(ind, shape_of(a)), values, "np.put writes into its array")


def copyto(dst: Any, src: Any, casting: str = "same_kind", where: Any = True) -> None:
    """NumPy's ``copyto``: ``src`` written into ``dst`` (where ``where``)."""
    writable(dst, "np.copyto writes into dst")
    if casting != "same_kind":
        raise TypeError("np.copyto: tapegrad takes the default casting='same_kind' only.")
    value = src if where is True else np.where(where, src, dst)
    write(dst, Ellipsis, value, "np.copyto writes into dst")


def _flat_mask(mask: Any, size: int, name: str) -> Any:
    """``mask`` as a flat boolean array (traced or not) of ``size`` elements, as NumPy's."""
    if type(mask) is Traced:
        m = reshape(mask, (-1,))
        m = m if np.asarray(primal_value(m)).dtype == bool else m != 0
    else:
        m = np.ravel(np.asarray(mask)).astype(bool)
    if shape_of(m)[0] != size:
        raise ValueError(f"{name}: mask and data must be the same size")
    return m


def _flat_values(values: Any, a: Any) -> Any:
    """``values`` flattened; an array's dtype must cast safely to ``a``'s (NumPy's check)."""
    value = primal_value(values) if type(values) is Traced else values
    to = np.asarray(primal_value(a)).dtype
    if isinstance(value, np.ndarray) and not np.can_cast(value.dtype, to, "safe"):
        raise TypeError(f"Cannot cast array data from {value.dtype!r} to {to!r} according "
                        "to the rule 'safe'")
    if isinstance(values, list | tuple):        # a list may hold traced numbers
        values = np.stack(values) if values else np.zeros(0, to)
    return reshape(values, (-1,)) if type(values) is Traced else np.ravel(values)


def putmask(a: Any, mask: Any, values: Any) -> None:
    """NumPy's ``putmask``: ``a.flat[n] = values[n]`` where ``mask.flat[n]`` (repeated)."""
    writable(a, "np.putmask writes into its array")
    shape, size = shape_of(a), math.prod(shape_of(a))
    m = _flat_mask(mask, size, "putmask")
    values = _flat_values(values, a)
    if not shape_of(values)[0]:                 # NumPy writes nothing
        return
    v = np.resize(values, size)
    write(a, Ellipsis, np.where(reshape(m, shape), reshape(v, shape), a),
          "np.putmask writes into its array")


def place(arr: Any, mask: Any, vals: Any) -> None:
    """NumPy's ``place``: the ``k``-th place where ``mask`` holds takes ``vals[k]``, repeated."""
    writable(arr, "np.place writes into its array")
    shape, size = shape_of(arr), math.prod(shape_of(arr))
    m = _flat_mask(mask, size, "place")
    vals = _flat_values(vals, arr)
    n = shape_of(vals)[0]
    if not n:
        if np.any(m):           # a guard where the mask is traced
            raise ValueError("Cannot insert from an empty array!")
        return
    k = np.cumsum(m) - 1        # how many places before this one take a value
    v = take(vals, k % n)
    write(arr, Ellipsis, np.where(reshape(m, shape), reshape(v, shape), arr),
          "np.place writes into its array")


def fill_diagonal(a: Any, val: Any, wrap: bool = False) -> None:
    """NumPy's ``fill_diagonal``: ``val`` (repeated) on the main diagonal of ``a``."""
    writable(a, "np.fill_diagonal writes into its array")
    shape = shape_of(a)
    if len(shape) < 2 or (len(shape) > 2 and len(set(shape)) != 1):
        raise ValueError("All dimensions of input must be of equal length")
    if wrap and len(shape) == 2 and shape[0] > shape[1] + 1:
        raise TypeError("np.fill_diagonal: tapegrad does not take wrap=True for a tall "
                        "matrix; write a[i, i % m] = val for the rows i you mean.")
    k = min(shape)
    values = np.resize(np.ravel(val), k) if np.ndim(val) else val
    write(a, (np.arange(k),) * len(shape), values, "np.fill_diagonal writes into its array")


def _in_place(method: Any) -> Any:
    """``method`` (``Traced.__iadd__``...), writing its result into ``self`` where it may."""
    def in_place(self: Traced, other: Any) -> Any:
        out = method(self, other)
        if type(out) is not Traced or out is self or \
                type(primal_value(self)) is not np.ndarray:      # a scalar: rebound
            return out
        return written_into(self, out)
    in_place.__name__ = in_place.__qualname__ = method.__name__
    return in_place


for _name in ("__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__",
              "__imod__", "__ipow__", "__iand__", "__ior__", "__ixor__", "__ilshift__",
              "__irshift__", "__imatmul__"):
    setattr(Traced, _name, _in_place(vars(Traced)[_name]))


functions.update({
    np.put_along_axis: (put_along_axis, ("axis",)), np.put: (put, ("mode",)),
    np.copyto: (copyto, ("casting", "where")), np.fill_diagonal: (fill_diagonal, ("wrap",)),
    np.putmask: (putmask, ()), np.place: (place, ()),
})
