"""Reverse mode: play a tape backwards, accumulating cotangents.

One loop over the records in reverse order, cotangents kept in a list
indexed by record id. No recursion anywhere, so a chain of a million records
works. When the cotangents are themselves traced (``grad(grad(f))``), the
rules' arithmetic is recorded on the outer tape like any other computation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import numerics
from .loop_seed import note_origins, note_unseeded, origin_tape
from .numerics import check_nan, ieee
from .ops import neg
from .playback import SLOTS, check_rule, shape_differs, vjp_rule
from .primitive import _zmul, zmul
from .promotion import promoted
from .shapes import _sum_like, sum_like
from .tape import Tape
from .values import Traced

_ARRAY = np.ndarray    # a plain array: its rules' arithmetic records nothing


def backward(tape: Tape, seeds: list[tuple[int, Any]], exact: bool = False,
             consume: bool = False, resume: tuple[int, list[Any]] | None = None) -> list[Any]:
    """Propagate output cotangents to every record of ``tape``.

    A record whose cotangent is a float zero is skipped (a branch that does
    not reach the outputs stays cheap); where that leaves an input's gradient
    zero or missing, the pass runs again ``exact``: passing zeros on as jit's
    recorded backward pass does, so that the sign of a zero gradient is jit's
    (``grad(lambda x: cos(x + x))(0.0)`` is ``-0.0``).

    Args:
      tape: A finished tape (its transform has returned).
      seeds: ``(id, cotangent)`` pairs for the outputs.
      exact: Pass zero cotangents on rather than skip them.
      consume: The tape is played this once (``grad``): where the rules
        record on an outer tape, each record and its cotangent are let go
        once its rules have run, so this tape shrinks while the outer one
        grows (under ``jit``, the peak holds one tape, not both). The
        inputs' records stay, and so does every record from the first
        skipped zero down, from where an exact pass resumes.
      resume: ``(id, cotangents)``: start at that record with those.

    Returns:
      A list indexed by record id: the cotangent of each value, or None where
      the outputs do not depend on it (with ``consume``: for the inputs only).
    """
    records = tape.records
    if resume is None:
        top = len(records) - 1
        cts: list[Any] = [None] * len(records)
        for i, ct in seeds:
            cts[i] = ct if cts[i] is None else cts[i] + ct
    else:
        top, cts = resume
    check = tape.check_nans or numerics.checking.get()   # a pullback run inside the block
    # consume where the rules record on an outer tape, which grows as this one
    # shrinks; an eager pass's peak is at its start either way. Not inside
    # debug_nans, whose message reads the record.
    consume = consume and tape.level > 1 and not check
    skipped = False
    saved: tuple[int, list[Any]] | None = None     # where consuming stopped, and the cotangents
    staged = origin_tape(seeds)      # jit's tape, noting where backward records come from
    note_unseeded(seeds)
    marks: list[tuple[int, Any]] | None = None if staged is None else []
    extra = consume or marks is not None
    zmul_apply2 = zmul.apply2        # zmul is a built-in: its __call__ is apply2
    with ieee():
        for i in range(top, -1, -1):
            g = cts[i]
            if g is None:            # the outputs do not depend on this record
                continue
            rec = records[i]
            op = rec[0]              # rec_op (tape.py's record layout)
            if op is None:           # a tape input: nothing to propagate
                continue
            if extra:                # either below (one test a record where neither)
                if marks is not None:    # what jit's tape records from here on comes from rec
                    marks.append((len(staged.records), rec[1]))    # type: ignore[union-attr]
                if consume:          # played once: let the record and its cotangent go
                    records[i] = cts[i] = None         # type: ignore[call-overload]
            prim = op
            partials = prim.vjp_partials
            if g.__class__ is float and g == 0.0:
                if not exact:
                    if consume:          # keep it and the rest, for an exact pass from here
                        records[i], cts[i] = rec, g
                        consume, saved = False, (i, cts[:])
                        extra = marks is not None
                    skipped = True       # contributes zeros only: their signs, if need be
                    continue
                if partials is not None:
                    _zero_cotangent(cts, rec, partials, g)
                    continue
            ans = rec[1]             # rec_ans
            rule_args = None         # rec_rule_args, made once per record
            pargs = None             # the same as NumPy promoted them, for partials
            for k, pos in SLOTS[len(rec) >> 1]:
                j = rec[pos]
                if j is None:        # a constant on this tape
                    continue
                if partials is not None:
                    p = partials[k]
                    if p.__class__ is float:     # a constant partial: 1.0 or -1.0
                        c = g if p == 1.0 else (neg(g) if p == -1.0 else g * p)
                    elif p is None:
                        continue
                    else:
                        # partial(*rec_rule_args), on inputs as NumPy promoted them
                        if pargs is None:     # a float, or a traced one: as recorded
                            pargs = rec[1::2] if ans.__class__ is float or (
                                ans.__class__ is Traced and ans._value.__class__ is float) \
                                else promoted(rec[1::2])
                        p = p(*pargs)
                        if g.__class__ is float:
                            # a nonzero constant: a plain product (p itself for 1.0
                            # times a traced p: saves a record)
                            c = p if g == 1.0 and p.__class__ is Traced else g * p
                        elif g.__class__ is _ARRAY and p.__class__ is _ARRAY:
                            c = _zmul(g, p)  # zmul's impl: plain arrays record nothing
                        else:                # the zero-safe product (playback.py):
                            c = zmul_apply2(g, p)    # zmul(g, p), the call inlined
                else:
                    if rule_args is None:
                        rule_args = rec[1::2]
                        rules = prim.vjps
                        joint = None         # every input's cotangent at once: plain arrays,
                        if prim.vjp_joint is not None and g.__class__ is _ARRAY and \
                                ans.__class__ is _ARRAY and None not in rec[2::2]:
                            joint = prim.vjp_joint(g, *rule_args)   # every input traced
                    if joint is not None:
                        c = joint[k]
                    else:
                        rule = rules[k] if rules is not None and k < len(rules) else \
                            vjp_rule(prim, k)    # vjp_rule, inlined; it raises the error
                        if rule is None:         # not differentiable there
                            continue
                        c = rule(g, *rule_args)  # rule(g, ans, *args)
                    if c is None:
                        continue
                    if prim.check_rules and (c.__class__ is not float
                                         or rec[pos + 1].__class__ is not float):
                        check_rule(c, rec[pos + 1], prim, k, "vjp", ans)
                if ans.__class__ is not float:   # only an array result broadcasts
                    a = rec[pos + 1]
                    if ans.__class__ is _ARRAY and c.__class__ is _ARRAY and \
                            a.__class__ is _ARRAY:
                        if c.shape != a.shape:
                            c = _sum_like(c, a)   # sum_like's impl: plain arrays
                    elif (ans.__class__ is not Traced or ans._value.__class__ is not float) \
                            and shape_differs(c, a):      # not is_float(ans), inlined
                        c = sum_like(c, a)    # undo broadcasting
                prev = cts[j]
                cts[j] = c if prev is None else prev + c
                if check:
                    check_nan(tape, i, c, f"cotangent of v{j}")
    if marks:
        note_origins(staged, marks)              # type: ignore[arg-type]
    if skipped and _zero_input(tape, cts):   # a skipped zero may decide a zero's sign
        if saved is not None:    # consumed down to the first skip: on from there
            return backward(tape, seeds, True, resume=saved)
        return backward(tape, seeds, True)
    return cts


def _zero_input(tape: Tape, cts: list[Any]) -> bool:
    """Whether an input's gradient is missing or holds a zero (whose sign a skip may change)."""
    for i, rec in enumerate(tape.records):
        if rec is not None and rec[0] is None:   # rec_op: a tape input (None: consumed)
            v = cts[i]
            v = v._value if v.__class__ is Traced else v
            if v is None or (v == 0.0 if v.__class__ is float else
                             type(v) is _ARRAY and not v.all()):
                return True
    return False


def _zero_cotangent(cts: list[Any], rec: tuple[Any, ...], partials: tuple[Any, ...],
                    g: float) -> None:
    """Pass a zero float cotangent ``g`` on, as the recorded backward pass does.

    A constant partial passes its sign on (``-0.0`` through ``add``, flipped by
    ``neg``); a partial function contributes ``zmul(0.0, p) = +0.0``. Nothing
    is evaluated: a branch that does not reach the outputs stays cheap.
    """
    for k, pos in SLOTS[len(rec) >> 1]:
        j = rec[pos]
        p = partials[k]
        if j is None or p is None:
            continue
        c: Any = (g if p == 1.0 else -g if p == -1.0 else g * p) if p.__class__ is float else 0.0
        if rec[1].__class__ is not float and shape_differs(c, rec[pos + 1]):
            c = np.zeros(np.shape(rec[pos + 1])) + c     # a broadcast input: its shape
        prev = cts[j]
        cts[j] = c if prev is None else prev + c
