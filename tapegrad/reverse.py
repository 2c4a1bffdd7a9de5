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
from .tape import PRIMITIVES, Tape, _check_nan, _shape, ieee


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
            args = None              # the argument values, sliced out when needed
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
                        args = args or rec[3::2]
                        if g.__class__ is float:  # nonzero float: a plain product
                            c = g * p(ans, *args)
                        else:
                            c = zmul(g, p(ans, *args))
                else:
                    args = args or rec[3::2]
                    c = _vjp_rule(prim, k)(g, ans, *args)
                    if c is None:
                        continue
                a = rec[pos + 1]
                if _reshaped(c, a):
                    c = sum_like(c, a)        # undo broadcasting
                prev = cts[j]
                cts[j] = c if prev is None else prev + c
                if check:
                    _check_nan(tape, i, c, f"cotangent of v{j}")
    return cts


def _reshaped(c: Any, a: Any) -> bool:
    """Whether ``c`` has another shape than ``a`` (cheap for two floats)."""
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
