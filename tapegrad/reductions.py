"""Reductions: ``tg.sum``, ``tg.mean``, ``tg.max``, ``tg.min``, one each.

With ``axis=None`` and no ``keepdims``, ``sum`` and ``mean`` are one
whole-array primitive each (``sum_p``, ``mean_p``: a float out, the fast
path). Otherwise one primitive per reduction takes the axes and
``keepdims`` as constants. A list of numbers is stacked first, as NumPy
does. The gradient of a sum broadcasts the cotangent back over the reduced
axes; ``max`` and ``min`` split it equally among the elements that tie for
the extreme (forward mode: the mean of their tangents), as the kink
conventions of ``maximum`` and ``minimum`` do for two.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .arrays import astype, stack
from .backends import array_api_impls, call, foreign
from .batching.rules import along_axes, batch_rules, whole
from .kinks import nan_kept, where
from .numpy_tables import functions, numpy_method
from .ops import div
from .primitive import Primitive, defjvp, defvjp, primitive
from .shapes import _scalar, _whole, broadcast_like, broadcast_to_p, reshape_p
from .staging.spellings import Spelling, spellings
from .values import Traced, is_scalar, numpy_made, primal_value, shape_of

__all__ = ["max", "mean", "min", "sum"]

Number = Any
Axis = int | tuple[int, ...] | None


def _sum(x: Any) -> Any:
    if type(x) is np.ndarray:
        return _whole(x.sum())
    if is_scalar(x):
        return float(x)
    return call(sum_p, x) if foreign(x) is not None else _whole(np.sum(x))


def _mean(x: Any) -> Any:
    if is_scalar(x):
        return float(x)
    return call(mean_p, x) if foreign(x) is not None else _whole(np.mean(x))


sum_p: Primitive = primitive(_sum, "sum", check_rules=False)
defvjp(sum_p, lambda g, ans, x: broadcast_like(g, x))
defjvp(sum_p, lambda t, ans, x: sum_p(t))
spellings[sum_p] = Spelling(float="{0}", array=lambda values, ans: "{0}.sum()"
                           if values[0].dtype == np.float64 else None)
batch_rules[sum_p] = whole(np.sum)
array_api_impls[sum_p] = lambda xp, x: xp.sum(x)     # a 0-d array: no float(), no sync
mean_p: Primitive = primitive(_mean, "mean", check_rules=False)
defvjp(mean_p, lambda g, ans, x: div(broadcast_like(g, x), float(np.prod(shape_of(x)))))
defjvp(mean_p, lambda t, ans, x: mean_p(t))
spellings[mean_p] = Spelling(float="{0}", array=lambda values, ans: "{0}.mean()"
                            if values[0].dtype == np.float64 else None)
batch_rules[mean_p] = whole(np.mean)
array_api_impls[mean_p] = lambda xp, x: xp.mean(x)


def _list_sum(xs: Sequence[Number], what: str) -> tuple[Number, int]:
    """The sum of every element of a list of numbers of one shape, and their count.

    NumPy stacks a list first (``np.sum([a, b])``); for numbers of one
    shape that is the sum of their sums.
    """
    items = list(xs)
    shapes = {shape_of(x) for x in items}
    if len(shapes) > 1:
        raise ValueError(f"tg.{what}: the numbers in the list have different shapes "
                         f"{sorted(shapes)}; NumPy would stack them first, which needs "
                         f"one shape. Reduce each with tg.{what} instead.")
    total: Number = 0.0
    for x in items:
        total = total + sum_p(x)
    return total, len(items) * int(np.prod(shapes.pop() if shapes else ()))


def _axes(what: str, axis: Any, nd: int) -> tuple[int, ...]:
    """``axis`` as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(nd))
    if type(axis) is int and -nd <= axis < nd:      # the common case, checked
        return (axis % nd,)
    items = axis if isinstance(axis, tuple | list) else (axis,)
    out = []
    for a in items:
        if isinstance(a, bool) or not isinstance(a, int | np.integer) or not -nd <= a < nd:
            error = ValueError if isinstance(a, bool) or not isinstance(a, int | np.integer) \
                else np.exceptions.AxisError          # NumPy's (a ValueError too)
            raise error(f"tg.{what}: axis {axis!r} is out of range for an array of "
                        f"{nd} axes (give ints from {-nd} to {nd - 1}, or None).")
        out.append(int(a) % nd)
    if len(set(out)) != len(out):
        raise ValueError(f"tg.{what}: axis {axis!r} repeats an axis.")
    return tuple(sorted(out))


def _kept(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _back(g: Any, x: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    """A reduction's cotangent ``g``, broadcast back to ``x``'s shape."""
    shape = shape_of(x)
    if not keepdims:
        g = reshape_p(g, _kept(shape, axes))
    if shape_of(g) == shape:        # reduced axes of size 1: a copy (never the caller's g)
        return broadcast_to_p(g, shape)
    return broadcast_like(g, x)     # np.full: cheaper than broadcast_to's copy, the same array


def _reduction(name: str, np_fn: Any) -> Primitive:
    def impl(x: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
        if type(x) is not np.ndarray and foreign(x) is not None:
            return call(prim, x, axes, keepdims)
        return _scalar(np_fn(np.asarray(x), axis=axes, keepdims=keepdims))   # ints stay ints
    impl.__name__ = name
    prim = primitive(impl, name, check_rules=False)
    xp_name = np_fn.__name__                 # sum, max, min: the standard's names too
    array_api_impls[prim] = lambda xp, x, axes, keep: getattr(xp, xp_name)(
        x, axis=axes, keepdims=keep)
    return prim


sum_axes = _reduction("sum_axes", np.sum)
max_axes = _reduction("max_axes", np.max)
min_axes = _reduction("min_axes", np.min)
defvjp(sum_axes, lambda g, ans, x, axes, keep: _back(g, x, axes, keep), None, None)
defjvp(sum_axes, lambda t, ans, x, axes, keep: sum_axes(t, axes, keep), None, None)
batch_rules[sum_axes] = along_axes(np.sum)


def _ties(ans: Any, x: Any, axes: tuple[int, ...], keep: bool) -> tuple[Any, Any, Any]:
    """Where ``x`` attains the extreme ``ans``, how many times per reduction, and ``ans``.

    ``ans`` comes back broadcast to ``x``'s shape: where it is nan (a nan in
    the slice) no element attains it, and the derivative is nan (``nan_kept``).
    """
    shape = shape_of(x)
    wide = broadcast_to_p(ans if keep else reshape_p(ans, _kept(shape, axes)), shape)
    one = np.asarray(primal_value(x)).dtype.type(1.0)     # float32 stays float32
    count = sum_axes(where(x == wide, one, 0.0), axes, True)
    return x == wide, count, wide


def _extreme_vjp(g: Any, ans: Any, x: Any, axes: tuple[int, ...], keep: bool) -> Any:
    if not axes:             # over no axis (a 0-d array's): each element is its own
        return g
    at, count, wide = _ties(ans, x, axes, keep)
    back = _back(g, x, axes, keep)
    share = div(back, broadcast_to_p(count, shape_of(x)))
    return nan_kept(where(at, share, 0.0), back, wide, wide)


def _extreme_jvp(t: Any, ans: Any, x: Any, axes: tuple[int, ...], keep: bool) -> Any:
    if not axes:
        return t
    at, count, wide = _ties(ans, x, axes, keep)
    one = np.asarray(primal_value(x)).dtype.type(1.0)
    moved = sum_axes(where(t != 0.0, one, 0.0), axes, True)     # a tangent that is not 0
    mean = div(sum_axes(where(at, t, 0.0), axes, True), where(count == 0.0, one, count))
    kept = ans if keep else reshape_p(ans, shape_of(mean))
    mean = nan_kept(mean, moved, kept, kept)
    return mean if keep else reshape_p(mean, shape_of(ans))


for _p in (max_axes, min_axes):
    defvjp(_p, _extreme_vjp, None, None)
    defjvp(_p, _extreme_jvp, None, None)
batch_rules[max_axes], batch_rules[min_axes] = along_axes(np.max), along_axes(np.min)


def _prepare(what: str, x: Any, axis: Axis) -> tuple[Any, tuple[int, ...]]:
    if isinstance(x, list | tuple):
        x = stack(x)              # as NumPy does
    return x, _axes(what, axis, len(shape_of(x)))


def is_numpy(x: Any) -> bool:
    """Whether ``x`` is a NumPy array or scalar: reduced by a record, as a float is by a cast."""
    return isinstance(primal_value(x), np.ndarray | np.generic)


def unreduced(x: Any) -> Any:
    """``x`` summed (or multiplied) over no axis: NumPy's accumulator dtype.

    ``np.sum(x, axis=())`` and ``np.prod`` of a 0-d array widen bools and small
    integers to the platform integer, as over any axis; floats stay as they are.
    """
    v = primal_value(x)
    if type(v) is bool:          # a comparison of Python floats: NumPy's bool to NumPy
        v = np.bool_(v)
    if isinstance(v, np.ndarray | np.generic) and v.dtype.kind in "biu":
        acc = np.sum(np.zeros(1, v.dtype)).dtype
        if acc != v.dtype:
            return astype(x, acc)
    return x


def sum(x: Number, axis: Axis = None, keepdims: bool = False, where: Any = None) -> Number:
    """NumPy's ``sum``: over every element, or along ``axis``.

    A list of numbers is stacked first, as NumPy does; a float is its own sum.

    Args:
      x: A number, an array, a traced value, or a list of numbers of one shape.
      axis: None (every axis), an int or a tuple of ints.
      keepdims: Keep the reduced axes with size 1.
      where: A boolean mask (broadcast against ``x``; traced or not): only the
        elements where it holds are summed, the others get no gradient.

    Returns:
      A float for a whole reduction (a float32 scalar for float32), else an array.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.grad(lambda x: tg.sum(x * x))(np.array([1.0, 2.0]))
      array([2., 4.])
      >>> tg.sum(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
      array([4., 6.])
      >>> tg.grad(lambda a, b: tg.sum([a, a * b]))(2.0, 3.0)
      4.0
    """
    if where is not None:
        x = stack(x) if isinstance(x, list | tuple) else x
        total = sum(_masked(x, where, 0.0), axis, keepdims)     # the derivative
        if foreign(primal_value(x)) is not None:
            return total
        return masked_sum_p(total, x, where, axis, keepdims)    # NumPy's bits and dtype
    if axis is None and not keepdims:       # the whole array: one record, a float
        return _list_sum(x, "sum")[0] if isinstance(x, list | tuple) else sum_p(x)
    x, axes = _prepare("sum", x, axis)
    return sum_axes(x, axes, keepdims) if axes or keepdims else unreduced(x)


def numpy_mean(x: Number, axis: Axis = None, keepdims: bool = False, where: Any = None) -> Number:
    """``np.mean`` and ``x.mean()``: ``mean``, but float16 data summed and divided in float32.

    NumPy's mean of float16 (without ``dtype``) computes in float32 and
    rounds the result; its ``var`` and ``std`` subtract a float16 mean, as
    ``mean`` itself gives.
    """
    if (axis is not None or keepdims or where is not None) and not isinstance(
            x, list | tuple) and np.asarray(primal_value(x)).dtype == np.float16:
        return astype(mean(astype(x, np.float32), axis, keepdims, where), np.float16)
    return mean(x, axis, keepdims, where)


def mean(x: Number, axis: Axis = None, keepdims: bool = False, where: Any = None) -> Number:
    """NumPy's ``mean``: over every element, or along ``axis``.

    Args:
      x: A number, an array, a traced value, or a list of numbers of one shape.
      axis: None (every axis), an int or a tuple of ints.
      keepdims: Keep the reduced axes with size 1.
      where: A boolean mask (broadcast against ``x``; traced or not): the mean
        of the elements where it holds.

    Returns:
      The mean, shaped as ``tg.sum`` would be.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.mean(np.array([1.0, 2.0])), tg.mean([1.0, 2.0, 6.0])
      (np.float64(1.5), 3.0)
      >>> tg.mean(np.array([[1.0, 2.0], [3.0, 5.0]]), axis=1)
      array([1.5, 4. ])
    """
    if where is not None:
        v = primal_value(x)
        kind = np.asarray(v).dtype                   # v may be a NumPy or Python scalar
        ones = np.ones(shape_of(x), kind if kind.kind == "f" else np.float64)
        count = sum(_masked(ones, where, 0.0), axis, keepdims)
        return sum(x if ones.dtype == kind else astype(x, ones.dtype), axis, keepdims,
                   where) / count
    if axis is None and not keepdims:       # the whole array: one record, a float
        if not isinstance(x, list | tuple):
            return mean_p(x)
        total, n = _list_sum(x, "mean")
        return total / float(n) if n else math.nan       # NumPy's mean of nothing
    x, axes = _prepare("mean", x, axis)
    shape = shape_of(x)
    n = math.prod(shape[a] for a in axes)
    total = sum_axes(x, axes, keepdims) if axes or keepdims else x
    return total / float(n) if n else total * math.nan


def _masked_sum(total: Any, x: Any, mask: Any, axis: Axis, keepdims: bool) -> Any:
    """NumPy's ``sum(x, axis, keepdims=keepdims, where=mask)``, its bits and dtype.

    NumPy adds the runs of held places in turn (each run's pairwise sum),
    which ``sum(where(mask, x, 0))`` does not; ``total``, that sum, carries
    the derivative.
    """
    return _whole(np.sum(x, axis=axis, keepdims=keepdims, where=mask))


masked_sum_p: Primitive = primitive(_masked_sum, "sum_where", check_rules=False)
defvjp(masked_sum_p, lambda g, ans, total, x, mask, axis, keepdims: g, None, None, None, None)
defjvp(masked_sum_p, lambda t, ans, total, x, mask, axis, keepdims: t, None, None, None, None)


def _masked(x: Any, mask: Any, fill: float) -> Any:
    """``x`` where ``mask`` holds, ``fill`` elsewhere, in ``x``'s shape and float dtype."""
    x = stack(x) if isinstance(x, list | tuple) else x
    shape = np.broadcast_shapes(shape_of(x), shape_of(mask))
    if shape != shape_of(x):
        raise ValueError(f"where: a mask of shape {shape_of(mask)} does not broadcast to "
                         f"the array's shape {shape_of(x)}.")
    v = primal_value(x)
    dtype = v.dtype if isinstance(v, np.ndarray) and v.dtype.kind == "f" else np.float64
    return where(mask, x, np.zeros(shape, dtype=dtype) + fill)


def _extreme(what: str, prim: Primitive, x: Any, axis: Axis, keepdims: bool) -> Any:
    x, axes = _prepare(what, x, axis)
    shape = shape_of(x)
    if builtins.any(shape[a] == 0 for a in axes):
        raise ValueError(f"tg.{what}: a reduction over an empty axis has no {what}imum.")
    if not shape and not is_numpy(x):
        return x        # a float (NumPy's scalar: numpy_made, a cast); NumPy's recorded
    return prim(x, axes, keepdims)


def max(x: Number, axis: Axis = None, keepdims: bool = False) -> Number:
    """NumPy's ``max``: the largest element, or along ``axis``.

    Ties split the gradient equally (forward mode: the mean of the tied tangents).

    Args:
      x: A number, an array, a traced value, or a list of numbers of one shape.
      axis: None (every axis), an int or a tuple of ints.
      keepdims: Keep the reduced axes with size 1.

    Returns:
      The maximum, shaped as ``tg.sum`` would be.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.grad(lambda x: tg.max(x))(np.array([1.0, 3.0, 3.0]))
      array([0. , 0.5, 0.5])
    """
    return _extreme("max", max_axes, x, axis, keepdims)


def min(x: Number, axis: Axis = None, keepdims: bool = False) -> Number:
    """NumPy's ``min``: the smallest element, or along ``axis``.

    Ties split the gradient equally (forward mode: the mean of the tied tangents).

    Args:
      x: A number, an array, a traced value, or a list of numbers of one shape.
      axis: None (every axis), an int or a tuple of ints.
      keepdims: Keep the reduced axes with size 1.

    Returns:
      The minimum, shaped as ``tg.sum`` would be.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.min(np.array([[1.0, 2.0], [0.5, 4.0]]), axis=1)
      array([1. , 0.5])
    """
    return _extreme("min", min_axes, x, axis, keepdims)


# ------------------------------------------- the NumPy methods on Traced
def _made(f: Any) -> Any:
    return lambda x: numpy_made(f(x))     # x.sum() is NumPy's scalar, as np.sum(x)


for _np_f, _fn in ((np.sum, sum), (np.mean, numpy_mean), (np.max, max), (np.min, min)):
    setattr(Traced, _np_f.__name__, numpy_method(_np_f, _made(_fn)))


_AXIS = ("axis", "keepdims")
functions.update({np.sum: (sum, _AXIS + ("where",)), np.mean: (numpy_mean, _AXIS + ("where",)),
                  np.max: (max, _AXIS),
                  np.min: (min, _AXIS), np.amax: (max, _AXIS), np.amin: (min, _AXIS)})
