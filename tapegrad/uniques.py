"""NumPy's ``unique`` of a traced array, and ``tg.unique(x, size=n)`` as ``jnp.unique`` has it.

The values are ``sort(x)`` where each run of equal values starts, so the
derivative of each kept value flows to the first of its equals in ``x``
(the sort is stable). How many there are depends on the values: where the
tape is never replayed (``grad``, ``vjp``, ``jvp``) ``np.unique(x)`` keeps
as many as there are; under ``jit``, ``vmap`` and ``make_tape``, which
replay the tape on other values, the length must be given, as JAX asks:
``tg.unique(x, size=n, fill_value=v)`` keeps the first ``n`` (sorted) and
fills the rest with ``fill_value`` (the smallest value by default). The
places kept are a recorded primitive, read again at each replay.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import concatenate
from .batching.rules import batch_rules, per_example
from .elementary import isnan
from .indexing import take
from .kinks import where
from .logic import logical_and, logical_not, ne
from .numpy_dispatch import _staged as _replayed
from .numpy_dispatch import functions
from .orderings import sort
from .primitive import Primitive, defjvp, defvjp, primitive
from .reductions import sum as tg_sum
from .shapes import reshape as reshape_to
from .values import Traced, primal_value, shape_of

__all__ = ["unique"]

Number = Any


def _kept(first: Any, size: int) -> np.ndarray:
    """The places of the first ``size`` True entries, 0 where there are fewer."""
    places = np.flatnonzero(np.asarray(first))[:size]
    return np.concatenate([places, np.zeros(size - len(places), places.dtype)])


kept_p: Primitive = primitive(_kept, "unique_places", check_rules=False)
defvjp(kept_p, None, None)          # integer data: no derivative
defjvp(kept_p, None, None)
batch_rules[kept_p] = per_example   # each example its own places, all of one length


def _starts(s: Any, equal_nan: bool) -> Any:
    """Where each run of equal values of the sorted ``s`` starts (nans one run if ``equal_nan``)."""
    new = ne(s[1:], s[:-1])
    if equal_nan:
        new = logical_and(new, logical_not(logical_and(isnan(s[1:]), isnan(s[:-1]))))
    return concatenate([np.ones(1, bool), new])


def _refuse(what: str) -> TypeError:
    return TypeError(
        f"np.unique{what} of a traced value under jit, vmap or make_tape: the result's length "
        "depends on the values, which a replayed tape cannot know. Call tg.unique(x, size=n) "
        "(the first n unique values, sorted, filled with fill_value: JAX's jnp.unique(x, "
        "size=n)), or np.unique outside the transform.")


def unique(x: Number, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis: int | None = None, *, equal_nan: bool = True,
           sorted: bool = True, size: int | None = None,  # noqa: A002 (NumPy's name)
           fill_value: Number = None) -> Any:
    """NumPy's ``unique`` (the sorted distinct values), with JAX's ``size`` and ``fill_value``.

    Args:
      x: An array (traced or not), flattened.
      return_index: NumPy's first places of the values (integer data, computed
        where the tape is never replayed, without ``size``).
      return_inverse: NumPy's places of ``x`` in the values (likewise).
      return_counts: NumPy's counts of each value (likewise).
      axis: None only.
      equal_nan: All nans count as one value (NumPy's default).
      sorted: NumPy's; the values are sorted either way.
      size: The length of the result (needed under ``jit``, ``vmap``,
        ``make_tape``): the first ``size`` unique values.
      fill_value: The value after the unique ones (default: the smallest).

    Returns:
      The values, or NumPy's tuple with the integer results.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.grad(lambda x: np.sum(np.unique(x) ** 2))(np.array([3.0, 1.0, 3.0]))
      array([6., 2., 0.])
      >>> tg.jit(lambda x: tg.unique(x, size=3, fill_value=0.0))(np.array([3.0, 1.0, 3.0]))
      array([1., 3., 0.])
    """
    del sorted
    if axis is not None:
        raise TypeError("np.unique(x, axis=...) of a traced value is not supported: unique "
                        "rows depend on the values; call it on a constant, or flatten.")
    extras = return_index or return_inverse or return_counts
    if extras and (size is not None or _replayed(x)):
        raise _refuse("(x, return_index/inverse/counts=True)")
    if size is None and _replayed(x):
        raise _refuse("(x)")
    flat = reshape_to(x, (-1,)) if type(x) is Traced else np.ravel(np.asarray(x))
    s = sort(flat)
    if not shape_of(s)[0]:          # nothing to keep: fill_value only
        if size and fill_value is None:
            raise ValueError("tg.unique: an empty x with size > 0 needs a fill_value.")
        out = where(np.zeros(size or 0, bool), s[:0].sum(), fill_value) if size else s[:0]
        return (out, *_integers(x, return_index, return_inverse, return_counts,
                                True)) if extras else out
    first = _starts(s, equal_nan)
    n = size if size is not None else int(np.sum(primal_value(first)))
    out = take(s, kept_p(first, n)) if n else s[:0]
    if fill_value is not None and size is not None:
        out = where(np.arange(size) < tg_sum(first), out, fill_value)
    if not extras:
        return out
    return (out, *_integers(x, return_index, return_inverse, return_counts, equal_nan))


def _integers(x: Any, index: bool, inverse: bool, counts: bool, equal_nan: bool) -> Any:
    """NumPy's integer results of ``unique`` of ``x``'s value (a tape never replayed)."""
    return np.unique(np.asarray(primal_value(x)), return_index=index,  # type: ignore
                     return_inverse=inverse, return_counts=counts, equal_nan=equal_nan)[1:]


def _np_unique(ar: Any, return_index: bool = False, return_inverse: bool = False,
               return_counts: bool = False, axis: int | None = None, *,
               equal_nan: bool = True, sorted: bool = True) -> Any:  # noqa: A002
    return unique(ar, return_index, return_inverse, return_counts, axis, equal_nan=equal_nan)


functions[np.unique] = (_np_unique, ("return_index", "return_inverse", "return_counts", "axis",
                                     "equal_nan", "sorted"))
functions[np.unique_values] = (lambda x: unique(x), ())
