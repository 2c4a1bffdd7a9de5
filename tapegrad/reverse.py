"""Reverse mode: play a tape backwards, accumulating cotangents.

One loop over the records in reverse order, cotangents kept in a list
indexed by record id. No recursion anywhere, so a chain of a million records
works. When the cotangents are themselves traced (``grad(grad(f))``), the
rules' arithmetic is recorded on the outer tape like any other computation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .ops import neg, sum_like
from .primitive import zmul
from .tape import PRIMITIVES, Tape, Traced, _check_nan, _shape, ieee


class _Slots(dict):  # type: ignore[type-arg]
    """``_SLOTS[len(rec) // 2]``: ``(k, position of input k's id in rec)``.

    A flat record of n arguments has length 2 + 2n; precomputed positions
    keep the reverse loop free of index arithmetic (benchmarks/eager.py).
    """

    def __missing__(self, half: int) -> tuple[tuple[int, int], ...]:
        self[half] = slots = tuple((k, 2 + 2 * k) for k in range(half - 1))
        return slots


_SLOTS = _Slots()


def backward(tape: Tape, seeds: list[tuple[int, Any]]) -> list[Any]:
    """Propagate output cotangents to every record of ``tape``.

    Args:
      tape: A finished tape (its transform has returned).
      seeds: ``(id, cotangent)`` pairs for the outputs.

    Returns:
      A list indexed by record id: the cotangent of each value, or None where
      the outputs do not depend on it.
    """
    records = tape.records
    cts: list[Any] = [None] * len(records)
    for i, ct in seeds:
        cts[i] = ct if cts[i] is None else cts[i] + ct
    check = tape.check_nans
    prims = PRIMITIVES
    with ieee():
        for i in range(len(records) - 1, -1, -1):
            g = cts[i]
            if g is None:            # the outputs do not depend on this record
                continue
            rec = records[i]
            op = rec[0]
            if op is None:           # a tape input: nothing to propagate
                continue
            if g.__class__ is float and g == 0.0:
                continue             # a zero cotangent contributes exactly zero
            prim = prims[op]
            partials = prim.vjp_partials
            ans = rec[1]
            for k, pos in _SLOTS[len(rec) >> 1]:
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
                        p = p(*rec[1::2])        # partial(ans, *args)
                        if g.__class__ is not float:
                            c = _times(g, p)
                        elif g == 1.0 and p.__class__ is not np.ndarray:
                            c = p            # saves a record when p is traced
                        else:
                            c = g * p        # nonzero float: a plain product
                else:
                    c = _vjp_rule(prim, k)(g, *rec[1::2])   # rule(g, ans, *args)
                    if c is None:
                        continue
                if ans.__class__ is not float and not _is_float(ans):
                    a = rec[pos + 1]          # only an array result broadcasts
                    if _reshaped(c, a):
                        c = sum_like(c, a)    # undo broadcasting
                prev = cts[j]
                cts[j] = c if prev is None else prev + c
                if check:
                    _check_nan(tape, i, c, f"cotangent of v{j}")
    return cts


def _times(g: Any, p: Any) -> Any:
    """``zmul(g, p)``: ``g * p``, exactly zero where ``g`` is zero.

    Where ``g`` is a traced float whose value is not zero, ``zmul`` equals
    ``mul`` near that point, derivatives of every order included, so the
    cheaper ``mul`` is recorded (its rules are partials, which the tape
    players apply inline).
    """
    if g.__class__ is Traced:
        v = g.value
        if v.__class__ is float and v != 0.0:
            return g * p
    return zmul(g, p)


def _is_float(x: Any) -> bool:
    """A float, or a traced float.

    Then no argument of its record was an array that broadcasting stretched,
    and no cotangent or tangent needs reshaping (a reduction's own rule
    gives its input's shape).
    """
    return x.__class__ is float or (x.__class__ is Traced and x.value.__class__ is float)


def _reshaped(c: Any, a: Any) -> bool:
    """Whether ``c`` has another shape than ``a`` (cheap for two floats)."""
    if c.__class__ is Traced:
        c = c.value
    if a.__class__ is Traced:
        a = a.value
    ca, aa = c.__class__, a.__class__
    if ca is float and aa is float:
        return False
    if ca is np.ndarray and aa is np.ndarray:
        return bool(c.shape != a.shape)
    return _shape(c) != _shape(a)


def _vjp_rule(prim: Any, k: int) -> Any:
    rules = prim.vjps
    if rules is None or k >= len(rules):
        raise NotImplementedError(
            f"reverse mode: primitive '{prim.name}' has no vjp rule for input {k}; "
            f"give one with tg.defvjp({prim.name}, ...).")
    return rules[k] or _none


def _none(*_: Any) -> None:
    return None
