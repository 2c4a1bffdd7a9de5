"""Show a tape: one line per record, as a learner reads it.

::

    v0 = input            # x
    v1 = input            # y
    v2 = mul v0 v1
    v3 = sin v2
    outputs: v3

Array values show their shape (``v4:f64[100] = mul v0 v3``); constants are
printed inline; a value of an outer tape (nested transforms) prints as ``^``
followed by its id there.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .tape import Tape, Traced

__all__ = ["format_tape"]


def _const(x: Any) -> str:
    if type(x) is Traced:
        return f"^v{x.id}"
    if isinstance(x, np.ndarray):
        return f"const:{_kind(x)}"
    if isinstance(x, float):
        return repr(float(x))
    return repr(x)


def _kind(x: Any) -> str:
    while type(x) is Traced:
        x = x.value
    if isinstance(x, np.ndarray):
        return f"{x.dtype.kind}{x.dtype.itemsize * 8}[{','.join(map(str, x.shape))}]"
    return ""


def _value(x: Any) -> str:
    while type(x) is Traced:
        x = x.value
    if isinstance(x, np.ndarray):
        return np.array2string(x, precision=4, threshold=6, separator=", ")
    return repr(float(x)) if isinstance(x, float | int) else repr(x)


def _output(x: Any) -> str:
    return f"v{x}" if isinstance(x, int) else _const(x.value)


def format_tape(tape: Tape, values: bool = False) -> str:
    """The tape as text, one line per record, then its outputs.

    Args:
      tape: The tape to show.
      values: Also show each record's value after ``=``.
    Returns:
      The listing; it takes time linear in the number of records.
    """
    lines = []
    for prim, inputs, args, ans, i in tape:
        kind = _kind(ans)
        lhs = f"v{i}:{kind}" if kind else f"v{i}"
        if prim is None:
            line = f"{lhs} = input".ljust(21) + f" # {tape.path(i)}"
        else:
            operands = " ".join(f"v{j}" if j is not None else _const(a)
                                for j, a in zip(inputs, args))
            line = f"{lhs} = {prim.name} {operands}"
        if values:
            line = line.ljust(40) + f" = {_value(ans)}"
        lines.append(line.rstrip())
    if tape.outputs:
        lines.append("outputs: " + " ".join(_output(x) for x in tape.outputs))
    return "\n".join(lines)
