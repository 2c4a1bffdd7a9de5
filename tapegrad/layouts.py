"""Copies that give a result NumPy's memory layout, where the bits depend on it.

NumPy sums in memory order and picks its product kernels by strides, so two
arrays of equal values but different layouts can round apart. ``np.dot``
hands BLAS a copy of an operand with a negative stride (``np.matmul`` sums
it in its own loop); ``np.take`` returns a C-ordered array where indexing
with an integer array along a later axis (``x[:, [2, 0]]``) gives another
order. Each copy is a primitive (its derivative passes the cotangent
through) recorded only where the traced value needs it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .primitive import Primitive, defjvp, defvjp, primitive
from .shapes import reshape, transpose
from .staging.spellings import Spelling, spellings
from .values import primal_value

__all__ = ["blas_operand", "c_ordered", "raveled"]

Number = Any


def _negative_strides(v: Any) -> bool:
    return type(v) is np.ndarray and any(s < 0 for s in v.strides)


def _not_c_ordered(v: Any) -> bool:
    return type(v) is np.ndarray and not v.flags.c_contiguous


def _blas_copy(x: Any) -> Any:
    return np.copy(x, order="K") if _negative_strides(x) else x


def _c_copy(x: Any) -> Any:
    return np.ascontiguousarray(x) if _not_c_ordered(x) else x


blas_copy: Primitive = primitive(_blas_copy, "blas_copy", elementwise=True, check_rules=False)
c_copy: Primitive = primitive(_c_copy, "c_copy", elementwise=True, check_rules=False)
for _p, _impl in ((blas_copy, _blas_copy), (c_copy, _c_copy)):
    defvjp(_p, lambda g, ans, x: g)
    defjvp(_p, lambda t, ans, x: t)
    spellings[_p] = Spelling(array=f"{_impl.__name__}({{0}})", names={_impl.__name__: _impl})


def blas_operand(x: Number) -> Number:
    """``x`` as ``np.dot`` multiplies it: copied where it has a negative stride."""
    return blas_copy(x) if _negative_strides(primal_value(x)) else x


def c_ordered(x: Number) -> Number:
    """``x`` C-ordered, as ``np.take`` returns it."""
    return c_copy(x) if _not_c_ordered(primal_value(x)) else x


def raveled(x: Number) -> Any:
    """NumPy's ``x.ravel(order="K")``: the elements in memory order, contiguous.

    ``norm`` sums them in that order (``norm(a.T)`` in ``a``'s), by BLAS on a
    contiguous copy where ``x`` is strided (a column ``a[:, 0]``).
    """
    v = primal_value(x)         # a broadcast view (a stride 0) stands for a C-ordered copy
    if isinstance(v, np.ndarray) and v.ndim > 1 and not v.flags.c_contiguous and all(v.strides):
        order = sorted(range(v.ndim), key=lambda k: -abs(v.strides[k]))
        x = transpose(x, tuple(order))
    return c_ordered(reshape(x, (-1,)))
