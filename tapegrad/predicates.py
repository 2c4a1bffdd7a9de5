"""Questions about values: ``any``, ``all``, ``isclose``, ``allclose``, ``array_equal``, ....

Each answer is a boolean (or a count): a primitive with no derivative, whose
result is a traced boolean usable in ``tg.where`` or, as a Python ``if``, a
guard that a replayed tape checks. ``np.any(x)``, ``x.all()``,
``np.allclose(a, b)`` dispatch here on traced values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .along import _BatchAlong, _data
from .arrays import astype
from .batching.rules import batch_rules
from .elementary import isfinite, isnan
from .kinks import abs
from .numpy_dispatch import functions
from .numpy_tables import numpy_method
from .primitive import Primitive, defjvp, defvjp, primitive
from .reductions import _axes
from .values import Traced, numpy_made, shape_of

__all__ = ["all", "allclose", "any", "array_equal", "array_equiv", "count_nonzero", "isclose"]

Number = Any
Axis = int | tuple[int, ...] | None


def _boolean(impl: Any, name: str, n: int, elementwise: bool = False) -> Primitive:
    """A primitive of ``n`` inputs with no derivative."""
    prim = primitive(impl, name, elementwise=elementwise, check_rules=False)
    defvjp(prim, *[None] * n)
    defjvp(prim, *[None] * n)
    return prim


def _scalar_bool(r: Any) -> Any:
    return bool(r) if isinstance(r, np.bool_) else r


any_p = _boolean(lambda x, axes, keep: _scalar_bool(np.any(_data(x), axis=axes,
                                                           keepdims=keep)), "any", 3)
all_p = _boolean(lambda x, axes, keep: _scalar_bool(np.all(_data(x), axis=axes,
                                                           keepdims=keep)), "all", 3)
count_nonzero_p = _boolean(lambda x, axes, keep: np.count_nonzero(   # NumPy's np.int64
    _data(x), axis=axes, keepdims=keep), "count_nonzero", 3)
batch_rules[any_p] = _BatchAlong(np.any, keepdims=True)
batch_rules[all_p] = _BatchAlong(np.all, keepdims=True)
batch_rules[count_nonzero_p] = _BatchAlong(np.count_nonzero, keepdims=True)


def any(a: Number, axis: Axis = None, keepdims: bool = False) -> Any:  # noqa: A001
    """NumPy's ``any``: whether some element is nonzero (True), over ``axis``.

    Args:
      a: A number or an array (traced or not).
      axis: None (every axis), an int or a tuple of ints.
      keepdims: Keep the reduced axes with size 1.

    Returns:
      A bool, or a bool array (traced where ``a`` is; no derivative).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.any(np.array([0.0, 2.0]))
      True
    """
    return any_p(a, _axes("any", axis, len(shape_of(a))), bool(keepdims))


def all(a: Number, axis: Axis = None, keepdims: bool = False) -> Any:  # noqa: A001
    """NumPy's ``all``: whether every element is nonzero (True), over ``axis``.

    Args:
      a: A number or an array (traced or not).
      axis: None (every axis), an int or a tuple of ints.
      keepdims: Keep the reduced axes with size 1.

    Returns:
      A bool, or a bool array (traced where ``a`` is; no derivative).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.all(np.array([0.0, 2.0]))
      False
    """
    return all_p(a, _axes("all", axis, len(shape_of(a))), bool(keepdims))


def count_nonzero(a: Number, axis: Axis = None, *, keepdims: bool = False) -> Any:
    """NumPy's ``count_nonzero``: the number of nonzero elements, over ``axis``.

    Args:
      a: A number or an array (traced or not).
      axis: None (every axis), an int or a tuple of ints.
      keepdims: Keep the reduced axes with size 1.

    Returns:
      NumPy's ``np.int64``, or an int array (integer data: no derivative).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.count_nonzero(np.array([[0.0, 2.0], [3.0, 0.0]]), axis=0)
      array([1, 1])
    """
    return count_nonzero_p(a, _axes("count_nonzero", axis, len(shape_of(a))), bool(keepdims))


# ------------------------------------------------------------ closeness
def isclose(a: Number, b: Number, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Any:
    """NumPy's ``isclose``: ``|a - b| <= atol + rtol * |b|``, elementwise.

    NumPy's formula, of tapegrad's comparisons: infinities are close to
    themselves only, NaNs to nothing (unless ``equal_nan``).

    Args:
      a: A number or an array (traced or not).
      b: A number or an array (traced or not).
      rtol: The relative tolerance.
      atol: The absolute tolerance.
      equal_nan: Whether two NaNs count as close.

    Returns:
      A bool or a bool array (traced where an input is; no derivative).

    Examples:
      >>> import tapegrad as tg
      >>> tg.isclose(1.0, 1.0 + 1e-9)
      True
    """
    dt = getattr(b, "dtype", None)
    if dt is not None and dt.kind in "biu":        # NumPy's: b as a float (bools subtract)
        b = astype(b, np.result_type(dt, 1.0))
    elif type(b) is int or type(b) is bool:
        b = float(b)
    close = (abs(a - b) <= atol + rtol * abs(b)) & isfinite(b) | (a == b)
    return close | isnan(a) & isnan(b) if equal_nan else close


def allclose(a: Number, b: Number, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> Any:
    """NumPy's ``allclose``: whether ``isclose`` holds everywhere.

    In a Python ``if`` it is a guard: a replayed tape checks the outcome.

    Args:
      a: A number or an array (traced or not).
      b: A number or an array (traced or not).
      rtol: The relative tolerance.
      atol: The absolute tolerance.
      equal_nan: Whether two NaNs count as close.

    Returns:
      A bool (traced where an input is; no derivative).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.allclose(np.array([1.0, 2.0]), 1.0)
      False
    """
    return all(isclose(a, b, rtol, atol, equal_nan))


def array_equal(a1: Number, a2: Number, equal_nan: bool = False) -> Any:
    """NumPy's ``array_equal``: the same shape and equal everywhere.

    In a Python ``if`` it is a guard, as ``allclose`` (k-means' ``while`` until
    the assignments stop changing).

    Args:
      a1: A number or an array (traced or not).
      a2: A number or an array (traced or not).
      equal_nan: Whether two NaNs count as equal.

    Returns:
      A bool (traced where an input is and the shapes agree; no derivative).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.array_equal(np.array([1, 2]), np.array([1, 2]))
      True
    """
    if shape_of(a1) != shape_of(a2):
        return False
    same = a1 == a2
    return all(same | isnan(a1) & isnan(a2) if equal_nan else same)


def array_equiv(a1: Number, a2: Number) -> Any:
    """NumPy's ``array_equiv``: shapes that broadcast together, and equal everywhere.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.array_equiv(np.array([1, 2]), np.array([[1, 2], [1, 2]]))
      True
    """
    try:
        np.broadcast_shapes(shape_of(a1), shape_of(a2))
    except ValueError:
        return False
    return all(a1 == a2)


# ------------------------------------------- NumPy's names on traced values
_AXIS = ("axis", "keepdims")
functions.update({
    np.any: (any, _AXIS), np.all: (all, _AXIS), np.count_nonzero: (count_nonzero, _AXIS),
    np.isclose: (isclose, ("rtol", "atol", "equal_nan")),
    np.allclose: (allclose, ("rtol", "atol", "equal_nan")),
    np.array_equal: (array_equal, ("equal_nan",)), np.array_equiv: (array_equiv, ()),
})
Traced.any = numpy_method(np.any, lambda x: numpy_made(any(x)))    # type: ignore
Traced.all = numpy_method(np.all, lambda x: numpy_made(all(x)))    # type: ignore
