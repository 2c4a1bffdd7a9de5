"""The operations of a packed program: one NumPy statement for many scalar records.

Packing (``packing.py``) replaces a group of isomorphic scalar records by
one record on vectors whose lanes are the group's records. Each scalar
primitive that may be packed has a *lane primitive* here: a NumPy
expression computing, in every lane, the bits the scalar primitive computes
on Python floats. ``x + y`` is IEEE addition on a float and on a float64
array alike; where Python differs from NumPy the lane spelling says what
Python does: ``relu(-0.0)`` is ``0.0`` (``np.maximum`` may give ``-0.0``),
a ``zmul`` by a zero is ``0.0`` even against ``inf``, a division by zero is
IEEE's (the scalar ``div`` computes that too). Primitives whose float and
array implementations may round differently (``exp``, ``tanh``: ``math``
against NumPy's own) have no lane primitive: jit leaves them scalar.

The other primitives here move values between scalars and vectors:
``stack`` (lanes from scalars), ``take`` (lanes of a vector), ``tolist``
and ``item`` (a vector's lanes as Python floats), ``column`` (a batched
scalar beside a vector's lanes, under ``vmap``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kinks, logic, ops
from ..primitive import Primitive, zmul
from .spellings import Spelling, spellings

__all__ = ["LANES", "MOVES", "column", "concat", "item", "lane", "rows", "rows_out", "shaped",
           "stack", "stack_columns", "stack_list", "take", "tolist", "view"]

_NAMES: dict[str, Any] = {"_np_where": np.where, "_np_divide": np.divide,
                          "_np_sqrt": np.sqrt, "_np_abs": np.abs}


def _lane_prim(name: str, impl: Any, template: str, repeats: tuple[int, ...] = ()
               ) -> Primitive:
    """A primitive on vectors spelled ``template`` (its NumPy names in ``_NAMES``)."""
    prim = Primitive(impl, f"lanes_{name}", elementwise=True, check_rules=False)
    spellings[prim] = Spelling(array=template, names=_NAMES, repeats=repeats)
    return prim


def _relu(x: Any) -> Any:
    return np.where(x <= 0.0, 0.0, x)


def _zmul(g: Any, d: Any) -> Any:
    """``g * d``, but ``0.0`` where ``g`` is zero: a product, then its zero lanes cleared.

    The lanes are cleared by multiplying their bits by 0 or 1 (whether ``g``
    is nonzero there): no branch per lane, several times faster than a
    masked store where zeros and nonzeros alternate (a ReLU's cotangents).
    """
    out = np.multiply(g, d)
    if type(out) is not np.ndarray:
        return np.where(g != 0.0, out, 0.0)
    keep = np.not_equal(g, 0.0)
    bits = _BITS.get(out.dtype)
    if type(keep) is not np.ndarray or bits is None:
        zero = np.logical_not(keep)
        if np.shape(zero) != out.shape:
            zero = np.broadcast_to(zero, out.shape)
        np.putmask(out, zero, 0.0)
        return out
    whole = out.view(bits)
    np.multiply(whole, keep.view(np.uint8), out=whole)     # +0.0 is all bits 0
    return out


_BITS: dict[Any, Any] = {np.dtype(np.float64): np.int64, np.dtype(np.float32): np.int32}
_NAMES["_lanes_zmul"] = _zmul


def _where(c: Any, a: Any, b: Any) -> Any:
    return np.where(c, a, b)


def _maximum(a: Any, b: Any) -> Any:
    return np.where((a > b) | (a != a), a, b)


def _minimum(a: Any, b: Any) -> Any:
    return np.where((a < b) | (a != a), a, b)


def _binary(name: str, op: Any, sign: str) -> Primitive:
    return _lane_prim(name, op, "({0} " + sign + " {1})")


LANES: dict[Any, Primitive] = {
    ops.add: _binary("add", np.add, "+"),
    ops.sub: _binary("sub", np.subtract, "-"),
    ops.mul: _binary("mul", np.multiply, "*"),
    ops.neg: _lane_prim("neg", np.negative, "(-{0})"),
    ops.square: _lane_prim("square", lambda x: x * x, "({0} * {0})", (0,)),
    ops.div: _lane_prim("div", np.divide, "_np_divide({0}, {1})"),
    ops.sqrt: _lane_prim("sqrt", np.sqrt, "_np_sqrt({0})"),
    kinks.abs: _lane_prim("abs", np.abs, "_np_abs({0})"),
    logic.gt: _binary("gt", np.greater, ">"),
    logic.lt: _binary("lt", np.less, "<"),
    logic.ge: _binary("ge", np.greater_equal, ">="),
    logic.le: _binary("le", np.less_equal, "<="),
    logic.eq: _binary("eq", np.equal, "=="),
    logic.ne: _binary("ne", np.not_equal, "!="),
    kinks.where: _lane_prim("where", _where, "_np_where({0}, {1}, {2})"),
    kinks.relu: _lane_prim("relu", _relu, "_np_where({0} <= 0.0, 0.0, {0})", (0,)),
    zmul: _lane_prim("zmul", _zmul, "_lanes_zmul({0}, {1})"),
    kinks.maximum: _lane_prim("maximum", _maximum,
                              "_np_where(({0} > {1}) | ({0} != {0}), {0}, {1})", (0, 1)),
    kinks.minimum: _lane_prim("minimum", _minimum,
                              "_np_where(({0} < {1}) | ({0} != {0}), {0}, {1})", (0, 1)),
}
"""``LANES[prim]``: the primitive computing ``prim``'s float bits in every lane."""


def _stack(*xs: Any) -> np.ndarray:
    if type(xs[0]) is float:        # Python floats (ints beside them are exact)
        return np.fromiter(xs, float, len(xs))
    return np.array(xs)


def stack_list(xs: list[Any]) -> np.ndarray:
    """``stack(*xs)`` of a list (a program's input leaves, not unpacked first)."""
    if type(xs[0]) is float:
        return np.fromiter(xs, float, len(xs))
    return np.array(xs)


def _stack_columns(*xs: Any) -> np.ndarray:
    return np.stack(xs, -1)


stack = Primitive(_stack, "lanes_stack", check_rules=False)
"""``stack(a, b, ...)``: a vector of scalars (floats or bools), called by its impl."""
stack_columns = Primitive(_stack_columns, "lanes_stack_columns", check_rules=False)
"""Under ``vmap``: batched scalars (arrays ``(n,)``, each) as the lanes of an ``(n, k)`` array."""


def _concat(*parts: Any) -> np.ndarray:
    if all(p.ndim == 1 for p in parts):
        return np.concatenate(parts)
    lead = np.broadcast_shapes(*(p.shape[:-1] for p in parts))
    return np.concatenate([np.broadcast_to(p, lead + p.shape[-1:]) for p in parts], -1)


concat = Primitive(_concat, "lanes_concat", check_rules=False)
"""``concat(a, b, ...)``: the lanes of vectors one after the other (the batch axis broadcast)."""


def _rows(v: Any, lanes: int) -> Any:
    return v.reshape(v.shape[:-1] + (v.shape[-1] // lanes, lanes))


rows = Primitive(_rows, "lanes_rows", check_rules=False)
spellings[rows] = Spelling(exact="{0}.reshape({0}.shape[:-1] + ({0}.shape[-1] // {1}, {1}))",
                           repeats=(0,))
"""``rows(v, lanes)``: a vector as a matrix of rows of ``lanes`` lanes (a view). The rows
are counted, not ``-1``: a batch of no examples has no entries to infer them from."""


def _take(v: Any, k: Any) -> Any:
    return v.take(k, -1) if type(k) is np.ndarray else v[..., k]


def _take_spelling(values: list[Any], ans: Any) -> str:
    """An index array through ``take`` (a few times faster than ``v[..., k]``).

    Lanes each repeated ``r`` times in order (a layer's activations, one per
    weight of a neuron) are ``repeat``, and all lanes ``r`` times over (the
    inputs, once per neuron) ``tile`` where that is long: about twice as
    fast as ``take``, the same copies.
    """
    k = values[1]
    if type(k) is not np.ndarray:
        return "{0}[..., {1}]"
    lanes = np.shape(values[0])[-1] if np.ndim(values[0]) else 0
    if k.ndim != 1 or lanes < 1 or k.size % lanes or k.size == lanes:
        return "{0}.take({1}, -1)"
    r = k.size // lanes
    if np.array_equal(k, np.repeat(np.arange(lanes), r)):
        return f"{{0}}.repeat({r}, -1)"
    if k.size >= _TILED and np.array_equal(k, np.tile(np.arange(lanes), r)):
        return f"_np_tile({{0}}, {r})"
    return "{0}.take({1}, -1)"


_TILED = 64      # a shorter tile: ``take`` is as fast
_NAMES["_np_tile"] = np.tile


take = Primitive(_take, "lanes_take", check_rules=False)
spellings[take] = Spelling(array=_take_spelling, names=_NAMES)
"""``take(v, k)``: lanes ``k`` (an index, a slice or an index array) of the last axis."""


def _tolist(v: Any) -> Any:
    return v.tolist()


tolist = Primitive(_tolist, "lanes_tolist", check_rules=False)
spellings[tolist] = Spelling(exact="{0}.tolist()")
"""``tolist(v)``: a vector's lanes as Python floats (or bools)."""


def _item(xs: Any, k: int) -> Any:
    return xs[k]


item = Primitive(_item, "lanes_item", check_rules=False)
spellings[item] = Spelling(exact="{0}[{1}]")
"""``item(xs, k)``: lane ``k`` of a ``tolist``."""


def _lane(v: Any, k: int) -> Any:
    return v.item(k)


lane = Primitive(_lane, "lanes_lane", check_rules=False)
spellings[lane] = Spelling(exact="{0}.item({1})")
"""``lane(v, k)``: lane ``k`` of a vector as a Python number (``tolist(v)[k]``, no list)."""


def _column(x: Any) -> Any:
    return x[..., None]


column = Primitive(_column, "lanes_column", check_rules=False)
spellings[column] = Spelling(exact="{0}[..., None]")
"""Under ``vmap``: a batched scalar as one column, beside every lane of a vector."""

def _view(v: Any, shape: tuple[int, ...], dtype: Any, offset: int, strides: tuple[int, ...]
          ) -> Any:
    return np.ndarray(shape, dtype, v, offset, strides)


view = Primitive(_view, "lanes_view", check_rules=False)
spellings[view] = Spelling(array="_np_ndarray({1}, {2}, {0}, {3}, {4})",
                           names={"_np_ndarray": np.ndarray})
"""``view(v, shape, dtype, offset, strides)``: a strided view of contiguous ``v`` (bytes)."""


def _shaped(v: Any, shape: tuple[int, ...]) -> Any:
    return v.reshape(shape)


shaped = Primitive(_shaped, "lanes_shaped", check_rules=False)
spellings[shaped] = Spelling(exact="{0}.reshape({1})")
"""``shaped(v, shape)``: ``v.reshape(shape)`` (lanes on a grid, or a grid's lanes: ``-1``)."""


def _rows_out(count: int, *parts: Any) -> list[Any]:
    n = next(p.shape[0] for p in parts if type(p) is np.ndarray and p.ndim == 2)
    out = np.empty((count, n), dtype=np.float64)
    k = 0
    while k < len(parts):
        p = parts[k]
        if type(p) is tuple:            # (write, arity): the vector written in place
            write, m = p
            write(out[parts[k + 1 + m]].T, *parts[k + 1:k + 1 + m])
            k += m + 2
        else:
            out[parts[k + 1]] = p.T
            k += 2
    return list(out)


rows_out = Primitive(_rows_out, "lanes_rows_out", check_rules=False)
"""Under ``vmap``: ``rows_out(count, v1, rows1, v2, rows2, ...)``, the lanes of ``(n, k)``
vectors as the rows ``rows1``, ``rows2``, ... (slices) of one new ``(count, n)`` array, a list of
its rows (views, each a batched output: no column copied on its own). A vector may be
``(write, m), a1, ..., am, rows``: ``write(out, a1, ..., am)`` computes it into the rows'
``(n, k)`` view ``out`` (a product written there, not copied across)."""


def mul_into(out: Any, a: Any, b: Any) -> None:
    """``a * b`` written into ``out`` (``rows_out``'s write of a product)."""
    np.multiply(a, b, out=out)


def zmul_into(out: Any, g: Any, d: Any) -> None:
    """``_zmul(g, d)`` written into ``out`` (``rows_out``'s write of a zero-safe product)."""
    np.multiply(g, d, out=out)
    keep = np.not_equal(g, 0.0)
    bits = _BITS.get(out.dtype)
    if type(keep) is np.ndarray and bits is not None:
        whole = out.view(bits)
        np.multiply(whole, keep.view(np.uint8), out=whole)     # +0.0 is all bits 0
    else:
        np.copyto(out, 0.0, where=np.logical_not(keep))


MOVES = frozenset({take, tolist, item, lane, column, rows, view, shaped})
"""The spelled primitives that move lanes (not elementwise on numbers): an index, a list."""
