"""Gradients and tangents handed back in their primal's kind and float dtype.

A number's gradient is a number and a 0-d array's a 0-d array; a float32
input's gradient is float32 and a float64 input's float64, whatever dtype the
cotangent met on its way back (a float32 constant, a float32 cotangent given
to a pullback); an integer from a user's rule becomes a float. ``out_tangent``
does the same for ``jvp``'s output tangents.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import astype_p
from .errors import COMPLEX_DERIVATIVE
from .values import Traced, is_complex, primal_value
from .zero_dim import kind_like

__all__ = ["as_primal", "out_tangent"]


def as_primal(ct: Any, primal: Any) -> Any:
    """A gradient in its primal's float dtype, as in JAX (float32 stays float32).

    A float32 cotangent (given to a pullback, or met by a float32 constant) is
    widened back for a float64 input. A float64 constant (a NumPy array or a
    product with one) promotes the cotangent on its way back; the gradient of
    a float32 input is still float32.
    """
    value = primal_value(primal)                 # NumPy's dtypes only (not another library's)
    if type(value) is float and (type(ct) is float or type(ct) is np.float64 or
                                 type(primal_value(ct)) is float):
        return ct          # the common cases (np.float64: NumPy's sums met it): as it is
    if is_complex(primal_value(ct)) and not is_complex(value):
        raise TypeError(COMPLEX_DERIVATIVE)
    ct = kind_like(ct, value)      # a number's gradient a number, a 0-d array's an array
    dtype = value.dtype if isinstance(value, np.ndarray | np.floating) else None
    if isinstance(ct, int | np.integer | np.bool_) or \
            isinstance(ct, np.ndarray) and ct.dtype.kind in "biu":
        ct = _as_float(ct, dtype)                # a user's rule returned an int
    if dtype is None or dtype.kind != "f" or (dtype.itemsize == 8 and not _narrow(ct)) or \
            (type(ct) is not Traced and getattr(ct, "dtype", None) == dtype):
        return ct          # (a traced one is cast always: vmap may promote what a trace did not)
    return astype_p(ct, dtype)      # float32 stays float32, float64 is widened back


def _narrow(ct: Any) -> bool:
    """Whether a cotangent is a float32 or float16 (a float64 input's gradient is float64)."""
    return getattr(primal_value(ct), "dtype", None) in (np.float32, np.float16)


def out_tangent(t: Any, x: Traced) -> Any:
    """The tangent ``t`` of output ``x``, in ``x``'s float dtype, widened too (a float's: as is)."""
    if type(t) is float and type(x._value) is float:
        return t
    return as_primal(t, x)


def _as_float(ct: Any, dtype: np.dtype | None) -> Any:
    """An integer cotangent or tangent as a float of the primal's float dtype."""
    if dtype is None or dtype.kind != "f":
        return float(ct) if isinstance(ct, int | np.integer | np.bool_) else \
            ct.astype(np.float64)
    return dtype.type(ct) if np.ndim(ct) == 0 and not isinstance(ct, np.ndarray) else \
        np.asarray(ct, dtype)
