"""NumPy's ``np.r_`` and ``np.c_`` for traced values: ``tg.r_[0.0, x]``, ``tg.c_[x, y]``.

NumPy's ``np.r_[a, b]`` turns each piece into an array with ``np.array``,
which a traced value cannot pass through; these objects read the key as
NumPy does (slices as ``arange`` or ``linspace``, numbers as 1-d pieces,
``"0,2"``-style directives, ``c_``'s pieces as columns) and join with
tapegrad's ``concatenate``, so the derivative reaches each piece.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import astype, concatenate
from .reshaping import transpose
from .shapes import reshape
from .values import Traced, primal_value, shape_of

__all__ = ["c_", "r_"]


class Concatenator:
    """``np.lib.index_tricks.AxisConcatenator`` on traced pieces (no matrix output)."""

    def __init__(self, axis: int = 0, ndmin: int = 1, trans1d: int = -1) -> None:
        self.axis, self.ndmin, self.trans1d = axis, ndmin, trans1d

    def _piece(self, item: Any, ndmin: int, trans1d: int) -> Any:
        """``np.array(item, ndmin=ndmin)`` with NumPy's ``trans1d`` turn of the new axes."""
        nd = len(shape_of(item))
        if nd >= ndmin:
            return item
        out = reshape(item, (1,) * (ndmin - nd) + shape_of(item))
        if trans1d != -1:
            k2, k1 = ndmin - nd, trans1d + (ndmin - nd + 1 if trans1d < 0 else 0)
            axes = list(range(ndmin))
            out = transpose(out, tuple(axes[:k1] + axes[k2:] + axes[k1:k2]))
        return out

    def __getitem__(self, key: Any) -> Any:
        key = key if isinstance(key, tuple) else (key,)
        axis, ndmin, trans1d = self.axis, self.ndmin, self.trans1d
        objs, kinds = [], []
        for k, item in enumerate(key):
            if isinstance(item, str):
                if k != 0 or item in ("r", "c"):
                    raise ValueError(f"tg.r_: the directive {item!r} is not taken here (a "
                                     "matrix, or a directive after the first entry).")
                parts = [int(p) for p in item.split(",")]     # "axis[,ndmin[,trans1d]]"
                axis = parts[0]
                ndmin = parts[1] if len(parts) > 1 else ndmin
                trans1d = parts[2] if len(parts) > 2 else trans1d
                continue
            if isinstance(item, slice):
                start = 0 if item.start is None else item.start
                step: Any = 1 if item.step is None else item.step
                item = np.linspace(start, item.stop, int(abs(complex(step)))) if isinstance(
                    step, complex | np.complexfloating) else np.arange(start, item.stop, step)
                # a complex step counts the numbers, as in NumPy
            elif type(item) is not Traced and not isinstance(item, float | int | bool):
                item = np.asarray(item)
            scalar = isinstance(item, float | int | bool)
            kinds.append(item if scalar else np.asarray(primal_value(item)).dtype)
            objs.append(item if scalar else self._piece(item, ndmin, trans1d))
        dtype = np.result_type(*kinds)
        objs = [np.array(o, dtype, ndmin=ndmin) if isinstance(o, float | int | bool) else
                o if np.asarray(primal_value(o)).dtype == dtype else astype(o, dtype)
                for o in objs]
        return concatenate(objs, axis)


r_ = Concatenator(0)
"""``np.r_`` for traced pieces: ``tg.r_[0.0, x, x[-1]]`` joins along the first axis."""
c_ = Concatenator(-1, ndmin=2, trans1d=0)
"""``np.c_`` for traced pieces: ``tg.c_[x, y]`` makes ``x`` and ``y`` columns."""
