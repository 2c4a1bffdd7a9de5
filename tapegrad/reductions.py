"""Shapes and reductions: the primitives that are not elementwise.

``sum`` and ``mean`` reduce an array number to a float (the identity on a
float; a list of numbers is stacked first, as NumPy does), and
``broadcast_like``/``sum_like`` are the pair the tape players use to undo
NumPy broadcasting. ``logsumexp`` and ``softmax`` are stable composites on
a list of numbers.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .batching.rules import batch_rules, whole
from .kinks import maximum, stop_gradient, where
from .ops import Number, div, exp, log, logaddexp
from .primitive import Primitive, defjvp, defvjp, primitive
from .staging.spellings import Spelling, spellings
from .values import float_array, is_scalar, shape_of

__all__ = ["broadcast_like", "logsumexp", "mean", "reshape", "softmax", "sum", "sum_like"]


# ---------------------------------------------------- shapes and reductions
def _whole(r: Any) -> Any:
    """A whole-array reduction: a float, or a float32 scalar for float32."""
    return r if type(r) is np.float32 or type(r) is np.float16 else float(r)


def _pshape(x: Any) -> tuple[int, ...]:
    """The shape of a plain number (the fast cases first: impls are on hot paths)."""
    t = type(x)
    return x.shape if t is np.ndarray else () if t is float else shape_of(x)


def _broadcast_like(g: Any, x: Any) -> Any:
    shape = _pshape(x)
    if _pshape(g) == shape:
        return g
    dtype = np.asarray(g).dtype
    return np.full(shape, g, dtype=dtype if dtype.kind == "f" else float)


def _sum_like(c: Any, x: Any) -> Any:
    """Sum ``c`` down to the shape of ``x`` (undo NumPy broadcasting)."""
    shape = _pshape(x)
    cshape = _pshape(c)
    if cshape == shape:
        return c
    if shape == ():
        return _whole(c.sum() if type(c) is np.ndarray else np.sum(c))
    lead = len(cshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and cshape[lead + i] != 1)
    return np.sum(c, axis=axes).reshape(shape)


broadcast_like: Primitive = primitive(_broadcast_like, "broadcast_like", check_rules=False)
sum_like: Primitive = primitive(_sum_like, "sum_like", check_rules=False)
defvjp(broadcast_like, lambda c, ans, g, x: sum_like(c, g), None)
defjvp(broadcast_like, lambda t, ans, g, x: broadcast_like(t, x), None)
defvjp(sum_like, lambda g, ans, c, x: broadcast_like(g, c), None)
defjvp(sum_like, lambda t, ans, c, x: sum_like(t, x), None)


def _spell_like(summing: bool) -> Any:
    """The array spelling of ``sum_like`` (or ``broadcast_like``) on known shapes."""
    def array(values: list[Any], ans: Any) -> str | None:
        c, shape = values[0], np.shape(values[1])
        if type(c) is not np.ndarray or c.dtype.kind != "f":
            return None
        if c.shape == shape:
            return "{0}"
        if summing and shape and type(ans) is np.ndarray:
            lead = c.ndim - len(shape)
            axes = tuple(range(lead)) + tuple(
                lead + i for i, n in enumerate(shape) if n == 1 and c.shape[lead + i] != 1)
            return f"{{0}}.sum(axis={axes!r}).reshape({shape!r})"
        return "float({0}.sum())" if summing and not shape and c.dtype == np.float64 else None
    return array


spellings[broadcast_like] = Spelling(float="{0}", array=_spell_like(False))   # shapes equal
spellings[sum_like] = Spelling(float="{0}", array=_spell_like(True))


def _batched_broadcast_like(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    g = values[0]
    shape = shape_of(e.ans)
    if not batched[0]:
        return np.broadcast_to(float_array(g), (n,) + shape).copy()
    g = np.reshape(g, (n,) + (1,) * (len(shape) - (np.ndim(g) - 1)) + np.shape(g)[1:])
    return np.broadcast_to(g, (n,) + shape).copy()


def _batched_sum_like(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    c = float_array(values[0])       # float32 stays float32, as in the example
    if not batched[0]:
        c = np.broadcast_to(c, (n,) + c.shape)
    target = shape_of(e.ans)
    cshape = c.shape[1:]
    lead = len(cshape) - len(target)
    axes = tuple(range(1, lead + 1)) + tuple(
        1 + lead + i for i, k in enumerate(target) if k == 1 and cshape[lead + i] != 1)
    return np.sum(c, axis=axes).reshape((n,) + target) if axes else c.reshape((n,) + target)


batch_rules[broadcast_like] = _batched_broadcast_like
batch_rules[sum_like] = _batched_sum_like


def _reshape(x: Any, shape: tuple[int, ...]) -> Any:
    """``x`` with a new shape of as many elements; shape ``()`` gives a float."""
    a = np.asarray(x)                    # float32 stays float32, integer data integer
    a = a if a.dtype.kind in "iu" else float_array(a)
    if shape == ():
        r = a.reshape(())[()]
        return float(r) if a.dtype == np.float64 else r
    return a.reshape(shape)


reshape: Primitive = primitive(_reshape, "reshape", check_rules=False)
defvjp(reshape, lambda g, ans, x, shape: reshape(g, shape_of(x)), None)
defjvp(reshape, lambda t, ans, x, shape: reshape(t, shape), None)


def _batched_reshape(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    a = np.asarray(values[0])            # as ``_reshape``: integer data stays integer
    return np.reshape(a if a.dtype.kind in "iu" else float_array(a), (n,) + shape_of(e.ans))


batch_rules[reshape] = _batched_reshape


def _sum(x: Any) -> Any:
    if type(x) is np.ndarray:
        return _whole(x.sum())
    return float(x) if is_scalar(x) else _whole(np.sum(x))


def _mean(x: Any) -> Any:
    return float(x) if is_scalar(x) else _whole(np.mean(x))


sum_p: Primitive = primitive(_sum, "sum", check_rules=False)
defvjp(sum_p, lambda g, ans, x: broadcast_like(g, x))
defjvp(sum_p, lambda t, ans, x: sum_p(t))
spellings[sum_p] = Spelling(float="{0}", array=lambda values, ans: "float({0}.sum())"
                           if values[0].dtype == np.float64 else None)
batch_rules[sum_p] = whole(np.sum)
mean_p: Primitive = primitive(_mean, "mean", check_rules=False)
defvjp(mean_p, lambda g, ans, x: div(broadcast_like(g, x), float(np.prod(shape_of(x)))))
defjvp(mean_p, lambda t, ans, x: mean_p(t))
spellings[mean_p] = Spelling(float="{0}", array=lambda values, ans: "float({0}.mean())"
                            if values[0].dtype == np.float64 else None)
batch_rules[mean_p] = whole(np.mean)


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


def sum(x: Number) -> Number:
    """Sum every element of an array number to a float (identity on floats).

    A list of numbers is summed as NumPy would stack and sum it.

    Args:
      x: A float, an array, a traced value, or a list of numbers of one shape.

    Returns:
      A float (a traced one inside a transform).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.grad(lambda x: tg.sum(x * x))(np.array([1.0, 2.0]))
      array([2., 4.])
      >>> tg.grad(lambda a, b: tg.sum([a, a * b]))(2.0, 3.0)
      4.0
    """
    if isinstance(x, list | tuple):
        return _list_sum(x, "sum")[0]
    return sum_p(x)


def mean(x: Number) -> Number:
    """Mean of every element of an array number (identity on floats).

    A list of numbers is averaged as NumPy would stack and average it.

    Args:
      x: A float, an array, a traced value, or a list of numbers of one shape.

    Returns:
      A float (a traced one inside a transform).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.mean(np.array([1.0, 2.0])), tg.mean([1.0, 2.0, 6.0])
      (1.5, 3.0)
    """
    if isinstance(x, list | tuple):
        total, n = _list_sum(x, "mean")
        if n == 0:
            return math.nan                # NumPy's mean of nothing
        return total / float(n)
    return mean_p(x)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Number:
    """``log(sum(exp(x)))`` over ``axis``, computed stably: SciPy's ``logsumexp``.

    For an array, every element with ``axis=None`` (a 2-D array gives a
    float), as SciPy does. A Python list is stacked first and reduced over
    the list (axis 0), so a list of arrays stays elementwise. Finite at
    +-1000, ``-inf`` where every element is ``-inf`` (no ``nan``); on ties
    the gradient is split equally (``logsumexp([a, a])`` gives 0.5 each).

    Args:
      x: An array (traced or not), or a non-empty list of numbers.
      axis: None (every axis of an array; the list's axis for a list), an
        int or a tuple of ints.
      keepdims: Keep the reduced axes with size 1.

    Returns:
      The reduction, shaped as ``tg.sum`` would be.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> round(tg.logsumexp([1000.0, 1000.0]) - 1000.0, 6)
      0.693147
      >>> round(tg.logsumexp(np.log(np.array([[1.0, 2.0], [3.0, 4.0]]))), 12)   # log(10)
      2.302585092994
      >>> tg.logsumexp(np.log(np.array([[1.0, 2.0], [3.0, 4.0]])), axis=1)
      array([1.09861229, 1.94591015])
    """
    from . import axes as _axes  # axes.py builds on this module
    if isinstance(x, list | tuple):
        items = list(x)
        if not items:
            raise ValueError("logsumexp: got an empty list; pass at least one number.")
        if axis is None and not keepdims:     # elementwise over the list
            acc = items[0]
            for item in items[1:]:
                acc = logaddexp(acc, item)
            return acc
        x, axis = _stack_list(items), 0 if axis is None else axis
    shape = shape_of(x)
    axes = _axes._axes("logsumexp", axis, len(shape))
    if builtins.any(shape[a] == 0 for a in axes):     # log(0): -inf, as SciPy
        return log(_axes.sum(exp(x), axis=axes, keepdims=keepdims))
    if not axes and not keepdims:
        return x
    m = stop_gradient(_axes.max(x, axis=axes, keepdims=True))
    m = where(abs(m) < math.inf, m, 0.0)     # an infinite maximum shifts nothing
    out = log(_axes.sum(exp(x - m), axis=axes, keepdims=keepdims))
    return out + (m if keepdims else _axes.sum(m, axis=axes, keepdims=False))


def _stack_list(items: list[Any]) -> Any:
    """A list of numbers broadcast to one shape and stacked."""
    from .arrays import broadcast_to, stack
    shape = np.broadcast_shapes(*(shape_of(i) for i in items))
    return stack([i if shape_of(i) == shape else broadcast_to(i, shape) for i in items])


def softmax(x: Any, axis: Any = None) -> Any:
    """``exp(x) / sum(exp(x))`` over ``axis``, computed stably: SciPy's ``softmax``.

    For an array, over every element with ``axis=None``, as SciPy does. A
    Python list gives a list, normalized over the list (elementwise for a
    list of arrays).

    Args:
      x: An array (traced or not), or a non-empty list of numbers.
      axis: None (every axis of an array), an int or a tuple of ints.

    Returns:
      An array shaped like ``x`` adding up to 1 over ``axis``; for a list, a
      list of numbers, one per item.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.softmax([1000.0, 1000.0])
      [0.5, 0.5]
      >>> tg.softmax(np.array([[0.0, 0.0], [0.0, 0.0]]), axis=1)
      array([[0.5, 0.5],
             [0.5, 0.5]])
    """
    if isinstance(x, list | tuple):
        items = list(x)
        if not items:
            raise ValueError("softmax: got an empty list; pass at least one number.")
        if axis is not None:
            return softmax(_stack_list(items), axis)
        m = items[0]
        for item in items[1:]:
            m = maximum(m, item)
        shifted = [item - stop_gradient(m) for item in items]   # softmax ignores a shift
        lse = logsumexp(shifted)
        return [exp(item - lse) for item in shifted]
    return exp(x - logsumexp(x, axis=axis, keepdims=True))
