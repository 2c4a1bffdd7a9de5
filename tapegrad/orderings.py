"""Orderings: ``sort``, ``argsort``, ``argmax``, ``argmin``.

Primitives with NumPy's own implementation. ``sort``'s derivative follows
the permutation (``argsort``, stable): the cotangent is scattered back, the
tangent gathered. ``argsort``, ``argmax`` and ``argmin`` give integer data,
with zero derivative, usable as indices in every transform. ``np.sort(x)``,
``x.argmax()``... dispatch here on traced values.
"""

from __future__ import annotations

import builtins
import functools
import math
from typing import Any

import numpy as np

from .along import _BatchAlong, _data, _flat_or_axis, _one_axis, _stacked
from .backends import array_api_impls, call, foreign
from .batching.rules import batch_rules
from .indexing import SLOT, gather, scatter_add
from .numpy_dispatch import functions
from .numpy_tables import numpy_method
from .primitive import Primitive, defjvp, defvjp, primitive
from .values import Traced, UnsupportedMethodError, shape_of

__all__ = ["argmax", "argmin", "argsort", "partition", "sort"]

Number = Any


# ------------------------------------------------------------------- sort
def _argsort(x: Any, axis: int) -> Any:
    if type(x) is not np.ndarray and foreign(x) is not None:
        return call(argsort_p, x, axis)
    return np.argsort(_data(x), axis=axis, kind="stable")


def _sort(x: Any, axis: int) -> Any:
    if type(x) is not np.ndarray and foreign(x) is not None:
        return call(sort_p, x, axis)
    return np.sort(_data(x), axis=axis, kind="stable")


argsort_p: Primitive = primitive(_argsort, "argsort", check_rules=False)
sort_p: Primitive = primitive(_sort, "sort", check_rules=False)
array_api_impls[argsort_p] = lambda xp, x, axis: xp.argsort(x, axis=axis, stable=True)
array_api_impls[sort_p] = lambda xp, x, axis: xp.sort(x, axis=axis, stable=True)
defvjp(argsort_p, None, None)        # integer data: no derivative
defjvp(argsort_p, None, None)
batch_rules[argsort_p] = _BatchAlong(_argsort)
batch_rules[sort_p] = _BatchAlong(_sort)


def _argsort_kind(x: Any, axis: int, kind: Any) -> Any:
    """NumPy's ``argsort`` of ``kind`` (None: its default), which orders ties its own way."""
    if type(x) is not np.ndarray and foreign(x) is not None:
        return call(argsort_kind_p, x, axis, kind)
    return np.argsort(_data(x), axis=axis, kind=kind)


def _batched_argsort_kind(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    """One argsort along the moved axis: NumPy sorts each slice on its own, as per example."""
    return _BatchAlong(functools.partial(_argsort_kind, kind=values[2]))(e, values, batched, n)


argsort_kind_p: Primitive = primitive(_argsort_kind, "argsort_kind", check_rules=False)
array_api_impls[argsort_kind_p] = lambda xp, x, axis, kind: xp.argsort(
    x, axis=axis, stable=kind in ("stable", "mergesort"))
defvjp(argsort_kind_p, None, None, None)        # integer data: no derivative
defjvp(argsort_kind_p, None, None, None)
batch_rules[argsort_kind_p] = _batched_argsort_kind


def _template(shape: tuple[int, ...], axis: int) -> tuple[Any, ...]:
    """``take_along_axis``'s index: an ``arange`` on every axis but ``axis`` (a SLOT)."""
    nd = len(shape)
    return tuple(SLOT if i == axis else np.arange(n).reshape(
        (1,) * i + (n,) + (1,) * (nd - i - 1)) for i, n in enumerate(shape))


def _sort_vjp(g: Any, ans: Any, x: Any, axis: int) -> Any:
    return scatter_add(g, x, _template(shape_of(x), axis), argsort_p(x, axis))


def _sort_jvp(t: Any, ans: Any, x: Any, axis: int) -> Any:
    return gather(t, _template(shape_of(x), axis), argsort_p(x, axis))


defvjp(sort_p, _sort_vjp, None)
defjvp(sort_p, _sort_jvp, None)


def sort(x: Number, axis: int | None = -1) -> Number:
    """NumPy's ``sort`` (a new array): ascending along ``axis`` (flattened for None).

    The derivative follows the permutation: each element's gradient is that
    of the place it was sorted to (ties keep their order: a stable sort).

    Args:
      x: An array, a traced value, or a list of numbers of one shape.
      axis: The axis to sort along (the last by default), or None to flatten.

    Returns:
      The sorted array.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.sort(np.array([3.0, 1.0, 2.0]))
      array([1., 2., 3.])
      >>> tg.grad(lambda x: tg.sort(x)[0])(np.array([3.0, 1.0, 2.0]))
      array([0., 1., 0.])
    """
    x, ax = _flat_or_axis("sort", x, axis)
    return sort_p(x, ax)


def argsort(x: Number, axis: int | None = -1, kind: str | None = "stable",
            stable: bool | None = None) -> Number:
    """NumPy's ``argsort`` (stable here by default): the indices that sort ``x`` along ``axis``.

    Integer data with zero derivative, usable as an index in every transform.
    ``np.argsort(x)`` on a traced value passes NumPy's default ``kind=None``,
    whose order of equal elements is NumPy's own (not the stable one).

    Args:
      x: An array, a traced value, or a list of numbers of one shape.
      axis: The axis to sort along (the last by default), or None to flatten.
      kind: NumPy's ``kind`` ("stable", "quicksort", "heapsort", None for NumPy's default).
      stable: NumPy's ``stable``: True asks for the stable order whatever ``kind`` says.

    Returns:
      An integer array shaped like ``x`` (flat for ``axis=None``).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.argsort(np.array([3.0, 1.0, 2.0]))
      array([1, 2, 0])
    """
    x, ax = _flat_or_axis("argsort", x, axis)
    if stable or kind in ("stable", "mergesort"):
        return argsort_p(x, ax)
    return argsort_kind_p(x, ax, kind)


# -------------------------------------------------------------- partition
def _partition(x: Any, axis: int, kth: Any) -> Any:
    return np.partition(_data(x), kth, axis=axis)


def _partition_index(x: Any, axis: int, kth: Any) -> Any:
    """Where each element of ``np.partition(x, kth)`` comes from in ``x``.

    Both are the same numbers: the k-th smallest of ``x`` (``argsort``) lands
    where the k-th smallest of the partition is (equal numbers, any match).
    """
    x = _data(x)
    src = np.argsort(x, axis=axis, kind="stable")
    dst = np.argsort(np.partition(x, kth, axis=axis), axis=axis, kind="stable")
    out = np.empty_like(src)
    np.put_along_axis(out, dst, src, axis=axis)
    return out


def _batch_kth(np_fn: Any) -> Any:
    def rule(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
        x = _data(values[0]) if batched[0] else np.broadcast_to(
            _data(values[0]), (n,) + shape_of(values[0]))
        return np_fn(x, values[1] + 1, values[2])
    return rule


partition_index_p: Primitive = primitive(_partition_index, "partition_index", check_rules=False)
partition_p: Primitive = primitive(_partition, "partition", check_rules=False)
defvjp(partition_index_p, None, None, None)      # integer data: no derivative
defjvp(partition_index_p, None, None, None)
defvjp(partition_p, lambda g, ans, x, axis, kth: scatter_add(
    g, x, _template(shape_of(x), axis), partition_index_p(x, axis, kth)), None, None)
defjvp(partition_p, lambda t, ans, x, axis, kth: gather(
    t, _template(shape_of(x), axis), partition_index_p(x, axis, kth)), None, None)
batch_rules[partition_index_p] = _batch_kth(_partition_index)
batch_rules[partition_p] = _batch_kth(_partition)


def partition(x: Number, kth: Any, axis: int | None = -1) -> Number:
    """NumPy's ``partition``: its result, differentiable as a permutation of ``x``.

    Args:
      x: An array, a traced value, or a list of numbers of one shape.
      kth: The index (or indices) whose element lands in its sorted place.
      axis: The axis to partition along (the last by default), or None to flatten.

    Returns:
      NumPy's arrangement; each element's gradient is that of the place it moved to.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.grad(lambda x: tg.partition(x, 1)[1])(np.array([3.0, 1.0, 2.0]))
      array([0., 0., 1.])
    """
    x, ax = _flat_or_axis("partition", x, axis)
    kth = tuple(int(k) for k in kth) if np.ndim(kth) else int(kth)
    return partition_p(x, ax, kth)


# ------------------------------------------------------- argmax, argmin
def _index_fn(np_fn: Any, name: str) -> Primitive:
    def impl(x: Any, axis: int | None, keepdims: bool) -> Any:
        if type(x) is not np.ndarray and foreign(x) is not None:
            return call(prim, x, axis, keepdims)
        r = np_fn(_data(x), axis=axis, keepdims=keepdims)
        return r[()] if isinstance(r, np.ndarray) and r.ndim == 0 else r
    impl.__name__ = name
    prim = primitive(impl, name, check_rules=False)
    array_api_impls[prim] = lambda xp, x, axis, keep: getattr(xp, np_fn.__name__)(
        x, axis=axis, keepdims=keep)     # argmax, argmin: the standard's names too
    defvjp(prim, None, None, None)      # integer data: no derivative
    defjvp(prim, None, None, None)

    def batched(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
        x, axis, keep = _data(values[0]), values[1], values[2]
        if not batched[0]:
            x = np.broadcast_to(x, (n,) + x.shape)
        if axis is not None:
            return np_fn(x, axis=axis + 1, keepdims=keep)
        r = np_fn(x.reshape(n, math.prod(x.shape[1:])), axis=1)   # -1 is ambiguous for n = 0
        return r.reshape((n,) + (1,) * (x.ndim - 1)) if keep else r
    batch_rules[prim] = batched
    return prim


argmax_p: Primitive = _index_fn(np.argmax, "argmax")
argmin_p: Primitive = _index_fn(np.argmin, "argmin")


def _index_of(what: str, prim: Primitive, x: Any, axis: int | None, keepdims: bool) -> Any:
    x = _stacked(x)
    nd = len(shape_of(x))
    ax = None if axis is None else _one_axis(what, axis, builtins.max(nd, 1))
    if (0 in shape_of(x)) and (ax is None or shape_of(x)[ax] == 0):
        raise ValueError(f"tg.{what}: attempt to get {what} of an empty sequence.")
    return prim(x, ax, bool(keepdims))


def argmax(x: Number, axis: int | None = None, keepdims: bool = False) -> Number:
    """NumPy's ``argmax``: the index of the largest element (the first on ties).

    Integer data with zero derivative, usable as an index in every transform
    (``x[tg.argmax(x)]`` is the maximum, differentiably).

    Args:
      x: An array, a traced value, or a list of numbers of one shape.
      axis: The axis to search along, or None for the flattened array.
      keepdims: Keep the reduced axis with size 1.

    Returns:
      An integer (NumPy's ``intp``) or an integer array.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> int(tg.argmax(np.array([1.0, 3.0, 2.0])))
      1
      >>> tg.grad(lambda x: x[tg.argmax(x)] * 2.0)(np.array([1.0, 3.0, 2.0]))
      array([0., 2., 0.])
    """
    return _index_of("argmax", argmax_p, x, axis, keepdims)


def argmin(x: Number, axis: int | None = None, keepdims: bool = False) -> Number:
    """NumPy's ``argmin``: the index of the smallest element (the first on ties).

    Args:
      x: An array, a traced value, or a list of numbers of one shape.
      axis: The axis to search along, or None for the flattened array.
      keepdims: Keep the reduced axis with size 1.

    Returns:
      An integer (NumPy's ``intp``) or an integer array, with zero derivative.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.argmin(np.array([[1.0, 0.0], [2.0, 3.0]]), axis=1)
      array([1, 0])
    """
    return _index_of("argmin", argmin_p, x, axis, keepdims)


# ------------------------------------------- NumPy's names on traced values
# every kind sorts to the stable sort's numbers (equal elements are equal numbers);
# argsort's kind decides the order of the indices of equal elements
def _numpy_kind(kind: Any, stable: Any) -> Any:
    """NumPy's ``kind`` of sort, refusing it given with ``stable`` as NumPy does."""
    if kind is not None and stable is not None:
        raise ValueError("`kind` and keyword parameters can't be provided at the same time. "
                         "Use only one of them.")
    return kind


def _np_sort(a: Any, axis: int | None = -1, kind: Any = None, stable: Any = None) -> Any:
    _numpy_kind(kind, stable)
    return sort(a, axis)


functions[np.sort] = (_np_sort, ("axis", "kind", "stable"))
functions[np.argsort] = (lambda a, axis=-1, kind=None, stable=None:
                         argsort(a, axis, _numpy_kind(kind, stable), stable),
                         ("axis", "kind", "stable"))
functions[np.partition] = (lambda a, kth, axis=-1, kind="introselect", order=None:
                           partition(a, kth, axis), ("kth", "axis", "kind", "order"))
functions[np.argmax] = (argmax, ("axis", "keepdims"))
functions[np.argmin] = (argmin, ("axis", "keepdims"))


# ------------------------------------------------- the methods on Traced
def _in_place_sort(self: Traced) -> Any:
    raise UnsupportedMethodError(
        "x.sort() sorts an array in place, and traced values are immutable: write "
        "x = np.sort(x) (or tg.sort(x, axis)), which returns a new sorted array.")


Traced.argmax = numpy_method(np.argmax, argmax)     # type: ignore
Traced.argmin = numpy_method(np.argmin, argmin)     # type: ignore
Traced.argsort = lambda self, axis=-1, kind=None, order=None, stable=None: argsort(  # type: ignore
    self, axis, _numpy_kind(kind, stable), stable)
Traced.sort = property(_in_place_sort)  # type: ignore
