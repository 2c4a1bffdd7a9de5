"""Seeing loops in a straight-line program: runs of isomorphic iterations.

A Python loop under ``jit`` leaves its iterations on the staging tape one
after the other. Each equation gets a *shape* (its primitive, the kinds of
its arguments and result, which arguments are constants, a guard's
outcome); a loop is a tandem repeat of shapes, found with NumPy: candidate
periods are the distances between equal runs of shapes, and for each the
longest stretch where ``shape[i] == shape[i + period]``.

A repeat is a loop only where each argument of each iteration plays one
role (``Role``): a value of the same iteration (``local``), of the previous
one (``carry``; the first iteration reads the initial value) or further
back (``back``), or data from before the loop (``data``: one argument per
iteration, the same for a loop-invariant value, or advancing). The first
iteration that breaks a role ends the loop; the rest stays straight-line.
"""

from __future__ import annotations

import ast
import functools
from typing import Any, NamedTuple

import numpy as np

from ..logic import guard
from .arg_keys import arg_key
from .compound import exit_candidates
from .counted import break_bound, counted_exit, loop_tally
from .program import Arg, Const, Program, is_guard, kind
from .runs import if_run
from .shifted import deeper
from .stepped import bits, step_value, stepped_exit
from .while_source import break_line, while_line

MIN_SAVED = 16       # a fixed loop rolls where it saves at least this many equations
GRAM = 4             # shapes per run compared when looking for periods
CANDIDATES = 12      # periods tried per stretch
TRIES = 40           # repeats analysed per stretch, the largest first


class Role(NamedTuple):
    """What argument ``a`` of the equation at offset ``o`` reads, in every iteration.

    ``how`` is ``"local"`` (offset ``at`` of this iteration), ``"carry"``
    (offset ``at`` of the previous iteration; ``args[0]`` in the first),
    ``"back"`` (offset ``at`` of the iteration ``depth`` back; ``args[k]``
    in the first ``depth``) or ``"data"`` (``args[k]`` in iteration ``k``).
    """
    how: str
    at: int
    args: tuple[Arg, ...]
    depth: int = 1


class Loop(NamedTuple):
    """``trips`` iterations of ``period`` equations from equation ``start``."""
    start: int
    period: int
    trips: int
    roles: tuple[tuple[Role, ...], ...]     # per offset, per argument
    exit: int = -1      # a while loop: the offset of the guard that ends it (-1: none)
    bound: int = -1     # a for loop left by break: iterations it may run (-1: a while)
    counter: Any = None     # a while's Python counter jit writes itself (``counted.Count``)
    tally: Any = None       # its counters the function returns (``counted.Tallied``)
    steps: Any = None       # its Python float step jit computes (``stepped.Steps``)

    @property
    def stop(self) -> int:
        """The index of the first equation after the loop."""
        return self.start + self.period * self.trips


def shapes(prog: Program, where: Where | None = None) -> np.ndarray:
    """Each equation's shape as a small integer (equal shapes, equal integers).

    ``where``: filled with the ids of every equation's first two arguments.
    A backward record (``prog.origins``) shows its constants' values: the
    backward passes of two loops, ``g * 1.1`` then ``g * 1.3``, differ.
    """
    kinds: dict[int, Any] = {i: _scalar_kind(v) for i, v in zip(prog.inputs, prog.seen)}
    table: dict[Any, int] = {}
    setdefault = table.setdefault
    out: list[int] = []
    append = out.append
    ids: list[list[int]] = [[], []]
    origins = prog.origins
    for e in prog.eqns:
        parts = _arg_kinds(e.args, kinds, ids)
        if origins and e.out in origins:     # a backward record: its constants by value
            parts.append(tuple(repr(a.value) for a in e.args
                               if isinstance(a, Const) and a.value.__class__ in _CONST_KINDS))
        if e.prim is guard and is_guard(e):
            parts.append(("guard", repr(e.args[1].value)))     # type: ignore[union-attr]
        else:
            ans = e.ans
            k = kinds[e.out] = _scalar_kind(ans)
            parts.append(k)
        parts.append(id(e.prim))
        append(setdefault(tuple(parts), len(table)))
    if where is not None:
        where.ids = [np.array(x, dtype=np.int64) for x in ids]
    return np.array(out, dtype=np.int64)


def _scalar_kind(v: Any) -> Any:
    """``kind``, with a float64 scalar a float.

    NumPy's ``np.float64`` and Python's float compute the same bits with the
    same operators; a carry may be one, then the other (``s * 0.5 + xs[i]``
    or ``tg.tanh(s)``).
    """
    return float if v.__class__ is float or v.__class__ is np.float64 else kind(v)


def _arg_kinds(args: tuple[Arg, ...], kinds: dict[int, Any], ids: list[list[int]]
               ) -> list[Any]:
    """The kinds of ``args`` (a constant's its own); their ids added to ``ids`` (-1: none)."""
    parts = []
    for a in args:
        parts.append(kinds.get(a) if type(a) is int else _const_kind(a.value))  # type: ignore[union-attr]
    n = len(args)
    ids[0].append(args[0] if n and type(args[0]) is int else -1)       # type: ignore[arg-type]
    ids[1].append(args[1] if n > 1 and type(args[1]) is int else -1)  # type: ignore[arg-type]
    return parts


_CONST_KINDS = {float: "float", int: "int", bool: "bool"}


def _const_kind(v: Any) -> Any:
    if v.__class__ is float:
        return "float"
    k = _CONST_KINDS.get(v.__class__)
    if k is not None:
        return k
    if isinstance(v, np.ndarray | np.generic):    # np.log(10): a new scalar each iteration
        return ("c", v.dtype.str, np.shape(v))
    return ("other", repr(v) if isinstance(v, tuple | slice | str) else id(v))


def periods(s: np.ndarray) -> list[int]:
    """Candidate periods: the commonest distances between equal runs of shapes.

    A short stretch with no such runs (a backward pass of a few steps) tries 1.
    """
    n = len(s) - GRAM + 1
    short = [1] if len(s) < 4 * GRAM and bool((s[1:] == s[:-1]).any()) else []
    if n < 2:
        return short
    h = s[:n].copy()
    for j in range(1, GRAM):
        h = h * 1000003 + s[j:n + j]
    order = np.argsort(h, kind="stable")
    same = h[order[1:]] == h[order[:-1]]
    gaps = (order[1:] - order[:-1])[same]
    if not len(gaps):
        return short
    values, counts = np.unique(gaps, return_counts=True)
    return [int(values[k]) for k in np.argsort(-counts, kind="stable")[:CANDIDATES]]


def repeats(s: np.ndarray, period: int) -> list[tuple[int, int]]:
    """``(start, trips)`` of each stretch repeating with ``period``, at least twice."""
    if period <= 0 or period >= len(s):
        return []
    eq = np.concatenate(([False], s[:-period] == s[period:], [False]))
    edges = np.flatnonzero(eq[1:] != eq[:-1])
    out = []
    for a, b in zip(edges[::2], edges[1::2]):
        trips = (b - a + period) // period
        if trips >= 2:
            out.append((int(a), int(trips)))
    return out


def find_loops(prog: Program, s: np.ndarray | None = None, taken: Any = (),
               where: Where | None = None, least: int = MIN_SAVED, breaks: bool = False,
               counted: bool = False) -> list[Any]:
    """The loops of ``prog``, in order, none overlapping; [] where none saves enough.

    ``s``: the equations' ``shapes`` (``where`` as ``shapes`` filled it);
    ``taken``: loops found already (kept, nothing else found inside them);
    ``least``: the equations a loop without a guard must save; ``breaks``:
    a ``for`` loop left by ``break`` ends like a ``while`` (with a bound);
    ``counted``: so may a ``while`` whose Python counter jit writes (``counted``).
    """
    where = Where(prog) if where is None else where
    s = shapes(prog, where) if s is None else s
    guards = np.cumsum([0] + [e.prim is guard and is_guard(e) for e in prog.eqns])
    loops: list[Any] = list(taken)
    bounds = [0] + [x for t in sorted(loops, key=lambda t: t.start)
                    for x in (t.start, t.stop + t.exit + 1)] + [len(s)]
    todo = list(zip(bounds[::2], bounds[1::2]))
    while todo:
        lo, hi = todo.pop()
        loop = _best(prog, s, where, guards, lo, hi, least)
        if loop is not None:
            exit, bound, counter, tally, steps = closing_guard(prog, s, loop, breaks, counted)
            loop = loop._replace(exit=exit, bound=bound, counter=counter, tally=tally,
                                 steps=steps)
            loops.append(loop)
            todo += [(lo, loop.start), (loop.stop + loop.exit + 1, hi)]
    if least == MIN_SAVED and any(t.exit >= 0 for t in loops):     # a while loop: its
        return find_loops(prog, s, loops, where, 2, breaks, counted)   # its backward loop too
    return sorted(loops, key=lambda loop: loop.start)


class Where:
    """Where each value is computed: ``index[v]``, the equation's index.

    ``pos[a][k]`` is that index for argument ``a`` (0 or 1) of equation
    ``k``, -1 where it is a constant or an input: what ``analyse`` reads,
    as arrays.
    """

    def __init__(self, prog: Program):
        self.prog = prog
        self.ids: list[np.ndarray] | None = None      # arguments 0 and 1 (-1: a constant)

    @functools.cached_property
    def index(self) -> dict[int, int]:
        """Each value's equation index."""
        return {e.out: k for k, e in enumerate(self.prog.eqns)}

    @functools.cached_property
    def pos(self) -> list[np.ndarray]:
        """Argument 0's and argument 1's equation index, per equation (-1: none)."""
        if self.ids is None:
            shapes(self.prog, self)
        assert self.ids is not None
        eqns = self.prog.eqns
        outs = np.fromiter((e.out for e in eqns), dtype=np.int64, count=len(eqns))
        index = np.full(max(int(outs.max(initial=0)), *(int(x.max(initial=0)) for x in self.ids))
                        + 2, -1, dtype=np.int64)
        index[outs] = np.arange(len(eqns))
        return [index[x] for x in self.ids]       # index[-1] is -1: a constant


def _best(prog: Program, s: np.ndarray, where: Where, guards: np.ndarray,
          lo: int, hi: int, least: int = MIN_SAVED) -> Loop | None:
    """The loop in equations ``lo:hi`` saving the most equations, or None.

    Only repeats that save ``MIN_SAVED`` equations or hold a guard (a
    ``while`` loop rolls whatever its size) are tried, the largest first.
    """
    found: list[tuple[int, int, int, int]] = []
    for p in periods(s[lo:hi]):
        for start, trips in repeats(s[lo:hi], p):
            start += lo
            if (trips - 1) * p >= least or guards[start + p] > guards[start]:
                found.append(((trips - 1) * p, start, p, trips))
    for _, start, p, trips in sorted(found, reverse=True)[:TRIES]:
        for peel in range(min(2, trips - 1)):     # the first iteration may differ
            loop = analyse(prog, where, start + peel * p, p, trips - peel, least)
            if loop is not None:
                return loop
    return None


def analyse(prog: Program, where: Where, start: int, period: int, trips: int,
            least: int = MIN_SAVED) -> Loop | None:
    """The loop of ``trips`` iterations from ``start``, cut at the first broken role."""
    eqns = prog.eqns
    found = [_roles(eqns, where, start, period, trips, a) for a in range(_most_args(eqns, start,
                                                                                   period))]
    trips = min([trips] + [int(ok.min()) for _, _, ok, _ in found])
    if trips < 2:
        return None
    roles = []
    for o in range(period):
        per_arg = []
        for a in range(len(eqns[start + o].args)):
            how, at, depth = str(found[a][0][o]), int(found[a][1][o]), int(found[a][3][o])
            xs = () if how == "local" else tuple(eqns[start + k * period + o].args[a]
                                                  for k in range(trips))
            if how == "back" and depth >= trips:      # cut short: all read before the loop
                how, at, depth = "data", -1, 1
            per_arg.append(Role(how, at, xs, depth))
        roles.append(tuple(per_arg))
    loop = Loop(start, period, trips, tuple(roles))
    guarded = any(is_guard(eqns[start + o]) for o in range(period))
    if not guarded and period * (trips - 1) < least:
        return None
    return loop


def _most_args(eqns: Any, start: int, period: int) -> int:
    return max((len(eqns[start + o].args) for o in range(period)), default=0)


_HOW = np.array(["data", "carry", "local", "back"])


def _roles(eqns: Any, where: Where, start: int, period: int, trips: int, a: int
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Argument ``a``'s role at every offset: how, at, how many iterations keep it, depth.

    Computed in iteration 0 (``local``: offset ``at`` of this iteration) or
    1 (``carry``: of the previous one), else ``data``, or ``back`` (``depth``
    iterations back, ``shifted``); kept while every iteration reads the same
    way (an offset without argument ``a`` keeps it).
    """
    stop = start + period * trips
    if a < 2:
        pos = where.pos[a][start:stop] - start
    else:
        get = where.index.get
        pos = np.array([get(e.args[a], -1) if len(e.args) > a and e.args[a].__class__ is int
                        else -1 for e in eqns[start:stop]], dtype=np.int64) - start
    pos = pos.reshape(trips, period)
    k = np.arange(trips)[:, None]
    step = np.where(pos >= 0, pos // period - k, trips + 1)    # trips + 1: not in the loop
    at = pos % period
    local = step[0] == 0
    carry = ~local & (step[1] == -1)
    want = np.where(local, 0, np.where(carry, -1, trips + 1))
    a_at = np.where(local, at[0], np.where(carry, at[1], -1))
    bad = (step[1:] != want) | ((local | carry) & (at[1:] != a_at))
    ok = np.where(bad.any(axis=0), bad.argmax(axis=0) + 1, trips)
    how, ok, depth, back_at = deeper(step, at, local * 2 + carry, ok, trips)
    has = np.array([len(eqns[start + o].args) > a for o in range(period)])
    return _HOW[how], np.where(depth > 1, back_at, a_at), np.where(has, ok, trips), depth


def closing_guard(prog: Program, s: np.ndarray, loop: Loop, breaks: bool = False,
                  counted: bool = False) -> tuple[int, int, Any, Any, Any]:
    """The offset of the guard that ends ``loop`` (a ``while``), or -1; its bound, counters, step.

    After the last iteration a ``while`` loop runs its condition once more,
    and its guard goes the other way: the equations after the loop repeat
    offsets ``0..g`` of an iteration, in the same roles, with the guard at
    ``g`` flipped. Its data must be loop-invariant (any trip count reads
    the same). With ``breaks``, the guard may be ``if ...: break`` in a
    ``for _ in range(...)``: the bound is how many iterations that loop
    may run from the first one rolled (-1: a ``while``, no bound). With
    ``counted``, a ``while`` whose test or body reads a Python counter
    (``counted.counted_exit``): the counter, or None; and a run of a
    ``while``'s iterations ended where an ``if`` flips (``runs.if_run``).
    """
    eqns = prog.eqns
    guards = [o for o in range(loop.period) if is_guard(eqns[loop.start + o])]
    lines = [prog.sources.get(eqns[loop.start + o].out, "") for o in guards]
    shown = frozenset(lines)
    # a test run more than once an iteration is an inner loop's, unless one compound test's
    guards = exit_candidates(prog, loop, guards, lines)
    for g in guards:          # the first guard that ends it: a while's test, or a break after
        found = _closing_at(prog, s, loop, g, breaks, shown, counted)
        if found is not None:
            return found
    return -1, -1, None, None, None


def _closing_at(prog: Program, s: np.ndarray, loop: Loop, g: int, breaks: bool,
                shown: frozenset[str], counted: bool) -> tuple[int, int, Any, Any, Any] | None:
    """``(g, bound, counter, tally, steps)`` where guard ``g`` ends ``loop``, else None.

    ``shown``: where the guards of one iteration are (``file:line``).
    """
    eqns, stop = prog.eqns, loop.stop
    if stop + g >= len(eqns) or not is_guard(eqns[stop + g]):
        return None
    where = prog.sources.get(eqns[stop + g].out, "")
    steps = stepped_exit(prog, loop, g, where) if counted else None
    if steps is False:
        return None
    skip = steps.plan.nodes if steps else frozenset()
    bound = -1 if while_line(where, shown, skip=skip) or breaks and break_line(
        where, ast.While, shown) else break_bound(prog, loop, g) if breaks and break_line(
            where) else None
    count = counted_exit(prog, loop, g, where, shown, skip) if bound is None and counted \
        else None
    bound = -1 if count is not None or bound is None and counted and if_run(where, shown) \
        else bound
    tally = loop_tally(prog, loop, g, where)
    columns = steps.columns if steps else {}
    if bound is None or tally is False or steps and bound != -1 or any(
            r.how == "data" and len({arg_key(x) for x in r.args}) > 1 and (o, a) not in columns
            for o, roles in enumerate(loop.roles) for a, r in enumerate(roles)):
        return None
    last = loop.start + (loop.trips - 1) * loop.period
    for o in range(g + 1):
        e = eqns[stop + o]
        if o < g and s[stop + o] != s[loop.start + o]:
            return None
        for a, role in enumerate(loop.roles[o]):
            want = (eqns[stop + role.at].out if role.how == "local" else
                    eqns[last + role.at].out if role.how == "carry" else
                    eqns[last - (role.depth - 1) * loop.period + role.at].out
                    if role.how == "back" else role.args[0])
            if o == g and a == 1:       # flipped, or the counter ended it (``counted_exit``)
                want = Const(not eqns[loop.start + g].args[1].value ^ bool(count and count[1]))   # type: ignore[union-attr]
            if a >= len(e.args) or (bits(e.args[a]) != step_value(steps, o, a) if (
                    o, a) in columns else arg_key(e.args[a]) != arg_key(want)):
                return None
    return g, bound, count and count[0], tally, steps

