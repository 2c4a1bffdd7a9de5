"""Choosing elements on traced values: ``argpartition``, ``lexsort``, ``compress``, ``choose``...

``argpartition`` and ``lexsort`` give integer data (NumPy's own, no
derivative), usable as indices in every transform. ``compress`` and
``extract`` with a constant condition, ``choose`` and ``resize`` are
gathers and selections of tapegrad's, so the derivative goes back to the
elements chosen. A traced condition would make the result's length depend
on the value: refused, naming ``np.where``, which keeps the shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .along import _data, _flat_or_axis
from .arrays import astype, concatenate, stack
from .indexing import getitem, take
from .kinks import where
from .numpy_dispatch import functions
from .primitive import Primitive, defjvp, defvjp, primitive
from .shapes import broadcast_to, reshape
from .values import Traced, primal_value, shape_of

__all__ = ["argpartition", "choose", "compress", "extract", "lexsort", "resize"]

Number = Any


def _argpartition(x: Any, kth: Any, axis: int) -> Any:
    return np.argpartition(_data(x), kth, axis=axis)


def _lexsort(keys: Any, axis: int) -> Any:
    return np.lexsort(_data(keys), axis=axis)


argpartition_p: Primitive = primitive(_argpartition, "argpartition", check_rules=False)
lexsort_p: Primitive = primitive(_lexsort, "lexsort", check_rules=False)
for _p, _n in ((argpartition_p, 3), (lexsort_p, 2)):
    defvjp(_p, *[None] * _n)         # integer data: no derivative
    defjvp(_p, *[None] * _n)


def argpartition(a: Number, kth: Any, axis: int | None = -1, kind: str = "introselect",
                 order: Any = None) -> Number:
    """NumPy's ``argpartition``: indices that put the ``kth`` element in its sorted place.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> x = np.array([3.0, 1.0, 2.0])
      >>> int(tg.jit(lambda v: tg.argpartition(v, 0)[0])(x))
      1
    """
    del kind, order                 # NumPy's only kind; order is for structured arrays
    x, ax = _flat_or_axis("argpartition", a, axis)
    return argpartition_p(x, kth, ax)


def lexsort(keys: Any, axis: int = -1) -> Number:
    """NumPy's ``lexsort``: the indices that sort by the last key, then the one before..."""
    if isinstance(keys, list | tuple):
        if not keys:
            raise TypeError("need sequence of keys with len > 0 in lexsort")
        dtype = np.result_type(*(np.asarray(primal_value(k)).dtype for k in keys))
        keys = stack([k if np.asarray(primal_value(k)).dtype == dtype else astype(k, dtype)
                      for k in keys])   # one array; promoting keeps each key's order
    return lexsort_p(keys, axis)


def _constant_condition(name: str, condition: Any) -> np.ndarray:
    if type(condition) is Traced:
        raise TypeError(f"np.{name} with a traced condition: the result's length would "
                        "depend on the value. Keep the shape with np.where(condition, a, "
                        "0.0) (and np.sum(condition) for the count), or give a constant "
                        "condition.")
    return np.asarray(condition, bool)


def compress(condition: Any, a: Number, axis: int | None = None) -> Number:
    """NumPy's ``compress``: the slices along ``axis`` where a constant ``condition`` holds."""
    cond = _constant_condition("compress", condition)
    if cond.ndim != 1:
        raise ValueError("condition must be a 1-d array")
    x, ax = _flat_or_axis("compress", a, axis)
    if len(cond) > shape_of(x)[ax] and cond[shape_of(x)[ax]:].any():
        raise IndexError(f"index {len(cond) - 1} is out of bounds for axis {ax} with size "
                         f"{shape_of(x)[ax]}")
    return take(x, np.flatnonzero(cond), axis=ax)


def extract(condition: Any, arr: Number) -> Number:
    """NumPy's ``extract``: the elements of ``arr`` where a constant ``condition`` holds."""
    cond = _constant_condition("extract", condition).ravel()
    return take(reshape(arr, -1), np.flatnonzero(cond), axis=0)


def choose(a: Any, choices: Any, mode: str = "raise") -> Number:
    """NumPy's ``choose``: ``choices[a[i]][i]`` at each place, a selection of the choices."""
    n = len(choices)
    idx: Any = a if isinstance(a, Traced) else np.asarray(a)    # a list compares as one
    data = np.asarray(primal_value(a))
    if data.dtype.kind not in "iub":
        raise TypeError("choose: a must hold integers.")
    if mode == "raise" and ((data < 0) | (data >= n)).any():
        raise ValueError("invalid entry in choice array")
    if mode == "wrap":
        idx = idx % n
    elif mode == "clip":
        idx = np.clip(idx, 0, n - 1)
    shape = np.broadcast_shapes(shape_of(a), *(shape_of(c) for c in choices))
    dtype = np.result_type(*(primal_value(c) for c in choices))
    out: Any = broadcast_to(choices[0] if np.asarray(primal_value(choices[0])).dtype == dtype
                            else astype(choices[0], dtype), shape)
    for k in range(1, n):
        out = where(idx == k, choices[k], out)
    return out


def resize(a: Number, new_shape: Any) -> Number:
    """NumPy's ``resize``: ``a``'s elements repeated in order to fill ``new_shape``."""
    shape = (new_shape,) if isinstance(new_shape, int | np.integer) else tuple(new_shape)
    size = int(np.prod(shape))
    flat = reshape(a, -1)
    n = shape_of(flat)[0]
    if n == 0 or size == 0:
        return np.zeros(shape, np.asarray(primal_value(a)).dtype)
    flat = concatenate([flat] * -(-size // n), 0)
    return reshape(getitem(flat, slice(0, size)), shape)


functions.update({
    np.argpartition: (argpartition, ("axis", "kind", "order")),
    np.lexsort: (lexsort, ("axis",)),
    np.compress: (compress, ("axis",)), np.extract: (extract, ()),
    np.choose: (choose, ("mode",)), np.resize: (resize, ()),
})
Traced.compress = lambda self, condition, axis=None: compress(condition, self, axis)  # type: ignore
Traced.choose = lambda self, choices, mode="raise": choose(self, choices, mode)  # type: ignore
