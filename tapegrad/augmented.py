"""Augmented assignment on a traced array: ``u -= v`` keeps ``u``'s dtype, as NumPy does.

NumPy writes ``u -= v`` into the array ``u`` (``np.subtract(u, v, out=u)``):
the result is cast to ``u``'s dtype (float64 into float32 rounds) and ``u``
stays an array, a 0-d one included (``np.where`` gives those). A traced
value had no in-place operators, so Python fell back to ``u = u - v``, which
promotes: a float32 0-d array minus a float64 was float64 under every
transform and float32 in eager NumPy, the last bits apart. Here the
in-place operators of a traced value whose number is a NumPy array compute
the operation, then cast it back (``written``, which differentiates as
``astype``), also where the dtype came out right because an operand was a
Python number: ``vmap`` traces a 0-d float64 example as a float and runs the
batch as a float64 array, which would promote. A traced NumPy scalar or
float is rebound, as Python does.

The cast is NumPy's ``same_kind`` rule: float into an integer array raises
the ``TypeError`` NumPy raises, and a result whose broadcast shape is not
``u``'s the ``ValueError``. Aliasing is ``writers.py``'s: ``u`` made in the
function is written, so another name bound to it (``w = u`` before
``u -= v``) sees the change; an argument or a view is rebound and a later
read of the old array refused (``stale_views.py``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from .arrays import astype_p
from .backend_rules import np_dtype as _np_dtype
from .ops import add, div, mul, sub
from .primitive import Primitive, defjvp, defvjp, primitive
from .recording import binary_applier
from .values import Traced, primal_value, shape_of

__all__ = ["written"]


def _written(x: Any, dtype: Any) -> Any:
    return np.asarray(x, dtype=dtype)


written_p: Primitive = primitive(_written, "written", elementwise=True, check_rules=False)


def _cast_back(g: Any, ans: Any, x: Any, dtype: Any) -> Any:
    """The derivative: ``g`` where only the type changed, else ``astype``'s (none for ints)."""
    into, was = _np_dtype(ans), _np_dtype(x)
    if into == was:
        return g
    return astype_p(g, was) if into.kind == "f" and was.kind == "f" else None


defvjp(written_p, _cast_back, None)
defjvp(written_p, lambda t, ans, x, dtype: t if _np_dtype(ans) == _np_dtype(x) else
       written_p(t, _np_dtype(ans)) if _np_dtype(x).kind == "f" == _np_dtype(ans).kind
       else None, None)


def _shape(shape: tuple[int, ...]) -> str:
    """A shape as NumPy's messages print it: ``(2,)``, ``(2,2)``."""
    return "(" + ",".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def written(out: Any, target: np.ndarray, name: str) -> Any:
    """``out`` as NumPy would write it into ``target`` (ufunc ``name``): its dtype, an array."""
    value = primal_value(out)
    if shape_of(value) != target.shape:
        raise ValueError(f"non-broadcastable output operand with shape {_shape(target.shape)} "
                         f"doesn't match the broadcast shape {_shape(shape_of(value))}")
    dtype = _np_dtype(value)
    if not np.can_cast(dtype, target.dtype, "same_kind"):
        raise TypeError(f"Cannot cast ufunc '{name}' output from {dtype!r} to "
                        f"{target.dtype!r} with casting rule 'same_kind'")
    if type(value) is np.ndarray and dtype == target.dtype and not _weak_operand(out):
        return out
    return written_p(out, target.dtype)


def _weak_operand(out: Any) -> bool:
    """Whether ``out``'s operation read a Python number.

    Weak here, it may be an array where the recording runs again (``vmap`` traces a 0-d
    float64 example as a float and runs the batch, float64), whose promotion the write's
    cast must undo there too.
    """
    if type(out) is not Traced:
        return False
    record = out.tape.records[out.id]
    return any(type(v) is float or type(v) is int for v in record[3::2])


def _writer(name: str) -> Callable[[Any, Any], Any]:
    """``write(out, value)``: ``out`` written into ``value`` (``self``'s number), if an array."""
    def write(out: Any, value: Any) -> Any:
        while type(value) is Traced:
            value = value._value
        if type(value) is not np.ndarray:
            return out                       # a NumPy scalar: rebound (u = u - v)
        return written(out, value, name)
    return write


def _in_place(op: Callable[[Any, Any], Any], name: str) -> Callable[[Traced, Any], Any]:
    write = _writer(name)

    def method(self: Traced, other: Any) -> Any:
        return write(op(self, other), self._value)
    method.__name__ = f"__i{op.__name__.strip('_')}__"
    return method


# + - * / run the binary operator's own applier, in place: no call more than ``s + x``
for _prim, _op, _name in [(add, "add", "add"), (sub, "sub", "subtract"),
                          (mul, "mul", "multiply"), (div, "truediv", "divide")]:
    setattr(Traced, f"__i{_op}__", binary_applier(_prim, _writer(_name)))
for _fn, _name in [(operator.floordiv, "floor_divide"), (operator.mod, "remainder"),
                   (operator.pow, "power"), (operator.and_, "bitwise_and"),
                   (operator.or_, "bitwise_or"), (operator.xor, "bitwise_xor"),
                   (operator.lshift, "left_shift"), (operator.rshift, "right_shift"),
                   (operator.matmul, "matmul")]:
    setattr(Traced, f"__i{_fn.__name__.strip('_')}__", _in_place(_fn, _name))
