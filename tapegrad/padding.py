"""``np.pad`` on traced values: NumPy's own layout, gathered from the input.

NumPy pads an array of *positions* (each element's flat index), in the mode
asked for; the traced array is then gathered at those positions, so edges,
reflections and wraps send their gradient back to the elements they copy.
In mode ``"constant"`` the new cells are the constants, traced or not: each
takes the number of the side NumPy fills it from (one per side, or one). The
modes that compute new values (``"linear_ramp"``, ``"maximum"``, ``"mean"``,
``"median"``, ``"minimum"``, ``reflect_type="odd"``) follow NumPy's loop
over the axes: each axis's two pads are computed, with NumPy's operations,
from the array padded so far, and joined to it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib import _arraypad_impl

from .along import _along
from .arrays import astype, concatenate
from .indexing import getitem
from .kinks import where
from .numpy_dispatch import functions
from .reshaping import ravel
from .values import Traced, primal_value, shape_of

__all__ = ["pad"]

Number = Any
_GATHERED = ("edge", "reflect", "symmetric", "wrap")
_STATS = {"maximum": np.amax, "minimum": np.amin, "mean": np.mean, "median": np.median}
_KEYWORDS = {"constant": ("constant_values",), "empty": (), "linear_ramp": ("end_values",),
             "reflect": ("reflect_type",), "symmetric": ("reflect_type",), "edge": (),
             "wrap": (), **{m: ("stat_length",) for m in _STATS}}
_as_pairs: Any = vars(_arraypad_impl)["_as_pairs"]        # NumPy's own reading of the widths


def _any_traced(values: Any) -> bool:
    if isinstance(values, list | tuple):
        return any(_any_traced(v) for v in values)
    return type(values) is Traced


def pad(array: Number, pad_width: Any, mode: str = "constant", **kwargs: Any) -> Number:
    """NumPy's ``pad``: ``array`` widened by ``pad_width`` cells on each side of each axis.

    Args:
      array: An array (traced or not).
      pad_width: NumPy's widths: an int, ``(before, after)``, or one pair per axis.
      mode: Any of NumPy's: ``"constant"`` (``constant_values``, 0 by default),
        ``"edge"``, ``"reflect"``, ``"symmetric"``, ``"wrap"`` (gathered from
        the input), ``"linear_ramp"``, ``"maximum"``, ``"mean"``, ``"median"``,
        ``"minimum"`` (computed as NumPy's) or ``"empty"`` (zeros here).
      **kwargs: ``constant_values`` (numbers, traced or not, nested as NumPy's),
        ``end_values``, ``stat_length`` or ``reflect_type``, as NumPy's.

    Returns:
      The padded array.

    Raises:
      ValueError: a mode NumPy does not have, or a keyword it does not take.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.pad(np.array([1.0, 2.0]), 1, mode="edge")
      array([1., 1., 2., 2.])
      >>> tg.grad(lambda x: tg.sum(tg.pad(x, 1, mode="edge")))(np.array([1.0, 2.0]))
      array([2., 2.])
    """
    shape = shape_of(array)
    if mode not in _KEYWORDS:
        raise ValueError(f"mode '{mode}' is not supported")
    if set(kwargs) - set(_KEYWORDS[mode]):
        raise ValueError(f"unsupported keyword arguments for mode '{mode}': "
                         f"{set(kwargs) - set(_KEYWORDS[mode])}")
    positions = np.arange(int(np.prod(shape)), dtype=np.intp).reshape(shape)
    odd = kwargs.get("reflect_type", "even") == "odd"
    if mode in _GATHERED and not odd:
        layout = np.pad(positions, pad_width, mode=mode)     # type: ignore[call-overload]
        return getitem(ravel(array), layout)
    if mode != "constant" and mode != "empty" and positions.size:
        if isinstance(pad_width, dict):          # NumPy's {axis: widths}
            pad_width = [(lambda w: w if isinstance(w, tuple) else (w, w))(pad_width.get(k, 0))
                         for k in range(len(shape))]
        widths = _as_pairs(np.asarray(pad_width), len(shape), as_index=True)
        return _by_axes(array, widths, mode, kwargs)
    if mode != "constant":      # "empty" (NumPy leaves the pads undefined), or no elements
        np.pad(positions, pad_width, mode=mode, **kwargs)  # type: ignore[call-overload]  # NumPy errors
        kwargs = {}
    values = kwargs.get("constant_values", 0)
    dtype = np.asarray(primal_value(array)).dtype
    if type(values) is Traced:        # one traced number: the new cells carry its derivative
        fill = values if np.asarray(primal_value(values)).dtype == dtype else astype(values, dtype)
    elif _any_traced(values):         # one per side: each new cell takes its side's number
        fill = _sides(values, shape, pad_width, dtype)
    else:
        fill = np.pad(np.zeros(shape, dtype=dtype), pad_width, constant_values=values)
    layout = np.pad(positions, pad_width, constant_values=-1)
    inside = layout >= 0
    if not positions.size:
        return where(inside, np.zeros(layout.shape, dtype), fill)
    return where(inside, getitem(ravel(array), np.where(inside, layout, 0)), fill)


def _sides(values: Any, shape: tuple[int, ...], pad_width: Any, dtype: Any) -> Any:
    """The constant cells of ``np.pad`` with traced ``constant_values`` given per side.

    NumPy pads the numbered sides (its own reading of ``values``' nesting, corners
    from the later axis) and each cell takes the number of the side it shows.
    """
    leaves: list[Any] = []

    def number(v: Any) -> Any:
        if isinstance(v, list | tuple):
            return [number(u) for u in v]
        leaves.append(v)
        return float(len(leaves))
    codes = np.pad(np.zeros(shape), pad_width, constant_values=number(values))
    fill: Any = np.zeros(codes.shape, dtype)
    for k, v in enumerate(leaves, 1):
        if type(v) is Traced:
            v = v if np.asarray(primal_value(v)).dtype == dtype else astype(v, dtype)
        else:
            v = np.asarray(v, dtype)
        fill = where(codes == k, v, fill)
    return fill


def _by_axes(x: Any, widths: Any, mode: str, kwargs: dict[str, Any]) -> Any:
    """NumPy's loop over the axes: each pad from the array padded so far, joined to it."""
    nd, dtype = len(shape_of(x)), np.asarray(primal_value(x)).dtype
    ends = _as_pairs(kwargs.get("end_values", 0), nd)
    lengths = _as_pairs(kwargs.get("stat_length"), nd, as_index=True)
    for ax, (lw, rw) in enumerate(np.asarray(widths).tolist()):
        if mode in ("reflect", "symmetric") and shape_of(x)[ax] > 1:
            x = _reflect_odd(x, ax, lw, rw, mode == "symmetric")
            continue
        if mode in _STATS:
            left, right = _stats(x, ax, lengths[ax], _STATS[mode], dtype)
        elif mode == "linear_ramp":
            left, right = (_ramp(end, np.squeeze(_along(x, ax, edge), ax), w, dtype, ax)
                           for end, edge, w in zip(ends[ax], (slice(0, 1), slice(-1, None)),
                                                   (lw, rw)))
            right = _along(right, ax, slice(None, None, -1))
        else:           # reflect along an axis of one element: NumPy's edge, as NumPy's
            left, right = _along(x, ax, slice(0, 1)), _along(x, ax, slice(-1, None))
        x = _join(ax, _wide(left, ax, lw), x, _wide(right, ax, rw))
    return x


def _ramp(end: Any, edge: Any, width: int, dtype: Any, ax: int) -> Any:
    """NumPy's ``linspace(end, edge, width, endpoint=False, dtype=dtype, axis=ax)``."""
    if dtype.kind == "f":
        return np.linspace(end, edge, width, endpoint=False, dtype=dtype, axis=ax)
    ramp = np.linspace(end, astype(edge, np.float64), width, endpoint=False, axis=ax)
    if dtype.kind in "iu":      # NumPy's integer linspace floors; a bool one casts (v != 0)
        ramp = np.floor(ramp)
    return astype(ramp, dtype)


def _wide(side: Any, ax: int, width: int) -> Any:
    shape = list(shape_of(side))
    if shape[ax] == width:
        return side
    shape[ax] = width
    return np.broadcast_to(side, tuple(shape))


def _join(ax: int, *parts: Any) -> Any:
    return concatenate([p for p in parts if shape_of(p)[ax]], axis=ax)


def _stats(x: Any, ax: int, lengths: Any, func: Any, dtype: Any) -> tuple[Any, Any]:
    """NumPy's ``_get_stats``: the statistic of the first and last ``stat_length`` cells."""
    n = shape_of(x)[ax]
    left_n, right_n = (n if k is None or n < k else k for k in lengths)
    if (left_n == 0 or right_n == 0) and func in (np.amax, np.amin):
        raise ValueError("stat_length of 0 yields no value for padding")
    sides = [func(_along(x, ax, part), axis=ax, keepdims=True)
             for part in (slice(0, left_n), slice(n - right_n, n))]
    if dtype.kind in "iu":      # NumPy's _round_if_needed (integers, not bools) ...
        sides = [np.round(s) for s in sides]
    sides = [_into(s, dtype) for s in sides]       # ... then its cast on assignment
    return sides[0], sides[1]


def _into(v: Any, dtype: Any) -> Any:
    """``v`` as NumPy's assignment into the padded array casts it (a bool is ``v != 0``)."""
    return v if np.asarray(primal_value(v)).dtype == dtype else astype(v, dtype)


def _reflect_odd(x: Any, ax: int, lw: int, rw: int, symmetric: bool) -> Any:
    """NumPy's ``_set_reflect_both`` with ``reflect_type="odd"``: chunk by chunk."""
    period, off = shape_of(x)[ax], int(symmetric)
    dtype = np.asarray(primal_value(x)).dtype
    while lw > 0 or rw > 0:
        old = shape_of(x)[ax]
        old = old // period * period if symmetric else (old - 1) // (period - 1) * (period - 1)
        left = right = None
        if lw > 0:
            k = min(old, lw)
            chunk = _along(x, ax, slice(k - off, None if off else 0, -1))
            left = _into(2 * _along(x, ax, slice(0, 1)) - chunk, dtype)
            lw -= k
        if rw > 0:
            k = min(old, rw)
            chunk = _along(x, ax, slice(off - 2, off - 2 - k, -1))
            right = _into(2 * _along(x, ax, slice(-1, None)) - chunk, dtype)
            rw -= k
        x = _join(ax, *(p for p in (left, x, right) if p is not None))
    return x


functions[np.pad] = (pad, ("pad_width", "mode", "constant_values", "reflect_type", "end_values",
                           "stat_length"))
