"""The shift registers of a rolled loop's ``back`` roles (``shifted``).

A role reading offset ``at`` of the iteration ``d`` back keeps the last
``d`` values of that offset in ``b{m}_{j}_0 .. b{m}_{j}_{d-1}``, oldest
first, set before the loop to the values the first ``d`` iterations read:
each iteration reads ``b{m}_{j}_0``, and at its end every register takes
the next one's value, the newest that of offset ``at``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .rolling import arg_key


def register(w: Any, m: int, role: Any, floats: bool, before: list[str]) -> str:
    """The register a ``back`` role of loop ``m`` reads; set before the loop the first time.

    ``w``: the writer (its ``shifts[m]``: the registers of each offset and
    first values, oldest first; ``ref``: a value's text outside the loop).
    """
    starts = role.args[:role.depth]
    key = (role.at, tuple(map(arg_key, starts)))
    regs = w.shifts[m].get(key)
    if regs is None:
        regs = w.shifts[m][key] = [f"b{m}_{len(w.shifts[m])}_{j}" for j in range(role.depth)]
        before += [f"{r} = {w.ref(x, floats)}" for r, x in zip(regs, starts)]
    return regs[0]     # type: ignore[no-any-return]


def shift_lines(shifts: dict[Any, list[str]], name: Callable[[int], str]) -> list[str]:
    """The lines ending an iteration: each register takes the next one's value.

    The newest takes the value of its offset (``name(at)``).
    """
    return [f"{regs[j]} = {regs[j + 1] if j + 1 < len(regs) else name(at)}"
            for (at, _), regs in shifts.items() for j in range(len(regs))]
