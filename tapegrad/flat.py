"""The leaves of a pytree as one flat vector, and back: the work of ``tg.tree.ravel``.

Written with NumPy calls only (``np.reshape``, ``np.concatenate``, slicing,
``.astype``): on traced values NumPy hands them to tapegrad's primitives, so
raveling works inside grad, jit and vmap without this module importing them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from .treedef import TreeDef, keystr

_PYTHON_NUMBERS = (bool, int, float)


class _Spec(NamedTuple):
    """What unravel needs to rebuild one leaf: its shape, dtype and kind."""
    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    kind: type | None   # float, int or bool for a Python number, np.generic for a
                        # NumPy scalar, None for an array or a traced value


def ravel_leaves(xs: list[Any], treedef: TreeDef) -> tuple[Any, Callable[[Any], list[Any]]]:
    """The leaves ``xs`` of a tree of structure ``treedef`` as one 1-D vector.

    Args:
      xs: The leaves, in flattening order.
      treedef: Their tree's structure (for the messages).

    Returns:
      ``(vector, unravel_leaves)``: ``unravel_leaves(v)`` gives the leaves
      back from a vector of the same length, each with its shape, dtype and
      kind.

    Raises:
      TypeError: if a leaf is not a real number or array.
    """
    specs = [_spec(x, treedef, k) for k, x in enumerate(xs)]
    dtype = _vector_dtype(xs, specs)
    if not xs:
        vector: Any = np.zeros(0, dtype)
    else:
        vector = np.concatenate([_piece(x, sp, dtype) for x, sp in zip(xs, specs)])
    sizes = [int(np.prod(sp.shape)) for sp in specs]
    ends = [int(e) for e in np.cumsum([0, *sizes])]

    def unravel_leaves(v: Any) -> list[Any]:
        if isinstance(v, list | tuple):
            v = np.asarray(v, dtype)
        if np.shape(v) != (ends[-1],):
            raise ValueError(
                f"tree.ravel: unravel expected a 1-D vector of length {ends[-1]} "
                f"(the number of elements in the tree {treedef}), got shape "
                f"{np.shape(v)}; pass a vector like the one ravel returned.")
        return [_rebuild(v[a:b], sp) for a, b, sp in zip(ends, ends[1:], specs)]
    return vector, unravel_leaves


def _spec(x: Any, treedef: TreeDef, k: int) -> _Spec:
    """Leaf ``k``'s shape, dtype and kind; a ``TypeError`` if it is not real."""
    kind = type(x) if type(x) in _PYTHON_NUMBERS else (
        np.generic if isinstance(x, np.generic) else None)
    dtype = np.result_type(x) if kind in _PYTHON_NUMBERS else getattr(x, "dtype", None)
    if dtype is None or np.dtype(dtype).kind not in "biuf":
        where = keystr(treedef.key_paths()[k]) or " (the root)"
        raise TypeError(
            f"tree.ravel: the leaf at{' ' if where[0] != ' ' else ''}{where} is a "
            f"{type(x).__name__}, not a real number or array; ravel takes numbers "
            "and arrays only. Keep other data out of the tree you ravel.")
    return _Spec(tuple(np.shape(x)), np.dtype(dtype), kind)


def _vector_dtype(xs: list[Any], specs: list[_Spec]) -> np.dtype[Any]:
    """The leaves' result type, Python numbers weak as in NumPy; at least a float."""
    types = [x if sp.kind in _PYTHON_NUMBERS else sp.dtype for x, sp in zip(xs, specs)]
    dtype = np.result_type(*types) if types else np.dtype(np.float64)
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def _piece(x: Any, spec: _Spec, dtype: np.dtype[Any]) -> Any:
    """Leaf ``x`` as a 1-D array of ``dtype`` (a traced leaf stays traced)."""
    if spec.kind is not None or isinstance(x, np.ndarray | np.generic):
        return np.asarray(x, dtype).reshape(-1)
    flat = np.reshape(x, -1)
    return flat if spec.dtype == dtype else flat.astype(dtype)


def _rebuild(piece: Any, spec: _Spec) -> Any:
    """One leaf from its slice of the vector: shape, dtype and kind restored."""
    if isinstance(piece, np.ndarray):
        x = np.array(piece.reshape(spec.shape), spec.dtype)   # a copy, not a view of v
        if spec.kind is np.generic:
            return x[()]
        return x if spec.kind is None else spec.kind(x)
    x = np.reshape(piece, spec.shape) if spec.shape or spec.kind is None else \
        as_number[0](piece)                     # a number's leaf is a number, not a 0-d array
    return x if x.dtype == spec.dtype else x.astype(spec.dtype)


as_number: list[Callable[[Any], Any]] = [lambda x: x]
"""A traced one-element slice as a number (``tg.reshape(x, ())``: set by ``shapes.py``)."""
