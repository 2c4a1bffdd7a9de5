"""Writing a loop whose iterations branch (``branches.Branchy``): an ``if`` in its body.

The iteration is written once: what comes before the guard, then
``if cond:`` with the arm tracing took where it held and ``else:`` with the
other, then what follows. A variable of one slot is that slot's name
(``x{m}_{slot}``); a variable of several is ``y{m}_{n}``, set after each of
its slots. Variables read before any write start from their initial value,
set before the loop. An arm's copies (``copies``: ``hi = mid``) are
assignments at its end. After the loop, a value of an arm is read from the
variable holding it for either outcome; where none does, the program is not
rolled (``NotRolled``).
"""

from __future__ import annotations

import bisect
from typing import Any

from ..pysource import leaves_a_loop
from .branches import Branchy, Slot, final_name
from .branchy_back import BackLoop
from .copies import copied, source, virtual
from .program import Eqn
from .rolled_back import forward_before, forward_lines
from .rolling import Role


class Owners:
    """Which loop, iteration and offset computed each value: ``get(v)``, else None."""

    def __init__(self, index: dict[int, int], loops: list[Any], whiles: list[bool]):
        self.index, self.loops, self.whiles = index, loops, whiles
        self.starts = [loop.start for loop in loops]
        self.branchy: dict[int, tuple[int, int, Any]] = {}
        for m, loop in enumerate(loops):
            if isinstance(loop, Branchy):
                self.branchy.update((j, (m, k, o)) for k, o, j in loop.members())
                if whiles[m]:      # the test that ended a while loop: its last run
                    self.branchy.update((loop.stop + o, (m, loop.trips, o))
                                        for o in range(loop.exit + 1))

    def get(self, v: int) -> tuple[int, int, Any] | None:
        """``(loop, iteration, offset)`` of value ``v``, or None outside every loop."""
        j = self.index.get(v)
        if j is None:
            return None
        m = bisect.bisect_right(self.starts, j) - 1
        if m < 0:
            return None
        loop = self.loops[m]
        if isinstance(loop, BackLoop):
            return (m, 0, j) if j < loop.stop else None
        if isinstance(loop, Branchy):
            return self.branchy.get(j)
        k, o = divmod(j - loop.start, loop.period)
        if k < loop.trips or (self.whiles[m] and k == loop.trips and o <= loop.exit):
            return (m, k, o)
        return None


class NotRolled(Exception):
    """A value of a branching loop is read where no name holds it for every outcome."""


def after_branchy(loop: Branchy, m: int, k: int, slot: Slot, w: Any
                  ) -> tuple[str, int | None]:
    """The text reading iteration ``k``'s ``slot`` after loop ``m``, and the slot stored.

    A slot that every iteration runs is the loop's name (last iteration) or
    its list of values (``s{m}_{slot}``, stored: the slot is returned). After
    a while loop (its last run stops at its test, ``loop.exit``) a value of
    the last whole iteration needs one to have run (``w.ends``).
    """
    copy = isinstance(slot, int) and k < loop.trips and slot in map(source, loop.copies)
    if copy and loop.direct and k < loop.trips - 1:
        raise NotRolled     # no name of its own holds a middle iteration's value: an arm's copy
    if copy and not loop.direct:
        pass       # an arm's copy: the variable it was copied into
    elif isinstance(slot, int) and k == loop.trips - 1 and _armed(loop, slot):
        pass       # its variable's value after the loop: an arm may write it after the slot
    elif w.whiles[m] and isinstance(slot, int):
        if k == loop.trips and slot <= loop.exit:
            return f"x{m}_{slot}", None
        if k != loop.trips - 1 or slot <= loop.exit:
            raise NotRolled
        w.ends[m] = max(w.ends[m], 1)
        w.picked.setdefault(m, {}).setdefault(k, set()).add(slot)
        return f"x{m}_{slot}", None
    elif isinstance(slot, int):        # the slot's own value: Python may have picked it
        w.picked.setdefault(m, {}).setdefault(k, set()).add(slot)
        if k == loop.trips - 1:
            return f"x{m}_{slot}", None
        return f"s{m}_{slot}[{k}]", slot
    name = final_name(loop, m, k, slot)
    if name is None and isinstance(slot, int):
        return _late(loop, m, k, slot, w), None
    if name is None:
        raise NotRolled
    if w.whiles[m] and not any(r.how == "var" and r.init is not None and
                               loop.names(m)[r.w] == name for r in loop.reads.values()):
        w.ends[m] = max(w.ends[m], 1)        # set by a whole iteration only
    return name, None


def picked_by_branch(loops: list[Any], picked: dict[int, dict[int, set[int]]]) -> None:
    """Refuse a loop whose iterations of either outcome have other values read after it.

    ``out.append(a if a > b else b)`` records no equation: iterations taking the
    ``if`` have ``a`` read, the others ``b``, and a rolled loop would read each
    iteration's traced pick at any outcome. Such a loop keeps its guards.
    """
    for m, reads in picked.items():
        taken = loops[m].taken
        kinds = {(taken[k] if k < len(taken) else None, frozenset(s)) for k, s in reads.items()}
        if len({t for t, _ in kinds}) > 1 and len({s for _, s in kinds}) > 1:
            raise NotRolled


def _late(loop: Branchy, m: int, k: int, slot: int, w: Any) -> str:
    """A copy only the code after the loop reads: it fails a guard where its arm never ran."""
    v = virtual(loop.taken[k], slot)
    if v not in loop.late:
        raise NotRolled
    w.guards.append(w.prog.sources.get(w.prog.eqns[loop.at[0] + loop.pre].out, "<unknown>"))
    return f"(x{m}_{v} if x{m}_{v} is not None else _guard_failed({len(w.guards) - 1}))"


def _armed(loop: Branchy, slot: Slot) -> bool:
    """Whether slot ``slot`` (before the branch) holds a variable an arm writes too.

    ``s = s + x; if s > t: continue; s = s * 0.9``: read after the loop,
    ``s`` is the slot's value only where the last iteration skipped the arm.
    """
    return isinstance(slot, int) and slot <= loop.pre and any(
        r.how == "var" and slot in r.w and any(isinstance(sl, str) for sl in r.w)
        for r in loop.reads.values())


def branchy_body(w: Any, m: int, loop: Branchy, text: Any) -> None:
    """Fill ``text`` (a ``rolled._Text``) with loop ``m``'s initial values and body."""
    eqns = w.prog.eqns
    names = loop.names(m)
    done: set[frozenset[Slot]] = set()
    for r in loop.reads.values():
        if r.how == "var" and r.init is not None and r.w not in done:
            done.add(r.w)
            text.before.append(f"{names[r.w]} = {w.initial(r.init, False)}")
    writes: dict[Slot, list[str]] = {}
    for v, name in names.items():
        for sl in v if len(v) > 1 else ():
            writes.setdefault(sl, []).append(name)
    text.before.extend(f"x{m}_{v} = None" for v in loop.late)
    back = next((b for b in w.loops if isinstance(b, BackLoop) and b.loop is loop), None)
    text.before.extend(forward_before(back, m))
    first = {b: loop.taken.index(b) for b in (False, True)}
    texts: dict[Any, str] = {}
    guard = _unseen_guard(w, m, loop, text)

    def lines(k: int, lo: int, hi: int, pad: str) -> list[str]:
        slots = loop.slots(loop.taken[k])
        return [pad + s for j in range(lo, hi) for s in guard(slots[j]) + _slot_lines(
            w, m, loop, slots[j], eqns[loop.at[k] + j], names, texts, text, writes, back)]
    pre, arms = loop.pre, loop.arms
    body = lines(0, 0, pre, "")
    cond, _ = _arg(w, m, loop, (pre, 0), eqns[loop.at[0] + pre].args[0], names, texts, text,
                   False)
    texts[(pre, 0)] = cond
    body += [f"o{m}.append({cond})"] * (back is not None) + [f"if {cond}:"]
    for b in (True, False):
        seen = [f"    u{m} = True"] if b in loop.unseen and not loop.tags else []
        copies = [f"    {names[v]} = x{m}_{source(sl)}" for sl in copied(loop.copies, b)
                  for v in names if sl in v] + [f"    x{m}_{sl} = x{m}_{source(sl)}"
                                                for sl in copied(loop.late, b)] + [
            "    " + t for sl in copied(loop.copies, b) for t in tag_lines(loop, m, sl)]
        body += lines(first[b], pre + 1, pre + 1 + arms[b], "    ") + copies + seen + \
            _counted(w, m, loop, b) or ["    pass"]
        body += ["else:"] if b else []
    after = pre + 1 + arms[loop.taken[0]]
    text.body.extend(body + lines(0, after, after + loop.post, "") + _tally(w, m, loop, text))


def _tally(w: Any, m: int, loop: Branchy, text: Any) -> list[str]:
    """A ``for`` loop's guard that its iterations took the ``if`` as often as tracing saw.

    Where the ``if`` leaves a loop (``if converged: return x`` in a Newton
    solve that a time step calls), the rolled iterations are Python's inner
    iterations of every step, and their count follows the outcomes: other
    outcomes end the last step after another number of iterations. A
    pattern with the traced tally of ``if`` outcomes runs as many; another
    fails a guard (jit traces it). The ``if`` arm counts down ``c{m}``.
    """
    where = w.prog.sources.get(w.prog.eqns[loop.at[0] + loop.pre].out, "<unknown>")
    if w.whiles[m] or not leaves_a_loop(where):
        return []       # a while loop's own test ends it; a for loop runs its count
    w.guards.append(where)
    text.before.append(f"c{m} = {sum(loop.taken)}")
    return [f"if i{m} == {loop.trips - 1} and c{m}: _guard_failed({len(w.guards) - 1})"]


def _counted(w: Any, m: int, loop: Branchy, b: bool) -> list[str]:
    """The ``if`` arm's count of ``_tally``."""
    where = w.prog.sources.get(w.prog.eqns[loop.at[0] + loop.pre].out, "<unknown>")
    return [f"    c{m} -= 1"] if b and not w.whiles[m] and leaves_a_loop(where) else []


def _unseen_guard(w: Any, m: int, loop: Branchy, text: Any) -> Any:
    """Guards before the reads tracing saw after some outcomes only (``Branchy.unseen``).

    ``u{m}`` is set once an iteration of an unseen outcome ran; a read it
    may change fails a guard then: jit traces that pattern.
    """
    if not loop.watched:
        return lambda slot: []
    text.before.extend([f"u{m} = False"] * (not loop.tags))
    where = w.prog.sources.get(w.prog.eqns[loop.at[0] + loop.pre].out, "<unknown>")
    watched = {slot for slot, _ in loop.watched}
    tagged = tag_names(loop, m)
    text.before.extend(f"{name} = 'init'" for name in tagged.values())

    def guard(slot: Slot) -> list[str]:
        if slot not in watched:
            return []
        out = []
        for key in sorted((k for k in loop.watched if k[0] == slot), key=str):
            w.guards.append(where)
            out.append(f"if u{m}: _guard_failed({len(w.guards) - 1})" if not tagged else
                       f"if {tagged[loop.reads[key].w]} not in {tuple(sorted(loop.tags[key]))}:"
                       f" _guard_failed({len(w.guards) - 1})")
        return out
    return guard


def tag_names(loop: Branchy, m: int) -> dict[frozenset[Slot], str]:
    """Where reads are watched by the writer they saw (``Branchy.tags``): each variable's tag.

    The tag holds which slot wrote the variable last: a read may go on only
    where tracing saw it read that slot's value.
    """
    ws = dict.fromkeys(loop.reads[key].w for key in sorted(loop.tags, key=str))
    return {v: f"w{m}_{n}" for n, v in enumerate(ws)}


def tag_lines(loop: Branchy, m: int, slot: Slot) -> list[str]:
    """The lines noting that ``slot`` wrote its variables (``tag_names``)."""
    return [f"{name} = {str(slot)!r}" for v, name in tag_names(loop, m).items() if slot in v]


def _slot_lines(w: Any, m: int, loop: Branchy, slot: Slot, e: Eqn, names: dict[Any, str],
                texts: dict[Any, str], text: Any, writes: dict[Slot, list[str]],
                back: BackLoop | None = None) -> list[str]:
    """The statement of ``slot`` (equation ``e`` of a traced iteration), then its variables."""
    arg_kinds, floats = w.kinds_of(e)
    args, fakes = [], []
    for a, x in enumerate(e.args):
        piece, stand_in = _arg(w, m, loop, (slot, a), x, names, texts, text, floats)
        texts[(slot, a)] = piece
        args.append((piece,))
        fakes.append(stand_in)
    if slot == loop.exit and w.whiles[m]:       # a while loop's test: it ends the loop
        return [f"if {fails(e, args[0][0], arg_kinds[0])}: break"]
    statement = w.statement(Eqn(e.prim, e.out, tuple(fakes), e.ans), args, arg_kinds,
                            f"x{m}_{slot}")
    before, after = forward_lines(back, m, slot, [a[0] for a in args])
    return before + [statement] + after + [f"{name} = x{m}_{slot}" for name in writes.get(
        slot, ())] + tag_lines(loop, m, slot)


def _arg(w: Any, m: int, loop: Branchy, key: tuple[Slot, int], x: Any, names: dict[Any, str],
         texts: dict[Any, str], text: Any, floats: bool) -> tuple[str, Any]:
    """The text of argument ``key`` in the body, and what stands for it in its equation."""
    r = loop.reads[key]
    if r.how == "var":
        return names[r.w], w.fake(w.value(x))
    if r.how == "data":
        return w.ref(r.args[0], floats), r.args[0]
    if r.how == "share":
        return texts[r.share], w.fake(w.value(x))
    if not _listed(w.prog.inputs, r.args):
        raise NotRolled
    return w.role_arg(m, Role("data", -1, r.args), x, floats, text, {})


def _listed(inputs: list[int], args: tuple[Any, ...]) -> bool:
    """Whether the inputs a read takes, iteration by iteration, run through a list either way.

    An arm may set a Python variable to another input (``x`` after an inner
    ``for x in xs``) that later iterations read: the inputs then follow the
    traced outcomes (``xs[4], xs[4], xs[3]``), which another call's need not.
    """
    at = {v: k for k, v in enumerate(inputs)}
    if not all(a.__class__ is int and a in at for a in args):
        return True                   # computed values or constants among them
    ks = [at[a] for a in args]
    if len(set(ks)) == 1:
        return True                   # one input throughout
    steps = {b - a for a, b in zip(ks, ks[1:])}
    return all(d > 0 for d in steps) or all(d < 0 for d in steps)


def fails(e: Eqn, x: str, x_kind: Any) -> str:
    """The test that guard ``e`` (on ``x``) goes the other way."""
    want = e.args[1].value                                      # type: ignore[union-attr]
    if x_kind is bool and type(want) is bool:
        return f"not {x}" if want is True else x
    return f"bool({x}) is not {want!r}"
