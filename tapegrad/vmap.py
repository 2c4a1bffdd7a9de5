"""``tg.vmap``: run a function of one example over a batch, by batching rules.

``vmap(fun)`` traces ``fun`` on one example (a staging tape with concrete
values, so Python control flow runs), then plays the recorded program on
the whole batch: each primitive through its rule in ``batching.py``. The
batch axis is axis 0 of every batched value; an elementwise primitive's
batched operands get size-1 axes after it, so the batch axis never meets
an unbatched array's axis (``x * w`` with a batched scalar ``x`` and an
array ``w`` of shape (3,) is (B, 3), as in a loop). Reductions and shape
primitives act per example; a custom primitive runs once on the batch when
declared ``elementwise``, else once per example.

A guard (a Python branch on a traced value) becomes a mask. Where it is
mixed, the batch splits: the examples that agree go on, the others run
through a specialization traced at one of them, and the results are put
back in order, so the answer always equals a Python loop.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from . import batching, tree, vmap_compiled
from .arguments import check_callable
from .batching import batch_rules
from .staging.cache import MAX_SPECIALIZATIONS
from .staging.program import Const, Program, from_tape, is_guard
from .tape import Traced, ieee, primal_value
from .transforms import make_tape
from .vmap_traced import Staged

__all__ = ["batch_rules", "vmap"]

def vmap(fun: Callable[..., Any], in_axes: Any = 0, out_axes: Any = 0) -> Callable[..., Any]:
    """Return a function mapping ``fun`` over a batch axis of its arguments.

    Args:
      fun: A function of one example (pytrees of numbers).
      in_axes: For each positional argument, the axis its leaves are batched
        along (an int), or None for an argument shared by every example; an
        int or None for all, or a tuple / pytree prefix of the arguments.
        Keyword arguments are batched along axis 0.
      out_axes: Where the batch axis goes in the outputs (an int, or a pytree
        prefix of the output).

    Returns:
      A function of batched arguments whose result equals a Python loop over
      the examples, stacked along ``out_axes``, Python control flow on traced
      values included (a mixed branch splits the batch).

    Raises:
      ValueError: if the batched arguments disagree on the batch size (the
        message names their paths).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> f = lambda x, w: tg.sum(x * w) if x > 0 else -x
      >>> tg.vmap(f, in_axes=(0, None))(np.array([1.0, -2.0, 3.0]), np.array([1.0, 2.0]))
      array([3., 2., 9.])
    """
    check_callable(fun, "vmap")
    specs: dict[Any, list[Program]] = {}
    staged: dict[Any, Staged] = {}
    leaf_axes: dict[Any, list[int | None]] = {}

    def run(leaves: list[Any], axes: list[Any], treedef: Any,
            place: bool) -> tuple[list[Any], Any, list[Any]]:
        n = _batch_size(leaves, axes, treedef)
        leaves = [np.moveaxis(_batch_array(x), a, 0) if a is not None else x
                  for x, a in zip(leaves, axes)]
        example = [batching.example(x, 0) if a is not None else x for x, a in zip(leaves, axes)]
        sig = (treedef, tuple(axes), tuple(_kind(x) for x in example))
        found = specs.setdefault(sig, [])
        with ieee():
            outs, out_def = _run_batch(fun, found, treedef, leaves, axes, n)
        oaxes = _out_leaf_axes(out_axes, out_def, outs)
        if place:
            outs = [o if a == 0 else np.moveaxis(o, 0, a) for o, a in zip(outs, oaxes)]
        return outs, out_def, oaxes

    @functools.wraps(fun)
    def batched_fun(*args: Any, **kwargs: Any) -> Any:
        axes_tree = (in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args),
                     {k: 0 for k in kwargs})
        leaves, treedef = tree.flatten((args, kwargs))
        axes = leaf_axes.get(treedef)
        if axes is None:                  # once per tree structure
            axes = leaf_axes[treedef] = _leaf_axes(axes_tree, (args, kwargs))
        if any(type(x) is Traced for x in leaves):   # under an outer transform
            key = (treedef, tuple(axes))
            s = staged.get(key)
            if s is None:
                concrete = [primal_value(x) for x in leaves]
                _, out_def, oaxes = run(concrete, axes, treedef, True)
                s = staged[key] = Staged(
                    fun, lambda v, a, p: run(v, a, treedef, p), treedef, axes, out_def, oaxes)
            return tree.unflatten(s.out_def, s(leaves))
        outs, out_def, _ = run(leaves, axes, treedef, True)
        return tree.unflatten(out_def, outs)
    return batched_fun


def _batch_array(x: Any) -> np.ndarray:
    """A batched leaf as an array: integer data stays integer, numbers are floats."""
    a = np.asarray(x)
    return a if a.dtype.kind in "iu" else np.asarray(a, dtype=float)


def _kind(x: Any) -> Any:
    return float if type(x) is float else (np.asarray(x).dtype.str, np.shape(x))


def _leaf_axes(axes_tree: Any, args: Any) -> list[int | None]:
    """The batch axis of every leaf: ``in_axes`` as a prefix of the arguments."""
    out: list[int | None] = []
    for (path, _), axis in zip(tree.flatten_with_path(args)[0],
                               _broadcast_prefix(axes_tree, args, "in_axes")):
        if axis is not None and (not isinstance(axis, int) or isinstance(axis, bool)):
            raise TypeError(f"vmap: in_axes at {tree.keystr(path)} is {axis!r}; give an "
                            "int or None.")
        out.append(axis)
    return out


class _NoAxis:
    """``None`` in ``in_axes``/``out_axes``: a leaf there (a pytree's None is empty)."""


def _axes_leaves(prefix: Any) -> Any:
    if prefix is None:
        return _NoAxis()
    if isinstance(prefix, tuple | list):
        return type(prefix)(_axes_leaves(p) for p in prefix)
    if isinstance(prefix, dict):
        return {k: _axes_leaves(v) for k, v in prefix.items()}
    return prefix


def _broadcast_prefix(prefix: Any, full: Any, what: str) -> list[Any]:
    """One entry of ``prefix`` per leaf of ``full`` (``prefix`` a prefix of it)."""
    marked = _axes_leaves(prefix)
    leaves, td = tree.flatten(marked)
    subtrees = tree._flatten_up_to(td, full, f"vmap: {what}")
    return [None if isinstance(a, _NoAxis) else a
            for a, sub in zip(leaves, subtrees) for _ in tree.leaves(sub)]


def _batch_size(leaves: list[Any], axes: list[int | None], treedef: Any) -> int:
    found = set()
    for x, a in zip(leaves, axes):       # the fast pass: no paths unless they disagree
        if a is not None:
            shape = np.shape(x)
            if not -len(shape) <= a < max(len(shape), 1) or not shape:
                found.add(-1)
                break
            found.add(shape[a])
    if len(found) == 1 and -1 not in found:
        return found.pop()
    paths = treedef.key_paths()
    sizes = {}
    for x, a, p in zip(leaves, axes, paths):
        if a is not None:
            shape = np.shape(x)
            if not -len(shape) <= a < max(len(shape), 1) or not shape:
                raise ValueError(f"vmap: in_axes says axis {a} at {tree.keystr(p)}, but that "
                                 f"argument has shape {shape}.")
            sizes[tree.keystr(p)] = shape[a]
    if not sizes:
        raise ValueError("vmap: no argument is batched; give in_axes an int somewhere.")
    if len(set(sizes.values())) > 1:
        listed = ", ".join(f"{p} has {s}" for p, s in sizes.items())
        raise ValueError(f"vmap: the batched arguments disagree on the batch size: {listed}.")
    return next(iter(sizes.values()))


def _trace(fun: Callable[..., Any], treedef: Any, example: list[Any]) -> tuple[Program, Any]:
    args, kwargs = tree.unflatten(treedef, example)
    tape = make_tape(lambda a, k: fun(*a, **k))(args, kwargs)
    return from_tape(tape), tape.out_def


def _run_batch(fun: Callable[..., Any], specs: list[Any], treedef: Any,
               leaves: list[Any], axes: list[int | None], n: int) -> tuple[list[Any], Any]:
    """Every example through a specialization whose guards it passes."""
    outs: list[Any] = []
    out_def = None
    work: list[tuple[np.ndarray, frozenset[int]]] = [(np.arange(n), frozenset())]
    while work:
        idx, tried = work.pop()
        choice = next((k for k in range(len(specs)) if k not in tried), None)
        if choice is None:
            if len(specs) >= MAX_SPECIALIZATIONS:
                raise TypeError(
                    f"vmap: {getattr(fun, '__name__', 'the function')} needed more than "
                    f"{MAX_SPECIALIZATIONS} specializations: a Python branch on a traced "
                    "value goes too many ways across the batch. Write it with tg.where.")
            example = [batching.example(x, int(idx[0])) if a is not None else x
                       for x, a in zip(leaves, axes)]
            specs.append(_trace(fun, treedef, example))
            choice = len(specs) - 1
        prog, out_def = specs[choice]
        kept, values, failed = _play(prog, leaves, axes, idx)
        for f in failed:
            work.append((f, tried | {choice}))
        if len(kept) == n and not outs:      # every example through one program:
            given = {id(x) for x in leaves}     # its own arrays, no view of an input
            return [v if v.flags.owndata and v.flags.writeable and id(v) not in given
                    else np.array(v) for v in values], out_def
        if len(kept):
            if not outs:
                outs = [np.empty((n,) + np.shape(v)[1:], dtype=np.result_type(v))
                        for v in values]
            for o, v in zip(outs, values):
                o[kept] = v
    return outs, out_def


def _play(prog: Program, leaves: list[Any], axes: list[int | None],
          idx: np.ndarray) -> tuple[np.ndarray, list[Any], list[np.ndarray]]:
    """Run ``prog`` on the examples ``idx``.

    Returns the examples that passed every guard, their outputs (batched),
    and the subsets that failed a guard.
    """
    fast = vmap_compiled.compiled(prog, tuple(ax is not None for ax in axes))
    if fast is not None:               # a scalar program without guards: compiled
        lowered, out_batched = fast
        n = len(idx)
        whole = n == len(next(x for x, ax in zip(leaves, axes) if ax is not None))
        outs = lowered.fn([x if ax is None or whole else x[idx] for x, ax in zip(leaves, axes)])
        return idx, [o if b and type(o) is np.ndarray and o.shape == (n,) else
                     np.broadcast_to(np.asarray(o, dtype=float), (n,))
                     for o, b in zip(outs, out_batched)], []
    env: dict[int, tuple[Any, bool]] = {}
    for i, x, ax in zip(prog.inputs, leaves, axes):
        env[i] = (x[idx], True) if ax is not None else (x, False)
    failed = []
    for e, guard, rule, example in _plan(prog):
        values, batched = [], []
        for a in e.args:
            v, b = env[a] if a.__class__ is int else (a.value, False)
            values.append(v)
            batched.append(b)
        if guard:
            cond, b = values[0], batched[0]
            want = values[1]
            mask = (np.asarray(cond, dtype=bool) == want) if b else \
                np.full(len(idx), bool(cond) is want)
            if not mask.all():
                failed.append(idx[~mask])
                idx = idx[mask]
                if not len(idx):
                    return idx, [], failed
                env = {k: ((v[mask], True) if bb else (v, False)) for k, (v, bb) in env.items()}
            continue
        if not any(batched):
            env[e.out] = (e.prim.impl(*values), False)
            continue
        v = rule(e, values, batched, len(idx))
        shape = (len(idx),) + example
        if v.__class__ is not np.ndarray or v.shape != shape:   # zmul's exact 0.0 for a
            v = np.broadcast_to(v, shape)                      # constant zero, say
        env[e.out] = (v, True)
    outs = []
    for o in prog.outputs:
        v, b = (o.value, False) if isinstance(o, Const) else env[o]
        v = np.asarray(v, dtype=float) if not isinstance(v, np.ndarray) else v
        outs.append(v if b else np.broadcast_to(v, (len(idx),) + v.shape))
    return idx, outs, failed


_PLANS: dict[int, tuple[Program, list[Any]]] = {}


def _plan(prog: Program) -> list[Any]:
    """Per equation: itself, whether a guard, its rule, its example shape.

    Worked out once per program.
    """
    hit = _PLANS.get(id(prog))
    if hit is not None and hit[0] is prog:
        return hit[1]
    plan = [(e, is_guard(e), batching.rule(e.prim), batching.shape_of(e.ans))
            for e in prog.eqns]
    if len(_PLANS) > 64:
        _PLANS.clear()
    _PLANS[id(prog)] = (prog, plan)
    return plan


def _out_leaf_axes(out_axes: Any, out_def: Any, outs: list[Any]) -> list[int]:
    """The batch axis of every output leaf: ``out_axes`` as a prefix of the output."""
    if isinstance(out_axes, int) and not isinstance(out_axes, bool):
        axes = [out_axes] * len(outs)
    else:
        axes = _broadcast_prefix(out_axes, tree.unflatten(out_def, outs), "out_axes")
    for k, (a, o) in enumerate(zip(axes, outs)):
        if not isinstance(a, int) or isinstance(a, bool) or not -o.ndim <= a < o.ndim:
            where = tree.keystr(out_def.key_paths()[k]) or "the output"
            raise ValueError(f"vmap: out_axes at {where} is {a!r}, but that output "
                             f"has shape {o.shape[1:]} per example; give an int from "
                             f"{-o.ndim} to {o.ndim - 1}.")
    return axes
