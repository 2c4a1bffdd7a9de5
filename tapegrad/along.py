"""Working along one axis: the helpers that statistics, scans and orderings share.

NumPy's conventions for an ``axis`` argument (a list of numbers stacked,
``axis=None`` flattens, the range check), a slice along an axis, and vmap's
rule for a primitive called as ``(x, axis, ...)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import stack
from .indexing import getitem
from .shapes import reshape as reshape_to
from .shapes import transpose
from .values import Traced, float_array, shape_of


def _data(x: Any) -> np.ndarray:
    """An array for NumPy: integer and bool data stay so, other numbers are floats."""
    a = np.asarray(x)
    return a if a.dtype.kind in "iub" else float_array(a)


def _stacked(x: Any) -> Any:
    """A list of numbers stacked, as NumPy does; any other number itself."""
    if isinstance(x, list | tuple):
        return stack(x)
    return x


def _one_axis(what: str, axis: Any, nd: int) -> int:
    """A single ``axis`` as a non-negative int (NumPy's range check)."""
    if nd == 0:
        raise ValueError(f"tg.{what}: a float (a 0-d value) has no axis {axis!r}; pass "
                         "axis=None to treat it as an array of one element.")
    if isinstance(axis, bool) or not isinstance(axis, int | np.integer):
        traced = " (under tg.jit an int argument is traced: pass it in static_argnums)" \
            if isinstance(axis, Traced) else ""
        raise ValueError(f"tg.{what}: axis must be one int or None, not {axis!r}{traced}; "
                         "for several axes, move them to the end with np.moveaxis and "
                         "reshape them into one.")
    if not -nd <= axis < nd:          # NumPy's AxisError (a ValueError too)
        raise np.exceptions.AxisError(
            f"tg.{what}: axis {axis!r} is out of range for an array of {nd} axes (give an "
            f"int from {-nd} to {nd - 1}, or None to flatten).")
    return int(axis) % nd


def _flat_or_axis(what: str, x: Any, axis: Any) -> tuple[Any, int]:
    """``x`` flattened for ``axis=None`` (NumPy's convention), and the axis as an int."""
    x = _stacked(x)
    if axis is None:
        return reshape_to(x, -1), 0
    return x, _one_axis(what, axis, len(shape_of(x)))


def _over_axes(f: Any, x: Any, axis: tuple[Any, ...], keepdims: bool, **kw: Any) -> Any:
    """``f(x, axis=-1, **kw)`` with the axes of a tuple ``axis`` merged into the last one.

    NumPy's median and quantile take several axes as if they were one;
    ``f``'s result ends in the axes kept, which ``keepdims`` shows as 1s.
    """
    x = _stacked(x)
    shape = shape_of(x)
    what = f.__name__.lstrip("_")
    axes = [_one_axis(what, a, len(shape)) for a in axis]
    if len(set(axes)) != len(axes):
        raise ValueError(f"tg.{what}: axis {axis!r} repeats an axis.")
    rest = [i for i in range(len(shape)) if i not in axes]
    kept = tuple(shape[i] for i in rest)
    out = f(reshape_to(transpose(x, rest + axes), kept + (-1,)), axis=-1, **kw)
    if not keepdims:
        return out
    lead = shape_of(out)[:len(shape_of(out)) - len(kept)]
    return reshape_to(out, lead + tuple(1 if i in axes else k for i, k in enumerate(shape)))


def _along(x: Any, axis: int, part: slice | int) -> Any:
    """``x[..., part, ...]`` with ``part`` on ``axis``."""
    return getitem(x, (slice(None),) * axis + (part,))


class _BatchAlong:
    """vmap's rule for a primitive ``(x, axis, ...)``: its NumPy function, axis moved by one."""

    def __init__(self, np_fn: Any, keepdims: bool = False):
        self.np_fn = np_fn
        self.keepdims = keepdims

    def __call__(self, e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
        x = _data(values[0])
        if not batched[0]:
            x = np.broadcast_to(x, (n,) + x.shape)
        ax = values[1]
        ax = tuple(a + 1 for a in ax) if isinstance(ax, tuple) else ax + 1
        if self.keepdims:
            return self.np_fn(x, axis=ax, keepdims=values[2])
        return self.np_fn(x, axis=ax)
