"""NumPy functions applied to traced values: the tapegrad primitive, or a clear error.

``np.exp(x)`` on a traced ``x`` is a NumPy ufunc call; NumPy hands it to
``Traced.__array_ufunc__``, which runs the tapegrad primitive of the same
name, so NumPy code differentiates unchanged (``ndarray * x`` arrives here
too, as ``np.multiply``). ``np.where``, ``np.sum``, ``np.mean`` and the
structural queries go through ``__array_function__`` the same way. Anything
else, and ``np.asarray(x)``, would silently drop the derivative (or raise
NumPy's own puzzling error), so it raises a ``TypeError`` that names the
NumPy function and what to use instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import logic, ops, reductions
from .tape import Traced

_UFUNCS = {
    np.add: ops.add, np.subtract: ops.sub, np.multiply: ops.mul, np.divide: ops.div,
    np.power: ops.pow, np.negative: ops.neg, np.absolute: ops.abs, np.exp: ops.exp,
    np.log: ops.log, np.sin: ops.sin, np.cos: ops.cos, np.tanh: ops.tanh,
    np.sqrt: ops.sqrt, np.maximum: ops.maximum, np.minimum: ops.minimum,
    np.logaddexp: ops.logaddexp, np.less: logic.lt, np.less_equal: logic.le,
    np.greater: logic.gt, np.greater_equal: logic.ge, np.equal: logic.eq,
    np.not_equal: logic.ne, np.logical_and: logic.logical_and,
    np.logical_or: logic.logical_or, np.logical_not: logic.logical_not,
    # np.bool_ & traced arrives as bitwise_and: on booleans, the logical ops
    np.bitwise_and: logic.logical_and, np.bitwise_or: logic.logical_or,
    np.invert: logic.logical_not,
}
_ALTERNATIVES = {     # NumPy functions without a counterpart yet: how to write them
    "dot": "tg.sum(a * b) for vectors", "log1p": "tg.log(1.0 + x)",
    "expm1": "tg.exp(x) - 1.0", "square": "x * x", "clip": "tg.minimum(tg.maximum(x, lo), hi)",
    "max": "tg.maximum over a list", "min": "tg.minimum over a list",
    "array": "a Python list of traced values (tg.sum and tg.mean reduce one)",
    "asarray": "a Python list of traced values (tg.sum and tg.mean reduce one)",
}


def _refuse(name: str) -> TypeError:
    alt = _ALTERNATIVES.get(name)
    use = f" Use {alt} instead." if alt else (
        " Use tapegrad's own functions (tg.exp, tg.log, tg.where, tg.sum, ...) on traced values.")
    return TypeError(
        f"np.{name} was applied to a traced value: tapegrad cannot differentiate it, and "
        f"NumPy would silently drop the derivative.{use}")


def _array_ufunc(self: Traced, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
    prim = _UFUNCS.get(ufunc)
    if prim is None or method != "__call__" or kwargs:
        name = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
        raise _refuse(name + ("(..., " + ", ".join(kwargs) + "=...)" if kwargs else ""))
    return prim(*inputs)


def _array_function(self: Traced, func: Any, types: Any, args: tuple[Any, ...],
                    kwargs: dict[str, Any]) -> Any:
    if func is np.shape and len(args) == 1 and not kwargs:
        return _shape_of(args[0])
    if func is np.ndim and len(args) == 1 and not kwargs:
        return len(_shape_of(args[0]))
    if func is np.size and len(args) == 1 and not kwargs:
        return int(np.prod(_shape_of(args[0])))
    if func is np.where and len(args) == 3 and not kwargs:
        return ops.where(*args)
    if func is np.sum and len(args) == 1 and not kwargs:
        return reductions.sum(args[0])
    if func is np.mean and len(args) == 1 and not kwargs:
        return reductions.mean(args[0])
    raise _refuse(func.__name__ + ("(..., " + ", ".join(kwargs) + "=...)" if kwargs else ""))


def _shape_of(x: Any) -> tuple[int, ...]:
    return x.shape if type(x) is Traced else np.shape(x)


def _array(self: Traced, dtype: Any = None, copy: Any = None) -> Any:
    raise _refuse("asarray")


Traced.__array_ufunc__ = _array_ufunc             # type: ignore
Traced.__array_function__ = _array_function       # type: ignore
Traced.__array__ = _array                         # type: ignore
