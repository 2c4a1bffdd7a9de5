"""Reductions along axes: ``tg.sum``, ``tg.mean``, ``tg.max``, ``tg.min``.

With ``axis=None`` and no ``keepdims``, ``sum`` and ``mean`` are the
whole-array primitives of ``reductions.py``. Otherwise one primitive per
reduction takes the axes and ``keepdims`` as constants. The gradient of a
sum broadcasts the cotangent back over the reduced axes; ``max`` and
``min`` split it equally among the elements that tie for the extreme
(forward mode: the mean of their tangents), as the kink conventions of
``maximum`` and ``minimum`` do for two.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from . import reductions
from .arrays import _scalar, broadcast_to_p, stack
from .batching.rules import along_axes, batch_rules
from .kinks import where
from .ops import div
from .primitive import Primitive, defjvp, defvjp, primitive
from .reductions import reshape
from .values import float_array, primal_value, shape_of

__all__ = ["max", "mean", "min", "sum"]

Number = Any
Axis = int | tuple[int, ...] | None


def _axes(what: str, axis: Any, nd: int) -> tuple[int, ...]:
    """``axis`` as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(nd))
    items = axis if isinstance(axis, tuple | list) else (axis,)
    out = []
    for a in items:
        if isinstance(a, bool) or not isinstance(a, int | np.integer) or not -nd <= a < nd:
            raise ValueError(f"tg.{what}: axis {axis!r} is out of range for an array of "
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
        g = reshape(g, _kept(shape, axes))
    return broadcast_to_p(g, shape)


def _reduction(name: str, np_fn: Any) -> Primitive:
    def impl(x: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
        return _scalar(np_fn(float_array(x), axis=axes, keepdims=keepdims))
    impl.__name__ = name
    return primitive(impl, name, check_rules=False)


sum_axes = _reduction("sum_axes", np.sum)
max_axes = _reduction("max_axes", np.max)
min_axes = _reduction("min_axes", np.min)
defvjp(sum_axes, lambda g, ans, x, axes, keep: _back(g, x, axes, keep), None, None)
defjvp(sum_axes, lambda t, ans, x, axes, keep: sum_axes(t, axes, keep), None, None)
batch_rules[sum_axes] = along_axes(np.sum)


def _ties(ans: Any, x: Any, axes: tuple[int, ...], keep: bool) -> tuple[Any, Any]:
    """Where ``x`` attains the extreme ``ans``, and how many times per reduction."""
    at = x == _back(ans, x, axes, keep)
    one = np.asarray(primal_value(x)).dtype.type(1.0)     # float32 stays float32
    count = sum_axes(where(at, one, 0.0), axes, True)
    return at, count


def _extreme_vjp(g: Any, ans: Any, x: Any, axes: tuple[int, ...], keep: bool) -> Any:
    at, count = _ties(ans, x, axes, keep)
    share = div(_back(g, x, axes, keep), broadcast_to_p(count, shape_of(x)))
    return where(at, share, 0.0)


def _extreme_jvp(t: Any, ans: Any, x: Any, axes: tuple[int, ...], keep: bool) -> Any:
    at, count = _ties(ans, x, axes, keep)
    mean = div(sum_axes(where(at, t, 0.0), axes, True), count)
    return mean if keep else reshape(mean, shape_of(ans))


for _p in (max_axes, min_axes):
    defvjp(_p, _extreme_vjp, None, None)
    defjvp(_p, _extreme_jvp, None, None)
batch_rules[max_axes], batch_rules[min_axes] = along_axes(np.max), along_axes(np.min)


def _prepare(what: str, x: Any, axis: Axis) -> tuple[Any, tuple[int, ...]]:
    if isinstance(x, list | tuple):
        x = stack(x)              # as NumPy does
    return x, _axes(what, axis, len(shape_of(x)))


def sum(x: Number, axis: Axis = None, keepdims: bool = False) -> Number:
    """NumPy's ``sum``: over every element, or along ``axis``.

    A list of numbers is stacked first, as NumPy does; a float is its own sum.

    Args:
      x: A number, an array, a traced value, or a list of numbers of one shape.
      axis: None (every axis), an int or a tuple of ints.
      keepdims: Keep the reduced axes with size 1.

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
    if axis is None and not keepdims:
        return reductions.sum(x)
    x, axes = _prepare("sum", x, axis)
    return sum_axes(x, axes, keepdims) if axes or keepdims else x


def mean(x: Number, axis: Axis = None, keepdims: bool = False) -> Number:
    """NumPy's ``mean``: over every element, or along ``axis``.

    Args:
      x: A number, an array, a traced value, or a list of numbers of one shape.
      axis: None (every axis), an int or a tuple of ints.
      keepdims: Keep the reduced axes with size 1.

    Returns:
      The mean, shaped as ``tg.sum`` would be.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.mean(np.array([1.0, 2.0])), tg.mean([1.0, 2.0, 6.0])
      (1.5, 3.0)
      >>> tg.mean(np.array([[1.0, 2.0], [3.0, 5.0]]), axis=1)
      array([1.5, 4. ])
    """
    if axis is None and not keepdims:
        return reductions.mean(x)
    x, axes = _prepare("mean", x, axis)
    shape = shape_of(x)
    n = math.prod(shape[a] for a in axes)
    total = sum_axes(x, axes, keepdims) if axes or keepdims else x
    return total / float(n) if n else total * math.nan


def _extreme(what: str, prim: Primitive, x: Any, axis: Axis, keepdims: bool) -> Any:
    x, axes = _prepare(what, x, axis)
    shape = shape_of(x)
    if builtins.any(shape[a] == 0 for a in axes):
        raise ValueError(f"tg.{what}: a reduction over an empty axis has no {what}imum.")
    if not shape:
        return x
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
def _method(fn: Any) -> Any:
    def method(self: Any, axis: Axis = None, keepdims: bool = False) -> Any:
        return fn(self, axis=axis, keepdims=keepdims)
    method.__name__ = fn.__name__
    method.__doc__ = f"``tg.{fn.__name__}(self, axis, keepdims)``."
    return method


def _reshape_method(self: Any, *shape: Any) -> Any:
    from .arrays import reshape_to
    return reshape_to(self, shape[0] if len(shape) == 1 else shape)


def _install() -> None:
    from . import arrays
    from .values import Traced
    for fn in (sum, mean, max, min):
        setattr(Traced, fn.__name__, _method(fn))
    Traced.reshape = _reshape_method                               # type: ignore
    Traced.dot = lambda self, b: arrays.dot(self, b)               # type: ignore
    Traced.T = property(lambda self: arrays.transpose(self))       # type: ignore
    Traced.dtype = property(lambda self: np.asarray(_primal_dtype(self)).dtype)  # type: ignore
    Traced.__matmul__ = lambda self, b: arrays.matmul(self, b)     # type: ignore
    Traced.__rmatmul__ = lambda self, a: arrays.matmul(a, self)    # type: ignore
    Traced.__getitem__ = arrays._traced_getitem                    # type: ignore
    Traced.__len__ = arrays._traced_len                            # type: ignore
    Traced.__iter__ = arrays._traced_iter                          # type: ignore
    Traced.astype = lambda self, dtype, *a, **k: arrays.astype(self, dtype)  # type: ignore
    Traced.round = lambda self, decimals=0: arrays.round_p(self, decimals)   # type: ignore
    Traced.copy = lambda self, order="K": self    # type: ignore  # immutable: itself
    Traced.ravel = lambda self, order="C": arrays.reshape_to(self, -1)       # type: ignore
    Traced.flatten = Traced.ravel                                  # type: ignore
    Traced.transpose = lambda self, *axes: arrays.transpose(       # type: ignore
        self, axes[0] if len(axes) == 1 and not isinstance(axes[0], int) else (axes or None))
    Traced.clip = lambda self, lo=None, hi=None: _clip(self, lo, hi)    # type: ignore
    Traced.__mod__ = arrays.mod.apply2                             # type: ignore
    Traced.__rmod__ = arrays.mod.rapply2                           # type: ignore
    Traced.__floordiv__ = arrays.floordiv.apply2                   # type: ignore
    Traced.__rfloordiv__ = arrays.floordiv.rapply2                 # type: ignore


def _clip(x: Any, lo: Any, hi: Any) -> Any:
    from .kinks import maximum, minimum
    x = x if lo is None else maximum(x, lo)
    return x if hi is None else minimum(x, hi)


def _primal_dtype(x: Any) -> Any:
    from .values import primal_value
    v = primal_value(x)
    return v if isinstance(v, np.ndarray | np.generic) else np.float64(v)


_install()
