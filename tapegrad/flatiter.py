"""``x.flat`` of a traced array: NumPy's flat iterator, read and written by flat index.

``x.flat[k]`` reads ``x.reshape(-1)[k]``; ``x.flat[k] = v`` is the write
``x[np.unravel_index(k, x.shape)] = v``, one ``setitem`` record (so every
name bound to ``x`` sees it, as in NumPy), with NumPy's rule for the values:
``v`` is read flat and repeated when it holds fewer numbers than ``k`` picks.
The index is integer data (an int, a slice, an int array or a boolean mask
of ``x.size``), as NumPy's.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from .joins import as_array
from .shapes import reshape_p
from .values import Traced, primal_value, shape_of
from .writes import write

__all__ = ["TracedFlat"]


class TracedFlat:
    """The flat iterator of a traced array (NumPy's ``numpy.flatiter``)."""

    __slots__ = ("base",)

    def __init__(self, base: Traced) -> None:
        self.base = base

    def _raveled(self) -> Any:
        return reshape_p(self.base, (math.prod(shape_of(self.base)),))

    def __getitem__(self, key: Any) -> Any:
        return self._raveled()[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        shape = shape_of(self.base)
        cells = np.ravel(np.arange(math.prod(shape))[key])
        value = as_array(value)
        n = int(np.size(primal_value(value)))
        if n != 1:
            flat = reshape_p(value, (n,)) if isinstance(value, Traced) else np.ravel(value)
            value = flat if n == cells.size else flat[np.arange(cells.size) % max(n, 1)]
        write(self.base, np.unravel_index(cells, shape), value,
              "x.flat[...] = y on a traced array")

    def __iter__(self) -> Iterator[Any]:
        return iter(self._raveled())

    def __len__(self) -> int:
        return math.prod(shape_of(self.base))

    def __repr__(self) -> str:
        return f"<flat iterator of a traced array of shape {shape_of(self.base)}>"


def _flat(self: Traced) -> TracedFlat:
    """NumPy's ``x.flat``: read and write ``x`` by flat index (``x.flat[k] = v``)."""
    return TracedFlat(self)


Traced.flat = property(_flat)                # type: ignore[attr-defined]
