"""``vmap`` of a plain Python ``while`` on traced values, for any mix of trip counts.

A traced example's program holds its ``while`` loop unrolled, each
iteration closed by a guard. Where ``staging.rolling`` sees the loop (a
repeat of isomorphic iterations, and the guard that ended it), the batch
runs it as a loop: each iteration plays the iteration's equations on the
examples still running, as the ``while_loop`` primitive's batching rule
does; an example whose closing guard goes the other way stops there, its
carry frozen. Each example keeps every value read after the loop, by
iteration, and reads it at its own trip count. A loop that reads a while
loop's iterations backwards (the backward pass ``grad`` records) runs as
many times as that loop ran, each example its own count, reading the
stored values. A value read after a loop from a middle iteration, or a
loop read in another way, leaves the program as it was (each pattern of
guards its own specialization); so does any program whose loops do not
give, on the traced example, what playing it straight gives, bit for bit.
A ``for`` loop left by ``break`` runs so too, up to its range's bound: an
example still running there is handed back. A ``while`` whose Python
counter jit writes itself (``staging.counted``) runs so with its counter,
the same number in every example: where its test fails, the examples still
running are done; where an ``if k > N: raise`` would raise, handed back.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..pycounters import COMPARE
from ..staging.constant_steps import one_count
from ..staging.program import Arg, Const, Program, is_guard
from ..staging.rolling import Loop, arg_key, find_loops
from . import probes
from .carries import Carries
from .carries import outside as _outside
from .interpret import PLANNERS, Played, Spec, apply, interpreted, outputs, passes

__all__ = ["Plan", "plan_for"]

EDGE = 3     # after a loop, values of its first or last EDGE iterations may be read


class Read(NamedTuple):
    """A value of loop ``m`` read after it: offset ``o``, at iteration ``N - d`` or ``d``."""
    m: int
    o: int
    end: bool     # counted back from the example's trip count N (else from the first)
    d: int


class Dyn(NamedTuple):
    """A loop run on the batch: a ``while`` (``tie`` -1) or one tied to a while loop.

    ``less``: a tied loop runs ``less`` fewer times than loop ``tie``.
    ``stored``: offsets whose values are kept by iteration, each with what
    stands before the first (the carry's initial value) or None.
    ``steps``: per (offset, argument) reading loop ``tie`` backwards, its
    offset there and how far from the end iteration 0 reads.
    """
    loop: Loop
    tie: int
    less: int
    stored: dict[int, Arg | None]
    steps: dict[tuple[int, int], tuple[int, int]]

    def span(self) -> int:
        """The index of the first equation after the loop (a while loop's last test too)."""
        return self.loop.stop + (self.loop.exit + 1 if self.tie < 0 else 0)


def plan_for(spec: Spec) -> Plan | None:
    """``spec``'s program with its while loops run on the batch, or None."""
    prog = spec.prog
    if not any(map(is_guard, prog.eqns)):        # no while loop
        return None
    try:
        plan = _analysed(prog)
        if plan is None or spec.inner and one_count(prog, [(d.loop, d.tie) for d in plan.dyns]) \
                or not _checks(plan, spec):
            return None
    except Exception:       # noqa: BLE001  (in doubt: play the program as it was)
        return None
    return plan


def _analysed(prog: Program) -> Plan | None:
    """The loops to run on the batch and how values are read after each; None if none."""
    dyns: list[Dyn] = []
    owner: dict[int, tuple[int, int, int]] = {}
    for loop in find_loops(prog, breaks=True, counted=True):
        if loop.tally is not None or loop.steps is not None:   # a counter returned, a float
            return None                 # step: each pattern its program
        dyn = Dyn(loop, -1, 0, {}, {}) if loop.exit >= 0 else _tied(prog, loop, dyns, owner)
        if dyn is None:
            continue
        m = len(dyns)
        dyns.append(dyn)
        for k in range(loop.trips + (dyn.tie < 0)):
            for o in range(loop.period if k < loop.trips else loop.exit + 1):
                owner[prog.eqns[loop.start + k * loop.period + o].out] = (m, k, o)
    if not any(d.tie < 0 for d in dyns):
        return None
    starts = {d.loop.start: m for m, d in enumerate(dyns)}
    segments: list[tuple[bool, int]] = []
    k = 0
    while k < len(prog.eqns):
        m = starts.get(k, -1)
        segments.append((m >= 0, m if m >= 0 else k))
        k = dyns[m].span() if m >= 0 else k + 1
    reads = _reads(prog, dyns, owner, segments)
    return None if reads is None else Plan(dyns, reads, segments)


def _tied(prog: Program, loop: Loop, dyns: list[Dyn],
          owner: dict[int, tuple[int, int, int]]) -> Dyn | None:
    """A loop reading one while loop's iterations backwards, as a ``Dyn``; else None."""
    steps: dict[tuple[int, int], tuple[int, int]] = {}
    ties = set()
    for o, roles in enumerate(loop.roles):
        for a, role in enumerate(roles):
            if role.how != "data" or all(arg_key(x) == arg_key(role.args[0]) for x in role.args):
                continue
            where = [owner.get(x) if isinstance(x, int) else None for x in role.args]
            init = where[-1] is None
            if init:
                where = where[:-1]
            if not where or where[0] is None or dyns[where[0][0]].tie >= 0:
                return None
            m2, k0, o2 = where[0]
            start = _init(dyns[m2].loop, o2)
            if any(w != (m2, k0 - i, o2) for i, w in enumerate(where)) or (init and (
                    k0 != len(where) - 1 or start is None
                    or arg_key(role.args[-1]) != arg_key(start))):
                return None
            ties.add(m2)
            steps[(o, a)] = (o2, dyns[m2].loop.trips - k0)
            dyns[m2].stored[o2] = _init(dyns[m2].loop, o2) if init else \
                dyns[m2].stored.get(o2)
    if len(ties) != 1 or len({back for _, back in steps.values()}) > 2:
        return None      # a backward iteration reading forward ones at three depths
    m2 = ties.pop()
    return Dyn(loop, m2, dyns[m2].loop.trips - loop.trips, {}, steps)


def _init(loop: Loop, o: int) -> Arg | None:
    """The initial value of the one carry read from offset ``o``, or None."""
    found = {arg_key(r.args[0]): r.args[0] for roles in loop.roles for r in roles
             if r.how == "carry" and r.at == o}
    return next(iter(found.values())) if len(found) == 1 else None


def _reads(prog: Program, dyns: list[Dyn], owner: dict[int, tuple[int, int, int]],
           segments: list[tuple[bool, int]]) -> dict[int, Read] | None:
    """How each value of a loop is read outside it (None: from a middle, or at every k)."""
    outside: list[tuple[int, Arg]] = [(-1, o) for o in prog.outputs]
    for is_loop, k in segments:
        if not is_loop:
            outside += [(-1, a) for a in prog.eqns[k].args]
            continue
        for o, roles in enumerate(dyns[k].loop.roles):
            outside += [(k, x) for a, r in enumerate(roles)
                        if r.how != "local" and (o, a) not in dyns[k].steps for x in _outside(r)]
    reads: dict[int, Read] = {}
    seen: dict[tuple[int, int], set[int]] = {}
    for here, a in outside:
        where = owner.get(a) if isinstance(a, int) else None
        if where is None or where[0] == here or not isinstance(a, int):
            continue
        m, k, o = where
        trips = dyns[m].loop.trips
        seen.setdefault((m, o), {trips - 1}).add(k)
        if len(seen[m, o]) >= trips:     # a step per iteration after it, as many as traced
            return None
        if trips - k <= k and trips - k <= EDGE:
            reads[a] = Read(m, o, True, trips - k)
        elif k < trips - k and k < EDGE:
            reads[a] = Read(m, o, False, k)
        else:
            return None
        dyns[m].stored.setdefault(o, _init(dyns[m].loop, o) if trips - k else None)
    return reads


class Plan(NamedTuple):
    """The loops run on the batch, the reads after them, and the order of things."""
    dyns: list[Dyn]
    reads: dict[int, Read]
    segments: list[tuple[bool, int]]     # (a loop, its index) or (an equation, its index)

    def play(self, spec: Spec, leaves: list[Any], axes: list[int | None],
             idx: np.ndarray) -> Played:
        """``interpret.play`` with the loops run on the batch."""
        st = _State(spec, {i: ((x[idx], True) if ax is not None else (x, False))
                           for i, x, ax in zip(spec.prog.inputs, leaves, axes)}, idx)
        for is_loop, k in self.segments:
            if is_loop:
                _Run(self, st, k).run()
            elif not st.eqn(k):
                return st.idx, [], [], st.failed
            if not len(st.idx):
                return st.idx, [], [], st.failed
        spec.probes = probes.chosen(self.dyns, st, spec)
        return st.idx, *outputs(spec.prog, st.env), st.failed


class _State:
    """The batch's values while a plan plays, and the examples handed back."""

    def __init__(self, spec: Spec, env: dict[int, tuple[Any, bool]], idx: np.ndarray):
        self.plan, self.env, self.idx = spec.plan(), env, idx
        self.failed: list[np.ndarray] = []
        self.counts: dict[int, np.ndarray] = {}      # loop -> each example's trip count
        self.history: dict[int, dict[int, np.ndarray]] = {}   # loop -> offset -> (1 + N, B, ...)

    def value(self, a: Arg) -> tuple[Any, bool]:
        return (a.value, False) if isinstance(a, Const) else self.env[a]

    def eqn(self, k: int) -> bool:
        """Equation ``k`` on the batch; False when no example is left."""
        e, guard, rule, example = self.plan[k]
        values, batched = zip(*map(self.value, e.args)) if e.args else ((), ())
        if guard:
            mask = passes(list(values), list(batched), len(self.idx))
            if not mask.all():
                self.keep(mask)
            return bool(len(self.idx))
        self.env[e.out] = apply(e, rule, example, list(values), list(batched), len(self.idx))
        return True

    def keep(self, mask: np.ndarray) -> None:
        """Hand back the examples not in ``mask``; every batched value keeps the others."""
        self.failed.append(self.idx[~mask])
        self.idx = self.idx[mask]
        self.env = {k: ((v[mask], True) if b else (v, False)) for k, (v, b) in self.env.items()}
        self.counts = {m: c[mask] for m, c in self.counts.items()}
        self.history = {m: {o: h[:, mask] for o, h in hs.items()}
                        for m, hs in self.history.items()}


def _full(v: Any, b: bool, n: int, example: tuple[int, ...], dtype: Any) -> np.ndarray:
    """A value as a writable batch of ``n`` of ``dtype``."""
    return np.array(np.broadcast_to(v if b else np.asarray(v), (n,) + example), dtype=dtype)


class _Run:
    """One loop run on the batch: each example until its own end."""

    def __init__(self, plan: Plan, st: _State, m: int):
        self.p, self.st, self.m, self.dyn = plan, st, m, plan.dyns[m]
        self.loop = self.dyn.loop
        self.ex = {o: st.plan[self.loop.start + o][3] for o in range(self.loop.period)}
        self.dtypes = {o: np.asarray(st.plan[self.loop.start + o][0].ans).dtype
                       for o in range(self.loop.period)}

    def run(self) -> None:
        """Run it, then keep what is read after it (each example at its own count)."""
        st, dyn, n = self.st, self.dyn, len(self.st.idx)
        if dyn.tie >= 0:
            count = st.counts[dyn.tie] - dyn.less
            if (count < 0).any():             # ran fewer times than this program reads
                st.keep(count >= 0)
                count, n = count[count >= 0], len(st.idx)
        else:
            count = np.zeros(n, dtype=np.int64)
        self.alive = np.ones(n, dtype=bool)
        self.carries = Carries(self.loop, lambda x, at: _full(*st.value(x), n, self.ex[at],
                                                              self.dtypes[at]))
        self.kept: dict[int, list[np.ndarray]] = {o: [] for o in dyn.stored}
        act, i = (np.arange(n) if dyn.tie < 0 else np.flatnonzero(count > 0)), 0
        while len(act):
            if i == self.loop.bound and dyn.tie < 0:    # a for loop's range ran out:
                self.alive[act] = False                 # another specialization
                break
            act = self.iteration(i, act, count)
            i += 1
            if dyn.tie >= 0:
                act = act[count[act] > i]
        self.finish(count)

    def iteration(self, i: int, act: np.ndarray, count: np.ndarray) -> np.ndarray:
        """Iteration ``i`` on the examples ``act``; those that go on."""
        local: dict[int, tuple[Any, bool]] = {}
        for o in range(self.loop.period):
            e, guard, rule, example = self.st.plan[self.loop.start + o]
            values, batched = self.args(o, i, act, local)
            if not guard:
                local[o] = apply(e, rule, example, values, batched, len(act))
                self.store(o, local[o], act)
                continue
            mask = passes(values, batched, len(act))
            if o == self.loop.exit and self.dyn.tie < 0:
                count[act[~mask]] = i          # the while loop's test: these are done
                mask &= self.counted(i, act[mask], count)
            else:
                self.alive[act[~mask]] = False     # another guard: another specialization
            act = act[mask]
            local = {k: ((v[mask], True) if b else (v, False)) for k, (v, b) in local.items()}
            if not len(act):
                return act
        self.carries.step(local, act)
        return act

    def counted(self, i: int, going: np.ndarray, count: np.ndarray) -> bool:
        """Whether the loop's Python counter (``counted.Count``) lets iteration ``i`` go on.

        Its value is the same in every example: where its test fails, the
        examples still ``going`` are done; where an ``if k > N: raise`` of the
        body would raise, they are handed back (their trace raises, as eager).
        """
        c = self.loop.counter
        if c is None:
            return True
        k, bounds = c.start + c.plan.step * i, list(c.bounds)
        if c.plan.test and not COMPARE[c.plan.test](k, bounds.pop(0)):
            count[going] = i
            return False
        for (op, stepped), bound in zip(c.plan.raises, bounds):
            if COMPARE[op](k + c.plan.step if stepped else k, bound):
                self.alive[going] = False
                return False
        return True

    def args(self, o: int, i: int, act: np.ndarray, local: dict[int, tuple[Any, bool]]
             ) -> tuple[list[Any], list[bool]]:
        """The arguments of offset ``o`` in iteration ``i``, for the examples ``act``."""
        values, batched = [], []
        for a, role in enumerate(self.loop.roles[o]):
            if role.how == "local":
                v, b = local[role.at]
            elif role.how in ("carry", "back"):
                v, b = self.carries.read(role, act), True
            elif (o, a) in self.dyn.steps:
                o2, back = self.dyn.steps[(o, a)]
                at = self.st.counts[self.dyn.tie][act] - back - i + 1
                v, b = self.st.history[self.dyn.tie][o2][at, act], True
            else:
                v, b = self.st.value(role.args[0])
                v = v[act] if b else v
            values.append(v)
            batched.append(b)
        return values, batched

    def store(self, o: int, value: tuple[Any, bool], act: np.ndarray) -> None:
        """Keep offset ``o``'s values of this iteration, where they are read later."""
        if o in self.kept:
            row = np.zeros((len(self.alive),) + self.ex[o], dtype=self.dtypes[o])
            row[act] = value[0]
            self.kept[o].append(row)

    def finish(self, count: np.ndarray) -> None:
        """Drop the examples another guard took; store histories; read what is read after."""
        st, m, n = self.st, self.m, len(self.alive)
        history = {}
        for o, rows in self.kept.items():
            init = self.dyn.stored[o]
            first = _full(*st.value(init), n, self.ex[o], self.dtypes[o]) if init is not None \
                else np.zeros((n,) + self.ex[o], dtype=self.dtypes[o])
            history[o] = np.stack([first] + rows)
        st.counts[m], st.history[m] = count, history
        if not self.alive.all():
            st.keep(self.alive)
        reads = [(a, r) for a, r in self.p.reads.items() if r.m == m]
        ok = np.ones(len(st.idx), dtype=bool)
        for _, r in reads:
            low = -1 if self.dyn.stored[r.o] is not None else 0   # -1: the initial value
            ok &= (st.counts[m] - r.d >= low) if r.end else (r.d < st.counts[m])
        if not ok.all():
            st.keep(ok)
        cols = np.arange(len(st.idx))
        for a, r in reads:
            row = st.counts[m] - r.d + 1 if r.end else np.full(len(cols), r.d + 1)
            st.env[a] = (st.history[m][r.o][row, cols], True)


def _checks(plan: Plan, spec: Spec) -> bool:
    """Whether the plan gives what playing the program straight gives, on the traced example."""
    leaves = [np.asarray(v)[None] for v in spec.prog.seen]
    axes: list[int | None] = [0] * len(leaves)
    idx = np.arange(1)
    want = interpreted(spec, leaves, axes, idx)
    got = plan.play(spec, leaves, axes, idx)
    if len(got[0]) != 1 or len(want[0]) != 1 or got[2] != want[2]:
        return False
    return all(_same(a, b) for a, b in zip(got[1], want[1]))


def _same(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


PLANNERS.append(plan_for)
