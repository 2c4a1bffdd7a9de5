"""NumPy's ``nanargmax`` and ``nanargmin``: the index of the extreme that is not NaN.

As NumPy computes them: the NaNs replaced by the extreme's opposite, then
``argmax``/``argmin``; a slice of NaNs only is NumPy's ``ValueError``,
decided by a recorded guard so ``jit`` and ``vmap`` check it at each call.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import reductions as _red
from .along import _stacked
from .kinks import where
from .nans import _count, _fill
from .numpy_dispatch import functions
from .orderings import argmax, argmin
from .values import _integer_data, primal_value

__all__ = ["nanargmax", "nanargmin"]

Number = Any


def _nan_arg(what: str, arg: Any, fill: float, a: Any, axis: int | None,
             keepdims: bool) -> Any:
    """``arg`` of ``a`` with its NaNs at ``fill``; NumPy's ``ValueError`` for a NaN slice."""
    a = _stacked(a)
    if _integer_data(primal_value(a)):
        return arg(a, axis, keepdims)
    if _red.sum(where(_count(a, axis, False) == 0, 1.0, 0.0)) > 0:
        raise ValueError(f"np.{what}: All-NaN slice encountered (NumPy's error): no "
                         "element to point to; np.argmax of tg.nan_to_num(x) picks one.")
    return arg(_fill(a, fill), axis, keepdims)


def nanargmax(a: Number, axis: int | None = None, keepdims: bool = False) -> Any:
    """NumPy's ``nanargmax``: the index of the largest element that is not NaN.

    Args:
      a: An array (traced or not).
      axis: None (the flattened array) or an int.
      keepdims: Keep the reduced axis with size 1.

    Returns:
      Integer data (no derivative).

    Raises:
      ValueError: where a slice is all NaN, as NumPy.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> int(tg.nanargmax(np.array([1.0, np.nan, 3.0, 2.0])))
      2
    """
    return _nan_arg("nanargmax", argmax, -math.inf, a, axis, keepdims)


def nanargmin(a: Number, axis: int | None = None, keepdims: bool = False) -> Any:
    """NumPy's ``nanargmin``: the index of the smallest element that is not NaN.

    Args:
      a: An array (traced or not).
      axis: None (the flattened array) or an int.
      keepdims: Keep the reduced axis with size 1.

    Returns:
      Integer data (no derivative).

    Raises:
      ValueError: where a slice is all NaN, as NumPy.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> int(tg.nanargmin(np.array([1.0, np.nan, -3.0, 2.0])))
      2
    """
    return _nan_arg("nanargmin", argmin, math.inf, a, axis, keepdims)


functions.update({np.nanargmax: (nanargmax, ("axis", "keepdims")),
                  np.nanargmin: (nanargmin, ("axis", "keepdims"))})
