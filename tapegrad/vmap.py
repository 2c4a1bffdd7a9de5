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

import collections
import functools
import threading
from collections.abc import Callable
from typing import Any, cast

import numpy as np

from . import tree, vmap_compiled
from .batching import builtin_rules as batching
from .batching.rules import batch_rules
from .errors import COMPLEX_MSG
from .staging.cache import MAX_SPECIALIZATIONS
from .staging.program import Const, Program, from_tape, is_guard
from .tape import Traced, float_array, ieee, is_complex, primal_value
from .tracing import arg_path_name, check_callable, gc_paused, trace
from .vmap_traced import OtherStructure, Staged

__all__ = ["batch_rules", "vmap"]

MAX_SIGNATURES = 64
"""Per vmapped function: signatures kept (least recently used out), as in ``jit``."""


def vmap(fun: Callable[..., Any], in_axes: Any = 0, out_axes: Any = 0) -> Callable[..., Any]:
    """Return a function mapping ``fun`` over a batch axis of its arguments.

    Args:
      fun: A function of one example (pytrees of numbers).
      in_axes: For each positional argument, the axis its leaves are batched
        along (an int), or None for an argument shared by every example; an
        int or None for all, or a tuple (a list is taken as one) / pytree
        prefix of the arguments. Keyword arguments are batched along axis 0.
        A shared leaf that is not a float or a float array (a string, an int
        that drives ``range``, a callable) reaches ``fun`` untouched.
      out_axes: Where the batch axis goes in the outputs (an int, or a pytree
        prefix of the output); None for an output no example changes,
        returned once, unbatched.

    Returns:
      A function of batched arguments whose result equals a Python loop over
      the examples, stacked along ``out_axes``, Python control flow on traced
      values included (a mixed branch splits the batch). A batch of size 0
      gives empty results of the loop's trailing shape and dtype. It keeps
      the programs it traced, freed with it: at most 64 signatures (least
      recently used out), each with at most 8 guard patterns.

    Raises:
      ValueError: if the batched arguments disagree on the batch size (the
        message names the parameters), or an output ``out_axes`` gives None
        depends on the batch.
      TypeError: if ``fun`` returns something other than numbers (the
        message names its path).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> f = lambda x, w: tg.sum(x * w) if x > 0 else -x
      >>> tg.vmap(f, in_axes=(0, None))(np.array([1.0, -2.0, 3.0]), np.array([1.0, 2.0]))
      array([3., 2., 9.])
    """
    check_callable(fun, "vmap")
    if isinstance(in_axes, list):         # as JAX: a list of in_axes is a tuple
        in_axes = tuple(in_axes)
    specs: _LRU = _LRU(MAX_SIGNATURES)     # owned by the function: freed with it
    staged: _LRU = _LRU(MAX_SIGNATURES)
    leaf_axes: _LRU = _LRU(MAX_SIGNATURES)

    def run(leaves: list[Any], axes: list[Any], treedef: Any,
            place: bool) -> tuple[list[Any], Any, list[Any]]:
        n = _batch_size(fun, leaves, axes, treedef)
        _refuse_complex(leaves, treedef)
        static = [a is None and _passed_through(x) for x, a in zip(leaves, axes)]
        leaves = [np.moveaxis(_batch_array(x), a, 0) if a is not None else x
                  for x, a in zip(leaves, axes)]
        example = [(batching.example(x, 0) if n else _stand_in(x)) if a is not None else x
                   for x, a in zip(leaves, axes)]
        sig = (treedef, tuple(axes), tuple(_Static(x) if s else _kind(x)
                                           for x, s in zip(example, static)))
        found = specs.get(sig)
        if found is None:
            found = specs.put(sig, [])
        with ieee():
            outs, out_def, shared = _run_batch(fun, found, treedef, leaves, axes, static, n)
        oaxes = _out_leaf_axes(out_axes, out_def, outs, shared, fun)
        if place:
            outs = [np.array(shared[k]) if a is None else o if a == 0 else np.moveaxis(o, 0, a)
                    for k, (o, a) in enumerate(zip(outs, oaxes))]
        return outs, out_def, oaxes

    @functools.wraps(fun)
    def batched_fun(*args: Any, **kwargs: Any) -> Any:
        axes_tree = (in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args),
                     {k: 0 for k in kwargs})
        leaves, treedef = tree.flatten((args, kwargs))
        axes = leaf_axes.get(treedef)
        if axes is None:                  # once per tree structure
            axes = leaf_axes.put(treedef, _leaf_axes(fun, axes_tree, (args, kwargs)))
        if any(type(x) is Traced for x in leaves):   # under an outer transform
            key = (treedef, tuple(axes), tuple(_Static(primal_value(x))
                                               for x, a in zip(leaves, axes)
                                               if a is None and _passed_through(x)))
            by_structure = staged.get(key)     # {output structure: Staged}, latest last
            if by_structure is None:
                by_structure = staged.put(key, {})
            s = next(reversed(by_structure.values()), None)
            if s is not None:
                try:
                    return tree.unflatten(s.out_def, s(leaves))
                except OtherStructure as e:   # these values branch to another structure
                    out_def, oaxes = e.args
            else:
                concrete = [primal_value(x) for x in leaves]
                _, out_def, oaxes = run(concrete, axes, treedef, True)
            s = by_structure.pop(out_def, None) or Staged(
                fun, lambda v, a, p: run(v, a, treedef, p), treedef, axes, out_def, oaxes)
            by_structure[out_def] = s
            while len(by_structure) > MAX_SPECIALIZATIONS:
                del by_structure[next(iter(by_structure))]
            return tree.unflatten(s.out_def, s(leaves))
        outs, out_def, _ = run(leaves, axes, treedef, True)
        return tree.unflatten(out_def, outs)
    return batched_fun


class _LRU:
    """At most ``size`` entries, the least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size, self.entries = size, collections.OrderedDict[Any, Any]()
        self.lock = threading.Lock()

    def get(self, key: Any) -> Any:
        """The entry at ``key`` (now the most recently used), or None."""
        with self.lock:
            hit = self.entries.get(key)
            if hit is not None:
                self.entries.move_to_end(key)
            return hit

    def put(self, key: Any, value: Any) -> Any:
        """Keep ``value`` at ``key`` (or the entry another thread put first)."""
        with self.lock:
            value = self.entries.setdefault(key, value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
            return value


class _Static:
    """An ``in_axes=None`` argument that is not a float or an array, in a signature.

    Equal when of the same type and equal (``1``, ``True`` and ``1.0`` differ),
    or the same object where it cannot be hashed.
    """

    def __init__(self, x: Any) -> None:
        self.x = x
        try:
            self.hash = hash((type(x), x))
        except TypeError:
            self.hash = id(x)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Static) or type(other.x) is not type(self.x):
            return False
        if other.x is self.x:
            return True
        try:
            return bool(other.x == self.x) and self.hash == other.hash
        except Exception:
            return False

    def __hash__(self) -> int:
        return self.hash


def _passed_through(x: Any) -> bool:
    """An unbatched leaf that ``fun`` gets untouched: not a float or a float array.

    Ints (they may drive ``range``), strings, callables and other objects are
    constants of the trace, part of the signature by value.
    """
    x = primal_value(x)
    if type(x) is float or isinstance(x, np.floating):
        return False
    return not (isinstance(x, np.ndarray) and x.dtype.kind in "fiub")


def _stand_in(x: np.ndarray) -> Any:
    """An example for a batch of size 0, to trace at: ones of the example's shape."""
    return batching.example(np.ones((1,) + x.shape[1:], dtype=x.dtype), 0)


def _refuse_complex(leaves: list[Any], treedef: Any) -> None:
    """A complex leaf is a TypeError, as in grad and jit: never cast with a warning."""
    for k, x in enumerate(leaves):
        if is_complex(x):
            path = tree.keystr(treedef.key_paths()[k])
            raise TypeError(f"vmap: the argument at {path} is complex ({np.asarray(x).dtype}): "
                            f"{COMPLEX_MSG}")


def _batch_array(x: Any) -> np.ndarray:
    """A batched leaf as an array: integer data stays integer, numbers are floats."""
    a = np.asarray(x)
    return a if a.dtype.kind in "iu" else float_array(a)


def _kind(x: Any) -> Any:
    return float if type(x) is float else (np.asarray(x).dtype.str, np.shape(x))


def _leaf_axes(fun: Callable[..., Any], axes_tree: Any, args: Any) -> list[int | None]:
    """The batch axis of every leaf: ``in_axes`` as a prefix of the arguments."""
    out: list[int | None] = []
    for (path, _), axis in zip(tree.flatten_with_path(args)[0],
                               _broadcast_prefix(axes_tree, args, "in_axes")):
        if axis is not None and (not isinstance(axis, int) or isinstance(axis, bool)):
            raise TypeError(f"vmap: in_axes at {arg_path_name(fun, path)} is {axis!r}; give an "
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


def _batch_size(fun: Callable[..., Any], leaves: list[Any], axes: list[int | None],
                treedef: Any) -> int:
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
                raise ValueError(f"vmap: in_axes says axis {a} at {arg_path_name(fun, p)}, but "
                                 f"that argument has shape {shape}; give in_axes=None there "
                                 "if every example shares it.")
            sizes[arg_path_name(fun, p)] = shape[a]
    if not sizes:
        raise ValueError("vmap: no argument is batched; give in_axes an int somewhere.")
    if len(set(sizes.values())) > 1:
        listed = ", ".join(f"{p} has {s}" for p, s in sizes.items())
        raise ValueError(f"vmap: the batched arguments disagree on the batch size: {listed} "
                         "(along their in_axes). Give them the same size, or in_axes=None "
                         "to an argument every example shares.")
    return next(iter(sizes.values()))


@gc_paused
def _trace(fun: Callable[..., Any], treedef: Any, example: list[Any],
           static: list[bool]) -> _Spec:
    """``fun`` traced at one example; the ``static`` leaves are constants of the trace."""
    def one(traced: list[Any]) -> Any:
        it = iter(traced)
        args, kwargs = tree.unflatten(treedef, [x if s else next(it)
                                                for x, s in zip(example, static)])
        return fun(*args, **kwargs)
    one.__name__ = getattr(fun, "__name__", "f")    # for the recording's errors
    tape = trace(one, ([x for x, s in zip(example, static) if not s],), None, False, "vmap",
                 staging=True).tape
    prog, out_def = from_tape(tape), cast(tree.TreeDef, tape.out_def)
    for k, o in enumerate(prog.outputs):
        if isinstance(o, Const) and not _numeric(o.value):
            where = tree.keystr(out_def.key_paths()[k]) or "the output"
            raise TypeError(
                f"vmap: {getattr(fun, '__name__', 'the function')} returned a "
                f"{type(o.value).__name__} at {where}, not a number: a vmapped function "
                "returns numbers and arrays of numbers only. Return other data from outside "
                "the vmapped function.")
    return _Spec(prog, out_def)


def _numeric(x: Any) -> bool:
    x = primal_value(x)
    if isinstance(x, int | float | np.number | np.bool_):
        return not isinstance(x, np.complexfloating)
    return isinstance(x, np.ndarray) and x.dtype.kind in "biuf"


class _Spec:
    """One traced program and what playing it needs, worked out once, when first needed."""

    def __init__(self, prog: Program, out_def: Any) -> None:
        self.prog, self.out_def = prog, out_def
        self._plan: list[Any] | None = None
        self._fast: dict[tuple[bool, ...], Any] = {}

    def plan(self) -> list[Any]:
        """Per equation: itself, whether a guard, its rule, its example shape."""
        if self._plan is None:
            self._plan = [(e, is_guard(e), batching.rule(e.prim), batching.shape_of(e.ans))
                          for e in self.prog.eqns]
        return self._plan

    def fast(self, batched: tuple[bool, ...]) -> tuple[Any, list[bool]] | None:
        """The program compiled for these batched inputs, or None (it is interpreted)."""
        if batched not in self._fast:
            self._fast[batched] = vmap_compiled.compiled(self.prog, batched)
        return self._fast[batched]  # type: ignore[no-any-return]


_BATCHED = object()   # in ``shared``: an output that differs between examples


def _run_batch(fun: Callable[..., Any], specs: list[Any], treedef: Any, leaves: list[Any],
               axes: list[int | None], static: list[bool],
               n: int) -> tuple[list[Any], Any, list[Any]]:
    """Every example through a specialization whose guards it passes.

    Returns the outputs (batch axis first), their structure, and per output
    its value where no example changes it (else ``_BATCHED``).
    """
    dyn = [(x, a) for x, a, s in zip(leaves, axes, static) if not s]
    dleaves, daxes = [x for x, _ in dyn], [a for _, a in dyn]
    outs: list[Any] = []
    out_def = None
    shared: list[Any] = []
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
            example = [(batching.example(x, int(idx[0])) if n else _stand_in(x))
                       if a is not None else x for x, a in zip(leaves, axes)]
            specs.append(_trace(fun, treedef, example, static))
            choice = len(specs) - 1
        spec = specs[choice]
        kept, values, batched, failed = _play(spec, dleaves, daxes, idx)
        for f in failed:
            work.append((f, tried | {choice}))
        if not len(kept) and n:
            continue
        if out_def is not None and spec.out_def != out_def:
            raise TypeError(
                f"vmap: {getattr(fun, '__name__', 'the function')} returned a pytree of "
                f"structure {spec.out_def} for some examples and {out_def} for others; a "
                "Python branch on a batched value must return the same structure both ways.")
        shared = [_BATCHED if b else v for v, b in zip(values, batched)] if out_def is None \
            else [s if s is not _BATCHED and not b and _same(s, v) else _BATCHED
                  for s, v, b in zip(shared, values, batched)]
        out_def = spec.out_def
        values = [v if b else np.broadcast_to(v, (len(kept),) + np.shape(v))
                  for v, b in zip(values, batched)]
        if len(kept) == n and not outs:      # every example through one program:
            given = {id(x) for x in leaves}     # its own arrays, no view of an input
            owned = []                          # nor one array twice
            for v in values:
                if not (v.flags.owndata and v.flags.writeable) or id(v) in given:
                    v = np.array(v)
                given.add(id(v))
                owned.append(v)
            return owned, out_def, shared
        if not outs:
            outs = [np.empty((n,) + np.shape(v)[1:], dtype=np.result_type(v)) for v in values]
        for k, (o, v) in enumerate(zip(outs, values)):
            dtype = np.result_type(o, v)      # as np.stack of the loop's results
            if dtype != o.dtype:              # a branch of another dtype: no cast down
                o = outs[k] = o.astype(dtype)
            o[kept] = v
    return outs, out_def, shared


def _same(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))


def _play(spec: _Spec, leaves: list[Any], axes: list[int | None],
          idx: np.ndarray) -> tuple[np.ndarray, list[Any], list[bool], list[np.ndarray]]:
    """Run ``spec``'s program on the examples ``idx``.

    Returns the examples that passed every guard, their outputs (batched
    where the flags say so, else one example's value), the flags, and the
    subsets that failed a guard.
    """
    fast = spec.fast(tuple(ax is not None for ax in axes))
    if fast is not None:               # a scalar program without guards: compiled
        lowered, out_batched = fast
        n = len(idx)
        whole = n == len(next(x for x, ax in zip(leaves, axes) if ax is not None))
        outs = lowered.fn([x if ax is None or whole else x[idx] for x, ax in zip(leaves, axes)])
        return idx, [(o if type(o) is np.ndarray and o.shape == (n,) else
                      np.broadcast_to(np.asarray(o, dtype=float), (n,))) if b else o
                     for o, b in zip(outs, out_batched)], list(out_batched), []
    env: dict[int, tuple[Any, bool]] = {}
    for i, x, ax in zip(spec.prog.inputs, leaves, axes):
        env[i] = (x[idx], True) if ax is not None else (x, False)
    failed = []
    for e, guard, rule, example in spec.plan():
        values, batched = [], []
        for a in e.args:
            v, b = env[a] if a.__class__ is int else (a.value, False)
            values.append(v)
            batched.append(b)
        if guard:
            cond, b = values[0], batched[0]
            want = values[1]
            mask = (np.asarray(cond, dtype=bool).reshape(len(idx)) == want) if b else \
                np.full(len(idx), bool(cond) is want)
            if not mask.all():
                failed.append(idx[~mask])
                idx = idx[mask]
                if not len(idx):
                    return idx, [], [], failed
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
    outs, flags = [], []
    for o in spec.prog.outputs:
        v, b = (o.value, False) if isinstance(o, Const) else env[o]
        outs.append(v if b or type(v) is float else np.asarray(v))
        flags.append(b)
    return idx, outs, flags, failed


def _out_leaf_axes(out_axes: Any, out_def: Any, outs: list[Any], shared: list[Any],
                   fun: Callable[..., Any]) -> list[int | None]:
    """The batch axis of every output leaf: ``out_axes`` as a prefix of the output."""
    axes: list[int | None]
    if isinstance(out_axes, int) and not isinstance(out_axes, bool):
        axes = [out_axes] * len(outs)
    else:
        axes = _broadcast_prefix(out_axes, tree.unflatten(out_def, outs), "out_axes")
    for k, (a, o) in enumerate(zip(axes, outs)):
        if a is None:
            if shared[k] is _BATCHED:
                where = tree.keystr(out_def.key_paths()[k]) or "the output"
                raise ValueError(
                    f"vmap: out_axes at {where} is None, but that output of "
                    f"{getattr(fun, '__name__', 'the function')} depends on the batch (it "
                    "differs between examples); give the axis to put the batch at (an int).")
            continue
        if not isinstance(a, int) or isinstance(a, bool) or not -o.ndim <= a < o.ndim:
            where = tree.keystr(out_def.key_paths()[k]) or "the output"
            raise ValueError(f"vmap: out_axes at {where} is {a!r}, but that output "
                             f"has shape {o.shape[1:]} per example; give an int from "
                             f"{-o.ndim} to {o.ndim - 1}, or None for an output every "
                             "example shares.")
    return axes
