"""``np.pad`` on traced values: NumPy's own layout, gathered from the input.

NumPy pads an array of *positions* (each element's flat index), in the mode
asked for; the traced array is then gathered at those positions, so edges,
reflections and wraps send their gradient back to the elements they copy.
In mode ``"constant"`` the new cells are constants (no derivative).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import astype
from .indexing import getitem
from .kinks import where
from .numpy_dispatch import functions
from .reshaping import ravel
from .values import Traced, primal_value, shape_of

__all__ = ["pad"]

Number = Any
_GATHERED = ("edge", "reflect", "symmetric", "wrap")


def _any_traced(values: Any) -> bool:
    if isinstance(values, list | tuple):
        return any(_any_traced(v) for v in values)
    return type(values) is Traced


def pad(array: Number, pad_width: Any, mode: str = "constant", **kwargs: Any) -> Number:
    """NumPy's ``pad``: ``array`` widened by ``pad_width`` cells on each side of each axis.

    Args:
      array: An array (traced or not).
      pad_width: NumPy's widths: an int, ``(before, after)``, or one pair per axis.
      mode: ``"constant"`` (``constant_values``, 0 by default), ``"edge"``,
        ``"reflect"``, ``"symmetric"`` or ``"wrap"`` (with ``reflect_type``
        ``"even"`` for the reflections).
      **kwargs: ``constant_values`` (constant numbers, or one traced number) or
        ``reflect_type``.

    Returns:
      The padded array.

    Raises:
      ValueError: another mode (``"linear_ramp"``, ``"maximum"``...), or
        ``constant_values`` of several numbers of which one is traced.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.pad(np.array([1.0, 2.0]), 1, mode="edge")
      array([1., 1., 2., 2.])
      >>> tg.grad(lambda x: tg.sum(tg.pad(x, 1, mode="edge")))(np.array([1.0, 2.0]))
      array([2., 2.])
    """
    shape = shape_of(array)
    positions = np.arange(int(np.prod(shape)), dtype=np.intp).reshape(shape)
    if mode in _GATHERED:
        if kwargs.get("reflect_type", "even") != "even":
            raise ValueError("pad: tapegrad takes reflect_type='even' only.")
        layout = np.pad(positions, pad_width, mode=mode)     # type: ignore[call-overload]
        return getitem(ravel(array), layout)
    if mode != "constant":
        raise ValueError(f"pad: tapegrad has modes 'constant', {', '.join(map(repr, _GATHERED))}"
                         f", not {mode!r}: pad with one of them and combine with tapegrad's "
                         "functions (tg.maximum, tg.mean...).")
    if set(kwargs) - {"constant_values"}:
        raise TypeError(f"pad: mode 'constant' takes only constant_values, not {sorted(kwargs)}.")
    values = kwargs.get("constant_values", 0)
    dtype = np.asarray(primal_value(array)).dtype
    if type(values) is Traced:        # one traced number: the new cells carry its derivative
        fill = values if np.asarray(primal_value(values)).dtype == dtype else astype(values, dtype)
    elif _any_traced(values):
        raise ValueError("pad: a traced constant_values must be one number; for one per "
                         "side, pad with zeros and add c * tg.pad(np.zeros(x.shape), widths, "
                         "constant_values=...) with 1.0 on that side.")
    else:
        fill = np.pad(np.zeros(shape, dtype=dtype), pad_width, constant_values=values)
    layout = np.pad(positions, pad_width, constant_values=-1)
    inside = layout >= 0
    if not positions.size:
        return where(inside, np.zeros(layout.shape, dtype), fill)
    return where(inside, getitem(ravel(array), np.where(inside, layout, 0)), fill)


functions[np.pad] = (pad, ("pad_width", "mode", "constant_values", "reflect_type"))
