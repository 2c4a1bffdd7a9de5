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
    not a float.
    """
    ans = values[0]
    if ans.__class__ is Traced:
        ans = primal_value(ans)
    dtype = getattr(ans, "dtype", None)
    if dtype.__class__ is not np.dtypes.Float64DType:   # NumPy's float64 only (not float32,
        return values                                 # nor another library's arrays)
    out = None
    for k in range(1, len(values)):
        x = values[k]
        d = getattr(primal_value(x), "dtype", None)
        if d.__class__ is np.dtypes.Float32DType or d.__class__ is np.dtypes.Float16DType:
            if out is None:
                out = list(values)
            out[k] = astype_p(x, dtype)        # exact: a wider float holds every value
    return values if out is None else tuple(out)
