"""The shape primitives: broadcasting and its adjoint, reshape, transpose, broadcast_to.

``broadcast_like(g, x)`` spreads ``g`` over ``x``'s shape and ``sum_like(c,
x)`` sums ``c`` back down to it: each is the other's derivative, and every
broadcasting primitive's rule uses them. Where the summed axes are needed
(the impl, the batching rule, the jit spelling) ``unbroadcast_axes`` gives
them, written once. A shape primitive's block holds its impl, rules, batching
rule and spelling, as everywhere else.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import flat
from .backends import array_api_impls, call, foreign, like
from .batching.rules import batch_rules
from .numpy_tables import functions
from .primitive import Primitive, defjvp, defvjp, primitive
from .read_only import mark
from .staging.spellings import Spelling, spellings
from .values import Traced, float_array, primal_value, shape_of

Number = Any

__all__ = ["broadcast_like", "broadcast_to", "reshape", "reshape_p", "sum_like",
           "transpose", "unbroadcast_axes"]


def _scalar(r: Any) -> Any:
    """A 0-d result as NumPy's scalar (``np.float64`` of float64 data, as in NumPy).

    An ``np.float64`` is strong under NumPy's promotion (NEP 50): meeting
    float32 data it computes in float64, where a Python float would round.
    """
    return r[()] if isinstance(r, np.ndarray) and r.ndim == 0 else r


def _traced_scalar(r: Any) -> Any:
    """``_scalar`` of a traced result too: NumPy's scalar for a full reduction.

    ``where`` of two float32 scalars is 0-d, as in NumPy; a reduction built on it
    (``nanmax``, ``quantile``) returns NumPy's scalar, as NumPy's own code does.
    """
    return r[()] if isinstance(primal_value(r), np.ndarray) and primal_value(r).ndim == 0 else r


def _dtype(x: Any) -> Any:
    """The float dtype of a number, traced or not."""
    d = np.asarray(primal_value(x)).dtype
    return d if d.kind == "f" else np.dtype(float)


def _data(x: Any) -> np.ndarray:
    """An array to index or reshape: integer and bool data stay so, any other number is floats."""
    a = np.asarray(x)
    return a if a.dtype.kind in "iub" else float_array(a)


def _is_float_array(v: Any) -> bool:
    """A float array (the branch of an impl its array spelling writes)."""
    return type(v) is np.ndarray and v.dtype.kind == "f"


def _whole(r: Any) -> Any:
    """A whole-array reduction: NumPy's scalar (float64, float32, int64...).

    An integer array's sum stays an integer, as in NumPy: integer data keeps
    NumPy's arithmetic under every transform.
    """
    return r


def _pshape(x: Any) -> tuple[int, ...]:
    """The shape of a plain number (the fast cases first: impls are on hot paths)."""
    t = type(x)
    return x.shape if t is np.ndarray else () if t is float else shape_of(x)


def _broadcast_like(g: Any, x: Any) -> Any:
    shape = _pshape(x)
    if _pshape(g) == shape:
        return g
    if type(x) is not np.ndarray and foreign(g, x) is not None:
        return call(broadcast_like, g, x)
    dtype = np.asarray(g).dtype
    return np.full(shape, g, dtype=dtype if dtype.kind == "f" else float)


def unbroadcast_axes(cshape: tuple[int, ...], shape: tuple[int, ...],
                     lead: int = 0) -> tuple[int, ...]:
    """The axes of ``cshape`` to sum to undo NumPy's broadcast of ``shape`` to it.

    ``lead`` leading axes (a batch axis) are kept and not counted: the impl
    of ``sum_like``, its batching rule and its jit spelling all ask this.
    """
    extra = len(cshape) - lead - len(shape)
    return tuple(range(lead, lead + extra)) + tuple(
        lead + extra + i for i, n in enumerate(shape)
        if n == 1 and cshape[lead + extra + i] != 1)


def _sum_like(c: Any, x: Any) -> Any:
    """Sum ``c`` down to the shape of ``x`` (undo NumPy broadcasting)."""
    shape = _pshape(x)
    cshape = _pshape(c)
    if cshape == shape:
        return c
    if type(c) is not np.ndarray and foreign(c) is not None:
        return call(sum_like, c, x)
    if shape == ():
        return _whole(c.sum() if type(c) is np.ndarray else np.sum(c))
    return np.sum(c, axis=unbroadcast_axes(cshape, shape)).reshape(shape)


broadcast_like: Primitive = primitive(_broadcast_like, "broadcast_like", check_rules=False)
sum_like: Primitive = primitive(_sum_like, "sum_like", check_rules=False)
array_api_impls[broadcast_like] = lambda xp, g, x: xp.broadcast_to(like(xp, g, x), _xshape(x))
array_api_impls[sum_like] = lambda xp, c, x: xp.reshape(
    xp.sum(c, axis=unbroadcast_axes(_xshape(c), _xshape(x))), _xshape(x))


def _xshape(a: Any) -> tuple[int, ...]:
    """The shape of a plain number of any library (``np.shape`` costs microseconds)."""
    return tuple(a.shape) if hasattr(a, "shape") else ()
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
            axes = unbroadcast_axes(c.shape, shape)
            return f"{{0}}.sum(axis={axes!r}).reshape({shape!r})"
        return "{0}.sum()" if summing and not shape and c.dtype == np.float64 else None
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
    axes = unbroadcast_axes(c.shape, target, lead=1)
    return np.sum(c, axis=axes).reshape((n,) + target) if axes else c.reshape((n,) + target)


batch_rules[broadcast_like] = _batched_broadcast_like
batch_rules[sum_like] = _batched_sum_like


def _reshape(x: Any, shape: tuple[int, ...]) -> Any:
    """``x`` with a new shape of as many elements; shape ``()`` gives a float."""
    if type(x) is not np.ndarray and foreign(x) is not None:
        return call(reshape_p, x, shape)
    a = np.asarray(x)                    # float32 stays float32, integer and bool data so
    a = a if a.dtype.kind in "iub" else float_array(a)
    if shape == ():
        r = a.reshape(())[()]
        return float(r) if a.dtype == np.float64 else r
    return a.reshape(shape)


reshape_p: Primitive = primitive(_reshape, "reshape", check_rules=False)
array_api_impls[reshape_p] = lambda xp, x, shape: xp.reshape(x, shape)
defvjp(reshape_p, lambda g, ans, x, shape: reshape_p(g, shape_of(x)), None)
defjvp(reshape_p, lambda t, ans, x, shape: reshape_p(t, shape), None)


def _batched_reshape(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    a = np.asarray(values[0])            # as ``_reshape``: integer data stays integer
    return np.reshape(a if a.dtype.kind in "iub" else float_array(a), (n,) + shape_of(e.ans))


batch_rules[reshape_p] = _batched_reshape


# ------------------------------------------------------------------- shapes
def reshape(x: Number, shape: int | Sequence[int]) -> Number:
    """NumPy's ``reshape``: the same elements in a new shape (one ``-1`` allowed).

    Args:
      x: A number or an array.
      shape: The new shape; ``-1`` stands for what the other axes leave.

    Returns:
      The reshaped array (a float for shape ``()``).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.reshape(np.arange(6.0), (2, -1)).shape
      (2, 3)
    """
    shape = (int(shape),) if isinstance(shape, int | np.integer) else tuple(
        int(s) for s in shape)
    size = math.prod(shape_of(x))            # ints: math's exact product, faster than NumPy's
    known = math.prod([s for s in shape if s != -1])
    if shape.count(-1) > 1 or (shape.count(-1) and (known == 0 or size % known)) or (
            not shape.count(-1) and known != size):
        raise ValueError(f"reshape: cannot reshape an array of shape {shape_of(x)} "
                         f"({size} elements) into {shape}.")
    shape = tuple(size // known if s == -1 else s for s in shape)
    return x if shape == shape_of(x) and type(x) is not float else reshape_p(x, shape)


def _inverse_permutation(axes: tuple[int, ...]) -> tuple[int, ...]:
    """``tuple(np.argsort(axes))``, remembered: the transpose's rule asks it at every call."""
    inverse = _inverses.get(axes) if type(axes) is tuple else None
    if inverse is None:
        inverse = tuple(np.argsort(axes).tolist())
        if type(axes) is tuple:
            _inverses[axes] = inverse
    return inverse


_inverses: dict[tuple[int, ...], tuple[int, ...]] = {}


def _transpose(x: Any, axes: tuple[int, ...]) -> Any:
    if type(x) is np.ndarray and x.dtype.kind == "f":
        return x.transpose(axes)
    if foreign(x) is not None:
        return call(transpose_p, x, axes)
    return np.transpose(_data(x), axes)


transpose_p: Primitive = primitive(_transpose, "transpose", check_rules=False)
array_api_impls[transpose_p] = lambda xp, x, axes: xp.permute_dims(x, axes)
defvjp(transpose_p, lambda g, ans, x, axes: transpose_p(g, _inverse_permutation(axes)), None)
defjvp(transpose_p, lambda t, ans, x, axes: transpose_p(t, axes), None)
spellings[transpose_p] = Spelling(array=lambda values, ans: None if not _is_float_array(values[0])
                                  else "{0}.T" if tuple(values[1]) == (1, 0)
                                  else f"{{0}}.transpose({tuple(values[1])!r})")


def _batched_transpose(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    return np.transpose(_data(values[0]), (0,) + tuple(a + 1 for a in values[1]))


batch_rules[transpose_p] = _batched_transpose


def transpose(x: Number, axes: Sequence[int] | None = None) -> Number:
    """NumPy's ``transpose``: axes reversed, or permuted as ``axes`` says.

    Args:
      x: An array (a float is its own transpose).
      axes: A permutation of ``range(x.ndim)``, or None to reverse.

    Returns:
      The array with its axes permuted.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.transpose(np.array([[1.0, 2.0]])).shape
      (2, 1)
    """
    nd = len(shape_of(x))
    if nd == 0:
        return x
    if axes is None:                        # reversed: a permutation, nothing to check
        return transpose_p(x, _reversed_axes(nd))
    perm = tuple(
        int(a) % nd if -nd <= int(a) < nd else _bad_axis("transpose", a, nd) for a in axes)
    if sorted(perm) != list(range(nd)):
        raise ValueError(f"transpose: axes {tuple(axes or ())} are not a permutation of "
                         f"the {nd} axes.")
    return transpose_p(x, perm)


@functools.cache
def _reversed_axes(nd: int) -> tuple[int, ...]:
    return tuple(range(nd))[::-1]


@functools.cache
def last_two_swapped(nd: int) -> tuple[int, ...]:
    """The permutation of ``nd`` axes that swaps the last two (NumPy's ``x.mT``)."""
    return tuple(range(nd - 2)) + (nd - 1, nd - 2)


def _bad_axis(what: str, axis: Any, nd: int) -> int:
    raise np.exceptions.AxisError(f"{what}: axis {axis} is out of range for an array of {nd} axes.")


def _broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    if type(x) is not np.ndarray and foreign(x) is not None:
        return call(broadcast_to_p, x, shape)
    return np.broadcast_to(_data(x), shape)      # a view, as NumPy's (einsum reads its strides)


broadcast_to_p: Primitive = primitive(_broadcast_to, "broadcast_to", check_rules=False)
array_api_impls[broadcast_to_p] = lambda xp, x, shape: xp.broadcast_to(x, shape)
defvjp(broadcast_to_p, lambda g, ans, x, shape: sum_like(g, x), None)
defjvp(broadcast_to_p, lambda t, ans, x, shape: broadcast_to_p(t, shape), None)


def _batched_broadcast_to(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    v, shape = _data(values[0]), values[1]
    v = v.reshape((n,) + (1,) * (len(shape) + 1 - v.ndim) + v.shape[1:])
    return np.broadcast_to(v, (n,) + shape)


batch_rules[broadcast_to_p] = _batched_broadcast_to


def broadcast_to(x: Number, shape: Sequence[int]) -> Number:
    """NumPy's ``broadcast_to``: ``x`` repeated to ``shape``.

    Args:
      x: A number or an array.
      shape: The target shape, compatible with ``x``'s by NumPy's rules.

    Returns:
      An array of ``shape``; its gradient sums back to ``x``'s shape.

    Examples:
      >>> import tapegrad as tg
      >>> tg.grad(lambda x: tg.sum(tg.broadcast_to(x, (2, 3))))(1.0)
      np.float64(6.0)
    """
    shape = (int(shape),) if isinstance(shape, int) else tuple(int(s) for s in shape)
    np.broadcast_shapes(shape_of(x), shape)    # NumPy's error if they do not fit
    return mark(broadcast_to_p(x, shape))       # NumPy's is a read-only view


# ------------------------------------------- the NumPy methods on Traced
def _transpose_method(self: Any, *axes: Any) -> Any:
    return transpose(self, axes[0] if len(axes) == 1 and not isinstance(axes[0], int)
                     else (axes or None))


Traced.transpose = _transpose_method                             # type: ignore
Traced.T = property(lambda self: transpose(self))                # type: ignore


flat.as_number[0] = lambda x: reshape_p(x, ())
functions.update({
    np.transpose: (transpose, ("axes",)), np.broadcast_to: (broadcast_to, ("shape",)),
})
