"""Passes over a program: each a function from ``Program`` to ``Program``.

Every pass is exact in IEEE arithmetic: the program computes the same bits
before and after, a zero's sign and a nan's payload included. So ``x * 1.0``
and ``x / 1.0`` and ``x - 0.0`` become ``x`` (each returns ``x`` itself for
every float, -0.0 and nan too), but ``x + 0.0`` (-0.0 + 0.0 is 0.0) and
``x * 0.0`` (inf * 0.0 is nan) stay. Guards are never removed.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..logic import guard
from ..primitive import Primitive
from ..shapes import broadcast_like, sum_like
from .counted import counted_line
from .lanes import item
from .program import Arg, Const, Eqn, Program, is_guard, kind, value_key
from .spellings import spellings
from .while_source import break_line, while_line


def _renamed(a: Arg, names: dict[int, Arg]) -> Arg:
    return names.get(a, a) if isinstance(a, int) else a


def _rewrite(prog: Program, eqns: list[Eqn], names: dict[int, Arg]) -> Program:
    outputs = tuple(_renamed(o, names) for o in prog.outputs)
    return prog._replace(eqns=tuple(eqns), outputs=outputs)


def dce(prog: Program) -> Program:
    """Drop equations neither an output nor a guard depends on.

    The iteration a ``for`` loop left by ``break`` broke in is kept whole:
    ``jit`` may roll it with the iterations before it (which run the same
    equations, some of them dead only in the last one). A ``while`` loop's
    last run keeps what is live in the run before it, offset for offset: a
    step size only the next iteration reads is dead there alone, and a value
    no iteration reads (a loss ``tg.grad`` computes beside its gradient) is
    dead in every run, the last one too.
    """
    whole, before = _broken_iterations(prog)
    forced = whole - before.keys()
    live = _live(prog, forced)
    more = forced
    while before:             # what the last run keeps may make more of the one before live
        more, was = forced | {i for i, j in before.items() if j in live}, more
        if more == was:       # the same forced values: the same live ones
            break
        live = _live(prog, more)
    kept = tuple(e for e in prog.eqns if e.out in live or e.prim is guard and is_guard(e))
    return prog if len(kept) == len(prog.eqns) else prog._replace(eqns=kept)


def _live(prog: Program, forced: set[int]) -> set[int]:
    """The values an output or a guard depends on, with ``forced`` and theirs."""
    live = {o for o in prog.outputs if isinstance(o, int)}
    add = live.add
    for prim, out, args, _ in reversed(prog.eqns):       # an Eqn's fields, unpacked
        if out in live or out in forced or prim is guard and len(args) == 2 and \
                isinstance(args[1], Const):       # is_guard
            add(out)
            for a in args:
                if a.__class__ is int:
                    add(a)
    return live


def _broken_iterations(prog: Program) -> tuple[set[int], dict[int, int]]:
    """The ids between a loop's last two break guards: the iteration that broke.

    ``prog.left`` maps the break guards of a ``for`` to the iterations it
    has left; a run of one loop counts down by one, and its last guard is
    the break. In a ``while True:``, the break is the guard of its line
    that went the other way. A ``while`` loop's last run of its body is
    kept whole too, up to the test that ended it: a variable only the next
    iteration reads (a step size ``h``) is dead there alone. Where the run
    before it ran the same equations, the second result maps each id of
    the last run to the id at its offset in the run before.
    """
    if not prog.sources:              # no guard (each has its source line)
        return set(), {}
    spans, runs = _left_by_break(prog.left)
    last: dict[str, Eqn] = {}
    earlier: dict[str, Eqn] = {}
    breaks: dict[str, bool] = {}
    whiles: dict[str, bool] = {}
    shown = frozenset(prog.sources.values())    # a break's guard (keeping more is no harm)
    for e in prog.eqns:
        if is_guard(e) and e.out not in prog.left:
            src = prog.sources.get(e.out, "")
            p = last.get(src)
            if p is not None and p.args[1] != e.args[1] and breaks.setdefault(
                    src, break_line(src, ast.While)):
                spans.append((p.out, e.out))
            elif p is not None and _ended(p, e) and whiles.setdefault(
                    src, while_line(src, shown) or counted_line(src, shown)):
                spans.append((p.out, e.out))
                if src in earlier:
                    runs.append((earlier[src].out, p.out, e.out))
            if p is not None:
                earlier[src] = p
            last[src] = e
    return set().union(*(range(a + 1, b) for a, b in spans)), _aligned(prog, runs)


def _left_by_break(left: Mapping[int, int]
                   ) -> tuple[list[tuple[int, int]], list[tuple[int, int, int]]]:
    """The spans of the iterations a ``for`` loop broke in, and those with the iteration before.

    In a run of one loop's break guards (counting down by one), the last is
    the break. The second list holds, where the loop ran an iteration before
    the one that broke, that iteration's first guard with the span: the
    broken iteration keeps what is live in the one before, offset for offset.
    """
    ids: list[Any] = [None, *sorted(left), None]
    spans, runs = [], []
    for z, a, b, c in zip(ids, ids[1:], ids[2:-1], ids[3:]):
        if left[b] == left[a] - 1 and (c is None or left[c] != left[b] - 1):
            spans.append((a, b))
            if z is not None and left[z] == left[a] + 1:
                runs.append((z, a, b))
    return spans, runs


def _aligned(prog: Program, runs: list[tuple[int, int, int]]) -> dict[int, int]:
    """Each id of a while's last run (``p`` to ``e``) to the id at its offset in the run before.

    Only where the two runs hold the same primitives, offset for offset.
    """
    index = {e.out: k for k, e in enumerate(prog.eqns)}
    out: dict[int, int] = {}
    for a, p, e in runs:
        i, j, k = index[a], index[p], index[e]
        prev, final = prog.eqns[i + 1:j], prog.eqns[j + 1:k]
        if len(prev) == len(final) and all(x.prim is y.prim for x, y in zip(prev, final)):
            out.update((y.out, x.out) for x, y in zip(prev, final))
    return out


def _ended(p: Eqn, e: Eqn) -> bool:
    """Whether guards ``p`` then ``e`` held then failed: a ``while`` test's last two runs."""
    return isinstance(p.args[1], Const) and p.args[1].value is True and \
        isinstance(e.args[1], Const) and e.args[1].value is False


def _sweep(prog: Program, folding: bool, exact_identities: bool, sharing: bool,
           stand_ins: bool = False) -> Program:
    """The forward rewrites, in one sweep: each equation renamed once.

    ``folding`` computes an equation whose arguments are all constants;
    ``exact_identities`` makes ``x * 1.0`` (and the like) ``x`` where ``x``
    is of the result's kind; ``sharing`` lets a later copy of ``prim(args)`` reuse the
    first; ``stand_ins`` does ``shapes_only`` first. Guards are never touched.
    """
    # each value's kind where it is not a float (a value defined here and not in it is one)
    kinds = {i: k for i, v in zip(prog.inputs, prog.seen) if (k := kind(v)) is not float}
    # the values a broadcast_like or sum_like reads the shape of: all shapes_only needs
    shaped = {e.args[1] for e in prog.eqns if (e.prim is broadcast_like or e.prim is sum_like)
              and e.args[1].__class__ is int} if stand_ins else ()
    values = {i: v for i, v in zip(prog.inputs, prog.seen) if i in shaped}
    names: dict[int, Arg] = {}
    seen: dict[Any, int] = {}                  # prim(args) with a constant, by value_key
    plain: dict[Any, dict[Any, int]] = {}      # prim -> args (value ids only) -> its value
    eqns: list[Eqn] = []
    append = eqns.append
    with_units = {p for p, sp in spellings.items() if sp.units} if exact_identities else set()
    with np.errstate(all="ignore"):
        for e in prog.eqns:
            args, prim = e.args, e.prim
            if shaped:
                if e.out in shaped:
                    values[e.out] = e.ans
                if prim is broadcast_like or prim is sum_like:
                    e = _shape_of(e, values)
                    args = e.args
            if names:
                for a in args:
                    if a.__class__ is int and a in names:
                        args = tuple(names.get(a, a) if a.__class__ is int else a for a in args)
                        e = Eqn(prim, e.out, args, e.ans)
                        break
            if prim is guard and is_guard(e):
                kinds[e.out] = None          # no kind: never a float's identity operand
                append(e)
                continue
            n_const = 0
            for a in args:
                if a.__class__ is not int:
                    n_const += 1
            if folding and n_const == len(args):
                values_ = [c.value for c in args if isinstance(c, Const)]   # all of them
                assert prim is not None                  # a program has no input records
                names[e.out] = Const(prim.impl(*values_))
                continue
            ans = e.ans
            out_kind = float if ans.__class__ is float else kind(ans)
            if out_kind is not float:
                kinds[e.out] = out_kind
            if n_const and prim in with_units:
                x = _identity_operand(e)
                if x is not None and kinds.get(x, float) == out_kind:
                    names[e.out] = x
                    continue
            if sharing:
                if n_const:
                    key = (prim, tuple([value_key(a.value) if isinstance(a, Const) else a
                                        for a in args]))
                    found = seen.get(key)
                    if found is None:
                        seen[key] = e.out
                else:      # the equation's own args tuple is the key: no tuple made
                    by_args = plain.get(prim)
                    if by_args is None:
                        by_args = plain[prim] = {}
                    found = by_args.get(args)
                    if found is None:
                        by_args[args] = e.out
                if found is not None:
                    names[e.out] = found
                    continue
            append(e)
    return _rewrite(prog, eqns, names)


def fold(prog: Program) -> Program:
    """Compute equations whose arguments are all constants, once, now."""
    return _sweep(prog, folding=True, exact_identities=False, sharing=False)


def identities(prog: Program) -> Program:
    """``x * 1.0``, ``1.0 * x``, ``x / 1.0``, ``x - 0.0`` become ``x``.

    Only where ``x`` is of the result's kind, so that no float becomes an int
    or a bool array. Each returns ``x`` itself for every float: exact.
    """
    return _sweep(prog, folding=False, exact_identities=True, sharing=False)


def cse(prog: Program) -> Program:
    """One equation for each distinct ``prim(args)``: later copies reuse it."""
    return _sweep(prog, folding=False, exact_identities=False, sharing=True)


def _identity_operand(e: Eqn) -> int | None:
    """The argument ``e`` returns bit for bit, by its spelling's ``units``: ``x * 1.0`` is ``x``."""
    units = spellings[e.prim].units
    if len(e.args) != 2 or not units:
        return None
    for k, unit in enumerate(units):
        c, other = e.args[k], e.args[1 - k]
        if unit is not None and isinstance(c, Const) and isinstance(other, int) and \
                type(c.value) is type(unit) and c.value == unit and repr(c.value) == repr(unit):
            return other     # repr: 0.0 is a unit of sub, -0.0 is not
    return None


def shapes_only(prog: Program) -> Program:
    """``broadcast_like(g, x)`` and ``sum_like(c, x)`` read only ``x``'s shape.

    Their ``x`` becomes a constant of that shape and dtype (a zero-memory
    view), so what computed ``x`` can go if nothing else reads it, and a
    ``broadcast_like`` of a constant folds. Exact: the results are the same.
    """
    values = dict(zip(prog.inputs, prog.seen))
    eqns = []
    for e in prog.eqns:
        values[e.out] = e.ans
        if e.prim is broadcast_like or e.prim is sum_like:
            e = _shape_of(e, values)
        eqns.append(e)
    return prog._replace(eqns=tuple(eqns))


def _shape_of(e: Eqn, values: dict[int, Any]) -> Eqn:
    """``e`` (a ``broadcast_like`` or ``sum_like``) reading a stand-in for its ``x``."""
    x = e.args[1]
    stand_in = _stand_in(values[x]) if isinstance(x, int) else None
    return e if stand_in is None else Eqn(e.prim, e.out, (e.args[0], Const(stand_in)), e.ans)


def _stand_in(v: Any) -> Any:
    if v.__class__ is float:
        return 0.0
    if v.__class__ is np.ndarray:
        return np.broadcast_to(np.zeros((), dtype=v.dtype), v.shape)
    return None


def optimize(prog: Program, exact_identities: bool = True) -> Program:
    """All passes: ``shapes_only``, one sweep of ``fold``, ``identities``, ``cse``; ``dce``.

    ``exact_identities=False`` keeps ``x * 1.0`` and the like: packing lines
    a lane's ``s * 1.0`` up with its neighbours' ``s * -1.0`` (a hinge's
    labels), where without it the two kinds of lanes would be two streams
    of groups; ``identities_after`` takes them out later where nothing packs.
    """
    return dce(_sweep(prog, folding=True, exact_identities=exact_identities, sharing=True,
                      stand_ins=True))


def identities_after(prog: Program) -> Program:
    """``optimize(raw)`` from ``prog = optimize(raw, exact_identities=False)``.

    The identities taken out and the copies they leave shared; ``prog``
    itself where it has none.
    """
    with_units = {p for p, sp in spellings.items() if sp.units}
    for e in prog.eqns:
        if e.prim in with_units and _identity_operand(e) is not None:
            return dce(_sweep(prog, folding=False, exact_identities=True, sharing=True))
    return prog


def merge_calls(prog: Program) -> Program:
    """The output leaves' records of one inner call on the same arguments, as one call.

    ``jit(vmap(f))`` records one primitive per output leaf of the vmapped
    call, each on every argument: 337 gradient leaves are 337 calls of 340
    arguments, each finding the batch's result again. Where a leaf's owner
    offers ``whole()`` (a primitive returning every leaf), the leaves of
    one call become that call once and a lane of its list each (``item``).
    """
    calls: dict[Any, list[int]] = {}
    for k, e in enumerate(prog.eqns):
        if e.prim is None or e.prim.__class__ is Primitive:     # a leaf's is a subclass
            continue
        impl: Any = e.prim.impl
        owner = getattr(impl, "owner", None)
        if owner is not None and hasattr(owner, "whole") and isinstance(impl.k, int):
            key = (id(owner), tuple(id(a.value) if isinstance(a, Const) else a for a in e.args))
            calls.setdefault(key, []).append(k)
    merged = [ks for ks in calls.values() if len(ks) > 1]
    if not merged:
        return prog
    fresh = max([*prog.inputs, *(e.out for e in prog.eqns)]) + 1
    written: dict[int, list[Eqn]] = {}
    for ks in merged:
        leaves = [prog.eqns[k] for k in ks]
        slots = [e.prim.impl.k for e in leaves]                  # type: ignore[union-attr]
        whole = Eqn(leaves[0].prim.impl.owner.whole(), fresh,     # type: ignore[union-attr]
                    leaves[0].args, [None] * (max(slots) + 1))
        for j, (k, e, slot) in enumerate(zip(ks, leaves, slots)):
            taken = Eqn(item, e.out, (fresh, Const(slot)), e.ans)
            written[k] = [whole, taken] if j == 0 else [taken]
        fresh += 1
    return prog._replace(eqns=tuple(x for k, e in enumerate(prog.eqns)
                                    for x in written.get(k, (e,))))
