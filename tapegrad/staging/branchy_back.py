"""The backward pass of a loop whose iterations branch: a loop over the stored outcomes.

Under ``jit(grad(f))`` a loop with an ``if`` (``branches.Branchy``) is
followed, on the tape, by its backward pass: the derivative rules of each
iteration, last first (``Program.origins`` says which forward value each
record comes from). Which records an iteration leaves depends on its
outcome and on the outcomes around it: a cotangent is accumulated (an
``add``) only where one was there already, and an arm that copies
(``hi = mid``) moves the cotangent of ``hi`` onto ``mid``.

In terms of the loop's Python variables that is one rule: walking an
iteration backwards, a slot takes the cotangent of the variable it wrote
(and leaves ``None`` there: the value before it is another), and adds
each input's share to the variable (or data) that input read, ``None``
meaning no cotangent yet. ``back_loop`` runs that rule over the traced
iterations and keeps it only where it yields the tape's records one for
one (the same primitives, reading the same values); the writer
(``rolled_back``) then writes it as a loop over the stored outcomes, which
computes eager's sums in eager's order for any pattern of outcomes.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..loop_seed import seed_one
from .back_sweep import NoBack, Sweep, partials
from .branches import Branchy, Slot
from .copies import source
from .program import Arg, Const, Eqn, Program

Var = Any          # frozenset[Slot] (a variable of the loop) or ("data", id)
Rule = tuple[tuple[Any, Any], ...]     # (primitive, classified arguments) each, or a twin


class BackLoop(NamedTuple):
    """The backward records ``start:stop`` of forward loop ``loop``, as a loop."""
    start: int
    stop: int
    loop: Branchy
    var_of: dict[Slot, Var]                      # the variable each slot writes
    targets: dict[tuple[Slot, int], Var]          # where each input's share goes
    rules: dict[tuple[Slot, int], Rule]           # each input's rule records, classified
    examples: dict[tuple[Slot, int], list[Eqn]]   # ... and one traced instance of them
    entry: dict[Var, int]                        # cotangents before the loop, by variable
    finals: dict[int, Var]                       # records read after: the variable they are
    reached: frozenset[Var] = frozenset()        # the variables a cotangent may reach
    nones: frozenset[Var] = frozenset()          # ... that none reached while tracing
    exit: int = -1

    @property
    def trips(self) -> int:
        """The forward loop's traced trip count."""
        return self.loop.trips


def back_loop(prog: Program, loop: Branchy) -> BackLoop | bool | None:
    """``loop``'s backward records as a ``BackLoop``; None where it has none, False in doubt."""
    try:
        return _back_loop(prog, loop)
    except NoBack:
        return False


def _back_loop(prog: Program, loop: Branchy) -> BackLoop | None:
    eqns, origins = prog.eqns, prog.origins
    index = {(k, slot): j for k, slot, j in loop.members()}
    mine = {eqns[j].out for j in index.values()}
    region = [i for i, e in enumerate(eqns) if origins.get(e.out) in mine]
    if not region:
        return None
    start, stop = region[0], region[-1] + 1
    seeds = [i for i, e in enumerate(eqns) if e.prim is seed_one]
    end = loop.stop + loop.exit + 1
    if len(region) != stop - start or len(seeds) != 1 or not end <= seeds[0] < start:
        raise NoBack
    if any(origins.get(e.out) in {eqns[j].out for j in range(loop.stop, end)}
           for e in eqns[start:stop]):
        raise NoBack          # the test that ended the loop has no derivative
    sweep, tested = _after(prog, seeds[0], start, loop)
    var_of, targets = _variables(loop, _examples(prog, loop))
    entry = _entry(prog, loop, index, var_of, targets, sweep.acc, tested)
    model = _Model(prog, loop, index, var_of, targets, sweep, entry)
    model.run()
    if sweep.pos != stop:
        raise NoBack
    # Data read at an index (``for x in xs``) is taken as a constant of the derivative:
    # its share records nothing where its partial is 1.0, so check that no such
    # cotangent is read after the loop (the gradient of ``xs`` would be).
    later = {a for e in eqns[stop:] for a in e.args if isinstance(a, int)}
    if model.sinks & (later | {o for o in prog.outputs if isinstance(o, int)}):
        raise NoBack
    finals = {sym: v for v, sym in model.acc.items() if start <= sweep.at.get(sym, -1) < stop}
    reached = reach(loop, prog, var_of, targets, entry)
    unseen = {v for v in _outer(loop, targets) & reached if v not in finals.values()}
    passed = {v for v in unseen - _given(loop, prog, var_of, targets, reached)
              if isinstance(v, tuple) and model.acc.get(v) is not None}   # data, as it is
    if any(model.acc.get(v) is not None for v in unseen - passed):
        raise NoBack       # its cotangent from after the loop, read as it is
    entry = {v: sym for v, sym in entry.items() if v not in passed}
    return BackLoop(start, stop, loop, var_of, targets, model.rules, model.examples,
                    entry, finals, reached - passed, frozenset(unseen - passed))


def _after(prog: Program, seed: int, start: int, loop: Branchy) -> tuple[Sweep, set[int]]:
    """The rules of the code after the loop, backwards, up to ``start``; what they share out.

    Returned: the loop's values the run of the test that ended it (``while
    True: ... if abs(y) < tol: break``) gave a share. A rule without partials
    (``p[2]``'s) is passed over where it reads only values from before the
    loop that the loop does not read: no loop variable's share.
    """
    eqns, sweep, end = prog.eqns, Sweep(prog, seed + 1), loop.stop + loop.exit + 1
    sweep.acc[eqns[seed].args[0]] = eqns[seed].out     # type: ignore[index]
    read = {a for e in eqns[loop.start:loop.stop] for a in e.args if isinstance(a, int)}
    shares: list[set[int]] = [set(), set()]       # read by the exit's run, by the code after
    for j in range(seed - 1, loop.stop - 1, -1):
        e = eqns[j]
        g, ins = sweep.acc.pop(e.out, None), {a for a in e.args if isinstance(a, int)}
        if g is not None and partials(e) is None and not read & ins and \
                all(sweep.at.get(a, -1) < loop.start for a in ins):
            while sweep.pos < len(eqns) and prog.origins.get(eqns[sweep.pos].out) == e.out:
                sweep.pos += 1
        elif g is not None:
            sweep.rule(e, g, {k: a for k, a in enumerate(e.args) if isinstance(a, int)})
            sweep.merged(ins)
            shares[j >= end] |= {a for a in ins if sweep.at.get(a, -1) < loop.stop}
    if sweep.pos != start or shares[0] & shares[1]:
        raise NoBack      # a value both read: as which variable?
    return sweep, shares[0]


def _outer(loop: Branchy, targets: dict[tuple[Slot, int], Var]) -> set[Var]:
    """The variables and data whose cotangents the code before the loop reads."""
    firsts = {r.w for r in loop.reads.values() if r.how == "var" and r.init is not None}
    return firsts | {v for v in targets.values() if isinstance(v, tuple) and v[0] == "data"}


def reach(loop: Branchy, prog: Program, var_of: dict[Slot, Var],
          targets: dict[tuple[Slot, int], Var], entry: dict[Var, int]) -> frozenset[Var]:
    """The variables and data a cotangent may reach, whatever the outcomes.

    Those holding one after the loop, and, until nothing changes, those an
    input with a derivative reads in a slot writing one of them.
    """
    example = _examples(prog, loop)
    out = set(entry)
    while True:
        more = {t for (slot, a), t in targets.items() if var_of[slot] in out and t not in out
                and not (isinstance(t, tuple) and t[0] == "table")
                and (source(slot) != slot or _derivative(example[slot], a))}
        more |= {var_of[source(c)] for c in loop.copies if var_of[c] in out} - out
        if not more:
            return frozenset(out)
        out |= more


def _given(loop: Branchy, prog: Program, var_of: dict[Slot, Var],
           targets: dict[tuple[Slot, int], Var], reached: frozenset[Var]) -> set[Var]:
    """The variables and data an iteration may give a share, whatever the outcomes.

    Data no iteration gives a share (``p`` read only by the ``if``'s test,
    ``mid * mid * p > 1``) keeps the cotangent the code after the loop gave
    it, for every pattern of outcomes: the loop passes it through, and the
    code before the loop reads it as it is. (A variable's cotangent may be
    taken by the slot writing it instead: only data is passed through.)
    """
    example = _examples(prog, loop)
    given = {t for (slot, a), t in targets.items() if var_of[slot] in reached
             and (source(slot) != slot or _derivative(example[slot], a))}
    return given | {var_of[source(c)] for c in loop.copies if var_of[c] in reached}


def _examples(prog: Program, loop: Branchy) -> dict[Slot, Eqn]:
    """An equation of each slot, from an iteration of each outcome."""
    example: dict[Slot, Eqn] = {}
    for b in (False, True):
        at = loop.at[loop.taken.index(b)]
        example.update((slot, prog.eqns[at + j]) for j, slot in enumerate(loop.slots(b)))
    return example


def _derivative(e: Eqn, a: int) -> bool:
    """Whether ``e``'s input ``a`` may have a share of its cotangent."""
    ps = partials(e)
    return isinstance(e.ans, float) and (ps is None or a < len(ps) and ps[a] is not None)


def _variables(loop: Branchy, example: dict[Slot, Eqn]
               ) -> tuple[dict[Slot, Var], dict[tuple[Slot, int], Var]]:
    """The variable each slot writes, and what each argument reads (a variable or data).

    A variable's first value may be data too where no read of it as data has a
    derivative (``hi = a`` and ``mid * mid > a``): its cotangent is the variable's alone.
    """
    var_of: dict[Slot, Var] = {}
    targets: dict[tuple[Slot, int], Var] = {}
    for key, r in loop.reads.items():
        if r.how == "var":
            var_of.update((sl, r.w) for sl in r.w)
            targets[key] = r.w
        elif r.how == "data" and isinstance(r.args[0], int):
            targets[key] = ("data", r.args[0])
        elif r.how in ("table", "share"):
            targets[key] = ("table", key)      # a value per iteration: no share may reach it
    for b in (False, True):
        for sl in loop.order(b):
            var_of.setdefault(sl, frozenset([sl]))     # read by nothing inside the loop
    inits = [r.init for r in loop.reads.values() if r.how == "var" and r.init is not None]
    firsts = {r.w: r.init for r in loop.reads.values() if r.how == "var" and r.init is not None}
    data = {v[1] for v in targets.values() if isinstance(v, tuple) and v[0] == "data"}
    shared = {v[1] for (sl, a), v in targets.items() if isinstance(v, tuple) and
              v[0] == "data" and (source(sl) != sl or _derivative(example[sl], a))}
    items = {x for r in loop.reads.values() if r.how == "table" for x in r.args
             if isinstance(x, int)}
    if len(set(map(_arg, firsts.values()))) != len(firsts) or \
            any(_arg(i) in shared | items for i in inits) or data & items:
        raise NoBack       # one value from before the loop in two roles: one cotangent
    post = set(loop.slots(True)[loop.pre + 1 + loop.arms[True]:])
    copied = {var_of[source(c)] for c in loop.copies}
    if any(t in copied for (sl, _), t in targets.items() if sl in post):
        raise NoBack       # read after the copies: its shares would be summed in another order
    return var_of, targets


def _arg(a: Arg | None) -> Any:
    return a if isinstance(a, int) else ("const", repr(getattr(a, "value", None)))


def _holders(prog: Program, loop: Branchy, index: dict[tuple[int, Slot], int],
             var_of: dict[Slot, Var]) -> dict[int, list[Var]]:
    """The variables holding each value after the loop."""
    eqns = prog.eqns
    holders: dict[int, list[Var]] = {}
    for w, (k, sl) in loop.finals.items():
        holders.setdefault(eqns[index[(k, source(sl))]].out, []).append(w)
    last = loop.trips - 1
    for sl in loop.slots(loop.taken[-1]):
        if var_of[sl] == frozenset([sl]) and isinstance(sl, int):
            holders.setdefault(eqns[index[(last, sl)]].out, []).append(var_of[sl])
    return holders


def _entry(prog: Program, loop: Branchy, index: dict[tuple[int, Slot], int],
           var_of: dict[Slot, Var], targets: dict[tuple[Slot, int], Var],
           acc: dict[int, Any], tested: set[int]) -> dict[Var, int]:
    """The cotangents the code after the loop left, by the variable holding each value.

    The run of the test that ended the loop (values in ``tested`` had a share
    from it) reads the loop's variables by name, an arm's copy included.
    """
    eqns, holders = prog.eqns, _holders(prog, loop, index, var_of)
    firsts = {r.init: r.w for r in loop.reads.values() if r.how == "var" and r.init is not None}
    data = {v[1] for v in targets.values() if isinstance(v, tuple) and v[0] == "data"}
    values = {eqns[j].out for j in index.values()}
    entry: dict[Var, int] = {}
    for v, sym in acc.items():
        if v in firsts:
            raise NoBack         # read after the loop too: one cotangent, two sums
        if v in data:
            entry[("data", v)] = sym
            continue
        ws = holders.get(v)
        if v in tested:       # the variable the test's run read it as, one only
            ws = [w for w in _exit_reads(prog, loop, v) if w in (ws or ())]
            if len(ws) != 1:
                raise NoBack
            entry[ws[0]] = sym
            continue
        if ws is None:
            if v in values:
                raise NoBack     # a value of a middle iteration read after the loop
            continue             # a value from before the loop: not the loop's
        copies = [w for w in ws if any(isinstance(s, str) and s[1:2] == "v" for s in w)]
        if loop.direct:      # the code after the loop reads no copy (``copies.direct_reads``)
            ws, copies = [w for w in ws if w not in copies], []
        ws = list(dict.fromkeys(copies or ws))
        if len(ws) != 1:
            raise NoBack
        entry[ws[0]] = sym
    copied = {var_of[source(c)] for c in loop.copies}
    if copied & entry.keys() and not loop.direct:
        raise NoBack             # its cotangent and a copy's would meet in another order
    return entry


def _exit_reads(prog: Program, loop: Branchy, v: int) -> set[Var]:
    """The variables the run of the test that ended ``loop`` read ``v`` as."""
    return {r.w for (o, a), r in loop.reads.items() if r.how == "var" and isinstance(o, int)
            and o <= loop.exit and prog.eqns[loop.stop + o].args[a:a + 1] == (v,)}


class _Model:
    """The rule run over the traced iterations, backwards, against the tape's records."""

    def __init__(self, prog: Program, loop: Branchy, index: dict[tuple[int, Slot], int],
                 var_of: dict[Slot, Var], targets: dict[tuple[Slot, int], Var],
                 sweep: Sweep, entry: dict[Var, int]):
        self.prog, self.loop, self.index, self.sweep = prog, loop, index, sweep
        self.var_of, self.targets = var_of, targets
        sweep.acc = dict(entry)
        self.acc: dict[Var, Any] = sweep.acc
        self.sinks: set[Any] = set()
        self.rules: dict[tuple[Slot, int], Rule] = {}
        self.examples: dict[tuple[Slot, int], list[Eqn]] = {}

    def run(self) -> None:
        loop = self.loop
        for k in range(loop.trips - 1, -1, -1):
            for slot in reversed(loop.order(loop.taken[k])):
                self.step(k, slot)

    def step(self, k: int, slot: Slot) -> None:
        """Iteration ``k``'s ``slot``, backwards."""
        acc, w = self.acc, self.var_of[slot]
        g = acc.pop(w, None)
        if g is None:
            return
        if source(slot) != slot:                    # an arm's copy: its source takes it all
            if acc.get(self.var_of[source(slot)]) is not None:
                raise NoBack
            acc[self.var_of[source(slot)]] = g
            return
        e = self.prog.eqns[self.index[(k, slot)]]
        targets = {a: self.targets[(slot, a)] for a in range(len(e.args))
                   if (slot, a) in self.targets}
        if any(isinstance(t, tuple) and t[0] == "table" for t in targets.values()):
            self.sinks.add(g)      # a list's item: a constant of the derivative (see below)
            targets = {a: None if isinstance(t, tuple) and t[0] == "table" else t
                       for a, t in targets.items()}
        for a, recs in self.sweep.rule(e, g, targets).items():
            shape = (("twin", recs),) if isinstance(recs, int) else _classify(e, g, recs)
            if self.rules.setdefault((slot, a), shape) != shape:
                raise NoBack
            self.examples.setdefault((slot, a), [] if isinstance(recs, int) else recs)


def _classify(e: Eqn, g: Any, recs: list[Eqn]) -> Rule:
    """Rule records with each argument named by role: the cotangent, the slot's values, ..."""
    outs = [r.out for r in recs]
    out = []
    for r in recs:
        args: list[Any] = []
        for x in r.args:
            if isinstance(x, Const):
                args.append(("const", repr(x.value), type(x.value)))
            elif x == g:
                args.append(("g",))
            elif x in outs:
                args.append(("rec", outs.index(x)))
            elif x == e.out:
                args.append(("ans",))
            elif x in e.args:
                args.append(("arg", e.args.index(x)))
            else:
                raise NoBack
        out.append((r.prim, tuple(args)))
    return tuple(out)
