"""Loops whose iterations branch: a guard going either way becomes an ``if``.

In ``for x in xs: if x > 0: s = f(s) else: s = g(s)`` the iterations are
not all alike: after the guard, one equation ``f`` or the other ``g``. The
guards of one ``if`` share a source line; between two of them lies the arm
its outcome chose, then what every iteration does (the rest of this one,
the start of the next). So each outcome's stretch is its arm followed by a
common tail, and the arms' lengths follow from the longest common suffix.
Collapsing each guard and its arm into one shape makes the iterations a
tandem repeat again (``rolling.periods``).

An iteration's equations have *slots*: ``0 .. pre - 1`` before the guard,
``pre`` the guard, ``"t{j}"``/``"f{j}"`` in an arm, ``pre + 1 ..`` after it
(and ``"tv{j}"``/``"fv{j}"``, an arm's copy of slot ``j``: ``copies``).
Each argument of each slot reads either data from before the loop (the same
value, or one per iteration) or a *variable*: the value last computed by
one of a set of slots (``w``), or its initial value before any of them ran.
That is a Python variable's meaning; the trace shows it for the branch
patterns that ran, and a variable is accepted only where every way the
program can reach a read (through either arm, from either kind of
iteration before) was seen, so any pattern of outcomes computes as eager.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .copies import as_copies, copied, source, with_late
from .program import Arg, Program
from .rolling import arg_key

Slot = int | str


class Read(NamedTuple):
    """What one argument of one slot reads, in every iteration that runs the slot.

    ``how``: ``"data"`` (the same ``args[0]`` always), ``"table"`` (``args[k]``
    in iteration ``k``, read before the branch), ``"share"`` (iteration ``k``
    reads what the table read ``share`` reads), ``"var"`` (variable ``w``,
    starting from ``init``).
    """
    how: str
    args: tuple[Arg, ...] = ()
    share: Any = None
    w: frozenset[Slot] = frozenset()
    init: Arg | None = None


class Branchy(NamedTuple):
    """``trips`` iterations from equation ``start``; iteration ``k`` from ``at[k]``."""
    start: int
    trips: int
    at: tuple[int, ...]
    taken: tuple[bool, ...]      # each iteration's outcome
    pre: int                     # equations before the guard
    arms: tuple[int, int]        # the arms' lengths: if False, if True
    post: int                    # equations after the arm
    reads: dict[tuple[Slot, int], Read] = {}
    finals: dict[frozenset[Slot], tuple[int, Slot]] = {}   # each variable's last value
    known: dict[frozenset[Slot], frozenset[bool]] = {}     # outcomes seen on its way
    exit: int = -1
    # reads tracing saw only after iterations of some outcomes: after one of
    # ``unseen``, the program fails a guard there (and jit traces again)
    unseen: frozenset[bool] = frozenset()
    watched: frozenset[tuple[Slot, int]] = frozenset()
    copies: tuple[str, ...] = ()     # virtual slots: an arm's copies (``copies``)
    late: tuple[str, ...] = ()       # ... that only the code after the loop reads
    direct: bool = False             # the code after the loop reads no copy (``direct_reads``)
    # where a watched read never saw its variable's value from before the loop (another
    # read did), each watched read's writers seen ("init": that value): another fails
    tags: dict[tuple[Slot, int], frozenset[str]] = {}

    @property
    def stop(self) -> int:
        """The index of the first equation after the loop."""
        return self.at[-1] + self.pre + 1 + self.arms[self.taken[-1]] + self.post

    def slots(self, taken: bool) -> list[Slot]:
        """The slots of an iteration with outcome ``taken``, in order."""
        arm: list[Slot] = [f"{'t' if taken else 'f'}{j}" for j in range(self.arms[taken])]
        return [*range(self.pre + 1), *arm, *range(self.pre + 1, self.pre + 1 + self.post)]

    def order(self, taken: bool) -> list[Slot]:
        """``slots(taken)`` with the arm's copies after its equations."""
        seq = self.slots(taken)
        end = self.pre + 1 + self.arms[taken]
        return seq[:end] + copied(self.copies, taken) + seq[end:]

    def steps(self) -> list[tuple[int, Slot, int]]:
        """``members()`` with each iteration's copies (equation index -1)."""
        real = iter(self.members())
        return [next(real) if source(slot) == slot else (k, slot, -1)
                for k, b in enumerate(self.taken) for slot in self.order(b)]

    def members(self) -> list[tuple[int, Slot, int]]:
        """``(iteration, slot, equation index)`` of every equation of the loop."""
        both = {b: self.slots(b) for b in (False, True)}
        return [(k, slot, at + j) for k, (at, b) in enumerate(zip(self.at, self.taken))
                for j, slot in enumerate(both[b])]

    def names(self, m: int) -> dict[frozenset[Slot], str]:
        """The Python name of each variable of loop ``m``: a slot's own for one slot."""
        ws = dict.fromkeys(r.w for r in self.reads.values() if r.how == "var")
        return {w: f"x{m}_{next(iter(w))}" if len(w) == 1 else f"y{m}_{n}"
                for n, w in enumerate(ws)}


def analyse(prog: Program, loop: Branchy, copying: bool = False) -> Branchy | None:
    """``loop`` with what each argument reads; None where one has no meaning for every pattern.

    ``copying``: values of slots before the branch are read as an arm's copies.
    """
    eqns, members = prog.eqns, loop.members()
    owner = {eqns[j].out: (k, slot) for k, slot, j in members}
    seen: dict[tuple[Slot, int], list[tuple[int, Any]]] = {}
    for k, slot, j in members:
        for a, x in enumerate(eqns[j].args):
            w = owner.get(x) if x.__class__ is int else None
            seen.setdefault((slot, a), []).append((k, x if w is None else w))
    if copying:
        seen, copies = as_copies(loop.taken, loop.pre, seen)
        if not copies:
            return None
        loop = loop._replace(copies=copies)
    reads: dict[tuple[Slot, int], Read] = {}
    for key, obs in seen.items():
        read = _read(loop, key, obs, reads)
        if read is None:
            return None
        reads[key] = read
    merged = _merged(reads)
    if merged is None:
        return None
    loop = loop._replace(reads=merged)
    finals = _simulate(loop, loop.steps(), seen)
    if finals is None:
        return None
    if copying and (loop := with_late(prog, loop, finals)) is None:
        return None
    by_w: dict[frozenset[Slot], frozenset[bool]] = {}     # what the reads of each saw
    for key, r in reads.items():
        if r.how == "var":
            by_w[r.w] = by_w.get(r.w, frozenset()) | _known(loop, r, seen[key])
    unsound = [(key, r) for key, r in reads.items()
               if r.how == "var" and not _sound(loop, key, by_w[r.w])]
    if any(merged[key].init is None or not by_w[r.w] for key, r in unsound):
        return None
    unseen = frozenset(b for _, r in unsound for b in (False, True) if b not in by_w[r.w])
    watched = frozenset(key for key, _ in unsound)
    return loop._replace(finals=finals, known=by_w, unseen=unseen, watched=watched,
                         tags=_tags(unsound, seen, _flag_fires(loop, watched, unseen)))


def _flag_fires(loop: Branchy, watched: frozenset[tuple[Slot, int]],
                unseen: frozenset[bool]) -> bool:
    """Whether a watched read ran, while tracing, after an iteration of an ``unseen`` outcome.

    The flag ``u{m}`` (set once such an iteration ran) would then fail on the
    traced pattern itself (``T F T`` where ``T`` read only ``F``'s values):
    the writer each read saw is watched instead (``tags``).
    """
    slots = {slot for slot, _ in watched}
    ran = False
    for b in loop.taken:
        for slot in loop.slots(b):
            if slot in slots and ran:
                return True
        ran = ran or b in unseen
    return False


def _tags(unsound: list[tuple[tuple[Slot, int], Read]],
          seen: dict[tuple[Slot, int], list[tuple[int, Any]]], fires: bool = False
          ) -> dict[tuple[Slot, int], frozenset[str]]:
    """``Branchy.tags``: where the flag ``u{m}`` will not do.

    That is where a watched read never saw its variable's initial value, or
    where the flag would fail on the traced pattern itself (``fires``).
    """
    if not fires and all(r.init is not None for _, r in unsound):
        return {}
    return {key: frozenset(str(x[1]) if type(x) is tuple else "init" for _, x in seen[key])
            for key, _ in unsound}


def _read(loop: Branchy, key: tuple[Slot, int], obs: list[tuple[int, Any]],
          reads: dict[tuple[Slot, int], Read]) -> Read | None:
    """What argument ``key`` reads, from what the trace shows it read."""
    inside = [w for _, w in obs if type(w) is tuple]
    data = [w for _, w in obs if type(w) is not tuple]
    if inside:
        inits = {arg_key(x) for x in data}
        if len(inits) > 1:
            return None
        return Read("var", w=frozenset(sl for _, sl in inside), init=data[0] if data else None)
    same = len({arg_key(x) for x in data}) == 1
    if isinstance(key[0], int) and key[0] <= loop.pre:      # before the branch: every iteration
        return Read("data", (data[0],)) if same else Read("table", tuple(data))
    mine = {k: arg_key(x) for k, x in obs}
    for other, r in reads.items():     # the same data a read before the branch reads
        if r.how == "table" and all(arg_key(r.args[k]) == v for k, v in mine.items()):
            return Read("share", share=other)
    if same and len(data) >= 2:        # seen twice or more (an arm's: not every iteration)
        return Read("data", (data[0],))
    if isinstance(key[0], int) and _progression(data):     # after the arms: a list's items
        return Read("table", tuple(data))
    return None


def _progression(data: list[Any]) -> bool:
    """Whether ``data`` are values with ids in steps of one size: an argument list's items."""
    if not all(x.__class__ is int for x in data):
        return False
    steps = set(np.diff(np.array(data)).tolist())
    return len(steps) == 1 and 0 not in steps


def _merged(reads: dict[tuple[Slot, int], Read]) -> dict[tuple[Slot, int], Read] | None:
    """Variables sharing a slot made one (one Python variable seen through several reads).

    Their initial values must agree; the union's first is every read's.
    """
    groups: list[set[Slot]] = []
    for r in reads.values():
        if r.how == "var":
            touching = [g for g in groups if g & r.w]
            merged = set(r.w).union(*touching)
            groups = [g for g in groups if not g & r.w] + [merged]
    union = {sl: frozenset(g) for g in groups for sl in g}
    inits: dict[frozenset[Slot], Arg] = {}
    for r in reads.values():
        if r.how == "var" and r.init is not None:
            w = union[next(iter(r.w))]
            if arg_key(inits.setdefault(w, r.init)) != arg_key(r.init):
                return None
    return {key: r._replace(w=union[next(iter(r.w))], init=inits.get(union[next(iter(r.w))]))
            if r.how == "var" else r for key, r in reads.items()}


def _simulate(loop: Branchy, members: list[tuple[int, Slot, int]],
              seen: dict[tuple[Slot, int], list[tuple[int, Any]]]
              ) -> dict[frozenset[Slot], tuple[int, Slot]] | None:
    """Run the variables over the traced iterations: each read must get what it read.

    Returns each variable's value after the loop (iteration, slot), or None.
    """
    per_slot: dict[Slot, list[tuple[int, frozenset[Slot]]]] = {}
    writers: dict[Slot, list[frozenset[Slot]]] = {}
    for (slot, a), r in loop.reads.items():
        if r.how == "var":
            per_slot.setdefault(slot, []).append((a, r.w))
            for sl in r.w:
                writers.setdefault(sl, [])
                if r.w not in writers[sl]:
                    writers[sl].append(r.w)
    expect = {key: iter(obs) for key, obs in seen.items()}
    cur: dict[frozenset[Slot], Any] = {}
    for k, slot, _ in members:
        for a, w in per_slot.get(slot, ()):
            _, want = next(expect[(slot, a)])
            if cur.get(w) != (want if type(want) is tuple else None):
                return None
        for w in writers.get(slot, ()):
            cur[w] = (k, slot)
    return cur


def _latest(w: frozenset[Slot], seq: list[Slot]) -> Slot | None:
    return next((sl for sl in reversed(seq) if sl in w), None)


def _known(loop: Branchy, r: Read, obs: list[tuple[int, Any]]) -> frozenset[bool]:
    """The outcomes whose whole iterations a read was seen to go back through.

    An iteration of one outcome whose last write of the variable follows
    the arms shows the other outcome's too.
    """
    trues = np.concatenate(([0], np.cumsum(loop.taken)))
    passed: set[bool] = set()
    for k, w in obs:
        lo = w[0] if type(w) is tuple else 0
        n_true = int(trues[k] - trues[lo])
        passed.update(([True] if n_true else []) + ([False] if k - lo > n_true else []))
    after = [_latest(r.w, loop.order(b)) for b in passed]
    if any(isinstance(x, int) and x > loop.pre for x in after):
        return frozenset((False, True))
    return frozenset(passed)


def _sound(loop: Branchy, key: tuple[Slot, int], known: frozenset[bool]) -> bool:
    """Whether the variable read at ``key`` is right for every pattern of outcomes.

    The read finds the last write of its variable: in its own iteration
    before it (which depends on the outcome where it follows the branch),
    else in an earlier iteration of either outcome (each must be ``known``),
    else (in the first iteration at least) the initial value: some read of
    the variable must have shown it.
    """
    slot, _ = key
    r = loop.reads[key]
    mine = [b for b in (False, True) if slot in loop.order(b)]
    if isinstance(slot, int) and slot <= loop.pre:
        mine = mine[:1]                       # before the branch: one way only
    ways = [loop.order(b) for b in mine]
    if all(_latest(r.w, seq[:seq.index(slot)]) is not None for seq in ways):
        return True
    return len(known) == 2 and r.init is not None


def final_name(loop: Branchy, m: int, k: int, slot: Slot) -> str | None:
    """The variable holding iteration ``k``'s value of arm slot ``slot`` after the loop.

    One whose last value it is, known through either outcome's iterations
    (for a slot before the branch, one an arm copied it into).
    """
    names = loop.names(m)
    for w, last in loop.finals.items():
        if (last[0], source(last[1])) == (k, slot) and len(loop.known.get(w, ())) == 2 and (any(
                r.w == w and r.init is not None for r in loop.reads.values()) or all(
                _latest(w, loop.order(b)) is not None for b in (False, True))):
            return names[w]
    return None
