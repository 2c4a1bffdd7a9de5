"""What every tape player shares: argument slots, shape checks, rule lookup.

The reverse loop (``reverse.py``), the forward loop (``forward.py``) and any
later player read records the same way; that is written once here. Both
loops form the same zero-safe product of a cotangent or tangent ``g`` and a
partial ``p``, inline for speed: ``zmul(g, p)`` (exactly zero where ``g`` is,
the mask read when the tape runs) for a traced or array ``g``; a plain float
``g`` is a constant known while recording, skipped when it is zero.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .backends import number_array
from .primitive import Primitive
from .values import Traced, primal_value, shape_of


class _Slots(dict):  # type: ignore[type-arg]
    """``SLOTS[len(rec) // 2]``: ``(k, position of input k's id in rec)``.

    A flat record of n arguments has length 2 + 2n (tape.py's layout);
    precomputed positions keep the players' loops free of index arithmetic
    (benchmarks/eager.py).
    """

    def __missing__(self, half: int) -> tuple[tuple[int, int], ...]:
        self[half] = slots = tuple((k, 2 + 2 * k) for k in range(half - 1))
        return slots


SLOTS = _Slots()


def is_float(x: Any) -> bool:
    """A float, or a traced float.

    Then no argument of its record was an array that broadcasting stretched,
    and no cotangent or tangent needs reshaping (a reduction's own rule
    gives its input's shape).
    """
    return x.__class__ is float or (x.__class__ is Traced and x._value.__class__ is float)


def shape_differs(c: Any, a: Any) -> bool:
    """Whether ``c`` has another shape than ``a`` (cheap for two floats)."""
    if c.__class__ is Traced:
        c = c._value
    if a.__class__ is Traced:
        a = a._value
    ca, aa = c.__class__, a.__class__
    if ca is float and aa is float:
        return False
    if ca is np.ndarray and aa is np.ndarray:
        return bool(c.shape != a.shape)
    return shape_of(c) != shape_of(a)


def check_rule(c: Any, like: Any, prim: Primitive, k: int, mode: str,
               out: Any = None) -> None:
    """A rule's result must be a real number that fits: what JAX checks too.

    A vjp rule gives input ``k``'s cotangent: ``like`` is that input, and the
    input must broadcast to the result (the player sums it down); a result
    larger than the input must also fit in the output ``out``, which is what
    the input was broadcast to (else the sum would invent axes). A jvp rule
    gives a contribution to the output's tangent: ``like`` is the output, and
    the result must broadcast to it.
    """
    v = primal_value(c)
    if v.__class__ is float or (isinstance(v, int | np.integer | np.floating)
                                and not isinstance(v, bool | np.bool_)):
        shape: tuple[int, ...] = ()
    elif isinstance(v, np.ndarray) and v.dtype.kind in "fiu" or number_array(v, False):
        shape = tuple(v.shape)        # NumPy's, or another library's (backends.py)
    else:
        kind = f"an array of dtype {v.dtype}" if isinstance(v, np.ndarray) else \
            f"a {type(v).__name__}"
        raise TypeError(
            f"{mode} rule of primitive '{prim.name}' for input {k} returned {kind}; it "
            f"must return a real number or float array shaped like "
            f"{'that input' if mode == 'vjp' else 'the output'} ({shape_of(like)}).")
    want = shape_of(like)
    if shape == want:
        return
    try:
        fits = np.broadcast_shapes(want, shape) == (shape if mode == "vjp" else want)
        if fits and mode == "vjp":
            fits = np.broadcast_shapes(shape, shape_of(out)) == shape_of(out)
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"{mode} rule of primitive '{prim.name}' for input {k} returned shape {shape}, "
            f"but {'that input' if mode == 'vjp' else 'the output'} has shape {want}; "
            "return one of that shape.")


def vjp_rule(prim: Primitive, k: int) -> Any:
    """``prim``'s reverse rule for input ``k`` (a no-op for None), or an error."""
    rules = prim.vjps
    if rules is None or k >= len(rules):
        raise NotImplementedError(
            f"reverse mode: primitive '{prim.name}' has no vjp rule for input {k}; "
            f"give one with tg.defvjp({prim.name}, ...).")
    return rules[k] or _none


def jvp_rule(prim: Primitive, k: int) -> Any:
    """``prim``'s forward rule for input ``k`` (a no-op for None), or an error."""
    rules = prim.jvps
    if rules is None or k >= len(rules):
        has = "has a vjp rule but " if prim.vjps is not None else ""
        raise NotImplementedError(
            f"forward mode: primitive '{prim.name}' {has}has no jvp rule for "
            f"input {k}; give one with tg.defjvp({prim.name}, ...), or use "
            "reverse mode (tg.grad, tg.vjp, tg.jacrev).")
    return rules[k] or _none


def _none(*_: Any) -> None:
    return None
