"""NumPy's own bits for a NumPy function of a traced number.

``tg.tanh`` of a Python float runs ``math.tanh``: fast, and within an ulp
of NumPy's ``np.tanh``, but not always the same bits. Code that calls
``np.tanh(x)`` on a float gets NumPy's bits when it runs on numbers, so it
must get them when tapegrad traces it too (``jit(f)(x) == f(x)``, exactly).
For such a call ``numpy_dispatch`` records the primitive's *NumPy twin*:
the same primitive (its derivative rules, batching, arrays) whose impl on
plain numbers is the ufunc itself. It prints as ``np.tanh`` on the tape,
and its result is NumPy's ``np.float64``, which meeting a float32 array
stays float64 (a Python float would round to float32), as in NumPy.

Only primitives whose impl uses ``math`` on numbers have a twin (``TWINNED``);
the others compute NumPy's bits already (``+``, ``np.exp2``, ``np.cbrt``).
"""

from __future__ import annotations

import itertools
import operator as _operator
from typing import Any

import numpy as np

from .backends import array_api_impls
from .batching.rules import batch_rules, broadcasting
from .primitive import Primitive, primitive
from .staging.spellings import Spelling, spellings
from .values import Traced, primal_value

__all__ = ["TWINNED", "numpy_operator", "numpy_twin", "on_numbers", "per_number"]

TWINNED = {"exp", "log", "sin", "cos", "tanh", "sqrt", "log1p", "expm1", "tan", "arctan",
           "sinh", "cosh", "arcsin", "arccos", "arcsinh", "arccosh", "arctanh", "log2",
           "log10", "arctan2", "hypot", "fmod", "pow"}
"""The primitives whose impl on numbers is ``math``'s (their names)."""

_NUMBERS = (float, int, np.float64)
_SCALARS = (float, int, np.float64, np.float32, np.float16)      # NumPy's scalar math
_NP_FLOATS = _SCALARS[2:]
_OPERATORS = {np.absolute: _operator.abs, np.power: _operator.pow}
_twins: dict[Any, Primitive] = {}


def on_numbers(inputs: tuple[Any, ...]) -> bool:
    """Whether a ufunc's inputs are plain numbers beneath the tracing, a float among them."""
    floats = False
    for x in inputs:
        k = type(primal_value(x))
        if k not in _NUMBERS:
            return False             # an array: the primitive's own path, NumPy's already
        floats = floats or k is not int
    return floats


def numpy_twin(prim: Primitive, ufunc: Any, operator: Any = None) -> Primitive:
    """``prim`` computing ``ufunc``'s bits on numbers (made once, then a dict hit).

    With ``operator``, Python's operator on NumPy scalars instead: NumPy's
    scalar math, which may round apart from its ufunc (``np.float64(x) ** y``
    against ``np.power``).
    """
    twin = _twins.get((ufunc, operator))
    if twin is None:
        twin = _twins[(ufunc, operator)] = _make_twin(prim, ufunc, operator)
    return twin


def _make_twin(prim: Primitive, ufunc: Any, operator: Any) -> Primitive:
    array_impl, on_numbers = prim.impl, operator or ufunc

    numbers = _SCALARS if operator else _NUMBERS

    def impl(*args: Any) -> Any:
        kinds = [type(a) for a in args]
        if all(k in numbers for k in kinds) and any(k is not int for k in kinds):
            return on_numbers(*args)
        return array_impl(*args)
    impl.__name__ = f"np_{ufunc.__name__}"
    twin = primitive(impl, prim.name if operator else f"np.{ufunc.__name__}",
                     elementwise=prim.elementwise, check_rules=False)
    twin.__name__ = ufunc.__name__            # a function's name, as autograd's tracer shows it
    for rule in ("vjps", "jvps", "vjp_partials", "jvp_partials", "vjp_joint",
                 "jvp_joint"):
        setattr(twin, rule, getattr(prim, rule))
    if prim in array_api_impls:
        array_api_impls[twin] = array_api_impls[prim]
    old = spellings.get(prim, Spelling())
    name = f"_np_{ufunc.__name__}"
    call = name + "(" + ", ".join("{" + str(i) + "}" for i in range(ufunc.nin)) + ")"
    spellings[twin] = Spelling(float=None if operator else call, array=old.array,
                               names={**old.names, name: ufunc})
    if operator is _operator.pow:      # abs is one in both
        batch_rules[twin] = per_number(_operator.pow)   # NumPy's scalars, one by one
    return twin


def per_number(f: Any) -> Any:
    """A batch rule computing ``f`` on each example where the examples are numbers.

    ``math.pow`` (a traced float's ``pow``, ``**``'s derivative) rounds apart
    from ``np.power`` of an array for one number in twenty: the loop's bits.
    """
    def rule(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
        if not isinstance(e.ans, float | np.floating) or not n or any(
                np.ndim(v) > b for v, b in zip(values, batched)):
            return broadcasting(e, values, batched, n)
        cols = [v if b else itertools.repeat(v, n) for v, b in zip(values, batched)]
        return np.array([f(*xs) for xs in zip(*cols)])
    rule.per_number = True          # type: ignore[attr-defined]  # vmap's compiler leaves it
    return rule


def numpy_operator(prim: Primitive, ufunc: Any, reflected: bool = False) -> Any:
    """Python's operator on a traced value: ``prim``, or its twin on a NumPy float scalar.

    ``abs(x)`` and ``x ** 2`` of an ``np.float64`` are NumPy's and stay
    ``np.float64`` (beside a float32 array, float64), where ``tg.abs`` and
    ``tg.power`` give floats; ``x ** y`` of two ``np.float32`` is NumPy's
    scalar math, which rounds apart from ``np.power`` for some pairs.
    """
    op = _OPERATORS[ufunc]
    if ufunc.nin == 1:
        def unary(self: Any) -> Any:
            v = self._value
            if v.__class__ is Traced:           # under nested transforms: the number beneath
                v = primal_value(v)
            if v.__class__ in _NP_FLOATS:
                return numpy_twin(prim, ufunc, op)(self)
            return prim.apply1(self)
        return unary
    plain = prim.rapply2 if reflected else prim.apply2

    def binary(self: Any, other: Any) -> Any:
        v, o = self._value, other._value if other.__class__ is Traced else other
        if v.__class__ is Traced or o.__class__ is Traced:   # nested transforms
            v, o = primal_value(v), primal_value(o)
        if v.__class__ in _NP_FLOATS or o.__class__ in _NP_FLOATS:
            twin = numpy_twin(prim, ufunc, op)
            return twin(other, self) if reflected else twin(self, other)
        return plain(self, other)
    return binary
