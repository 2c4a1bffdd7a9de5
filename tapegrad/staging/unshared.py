"""Rolling a program as optimized, or as traced with no expression shared.

The passes share an expression between the places that compute it
(``passes.cse``): one iteration's ``x * x - a`` in a ``while`` test and in
the step, or what an iteration after a rejected step computes again. That
makes a loop's iterations differ where their ``if`` went different ways,
and leaves backward records naming an expression the passes dropped; the
program with nothing shared shows the iterations as Python ran them.
"""

from __future__ import annotations

from .lower import Lowered
from .passes import _sweep as sweep
from .passes import dce
from .program import Program
from .rolled import roll
from .spans import Spans

PEELED = 2      # iterations a branching loop may leave straight-line before it


def roll_grad(raw: Program, prog: Program, name: str, numbers: frozenset[int],
              ints: dict[int, int | None], inner: bool, seeded: bool,
              spans: Spans | None = None) -> Lowered | None:
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
    """
    refused: list[bool] = []
    cover: list[int] = []
    out = roll(prog, name, numbers, ints, inner, seeded, refused, cover=cover, spans=spans)
    if not refused and not (cover and (cover[0] < cover[1] or out is None and cover[0])):
        return out
    unshared = dce(sweep(raw, folding=True, exact_identities=True, sharing=False,
                         stand_ins=True))
    more: list[int] = []
    alt = roll(unshared, name, numbers, ints, inner, seeded, backs_only=True, cover=more,
               spans=spans)
    if alt is None or out is not None and not refused and more[0] <= cover[0] + PEELED:
        return out
    return alt
