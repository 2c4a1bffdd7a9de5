"""Batching rules: how ``vmap`` runs each primitive on a whole batch.

A rule gets the equation, its arguments (batched along axis 0 where
``batched`` says so) and the batch size, and returns the batched result.
Elementwise primitives (and ``matmul``, whose leading axes broadcast) run
their own implementation once, their batched operands given size-1 axes
after the batch axis so that it never meets an unbatched array's axis.
Reductions and ``transpose`` shift their axes by one; shapes act per
example; indexing puts ``:`` in front of the index. Any other primitive
runs once per example, its results stacked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import arrays, axes, reductions
from ..values import float_array
from ..vmap_traced import LeafPrimitive
from . import rules
from .rules import BatchRule, batch_rules, example, per_example, shape_of

__all__ = ["rule"]




def _reduce(np_reduce: Callable[..., Any]) -> BatchRule:
    def rule(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
        x = float_array(values[0])
        return x if x.ndim == 1 else np_reduce(x.reshape(n, x.size // n if n else 1), axis=1)
    return rule


def _broadcast_like(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    g = values[0]
    shape = shape_of(e.ans)
    if not batched[0]:
        return np.broadcast_to(float_array(g), (n,) + shape).copy()
    g = np.reshape(g, (n,) + (1,) * (len(shape) - (np.ndim(g) - 1)) + np.shape(g)[1:])
    return np.broadcast_to(g, (n,) + shape).copy()


def _sum_like(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    c = float_array(values[0])       # float32 stays float32, as in the example
    if not batched[0]:
        c = np.broadcast_to(c, (n,) + c.shape)
    target = shape_of(e.ans)
    cshape = c.shape[1:]
    lead = len(cshape) - len(target)
    axes = tuple(range(1, lead + 1)) + tuple(
        1 + lead + i for i, k in enumerate(target) if k == 1 and cshape[lead + i] != 1)
    return np.sum(c, axis=axes).reshape((n,) + target) if axes else c.reshape((n,) + target)


def _reshape(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    return np.reshape(arrays._data(values[0]), (n,) + shape_of(e.ans))


def _transpose(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    return np.transpose(values[0], (0,) + tuple(a + 1 for a in values[1]))


def _broadcast_to(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    v, shape = arrays._data(values[0]), values[1]
    v = v.reshape((n,) + (1,) * (len(shape) + 1 - v.ndim) + v.shape[1:])
    return np.broadcast_to(v, (n,) + shape).copy()


def _along_axes(np_fn: Callable[..., Any]) -> BatchRule:
    def rule(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
        return np_fn(float_array(values[0]), axis=tuple(a + 1 for a in values[1]),
                     keepdims=values[2])
    return rule


def _concatenate(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    *xs, axis = values
    parts = [arrays._data(v) if b else np.broadcast_to(arrays._data(v), (n,) + np.shape(v))
             for v, b in zip(xs, batched)]
    return np.concatenate(parts, axis=axis + 1)


def _batch_index(idx: Any) -> tuple[Any, ...] | None:
    """``idx`` behind a batch axis, or None where NumPy would move the advanced axes."""
    parts = idx if isinstance(idx, tuple) else (idx,)
    fancy = [k for k, p in enumerate(parts) if isinstance(p, np.ndarray)]
    if fancy and fancy != list(range(fancy[0], fancy[-1] + 1)):
        return None               # separated advanced indices: their axes go first
    return (slice(None),) + parts


def _getitem(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    idx = _batch_index(values[1])
    if idx is None or not batched[0]:
        return per_example(e, values, batched, n)
    return arrays._data(values[0])[idx]


def _index_add(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    idx = _batch_index(values[2])
    if idx is None or not batched[0]:
        return per_example(e, values, batched, n)
    g = np.asarray(values[0])
    z = np.zeros((n,) + shape_of(e.ans), dtype=np.result_type(g.dtype, np.asarray(e.ans).dtype))
    np.add.at(z, idx, g)
    return z


def _gather_key(template: tuple[Any, ...], parts: list[Any], batched: list[bool], n: int,
                batch_axis: bool) -> tuple[Any, ...] | None:
    """A gather's index for the whole batch, or None where NumPy would place it otherwise.

    Where the advanced entries (integer arrays and ints) of one example's index
    come first and side by side, their result axes come first: a batched part
    gets the batch axis in front of its example axes, and ``batch_axis`` puts
    ``arange(n)`` (broadcast against them) before the index for a batched array.
    """
    it = iter(zip(parts, batched))
    entries: list[tuple[Any, bool]] = [next(it) if p is arrays.SLOT else (p, False)
                                       for p in template]
    advanced = [isinstance(p, np.ndarray | np.integer | int) and not isinstance(p, bool)
                for p, _ in entries]
    count = sum(advanced)
    if not count or advanced[:count] != [True] * count or any(
            isinstance(p, np.ndarray) and p.dtype == bool for p, _ in entries):
        return None
    rank = max(np.ndim(p) - b for p, b in entries[:count])
    key = [np.reshape(p, (n,) + (1,) * (rank + 1 - np.ndim(p)) + np.shape(p)[1:]) if b else p
           for p, b in entries]
    if batch_axis:
        key.insert(0, np.arange(n).reshape((n,) + (1,) * rank))
    return tuple(key)


def _gather(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    key = _gather_key(values[1], values[2:], batched[2:], n, batched[0])
    if key is None:
        return per_example(e, values, batched, n)
    return arrays._data(values[0])[key]


def _scatter_add(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    key = _gather_key(values[2], values[3:], batched[3:], n, True)
    if key is None:
        return per_example(e, values, batched, n)
    g = np.asarray(values[0])
    shape = shape_of(e.ans)
    if batched[0]:               # (n, *example): the batch axis in front of the gathered axes
        first = arrays._fill(values[2], tuple(example(v, 0) if b else v for v, b in
                                              zip(values[3:], batched[3:])))
        rank = np.ndim(np.broadcast_to(0.0, shape)[first])
        g = g.reshape((n,) + (1,) * (rank + 1 - g.ndim) + g.shape[1:])
    z = np.zeros((n,) + shape, dtype=np.result_type(g.dtype, np.asarray(e.ans).dtype))
    np.add.at(z, key, g)
    return z


batch_rules.update({
    reductions.sum_p: _reduce(np.sum), reductions.mean_p: _reduce(np.mean),
    reductions.broadcast_like: _broadcast_like, reductions.sum_like: _sum_like,
    reductions.reshape: _reshape,
})
batch_rules.update({
    arrays.transpose_p: _transpose, arrays.broadcast_to_p: _broadcast_to,
    arrays.getitem: _getitem, arrays.index_add: _index_add,
    arrays.gather: _gather, arrays.scatter_add: _scatter_add,
    axes.sum_axes: _along_axes(np.sum), axes.max_axes: _along_axes(np.max),
    axes.min_axes: _along_axes(np.min),
})


def rule(prim: Any) -> BatchRule:
    """``prim``'s batching rule: its own, broadcasting, or once per example."""
    found = batch_rules.get(prim)
    if found is None and prim.name == "concatenate" and prim in arrays._CONCATS.values():
        return _concatenate
    if found is None and isinstance(prim, LeafPrimitive):      # vmap(vmap(f))
        staged, k = prim.staged, prim.k
        return lambda e, values, batched, n: staged.batched_leaf(k, values, batched, n)
    return rules.rule(prim)
