"""NumPy's tables: which tapegrad function runs for a NumPy function on a traced value.

``ufuncs[np.multiply] = mul`` and ``functions[np.sum] = (sum, ("axis",
"keepdims"))`` (the function and the keywords it takes) are filled by each
block, beside the primitive or function they name; ``numpy_dispatch.py``
reads them in NumPy's protocols on ``Traced``. Imports nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["functions", "ufuncs"]

ufuncs: dict[Any, Callable[..., Any]] = {}
"""A NumPy ufunc -> the tapegrad primitive or function that runs for it."""

functions: dict[Any, tuple[Callable[..., Any], tuple[str, ...]]] = {}
"""A NumPy function -> (the tapegrad function, the keywords it takes)."""
