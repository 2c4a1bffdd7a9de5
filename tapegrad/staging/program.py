"""The program jit compiles: a tape's records as equations on value ids.

A ``Program`` is what a ``Tape`` recorded, in a form the passes rewrite:
inputs (value ids, in argument order), equations ``out = prim(args)`` where
each argument is a value id or a ``Const``, outputs, and the source line of
each guard. It prints like a tape (``v3 = mul v1 v2``), so a pass is tested
by comparing listings.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np

from ..logic import guard
from ..tape import Const, Eqn, Tape, format_eqn, operand
from ..values import primal_value

Arg = int | Const


class Program(NamedTuple):
    """Inputs, equations in order, outputs, and guard source lines by id.

    ``seen`` holds the inputs' values while tracing (their kinds); ``left``
    a break guard's iterations left in its ``for`` loop (``Tape.left``);
    ``origins`` the forward value each backward record comes from
    (``Tape.origins``).
    """
    inputs: tuple[int, ...]
    eqns: tuple[Eqn, ...]
    outputs: tuple[Arg, ...]
    sources: dict[int, str]
    seen: tuple[Any, ...] = ()
    left: Mapping[int, int] = MappingProxyType({})
    origins: Mapping[int, int] = MappingProxyType({})

    def __str__(self) -> str:
        lines = [f"v{i} = input" for i in self.inputs]
        lines += [format_eqn(e, kinds=False) for e in self.eqns]
        lines.append("outputs: " + " ".join(operand(o) for o in self.outputs))
        return "\n".join(lines)


def is_guard(e: Eqn) -> bool:
    """Whether ``e`` is a guard: ``guard cond expected`` (a user's "guard" is not)."""
    return bool(e.prim is guard and len(e.args) == 2 and isinstance(e.args[1], Const))


def use_counts(prog: Program) -> dict[int, int]:
    """How many times each value is read (as an argument or an output)."""
    uses: dict[int, int] = {}
    for e in prog.eqns:
        for a in e.args:
            if isinstance(a, int):
                uses[a] = uses.get(a, 0) + 1
    for o in prog.outputs:
        if isinstance(o, int):
            uses[o] = uses.get(o, 0) + 2      # never inlined: it is returned
    return uses


def last_uses(prog: Program) -> dict[int, int]:
    """The index of the last equation reading each value (outputs: past the end)."""
    last: dict[int, int] = {}
    for k, e in enumerate(prog.eqns):
        for a in e.args:
            if isinstance(a, int):
                last[a] = k
    for o in prog.outputs:
        if isinstance(o, int):
            last[o] = len(prog.eqns)
    return last


def reads(prog: Program) -> tuple[dict[int, int], dict[int, int]]:
    """``use_counts(prog)`` and ``last_uses(prog)``, in one pass."""
    uses: dict[int, int] = {}
    last: dict[int, int] = {}
    get = uses.get
    for k, e in enumerate(prog.eqns):
        for a in e.args:
            if a.__class__ is int:
                uses[a] = get(a, 0) + 1
                last[a] = k
    end = len(prog.eqns)
    for o in prog.outputs:
        if isinstance(o, int):
            uses[o] = get(o, 0) + 2      # never inlined: it is returned
            last[o] = end
    return uses, last


def from_tape(tape: Tape) -> Program:
    """The program a tape recorded; a constant output becomes a ``Const``."""
    inputs: list[int] = []
    eqns: list[Eqn] = []
    seen: list[Any] = []
    append = eqns.append
    for i, rec in enumerate(tape.records):
        op = rec[0]                                          # rec_op
        if op is None:
            inputs.append(i)
            seen.append(rec[1])
            continue
        n = len(rec)
        args: tuple[Arg, ...]
        if n == 6:                                           # two arguments: most records
            j0, j1 = rec[2], rec[4]
            args = (Const(rec[3]) if j0 is None else j0, Const(rec[5]) if j1 is None else j1)
        elif n == 4:
            j0 = rec[2]
            args = (Const(rec[3]) if j0 is None else j0,)
        else:
            args = tuple(Const(a) if j is None else j for j, a in zip(rec[2::2], rec[3::2]))
        append(Eqn(op, i, args, rec[1]))
    outputs = tuple(o if isinstance(o, int) else Const(o.value) for o in tape.outputs)
    return Program(tuple(inputs), tuple(eqns), outputs, dict(tape.sources), tuple(seen),
                   dict(tape.left), dict(tape.origins or {}))


def kind(x: Any) -> Any:
    """What a value is, for the passes: ``float``, or (dtype, shape) of an array."""
    x = primal_value(x)
    if type(x) is float:
        return float
    if isinstance(x, np.ndarray):
        return (x.dtype.str, x.shape)
    return type(x)


# Ops that keep ints ints in Python: ``step + 1`` of an int step is an int.
INT_CLOSED = (operator.add, operator.sub, operator.mul, operator.neg)


def _int_closed(prim: Any) -> bool:
    try:
        return prim.impl in INT_CLOSED
    except TypeError:               # an unhashable callable
        return False


def int_valued(prog: Program, ints: frozenset[int], floats: set[int]) -> set[int]:
    """The values that are ints in eager Python, traced as floats.

    ``ints`` are the positions of the inputs given as Python ints; a value
    computed from ints and int constants by ``+``, ``-``, ``*`` and unary
    ``-`` only is an int in eager Python, so a recording returns it as one
    (an optimizer's step count stays an int, and the next call's signature
    with it). ``floats`` are values an inner transform took as inputs: it
    made them floats, as eager does.
    """
    found = {prog.inputs[k] for k in ints} - floats
    if not found:
        return found
    for e in prog.eqns:
        if e.out not in floats and _int_closed(e.prim) and all(
                a in found if isinstance(a, int) else type(a.value) is int for a in e.args):
            found.add(e.out)
    return found


def int_outputs(prog: Program, given: dict[int, bool], floats: set[int]) -> dict[int, int | None]:
    """The outputs that eager returns as ints: by output position, what to return.

    ``given`` maps the position of each input given as an int or NumPy
    scalar (and traced as a float) to whether it is a Python ``int``. An
    output that is such an input, untouched, maps to that input's position
    (return it as given); one computed from Python ints by ``+ - *`` maps to
    None (return it as an ``int``). Read on the program as recorded, before
    any pass: ``1.0 * n`` is a float in eager even where a pass makes it ``n``.
    """
    floats = floats or set()
    inputs = {prog.inputs[k]: k for k in given if prog.inputs[k] not in floats}
    ints = frozenset(k for k, is_int in given.items() if is_int)
    integral = int_valued(prog, ints, floats)
    out: dict[int, int | None] = {}
    for j, o in enumerate(prog.outputs):
        if isinstance(o, int) and o in inputs:
            out[j] = inputs[o]
        elif isinstance(o, int) and o in integral:
            out[j] = None
    return out
