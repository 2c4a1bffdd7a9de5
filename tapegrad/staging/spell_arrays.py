"""Spellings of array primitives, for the kinds a specialization fixes.

A specialization knows every value's dtype and shape, so the branch an
implementation takes on arrays is known when lowering: ``transpose`` of a
float array is ``x.transpose(axes)``, ``sum_like`` of known shapes is one
``sum(axis=...)``, ``exp`` of an array is ``np.exp``. Each spelling is the
expression the implementation evaluates for those kinds, so the numbers
are the same, bit for bit; it only skips the Python around it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

UFUNCS = {"exp": np.exp, "log": np.log, "sin": np.sin, "cos": np.cos, "tanh": np.tanh,
          "sqrt": np.sqrt, "log1p": np.log1p, "expm1": np.expm1, "tan": np.tan,
          "arctan": np.arctan, "sinh": np.sinh, "cosh": np.cosh, "div": np.divide}


def _floats(v: Any) -> bool:
    return type(v) is np.ndarray and v.dtype.kind == "f"


def spell(e: Any, args: list[str], values: list[Any], ns: dict[str, Any]) -> str | None:
    """The expression for ``e`` on these kinds of values, or None to call the impl."""
    name, ans = e.prim.name, e.ans
    if name in UFUNCS and any(type(v) is np.ndarray for v in values):
        key = f"_np_{name}"
        ns[key] = UFUNCS[name]
        return f"{key}({', '.join(args)})"
    if name == "where" and type(values[0]) is np.ndarray and values[0].dtype == bool:
        ns["_np_where"] = np.where
        return f"_np_where({', '.join(args)})"
    if not values or not _floats(values[0]):
        return None
    v0 = values[0]
    if name == "transpose":
        axes = tuple(values[1])
        return f"{args[0]}.T" if axes == (1, 0) else f"{args[0]}.transpose({axes!r})"
    if name == "matmul" and _floats(values[1]) and type(ans) is np.ndarray:
        return f"({args[0]} @ {args[1]})"
    if name == "getitem" and type(ans) is np.ndarray:
        return f"{args[0]}[{args[1]}]"
    if name in ("sum", "mean") and v0.dtype == np.float64:
        return f"float({args[0]}.{name}())"
    if name == "relu":
        ns["_np_maximum"] = np.maximum
        return f"_np_maximum({args[0]}, 0.0)"
    if name in ("sum_like", "broadcast_like"):
        target = np.shape(values[1])
        if v0.shape == target:
            return args[0]
        if name == "sum_like" and target and type(ans) is np.ndarray:
            lead = v0.ndim - len(target)
            axes = tuple(range(lead)) + tuple(
                lead + i for i, n in enumerate(target) if n == 1 and v0.shape[lead + i] != 1)
            return f"{args[0]}.sum(axis={axes!r}).reshape({target!r})"
        if name == "sum_like" and not target and v0.dtype == np.float64:
            return f"float({args[0]}.sum())"
    return None


def zmul_sum(g: np.ndarray, d: Any) -> float:
    """``float(_zmul(g, d).sum())`` for a float64 array ``g``, with one reduction.

    ``_zmul`` already sums its product to look for a nan; where there is
    none, that sum is the answer (the same reduction of the same array).
    """
    r = np.multiply(g, d)
    s = np.add.reduce(r, axis=None)
    if s != s:
        return float(np.where(g == 0, 0.0, r).sum())
    return float(s)

