"""Functions of functions on traced values: ``apply_along_axis``, ``piecewise``...

Each calls the user's function on traced pieces and joins the results with
tapegrad's ``stack`` and ``where``, so every transform goes through the
user's code as it goes through any other. ``piecewise`` evaluates each
function on the whole array and selects (as ``np.select`` does), where
NumPy evaluates it on the selected elements only: the values are NumPy's,
and the unselected evaluations get a zero cotangent (as in JAX, a function
whose derivative is not finite where it is not selected, ``np.sqrt`` of a
negative, still gives NaN there: keep the functions finite everywhere).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .arrays import astype, stack
from .kinks import where
from .numpy_dispatch import functions
from .predicates import any as tg_any
from .reshaping import _axis, expand_dims, moveaxis
from .shapes import reshape
from .values import Traced, primal_value, shape_of

__all__ = ["apply_along_axis", "apply_over_axes", "piecewise"]

Number = Any


def _dtype_of(x: Any) -> np.dtype[Any]:
    return np.asarray(primal_value(x)).dtype


def apply_along_axis(func1d: Callable[..., Any], axis: int, arr: Number, *args: Any,
                     **kwargs: Any) -> Number:
    """NumPy's ``apply_along_axis``: ``func1d`` of each 1-D slice along ``axis``, joined.

    The result's shape is ``arr.shape[:axis] + out.shape + arr.shape[axis + 1:]``
    for ``out`` one call's result, as in NumPy.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.grad(lambda x: tg.sum(tg.apply_along_axis(lambda r: r[0] * r[1], 1, x)))(
      ...     np.array([[1.0, 2.0], [3.0, 4.0]]))
      array([[2., 1.],
             [4., 3.]])
    """
    shape = shape_of(arr)
    ax = _axis("apply_along_axis", axis, len(shape))
    moved = moveaxis(arr, ax, -1)
    outer = shape[:ax] + shape[ax + 1:]
    if 0 in outer:
        raise ValueError("Cannot apply_along_axis when any iteration dimensions are 0")
    outs = [func1d(moved[i], *args, **kwargs) for i in np.ndindex(*outer)]
    first = outs[0]
    dtype = _dtype_of(first)
    outs = [o if _dtype_of(o) == dtype else astype(o, dtype) for o in outs]
    res = reshape(stack(outs), outer + shape_of(first))   # the iteration axes first
    n = len(shape_of(first))
    return moveaxis(res, list(range(len(outer), len(outer) + n)), list(range(ax, ax + n)))


def apply_over_axes(func: Callable[[Any, int], Any], a: Number,
                    axes: int | Sequence[int]) -> Number:
    """NumPy's ``apply_over_axes``: ``func(a, axis)`` for each axis in turn, dimensions kept."""
    val = a
    nd = len(shape_of(a))
    for axis in np.atleast_1d(np.asarray(axes)):
        axis = int(axis) + nd if axis < 0 else int(axis)
        res = func(val, axis)
        if len(shape_of(res)) == len(shape_of(val)):
            val = res
        else:
            res = expand_dims(res, axis)
            if len(shape_of(res)) != len(shape_of(val)):
                raise ValueError("function is not returning an array of the correct shape")
            val = res
    return val


def _conditions(condlist: Any, nd: int) -> list[Any]:
    """NumPy's reading of ``condlist``: one condition, or a list of them."""
    if np.isscalar(condlist):
        return [condlist]
    if type(condlist) is Traced or isinstance(condlist, np.ndarray):
        several = len(shape_of(condlist)) > 1
    else:
        several = isinstance(condlist[0], list | np.ndarray | Traced)
    return [condlist] if not several and nd != 0 else list(condlist)


def piecewise(x: Number, condlist: Any, funclist: Sequence[Any], *args: Any,
              **kw: Any) -> Number:
    """NumPy's ``piecewise``: ``funclist[i]`` where ``condlist[i]``, the last one winning.

    A function is called on all of ``x`` and its values selected with
    ``np.where`` (NumPy calls it on the selected elements); a constant fills
    its places. One more function than conditions is the default, as in
    NumPy. Zero where no condition holds.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> x = np.array([-1.0, 2.0])
      >>> f = lambda v: tg.piecewise(v, [v < 0, v >= 0], [lambda t: -t, lambda t: t * t])
      >>> tg.grad(lambda v: tg.sum(f(v)))(x)
      array([-1.,  4.])
    """
    nd = len(shape_of(x))
    n2 = len(funclist)
    conds = _conditions(condlist, nd)
    if len(conds) == n2 - 1:            # the "otherwise" condition
        conds.append(~tg_any(stack([np.broadcast_to(c, shape_of(x)) if type(c) is not Traced
                                    else c for c in conds]), axis=0) if conds
                     else np.ones(shape_of(x), bool))
    elif len(conds) != n2:
        raise ValueError(f"with {len(conds)} condition(s), either {len(conds)} or "
                         f"{len(conds) + 1} functions are expected")
    dtype = _dtype_of(x)
    y: Any = np.zeros(shape_of(x), dtype)
    for cond, func in zip(conds, funclist):
        val = func(x, *args, **kw) if callable(func) else np.asarray(func, dtype)
        val = val if _dtype_of(val) == dtype else astype(val, dtype)
        y = where(cond, val, y)
    return y if nd or type(y) is not np.ndarray else y[()]


# ------------------------------------------- NumPy's names on traced values
functions.update({
    np.apply_along_axis: (apply_along_axis, ("**",)),     # its own keywords, and func1d's
    np.apply_over_axes: (apply_over_axes, ("func", "a", "axes")),
    np.piecewise: (piecewise, ()),
})
