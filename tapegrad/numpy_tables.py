"""NumPy's tables: which tapegrad function runs for a NumPy function on a traced value.

``ufuncs[np.multiply] = mul`` and ``functions[np.sum] = (sum, ("axis",
"keepdims"))`` (the function and the keywords it takes) are filled by each
block, beside the primitive or function they name; ``numpy_dispatch.py``
reads them in NumPy's protocols on ``Traced``. Imports nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["functions", "numpy_method", "ufunc_keywords", "ufunc_methods", "ufuncs"]

ufuncs: dict[Any, Callable[..., Any]] = {}
"""A NumPy ufunc -> the tapegrad primitive or function that runs for it."""

ufunc_methods: dict[str, Callable[..., Any]] = {}
"""A ufunc method's name (``"outer"``, ``"reduce"``...) -> ``run(ufunc, *inputs, **kwargs)``,
for the ufuncs in ``ufuncs``."""

functions: dict[Any, tuple[Callable[..., Any], tuple[str, ...]]] = {}
"""A NumPy function -> (the tapegrad function, the keywords it takes)."""

ufunc_keywords: dict[Any, tuple[str, ...]] = {}
"""A ufunc in ``ufuncs`` -> the keywords its tapegrad function takes (``np.vecdot``'s axis)."""

def numpy_method(np_f: Callable[..., Any], fast: Callable[[Any], Any]) -> Callable[..., Any]:
    """An ndarray method on ``Traced`` as NumPy's function ``np_f`` of ``self``.

    ``x.sum(1, np.float32)`` takes NumPy's arguments in NumPy's order and is
    refused as ``np.sum`` would be; ``x.sum()`` calls ``fast(x)`` directly.
    """
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not args and not kwargs:
            return fast(self)
        return np_f(self, *args, **kwargs)
    method.__name__ = np_f.__name__
    method.__doc__ = f"NumPy's ``np.{np_f.__name__}(self, ...)``."
    return method
