"""A ufunc's ``at`` and ``reduceat`` on traced values: ``np.add.at(a, i, x)``, ``np.add.reduceat``.

``np.add.at(a, i, x)`` writes into ``a`` without buffering: where ``i``
repeats, each ``x`` is added in turn (``a[i] += x`` would add the last one
only). ``a`` must be a traced array a write may change, as for ``a[i] = x``
(``a = np.zeros_like(x)``; ``writes.py``): it then stands for the written
array. ``add`` and ``subtract`` are one ``add_at`` record, NumPy's own
``np.add.at`` on a copy (the same bits); its derivative is ``g`` for ``a``
and ``g`` read at ``i`` for ``x``, repeats included. Any other ufunc
(``np.maximum.at``, ``np.multiply.at``, ``np.negative.at``) with a constant
index is its writes in NumPy's order: each round writes the next occurrence
of every element the index names, so no round names an element twice. A
traced ``x`` is read (copied) before the first write, as NumPy reads an
operand that overlaps ``a`` (``np.multiply.at(a, [0, 0], a[1])``).

``ufunc.reduceat(x, indices, axis)`` is one ``ufunc.reduce`` of each
segment ``x[indices[k]:indices[k + 1]]`` (the element ``x[indices[k]]``
where the next index is not larger, NumPy's rule), folded from the left as
NumPy folds it, stacked along ``axis``; ``np.add.reduceat`` is one
``add_reduceat`` record, NumPy's own (it adds in SIMD lanes, not from the
left), whose cotangent gathers ``g`` by segment and adds it at each place.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from .arrays import astype, stack
from .indexing import _MAX_PARTS, _fill, _index, gather, getitem, index_add
from .numpy_advice import alternatives
from .numpy_tables import ufunc_methods
from .primitive import Primitive, defjvp, defvjp, primitive
from .shapes import broadcast_to, reshape, sum_like
from .ufunc_methods import _fold
from .values import Traced, primal_value, shape_of
from .writes import copy_p, writable, write, written_into

__all__ = ["add_at_p", "add_reduceat_p", "at", "reduceat"]


def _key(template: Any, parts: tuple[Any, ...]) -> Any:
    return _fill(template, parts) if parts else template


def _add_at(a: Any, x: Any, template: Any, *parts: Any) -> Any:
    r = np.array(a, copy=True)
    np.add.at(r, _key(template, parts), x)
    return r


def _read(g: Any, template: Any, parts: tuple[Any, ...]) -> Any:
    return gather(g, template, *parts) if parts else getitem(g, template)


def _added_ct(g: Any, ans: Any, a: Any, x: Any, template: Any, *parts: Any) -> Any:
    """The cotangent of ``x``: ``g`` at every place it was added to, summed to its shape."""
    ct = _read(g, template, parts)
    return ct if shape_of(ct) == shape_of(x) else sum_like(ct, x)


def _added_tangent(t: Any, ans: Any, a: Any, x: Any, template: Any, *parts: Any) -> Any:
    zeros = np.zeros(shape_of(ans), np.asarray(primal_value(ans)).dtype)
    return add_at_p(zeros, t, template, *parts)


add_at_p: Primitive = primitive(_add_at, "add_at", check_rules=False)
_NONE = (None,) * (_MAX_PARTS + 1)        # the index and its traced integer parts
defvjp(add_at_p, lambda g, ans, a, x, template, *parts: g, _added_ct, *_NONE)
defjvp(add_at_p, lambda t, ans, a, x, template, *parts: t, _added_tangent, *_NONE)


def _rounds(shape: tuple[int, ...], key: Any) -> list[tuple[tuple[Any, ...], np.ndarray]]:
    """NumPy's order of the writes of ``a[key]``: per round, unique places and their positions."""
    flat = np.arange(int(np.prod(shape)), dtype=np.intp).reshape(shape)[key].ravel()
    seen: dict[int, int] = {}
    turn = np.zeros(flat.size, np.intp)
    for k, p in enumerate(flat.tolist()):        # the how-many-th write of its place
        turn[k] = seen[p] = seen.get(p, -1) + 1
    out = []
    for k in range(int(turn.max()) + 1 if turn.size else 0):
        which = np.flatnonzero(turn == k)
        out.append((np.unravel_index(flat[which], shape), which))
    return out


def _in_turn(ufunc: Any, a: Traced, key: Any, x: Any, what: str) -> None:
    """``ufunc.at(a, key, x)`` as writes of rounds whose places are all distinct."""
    shape = shape_of(a)
    rounds = _rounds(shape, key)
    xs = None
    if x is not None:
        taken = shape_of(np.broadcast_to(0, shape)[key])
        xs = np.broadcast_to(x, taken).ravel() if type(x) is not Traced else \
            copy_p(reshape(broadcast_to(x, taken), (-1,)))   # read before any write, as NumPy
    for places, which in rounds:
        old = getitem(a, places)
        new = ufunc(old) if xs is None else ufunc(old, getitem(xs, which))
        write(a, places, new, what)


def _one_by_one(ufunc: Any, a: Traced, indices: Traced, x: Any, what: str) -> None:
    """``ufunc.at(a, i, x)`` with a traced integer ``i``: one write per element of ``i``."""
    taken = shape_of(indices) + shape_of(a)[1:]          # the shape a[indices] has
    count = int(np.prod(shape_of(indices)))
    flat = reshape(indices, (count,))
    xs = None if x is None else reshape(broadcast_to(x, taken) if type(x) is Traced else
                                        np.broadcast_to(x, taken), (count,) + taken[
                                            len(shape_of(indices)):])
    xs = copy_p(xs) if type(xs) is Traced else xs        # read before any write, as NumPy
    for k in range(count):
        i = getitem(flat, k)
        old = cast(Any, a)[i]                 # a gather: i is traced
        write(a, i, ufunc(old) if xs is None else ufunc(old, getitem(xs, k)), what)


def at(ufunc: Any, a: Any, indices: Any, b: Any = None) -> None:
    """NumPy's ``ufunc.at(a, indices, b)``: ``ufunc`` applied at ``indices``, unbuffered."""
    name = f"np.{ufunc.__name__}.at"
    what = f"{name} writes into its array"
    if type(a) is not Traced:
        alt = f" Use {alternatives['add.at']} to keep a NumPy a." if ufunc is np.add else ""
        raise TypeError(f"{name} was applied to a traced value: {name}(a, i, x) writes into a, "
                        "a NumPy array, which cannot hold a traced value. Write into a traced "
                        f"array (a = np.zeros_like(x); {name}(a, i, x)).{alt}")
    writable(a, what)
    if (ufunc.nin == 2) != (b is not None):
        raise TypeError(f"{name}: a {ufunc.nin}-argument ufunc takes "
                        f"{'a second operand' if ufunc.nin == 2 else 'no second operand'}.")
    idx, parts = _index(indices)
    if ufunc in (np.add, np.subtract):
        written_into(a, add_at_p(a, b if ufunc is np.add else -b, idx, *parts))
        return
    if not parts:
        _in_turn(ufunc, a, idx, b, what)
    elif type(indices) is Traced:
        _one_by_one(ufunc, a, indices, b, what)
    else:
        raise TypeError(f"{name} with a traced part of a tuple index: index with a constant, "
                        "or with one traced integer array (along the first axis).")


def _add_reduceat(x: Any, indices: tuple[int, ...], axis: int) -> Any:
    return np.add.reduceat(x, indices, axis=axis, dtype=np.asarray(x).dtype)


def _segments(indices: tuple[int, ...], n: int) -> tuple[np.ndarray, np.ndarray]:
    """The segment of each added element and its place: ``(segment, position)`` pairs."""
    ends = [*indices[1:], n]
    segs = [np.full(max(j - i, 1), k) for k, (i, j) in enumerate(zip(indices, ends))]
    places = [np.arange(i, max(j, i + 1)) for i, j in zip(indices, ends)]
    return np.concatenate(segs), np.concatenate(places)


def _add_reduceat_vjp(g: Any, ans: Any, x: Any, indices: tuple[int, ...], axis: int) -> Any:
    """Each element's cotangent: the sum of ``g`` over the segments that hold it."""
    segs, places = _segments(indices, shape_of(x)[axis])
    pre = (slice(None),) * axis
    return index_add(getitem(g, pre + (segs,)), x, pre + (places,))


add_reduceat_p: Primitive = primitive(_add_reduceat, "add_reduceat", check_rules=False)
defvjp(add_reduceat_p, _add_reduceat_vjp, None, None)
defjvp(add_reduceat_p, lambda t, ans, x, indices, axis: add_reduceat_p(t, indices, axis),
       None, None)


def reduceat(ufunc: Any, x: Any, indices: Any, axis: int = 0, dtype: Any = None,
             out: Any = None) -> Any:
    """NumPy's ``ufunc.reduceat``: the reduce of each segment that starts at ``indices[k]``."""
    name = f"np.{ufunc.__name__}.reduceat"
    if out is not None:
        raise TypeError(f"{name}(..., out=...) was applied to a traced value: an array cannot "
                        "hold a traced value; assign the result instead.")
    if type(indices) is Traced:
        raise TypeError(f"{name} with traced indices: the segments must be known while "
                        "tracing; pass them as a constant.")
    shape = shape_of(x)
    ax = int(axis) % len(shape) if shape else 0
    n = shape[ax] if shape else 0
    idx = [int(i) for i in np.ravel(np.asarray(indices))]
    for i in idx:
        if not 0 <= i < n:
            raise IndexError(f"index {i} out-of-bounds in {ufunc.__name__}.reduceat [0, {n})")
    out = ufunc.reduceat(np.zeros(1, np.asarray(primal_value(x)).dtype), [0], dtype=dtype).dtype
    x = x if out == np.asarray(primal_value(x)).dtype else astype(x, out)   # NumPy's loop dtype
    if not idx:                          # no segment: the axis is empty
        return getitem(x, (slice(None),) * ax + (slice(0, 0),))
    if ufunc is np.add:                  # NumPy sums in lanes: its own bits
        return add_reduceat_p(x, tuple(idx), ax)
    pre = (slice(None),) * ax
    pieces = []
    for k, i in enumerate(idx):
        j = idx[k + 1] if k + 1 < len(idx) else n
        pieces.append(_fold(ufunc, getitem(x, pre + (slice(i, j),)), ax, np._NoValue, False)
                      if j > i + 1 else getitem(x, pre + (i,)))
    return stack(pieces, ax)


def _at(ufunc: Any, *inputs: Any, **kwargs: Any) -> None:
    if kwargs:
        raise TypeError(f"np.{ufunc.__name__}.at takes no keywords.")
    return at(ufunc, *inputs)


ufunc_methods.update({"at": _at, "reduceat": reduceat})
