"""Rolling a program as optimized, or as traced with no expression shared.

The passes share an expression between the places that compute it
(``passes.cse``): one iteration's ``x * x - a`` in a ``while`` test and in
the step, or what an iteration after a rejected step computes again. That
makes a loop's iterations differ where their ``if`` went different ways,
and leaves backward records naming an expression the passes dropped; the
program with nothing shared shows the iterations as Python ran them.

An arm may record nothing in the optimized program only because the passes
dropped what it computed: ``-s`` of ``s = x0`` where ``m = -x0`` came
before the loop (shared), or ``s * 0.9 + x`` where the next iteration's
other arm overwrote ``s`` (dead). Written as ``pass``, that arm would
compute nothing at every call; such a loop is rolled from the program
that keeps what each iteration computed (``hollow``).
"""

from __future__ import annotations

from .branch_sites import find_branchy
from .lower import Lowered
from .passes import _sweep as sweep
from .passes import dce
from .program import Program
from .rolled import roll
from .rolling import Where, shapes
from .spans import Spans

PEELED = 2      # iterations a branching loop may leave straight-line before it


def roll_grad(raw: Program, prog: Program, name: str, numbers: frozenset[int],
              ints: dict[int, int | None], inner: bool, seeded: bool,
              spans: Spans | None = None, unseeded: int | None = None) -> Lowered | None:
    """``roll(prog)``; where a branching loop's backward records did not fit, ``raw`` unshared.

    ``prog`` is ``raw`` optimized. The passes merge an expression a loop's
    body computes twice (``x * x - a`` in a ``while`` test and in the step);
    the backward records of the copy they dropped still name it, so the
    backward loop is written from ``raw`` with no expression shared. They
    merge, too, what an iteration after one whose arm changed nothing (a
    rejected step) computes again (``-k * y``): such iterations differ, so
    where the loops found leave guards of an ``if`` that went both ways
    outside them, ``raw`` unshared is tried, and kept where its loops hold more
    (than the first iterations, which a loop may leave straight-line: the
    passes keep a loop-invariant ``1e-9 * (1.0 + c)`` out of the loop).
    Where an arm of a branching loop lost what it computed (``hollow``),
    only a program keeping it is rolled.
    """
    refused: list[bool] = []
    cover: list[int] = []
    prog = prog._replace(raw=raw)
    out = roll(prog, name, numbers, ints, inner, seeded, refused, cover=cover, spans=spans,
               unseeded=unseeded)
    kept = sweep(raw, folding=True, exact_identities=True, sharing=False, stand_ins=True) \
        if cover and cover[0] else None
    if kept is not None and hollow(prog, kept):
        unshared = dce(kept)
        return roll(kept if hollow(unshared, kept) else unshared, name, numbers, ints, inner,
                    seeded, spans=spans)
    if not refused and not (cover and (cover[0] < cover[1] or out is None and cover[0])):
        return out
    unshared = dce(kept if kept is not None else sweep(
        raw, folding=True, exact_identities=True, sharing=False, stand_ins=True))
    more: list[int] = []
    alt = roll(unshared, name, numbers, ints, inner, seeded, backs_only=True, cover=more,
               spans=spans)
    if alt is None or out is not None and not refused and more[0] <= cover[0] + PEELED:
        return out
    return alt


def hollow(prog: Program, kept: Program) -> bool:
    """Whether an iteration of a branching loop of ``prog`` lost some of its arm.

    ``kept`` is ``prog`` before sharing and dead code went: each arm of each
    iteration with all it computed. Where ``kept`` holds more between an
    iteration's guard and what follows its arm in ``prog``, the passes
    dropped a value the arm computed (or one the code after it computes
    first: a loop-invariant value, kept in ``kept`` alike).
    """
    there = {e.out for e in prog.eqns}
    index = {e.out: k for k, e in enumerate(kept.eqns)}
    if all(e.out in there for e in kept.eqns):
        return False
    for loop in find_branchy(prog, shapes(prog, Where(prog))):
        for k, at in enumerate(loop.at):
            g = at + loop.pre
            nxt = g + 1 + loop.arms[loop.taken[k]]
            lo = index.get(prog.eqns[g].out)
            hi = index.get(prog.eqns[nxt].out) if nxt < len(prog.eqns) else len(kept.eqns)
            if lo is None or hi is None or hi - lo - 1 > nxt - g - 1:
                return True
    return False
