"""vmap's table: how each primitive runs on a whole batch, keyed by the primitive.

A rule gets the equation, its arguments (batched along axis 0 where
``batched`` says so) and the batch size, and returns the batched result.
A primitive's block fills ``batch_rules[prim]`` when its rule is not a
default: an elementwise primitive (``elementwise=True``) broadcasts, any
other runs once per example (always right). Like autodidax's
``vmap_rules[p]`` and JAX's ``primitive_batchers``.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import numpy as np

from ..values import shape_of

__all__ = ["BatchRule", "STAND_IN", "along_axes", "batch_rules", "broadcasting", "example",
           "per_example", "rule", "shape_of", "whole"]

BatchRule = Callable[[Any, list[Any], list[bool], int], Any]
"""``rule(eqn, values, batched, n) -> value``: ``values`` are batched along
axis 0 where ``batched`` says so; the result is batched."""

batch_rules: weakref.WeakKeyDictionary[Any, BatchRule] = weakref.WeakKeyDictionary()
"""``batch_rules[prim]``: filled by the primitive's block where no default fits.

Weak keys: a primitive made per call (a jitted or vmapped call under an outer
transform) leaves the table with its owner."""


STAND_IN: ContextVar[bool] = ContextVar("stand_in", default=False)
"""True while vmap traces a stand-in example for a batch of size 0: only the
kinds of its values count, so a ``while_loop`` runs no step (at made-up
values it might never stop)."""


def broadcasting(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    """The primitive's own implementation, once, on the whole batch.

    Batched operands are shaped (n, 1, ..., 1, *example shape) against the
    result's example shape, so the batch axis meets no unbatched axis.
    """
    rank = len(shape_of(e.ans))
    args = []
    for v, b in zip(values, batched):
        if b and v.ndim - 1 != rank:      # (n, *example) already when the ranks agree
            v = v.reshape((n,) + (1,) * (rank + 1 - v.ndim) + v.shape[1:])
        args.append(v)
    if rank == 1 and any(b and _reversed(v) for v, b in zip(args, batched)):
        return _as_reversed(e, args, batched)
    return e.prim.impl(*args)


def _reversed(v: Any) -> bool:
    """An (n, m) batch whose examples are 1-d views with a negative stride (``x[::-1]``)."""
    return type(v) is np.ndarray and v.ndim == 2 and v.strides[1] < 0


def _as_reversed(e: Any, args: list[Any], batched: list[bool]) -> Any:
    """The impl on the batch as one 1-d view with a negative stride, as on each example.

    NumPy hands a 1-d operand's stride to its loop as it is, and a negative one
    takes ``arctan`` (``sin``, ``exp``, ``arctan2``..., float32 and float64) off
    its SIMD kernel, which rounds otherwise; a 2-d batch is iterated in memory
    order, SIMD. So each batched operand is laid flat and read backwards.
    """
    shapes = {v.shape for v, b in zip(args, batched) if b}
    if len(shapes) != 1 or any(np.ndim(v) for v, b in zip(args, batched) if not b):
        return e.prim.impl(*args)
    flat = [np.ascontiguousarray(v).reshape(-1)[::-1] if b else v for v, b in zip(args, batched)]
    out = np.asarray(e.prim.impl(*flat))
    return np.ascontiguousarray(out[::-1]).reshape(shapes.pop())


def per_example(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    """Any other primitive: its impl on each example, the results stacked."""
    if not n:
        return np.empty((0,) + shape_of(e.ans), dtype=np.result_type(e.ans))
    outs = [np.asarray(e.prim.impl(*(example(v, i) if b else v
                                     for v, b in zip(values, batched)))) for i in range(n)]
    for i, o in enumerate(outs):
        if o.shape != outs[0].shape:
            raise ValueError(
                f"vmap: primitive '{e.prim.name}' returned shape {outs[0].shape} for example "
                f"0 but {o.shape} for example {i}; under vmap its result must have one "
                "shape for every example (pad it, or loop over the examples in Python).")
    return np.stack(outs)


def whole(np_reduce: Callable[..., Any]) -> BatchRule:
    """The rule of a reduction of a whole example to one number (``np.sum``, ``np.mean``)."""
    def reduced(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
        x = np.asarray(values[0])        # float32 stays float32; the mean of ints is a float
        if x.ndim == 1 and x.dtype == np.float64:
            # float64 examples are Python floats, whose sum or mean is float(x):
            # -0.0 stays -0.0, where a reduction over no axis starts at +0.0
            return x.copy()
        # over the example's axes, not a reshape: NumPy sums a view in memory order,
        # and a reshape would copy a transposed example into another order
        return np_reduce(x, axis=tuple(range(1, x.ndim)))
    return reduced


def along_axes(np_fn: Callable[..., Any]) -> BatchRule:
    """The rule of ``prim(x, axes, keepdims)`` reducing by ``np_fn``: the axes shift by one."""
    def reduced(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
        return np_fn(np.asarray(values[0]), axis=tuple(a + 1 for a in values[1]),
                     keepdims=values[2])
    return reduced


def rule(prim: Any) -> BatchRule:
    """``prim``'s batching rule: its own, broadcasting, or once per example."""
    found = batch_rules.get(prim)
    if found is not None:
        return found
    return broadcasting if getattr(prim, "elementwise", False) else per_example


def example(x: Any, i: int) -> Any:
    """Example ``i`` of a batched value (a float where it is one)."""
    v = x[i]
    if type(v) is np.float64:
        return float(v)
    return v      # an np.float32 as in a Python loop over the batch
