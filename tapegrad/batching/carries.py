"""What a loop run on the batch hands from one iteration to the next.

A ``carry`` role reads the previous iteration's value: one batch per
offset and first value. A ``back`` role (``staging.shifted``) reads the
value of the iteration ``depth`` back: a shift register of ``depth``
batches, oldest first, set to the values the first ``depth`` iterations
read. An example whose loop ended keeps its values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..staging.rolling import Loop, Role, arg_key


class Carries:
    """The carries and shift registers of ``loop``; ``full(arg, at)`` makes a batch."""

    def __init__(self, loop: Loop, full: Callable[[Any, int], np.ndarray]):
        self.one: dict[Any, np.ndarray] = {}
        self.regs: dict[Any, list[np.ndarray]] = {}
        for r in (r for roles in loop.roles for r in roles):
            if r.how == "carry":
                self.one[_key(r)] = full(r.args[0], r.at)
            elif r.how == "back":
                self.regs[_key(r)] = [full(x, r.at) for x in r.args[:r.depth]]

    def read(self, role: Role, act: np.ndarray) -> np.ndarray:
        """What ``role`` reads, for the examples ``act``."""
        if role.how == "carry":
            return self.one[_key(role)][act]
        return self.regs[_key(role)][0][act]

    def step(self, local: dict[int, tuple[Any, bool]], act: np.ndarray) -> None:
        """The end of an iteration of the examples ``act`` (``local``: its values)."""
        for (at, _), c in self.one.items():
            c[act] = local[at][0]
        for (at, _), regs in self.regs.items():
            for older, newer in zip(regs, regs[1:]):
                older[act] = newer[act]
            regs[-1][act] = local[at][0]


def _key(r: Role) -> Any:
    if r.how == "carry":
        return (r.at, arg_key(r.args[0]))
    return (r.at, tuple(map(arg_key, r.args[:r.depth])))


def outside(r: Role) -> tuple[Any, ...]:
    """The arguments ``r`` reads from before its loop (as a whole: one stands for data)."""
    return r.args[:r.depth] if r.how == "back" else r.args[:1]
