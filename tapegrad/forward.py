"""Forward mode: play a tape forwards, pushing tangents through each record.

One loop over the records in order, tangents kept in a list indexed by record
id. A record none of whose inputs has a tangent gets none (a symbolic zero)
and costs one check; records the outputs do not depend on are not visited.
When the values or tangents are themselves traced (``jvp(grad(f))``,
``grad`` of a ``jvp``), the rules' arithmetic is recorded on the outer tape
like any other computation.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from . import numerics
from .loop_seed import note_unseeded
from .numerics import check_nan, ieee
from .ops import neg
from .playback import SLOTS, check_rule, is_float, jvp_rule, shape_differs
from .primitive import zmul
from .promotion import promoted
from .shapes import broadcast_like
from .tape import Tape
from .values import Traced


def forward(tape: Tape, seeds: list[tuple[int, Any]],
            order: Iterable[int] | None = None) -> list[Any]:
    """Push input tangents through the records of ``tape``.

    Args:
      tape: A finished tape (its transform has returned).
      seeds: ``(id, tangent)`` pairs for the inputs.
      order: the record ids to visit, ascending; by default every record
        from the first seed on. ``jvp`` and ``jacfwd`` pass ``needed``,
        the records their outputs depend on.

    Returns:
      A list indexed by record id: the tangent of each value, or None where it
      does not depend on the seeded inputs (or was not visited).
    """
    records = tape.records
    tans: list[Any] = [None] * len(records)
    note_unseeded(None)       # its tangents follow the branch pattern traced
    for i, t in seeds:
        tans[i] = t
    if order is None:
        order = range(min((i for i, _ in seeds), default=len(records)), len(records))
    check = tape.check_nans or numerics.checking.get()   # a pullback run inside the block
    with ieee():
        for i in order:
            rec = records[i]
            op = rec[0]              # rec_op (tape.py's record layout)
            if op is None:           # a tape input: its tangent is a seed
                continue
            out = None
            partials = op.jvp_partials
            rule_args = None         # rec_rule_args, made once per record
            pargs = None             # the same as NumPy promoted them, for partials
            if op.jvp_joint is None:
                slots = SLOTS[len(rec) >> 1]
            else:                    # every input's tangent at once (a jitted call)
                out, slots = _joint(op, rec, tans), ()
            for k, pos in slots:
                j = rec[pos]
                if j is None:        # a constant on this tape
                    continue
                t = tans[j]
                if t is None or (t.__class__ is float and t == 0.0):
                    continue         # a zero tangent contributes exactly zero
                if partials is None:
                    if rule_args is None:
                        rule_args = rec[1::2]
                    c = jvp_rule(op, k)(t, *rule_args)   # rule(t, ans, *args)
                    if c is None:
                        continue
                    if op.check_rules and (c.__class__ is not float
                                       or rec[1].__class__ is not float):
                        check_rule(c, rec[1], op, k, "jvp")
                else:
                    p = partials[k]
                    if p.__class__ is float:     # a constant partial: 1.0 or -1.0
                        if p == 1.0:
                            c = t
                        elif p == -1.0:
                            c = -t if t.__class__ is float else neg(t)
                        else:
                            c = t * p
                    elif p is None:
                        continue
                    else:
                        # partial(*rec_rule_args), on inputs as NumPy promoted them
                        if pargs is None:
                            pargs = rec[1::2] if rec[1].__class__ is float else \
                                promoted(rec[1::2])
                        p = p(*pargs)
                        if t.__class__ is not float:
                            c = zmul(t, p)   # the zero-safe product (playback.py)
                        elif t == 1.0 and p.__class__ is Traced:
                            c = p            # saves a record
                        else:
                            c = t * p        # a nonzero constant: a plain product
                out = c if out is None else out + c
            if out is None:
                continue
            ans = rec[1]             # rec_ans
            if ans.__class__ is not float and not is_float(ans) and shape_differs(out, ans):
                out = broadcast_like(out, ans)       # a float input met an array
            tans[i] = out
            if check:
                check_nan(tape, i, out, "tangent")
    return tans


def _joint(op: Any, rec: Any, tans: list[Any]) -> Any:
    """``op``'s tangent from its joint rule, given each input's (None: a zero); None if none."""
    ts = []
    for _, pos in SLOTS[len(rec) >> 1]:
        j = rec[pos]
        t = None if j is None else tans[j]
        ts.append(None if t.__class__ is float and t == 0.0 else t)
    if all(t is None for t in ts):
        return None
    return op.jvp_joint(ts, *rec[1::2])


def needed(tape: Tape, outputs: Iterable[int]) -> list[int]:
    """The ids of the records ``outputs`` depend on, ascending.

    One backward sweep over integers. Playing only those skips, for
    instance, the records of ``f``'s value on the tape of ``grad(f)``.
    """
    records = tape.records
    live = bytearray(len(records))
    for i in outputs:
        live[i] = 1
    for i in range(len(records) - 1, -1, -1):
        if live[i]:
            rec = records[i]
            for j in rec[2::2]:           # rec_ids (None for constants)
                if j is not None:
                    live[j] = 1
    return list(itertools.compress(range(len(records)), live))
