"""Playing one example's program on a batch: by batching rules, or compiled.

``trace`` records ``fun`` at one example as a ``Spec`` (its program); ``play`` runs
that program on the examples ``idx`` of a batch: each equation through its rule
(``rules.rule``: the primitive's own, broadcasting for an elementwise one, else once
per example), the batch axis first. A guard (a Python branch on a traced value)
becomes a mask: the examples that fail it are handed back, to run through another
specialization.

When every value of the program is a float (scalar-written code, such as a per-example
gradient of an MLP on floats) and no guard is on it, the batched program is that
program with each batched float replaced by the array of its values across the batch:
every elementwise primitive's implementation computes exactly that on arrays, and the
reductions and broadcasts of a float are the identity. So the program is lowered once,
as ``jit`` lowers one (straight-line Python, each batched value an array), instead of
being interpreted equation by equation: the same implementations on the same arrays,
so the same numbers.
"""

from __future__ import annotations

import linecache
import re
import weakref
from collections.abc import Callable
from typing import Any, cast

import numpy as np

from .. import reductions, shapes, tracing, tree
from ..staging.lower import Lowered
from ..staging.packing import lower_batch
from ..staging.packing import packed_batch as pack
from ..staging.passes import optimize
from ..staging.program import Const, Eqn, Program, eager_float64s, from_tape, is_guard
from ..tracing import gc_paused
from ..values import Traced, primal_value
from .axes import example_call
from .rules import rule, shape_of

__all__ = ["Captured", "Spec", "apply", "compiled", "interpreted", "outputs", "passes", "play",
           "trace"]

IDENTITY = {reductions.sum_p, reductions.mean_p, shapes.sum_like,
            shapes.broadcast_like}   # on a float example: their first argument
_FLOATS, _BOOLS = np.zeros(2), np.zeros(2, dtype=bool)   # stand-ins for batched values

PLANNERS: list[Callable[[Spec], Any]] = []
"""``rolled.plan_for``, set by ``rolled.py`` (it plays programs with this module's parts)."""

Played = tuple[np.ndarray, list[Any], list[bool], list[np.ndarray]]
"""``(kept, outputs, batched, failed)``: see ``play``."""


class Spec:
    """One traced program and what playing it needs, worked out once, when first needed."""

    def __init__(self, prog: Program, out_def: Any) -> None:
        self.prog, self.out_def = prog, out_def
        self._plan: list[Any] | None = None
        self._fast: dict[tuple[bool, ...], Any] = {}
        self._rolled: Any = False          # not analysed yet
        self.confirmed = False             # its loops checked at another trip count
        self.probes: list[int] = []        # examples to check them at (``vmap`` does)
        self.inner = False       # another transform ran inside: its numbers are Python's
        self.parities: set[tuple[int, ...]] = set()   # trip count parities probed (inner)
        self.zeros: set[tuple[int, ...]] = set()   # patterns of loops run 0 times, probed
        self.made_float: frozenset[int] = frozenset()   # inputs an inner transform took
        self.weak: frozenset[int] = frozenset()   # values that are floats in eager
        self.strong: frozenset[int] = frozenset()   # floats here, np.float64 in eager

    def plan(self) -> list[Any]:
        """Per equation: itself, whether a guard, its rule, its example shape."""
        if self._plan is None:
            seen = dict(zip(self.prog.inputs, self.prog.seen))
            seen.update((e.out, e.ans) for e in self.prog.eqns)
            self._plan = [(e, is_guard(e), _weak(e, rule(e.prim), seen, self.weak, self.strong),
                           shape_of(e.ans)) for e in self.prog.eqns]
        return self._plan

    def fast(self, batched: tuple[bool, ...]) -> tuple[Any, list[bool]] | None:
        """The program compiled for these batched inputs, or None (it is interpreted)."""
        if batched not in self._fast:
            self._fast[batched] = compiled(self.prog, batched)
        return self._fast[batched]  # type: ignore[no-any-return]

    def rolled(self) -> Any:
        """The program's ``while`` loops as loops on the batch (``rolled.Plan``), or None."""
        if self._rolled is False:
            self._rolled = PLANNERS[0](self) if PLANNERS else None
        return self._rolled

    def rolls(self) -> bool:
        """Whether its loops were found to run on the batch (False until analysed)."""
        return self._rolled not in (False, None)

    def reject(self) -> None:
        """Play the program straight from now on: its loops gave another program's numbers."""
        self._rolled, self.probes = None, []


@gc_paused
def trace(fun: Callable[..., Any], treedef: Any, example: list[Any],
          static: list[bool], captured: bool = False,
          shared: list[bool] | None = None) -> Spec:
    """``fun`` traced at one example; the ``static`` leaves are constants of the trace.

    The ``shared`` leaves are every example's (a float there is a float in
    each example, where a batched one is an ``np.float64``); None: none is.

    Raises ``Captured`` where ``fun`` closes over an outer transform's traced
    value, unless ``captured`` (the caller plays the program on tapegrad's ops).
    """
    tape, prog = _recorded(fun, treedef, example, static, shared)
    out_def = cast(tree.TreeDef, tape.out_def)
    for k, o in enumerate(prog.outputs):
        if isinstance(o, Const) and not _numeric(o.value):
            where = tree.keystr(out_def.key_paths()[k]) or "the output"
            raise TypeError(
                f"vmap: {getattr(fun, '__name__', 'the function')} returned a "
                f"{type(o.value).__name__} at {where}, not a number: a vmapped function "
                "returns numbers and arrays of numbers only. Return other data from outside "
                "the vmapped function.")
    if not captured and any(isinstance(a, Const) and type(a.value) is Traced
                            for args in [prog.outputs, *(e.args for e in prog.eqns)]
                            for a in args):
        raise Captured
    spec = Spec(prog, out_def)
    spec.inner = bool(tape.floats)
    made = (tape.floats or set()) | (tape.derived or set())
    spec.made_float = frozenset(k for k, i in enumerate(prog.inputs) if i in made)
    if _narrow(prog):
        given = [(x, sh) for x, sh, st in zip(example, shared or [False] * len(example), static)
                 if not st]
        strong = {i for i, v, (x, sh) in zip(prog.inputs, prog.seen, given)
                  if type(v) is float and (not sh or type(x) is np.float64)}
        found = eager_float64s(prog, strong - (tape.floats or set()), tape)[0]
        values = [*zip(prog.inputs, prog.seen), *((e.out, e.ans) for e in prog.eqns)]
        spec.weak = frozenset(i for i, v in values
                              if i not in found and (type(v) is float or i in (tape.floats or ())
                                                     and _float64(v)))
        spec.strong = frozenset(i for i, v in values if i in found and type(v) is float)
    return spec


def _recorded(fun: Callable[..., Any], treedef: Any, example: list[Any], static: list[bool],
              shared: list[bool] | None) -> tuple[Any, Program]:
    """``fun`` at one example: its tape and program (a float64 row a 0-d array if strong)."""
    def one(traced: list[Any]) -> Any:
        it = iter(traced)
        args, kwargs = tree.unflatten(treedef, [x if s else next(it)
                                                for x, s in zip(example, static)])
        return example_call(fun, args, kwargs)      # a shape error notes the shapes
    one.__name__ = getattr(fun, "__name__", "f")    # for the recording's errors

    def record(at: list[Any], float64: bool = False) -> Any:
        return tracing.trace(one, ([x for x, s in zip(at, static) if not s],), None, False,
                             "vmap", staging=True, float64=float64).tape
    tape, hs = record(example), shared or [False] * len(static)
    rows = [not s and not h and type(x) is float for x, s, h in zip(example, static, hs)]
    kept = [not s and h and type(x) is np.float64 for x, s, h in zip(example, static, hs)]
    prog = from_tape(tape)     # a shared np.float64 grad takes: kept one (float64)
    if _strong_rows(prog, tape, [r or k for r, k, s in zip(rows, kept, static) if not s]):
        tape = record([np.asarray(x) if r else x for x, r in zip(example, rows)], any(kept))
        return tape, from_tape(tape)
    if (any(rows) or any(kept)) and _narrow(prog):   # beside float32: eager's type, strong
        tape = record([np.float64(x) if r else x for x, r in zip(example, rows)], True)
        return tape, from_tape(tape)
    return tape, prog


def _strong_rows(prog: Program, tape: Any, rows: list[bool]) -> bool:
    """Whether an inner transform computes in float64 where this trace has float32.

    ``rows``: the inputs that are a float64 batch's example, or a shared
    ``np.float64``, traced as a float (weak). ``batch[i]`` and the shared one
    are strong: NumPy keeps them so (``Spec.strong``), and so does ``grad``.
    """
    found = frozenset(i for i, r in zip(prog.inputs, rows) if r)
    return bool(found & (tape.floats or set())) and _narrow(prog)


def _float64(v: Any) -> bool:
    """Whether ``v`` is one float64 number, not a 0-d array (which transforms keep strong)."""
    return type(v) is not np.ndarray and np.ndim(v) == 0 and np.result_type(v) == np.float64


def _narrow(prog: Program) -> bool:
    """Whether a NumPy value of the program is float32 or float16.

    Another library's dtype is not compared with NumPy's (array-api-strict warns).
    """
    return any(v.dtype in NARROW for v in [*prog.seen, *(e.ans for e in prog.eqns)]
               if isinstance(v, np.ndarray | np.generic))


NARROW = (np.dtype(np.float32), np.dtype(np.float16))


def _weak(e: Eqn, batch_rule: Any, seen: dict[int, Any], weak: frozenset[int],
          strong: frozenset[int]) -> Any:
    """``batch_rule``, taking the floats of ``e`` as each example does beside float32.

    In an example, ``w * s`` with ``w`` an ``np.float32`` and ``s`` a float
    (``tg.sum`` of a float64 row) is float32: NumPy rounds a Python float to
    the other operand's dtype. On the batch, ``s`` is a float64 array, which
    would make the product float64; so such arguments are rounded to the
    dtype the example computed in, as NumPy rounded each float. The other
    way, ``w ** 2`` of a shared ``np.float64`` is one in eager, where the
    recording holds a float: it meets the batch as an ``np.float64``.
    """
    if not (weak or strong) or is_guard(e) or not getattr(e.prim, "elementwise", False):
        return batch_rule
    taken = [a.__class__ is int and a in weak for a in e.args]
    kept = [a.__class__ is int and a in strong for a in e.args]
    examples = [a.value if isinstance(a, Const) else float(seen[a]) if w else
                np.float64(seen[a]) if type(seen[a]) is float else seen[a]
                for a, w in zip(e.args, taken)]
    try:
        dtype = np.result_type(*examples) if any(taken) else None
    except TypeError:
        dtype = None
    if dtype not in NARROW:
        taken = [False] * len(taken)
        if not any(kept):
            return batch_rule

    def rounded(e: Eqn, values: list[Any], batched: list[bool], n: int) -> Any:
        values = [v.astype(dtype) if w and b and v.dtype != dtype else
                  np.float64(v) if k and v.__class__ is float else v
                  for v, b, w, k in zip(values, batched, taken, kept)]
        return batch_rule(e, values, batched, n)
    return rounded


class Captured(Exception):  # noqa: N818  (a signal, not an error a user sees)
    """``fun`` closes over a value an enclosing transform traces.

    As ``grad``'s ``w`` in ``vmap(lambda x: f(w, x))``: its program holds that
    value as a constant, so the batch runs on tapegrad's operations
    (``foreign.run``), which record on the outer tape.
    """


def _numeric(x: Any) -> bool:
    x = primal_value(x)
    if isinstance(x, int | float | np.number | np.bool_):
        return not isinstance(x, np.complexfloating)
    return isinstance(x, np.ndarray) and x.dtype.kind in "biuf"


def play(spec: Spec, leaves: list[Any], axes: list[int | None], idx: np.ndarray) -> Played:
    """Run ``spec``'s program on the examples ``idx``.

    Returns the examples that passed every guard, their outputs (batched
    where the flags say so, else one example's value), the flags, and the
    subsets that failed a guard.
    """
    if spec.made_float:
        leaves = _as_taken(spec, leaves, axes)
    fast = spec.fast(tuple(ax is not None for ax in axes))
    if fast is not None:               # a scalar program without guards: compiled
        return _play_compiled(fast, leaves, axes, idx)
    plan = spec.rolled() if len(idx) else None
    if plan is not None:               # its while loops run on the batch, masked
        return plan.play(spec, leaves, axes, idx)
    return interpreted(spec, leaves, axes, idx)


def _as_taken(spec: Spec, leaves: list[Any], axes: list[int | None]) -> list[Any]:
    """Shared NumPy float64 scalars that an inner transform took, as the floats it made them.

    In each example ``tg.grad`` takes an ``np.float64`` as a float, and a float
    times a float32 array is float32 (an ``np.float64`` would make it float64).
    """
    return [float(x) if type(x) is np.float64 and ax is None and k in spec.made_float
            and type(spec.prog.seen[k]) is float else x     # (traced as one: kept)
            for k, (x, ax) in enumerate(zip(leaves, axes))]


def interpreted(spec: Spec, leaves: list[Any], axes: list[int | None],
                idx: np.ndarray) -> Played:
    """``play`` by interpreting every equation of the program in order."""
    env: dict[int, tuple[Any, bool]] = {
        i: ((x[idx], True) if ax is not None else (x, False))
        for i, x, ax in zip(spec.prog.inputs, leaves, axes)}
    failed: list[np.ndarray] = []
    for e, guard, batch_rule, example in spec.plan():
        values, batched = [], []
        for a in e.args:
            v, b = env[a] if a.__class__ is int else (a.value, False)
            values.append(v)
            batched.append(b)
        if guard:
            mask = passes(values, batched, len(idx))
            if not mask.all():           # the batch splits
                failed.append(idx[~mask])
                idx = idx[mask]
                if not len(idx):
                    return idx, [], [], failed
                env = {k: ((v[mask], True) if b else (v, False)) for k, (v, b) in env.items()}
            continue
        env[e.out] = apply(e, batch_rule, example, values, batched, len(idx))
    return idx, *outputs(spec.prog, env), failed


def apply(e: Eqn, batch_rule: Any, example: tuple[int, ...], values: list[Any],
          batched: list[bool], n: int) -> tuple[Any, bool]:
    """Equation ``e`` on ``n`` examples: its value and whether it is batched."""
    if not any(batched):
        return e.prim.impl(*values), False     # type: ignore[union-attr]
    v = batch_rule(e, values, batched, n)
    shape = (n,) + example
    if v.__class__ is not np.ndarray or v.shape != shape:   # zmul's exact 0.0 for a
        v = np.broadcast_to(v, shape)                      # constant zero, say
    return v, True


def passes(values: list[Any], batched: list[bool], n: int) -> np.ndarray:
    """A guard's mask: the examples whose condition is what the trace saw."""
    cond, want = values[0], values[1]
    if batched[0]:
        return np.asarray(cond, dtype=bool).reshape(n) == want
    return np.full(n, bool(cond) is want)


def outputs(prog: Program, env: dict[int, tuple[Any, bool]]) -> tuple[list[Any], list[bool]]:
    """The program's outputs from ``env``, and whether each is batched."""
    outs, flags = [], []
    for o in prog.outputs:
        v, b = (o.value, False) if isinstance(o, Const) else env[o]
        outs.append(v if b or type(v) is float else np.asarray(v))
        flags.append(b)
    return outs, flags


def _play_compiled(fast: tuple[Any, list[bool]], leaves: list[Any], axes: list[int | None],
                   idx: np.ndarray) -> Played:
    lowered, out_batched = fast
    n = len(idx)
    whole = n == len(next(x for x, ax in zip(leaves, axes) if ax is not None))
    outs = lowered.fn([x if ax is None or whole else x[idx] for x, ax in zip(leaves, axes)])
    return idx, [(o if type(o) is np.ndarray and o.shape == (n,) else
                  np.broadcast_to(np.asarray(o, dtype=float), (n,))) if b else o
                 for o, b in zip(outs, out_batched)], list(out_batched), []


# ------------------------------------------------------ the compiled path
def compiled(prog: Program,
             batched_inputs: tuple[bool, ...]) -> tuple[Lowered, list[bool]] | None:
    """The lowered batched program and which outputs are batched, or None.

    None where the program is not scalar, has a guard or a primitive that is
    not elementwise or batched per number (``pow``): it is interpreted. The
    caller keeps it (``vmap``); when it is dropped, its lines leave ``linecache``.
    """
    result = _build(prog, batched_inputs)
    if result is not None:
        weakref.finalize(result[0], _forget_lines, result[0].fn.__code__.co_filename)
    return result


def _forget_lines(filename: str) -> None:
    """Drop a lowered program's source (each of its chunks) from ``linecache``."""
    base = re.sub(r"( part \d+)?>$", "", filename)
    for name in [k for k in list(linecache.cache) if k == base + ">"
                 or k.startswith(base + " part ")]:
        linecache.cache.pop(name, None)


def _build(prog: Program, batched_inputs: tuple[bool, ...]) -> tuple[Lowered, list[bool]] | None:
    if any(type(v) is not float for v in prog.seen):
        return None
    batched = {i for i, b in zip(prog.inputs, batched_inputs) if b}
    names: dict[int, Any] = {}
    eqns = []
    for e in prog.eqns:
        if is_guard(e) or type(e.ans) not in (float, bool):
            return None
        args = tuple(names.get(a, a) if a.__class__ is int else a for a in e.args)
        if any(a.__class__ is Const and type(a.value) not in (float, int, bool) for a in args):
            return None
        if e.prim in IDENTITY:
            names[e.out] = args[0]
            continue
        b = any(a in batched for a in args if a.__class__ is int)
        if e.prim is None or not e.prim.elementwise or b and hasattr(rule(e.prim), "per_number"):
            return None
        if b:
            batched.add(e.out)
        ans = (_BOOLS if type(e.ans) is bool else _FLOATS) if b else e.ans
        eqns.append(Eqn(e.prim, e.out, args, ans))
    outputs = tuple(names.get(o, o) if isinstance(o, int) else o for o in prog.outputs)
    seen = tuple(_FLOATS if b else v for v, b in zip(prog.seen, batched_inputs))
    program = optimize(Program(prog.inputs, tuple(eqns), outputs, prog.sources, seen))
    program = pack(program, {i for i, b in zip(prog.inputs, batched_inputs) if b})
    out_batched = [isinstance(o, int) and o in batched for o in program.outputs]
    return lower_batch(program), out_batched
