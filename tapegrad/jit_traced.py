"""A jitted function met by another transform: ``grad(jit(f))``, ``vmap(jit(f))``.

When a transform traces through a jitted function, the call is recorded as
primitives, one per output leaf (``jit_f``), that run the compiled program
on numbers. Their rules are compiled programs too, kept beside it: the vjp
of output ``k`` is ``jit`` of the vjp of ``f``'s tape, the jvp and the
batching rule likewise. None of them runs ``f`` again: each replays the tape
that the jitted function recorded for the call's signature and guard
pattern, so ``f`` (and its side effects) is traced once per signature, as
for a plain call. The rules' own calls on traced values are recorded the
same way, so derivatives of any order, and any stack of transforms, come
out; ``jit(grad(jit(f)))`` computes what ``grad(f)`` computes.

``grad(jit(f))`` itself is one compiled program (``Jitted.compiled_value_and_grad``).
Where a jitted call is one step among others on a first-order reverse-mode
tape, a call with one scalar output runs ``jit(value_and_grad)`` of the tape
at once and keeps the gradient, so its backward step costs a product.
"""

from __future__ import annotations

import operator
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from . import transforms, tree
from .batching.nested import LeafImpl, LeafPrimitive, Shared
from .errors import GuardError
from .primitive import Primitive, defjvp, defvjp
from .replay import replay
from .staging.cache import is_number_kind
from .values import Traced, primal_value
from .vmap import vmap

__all__ = ["JitCall"]


class _ClosesOverTraced(Exception):
    """``fun`` computed with a value an outer transform traces (a closure).

    A compiled program would bake that value in; the call runs ``fun``
    itself instead, so the outer transform records it.
    """


def _closes_over_traced(tape: Any) -> bool:
    """Whether a record of ``tape`` took or gave a value traced by an outer tape."""
    return any(type(a) is Traced for rec in tape.records for a in rec[1::2])


_LEAF = tree.structure(0.0)     # an output that is one number or array
_RESIDUALS = 64      # first-order gradients kept for the backward pass, per signature


class _PastBound(Exception):
    """A lenient jitted function needed more specializations than the bound."""


class _EagerCall(NamedTuple):
    """In place of a specialization: a lenient function past the bound, run itself."""

    out_def: Any
    tape: None = None


class _OtherStructure(Exception):
    """The call took a guard pattern whose output is not the one scalar seen so far."""


class JitCall:
    """One jitted function at one signature, as primitives a tape can record.

    Args:
      jitted: The jitted function (a ``jit.Jitted``; not imported: jit imports this).
      signature: ``(treedef, kinds, statics)`` of its traced arguments.
      statics: The call's static arguments, to fill in when ``f`` is traced.
      jit: ``tg.jit``, which compiles the rules (handed in: it is defined above).
    """

    def __init__(self, jitted: Any, signature: Any, statics: Any,
                 jit: Callable[..., Any]) -> None:
        self.jitted, self.signature, self.jit = jitted, signature, jit
        self.treedef, self.kinds = signature[0], signature[1]
        self.statics = statics
        self.name = getattr(jitted.fun, "__name__", "f")
        self.shared = Shared()
        self.prims: dict[Any, list[Primitive]] = {}     # by output structure
        self.structures: dict[Any, Primitive] = {}      # by output structure
        self.vjps: dict[int, Any] = {}                  # by output leaf
        self.value_and_grad: Any = None
        self.jvps: dict[tuple[int, ...], Any] = {}      # by the input leaves pushed
        self.batched: dict[tuple[bool, ...], Any] = {}  # by which inputs are batched
        # id(value) -> (value, gradient, positions whose array was handed out)
        self.residuals: OrderedDict[int, tuple[Any, tuple[Any, ...], set[int]]] = \
            OrderedDict()
        self.scalar_def: Any = None       # the output structure, while it is one scalar
        self.lock = threading.Lock()
        self.diff = [j for j, k in enumerate(self.kinds) if _differentiable(k)]

    # ------------------------------------------------------------- calls
    def __call__(self, leaves: list[Any], reverse: Any) -> Any:
        """Record the call on the innermost tape among ``leaves``; its output tree.

        ``reverse``: that tape (else None) where it is a first-order
        reverse-mode tape, so the gradient of a scalar output is computed
        with the value, in one compiled program, and kept for the backward
        pass while the tape lives.
        """
        concrete = self.concrete(leaves)      # what each primitive's impl is given too
        out_def: Any = self.scalar_def if reverse is not None else None
        outs: list[Any] | None = None
        if out_def is not None:
            try:
                outs = self._with_gradient(concrete, reverse)
            except _OtherStructure:
                pass
        if outs is None:
            spec, outs = self._select(concrete)
            out_def = spec.out_def
            if reverse is not None and len(outs) == 1 and _scalar(outs[0]):
                self.scalar_def = out_def
                outs = self._with_gradient(concrete, reverse)
        prims = self._prims(out_def)
        if out_def != _LEAF and _replayed(leaves) and self._branches():
            # a recording replayed elsewhere assumes this output structure: a guard
            # (one bare number or array is read the same whatever the branch)
            self.shared.remember(("structure", out_def), concrete, True)
            bool(self._structure(out_def)(*leaves))
        self.shared.remember(("call", out_def), concrete, outs)
        return tree.unflatten(out_def, [p(*leaves) for p in prims])

    def _branches(self) -> bool:
        """Whether ``f`` branched on a traced value at this signature (its guards)."""
        return any(spec.lowered.guards for spec in
                   self.jitted.cache.specializations(self.signature))

    def _structure(self, out_def: Any) -> Primitive:
        """The primitive telling whether the call at its arguments returns ``out_def``."""
        prim = self.structures.get(out_def)
        if prim is None:
            def returns(*args: Any) -> bool:
                args_ = list(args)
                if self.shared.recall(("structure", out_def), args_, 0) is not None:
                    return True
                spec, outs = self._select(self.concrete(args_))
                self.shared.remember(("call", spec.out_def), args_, outs)  # for the leaves
                return bool(spec.out_def == out_def)
            prim = Primitive(returns, f"jit_{self.name}_structure")
            defvjp(prim, *[None] * len(self.kinds))
            defjvp(prim, *[None] * len(self.kinds))
            self.structures[out_def] = prim
        return prim

    def _select(self, leaves: list[Any]) -> tuple[Any, list[Any]]:
        """The specialization at numbers ``leaves``, and the output leaves there.

        A lenient function (``jit.lenient_jit``) past the bound runs itself.
        """
        try:
            return self.jitted._select(self.signature, leaves, self.statics)  # type: ignore
        except _PastBound:
            out = self.jitted._with_statics(self.statics)(*tree.unflatten(self.treedef, leaves))
            return _EagerCall(tree.structure(out)), tree.leaves(out)

    def concrete(self, leaves: list[Any]) -> list[Any]:
        """The numbers the compiled program takes."""
        return list(map(primal_value, leaves))

    def leaf(self, k: int, args: list[Any], out_def: Any) -> Any:
        """Output leaf ``k`` of the call on numbers ``args``, which returns ``out_def``."""
        outs = self.shared.recall(("call", out_def), args, k)
        if outs is None:
            spec, outs = self._select(self.concrete(args))
            if spec.out_def != out_def:        # the structure guard comes first: never
                raise GuardError(f"assumed {self.name} returns {out_def} but it returns "
                                 f"{spec.out_def}")
            self.shared.remember(("call", out_def), args, outs, k)
        return outs[k]

    def replay(self, leaves: list[Any], scalar: bool = False) -> Any:
        """``f``'s output tree at ``leaves`` (traced ones too), by replaying its tape.

        The tape is that of the guard pattern ``leaves`` take, recorded when
        the signature's compiled program was made: ``f`` is not run again.
        ``scalar``: raise ``_OtherStructure`` unless ``f`` returns its scalar there.
        """
        spec = self._select(self.concrete(leaves))[0]
        if scalar and spec.out_def != self.scalar_def:
            raise _OtherStructure
        dynamic = tree.unflatten(self.treedef, leaves)
        if spec.tape is None:                     # past the bound: f itself
            return self.jitted._with_statics(self.statics)(*dynamic)
        spec.lowered.recorded()                   # a program not compiled yet: its records
        try:
            return replay(spec.tape, dynamic)
        except GuardError:
            # the compiled program's guards held, its tape's did not: a rolled loop
            # ran a trip count or an if's pattern the tape has not. f itself
            return self.jitted._with_statics(self.statics)(*dynamic)

    def replayed(self, leaves: list[Any], scalar: bool = False) -> list[Any]:
        """``f``'s output leaves at ``leaves``, as ``replay`` gives them."""
        return tree.leaves(self.replay(leaves, scalar))

    def _prims(self, out_def: Any) -> list[Primitive]:
        prims = self.prims.get(out_def)
        if prims is None:
            n = out_def.num_leaves
            prims = []
            for k in range(n):
                name = f"jit_{self.name}" + (f"_{k}" if n > 1 else "")
                p = LeafPrimitive(LeafImpl(self, k, "jit", out_def), name)
                defvjp(p, *[_vjp_rule(self, k, j) if j in self.diff else None
                            for j in range(len(self.kinds))])
                defjvp(p, *[_jvp_rule(self, k, j) if j in self.diff else None
                            for j in range(len(self.kinds))])
                p.jvp_joint = _jvp_joint(self, k)     # summed as eager sums them
                prims.append(p)
            self.prims[out_def] = prims
        return prims

    # ----------------------------------------------------- reverse mode
    def _with_gradient(self, concrete: list[Any], tape: Any) -> list[Any]:
        """The value, its gradient computed with it (one compiled program) and kept.

        The gradient is found again by the value's identity, so the value is
        an object of this call's own: a float the program passes through
        (an input, a constant, ``x if x > y else y``) is the same object in
        other calls, with other gradients. It is kept while ``tape`` lives.
        """
        if self.value_and_grad is None:
            def value_and_grads(leaves: list[Any]) -> Any:
                def f(*xs: Any) -> Any:
                    return self.replayed(_with_all(leaves, self.diff, xs), scalar=True)[0]
                return transforms.value_and_grad(f, argnums=tuple(range(len(self.diff))))(
                    *[leaves[j] for j in self.diff])
            value_and_grads.__name__ = f"{self.name}_value_and_grad"
            self.value_and_grad = self.jit(value_and_grads)
        value, grads = self.value_and_grad(concrete)
        if type(value) is float or isinstance(value, np.floating):
            value = operator.neg(-value)  # a new object with the same bits
        elif type(value) is np.ndarray and any(value is c for c in concrete):
            value = value.copy()
        key = id(value)
        self.residuals[key] = (value, grads, set())
        weakref.finalize(tape, self.residuals.pop, key, None)
        if len(self.residuals) > _RESIDUALS:
            with self.lock:
                while len(self.residuals) > _RESIDUALS:
                    self.residuals.popitem(last=False)
        return [value]

    def gradient(self, ans: Any, pos: int, whole: bool) -> Any:
        """Entry ``pos`` of the gradient kept with the value ``ans``, if it is one of ours.

        ``whole``: it is handed out as it is (a cotangent of 1), so an array is
        handed out once: the caller may write into it. None where there is none.
        """
        kept = self.residuals.get(id(ans))
        if kept is None or kept[0] is not ans:
            return None
        c = kept[1][pos]
        if whole and type(c) is np.ndarray:
            if pos in kept[2]:
                return None                    # handed out before: computed again
            kept[2].add(pos)
        return c

    def vjp(self, k: int) -> Any:
        """``jit`` of ``(leaves, g) -> cotangents of the differentiable leaves``."""
        fn = self.vjps.get(k)
        if fn is None:
            def pullback(leaves: list[Any], g: Any) -> Any:
                def f(*xs: Any) -> Any:
                    return self.replayed(_with_all(leaves, self.diff, xs))[k]
                return transforms.vjp(f, *[leaves[j] for j in self.diff])[1](g)
            pullback.__name__ = f"{self.name}_vjp"
            fn = self.vjps[k] = self.jit(pullback)
        return fn

    def jvp(self, along: tuple[int, ...]) -> Any:
        """``jit`` of ``(leaves, ts) -> tangents of the output leaves along the inputs along``.

        One forward pass through ``f`` with every tangent at once, so each
        tangent is summed in ``f``'s order, as eager ``jvp`` sums it (per
        input, then added, the sum would associate otherwise).
        """
        fn = self.jvps.get(along)
        if fn is None:
            def push(leaves: list[Any], ts: list[Any]) -> Any:
                def f(*xs: Any) -> Any:
                    return self.replayed(_with_all(leaves, list(along), xs))
                return transforms.jvp(f, tuple(leaves[j] for j in along), tuple(ts))[1]
            push.__name__ = f"{self.name}_jvp"
            fn = self.jvps[along] = self.jit(push)
        return fn

    # ----------------------------------------------------------- batching
    def batched_leaf(self, k: int, values: list[Any], batched: list[bool], n: int) -> Any:
        """Output leaf ``k`` over a batch of ``n`` (batched values along axis 0)."""
        key = tuple(batched)
        outs = self.shared.recall(("batch", key), values, k)
        if outs is None:
            fn = self.batched.get(key)
            if fn is None:
                def example(*leaves: Any) -> Any:
                    return self.replayed(list(leaves))
                example.__name__ = self.name
                fn = self.batched[key] = self.jit(vmap(
                    example, in_axes=tuple(0 if b else None for b in batched)))
            outs = fn(*values)
            self.shared.remember(("batch", key), values, outs, k)
        return outs[k]


def _replayed(leaves: list[Any]) -> bool:
    """Whether a leaf is traced (at any level) on a tape made to be replayed."""
    for x in leaves:
        while type(x) is Traced:
            if x.tape.staging:
                return True
            x = x._value
    return False


def _differentiable(kind: Any) -> bool:
    if isinstance(kind, type) and issubclass(kind, np.integer):
        return False              # integer data, as an integer array is
    if kind is float or is_number_kind(kind):
        return True
    return isinstance(kind, tuple) and kind[0][1] == "f"      # (dtype.str, shape)


def _scalar(x: Any) -> bool:
    return type(x) is float or getattr(x, "size", 0) == 1


def _with_all(leaves: list[Any], positions: list[int], xs: tuple[Any, ...]) -> list[Any]:
    out = list(leaves)
    for j, x in zip(positions, xs):
        out[j] = x
    return out


def _vjp_rule(call: JitCall, k: int, j: int) -> Callable[..., Any]:
    pos = call.diff.index(j)

    def rule(g: Any, ans: Any, *args: Any) -> Any:
        if type(g) is float and g == 1.0 and not any(ans is a for a in args):  # else not ours
            # first order: kept from the forward call. Another cotangent goes through
            # the vjp, as eager pushes it through f (g * (a * b) is not (g * a) * b)
            kept = call.gradient(ans, pos, True)
            if kept is not None:
                return kept
        key = [g, ans, *args]
        cts = call.shared.recall(("vjp", k), key, j)
        if cts is None:
            # a float32 scalar seed as a 0-d array: jit takes NumPy scalars as floats
            cts = call.vjp(k)(list(args), np.asarray(g) if isinstance(g, np.floating) else g)
            call.shared.remember(("vjp", k), key, cts, j)
        return cts[pos]
    return rule


def _jvp_rule(call: JitCall, k: int, j: int) -> Callable[..., Any]:
    def rule(t: Any, ans: Any, *args: Any) -> Any:
        return _pushed(call, k, (j,), list(args), [t])
    return rule


def _jvp_joint(call: JitCall, k: int) -> Callable[..., Any]:
    """Output ``k``'s tangent from every input's (None: zero) at once."""
    def rule(ts: list[Any], ans: Any, *args: Any) -> Any:
        along = tuple(j for j in call.diff if ts[j] is not None)
        if not along:
            return None
        return _pushed(call, k, along, list(args), [ts[j] for j in along])
    return rule


def _pushed(call: JitCall, k: int, along: tuple[int, ...], args: list[Any], ts: list[Any]
            ) -> Any:
    """Output ``k``'s tangent; the call's other output leaves take theirs from the same run."""
    key = [*args, *ts]
    outs = call.shared.recall(("jvp", along), key, k)
    if outs is None:
        outs = call.jvp(along)(args, ts)
        call.shared.remember(("jvp", along), key, outs, k)
    return outs[k]

