"""NumPy's 0-d arrays: what ``v.reshape(())``, ``np.squeeze`` and ``np.where`` give.

A traced float stands for a Python float or an ``np.float64``; NumPy's
array functions give neither for a result of shape ``()`` but a 0-d array
(``v[:1].reshape(())`` is ``array(0.7)``). ``zero_d_p`` makes one, so jit,
vmap and the derivatives return what NumPy returns. It is strong under
NumPy's promotion (NEP 50), as an ``np.float64`` is: float32 data meeting a
float64 one computes in float64. tapegrad's own ``tg.reshape(x, ())`` still
gives a number (a float of float64 data): a number's gradient is a number.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .backends import array_api_impls, call, foreign
from .batching.rules import batch_rules
from .numpy_tables import functions
from .primitive import Primitive, defjvp, defvjp, primitive
from .shapes import _batched_reshape, _data, reshape, reshape_p, transpose
from .values import Traced, primal_value, shape_of

__all__ = ["as_zero_d", "kind_like", "np_reshape", "zero_d_p"]


def _zero_d(x: Any) -> Any:
    """A 0-d array of a one-element number (its own copy: never a view of an input)."""
    if type(x) is not np.ndarray and foreign(x) is not None:
        return call(zero_d_p, x)
    return np.array(_data(x)).reshape(())


zero_d_p: Primitive = primitive(_zero_d, "zero_d", check_rules=False)
array_api_impls[zero_d_p] = lambda xp, x: xp.reshape(x, ())
defvjp(zero_d_p, lambda g, ans, x: reshape_p(g, shape_of(x)))   # a float's gradient: a float
defjvp(zero_d_p, lambda t, ans, x: zero_d_p(t))
batch_rules[zero_d_p] = _batched_reshape


def as_zero_d(out: Any) -> Any:
    """``out`` as NumPy's array functions give it: a result of shape ``()`` is a 0-d array."""
    v = primal_value(out)
    if type(v) is np.ndarray or type(v) is bool or shape_of(v) != ():
        return out
    return zero_d_p(out)


def np_reshape(a: Any, shape: Any = None, order: str = "C", newshape: Any = None,
               copy: bool | None = None) -> Any:
    """NumPy's ``reshape``; ``order="F"`` reads and writes the elements column-major.

    ``order="A"`` is ``"F"`` where the value traced is Fortran-ordered (``x.T``).
    """
    shape = shape if shape is not None else newshape
    if order not in ("C", "F", "A"):
        raise ValueError(f"reshape: order must be 'C', 'F' or 'A', not {order!r}.")
    shape = (shape,) if isinstance(shape, int | np.integer) else tuple(shape)
    v = primal_value(a)
    if shape == () and type(v) is np.ndarray:   # a number's (x.reshape of a scalar) stays one
        reshape(a, shape)                       # NumPy's error where a has several elements
        return a if v.ndim == 0 else zero_d_p(a)
    fortran = type(v) is np.ndarray and v.flags.f_contiguous and not v.flags.c_contiguous
    if order == "C" or order == "A" and not fortran:      # "A": F where a is F-ordered
        return reshape(a, shape)
    return transpose(reshape(transpose(a), shape[::-1]))    # the axes reversed both ways


def _reshape_method(self: Any, *shape: Any, order: str = "C", copy: bool | None = None) -> Any:
    return np_reshape(self, shape[0] if len(shape) == 1 else shape, order)


Traced.reshape = _reshape_method                                 # type: ignore
functions[np.reshape] = (np_reshape, ("shape", "order", "newshape", "copy"))


def kind_like(ct: Any, value: Any) -> Any:
    """A 0-d cotangent or tangent of its primal's kind (``value``, a plain number).

    A number's gradient is a number (where a 0-d constant met it); a 0-d
    array's is a 0-d array (where a number met it: ``np.where`` of scalars).
    """
    v = primal_value(ct)
    if type(value) is np.ndarray and value.ndim == 0:
        return ct if type(v) is np.ndarray or shape_of(v) != () else zero_d_p(ct)
    if type(value) is not np.ndarray and type(v) is np.ndarray and v.ndim == 0:
        return reshape_p(ct, ())
    return ct
