"""Finding the loops whose iterations branch (``branches.Branchy``) on a program's tape.

The guards of one ``if`` share a source line; between two of them lies the
arm its outcome chose, then what every iteration does. Each outcome's
stretch is its arm followed by a common tail: collapsing each guard and its
arm into one shape makes the iterations a tandem repeat again
(``rolling.periods``), whose roles ``branches.analyse`` reads.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from .arms import quiet_arms
from .branches import Branchy, analyse
from .branchy_while import closing
from .copies import copy_arms
from .program import Program, is_guard
from .rolling import periods, repeats


def two_way(prog: Program) -> dict[tuple[str, Any], tuple[list[int], list[bool]]]:
    """The sites of ``if`` statements whose guards went both ways, their guards and outcomes.

    A site is a line and the place in it that took the ``bool()`` (``SourceLine.at``).
    """
    sites: dict[tuple[str, Any], list[int]] = {}
    for k, e in enumerate(prog.eqns):
        if is_guard(e) and type(e.args[1].value) is bool:       # type: ignore[union-attr]
            line = prog.sources.get(e.out, "")      # one line's two guards: two sites
            sites.setdefault((line, getattr(line, "at", None)), []).append(k)
    found = {}
    for site, qs in sites.items():
        line = site[0]
        outs = [prog.eqns[q].args[1].value is True for q in qs]   # type: ignore[union-attr]
        if line and len(set(outs)) == 2 and quiet_arms(line):
            found[site] = (qs, outs)
    return found


def find_branchy(prog: Program, s: np.ndarray) -> list[Branchy]:
    """The loops of ``prog`` whose iterations take a guard both ways, none overlapping."""
    found: list[Branchy] = []
    for qs, outs in two_way(prog).values():
        loop = _site_loop(prog, s, qs, outs)
        if loop is not None and all(loop.stop <= f.start or f.stop <= loop.start
                                    for f in found):
            found.append(loop._replace(exit=closing(prog, s, loop)))
    return sorted(found, key=lambda b: b.start)


CUTS = 4       # arm lengths tried per site: the longest common tail, then shorter ones


def _arms(s: np.ndarray, qs: list[int], outs: list[bool]) -> list[list[tuple[int, ...]]]:
    """Candidate shapes of each outcome's arm (False's, True's), the likeliest first.

    The stretches after a guard of each outcome, less their longest common
    tail; then less shorter tails (the tail's first equations may differ in
    what they read, a value the passes shared with an arm, say).
    """
    stretches: dict[bool, Counter[tuple[int, ...]]] = {False: Counter(), True: Counter()}
    last: dict[bool, dict[tuple[int, ...], int]] = {False: {}, True: {}}
    for q, q2, b in zip(qs, qs[1:], outs):
        stretch = tuple(s[q + 1:q2].tolist())
        stretches[b][stretch] += 1
        last[b][stretch] = q
    if not stretches[False] or not stretches[True]:
        return []
    found: list[list[tuple[int, ...]]] = []
    likely = {b: sorted(c, key=lambda x: (c[x], last[b][x]), reverse=True)[:2]
              for b, c in stretches.items()}
    for f in likely[False]:     # the commonest stretch of each, the latest first: the
        for t in likely[True]:  # first iterations may read constants (``t = 0.0``)
            n = 0
            while n < min(len(f), len(t)) and f[-1 - n] == t[-1 - n]:
                n += 1
            found += [[x[:len(x) - m] for x in (f, t)] for m in range(n, max(n - CUTS, -1), -1)
                      if [x[:len(x) - m] for x in (f, t)] not in found]
    return found


def _site_loop(prog: Program, s: np.ndarray, qs: list[int], outs: list[bool]
               ) -> Branchy | None:
    """The largest loop around the guards ``qs`` of one line, or None.

    Arms that record nothing roll only as copies (``copies``), tried last:
    what ``max(m, v)`` chose is not on the tape, so its guards stay.
    """
    for copying in (False, True):
        if copying and not copy_arms(prog.sources.get(prog.eqns[qs[0]].out, "")):
            return None
        for arms in _arms(s, qs, outs):
            loop = _arms_loop(prog, s, qs, outs, arms, copying) if copying or any(arms) \
                else None
            if loop is not None:
                return loop
    return None


def _arms_loop(prog: Program, s: np.ndarray, qs: list[int], outs: list[bool],
               arms: list[tuple[int, ...]], copying: bool) -> Branchy | None:
    """The largest loop whose iterations hold one guard of ``qs`` and one of ``arms``."""
    keep = np.ones(len(s), dtype=bool)
    c = s.copy()
    token = int(s.max()) + 1
    for q, b in zip(qs, outs):
        arm = arms[b]
        if tuple(s[q + 1:q + 1 + len(arm)].tolist()) == arm:
            c[q] = token
            keep[q + 1:q + 1 + len(arm)] = False
    where = np.flatnonzero(keep)
    c = c[keep]
    lengths = (len(arms[0]), len(arms[1]))
    found = []
    for p in periods(c):
        for start, trips in repeats(c, p):
            if int(np.count_nonzero(c[start:start + p] == token)) == 1:
                found.append((trips * p, start, p, trips))
    for _, start, p, trips in sorted(found, reverse=True)[:8]:
        for peel in range(min(2, trips - 1)):
            loop = _build(prog, c, where, token, lengths, start + peel * p, p, trips - peel,
                          copying)
            if loop is not None:
                return loop
    return None


def _build(prog: Program, c: np.ndarray, where: np.ndarray, token: int,
           arms: tuple[int, int], start: int, p: int, trips: int, copying: bool
           ) -> Branchy | None:
    """The loop of ``trips`` collapsed iterations of ``p`` from ``start``, if it rolls.

    Arms that copy are tried with each iteration ending at its branch (the
    first reads the initial values): what an arm copies is then computed
    before it, in its own iteration (``mid``, or ``x`` of regula falsi).
    """
    g = int(np.flatnonzero(c[start:start + p] == token)[0])
    if copying and g + 1 < p:
        end, more = start + g + 1, trips - 1
        while np.array_equal(c[end + more * p:end + (more + 1) * p], c[end:end + p]):
            more += 1
        loop = _built(prog, c, where, arms, end, p, more, p - 1, copying)
        if loop is not None or not any(arms):
            return loop
    return _built(prog, c, where, arms, start, p, trips, g, copying)


def _built(prog: Program, c: np.ndarray, where: np.ndarray, arms: tuple[int, int],
           start: int, p: int, trips: int, g: int, copying: bool) -> Branchy | None:
    at = tuple(int(where[start + k * p]) for k in range(trips))
    taken = tuple(prog.eqns[int(where[start + k * p + g])].args[1].value is True  # type: ignore[union-attr]
                  for k in range(trips))
    if len(set(taken)) < 2:
        return None
    loop = Branchy(int(at[0]), trips, at, taken, g, arms, p - g - 1)
    return analyse(prog, loop, copying)
