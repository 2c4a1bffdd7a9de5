"""NumPy's ``select``: entries chosen by the first condition that holds.

``np.select(condlist, choicelist, default)`` is a chain of ``where``s, the
last condition innermost, so the first that holds wins as in NumPy; each
choice gets the cotangent where it was chosen, the others exactly zero.
NumPy's name dispatches here on traced values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .kinks import where
from .numpy_dispatch import functions
from .values import primal_value

__all__ = ["select"]

Number = Any


def select(condlist: Sequence[Any], choicelist: Sequence[Number], default: Number = 0) -> Number:
    """NumPy's ``select``: ``choicelist[k]`` where ``condlist[k]`` first holds, else ``default``.

    Args:
      condlist: Boolean arrays (traced or not), broadcast together.
      choicelist: As many numbers or arrays (traced or not), one per condition.
      default: The value where no condition holds.

    Returns:
      An array of the broadcast shape.

    Raises:
      ValueError: if the lists differ in length or are empty.
      TypeError: if a condition is not boolean.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> x = np.array([-2.0, 0.5, 3.0])
      >>> tg.grad(lambda x: tg.sum(tg.select([x < 0, x > 1], [-x, x ** 2], 0.0)))(x)
      array([-1.,  0.,  6.])
    """
    if len(condlist) != len(choicelist):
        raise ValueError("select: list of cases must be same length as list of conditions.")
    if not condlist:
        raise ValueError("select with an empty condition list is not possible.")
    for k, cond in enumerate(condlist):
        if np.asarray(primal_value(cond)).dtype != np.bool_:
            raise TypeError(f"select: condlist[{k}] should be a boolean array, not of dtype "
                            f"{np.asarray(primal_value(cond)).dtype}.")
    out = default          # each where broadcasts its three: the shape is NumPy's
    for cond, choice in zip(reversed(condlist), reversed(choicelist)):
        out = where(cond, choice, out)
    return out


functions[np.select] = (select, ("default",))
