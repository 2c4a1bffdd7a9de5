"""``vmap`` on traced arguments: ``jit(vmap(f))``, ``vmap(vmap(f))``, ``grad(vmap(f))``.

When an outer transform traces a vmapped function, the whole batched call
is recorded as primitives, one per output leaf: each runs the batched
call on numbers (so guards still split the batch when the outer tape is
played, by ``jit`` say) and takes its leaf. The derivative rules are
vmaps themselves (the vjp of a vmap is the vmap of the per-example vjp;
an unbatched argument's cotangent is summed over the batch), so they
record again at the next level and derivatives of any order come out.
An outer ``vmap`` runs the call once on the two batch axes merged into one:
each leaf primitive registers that rule in ``batch_rules`` when it is made.
``vmap`` itself is handed in (the rules are vmaps), never imported from here.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import shapes, tree
from ..primitive import Primitive, defjvp, defvjp
from ..staging.cache import MAX_SPECIALIZATIONS
from ..transforms import jvp, vjp
from ..values import primal_value
from .rules import batch_rules

__all__ = ["LeafImpl", "LeafPrimitive", "OtherStructure", "Shared", "Staged", "call"]

Run = Callable[[list[Any], list[Any], bool], tuple[list[Any], Any, list[Any]]]
"""``run(leaves, axes, place) -> (outs, out_def, out_axes)``: the batched
call on numbers; ``place=False`` leaves the batch axis first."""

Vmap = Callable[..., Callable[..., Any]]
"""``tg.vmap``, handed in: the derivative rules of a vmapped call are vmaps."""


def call(by_structure: dict[Any, Staged], fun: Callable[..., Any], run: Run, treedef: Any,
         axes: list[Any], leaves: list[Any], vmap: Vmap) -> Any:
    """``fun`` vmapped at traced ``leaves``: recorded on their tape, its output tree.

    ``by_structure`` keeps this signature's ``Staged`` per output structure
    (the latest last); a value that branches to another structure gets its own.
    """
    s = next(reversed(by_structure.values()), None)
    if s is not None:
        try:
            return tree.unflatten(s.out_def, s(leaves))
        except OtherStructure as e:   # these values branch to another structure
            out_def, oaxes = e.args
    else:
        _, out_def, oaxes = run([primal_value(x) for x in leaves], axes, True)
    s = by_structure.pop(out_def, None) or Staged(fun, run, treedef, axes, out_def, oaxes, vmap)
    by_structure[out_def] = s
    while len(by_structure) > MAX_SPECIALIZATIONS:
        del by_structure[next(iter(by_structure))]
    return tree.unflatten(s.out_def, s(leaves))


class OtherStructure(Exception):
    """The batched call returned another output structure: ``(out_def, out_axes)``."""


class Staged:
    """One vmapped function at one signature, as primitives a tape can record."""

    def __init__(self, fun: Callable[..., Any], run: Run, treedef: Any, axes: list[Any],
                 out_def: Any, out_axes: list[Any], vmap: Vmap) -> None:
        self.fun, self.run, self.treedef, self.axes = fun, run, treedef, axes
        self.out_def, self.out_axes, self.vmap = out_def, out_axes, vmap
        self.shared = Shared()
        self._whole: Primitive | None = None
        name = getattr(fun, "__name__", "f")
        k_out = out_def.num_leaves
        self.prims = []
        self.pushes: dict[tuple[tuple[int, ...], int], Any] = {}    # by (inputs, output)
        for k in range(k_out):
            leaf_name = f"vmap_{name}" + (f"_{k}" if k_out > 1 else "")
            p = LeafPrimitive(LeafImpl(self, k, "vmap"), leaf_name)
            defvjp(p, *[_vjp_rule(self, k, j) for j in range(len(axes))])
            defjvp(p, *[_jvp_rule(self, k, j) for j in range(len(axes))])
            p.jvp_joint = _jvp_joint(self, k)         # summed as eager sums it
            self.prims.append(p)

    def __call__(self, leaves: list[Any]) -> list[Any]:
        """Record the call on the innermost tape among ``leaves``."""
        concrete = [primal_value(x) for x in leaves]
        outs, out_def, out_axes = self.run(concrete, self.axes, True)
        if out_def != self.out_def:
            raise OtherStructure(out_def, out_axes)
        self.shared.remember("call", concrete, outs)
        return [p(*leaves) for p in self.prims]

    def _check(self, out_def: Any) -> None:
        if out_def != self.out_def:
            raise TypeError(
                f"vmap: {getattr(self.fun, '__name__', 'the function')} returned a pytree "
                f"of structure {out_def} where an earlier call returned {self.out_def}; "
                "under an outer transform the output's structure must not depend on a "
                "value.")

    def whole(self) -> Primitive:
        """One primitive computing every output leaf at once.

        ``jit`` writes the leaves' records on the same arguments as one call
        of it (``passes.merge_calls``).
        """
        if self._whole is None:
            name = getattr(self.fun, "__name__", "f")
            self._whole = Primitive(self._all, f"vmap_{name}_all", check_rules=False)
        return self._whole

    def _all(self, *args: Any) -> list[Any]:
        outs, out_def, _ = self.run(list(args), self.axes, True)
        self._check(out_def)
        return outs

    def leaf(self, k: int, args: list[Any]) -> Any:
        """Output leaf ``k`` of the call on numbers ``args``."""
        outs = self.shared.recall("call", args, k)
        if outs is None:
            outs, out_def, _ = self.run(args, self.axes, True)
            self._check(out_def)
            self.shared.remember("call", args, outs, k)
        return outs[k]

    def batched_leaf(self, k: int, values: list[Any], batched: list[bool], n: int) -> Any:
        """Output leaf ``k`` for an outer batch of ``n``: both batch axes merged."""
        key = values + [tuple(batched)]
        outs = self.shared.recall("batch", key, k)
        if outs is None:
            outs = self._merged(values, batched, n)
            self.shared.remember("batch", key, outs, k)
        return outs[k]

    def _merged(self, values: list[Any], batched: list[bool], n: int) -> list[Any]:
        inner = next(np.shape(v)[(a % np.ndim(v) if not b else a % (np.ndim(v) - 1) + 1)]
                     for v, a, b in zip(values, self.axes, batched) if a is not None)
        leaves: list[Any] = []
        axes: list[int | None] = []
        for v, a, b in zip(values, self.axes, batched):
            if a is None and not b:
                leaves.append(v)
                axes.append(None)
                continue
            v = np.asarray(v)
            if a is None:                                    # outer only: repeat
                v = np.repeat(v, inner, axis=0)
            elif b:                                          # both: merge
                v = np.moveaxis(v, a % (v.ndim - 1) + 1, 1)
                v = v.reshape((n * inner,) + v.shape[2:])
            else:                                            # inner only: tile
                v = np.moveaxis(v, a, 0)
                v = np.broadcast_to(v, (n,) + v.shape).reshape((n * inner,) + v.shape[1:])
            leaves.append(v)
            axes.append(0)
        outs, out_def, _ = self.run(leaves, axes, False)
        self._check(out_def)
        placed = []
        for o, a in zip(outs, self.out_axes):
            o = np.reshape(o, (n, inner) + np.shape(o)[1:])
            placed.append(o[:, 0] if a is None else np.moveaxis(o, 1, a % (o.ndim - 1) + 1))
        return placed


class LeafPrimitive(Primitive):
    """One output leaf of a jitted or vmapped call; an outer vmap batches it by its owner.

    Args:
      impl: The leaf's implementation; its owner (a ``Staged`` or a jitted
        call) has ``batched_leaf(k, values, batched, n)``.
      name: Printed on the tape.
    """

    def __init__(self, impl: LeafImpl, name: str) -> None:
        super().__init__(impl, name)
        batch_rules[self] = _batched_leaf      # weak key: the entry goes with the primitive


def _batched_leaf(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    """``vmap(vmap(f))``, ``vmap(jit(f))``: the owner runs the call on the outer batch."""
    impl = e.prim.impl
    return impl.owner.batched_leaf(impl.k, values, batched, n)


class LeafImpl:
    """The implementation of one output leaf's primitive: ``owner.leaf(k, args, *extra)``."""

    def __init__(self, owner: Any, k: int, what: str, *extra: Any) -> None:
        self.owner, self.k, self.extra = owner, k, extra
        self.__name__ = f"{what}_leaf_{k}"
        self.__doc__ = f"Output leaf {k} of a {what} call."

    def __call__(self, *args: Any) -> Any:
        """Output leaf ``k`` of the call on numbers ``args``."""
        return self.owner.leaf(self.k, list(args), *self.extra)


class Shared:
    """One computation shared by the K primitives of a call (or the rules of a record).

    They run one after the other on the very same argument objects: the
    first computes, the others take their part, each once.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def recall(self, kind: Any, args: list[Any], k: int) -> Any:
        """What ``remember`` kept for ``kind`` at these very ``args``, unless ``k`` took it."""
        memo = getattr(self._local, "memo", None)
        if memo is None or memo[0] != kind or k in memo[3] or len(memo[1]) != len(args) \
                or not all(map(operator.is_, memo[1], args)):      # at C speed: 337 leaves
            return None
        memo[3].add(k)
        return memo[2]

    def remember(self, kind: Any, args: list[Any], value: Any, k: int | None = None) -> None:
        """Keep ``value``, computed at ``args``, for the others (``k`` took it already)."""
        self._local.memo = (kind, args, value, set() if k is None else {k})


def _with(flat: tuple[Any, ...], j: int, x: Any) -> list[Any]:
    out = list(flat)
    out[j] = x
    return out


def _leaf_fun(s: Staged, k: int, j: int, flat: tuple[Any, ...]) -> Callable[[Any], Any]:
    """Output leaf ``k`` of one example, as a function of input leaf ``j``."""
    def f(x: Any) -> Any:
        args, kwargs = tree.unflatten(s.treedef, _with(flat, j, x))
        return tree.leaves(s.fun(*args, **kwargs))[k]
    return f


def _vjp_rule(s: Staged, k: int, j: int) -> Callable[..., Any]:
    def example(*flat_g: Any) -> Any:
        flat, g = flat_g[:-1], flat_g[-1]
        _, pull = vjp(_leaf_fun(s, k, j, flat), flat[j])
        return pull(g)[0]

    a_j = s.axes[j]
    mapped = s.vmap(example, in_axes=(*s.axes, s.out_axes[k]),
                    out_axes=0 if a_j is None else a_j)

    def rule(g: Any, ans: Any, *args: Any) -> Any:
        per = mapped(*args, g)
        if a_j is not None:
            return per
        if s.out_axes[k] is None:       # one output for the whole batch: counted once
            return per[0] if np.shape(per)[0] else shapes.sum_like(per, args[j])
        return shapes.sum_like(per, args[j])
    return rule


def _jvp_rule(s: Staged, k: int, j: int) -> Callable[..., Any]:
    def example(*flat_t: Any) -> Any:
        flat, t = flat_t[:-1], flat_t[-1]
        return jvp(_leaf_fun(s, k, j, flat), (flat[j],), (t,))[1]

    mapped = s.vmap(example, in_axes=(*s.axes, s.axes[j]), out_axes=s.out_axes[k])

    def rule(t: Any, ans: Any, *args: Any) -> Any:
        return mapped(*args, t)
    return rule


def _jvp_joint(s: Staged, k: int) -> Callable[..., Any]:
    """Output ``k``'s tangent from every input's (None: zero) in one jvp of an example.

    The tangents go through ``f`` together, so each is summed in ``f``'s
    order, as ``vmap`` of eager ``jvp`` sums it (per input, then added, the
    sum would associate otherwise).
    """
    def rule(ts: list[Any], ans: Any, *args: Any) -> Any:
        along = tuple(j for j, t in enumerate(ts) if t is not None)
        if not along:
            return None
        return _pushes(s, along, k)(*args, *[ts[j] for j in along])
    return rule


def _pushes(s: Staged, along: tuple[int, ...], k: int) -> Any:
    """The vmap of one example's jvp of output leaf ``k`` along the inputs ``along``."""
    mapped = s.pushes.get((along, k))
    if mapped is None:
        n = len(s.axes)

        def example(*flat_t: Any) -> Any:
            flat, ts = flat_t[:n], flat_t[n:]

            def f(*xs: Any) -> Any:
                leaves = list(flat)
                for j, x in zip(along, xs):
                    leaves[j] = x
                args, kwargs = tree.unflatten(s.treedef, leaves)
                return tree.leaves(s.fun(*args, **kwargs))[k]
            return jvp(f, tuple(flat[j] for j in along), ts)[1]
        mapped = s.pushes[(along, k)] = s.vmap(
            example, in_axes=(*s.axes, *(s.axes[j] for j in along)), out_axes=s.out_axes[k])
    return mapped
