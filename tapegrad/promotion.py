"""A record's inputs as NumPy computed with them: cast to the result's float dtype.

NumPy computes ``s / x[1]`` (an ``np.float64`` over an ``np.float32``) in
float64: it casts the float32 input first, exactly. A local partial derivative
written on the record's inputs (``1 / b``) must see them so too, or it rounds
to float32 what the float64 computation carries, and the gradient of float64
weights on float32 data is not the float64 computation's. The players ask
this for records whose result is not a Python float only: a float's inputs
are floats, and its hot path stays as it is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import astype_p
from .values import Traced, primal_value

__all__ = ["promoted"]


def promoted(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """``(ans, *inputs)`` with each float input narrower than ``ans`` cast to its dtype.

    A Python float input is weak (NumPy does not widen ``ans`` for it) and is
    kept; so are integer and bool inputs, and every input where ``ans`` is
    not a float64 (NumPy's: another library's arrays are left as they are).
    """
    ans = values[0]
    if ans.__class__ is Traced:
        ans = primal_value(ans)
    if ans.__class__ is not _ND or ans.dtype is not _FLOAT64:    # NumPy's float64 arrays
        dtype = getattr(ans, "dtype", None)                    # share this one dtype
        if dtype.__class__ is not _F64:
            return values
    out = None
    for k in range(1, len(values)):
        x = values[k]
        c = x.__class__
        if c is float or c is np.float64 or c is int:        # the common inputs, at once
            continue
        v = primal_value(x) if c is Traced else x
        if v.__class__ is _ND and v.dtype is _FLOAT64:
            continue
        if getattr(v, "dtype", None).__class__ in _NARROW:
            if out is None:
                out = list(values)
            out[k] = astype_p(x, ans.dtype)        # exact: a wider float holds every value
    return values if out is None else tuple(out)


_F64 = np.dtypes.Float64DType
_FLOAT64 = np.dtype(np.float64)
_ND = np.ndarray
_NARROW = (np.dtypes.Float32DType, np.dtypes.Float16DType)
