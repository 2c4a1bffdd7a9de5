"""Matching a backward pass's records against the derivative rules that left them.

Each record of a ``grad`` under ``jit`` names its origin (``Program.origins``),
the forward value whose rule recorded it. ``Sweep`` walks the records in
order, expecting the rules of one forward equation at a time, and keeps the
cotangent each value holds so far: ``branchy_back`` runs it over the code
after a loop and then over the loop's iterations, backwards.
"""

from __future__ import annotations

from typing import Any

from .program import Eqn, Program

__all__ = ["CAST", "TIE", "NoBack", "Sweep", "partials"]


CAST = "cast"     # the partial of a float cast: its rule records one cast of the cotangent
TIE = "tie"       # of a maximum or minimum: its rule ends choosing ``where(c, g, ...)``


def partials(e: Eqn) -> tuple[Any, ...] | None:
    """The partials of ``e``'s primitive (``defpartials``); a cast's ``CAST``, a choice's ``TIE``.

    ``astype(x, float64)`` (``np.clip``'s and ``np.minimum``'s result as a
    NumPy float) has a rule, not partials: its cotangent is the cotangent
    cast back, one record. ``maximum`` and ``minimum`` hand each input the
    cotangent, half of it on a tie, or zero (``kinks._tie``): comparisons,
    then a ``where`` reading the cotangent whole, last.
    """
    name = getattr(e.prim, "name", "")
    if name == "astype":
        return (CAST, None)
    if name in ("maximum", "minimum"):
        return (TIE, TIE)
    return getattr(e.prim, "vjp_partials", None)


class NoBack(Exception):
    """The backward records are not the rule's: the loop's backward pass stays unrolled."""


class Sweep:
    """Matching derivative rules against the records from ``pos`` on, accumulating in ``acc``."""

    def __init__(self, prog: Program, pos: int):
        self.prog, self.pos = prog, pos
        self.acc: dict[Any, Any] = {}
        self.at = {e.out: k for k, e in enumerate(prog.eqns)}

    def take(self, origin: int) -> Eqn:
        """The next record, which must come from ``origin``'s rules."""
        eqns = self.prog.eqns
        if self.pos >= len(eqns) or self.prog.origins.get(eqns[self.pos].out) != origin:
            raise NoBack
        self.pos += 1
        return eqns[self.pos - 1]

    def rule(self, e: Eqn, g: Any, targets: dict[int, Any]) -> dict[int, list[Eqn] | int]:
        """Match ``e``'s rules for cotangent ``g``; each input's rule records, by input.

        An input read twice (``x * x``) has its second share's records
        merged into the first's by the passes: its entry is the first's index.
        """
        ps = partials(e)
        if ps is None or not isinstance(e.ans, float):
            raise NoBack
        out: dict[int, list[Eqn] | int] = {}
        shares: dict[int, Any] = {}
        for k, a in enumerate(e.args):
            p = ps[k] if k < len(ps) else None
            if not isinstance(a, int) or p is None:
                continue
            if targets.get(k, ()) is None:      # data of one iteration: none of its own
                continue
            if k not in targets:
                raise NoBack
            twin = next((j for j in out if e.args[j] == a and not (
                isinstance(p, float) and p == 1.0)), None) if not self.fresh(e, g) else None
            if twin is not None:
                out[k], c = twin, shares[twin]
            else:
                recs = self._records(e, g, p)
                out[k], c = recs, recs[-1].out if recs else g
            shares[k] = c
            self.accumulate(targets[k], c, e.out)
        return out

    def merged(self, ins: set[int]) -> None:
        """Pass the rules of a value the passes merged into one of ``ins`` (``p[0]`` read twice).

        Its rule takes the share accumulated on that input whole (reads it first).
        """
        eqns, outs = self.prog.eqns, self.at
        while self.pos < len(eqns) and (o := self.prog.origins.get(eqns[self.pos].out)) \
                is not None and o not in outs:
            v = next((v for v in ins if self.acc.get(v) == eqns[self.pos].args[0]), None)
            if v is None:
                return
            del self.acc[v]
            while self.pos < len(eqns) and self.prog.origins.get(eqns[self.pos].out) == o:
                self.pos += 1

    def fresh(self, e: Eqn, g: Any) -> bool:
        """Whether the next record starts a rule of ``e`` on ``g`` (no pass merged it)."""
        eqns = self.prog.eqns
        r = eqns[self.pos] if self.pos < len(eqns) else None
        return r is not None and self.prog.origins.get(r.out) == e.out and \
            getattr(r.prim, "name", "") != "add" and bool(r.args) and r.args[0] == g

    def _records(self, e: Eqn, g: Any, p: Any) -> list[Eqn]:
        """The records computing one input's share: none for a partial 1.0."""
        if isinstance(p, float) or p is CAST:
            return [] if p == 1.0 else [self.take(e.out)]
        recs: list[Eqn] = []
        last, at = ("where", 1) if p is TIE else ("zmul", 0)
        while len(recs) < 8:
            r = self.take(e.out)
            recs.append(r)
            if getattr(r.prim, "name", "") == last and len(r.args) > at and r.args[at] == g:
                return recs
        raise NoBack

    def accumulate(self, target: Any, c: Any, origin: int) -> None:
        """``acc[target] = c`` or, where it holds one, the recorded ``add`` of both."""
        prev = self.acc.get(target)
        if prev is None:
            self.acc[target] = c
            return
        r = self.take(origin)
        if getattr(r.prim, "name", "") != "add" or r.args != (prev, c):
            raise NoBack
        self.acc[target] = r.out
