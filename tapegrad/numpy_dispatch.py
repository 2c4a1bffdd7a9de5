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

from collections.abc import Callable
from typing import Any

import numpy as np

from . import arrays, axes, logic, ops
from .tape import Traced

_UFUNCS: dict[Any, Callable[..., Any]] = {
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
    np.log1p: ops.log1p, np.expm1: ops.expm1, np.tan: ops.tan, np.arctan: ops.arctan,
    np.sinh: ops.sinh, np.cosh: ops.cosh, np.square: ops.square, np.sign: ops.sign,
    np.true_divide: ops.div, np.matmul: arrays.matmul,
}
_ALTERNATIVES = {     # NumPy functions without a counterpart: how to write them
    "array": "tg.stack (of traced floats or arrays)",
    "asarray": "tg.stack (of traced floats or arrays)",
    "arcsin": "tg.arctan(x / tg.sqrt(1.0 - x * x))", "log2": "tg.log(x) / tg.log(2.0)",
    "log10": "tg.log(x) / tg.log(10.0)", "exp2": "tg.exp(x * tg.log(2.0))",
    "cumsum": "a Python loop of additions", "prod": "a Python loop of products",
    "amax": "tg.max", "amin": "tg.min", "argmax": "tg.max for the value (an index is not "
    "differentiable: take it from the untraced value)",
    "linalg.norm": "tg.sqrt(tg.sum(x * x))", "outer": "x[:, None] * y[None, :]",
    "expand_dims": "tg.reshape, or x[None]", "squeeze": "tg.reshape",
    "swapaxes": "tg.transpose with axes", "moveaxis": "tg.transpose with axes",
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


def _kw(kwargs: dict[str, Any], *allowed: str) -> bool:
    return all(k in allowed for k in kwargs)


def _array_function(self: Traced, func: Any, types: Any, args: tuple[Any, ...],
                    kwargs: dict[str, Any]) -> Any:
    if func in (np.shape, np.ndim, np.size) and len(args) == 1 and not kwargs:
        shape = _shape_of(args[0])
        return shape if func is np.shape else len(shape) if func is np.ndim else \
            int(np.prod(shape))
    handler = _FUNCTIONS.get(func)
    if handler is not None and _kw(kwargs, *handler[1]):
        return handler[0](*args, **kwargs)
    name = func.__name__
    module = getattr(func, "__module__", "") or ""
    if module.startswith("numpy.linalg"):
        name = "linalg." + name
    raise _refuse(name + ("(..., " + ", ".join(kwargs) + "=...)" if kwargs else ""))


# a NumPy function -> (the tapegrad function, the keywords it takes)
_FUNCTIONS: dict[Any, tuple[Callable[..., Any], tuple[str, ...]]] = {
    np.where: (lambda c, a, b: ops.where(c, a, b), ()),
    np.sum: (axes.sum, ("axis", "keepdims")), np.mean: (axes.mean, ("axis", "keepdims")),
    np.max: (axes.max, ("axis", "keepdims")), np.min: (axes.min, ("axis", "keepdims")),
    np.amax: (axes.max, ("axis", "keepdims")), np.amin: (axes.min, ("axis", "keepdims")),
    np.dot: (arrays.dot, ()), np.matmul: (arrays.matmul, ()),
    np.reshape: (lambda a, shape=None, newshape=None: arrays.reshape_to(
        a, shape if shape is not None else newshape), ("shape", "newshape")),
    np.transpose: (arrays.transpose, ("axes",)),
    np.concatenate: (arrays.concatenate, ("axis",)), np.stack: (arrays.stack, ("axis",)),
    np.broadcast_to: (arrays.broadcast_to, ("shape",)),
    np.clip: (ops.clip, ()), np.power: (ops.power, ()),
}


def _shape_of(x: Any) -> tuple[int, ...]:
    return x.shape if type(x) is Traced else np.shape(x)


def _array(self: Traced, dtype: Any = None, copy: Any = None) -> Any:
    raise _refuse("asarray")


Traced.__array_ufunc__ = _array_ufunc             # type: ignore
Traced.__array_function__ = _array_function       # type: ignore
Traced.__array__ = _array                         # type: ignore
