"""Lowering a program whose loops ``rolling`` found: Python ``for`` loops.

Straight-line equations become ``v{id} = expr``; a loop's iteration is written once, its
values named ``x{loop}_{offset}``, inside ``for i{loop} in range(trips)``. A carried
argument reads ``c{loop}_{j}`` (set to the initial value before the loop, to the new
value at the end of each iteration); data read at an advancing index reads a list at
``i{loop}`` (constants: a list in the namespace; values of an earlier loop: the list
``s{loop}_{offset}`` that loop appends them to). After a loop, its last iteration's
values are its names; another iteration's value is read from its list. A rolled program
is used only where it returns the values tracing computed, bit for bit, on the tracing
inputs.
"""

from __future__ import annotations

import itertools
import weakref
from typing import Any, NamedTuple

from ..logic import guard
from . import source as _source
from .branch_sites import find_branchy, two_way
from .branches import Branchy
from .branchy_back import BackLoop, back_loop
from .compound import also_exits
from .counted import counter_lines, tally_outputs
from .kinds import mixed, open_while
from .lower import _EXACT, _PLAIN, Lowered, _Writer
from .nested import find_inner, inner_lines, stored
from .program import Arg, Const, Eqn, Program, is_guard
from .registers import register, shift_lines
from .returned import returned as _returned
from .rolled_back import back_lines, back_ref
from .rolled_if import NotRolled, Owners, after_branchy, branchy_body, fails, picked_by_branch
from .rolled_while import NotOpen as _NotOpen
from .rolled_while import WhileReads, short_reader, window, without
from .rolling import MIN_SAVED, Loop, Role, Where, find_loops, shapes
from .rolling import arg_key as _key
from .source import compile_parts, forget, render, too_long
from .spans import Spans, spanned
from .spellings import spellings
from .stepped import folded, last_step, step_lines
from .verify import checks


class _Regs(dict):           # type: ignore[type-arg]
    """No registers here: a zero test's register is unknown (None)."""
    def __missing__(self, key: Any) -> None:
        return None


class _Text(NamedTuple):
    """A loop's source: lines before it, its iterations' lines."""
    m: int
    before: list[str]
    body: list[str]
    after_body: list[str]


def roll(prog: Program, name: str = "f", numbers: frozenset[int] = frozenset(),
         ints: dict[int, int | None] | None = None, inner: bool = False,
         seeded: bool = True, refused: list[bool] | None = None,
         backs_only: bool = False, cover: list[int] | None = None,
         spans: Spans | None = None, unseeded: int | None = None) -> Lowered | None:
    """``prog`` compiled with its loops rolled; None where it has none or in doubt.

    ``inner``: another transform ran inside (``grad``, ``jvp``). Its derivatives may
    be computed in Python where they are constants (the gradient of a linear loop),
    for the traced trip count only: a while loop then runs any trip count only where
    a loop runs as many times after it (the backward pass, recorded). ``seeded``:
    every derivative pass inside started from a recorded value (``loop_seed.seeded``),
    so none is a number Python computed for the traced branch pattern: a loop whose
    iterations branch rolls, its backward pass a loop (``branchy_back``);
    ``refused`` gets an item where one such loop's backward records did not fit,
    ``backs_only`` returns None where no backward loop is written; ``cover`` gets how
    many guards of ``if`` lines that went both ways the loops found hold, and how many
    there are. ``spans``: what each inner transform traced (``staging.spans``); a while
    loop none of them ran is written as without one. ``unseeded``: ``unseeded_at``.
    """
    where = Where(prog)
    s = shapes(prog, where)
    branchy = _branchy(prog, s, inner, seeded, refused, cover)
    if backs_only and not branchy:
        return None
    if not branchy and len(prog.eqns) < 2 * MIN_SAVED and not any(map(is_guard, prog.eqns)):
        return None      # too short to hold a loop worth rolling, and no while loop
    loops = find_loops(prog, s, branchy, where, breaks=True, counted=True)
    if not loops or too_long(len(prog.eqns), loops):    # a line each outside the loops
        return None
    stepped = inner and not prog.origins      # seeded: Python's constants are recorded
    seeded = seeded or unseeded is not None and unseeded < prog.eqns[loops[0].start].out
    whiles = [open_while(prog, loop, stepped, spans) and not (inner and folded(
        prog, loop, spans, seeded)) for loop in loops]
    nest: list[Any] = [s] * len(loops)     # shapes, to find inner loops (None: unrolled)
    while True:
        try:
            writer = _RollWriter(prog, loops, whiles, where, nest)
            lowered = writer.lowered(name, numbers, ints or {})
            writer.check_ties([inner and spanned(prog, t, spans) for t in loops], seeded)
        except (_TooLong, NotRolled, KeyError):    # KeyError: an arm's read it cannot name
            return None
        except _NotOpen as e:          # that while loop runs its traced trip count only
            if short_reader(loops, whiles, e.args[1:]):     # unless a short loop reading it unrolls
                loops, whiles, nest = without(e.args[1], loops, whiles, nest)
                continue
            if not whiles[e.args[0]]:
                return None
            whiles[e.args[0]] = False
            continue
        if checks(lowered, prog, ints or {}):
            return lowered
        if not any(whiles) and all(x is None for x in nest):
            return None
        whiles, nest = [False] * len(loops), [None] * len(loops)


def _branchy(prog: Program, s: Any, inner: bool, seeded: bool, refused: list[bool] | None,
             cover: list[int] | None) -> list[Any]:
    """The loops whose iterations branch, each followed under ``grad`` by its backward loop."""
    # any length (an if saves retracing); under grad, with its backward loop
    branchy: list[Any] = [] if inner and not seeded else [
        b for b in find_branchy(prog, s) if not mixed(prog, b, prog.integral)]
    if inner:     # only with its backward loop: a jvp's tangents, say, follow the pattern
        backs = [(loop, back_loop(prog, loop)) for loop in branchy]
        branchy = [x for loop, back in backs if isinstance(back, BackLoop) for x in (loop, back)]
        if refused is not None and any(back is False for _, back in backs):
            refused.append(True)
    if cover is not None:       # the guards of ifs that went both ways the loops hold, of all
        cover += [sum(b.trips for b in branchy if isinstance(b, Branchy)),
                  0 if inner and not seeded else
                  sum(len(qs) for qs, _ in two_way(prog).values())]
    return branchy


class _TooLong(Exception):
    """More statements than one function should hold: the straight-line path serves."""


class _RollWriter(WhileReads, _Writer):
    """Lowering with loops: names per value, loops written once."""

    def __init__(self, prog: Program, loops: list[Any], whiles: list[bool], where: Where,
                 nest: list[Any]):
        super().__init__(prog)
        self.regs = _Regs()
        self.loops = loops
        self.whiles = whiles        # written as ``while``: any trip count
        self.owner = Owners(where.index, loops, whiles)      # value -> (loop, k, offset)
        self.where = where
        self.inners = {m: inner for m, loop in enumerate(loops) if nest[m] is not None and
                       isinstance(loop, Loop) and
                       (inner := find_inner(nest[m], loop)) is not None}
        self.zs: dict[int, set[int]] = {}      # inner offsets kept in lists; inner loop's lines
        self.spans: dict[int, tuple[int, int]] = {}
        self.stores: list[set[int]] = [set() for _ in loops]
        self.picked: dict[int, dict[int, set[int]]] = {}   # branchy loop -> k -> slots read
        self.partial: list[set[int]] = [set() for _ in loops]   # stored from the exit's run too
        self.histories: list[dict[int, str]] = [{} for _ in loops]   # offset -> its carry
        self.carried: list[dict[Any, str]] = [{} for _ in loops]
        self.shifts: list[dict[Any, list[str]]] = [{} for _ in loops]    # ``back`` roles
        self.ends = [0] * len(loops)      # a while loop's values read counting from its end
        self.starts = [0] * len(loops)    # ... and from its start
        self.read_after: list[dict[int, set[int]]] = [{} for _ in loops]   # offset -> its k
        self.tie: dict[int, int] = {}     # while loop -> the loop running as many times
        self.per: dict[int, int] = {}     # ... that many iterations per forward one (origins)
        self.tables: set[int] = set()     # loops reading lists of per-iteration values
        self.fixed: set[int] = set()      # loops whose values are read after them by index
        self.tails = [(0, 0)] * len(loops)   # ... from their end: an offset, how far back
        self.inside: int | None = None
        self.pos = 0
        answers = {e.out: e.ans for e in prog.eqns if e.prim is not guard or not is_guard(e)}
        self.seen.update(answers)
        self.kinds.update(zip(answers, map(type, answers.values())))
        self.fakes = itertools.count(-1, -1)
        self.names = itertools.count()
        self.out: list[str | _Text] = []

    def ref(self, a: Arg, floats: bool) -> str:
        """The text reading ``a`` outside the loop that computed it."""
        if not isinstance(a, int):
            if last_step(self.loops, self.whiles, a):     # written by ``straight`` alone
                raise NotRolled
            return self.const(a, floats)
        where = self.owner.get(a)
        if where is None:
            return f"v{a}"
        m, k, o = where
        if isinstance(self.loops[m], BackLoop):    # a cotangent only its end holds
            text = back_ref(m, self.loops[m], a)
            if text is None:
                raise NotRolled
            return text
        if isinstance(self.loops[m], Branchy):
            text, stored = after_branchy(self.loops[m], m, k, o, self)
            self.stores[m].update(() if stored is None else (stored,))
            return text
        trips = self.loops[m].trips
        if k == trips or (k == trips - 1 and not self.whiles[m]):
            return self.xname(m, o)
        if self.whiles[m]:
            return self.after_while(m, k, o)
        self.stores[m].add(o)
        if trips - k <= window(self.loops[m], -1):    # within its registers: from the end
            self.tails[m] = (o, max(self.tails[m][1], trips - k))
            return f"s{m}_{o}[-{trips - k}]"
        self.untied(m)
        self.fixed.add(m)
        return f"s{m}_{o}[{k}]"

    def initial(self, a: Arg, floats: bool) -> str:
        """``ref`` of a loop's initial value: read once, after the loops before it ran."""
        inside, self.inside = self.inside, None
        try:
            return self.ref(a, floats)
        finally:
            self.inside = inside

    def xname(self, m: int, o: int) -> str:
        """The name of offset ``o``'s value of loop ``m`` (an inner loop's: its last)."""
        inner = self.inners.get(m)
        text, q = (f"x{m}_{o}", None) if inner is None else inner.name(m, o)
        self.zs.setdefault(m, set()).update(() if q is None else (q,))
        return text

    def fake(self, value: Any) -> int:
        """A stand-in id for an argument that differs between iterations."""
        i = next(self.fakes)
        self.seen[i] = value
        self.kinds[i] = type(value)
        return i

    def lowered(self, name: str, numbers: frozenset[int], ints: dict[int, int | None]
                ) -> Lowered:
        """Write, compile and register the program."""
        prog = self.prog
        k, eqns = 0, prog.eqns
        for m, loop in enumerate(self.loops):
            self.straights(k, loop.start)
            self.inside = m
            self.out.append(self.loop(m, loop))
            self.inside = None
            k = loop.stop + (loop.exit + 1 if self.whiles[m] else 0)
        self.straights(k, len(eqns))
        self.origin_ties()
        returned = _returned(prog, lambda o, f: ((self.ref(o, f),), ()), self.seen, ints)
        picked_by_branch(self.loops, self.picked)
        for m, loop in enumerate(self.loops):     # a counter returned: its final value
            if self.whiles[m] and getattr(loop, "tally", None) is not None:
                tally_outputs(returned, m, loop.tally)
        lines = [f"({', '.join(f'v{i}' for i in prog.inputs)},) = L" if prog.inputs else "pass"]
        lines += [f"v{prog.inputs[k]} = float(v{prog.inputs[k]})" for k in sorted(numbers)]
        for piece in self.out:
            lines += piece.split("\n") if isinstance(piece, str) else self.loop_lines(piece)
        lines.append("return [" + ", ".join(returned) + "]")
        if len(lines) > _source.CHUNK:      # one function: a long one is compiled in chunks
            raise _TooLong
        source = "def _entry(L):\n" + "".join(f"    {s}\n" for s in lines)
        source, fn, filenames, number = compile_parts([source], self.ns, name)
        plain = not self.consts and _PLAIN.issuperset(self.kinds.values())
        lowered = Lowered(source, fn, self.guards, plain)
        weakref.finalize(lowered, forget, filenames, number).atexit = False
        return lowered

    def straights(self, lo: int, hi: int) -> None:
        """Equations ``lo:hi``, outside any loop."""
        for k in range(lo, hi):
            self.pos = k
            self.out.append(self.straight(self.prog.eqns[k]))

    def loop_lines(self, t: _Text) -> list[str]:
        """A loop's lines, its lists of stored values included."""
        m, stores, loop = t.m, sorted(self.stores[t.m]), self.loops[t.m]
        histories = sorted(self.histories[t.m].items())
        lines = t.before + [f"s{m}_{o} = []" for o in stores]
        lines += [f"h{m}_{o} = [{var}]" for o, var in histories]   # the carry's first value too
        tied = [w for w, M in self.tie.items() if M == m]
        if tied and m in self.tables:
            raise _NotOpen(tied[0])
        if isinstance(loop, BackLoop):
            w = self.loops.index(loop.loop)
            lines.append(f"for i{m} in range({f'n{w}' if self.whiles[w] else loop.trips}):")
            return lines + [f"    {s}" for s in t.body] + t.after_body
        body = t.body + [f"s{m}_{o}.append({self.xname(m, o)})" for o in stores]
        body += [f"h{m}_{o}.append({self.xname(m, o)})" for o, _ in histories] + t.after_body
        body = stored(body, self.spans.get(m, (0, 0)), m, self.inners.get(m), self.zs.get(m))
        if self.whiles[m]:
            lines += [f"n{m} = 0", "while True:"]
            body = self.bounded(m) + body + [f"n{m} += 1"]
        elif tied:
            w = tied[0]
            r = self.per.get(m, 1)                  # its iterations per forward iteration
            d = self.loops[w].trips - loop.trips // r     # forward iterations it leaves out
            less = f" - {d}" if d > 0 else f" + {-d}" if d else ""
            lines.append(f"for i{m} in range(n{w}{less}):" if r == 1 else
                         f"for i{m} in range({r} * {f'(n{w}{less})' if d else f'n{w}'}):")
        else:
            lines.append(f"for i{m} in range({loop.trips}):")
        partial = [f"s{m}_{o}.append({self.xname(m, o)})" for o in sorted(self.partial[m])]
        return lines + [f"    {s}" for s in body] + partial + self.fewest(m) + self.tail_guard(m)

    def kinds_of(self, e: Eqn) -> tuple[list[Any], bool]:
        """The arguments' types and whether int constants are written as floats."""
        arg_kinds = [self.kinds.get(a) if isinstance(a, int) else type(a.value) for a in e.args]
        spelling = spellings.get(e.prim)
        floats = float in arg_kinds and spelling is not None and spelling.exact is not None
        return arg_kinds, floats

    def straight(self, e: Eqn) -> str:
        """``v{out} = expr`` (or a guard's check) outside any loop."""
        arg_kinds, floats = self.kinds_of(e)
        steps = [last_step(self.loops, self.whiles, a) for a in e.args]    # ``stepped``
        args = [(p or self.ref(a, floats),) for p, a in zip(steps, e.args)]
        stand_ins = tuple(self.fake(self.value(a)) if p else a for p, a in zip(steps, e.args))
        return self.statement(e._replace(args=stand_ins), args, arg_kinds, f"v{e.out}")

    def statement(self, e: Eqn, args: list[Any], arg_kinds: list[Any], target: str) -> str:
        """The line computing ``e`` (its arguments' texts given) into ``target``."""
        if is_guard(e):
            self.guard(e, args, (), arg_kinds)
            return render(self.stmts.pop().expr)
        return f"{target} = {render(self.expression(e, args, arg_kinds, None))}"

    def loop(self, m: int, loop: Loop) -> _Text:
        """Loop ``m``: its iteration's lines, what goes before them, the carries."""
        text = _Text(m, [], [], [])
        if isinstance(loop, BackLoop):
            back_lines(self, m, loop, text)
            self.tie[self.loops.index(loop.loop)] = m
            return text
        if isinstance(loop, Branchy):
            branchy_body(self, m, loop, text)
            return text
        carries: dict[Any, str] = {}
        inner, o = self.inners.get(m), -1       # a Python float step: kept as a float
        col = step_lines(m, loop.steps if self.whiles[m] else None, text)
        exits = {loop.exit, *also_exits(self.prog, loop)} if self.whiles[m] else set()
        while o + 1 < loop.period:
            o += 1
            if inner is not None and o == inner.at:       # a loop inside: rolled too
                head, lines = inner_lines(self, m, loop, inner, text, carries)
                text.body.extend(head)
                self.spans[m] = (len(text.body), len(text.body) + len(lines))
                text.body.extend(lines)
                o += inner.period * inner.trips - 1
                continue
            e = self.prog.eqns[loop.start + o]
            arg_kinds, floats = self.kinds_of(e)
            pieces = [(c, self.fake(self.value(x))) if (c := col(o, a)) else self.role_arg(
                m, role, x, floats, text, carries) for a, (role, x) in enumerate(zip(
                    loop.roles[o], e.args))]
            args = [(piece,) for piece, _ in pieces]
            e = Eqn(e.prim, e.out, tuple(stand_in for _, stand_in in pieces), e.ans)
            if o in exits:        # the exit test, or another guard of it (``lo < x < hi``)
                text.body.append(f"if {fails(e, args[0][0], arg_kinds[0])}: break")
            if o == loop.exit and self.whiles[m]:
                if loop.counter is not None:      # a Python counter, kept as an int
                    counter_lines(self.guards, m, loop.counter, text)
            elif o not in exits:
                text.body.append(self.statement(e, args, arg_kinds, f"x{m}_{o}"))
        text.after_body.extend(f"{var} = {self.xname(m, at)}" for (at, _), var in carries.items())
        text.after_body.extend(shift_lines(self.shifts[m], lambda at: self.xname(m, at)))
        self.carried[m] = carries
        return text

    def role_arg(self, m: int, role: Role, first: Arg, floats: bool, text: _Text,
                 carries: dict[Any, str]) -> tuple[str, Arg]:
        """An argument's text in loop ``m``'s body, and what stands for it in its equation."""
        if role.how == "local":
            return self.xname(m, role.at), first
        if role.how == "carry":
            key = (role.at, _key(role.args[0]))
            var = carries.get(key)
            if var is None:
                var = carries[key] = f"c{m}_{len(carries)}"
                text.before.append(f"{var} = {self.initial(role.args[0], floats)}")
            return var, self.fake(self.value(first))
        if role.how == "back":       # a shift register of the last ``depth`` values
            return register(self, m, role, floats, text.before), self.fake(self.value(first))
        args = role.args
        first = args[0]
        if args.count(first) == len(args) if first.__class__ is int else \
                all(_key(x) == _key(first) for x in args):        # loop-invariant
            return self.ref(args[0], floats), args[0]
        stand_in = self.fake(self.value(first))
        stored = self.affine(args)
        if stored is not None:
            return stored.format(i=f"i{m}"), stand_in
        name = f"t{m}_{next(self.names)}"
        self.tables.add(m)
        if all(isinstance(x, Const) for x in args):
            self.ns[name] = [_number(x.value, floats) for x in args]   # type: ignore[union-attr]
        else:
            text.before.append(f"{name} = [{', '.join(self.ref(x, floats) for x in args)}]")
        return f"{name}[i{m}]", stand_in


def _number(v: Any, floats: bool) -> Any:
    if floats and type(v) is int and -_EXACT <= v <= _EXACT:
        return float(v)
    return v
