"""What makes two arguments of a program's equations the same one (``arg_key``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .program import Arg, Const, value_key

__all__ = ["SMALL", "arg_key"]

SMALL = 256          # a constant array of at most this many elements is known by its bits


def arg_key(a: Arg) -> Any:
    """What makes two arguments the same one: a value id, or a constant's type and bits.

    A small constant array too: a rule makes its constants anew each time it
    runs (``tg.grad``'s ``1 / n`` of a mean, in every iteration of a loop).
    """
    if isinstance(a, int):
        return ("v", a)
    v = a.value
    if v.__class__ is tuple:      # an axis argument, ``(0,)``: equal tuples read alike
        return ("tuple", tuple(arg_key(Const(x)) for x in v))
    if v.__class__ is np.ndarray and v.size <= SMALL:
        return ("array", v.dtype.str, v.shape, v.tobytes())
    return value_key(v)
