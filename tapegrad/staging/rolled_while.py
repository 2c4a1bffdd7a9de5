"""The parts of a rolled program that a ``while`` loop (any trip count) changes.

A ``while`` loop's values read after it are named counting from its end or its start; a
loop that reads it backwards (the backward pass) runs as many times (``tie``) and reads
lists of its values (``h{m}_{o}``: each iteration's, after the value before the first); a
``for`` loop left by ``break`` fails a guard at its range's end. Where a read holds for
the traced trip count only, ``NotOpen`` says which loop runs that count only.
"""

from __future__ import annotations

from typing import Any

from .. import ops
from ..loop_seed import seed_one
from .kinds import least, replaced
from .program import Arg, Const
from .rolling import MIN_SAVED, Loop
from .rolling import arg_key as _key

PRE = 2      # a backward pass may read this many values from before its loop's carry
EDGE = 3     # after a while loop, values of its first or last EDGE iterations may be read


class NotOpen(Exception):
    """A ``while`` loop's values are read in a way that holds for its traced trip count only."""


class WhileReads:
    """``_RollWriter``'s methods for while loops (the writer's state is theirs)."""

    loops: list[Any]
    whiles: list[bool]
    inside: int | None
    prog: Any
    owner: Any
    where: Any
    guards: list[str]
    stores: list[set[int]]
    partial: list[set[int]]
    ends: list[int]
    starts: list[int]
    tie: dict[int, int]
    per: dict[int, int]
    carried: list[dict[Any, str]]
    histories: list[dict[int, str]]
    read_after: list[dict[int, set[int]]]
    fixed: set[int]
    tails: list[tuple[int, int]]
    tables: set[int]

    def after_while(self, m: int, k: int, o: int) -> str:
        """Iteration ``k``'s value at offset ``o`` of while loop ``m``, read after it.

        The last iteration's carried values are the loop's variables. Other values are read
        from the list of them, counting from its end or its start (one of the last or first
        ``EDGE`` iterations); where both could be meant at the traced trip count (``s[2]``
        or ``s[n - 3]`` of 5), or neither, the loop runs that count only. Where ``back``
        roles read further back, a value is counted from the end wherever it can be: ``a, b,
        d = b, d, new`` hands each value from name to name, so after the loop ``a`` is the
        ``d`` of three iterations back, whatever the trip count (the passes may have merged
        a product of it into a shorter register, ``v[-4] * 0.3`` of ``v[-3] * 0.3``).
        """
        trips = self.loops[m].trips
        if self.inside is not None:       # read inside another loop: rolled, it is read once
            raise NotOpen(m, self.inside)
        self.read_after[m].setdefault(o, set()).add(k)
        carried = [var for (at, _), var in self.carried[m].items() if at == o]
        if k == trips - 1 and len(carried) == 1:
            return carried[0]
        self.stores[m].add(o)
        deep = window(self.loops[m], -1)
        if trips - k <= (trips if deep else k) and trips - k <= max(EDGE, deep):
            self.ends[m] = max(self.ends[m], trips - k)
            return f"s{m}_{o}[n{m} - {trips - k}]"
        if k < trips - k and k < EDGE and not deep and trips - k > EDGE:
            self.starts[m] = max(self.starts[m], k + 1)
            return f"s{m}_{o}[{k}]"
        raise NotOpen(m)

    def untied(self, m: int, reader: int | None = None) -> None:
        """Refuse an index into ``for`` loop ``m``'s values where it runs as a while loop does.

        Its trip count follows the while loop's, so an index counted at the
        traced trip count names another iteration at another. A loop
        ``reader`` reading them by its counter reads a list of ``m``'s length,
        as a table: it may not run as a while loop does either (``cse`` shares
        a while's backward records with a ``range`` loop's alike ones, and
        the value after it is the list's entry at the traced trip count).
        """
        if reader is not None:
            self.tables.add(reader)
        w = next((w for w, M in self.tie.items() if M == m), None)
        if w is not None:
            raise NotOpen(w)

    def origin_ties(self) -> None:
        """Tie each while loop to a later loop whose iterations are its own backwards.

        The backward pass of a loop linear in its carry reads none of its
        values (``g * 0.9``, step after step), so no read ties it; where
        ``prog.origins`` shows that iterations ``r k .. r k + r - 1`` of a
        later loop come, all of them, from the derivative rules of iteration
        ``k0 - k`` of the while loop (``r`` > 1: an inner loop of ``r`` steps
        in its body), that loop runs ``r`` times as many times, less the
        iterations it leaves out (``per``).
        """
        for w, loop in enumerate(self.loops):
            if not self.whiles[w] or w in self.tie:
                continue
            for M in range(w + 1, len(self.loops)):
                r = 0 if self.whiles[M] or M in self.tie.values() or M in self.fixed else \
                    self._mirrors(self.loops[M], loop)
                if r:
                    self.tie[w], self.per[M] = M, r
                    break

    def _mirrors(self, back: Any, loop: Any) -> int:
        """``r`` where ``back``'s iterations, ``r`` at a time, mirror ``loop``'s (else 0)."""
        origins, index, eqns = self.prog.origins, self.where.index, self.prog.eqns
        if not hasattr(back, "roles") or not hasattr(loop, "period"):    # a loop with an if
            return 0
        ran = loop.period * loop.trips + loop.exit + 1     # the exit test's run included
        lo = -loop.period if _peeled(eqns, loop) else 0    # the iteration before it, peeled
        runs: list[list[int]] = []     # [forward iteration, backward iterations from it]
        phases, straddles = [], False
        for k in range(back.trips):
            its: set[int] = set()      # the forward iterations it comes from (-2: none)
            per: list[int] = []
            for o in range(back.period):
                e = eqns[back.start + k * back.period + o]
                at = index.get(origins.get(e.out, -1), loop.start + lo - 1) - loop.start
                per.append(at // loop.period if lo <= at < ran else -2)
            its.update(per)
            phases.append(per)
            if len(its) == 2 and (-2 not in its or k == 0):      # it straddles two
                straddles = True                                  # forward iterations
                continue
            if len(its) != 1 or -2 in its:
                return 0
            j = its.pop()
            if runs and runs[-1][0] == j:
                runs[-1][1] += 1
            elif runs and runs[-1][0] != j + 1:
                return 0
            else:
                runs.append([j, 1])
        if straddles:
            return _shifted(phases, loop.trips)
        r = runs[0][1] if runs else 0
        if any(n != r for _, n in runs) or len(runs) > loop.trips + 1:
            return 0
        return r

    def check_ties(self, inner: list[bool], seeded: bool = False) -> None:
        """Under an inner transform, refuse a while loop no later loop runs as often as.

        ``inner``: per loop, whether a transform traced inside ``jit`` ran it.
        ``seeded``: every derivative pass started from a recorded seed. A while
        loop none of whose values a backward record comes from then passes its
        cotangent through unchanged (``y = y - 0.7``): a gradient for any trip count.
        """
        for m in range(len(self.loops)):
            if inner[m] and self.whiles[m] and m not in self.tie and not (
                    seeded and self._passed_through(m)):
                raise NotOpen(m)
        rolled = [loop for m, loop in enumerate(self.loops)
                  if self.whiles[m] or m in self.tie.values()]
        if any(o and w for o, w in zip(inner, self.whiles)) and _repeated_sum(self.prog, rolled):
            raise NotOpen(self.whiles.index(True))

    def _passed_through(self, m: int) -> bool:
        """Whether a seed is recorded after while loop ``m`` and no backward record is its own.

        No record is a cotangent passed through unchanged only where each carry steps
        from itself by adding or subtracting constants (``stop_gradient`` or ``np.round``
        records nothing either: a cotangent zero where the loop ran, whole where it did
        not; ``a, b = b - 1.0, a`` passes each to the other), or where no carry reaches
        the next iteration's (``kinds.replaced``: each computed afresh).
        """
        loop, index = self.loops[m], self.where.index
        lo, hi = loop.start, loop.stop + loop.exit + 1
        seeds = [k for k, e in enumerate(self.prog.eqns) if e.prim is seed_one]
        return any(k >= hi for k in seeds) and not any(
            lo <= index.get(v, -1) < hi for v in self.prog.origins.values()) and \
            (_shifts(self.prog.eqns, loop) or replaced(self.prog, loop))

    def bounded(self, m: int) -> list[str]:
        """A ``for`` left by ``break``: its end of range, where the pattern changes."""
        loop = self.loops[m]
        if getattr(loop, "bound", -1) < 0:
            return []
        return [f"if n{m} == {loop.bound}: _guard_failed({self.exit_guard(loop)})"]

    def tail_guard(self, m: int) -> list[str]:
        """After a loop tied to a while loop: that it ran as often as reads from its end need."""
        o, need = self.tails[m]
        tied = [w for w, M in self.tie.items() if M == m]
        if not need or not tied:
            return []
        loop = self.loops[tied[0]]
        return [f"if len(s{m}_{o}) < {need}: _guard_failed({self.exit_guard(loop)})"]

    def fewest(self, m: int) -> list[str]:
        """After while loop ``m``: a guard that it ran as often as its reads need."""
        if not self.whiles[m]:
            return []
        loop = self.loops[m]
        if any(len(ks | {loop.trips - 1}) == loop.trips for ks in self.read_after[m].values()):
            raise NotOpen(m)      # an offset's value of every iteration read after it
        tied = [self.loops[M].trips // self.per.get(M, 1) for w, M in self.tie.items() if w == m]
        need = max([self.ends[m] + self.starts[m], least(self.prog, loop)]
                   + [loop.trips - t + 1 for t in tied])
        if need <= 0:
            return []
        return [f"if n{m} < {need}: _guard_failed({self.exit_guard(loop)})"]

    def exit_guard(self, loop: Any) -> int:
        """A new guard's number, named by ``loop``'s exit test (its source line)."""
        exit_out = self.prog.eqns[loop.stop + loop.exit].out
        self.guards.append(self.prog.sources.get(exit_out, "<unknown>"))
        return len(self.guards) - 1

    def affine(self, args: tuple[Arg, ...]) -> str | None:
        """``s{m}_{o}[b + {i}]`` (or ``b - {i}``) where iteration k reads an earlier loop's k."""
        where = [self.owner.get(x) if isinstance(x, int) else None for x in args]
        if where[-1] is None:       # the last reads are of values from before the loop
            return self.history(args, where)
        if any(w is None for w in where):
            return None
        m2, k0, o2 = where[0]                                   # type: ignore[misc]
        if not isinstance(o2, int):                 # an arm's value: not in every iteration
            return None
        step = where[1][1] - k0                                 # type: ignore[index]
        if step not in (1, -1) or any(
                w != (m2, k0 + step * k, o2) for k, w in enumerate(where)):
            return None
        self.stores[m2].add(o2)
        if not self.whiles[m2]:
            self.untied(m2, self.inside)
            return f"s{m2}_{o2}[{k0} {'+' if step > 0 else '-'} {{i}}]"
        if step > 0 or self.tie.setdefault(m2, self.inside) != self.inside:   # type: ignore[arg-type]
            raise NotOpen(m2)
        if k0 == self.loops[m2].trips:      # first read: the run that ended the loop
            self.partial[m2].add(o2)
        return f"s{m2}_{o2}[n{m2} - {self.loops[m2].trips - k0} - {{i}}]"

    def history(self, args: tuple[Arg, ...], where: list[Any]) -> str | None:
        """A backward pass's reads of a carry, last iteration first, then its first values.

        ``h{m}_{o}`` holds the carry's first value (or the value read last, computed
        before the loop: a first iteration peeled), then its value after each
        iteration: ``h[k + 1]`` is iteration ``k``'s, ``h[0]`` the one before.
        Where the reads go on past the carry's first value to values computed
        before the loop (up to ``PRE`` of them: a backward iteration that
        straddles two forward ones reads the peeled iteration's too), those
        come first in the list, the last read first.
        """
        r = next((r for r in range(1, PRE + 1)
                  if len(where) > r + 1 and where[-r - 1] is not None), 0)
        where = where[:-r] if r else [None]
        if None in where:
            return None
        m2, k0, o2 = where[0]
        if k0 != len(where) - 1 or any(w != (m2, k0 - k, o2) for k, w in enumerate(where)):
            return None
        pre = args[len(where):]
        first = self.carried[m2].get((o2, _key(pre[0]))) or self.before(m2, pre[0])
        names = [first] + [self.before(m2, a) for a in pre[1:]]
        if None in names:         # not what the carry started from, nor a value before
            return None
        var = ", ".join(reversed(names))      # type: ignore[arg-type]
        if self.histories[m2].setdefault(o2, var) != var:
            return None
        r = len(pre) - 1          # values before the carry's first one
        if not self.whiles[m2]:
            self.untied(m2)
            return f"h{m2}_{o2}[{k0 + 1 + r} - {{i}}]"
        if self.tie.setdefault(m2, self.inside) != self.inside:   # type: ignore[arg-type]
            raise NotOpen(m2)
        less = self.loops[m2].trips - k0 - 1 - r
        return f"h{m2}_{o2}[n{m2} {'-' if less >= 0 else '+'} {abs(less)} - {{i}}]"

    def before(self, m: int, a: Arg) -> str | None:
        """The text of ``a`` where it is a value computed before loop ``m`` (else None)."""
        if isinstance(a, int) and a in self.prog.inputs:
            return f"v{a}"
        k = self.where.index.get(a) if isinstance(a, int) else None
        if k is None or k >= self.loops[m].start or self.owner.get(a) is not None:
            return None
        return f"v{a}"


def window(loop: Any, o: int) -> int:
    """How far back a ``back`` role of ``loop`` reads offset ``o`` (-1: any; 0: none)."""
    return max((r.depth for roles in getattr(loop, "roles", ()) for r in roles
                if r.how == "back" and o in (r.at, -1)), default=0)


def _repeated_sum(prog: Any, loops: list[Any]) -> bool:
    """Whether, outside ``loops``, a sum ends in one value three times (``b + v + v + v``).

    Under ``grad(grad)``, the cotangent of a value each iteration of a
    backward pass reads is such a chain (or a fixed loop of it), one term
    per trip: it holds for the traced trip count only. ``v + v + v`` counts too.
    """
    inside = {k for loop in loops for k in range(loop.start, loop.stop + max(loop.exit, 0) + 1)}
    runs: dict[Any, dict[Any, int]] = {}     # a sum -> each value it adds, how many in a row
    for k, e in enumerate(prog.eqns):
        if k in inside or e.prim is not ops.add or len(e.args) != 2:
            continue
        a, b = (_key(x) for x in e.args)
        # ``v + v`` starts a run of two: a trace of three trips is ``v + v + v``
        run = {v: runs.get(prev, {}).get(v, int(prev == v)) + 1 for prev, v in ((a, b), (b, a))}
        if max(run.values()) >= 3:
            return True
        runs[_key(e.out)] = run
    return False


def short_reader(loops: list[Any], whiles: list[bool], inside: tuple[int, ...]) -> bool:
    """Whether loop ``inside[0]`` is a fixed loop saving few equations (not a backward one).

    A while loop's value read inside such a loop (two trips of a stretch of
    its backward pass that happen to repeat) names one iteration of it; left
    unrolled, that loop reads it as the code after the while loop does.
    """
    if not inside:
        return False
    loop = loops[inside[0]]
    return type(loop) is Loop and not whiles[inside[0]] and \
        loop.period * (loop.trips - 1) < MIN_SAVED


def without(m: int, *lists: list[Any]) -> tuple[list[Any], ...]:
    """Each of ``lists`` without its item ``m`` (a loop left unrolled)."""
    return tuple(xs[:m] + xs[m + 1:] for xs in lists)


def _peeled(eqns: Any, loop: Any) -> bool:
    """Whether the equations just before ``loop`` are an iteration of it (peeled: -1)."""
    p = loop.period
    return loop.start >= p and all(eqns[loop.start - p + o].prim is eqns[loop.start + o].prim
                                   for o in range(p))


def _shifted(phases: list[list[int]], trips: int) -> int:
    """1 where backward iteration ``k`` reads forward iterations ``j - k`` and ``j - k - 1``.

    ``phases[k][o]``: the forward iteration offset ``o`` of backward iteration
    ``k`` comes from. A backward loop rolled at another phase than its
    forward loop straddles two forward iterations, the same way in each
    iteration: it still runs once per forward iteration, in reverse.
    The first backward iteration may sum a cotangent that the code after the
    forward loop started: that record comes from no forward iteration (-2).
    """
    if len(phases) < 2 or len(phases) > trips + 1:
        return 0
    first = [x + 1 for x in phases[1]]
    if min(first) != max(first) - 1 or any(
            p != [x - k for x in first] for k, p in enumerate(phases) if k) or any(
            x != want and not (x == -2 and want >= trips) for x, want in zip(phases[0], first)):
        return 0
    return 1


def _shifts(eqns: Any, loop: Any) -> bool:
    """Whether each carry of ``loop`` is its own last value plus or minus constants.

    From the equation a carry's next value comes from, each step back is an
    ``add`` (or a ``sub``'s left side) whose other argument is a constant in
    every iteration, up to the same carry: a derivative of one for any trip
    count.
    """
    if not hasattr(loop, "roles"):
        return False
    for role in (r for roles in loop.roles for r in roles if r.how == "carry"):
        at, seen = role.at, set()
        while True:
            e = eqns[loop.start + at]
            if e.prim not in (ops.add, ops.sub) or at in seen:
                return False
            seen.add(at)
            moving = [(a, r) for a, r in enumerate(loop.roles[at])
                      if r.how != "data" or not all(isinstance(x, Const) for x in r.args)]
            if len(moving) != 1 or e.prim is ops.sub and moving[0][0] != 0:
                return False
            r = moving[0][1]
            if r.how == "carry":
                if (r.at, _key(r.args[0])) != (role.at, _key(role.args[0])):
                    return False        # another carry's value: passed to another variable
                break
            if r.how != "local":
                return False
            at = r.at
    return True
