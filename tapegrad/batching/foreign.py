"""``vmap`` over arrays of another library (PyTorch, CuPy, array-api-strict...).

As on NumPy, ``fun`` is traced once, at the first example, and its program
is played on the whole batch: each equation once, with the batch axis
first. The rules here are written with tapegrad's primitives, which call
the library's own functions (``xp.exp``, ``xp.matmul``, ``xp.sum``...), so
every value stays in its library and on its device, and under an outer
transform (``jit``, ``grad``) the batched equations are what it records.
An elementwise primitive (``matmul`` and ``where`` included) runs once on
the batch, its batched operands shaped ``(n, 1, ..., 1, *example)``;
``reshape``, ``transpose``, ``broadcast_to``, the reductions and a basic
index (ints, slices, ``None``, ``...``) shift their axes past the batch
axis; any other primitive runs once per example, its results stacked. A
program with a guard (a Python ``if`` on an array) runs ``fun`` once per
example instead, each guard one check per example, as in eager Python.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import tree
from ..arrays import stack
from ..backends import foreign, like
from ..indexing import _basic, getitem
from ..reductions import max_axes, mean_p, min_axes, sum_axes, sum_p
from ..shapes import (
    broadcast_like,
    broadcast_to_p,
    reshape_p,
    sum_like,
    transpose_p,
    unbroadcast_axes,
)
from ..staging.program import Const, is_guard
from ..values import primal_value, shape_of
from .axes import BATCHED, _out_leaf_axes
from .interpret import trace

__all__ = ["is_foreign", "run"]

Rule = Callable[[Any, list[Any], list[bool], int], tuple[Any, bool]]
"""``rule(eqn, values, batched, n) -> (value, batched)``, values batched along axis 0."""


def is_foreign(leaves: list[Any]) -> bool:
    """Whether a leaf is an array of a library other than NumPy (traced or not)."""
    return foreign(*map(primal_value, leaves)) is not None


def _example(x: Any, i: int, axis: int) -> Any:
    return x[(slice(None),) * axis + (i, Ellipsis)]


def run(fun: Callable[..., Any], leaves: list[Any], axes: list[Any], treedef: Any,
        out_axes: Any) -> Any:
    """``fun`` mapped over the batch of ``leaves`` (axes per leaf), on their library."""
    sizes = {shape_of(x)[a] for x, a in zip(leaves, axes) if a is not None}
    if len(sizes) != 1:
        raise ValueError(f"vmap: the mapped axes have sizes {sorted(sizes)}; they must "
                         "have one size (the batch).")
    n = sizes.pop()
    ref = next((primal_value(x) for x in leaves if foreign(primal_value(x)) is not None),
               None)                 # None: NumPy's arrays under a closure (``Captured``)
    if n == 0 and ref is not None:
        raise ValueError("vmap: a batch of size 0 of non-NumPy arrays; give at least one "
                         "example.")
    first = [(primal_value(_example(x, 0, a)) if n else _stand_in(primal_value(x), a))
             if a is not None else primal_value(x) for x, a in zip(leaves, axes)]
    try:
        spec = trace(fun, treedef, first, [False] * len(leaves), captured=True)
    except TypeError:          # a step the trace cannot take here: the loop says what
        spec = None
    if spec is None or any(is_guard(e) for e in spec.prog.eqns):
        if n == 0:
            raise ValueError("vmap: a batch of size 0 with a Python if inside the closure "
                             "of an outer transform; give at least one example.")
        if not isinstance(out_axes, int | None):
            raise TypeError("vmap: on non-NumPy arrays with a Python if on an array, "
                            f"out_axes must be one int or None, got {out_axes!r}.")
        return _per_example(fun, leaves, axes, treedef, out_axes, n, ref)
    batch = [_moved(x, a) if a is not None else x for x, a in zip(leaves, axes)]
    outs = _play(spec.prog, batch, [a is not None for a in axes], n)
    stacked = [_batch_first(v, b, n, ref) for v, b in outs]
    where = _out_leaf_axes(out_axes, spec.out_def, stacked,
                           [BATCHED if b else v for v, b in outs], fun)
    return tree.unflatten(spec.out_def, [v if a is None else _placed(s, a)
                                         for (v, _), s, a in zip(outs, stacked, where)])


def _stand_in(x: Any, axis: int) -> Any:
    """A NumPy example of an empty batch: zeros of the example's shape and dtype."""
    shape = list(np.shape(x))
    del shape[axis]
    return np.zeros(shape, np.asarray(x).dtype)


def _moved(x: Any, axis: int) -> Any:
    """``x`` with its batch axis ``axis`` moved first."""
    nd = len(shape_of(x))
    axis %= nd
    if axis == 0:
        return x
    return transpose_p(x, (axis,) + tuple(d for d in range(nd) if d != axis))


def _play(prog: Any, batch: list[Any], batched: list[bool], n: int) -> list[tuple[Any, bool]]:
    """The program's equations, each once on the batch: its outputs and whether batched."""
    env: dict[int, tuple[Any, bool]] = dict(zip(prog.inputs, zip(batch, batched)))
    for e in prog.eqns:
        values, flags = [], []
        for a in e.args:
            v, b = (a.value, False) if isinstance(a, Const) else env[a]
            values.append(v)
            flags.append(b)
        if not any(flags):
            env[e.out] = (e.prim(*values), False)
            continue
        v, b = _rule(e.prim)(e, values, flags, n)
        env[e.out] = (_full(v, (n,) + shape_of(e.ans), values, flags) if b else v, b)
    return [(o.value, False) if isinstance(o, Const) else env[o] for o in prog.outputs]


def _full(v: Any, shape: tuple[int, ...], values: list[Any], flags: list[bool]) -> Any:
    """A batched result of ``shape`` (a rule may give a constant, say zmul's exact 0.0)."""
    if shape_of(v) == shape:
        return v
    ref = next(primal_value(x) for x, b in zip(values, flags) if b)
    return broadcast_to_p(like(foreign(ref), v, ref), shape)


def _batch_first(v: Any, batched: bool, n: int, ref: Any) -> Any:
    """An output as the loop would stack it along axis 0, in the library of ``ref``."""
    if foreign(primal_value(v)) is None:
        v = like(foreign(ref), v, ref)
    if batched:
        return v
    shape = shape_of(v)
    return broadcast_to_p(reshape_p(v, (1,) + shape), (n,) + shape)


def _placed(v: Any, axis: int) -> Any:
    """A batch-first output with its batch axis moved to ``axis``."""
    nd = len(shape_of(v))
    axis %= nd
    if axis == 0:
        return v
    order = list(range(1, nd))
    return transpose_p(v, tuple(order[:axis] + [0] + order[axis:]))


# ----------------------------------------------------------------- the rules

def _rule(prim: Any) -> Rule:
    found = foreign_rules.get(prim)
    if found is not None:
        return found
    return _broadcasting if getattr(prim, "elementwise", False) else _per_equation


def _lifted(v: Any, rank: int, n: int) -> Any:
    """A batched operand shaped ``(n, 1, ..., 1, *example)`` against an example of ``rank``."""
    shape = shape_of(v)
    if len(shape) - 1 == rank:
        return v
    return reshape_p(v, (n,) + (1,) * (rank + 1 - len(shape)) + shape[1:])


def _broadcasting(e: Any, values: list[Any], batched: list[bool], n: int) -> tuple[Any, bool]:
    """An elementwise primitive (or ``matmul``): once on the whole batch."""
    rank = len(shape_of(e.ans))
    return e.prim(*(_lifted(v, rank, n) if b else v for v, b in zip(values, batched))), True


def _per_equation(e: Any, values: list[Any], batched: list[bool],
                  n: int) -> tuple[Any, bool]:
    """Any other primitive: once per example, the results stacked."""
    outs = [e.prim(*(getitem(v, i) if b else v for v, b in zip(values, batched)))
            for i in range(n)]
    ref = next(primal_value(v) for v, b in zip(values, batched) if b)
    return stack([o if foreign(primal_value(o)) is not None else like(foreign(ref), o, ref)
                  for o in outs]), True


def _shifted(axes: Any) -> tuple[int, ...]:
    return tuple(a + 1 for a in axes)


def _reshape(e: Any, values: list[Any], batched: list[bool], n: int) -> tuple[Any, bool]:
    return reshape_p(values[0], (n,) + tuple(values[1])), True


def _transpose(e: Any, values: list[Any], batched: list[bool], n: int) -> tuple[Any, bool]:
    return transpose_p(values[0], (0,) + _shifted(values[1])), True


def _broadcast_to(e: Any, values: list[Any], batched: list[bool], n: int) -> tuple[Any, bool]:
    shape = tuple(values[1])
    return broadcast_to_p(_lifted(values[0], len(shape), n), (n,) + shape), True


def _whole(prim: Any) -> Rule:
    """A reduction of a whole example to one number: along axis 1 of the batch as (n, size)."""
    def reduced(e: Any, values: list[Any], batched: list[bool], n: int) -> tuple[Any, bool]:
        shape = shape_of(values[0])
        size = 1
        for s in shape[1:]:
            size *= s
        total = sum_axes(reshape_p(values[0], (n, size)), (1,), False)
        return (total if prim is sum_p else total / float(size)), True   # xp.mean's way
    return reduced


def _along_axes(e: Any, values: list[Any], batched: list[bool], n: int) -> tuple[Any, bool]:
    if batched[1] or batched[2]:
        return _per_equation(e, values, batched, n)
    return e.prim(values[0], _shifted(values[1]), values[2]), True


def _sum_like(e: Any, values: list[Any], batched: list[bool], n: int) -> tuple[Any, bool]:
    """``c`` summed down to the example shape of ``x`` (only its shape matters)."""
    c, shape = values[0], shape_of(e.ans)
    if not batched[0]:
        return sum_like(c, e.ans), False
    axes = unbroadcast_axes(shape_of(c), shape, lead=1)
    summed = sum_axes(c, axes, False) if axes else c
    return (reshape_p(summed, (n,) + shape) if shape_of(summed) != (n,) + shape
            else summed), True


def _broadcast_like(e: Any, values: list[Any], batched: list[bool],
                    n: int) -> tuple[Any, bool]:
    g, shape = values[0], shape_of(e.ans)
    if not batched[0]:
        return broadcast_like(g, e.ans), False
    return broadcast_to_p(_lifted(g, len(shape), n), (n,) + shape), True


def _getitem(e: Any, values: list[Any], batched: list[bool], n: int) -> tuple[Any, bool]:
    """A basic index (ints, slices, None, ...) of a batched array: past the batch axis."""
    idx = values[1]
    if batched[1] or not _basic(idx):
        return _per_equation(e, values, batched, n)
    return getitem(values[0], (slice(None),) + (idx if type(idx) is tuple else (idx,))), True


foreign_rules: dict[Any, Rule] = {
    reshape_p: _reshape, transpose_p: _transpose, broadcast_to_p: _broadcast_to,
    sum_p: _whole(sum_p), mean_p: _whole(mean_p), sum_axes: _along_axes,
    max_axes: _along_axes, min_axes: _along_axes, sum_like: _sum_like,
    broadcast_like: _broadcast_like, getitem: _getitem}
"""vmap's rules on non-NumPy arrays where neither default (broadcasting, per example) fits."""


def _per_example(fun: Callable[..., Any], leaves: list[Any], axes: list[Any], treedef: Any,
                 out_axes: Any, n: int, ref: Any) -> Any:
    """``fun`` once per example (a program with a guard), the results stacked."""
    results = []
    for i in range(n):
        ex = [_example(x, i, a) if a is not None else x for x, a in zip(leaves, axes)]
        args, kwargs = tree.unflatten(treedef, ex)
        results.append(tree.flatten(fun(*args, **kwargs)))
    out_def = results[0][1]
    xp = foreign(ref)
    outs = []
    for k in range(len(results[0][0])):
        column = [r[0][k] for r in results]
        if out_axes is None:
            outs.append(column[0])
            continue
        column = [o if foreign(primal_value(o)) is not None else like(xp, o, ref)
                  for o in column]
        outs.append(stack(column, axis=out_axes))
    return tree.unflatten(out_def, outs)
