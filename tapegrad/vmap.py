"""``tg.vmap``: run a function of one example over a batch, by batching rules.

``vmap(fun)`` traces ``fun`` on one example (a staging tape with concrete
values, so Python control flow runs), then plays the recorded program on
the whole batch: each primitive through its rule (``batching/``). The
batch axis is axis 0 of every batched value; an elementwise primitive's
batched operands get size-1 axes after it, so the batch axis never meets
an unbatched array's axis (``x * w`` with a batched scalar ``x`` and an
array ``w`` of shape (3,) is (B, 3), as in a loop). Reductions and shape
primitives act per example; a custom primitive runs once on the batch when
declared ``elementwise``, else once per example.

A guard (a Python branch on a traced value) becomes a mask. Where it is
mixed, the batch splits: the examples that agree go on, the others run
through a specialization traced at one of them, and the results are put
back in order, so the answer always equals a Python loop. A ``while`` on a
traced value whose iterations repeat runs as a loop on the batch instead,
each example stopping at its own exit test (``batching/rolled.py``).
"""

from __future__ import annotations

import collections
import functools
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from . import tree
from .batching import foreign, interpret, nested, quick, split
from .batching import rolled as _rolled  # noqa: F401  (while loops on the batch)
from .batching.axes import BATCHED, _batch_size, _leaf_axes, _out_leaf_axes
from .batching.quick import Static as _Static
from .batching.quick import owned as _owned
from .batching.quick import passed_through as _passed_through
from .batching.rules import STAND_IN, batch_rules, example
from .errors import COMPLEX_MSG
from .numerics import ieee
from .staging.cache import MAX_SPECIALIZATIONS
from .tracing import arg_path_name, check_callable
from .values import Traced, float_array, is_complex, primal_value

__all__ = ["batch_rules", "vmap"]

MAX_SIGNATURES = 64
"""Per vmapped function: signatures kept (least recently used out), as in ``jit``."""


def vmap(fun: Callable[..., Any], in_axes: Any = 0, out_axes: Any = 0,
         axis_size: int | None = None) -> Callable[..., Any]:
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
      axis_size: The batch size, as in JAX: needed where no argument is
        batched (every ``in_axes`` None: each output is broadcast over it),
        else checked against the batched arguments' size.

    Returns:
      A function of batched arguments whose result equals a Python loop over
      the examples, stacked along ``out_axes``, Python control flow on traced
      values included (a mixed branch splits the batch; a ``while`` whose
      iterations repeat runs on the batch, each example to its own trip
      count, as one guard pattern). A batch of size 0
      gives empty results of the loop's trailing shape and dtype. It keeps
      the programs it traced, freed with it: at most 64 signatures (least
      recently used out), each with at most 8 guard patterns; past them,
      the patterns of a Python loop split the batch for that call only
      (each traced, or the examples left run one by one).

    Raises:
      ValueError: if the batched arguments disagree on the batch size (the
        message names the parameters, and ``axis_size`` where given), or an
        output ``out_axes`` gives None depends on the batch.
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
    if axis_size is not None:
        return _sized(fun, in_axes, out_axes, axis_size)
    if isinstance(in_axes, list):         # as JAX: a list of in_axes is a tuple
        in_axes = tuple(in_axes)
    specs: _LRU = _LRU(MAX_SIGNATURES)     # owned by the function: freed with it
    staged: _LRU = _LRU(MAX_SIGNATURES)
    leaf_axes: _LRU = _LRU(MAX_SIGNATURES)
    calls = quick.Calls(_LRU(MAX_SIGNATURES))     # compiled signatures' quick calls

    @functools.wraps(fun)
    def batched_fun(*args: Any, **kwargs: Any) -> Any:
        out = quick.again(calls, args, kwargs)   # the last signature's, unflattened
        if out is not quick.MISS:
            return out
        leaves, treedef = tree.flatten((args, kwargs))
        key = (treedef, tuple(map(type, leaves)))
        out = quick.call(calls, key, leaves)
        if out is not quick.MISS:
            return out
        axes_tree = (in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args),
                     {k: 0 for k in kwargs})
        axes = leaf_axes.get(treedef)
        if axes is None:                  # once per tree structure
            axes = leaf_axes.put(treedef, _leaf_axes(fun, axes_tree, (args, kwargs)))
        if foreign.is_foreign(leaves):    # another library's arrays: one call per example
            return foreign.run(fun, leaves, axes, treedef, out_axes)
        try:
            if any(type(x) is Traced for x in leaves):   # under an outer transform
                return nested.call(_by_structure(staged, treedef, axes, leaves), fun,
                                   lambda v, a, p: _run(fun, specs, out_axes, v, a, treedef, p),
                                   treedef, axes, leaves, vmap)
            outs, out_def, _ = _run(fun, specs, out_axes, leaves, axes, treedef, True,
                                    functools.partial(quick.learn, calls, key, leaves, axes))
        except interpret.Captured:        # fun closes over an outer transform's value
            return foreign.run(fun, leaves, axes, treedef, out_axes)
        return tree.unflatten(out_def, outs)
    return batched_fun


def _sized(fun: Callable[..., Any], in_axes: Any, out_axes: Any,
           axis_size: Any) -> Callable[..., Any]:
    """``vmap`` with ``axis_size``: a keyword argument of that length, batched and unused.

    Keyword arguments are batched along axis 0, so it sets the batch size
    where nothing else does, and is checked against the rest by name.
    """
    if isinstance(axis_size, bool) or not isinstance(axis_size, int | np.integer) \
            or axis_size < 0:
        raise TypeError(f"vmap: axis_size must be a non-negative int, got {axis_size!r}.")
    size = np.zeros(int(axis_size))

    def ignoring(*args: Any, axis_size: Any, **kwargs: Any) -> Any:
        return fun(*args, **kwargs)
    inner = vmap(functools.wraps(fun)(ignoring), in_axes, out_axes)

    @functools.wraps(fun)
    def batched_fun(*args: Any, **kwargs: Any) -> Any:
        if "axis_size" in kwargs:
            raise TypeError("vmap: a function mapped with axis_size=... cannot take a keyword "
                            "argument named axis_size; pass it positionally.")
        return inner(*args, axis_size=size, **kwargs)
    return batched_fun


def _by_structure(staged: _LRU, treedef: Any, axes: list[Any], leaves: list[Any]) -> Any:
    """The traced calls' ``{output structure: Staged}`` (latest last) at this signature."""
    key = (treedef, tuple(axes), tuple(_Static(primal_value(x)) for x, a in zip(leaves, axes)
                                       if a is None and _passed_through(x)))
    found = staged.get(key)
    return found if found is not None else staged.put(key, {})


def _run(fun: Callable[..., Any], specs: _LRU, out_axes: Any, leaves: list[Any],
         axes: list[Any], treedef: Any, place: bool,
         learn: Callable[..., None] | None = None) -> tuple[list[Any], Any, list[Any]]:
    """``fun`` over the batch of numbers ``leaves``: outputs, their structure, out axes.

    ``place=False`` leaves the batch axis first in every output; ``learn``
    (``quick.learn``'s last arguments) is told how the call went.
    """
    n = _batch_size(fun, leaves, axes, treedef)
    _refuse_complex(fun, leaves, treedef)
    static = [a is None and _passed_through(x) for x, a in zip(leaves, axes)]
    leaves = [np.moveaxis(_batch_array(x), a, 0) if a is not None else _shared(x)
              for x, a in zip(leaves, axes)]
    first = [(example(x, 0) if n else _stand_in(x)) if a is not None else x
             for x, a in zip(leaves, axes)]
    sig = (treedef, tuple(axes), tuple(_Static(x) if s else _kind(x)
                                       for x, s in zip(first, static)))
    found = specs.get(sig)
    if found is None:
        found = specs.put(sig, [])
    with ieee():
        outs, out_def, shared = _run_batch(fun, found, treedef, leaves, axes, static, n)
    oaxes = _out_leaf_axes(out_axes, out_def, outs, shared, fun)
    if learn is not None:
        learn(found, static, out_def, oaxes)
    if place:
        outs = [np.array(shared[k]) if a is None else o if a == 0 else np.moveaxis(o, 0, a)
                for k, (o, a) in enumerate(zip(outs, oaxes))]
    return outs, out_def, oaxes


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


def _stand_in(x: np.ndarray) -> Any:
    """An example for a batch of size 0, to trace at: ones of the example's shape."""
    return example(np.ones((1,) + x.shape[1:], dtype=x.dtype), 0)


def _refuse_complex(fun: Callable[..., Any], leaves: list[Any], treedef: Any) -> None:
    """A complex leaf is a TypeError, as in grad and jit: never cast with a warning."""
    for k, x in enumerate(leaves):
        if type(x) is not float and is_complex(x):
            path = arg_path_name(fun, treedef.key_paths()[k])
            raise TypeError(f"vmap: the argument at {path} is complex ({np.asarray(x).dtype}): "
                            f"{COMPLEX_MSG}")


def _batch_array(x: Any) -> np.ndarray:
    """A batched leaf as an array: integer and boolean data stay so, numbers are floats."""
    a = np.asarray(x)
    return a if a.dtype.kind in "iub" else float_array(a)


def _shared(x: Any) -> Any:
    """A leaf every example shares: a boolean array stays boolean data, as a batched one does."""
    return x


def _kind(x: Any) -> Any:
    return float if type(x) is float else (np.asarray(x).dtype.str, np.shape(x))


def _run_batch(fun: Callable[..., Any], specs: list[Any], treedef: Any, leaves: list[Any],
               axes: list[int | None], static: list[bool],
               n: int) -> tuple[list[Any], Any, list[Any]]:
    """Every example through a specialization whose guards it passes.

    Returns the outputs (batch axis first), their structure, and per output
    its value where no example changes it (else ``BATCHED``).
    """
    outs: list[Any] = []
    out_def = None
    shared: list[Any] = []
    work: list[tuple[np.ndarray, frozenset[int]]] = [(np.arange(n), frozenset())]
    extra = split.Extras(specs)  # patterns of a loop past the bound: traced for this call
    while work:                  # the batch splits where a guard is mixed
        idx, tried = work.pop()
        choice = _choose(fun, specs, tried, treedef, leaves, axes, static, idx, n, extra)
        spec, t = extra[choice], time.perf_counter()
        kept, values, batched, failed = _played(fun, spec, treedef, leaves, axes, static, idx)
        extra.note(spec, len(kept), time.perf_counter() - t)
        work.extend((f, tried | {choice}) for f in failed)
        if not len(kept) and n:
            continue
        if out_def is not None and spec.out_def != out_def:
            raise TypeError(
                f"vmap: {getattr(fun, '__name__', 'the function')} returned a pytree of "
                f"structure {spec.out_def} for some examples and {out_def} for others; a "
                "Python branch on a batched value must return the same structure both ways.")
        shared = [BATCHED if b else v for v, b in zip(values, batched)] if out_def is None \
            else [s if s is not BATCHED and not b and _same(s, v) else BATCHED
                  for s, v, b in zip(shared, values, batched)]
        out_def = spec.out_def
        values = [v if b else np.broadcast_to(v, (len(kept),) + np.shape(v))
                  for v, b in zip(values, batched)]
        if len(kept) == n and not outs:      # every example through one program
            return _owned(values, leaves), out_def, shared
        outs = _scatter(outs, values, kept, n)
    return outs, out_def, shared


def _played(fun: Callable[..., Any], spec: Any, treedef: Any, leaves: list[Any],
            axes: list[int | None], static: list[bool], idx: np.ndarray) -> Any:
    """``interpret.play`` of ``spec`` on the examples ``idx``, its rolled loops confirmed."""
    if isinstance(spec, split.OneByOne):
        return spec.play(fun, treedef, leaves, axes, idx)
    dleaves = [x for x, s in zip(leaves, static) if not s]
    daxes = [a for a, s in zip(axes, static) if not s]
    kept, values, batched, failed = interpret.play(spec, dleaves, daxes, idx)
    if spec.probes and not _confirmed(fun, spec, treedef, leaves, axes, static,
                                      (kept, values, batched)):
        spec.reject()               # its loops, rolled, misread some trip count
        kept, values, batched, failed = interpret.play(spec, dleaves, daxes, idx)
    return kept, values, batched, failed


def _confirmed(fun: Callable[..., Any], spec: Any, treedef: Any, leaves: list[Any],
               axes: list[int | None], static: list[bool], played: Any) -> bool:
    """Whether a spec's rolled loops give, at its probes, what tracing those examples gives.

    Each probe (an example at another trip count) is traced and played
    straight; its outputs must agree with the rolled loops' (as numbers:
    the batch sizes differ).
    """
    kept, values, batched = played
    dleaves = [x for x, s in zip(leaves, static) if not s]
    daxes = [a for a, s in zip(axes, static) if not s]
    probes, spec.probes = spec.probes, []
    for p in probes:
        at = [example(x, p) if a is not None else x for x, a in zip(leaves, axes)]
        other = interpret.trace(fun, treedef, at, static,
                                shared=[a is None for a in axes])
        _, want, flags, failed = interpret.interpreted(other, dleaves, daxes, np.array([p]))
        j = np.flatnonzero(kept == p)
        if failed or other.out_def != spec.out_def or not len(j):
            return False
        for v, b, w, wb in zip(values, batched, want, flags):
            got, expect = np.asarray(v[j[0]] if b else v), np.asarray(w[0] if wb else w)
            if got.shape != expect.shape or not np.allclose(got, expect, rtol=1e-9, atol=0,
                                                            equal_nan=True):
                return False
    spec.confirmed = True
    return True


def _choose(fun: Callable[..., Any], specs: list[Any], tried: frozenset[int], treedef: Any,
            leaves: list[Any], axes: list[int | None], static: list[bool], idx: np.ndarray,
            n: int, extra: split.Extras) -> int:
    """A specialization not ``tried`` yet for the examples ``idx``, traced if none is left.

    Past the bound, a loop's patterns are traced into ``extra`` (numbered
    after ``specs``), one at the first example left, or, where they are
    as many as the examples, run one by one (``batching/split.py``).
    """
    choice = next((k for k in range(len(specs)) if k not in tried), None)
    if choice is not None:
        return choice
    if len(specs) >= MAX_SPECIALIZATIONS and split.in_loop(specs):
        eager = extra.next()
        if eager is not None:
            return extra.add(eager)
        at = [example(x, int(idx[0])) if a is not None else x for x, a in zip(leaves, axes)]
        return extra.add(lambda: split.straight(
            interpret.trace(fun, treedef, at, static, shared=[a is None for a in axes]), specs))
    if len(specs) >= MAX_SPECIALIZATIONS:
        raise TypeError(
            f"vmap: {getattr(fun, '__name__', 'the function')} needed more than "
            f"{MAX_SPECIALIZATIONS} specializations: a Python branch on a traced "
            "value goes too many ways across the batch. Write it with tg.where.")
    at = [(example(x, int(idx[0])) if n else _stand_in(x)) if a is not None else x
          for x, a in zip(leaves, axes)]
    token = STAND_IN.set(not n)
    try:
        specs.append(interpret.trace(fun, treedef, at, static, shared=[a is None for a in axes]))
    finally:
        STAND_IN.reset(token)
    return len(specs) - 1


def _scatter(outs: list[Any], values: list[Any], kept: np.ndarray, n: int) -> list[Any]:
    """Put the outputs of the examples ``kept`` in their places among ``n``."""
    if not outs:
        outs = [np.empty((n,) + np.shape(v)[1:], dtype=np.result_type(v)) for v in values]
    for k, (o, v) in enumerate(zip(outs, values)):
        dtype = np.result_type(o, v)      # as np.stack of the loop's results
        if dtype != o.dtype:              # a branch of another dtype: no cast down
            o = outs[k] = o.astype(dtype)
        if o.shape[1:] != np.shape(v)[1:]:
            raise ValueError(
                f"vmap: the examples' results have different shapes ({o.shape[1:]} and "
                f"{np.shape(v)[1:]}): a shape read from a traced value (np.bincount's "
                "length, a Python branch) differs across the batch, so they cannot be "
                "stacked. Fix the shape (np.bincount(x, minlength=n) with n above every "
                "value), or loop over the examples in Python.")
        o[kept] = v
    return outs


def _same(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
