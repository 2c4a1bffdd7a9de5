"""Loops whose values are Python ints on one path and floats on another.

jit traces a Python int argument as a float; a value computed from ints by
``+ - *`` alone is an int in eager Python, and a program returns it as one
(``program.int_valued``, read on the program as recorded). A rolled loop
returns what the traced path made of each output. Where a loop's variable
is an int as it enters and a float after an iteration (``s = x0`` with an
int ``x0``, then ``s = s * 0.9 + x``), or an int after one arm of an ``if``
and a float after the other (``s = -s`` or ``s = s * 0.9 + x``), its kind
after the loop depends on the trip count or on the outcomes: eager gives
``0`` where every iteration took the int arm, the rolled loop ``0.0``. Such
a branching loop keeps its guards (another pattern traces again, and that
trace returns eager's kind); a ``while`` whose variables alone start as
ints runs any trip count but 0 (``least``), and one whose iterations
differ in kind its traced trip count only.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from .branches import Branchy
from .constant_steps import constant_steps
from .copies import source
from .program import Arg, Const, Program
from .rolling import Loop
from .spans import Spans, spanned

__all__ = ["least", "mixed", "open_while", "replaced"]


def open_while(prog: Program, loop: Any, stepped: bool, spans: Spans | None) -> bool:
    """Whether ``loop``, a ``while``, may run any trip count (else its traced one only).

    Not where its derivative is made of constants Python computed for the
    traced trip count (``stepped``: ``constant_steps``), nor where its
    values are Python ints in some iterations and floats in others (``mixed``).
    """
    return loop.exit >= 0 and not (stepped and isinstance(loop, Loop) and spanned(
        prog, loop, spans) and constant_steps(prog, loop)) and not mixed(prog, loop, prog.integral)


def mixed(prog: Program, loop: Any, integral: Collection[int]) -> bool:
    """Whether a value of ``loop`` may be an int or a float by trip count or outcomes.

    ``integral``: the values that are ints in eager Python. A ``while`` whose
    values are of one kind in every iteration, and whose variables alone
    start as another, is not: it runs at least ``least`` times.
    """
    if not integral:
        return False
    if isinstance(loop, Branchy):
        return _mixed_branchy(prog, loop, integral)
    return _kinds(prog, loop, integral) is None


def least(prog: Program, loop: Any) -> int:
    """How many times a ``while`` must run for its variables to hold the kinds tracing saw.

    A variable starting as an int (``x`` of ``while x > 10: x = x * 0.5``
    with an int ``x``) is a float after one iteration, and after the loop
    it is the float tracing saw where the loop ran; where it did not, the
    int it was: a guard, and jit traces again. A branching loop rolled is
    not ``mixed``: its variables start as the kinds its slots hold.
    """
    if isinstance(loop, Branchy):
        return 0
    kind = _kinds(prog, loop, prog.integral) if prog.integral else None
    if kind is None:
        return 0
    return max([r.depth if r.how == "back" else 1 for roles in loop.roles for r in roles
                if r.how in ("carry", "back") and any(_is_int(a, prog.integral) != kind[r.at]
                                                      for a in r.args)], default=0)


def _is_int(a: Arg | None, integral: Collection[int]) -> bool:
    return a in integral if isinstance(a, int) else isinstance(a, Const) and type(a.value) is int


def _kinds(prog: Program, loop: Any, integral: Collection[int]) -> list[bool] | None:
    """A rolled loop (``rolling.Loop``): whether each offset is an int; None where it varies.

    It varies where an offset is an int in some iterations, a float in
    others, or where data read at an advancing index is of both kinds.
    """
    eqns, p = prog.eqns, loop.period
    kind: list[bool] = []
    for o in range(p):
        kinds = {eqns[loop.start + k * p + o].out in integral for k in range(loop.trips)}
        if len(kinds) > 1:
            return None
        kind.append(kinds.pop())
    if any(r.how == "data" and len({_is_int(a, integral) for a in r.args}) > 1
           for roles in loop.roles for r in roles):
        return None
    return kind


def _mixed_branchy(prog: Program, loop: Branchy, integral: Collection[int]) -> bool:
    """A branching loop: each slot one kind, each variable's slots and first value alike."""
    kind: dict[Any, set[bool]] = {}
    for _, slot, j in loop.members():
        kind.setdefault(slot, set()).add(prog.eqns[j].out in integral)
    if any(len(ks) > 1 for ks in kind.values()):
        return True
    for r in loop.reads.values():
        if r.how == "var":
            ks = {b for sl in r.w for b in kind.get(source(sl), ())}
            if r.init is not None:
                ks.add(_is_int(r.init, integral))
        else:
            ks = {_is_int(a, integral) for a in r.args}
        if len(ks) > 1:
            return True
    return False


def replaced(prog: Program, loop: Any) -> bool:
    """Whether ``loop``'s carries are each computed afresh, and no backward record is its own.

    ``x = x0 - a * g`` in ``while f(x) > ...: a = a * 0.5; x = x0 - a * g``:
    no carry's next value reads a carry (what reads one only feeds the
    test), and in the program as recorded (``Program.raw``) no backward
    record comes from a record of its iterations. The derivative of what
    follows reads its last iteration's values alone: no backward loop, for
    any trip count.
    """
    if not isinstance(loop, Loop) or prog.raw is None:
        return False
    moved: set[int] = set()          # the offsets computed from a carry
    for o, roles in enumerate(loop.roles):
        if any(r.how in ("carry", "back") or r.how == "local" and r.at in moved for r in roles):
            moved.add(o)
    if any(r.at in moved for roles in loop.roles for r in roles if r.how in ("carry", "back")):
        return False
    index = {e.out: k for k, e in enumerate(prog.raw.eqns)}
    lo = index.get(prog.eqns[loop.start].out)
    hi = index.get(prog.eqns[loop.stop + loop.exit].out)
    return lo is not None and hi is not None and not any(
        lo <= index.get(v, -1) <= hi for v in prog.raw.origins.values())
