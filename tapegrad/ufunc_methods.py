"""A ufunc's methods on traced values: ``np.subtract.outer``, ``np.add.reduce``, ``accumulate``.

``np.maximum.accumulate(x)`` on a traced ``x`` reaches ``Traced.__array_ufunc__``
with ``method="accumulate"``; ``ufunc_methods[method]`` says how to run it
with the ufunc's own tapegrad function. ``outer`` broadcasts one operand
against the other; ``reduce`` and ``accumulate`` of ``add``, ``multiply``,
``maximum``, ``minimum`` and the logical ufuncs are NumPy's ``sum``,
``prod``, ``cumsum``... (NumPy's own spellings of them, the same bits); any
other binary ufunc folds along the axis in NumPy's order, one application
per step. A running maximum (minimum) is a gather of the element each place
takes its value from, so the derivative goes there (to the first of equal ones).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .along import _data
from .arrays import astype, stack
from .indexing import getitem
from .numpy_tables import ufunc_methods
from .pieces import take_along_axis
from .primitive import Primitive, defjvp, defvjp, primitive
from .shapes import reshape, transpose
from .values import Traced, primal_value, shape_of

__all__ = ["accumulate", "outer", "reduce"]

_REDUCE: dict[Any, Callable[..., Any]] = {
    np.add: np.sum, np.multiply: np.prod, np.maximum: np.max, np.minimum: np.min,
    np.logical_and: np.all, np.logical_or: np.any}
_ACCUMULATE: dict[Any, Callable[..., Any]] = {np.add: np.cumsum, np.multiply: np.cumprod}
_RUNNING = (np.maximum, np.minimum, np.fmax, np.fmin)    # each place is one of the elements
_ORDER_FREE = (np.fmax, np.fmin)      # their fold gives one value whatever the order


def _dtype(x: Any) -> np.dtype[Any]:
    return np.asarray(primal_value(x)).dtype


def _axis(name: str, axis: Any, ndim: int) -> int:
    if isinstance(axis, tuple) and len(axis) == 1:
        axis = axis[0]
    if not isinstance(axis, int | np.integer) or not -ndim <= axis < ndim:
        raise ValueError(f"np.{name}: tapegrad takes one axis (an int within the {ndim} axes) "
                         f"here, not {axis!r}; reduce one axis at a time.")
    return int(axis) % ndim


def outer(ufunc: Any, a: Any, b: Any, **kwargs: Any) -> Any:
    """NumPy's ``ufunc.outer(a, b)``: ``ufunc`` of every pair, shaped ``a.shape + b.shape``."""
    if kwargs:
        raise TypeError(f"np.{ufunc.__name__}.outer(..., {', '.join(kwargs)}=...) was applied to "
                        "a traced value: tapegrad's takes no keywords; cast the operands first.")
    a = a if type(a) is Traced else np.asarray(a)
    ashape, bshape = shape_of(a), shape_of(b)
    return ufunc(reshape(a, ashape + (1,) * len(bshape)) if type(a) is Traced
                 else a.reshape(ashape + (1,) * len(bshape)), b)


def _fold(ufunc: Any, x: Any, axis: int, initial: Any, keepdims: bool) -> Any:
    """``ufunc`` applied along ``axis`` from the left, as NumPy's reduce of other ufuncs."""
    n = shape_of(x)[axis]
    pieces = [getitem(x, (slice(None),) * axis + (i,)) for i in range(n)]
    if initial is not np._NoValue:
        pieces.insert(0, np.full(shape_of(pieces[0]) if pieces else (), initial, _dtype(x)))
    if not pieces:
        raise ValueError(f"np.{ufunc.__name__}.reduce of an empty axis needs initial=.")
    acc = pieces[0]
    for p in pieces[1:]:
        acc = ufunc(acc, p)
    if keepdims:
        shape = list(shape_of(x))
        shape[axis] = 1
        acc = reshape(acc, tuple(shape))
    return acc


def reduce(ufunc: Any, x: Any, axis: Any = 0, dtype: Any = None, keepdims: bool = False,
           initial: Any = np._NoValue, where: Any = True) -> Any:
    """NumPy's ``ufunc.reduce(x, axis)``: ``np.sum`` for ``add``, a fold for others."""
    name = f"{ufunc.__name__}.reduce"
    if ufunc in _REDUCE:
        kw: dict[str, Any] = {"axis": axis, "keepdims": keepdims}
        kw.update({k: v for k, v in (("dtype", dtype), ("initial", initial), ("where", where))
                   if not (v is None or v is np._NoValue or v is True)})
        traced = next((v for v in kw.values() if type(v) is Traced), None)
        if type(x) is not Traced and traced is not None:   # np.sum(a, where=traced_mask):
            # NumPy's np.sum does not dispatch on where= and would call back here
            return traced.__array_function__(  # type: ignore[attr-defined]
                _REDUCE[ufunc], (Traced,), (x,), kw)
        return _REDUCE[ufunc](x, **kw)
    if dtype is not None or where is not True:
        raise TypeError(f"np.{name}(..., dtype=/where=) was applied to a traced value: "
                        "tapegrad's takes axis, keepdims and initial; cast x first, or mask "
                        "with np.where(mask, x, initial).")
    if ufunc in _ORDER_FREE and (axis is None or isinstance(axis, tuple | list)):
        return _merged(ufunc, x, axis, initial, keepdims)
    if axis is None:
        if len(shape_of(x)) != 1:
            raise ValueError(f"np.{name}(x, axis=None) of a {len(shape_of(x))}-d x: tapegrad "
                             "folds one axis, since NumPy's order over several depends on the "
                             "array's layout; write it on x.ravel().")
        axis = 0
    return _fold(ufunc, x, _axis(name, axis, len(shape_of(x))), initial, keepdims)


def _merged(ufunc: Any, x: Any, axis: Any, initial: Any, keepdims: bool) -> Any:
    """``fmax``/``fmin`` over several axes (their order changes nothing): merged into one."""
    nd = len(shape_of(x))
    axes = tuple(range(nd)) if axis is None else tuple(_axis(
        f"{ufunc.__name__}.reduce", a, nd) for a in axis)
    if len(set(axes)) != len(axes):
        raise ValueError("duplicate value in 'axis'")
    kept = tuple(i for i in range(nd) if i not in axes)
    shape = shape_of(x)
    moved = transpose(x, kept + axes) if kept + axes != tuple(range(nd)) else x
    flat = reshape(moved, tuple(shape[i] for i in kept) + (math.prod(shape[i] for i in axes),))
    out = _fold(ufunc, flat, len(kept), initial, False)
    if keepdims:
        out = reshape(out, tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return out


# ------------------------------------------- the running maximum's sources
def _sources(x: Any, axis: int, ufunc: Any) -> Any:
    """Where each place of ``ufunc.accumulate(x, axis)`` takes its value from (integers)."""
    x = np.moveaxis(_data(x), axis, -1)
    out = np.ascontiguousarray(ufunc.accumulate(x, axis=-1))
    if out.shape[-1] == 0:
        return np.moveaxis(np.zeros(out.shape, np.intp), -1, axis)
    bits = out.view(f"u{out.dtype.itemsize}") if out.dtype.kind == "f" else out
    new = np.concatenate([np.ones(out.shape[:-1] + (1,), bool),
                          bits[..., 1:] != bits[..., :-1]], -1)   # the value changed: from x here
    src = np.maximum.accumulate(np.where(new, np.arange(out.shape[-1]), 0), axis=-1)
    return np.moveaxis(src, -1, axis)


sources_p: Primitive = primitive(_sources, "running_sources", check_rules=False)
defvjp(sources_p, None, None, None)      # integer data: no derivative
defjvp(sources_p, None, None, None)


def accumulate(ufunc: Any, x: Any, axis: int = 0, dtype: Any = None) -> Any:
    """NumPy's ``ufunc.accumulate(x, axis)``: ``np.cumsum`` for ``add``, running extremes, folds."""
    name = f"{ufunc.__name__}.accumulate"
    if ufunc in _ACCUMULATE:
        return _ACCUMULATE[ufunc](x, axis=axis, dtype=dtype)
    x = x if dtype is None else astype(x, dtype)
    ax = _axis(name, axis, len(shape_of(x)))
    if ufunc in _RUNNING:
        return take_along_axis(x, sources_p(x, ax, ufunc), ax)
    n = shape_of(x)[ax]
    acc = getitem(x, (slice(None),) * ax + (0,)) if n else None
    out = [acc]
    for i in range(1, n):
        acc = ufunc(acc, getitem(x, (slice(None),) * ax + (i,)))
        out.append(acc)
    return stack(out, ax) if n else x


def _no_out(name: str, kwargs: dict[str, Any]) -> None:
    """NumPy's ``out=``: an array written in place, which cannot hold a traced value."""
    if kwargs.get("out") not in (None, (None,)):
        raise TypeError(f"np.{name}(..., out=...) was applied to a traced value: an array "
                        "cannot hold a traced value; assign the result (y = f(x)) instead.")
    kwargs.pop("out", None)


def _outer(ufunc: Any, *inputs: Any, **kwargs: Any) -> Any:
    _no_out(f"{ufunc.__name__}.outer", kwargs)
    return outer(ufunc, *inputs, **kwargs)


def _reduce(ufunc: Any, x: Any, **kwargs: Any) -> Any:
    _no_out(f"{ufunc.__name__}.reduce", kwargs)
    return reduce(ufunc, x, **kwargs)


def _accumulate(ufunc: Any, x: Any, **kwargs: Any) -> Any:
    _no_out(f"{ufunc.__name__}.accumulate", kwargs)
    return accumulate(ufunc, x, **kwargs)


ufunc_methods.update({"outer": _outer, "reduce": _reduce, "accumulate": _accumulate})
