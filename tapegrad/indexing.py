"""Indexing traced arrays: ``x[key]`` with constant or traced integer parts, and ``take``.

A constant key is one ``getitem`` record (its adjoint ``index_add``); a key
with traced integer parts is one ``gather`` record (adjoint ``scatter_add``)
whose template holds the constant parts and ``SLOT`` where a traced part goes.
Each block holds its impl, rules, batching rule and spelling.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .backend_rules import np_dtype, xp_getitem, xp_index_add
from .backends import array_api_impls, call, foreign
from .batching.rules import batch_rules, example, per_example
from .errors import IndexTypeError
from .layouts import c_ordered
from .numpy_tables import functions
from .primitive import Primitive, defjvp, defvjp, primitive
from .shapes import _bad_axis, _data, _is_float_array, _scalar, reshape
from .staging.spellings import Spelling, spellings
from .values import Traced, float_array, numpy_made, primal_value, shape_of

Number = Any

__all__ = ["SLOT", "gather", "getitem", "index_add", "scatter_add", "take"]


def _getitem(x: Any, idx: Any) -> Any:
    if type(x) is not np.ndarray and foreign(x) is not None:
        return call(getitem, x, idx)
    r = _data(x)[idx]
    return r if _has_ellipsis(idx) else _scalar(r)    # x[1, 2, ...] is NumPy's 0-d array


def _has_ellipsis(idx: Any) -> bool:
    """Whether an index holds ``...``: NumPy's result is then an array, a 0-d one too."""
    return idx is Ellipsis or (type(idx) is tuple and any(p is Ellipsis for p in idx))


def _index_add(g: Any, x: Any, idx: Any) -> Any:
    """Zeros of ``x``'s shape with ``g`` added at ``idx`` (repeats add up)."""
    if foreign(g, x) is not None:
        return call(index_add, g, x, idx)
    z = np.zeros(shape_of(x), dtype=np.result_type(float_array(x).dtype, np.asarray(g).dtype))
    if _basic(idx):
        z[idx] += g          # no element twice: the same sums as np.add.at, faster
    else:
        np.add.at(z, idx, g)
    return z


def _basic(idx: Any) -> bool:
    """An index of ints, slices, None and ``...`` only: it names no element twice."""
    parts = idx if type(idx) is tuple else (idx,)
    return all(type(p) is int or type(p) is slice or p is None or p is Ellipsis
               for p in parts)


getitem: Primitive = primitive(_getitem, "getitem", check_rules=False)
index_add: Primitive = primitive(_index_add, "index_add", check_rules=False)
array_api_impls[getitem] = xp_getitem
array_api_impls[index_add] = xp_index_add      # each library's own scatter-add
defvjp(getitem, lambda g, ans, x, idx: index_add(g, x, idx), None)
defjvp(getitem, lambda t, ans, x, idx: getitem(t, idx), None)
defvjp(index_add, lambda c, ans, g, x, idx: getitem(c, idx), None, None)
defjvp(index_add, lambda t, ans, g, x, idx: index_add(t, x, idx), None, None)
spellings[getitem] = Spelling(array=lambda values, ans: "{0}[{1}]" if _is_float_array(values[0])
                              and type(ans) is np.ndarray else None)


def _batch_index(idx: Any) -> tuple[Any, ...] | None:
    """``idx`` behind a batch axis, or None where NumPy would move the advanced axes."""
    parts = idx if isinstance(idx, tuple) else (idx,)
    if not any(isinstance(p, np.ndarray) for p in parts):
        return (slice(None),) + parts            # basic: the batch axis stays first
    fancy = [k for k, p in enumerate(parts)      # with an array, an int is advanced too
             if isinstance(p, np.ndarray | np.integer | int) and not isinstance(p, bool)]
    if fancy != list(range(fancy[0], fancy[-1] + 1)):
        return None               # separated advanced indices: their axes go first
    return (slice(None),) + parts


def _batched_getitem(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    idx = _batch_index(values[1])
    if idx is None or not batched[0]:
        return per_example(e, values, batched, n)
    r = _data(values[0])[idx]
    if not any(isinstance(p, np.ndarray) for p in idx):
        return r                  # a basic index: a view, strided as each example's
    return _laid_out_like(r, e.ans)


def _laid_out_like(r: np.ndarray, ans: Any) -> np.ndarray:
    """Batched ``r`` with each example in ``ans``'s memory order, so sums round as on it.

    NumPy lays out ``x[:, [2, 0]]`` index axis first, and ``xs[:, :, [2, 0]]`` so
    too, which puts the batch axis inside its examples: for a vector example
    too (``xs[:, [2, 0]]``), whose float32 ``matmul`` then leaves BLAS.
    """
    if type(ans) is not np.ndarray or not ans.ndim or r.ndim != ans.ndim + 1 or (
            ans.flags.c_contiguous and r.flags.c_contiguous):
        return r
    order = sorted(range(ans.ndim), key=lambda a: -abs(ans.strides[a]))   # outermost first
    base = np.empty((r.shape[0],) + tuple(ans.shape[a] for a in order), r.dtype)
    out = base.transpose((0,) + tuple(1 + order.index(a) for a in range(ans.ndim)))
    out[...] = r
    return out


def _batched_index_add(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    idx = _batch_index(values[2])
    if idx is None or not batched[0]:
        return per_example(e, values, batched, n)
    g = np.asarray(values[0])
    z = np.zeros((n,) + shape_of(e.ans), dtype=np.result_type(g.dtype, np.asarray(e.ans).dtype))
    np.add.at(z, idx, g)
    return z


batch_rules[getitem] = _batched_getitem
batch_rules[index_add] = _batched_index_add


# Indexing with traced integers (an int array argument under jit or vmap, or
# np.floor(x).astype(int)): a gather, as JAX's. The index's traced parts are
# arguments of the record, the rest of the index a constant template with a
# SLOT where each traced part goes; the derivative scatters (adds) into zeros.
class _Slot:
    """Where a traced part of an index goes in the template."""

    def __repr__(self) -> str:
        return "#"


SLOT = _Slot()
_MAX_PARTS = 64          # NumPy's most axes: more traced parts than that cannot index


def _fill(template: tuple[Any, ...], parts: tuple[Any, ...]) -> tuple[Any, ...]:
    it = iter(parts)
    return tuple(next(it) if p is SLOT else p for p in template)


def _gather(x: Any, template: tuple[Any, ...], *parts: Any) -> Any:
    return _getitem(x, _fill(template, parts))


def _scatter_add(g: Any, x: Any, template: tuple[Any, ...], *parts: Any) -> Any:
    return _index_add(g, x, _fill(template, parts))


gather: Primitive = primitive(_gather, "gather", check_rules=False)
scatter_add: Primitive = primitive(_scatter_add, "scatter_add", check_rules=False)
array_api_impls[gather] = lambda xp, x, tpl, *parts: xp_getitem(xp, x, _fill(tpl, parts))
array_api_impls[scatter_add] = lambda xp, g, x, tpl, *parts: xp_index_add(
    xp, g, x, _fill(tpl, parts))
_NONE = (None,) * (_MAX_PARTS + 1)
defvjp(gather, lambda g, ans, x, tpl, *parts: scatter_add(g, x, tpl, *parts), *_NONE)
defjvp(gather, lambda t, ans, x, tpl, *parts: gather(t, tpl, *parts), *_NONE)
defvjp(scatter_add, lambda c, ans, g, x, tpl, *parts: gather(c, tpl, *parts), *_NONE, None)
defjvp(scatter_add, lambda t, ans, g, x, tpl, *parts: scatter_add(t, x, tpl, *parts),
       *_NONE, None)


def _gather_key(template: tuple[Any, ...], parts: list[Any], batched: list[bool], n: int,
                batch_axis: bool) -> tuple[Any, ...] | None:
    """A gather's index for the whole batch, or None where NumPy would place it otherwise.

    Where the advanced entries (integer arrays and ints) of one example's index
    come first and side by side, their result axes come first: a batched part
    gets the batch axis in front of its example axes, and ``batch_axis`` puts
    ``arange(n)`` (broadcast against them) before the index for a batched array.
    """
    it = iter(zip(parts, batched))
    entries: list[tuple[Any, bool]] = [next(it) if p is SLOT else (p, False) for p in template]
    advanced = [isinstance(p, np.ndarray | np.integer | int) and not isinstance(p, bool)
                for p, _ in entries]
    count = advanced.count(True)
    if not count or advanced[:count] != [True] * count or any(
            isinstance(p, np.ndarray) and p.dtype == bool for p, _ in entries):
        return None
    rank = max(np.ndim(p) - b for p, b in entries[:count])
    key = [np.reshape(p, (n,) + (1,) * (rank + 1 - np.ndim(p)) + np.shape(p)[1:]) if b else p
           for p, b in entries]
    if batch_axis:
        key.insert(0, np.arange(n).reshape((n,) + (1,) * rank))
    return tuple(key)


def _batched_gather(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    key = _gather_key(values[1], values[2:], batched[2:], n, batched[0])
    if key is None:
        return per_example(e, values, batched, n)
    return _laid_out_like(_data(values[0])[key], e.ans)


def _batched_scatter_add(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    key = _gather_key(values[2], values[3:], batched[3:], n, True)
    if key is None or not n:      # an empty batch has no example to read the index of
        return per_example(e, values, batched, n)
    g = np.asarray(values[0])
    shape = shape_of(e.ans)
    if batched[0]:               # (n, *example): the batch axis in front of the gathered axes
        first = _fill(values[2], tuple(example(v, 0) if b else v for v, b in
                                       zip(values[3:], batched[3:])))
        rank = np.ndim(np.broadcast_to(0.0, shape)[first])
        g = g.reshape((n,) + (1,) * (rank + 1 - g.ndim) + g.shape[1:])
    z = np.zeros((n,) + shape, dtype=np.result_type(g.dtype, np.asarray(e.ans).dtype))
    np.add.at(z, key, g)
    return z


batch_rules[gather] = _batched_gather
batch_rules[scatter_add] = _batched_scatter_add


as_int_index: list[Any] = [None]
"""``astype(x, np.int64)``, set by ``arrays.py`` (which imports this module)."""


def _jit_int(k: Any) -> bool:
    """Whether ``k`` is an argument ``jit`` was given as a Python int (traced as a float).

    At any level: a jitted function called inside another transform sees
    the outer ``jit``'s traced int through its own tape's input.
    """
    while type(k) is Traced:
        ints = k.tape.ints
        if ints and k.id in ints and k.id not in (k.tape.floats or ()):
            return True
        k = k._value
    return False


def _integer(v: Any) -> bool:
    """Whether a traced index part's value is integer data (an int array or scalar)."""
    return isinstance(v, np.integer) or (isinstance(v, np.ndarray) and v.dtype.kind in "iu")


def _index(key: Any) -> tuple[Any, list[Traced]]:
    """A user's index as a constant NumPy accepts, and its traced integer parts.

    Where a part is traced, the constant has ``SLOT`` in its place.
    """
    parts = key if isinstance(key, tuple) else (key,)
    out = []
    traced = []
    for k in parts:
        if type(k) is Traced:
            v = primal_value(k)
            if type(v) is float and _jit_int(k):    # an int in eager: JAX indexes with it
                k = as_int_index[0](k)
                v = primal_value(k)
            if np_dtype(v).kind == "b":     # the dtype, without reading the values
                raise TypeError(
                    "indexing with a traced boolean mask (x[x > 0]) would make the "
                    "result's shape depend on a value; use tg.where(mask, x, 0.0) to keep "
                    "the shape, or a constant mask.")
            if not _integer(v) and not (foreign(v) is not None and np_dtype(v).kind in "iu"):
                raise TypeError(
                    "indexing with a traced float: an index must be a constant or "
                    "integer data (an int array, passed as such, or "
                    "np.floor(x).astype(int)). "
                    "A Python int argument of tg.jit or tg.grad is traced as a number: "
                    "pass it as a NumPy int array, or in static_argnums to index with "
                    "its value.")
            traced.append(k)
            out.append(SLOT)
            continue
        if isinstance(k, list):
            k = np.asarray(k) if k else np.zeros(0, np.intp)     # x[[]]: NumPy's empty take
            if k.dtype.kind not in "iub":
                raise IndexTypeError(f"an index list must hold ints or bools, not {k.dtype}.")
        out.append(k)
    if traced:
        return tuple(out), traced
    return (tuple(out) if isinstance(key, tuple) else out[0]), traced


def _traced_getitem(self: Traced, key: Any) -> Any:
    idx, traced = _index(key)
    if traced:
        return numpy_made(gather(self, idx, *traced))
    return numpy_made(getitem(self, idx))


def take(a: Any, indices: Any, axis: int | None = None) -> Any:
    """NumPy's ``take``: ``a[indices]`` along ``axis`` (flattened when None).

    The way to index a constant NumPy array with traced integers, which
    ``a[i]`` cannot do (NumPy would need the index's value).

    Args:
      a: An array (traced or not).
      indices: Integer data (traced or not).
      axis: The axis to take along, or None to take from the flattened array.

    Returns:
      The elements of ``a`` at ``indices``; the derivative scatters back.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> E = np.array([[1.0, 2.0], [3.0, 4.0]])
      >>> tg.jit(lambda i: tg.take(E, i, axis=0))(np.array([1, 1]))
      array([[3., 4.],
             [3., 4.]])
    """
    if axis is None:
        a = reshape(a, -1)
        axis = 0
    nd = len(shape_of(a))
    ax = int(axis) % nd if -nd <= int(axis) < nd else _bad_axis("take", axis, nd)
    key = (slice(None),) * ax + (indices,)
    if type(indices) is not Traced:
        return c_ordered(getitem(a, _index(key)[0]))      # x[:, [2, 0]] is not C-ordered
    idx, traced = _index(key)
    return c_ordered(gather(a, idx, *traced))


def _traced_len(self: Traced) -> int:
    shape = self.shape
    if not shape:
        raise TypeError("len() of a traced float: it has no length.")
    return shape[0]


def _traced_iter(self: Traced) -> Any:
    return (numpy_made(getitem(self, i)) for i in range(_traced_len(self)))   # as x[i]


Traced.__getitem__ = _traced_getitem                             # type: ignore
Traced.__len__ = _traced_len                                     # type: ignore
Traced.__iter__ = _traced_iter                                   # type: ignore


def _np_take(a: Any, indices: Any, axis: int | None = None, out: None = None,
             mode: str = "raise") -> Any:
    """NumPy's ``take``: ``mode`` "wrap" or "clip" brings the indices into range first."""
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"take: mode must be 'raise', 'wrap' or 'clip', not {mode!r}.")
    if mode != "raise":
        n = math.prod(shape_of(a)) if axis is None else shape_of(a)[axis]
        indices = np.mod(indices, n) if mode == "wrap" else np.clip(indices, 0, n - 1)
    return take(a, indices, axis)


functions[np.take] = (_np_take, ("axis", "mode"))
Traced.take = _np_take                                          # type: ignore[attr-defined]
