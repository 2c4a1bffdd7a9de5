"""Questions about a traced value's type: ``np.result_type``, ``np.isrealobj``, ``np.isposinf``...

The dtype questions (``result_type``, ``common_type``, ``can_cast``,
``iscomplexobj``, ``isrealobj``) and ``einsum_path`` read the traced value's
dtype and shape, never its numbers: the answers are constants, the same in every transform (a traced
value counts as an array of its dtype, as a JAX tracer does). ``isreal``,
``iscomplex``, ``isposinf`` and ``isneginf`` are elementwise booleans, from
NumPy's ``isinf`` and ``signbit`` (tapegrad's) where they depend on the value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .numpy_dispatch import functions
from .values import Traced, primal_value, shape_of

__all__ = ["isneginf", "isposinf"]

Number = Any


def _typed(x: Any) -> Any:
    """What NumPy reads of ``x`` here: a traced value is an empty array of its dtype."""
    if type(x) is Traced:
        return np.empty((0,), np.asarray(primal_value(x)).dtype)
    return x


def _result_type(*arrays_and_dtypes: Any) -> np.dtype[Any]:
    return np.result_type(*map(_typed, arrays_and_dtypes))


def _common_type(*arrays: Any) -> Any:
    return np.common_type(*map(_typed, arrays))


def _can_cast(from_: Any, to: Any, casting: Any = "safe") -> bool:
    return np.can_cast(np.asarray(primal_value(from_)).dtype if type(from_) is Traced
                       else from_, to, casting)


def _iscomplexobj(x: Any) -> bool:
    return np.iscomplexobj(_typed(x))


def _isrealobj(x: Any) -> bool:
    return not np.iscomplexobj(_typed(x))


def _isreal(x: Any) -> Any:
    """Real data is real everywhere: True of ``x``'s shape (a constant)."""
    return np.ones(shape_of(x), bool)[()]


def _iscomplex(x: Any) -> Any:
    return np.zeros(shape_of(x), bool)[()]


def _einsum_path(*operands: Any, **kwargs: Any) -> Any:
    """NumPy's ``einsum_path``: an order of contraction, read from the operands' shapes."""
    return np.einsum_path(*(np.empty(shape_of(o), np.asarray(primal_value(o)).dtype)
                            if type(o) is Traced else o for o in operands), **kwargs)


def isposinf(x: Number) -> Number:
    """NumPy's ``isposinf``: ``isinf(x) & ~signbit(x)``, elementwise booleans."""
    return np.logical_and(np.isinf(x), ~np.signbit(x))     # NumPy's own spelling


def isneginf(x: Number) -> Number:
    """NumPy's ``isneginf``: ``isinf(x) & signbit(x)``, elementwise booleans."""
    return np.logical_and(np.isinf(x), np.signbit(x))


# ------------------------------------------- NumPy's names on traced values
functions.update({
    np.result_type: (_result_type, ()), np.common_type: (_common_type, ()),
    np.can_cast: (_can_cast, ("casting",)), np.iscomplexobj: (_iscomplexobj, ()),
    np.isrealobj: (_isrealobj, ()), np.isreal: (_isreal, ()), np.iscomplex: (_iscomplex, ()),
    np.isposinf: (isposinf, ()), np.isneginf: (isneginf, ()),
    np.einsum_path: (_einsum_path, ("optimize", "einsum_call")),
})
