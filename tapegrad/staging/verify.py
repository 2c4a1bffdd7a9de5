"""Checking a rolled program: on the tracing inputs it returns what tracing computed.

LLVM removed its loop reroller for miscompiles (llvm-project#80972): a
rolled program is used only where it returns, on the inputs it was traced
at, the very values (bit for bit) of the straight-line program.
"""

from __future__ import annotations

import math
import struct
from typing import Any

import numpy as np

from ..numerics import ieee
from .lower import Lowered
from .program import Const, Program


def checks(lowered: Lowered, prog: Program, ints: dict[int, int | None]) -> bool:
    """Whether the rolled code returns, on the tracing inputs, what tracing computed."""
    values = dict(zip(prog.inputs, prog.seen))
    wanted = {o for o in prog.outputs if isinstance(o, int)} - values.keys()
    for e in reversed(prog.eqns):          # the outputs: most near the end
        if not wanted:
            break
        if e.out in wanted:
            values[e.out] = e.ans
            wanted.discard(e.out)
    try:
        with ieee():
            got = lowered.fn(list(prog.seen))
    except Exception:                     # noqa: BLE001  (any failure: do not use it)
        return False
    for j, o in enumerate(prog.outputs):
        want = o.value if isinstance(o, Const) else values[o]
        if j in ints:
            if ints[j] is not None:
                continue
            want = int(want)
        if not same(got[j], want):
            return False
    return True


def same(a: Any, b: Any) -> bool:
    """Equal bit for bit (a float's sign and nan payload, an array's dtype and shape)."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return struct.pack("<d", a) == struct.pack("<d", b) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, np.floating):       # by its bytes too: np.float32(-0.0) is not 0.0
        return a.tobytes() == b.tobytes() or (bool(np.isnan(a)) and bool(np.isnan(b)))
    try:
        return bool(a == b)
    except Exception:                     # noqa: BLE001
        return False
