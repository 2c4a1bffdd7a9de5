"""The built-in primitives, each declared in one block: impl, then partials.

Every primitive here is smooth and elementwise with NumPy broadcasting; those
with a kink or a choice (relu, abs, maximum, where...) are in ``kinks.py``,
the shape primitives in ``shapes.py``, the reductions in ``reductions.py``. Floats go through
``math`` (fast), arrays through NumPy, and both follow IEEE semantics: a
domain error gives ``inf`` or ``nan``, never an exception and never a
complex number. Partials are written with tapegrad
functions (``div``, ``pow``, ``where``...), never with Python's ``/`` or
``**`` on plain floats, which raise on a zero.

Conventions: ``x**0`` has derivative 0, and ``d/dy 0**y = 0``.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from .backends import STANDARD_ELEMENTWISE, array_api_impls, by_name, call, foreign, native
from .batching.rules import batch_rules
from .kinks import where
from .numpy_scalars import numpy_operator, per_number
from .numpy_tables import functions, ufuncs
from .primitive import (
    Primitive,
    defpartials,
    document,
    primitive,
    zmul,
)
from .recording import _ieee_int
from .staging.spellings import Spelling, spellings
from .values import Traced, is_scalar, numpy_operators, python_float

__all__ = [
    "add", "arctan", "cos", "cosh", "div", "exp", "expm1", "log", "log1p", "logaddexp",
    "mul", "neg", "pow", "power", "sigmoid", "sin", "sinh", "softplus", "sqrt", "square",
    "sub", "tan", "tanh", "zmul",
]

Number = Any   # a float, an int, a NumPy array of floats, or a traced value
_LOG2 = math.log(2.0)


__test__: dict[str, str] = {}
_doc = functools.partial(document, tests=__test__)


_F64 = np.float64        # a module global: one lookup on the hot path, not two


def _ieee(f: Callable[..., Any], *args: Any) -> float:
    """Redo a float op that Python refused (ZeroDivision, domain, overflow).

    NumPy follows IEEE: ``log(0) = -inf``, ``1/0 = inf``.
    """
    with np.errstate(all="ignore"):
        return float(f(*(np.float64(_ieee_int(a)) for a in args)))


def _ieee_op(fmath: Callable[..., Any], fnp: Callable[..., Any], name: str) -> Primitive:
    """A primitive computed by ``math`` on plain numbers, NumPy otherwise.

    NumPy again where Python refuses (``log(0)``, ``1/0``); another library's
    arrays go to the standard's function of the same name (``backends``).
    """
    def impl(*args: Any) -> Any:
        for a in args:
            t = type(a)
            if t is not float and t is not int and t is not _F64:
                if t is not _ND and foreign(*args) is not None:
                    return call(prim, *args)
                return fnp(*args)
        try:
            return fmath(*args)
        except (ValueError, OverflowError, ZeroDivisionError):
            return _ieee(fnp, *args)
    impl.__name__ = name
    prim = primitive(impl, name, elementwise=True, check_rules=False)
    if _STANDARD_NAMES.get(name, name) in STANDARD_ELEMENTWISE:   # else: not covered
        array_api_impls[prim] = by_name(_STANDARD_NAMES.get(name, name))
    return prim


_ND = np.ndarray
_STANDARD_NAMES = {"arctan": "atan", "div": "divide", "arcsin": "asin", "arccos": "acos",
                   "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh",
                   "arctan2": "atan2"}   # the standard's names where they differ from NumPy's


def _ufunc(f: Any) -> Spelling:
    """The spelling of an ``_ieee_op`` on arrays: its NumPy function."""
    return Spelling(array=f"_np_{f.__name__}({{0}})", names={f"_np_{f.__name__}": f})


# ------------------------------------------------------------- arithmetic
# Python's + - * never raise on floats (overflow gives inf), so the C
# operators serve as impls: a builtin call is cheaper than a Python one.
add: Primitive = primitive(operator.add, "add", elementwise=True, check_rules=False)
defpartials(add, 1.0, 1.0)
spellings[add] = Spelling(exact="{0} + {1}")
sub: Primitive = primitive(operator.sub, "sub", elementwise=True, check_rules=False)
defpartials(sub, 1.0, -1.0)
spellings[sub] = Spelling(exact="{0} - {1}", units=(None, 0.0))
mul: Primitive = primitive(operator.mul, "mul", elementwise=True, check_rules=False)
defpartials(mul, lambda ans, a, b: b, lambda ans, a, b: a)
spellings[mul] = Spelling(exact="{0} * {1}", units=(1.0, 1.0))
neg: Primitive = primitive(operator.neg, "neg", elementwise=True, check_rules=False)
defpartials(neg, -1.0)
spellings[neg] = Spelling(exact="-{0}")
for _op in (add, sub, mul, neg):
    array_api_impls[_op] = native(_op.impl)      # any library's arrays have the operators


div: Primitive = _ieee_op(operator.truediv, np.divide, "div")
defpartials(div, lambda ans, a, b: div(1.0, b),       # 1/b
            lambda ans, a, b: neg(div(ans, b)))        # -a/b**2
spellings[div] = Spelling(float="({0} / {1} if {1} else {impl}({0}, {1}))",  # 1/0: IEEE
                          array="_np_divide({0}, {1})", names={"_np_divide": np.divide},
                          repeats=(1,), units=(None, 1.0))


def _np_power(a: Any, b: Any) -> Any:
    """NumPy's ``power``: an array or NumPy scalar base keeps NumPy's dtype.

    Integer data to integer powers stays integer and wraps around as eager
    NumPy's does (``x ** x`` of uint8); a negative integer exponent is
    NumPy's own error; bools to int powers are ints and ``int8 ** float32``
    is float32, as in NumPy. A Python bool base is Python's (``(x > 0) ** 2``).
    """
    t = type(a)
    if t is bool and type(b) in (bool, int):
        return a ** b
    if t is float or t is int:
        return np.power(a if _integer(b) else float(a), b)
    return np.power(a, b)


pow: Primitive = _ieee_op(math.pow, _np_power, "pow")   # math.pow: never complex, unlike **
batch_rules[pow] = per_number(pow.impl)     # math.pow on each number, as a loop computes it


def _integer(x: Any) -> bool:
    """Integer or bool data (a Python int, a NumPy integer or bool scalar or array)."""
    return type(x) is int or isinstance(x, np.integer | np.bool_) or (
        isinstance(x, np.ndarray) and x.dtype.kind in "iub")


def _pow_partial_a(ans: Any, a: Any, b: Any) -> Any:
    """``b * a**(b - 1)``, flat at ``b == 0``: ``x**0`` has derivative 0."""
    if type(b) is float or type(b) is int:   # a constant exponent, the usual case
        return 0.0 if b == 0 else (2.0 * a if b == 2 else b * pow(a, b - 1))
    return zmul(b, pow(a, b - 1))


defpartials(
    pow,
    _pow_partial_a,
    lambda ans, a, b: where(a == 0, 0.0, log(a) * ans))       # d/dy 0**y = 0


# ------------------------------------------------------------ elementwise
exp: Primitive = _ieee_op(math.exp, np.exp, "exp")
defpartials(exp, lambda ans, x: ans)
spellings[exp] = _ufunc(np.exp)
_doc(exp, 'Elementwise ``e**x``; ``inf`` on overflow.',
     'tg.exp(0.0)', '1.0')
log: Primitive = _ieee_op(math.log, np.log, "log")
defpartials(log, lambda ans, x: div(1.0, x))
spellings[log] = _ufunc(np.log)
_doc(log, 'Elementwise natural log; ``log(0) = -inf``, ``nan`` below 0.',
     'tg.log(0.0)', '-inf')
sin: Primitive = _ieee_op(math.sin, np.sin, "sin")
defpartials(sin, lambda ans, x: cos(x))
spellings[sin] = _ufunc(np.sin)
_doc(sin, 'Elementwise sine.',
     'tg.grad(tg.sin)(0.0)', '1.0')
cos: Primitive = _ieee_op(math.cos, np.cos, "cos")
defpartials(cos, lambda ans, x: neg(sin(x)))
spellings[cos] = _ufunc(np.cos)
_doc(cos, 'Elementwise cosine.',
     'tg.cos(0.0)', '1.0')
tanh: Primitive = _ieee_op(math.tanh, np.tanh, "tanh")
defpartials(tanh, lambda ans, x: 1.0 - ans * ans)
spellings[tanh] = Spelling(float="_tanh({0})", array="_np_tanh({0})",   # never raises
                           names={"_tanh": math.tanh, "_np_tanh": np.tanh})
_doc(tanh, 'Elementwise tanh; finite with a finite gradient at +-1000.',
     'tg.grad(tg.tanh)(0.0)', '1.0')
sqrt: Primitive = _ieee_op(math.sqrt, np.sqrt, "sqrt")
defpartials(sqrt, lambda ans, x: div(0.5, ans))   # inf at 0, as IEEE says
spellings[sqrt] = _ufunc(np.sqrt)
_doc(sqrt, "Elementwise square root; ``nan`` below 0, ``sqrt'(0) = inf``.",
     'tg.sqrt(4.0), tg.grad(tg.sqrt)(0.0)', '(2.0, inf)')


log1p: Primitive = _ieee_op(math.log1p, np.log1p, "log1p")
defpartials(log1p, lambda ans, x: div(1.0, 1.0 + x))
spellings[log1p] = _ufunc(np.log1p)
_doc(log1p, "Elementwise ``log(1 + x)``, accurate for small ``x``; ``-inf`` at -1.",
     'tg.log1p(0.0), tg.grad(tg.log1p)(0.0)', '(0.0, 1.0)')
expm1: Primitive = _ieee_op(math.expm1, np.expm1, "expm1")
defpartials(expm1, lambda ans, x: ans + 1.0)
spellings[expm1] = _ufunc(np.expm1)
_doc(expm1, "Elementwise ``exp(x) - 1``, accurate for small ``x``.",
     'tg.expm1(0.0), tg.grad(tg.expm1)(0.0)', '(0.0, 1.0)')
tan: Primitive = _ieee_op(math.tan, np.tan, "tan")
defpartials(tan, lambda ans, x: 1.0 + ans * ans)
spellings[tan] = _ufunc(np.tan)
_doc(tan, "Elementwise tangent.", 'tg.grad(tg.tan)(0.0)', '1.0')
arctan: Primitive = _ieee_op(math.atan, np.arctan, "arctan")
defpartials(arctan, lambda ans, x: div(1.0, 1.0 + x * x))
spellings[arctan] = _ufunc(np.arctan)
_doc(arctan, "Elementwise inverse tangent.", 'tg.grad(tg.arctan)(1.0)', '0.5')
sinh: Primitive = _ieee_op(math.sinh, np.sinh, "sinh")
defpartials(sinh, lambda ans, x: cosh(x))
spellings[sinh] = _ufunc(np.sinh)
_doc(sinh, "Elementwise hyperbolic sine; ``inf`` on overflow.", 'tg.grad(tg.sinh)(0.0)',
     '1.0')
cosh: Primitive = _ieee_op(math.cosh, np.cosh, "cosh")
defpartials(cosh, lambda ans, x: sinh(x))
spellings[cosh] = _ufunc(np.cosh)
for _p in (sinh, cosh):     # math's rounds apart from NumPy's SIMD kernels: a loop's bits
    batch_rules[_p] = per_number(_p.impl)
_doc(cosh, "Elementwise hyperbolic cosine; ``inf`` on overflow.", 'tg.cosh(0.0)', '1.0')


def _square(x: Any) -> Any:
    return x * x


square: Primitive = primitive(_square, "square", elementwise=True, check_rules=False)
defpartials(square, lambda ans, x: 2.0 * x)
spellings[square] = Spelling(exact="{0} * {0}", repeats=(0,))   # = _square
array_api_impls[square] = native(_square)
_doc(square, "Elementwise ``x * x``.", 'tg.grad(tg.square)(3.0)', '6.0')


def _softplus(x: Any) -> Any:
    if is_scalar(x):
        if x != x:
            return float(x)
        return (float(x) if x > 0 else 0.0) + math.log1p(math.exp(-x if x > 0 else x))
    if type(x) is not _ND and foreign(x) is not None:
        return call(softplus, x)
    return np.logaddexp(0.0, x)


softplus: Primitive = primitive(_softplus, "softplus", elementwise=True, check_rules=False)
defpartials(softplus, lambda ans, x: sigmoid(x))
array_api_impls[softplus] = lambda xp, x: xp.logaddexp(xp.zeros_like(x), x)
_doc(softplus, "Elementwise ``log(1 + exp(x))``, computed stably: finite at +-1000, "
     "with the gradient ``sigmoid(x)``.", 'tg.softplus(1000.0), tg.softplus(-1000.0)',
     '(1000.0, 0.0)')


def _sigmoid(x: Any) -> Any:
    if is_scalar(x):
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x) if x == x else x   # x < 0 or nan
        return e / (1.0 + e)
    if type(x) is not _ND and foreign(x) is not None:
        return call(sigmoid, x)
    e = np.exp(-np.abs(x))                  # never overflows
    out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return out[()] if out.ndim == 0 else out   # a NumPy scalar, as np.tanh gives


def _xp_sigmoid(xp: Any, x: Any) -> Any:
    e = xp.exp(-xp.abs(x))                  # as _sigmoid: never overflows
    return xp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


sigmoid: Primitive = primitive(_sigmoid, "sigmoid", elementwise=True, check_rules=False)
defpartials(sigmoid, lambda ans, x: ans * (1.0 - ans))
array_api_impls[sigmoid] = _xp_sigmoid
_doc(sigmoid, 'Elementwise ``1 / (1 + exp(-x))``, computed stably.',
     'tg.sigmoid(-1000.0), tg.sigmoid(0.0)', '(0.0, 0.5)')


def _logaddexp(a: Any, b: Any) -> Any:
    if is_scalar(a) and is_scalar(b):
        if a == b:
            return a + _LOG2           # also right for two equal infinities
        d = a - b
        if d != d:
            return d                   # nan
        return (a if d > 0 else b) + math.log1p(math.exp(-d if d > 0 else d))
    if (type(a) is not _ND or type(b) is not _ND) and foreign(a, b) is not None:
        return call(logaddexp, a, b)
    return np.logaddexp(a, b)


logaddexp: Primitive = primitive(_logaddexp, "logaddexp", elementwise=True, check_rules=False)
defpartials(logaddexp, lambda ans, a, b: sigmoid(a - b),   # exactly 0.5 on ties
            lambda ans, a, b: sigmoid(b - a))
array_api_impls[logaddexp] = by_name("logaddexp")
_doc(logaddexp, '``log(exp(a) + exp(b))``, computed stably.',
     'tg.grad(lambda a: tg.logaddexp(a, a))(3.0)', '1.0')


def power(a: Number, b: Number) -> Number:
    """NumPy's ``power``: ``a ** b`` elementwise (the ``pow`` primitive).

    Args:
      a: The base.
      b: The exponent (traced exponents too).

    Returns:
      ``a ** b``; a negative base to a non-integer power is ``nan``.

    Examples:
      >>> import tapegrad as tg
      >>> tg.power(2.0, 3.0), tg.grad(tg.power)(2.0, 3.0)
      (8.0, 12.0)
    """
    return python_float(pow(a, b))


# -------------------------------------------------- operators on Traced
Traced.__add__ = add.apply2  # type: ignore
Traced.__radd__ = add.rapply2  # type: ignore
Traced.__sub__ = sub.apply2  # type: ignore
Traced.__rsub__ = sub.rapply2  # type: ignore  # other - self
Traced.__mul__ = mul.apply2  # type: ignore
Traced.__rmul__ = mul.rapply2  # type: ignore
Traced.__truediv__ = div.apply2  # type: ignore
Traced.__rtruediv__ = div.rapply2  # type: ignore  # other / self
Traced.__pow__ = numpy_operator(pow, np.power)  # type: ignore
numpy_operators[pow] = np.power      # np.float64(3.0) ** 2 is an np.float64, tg.power's a float
Traced.__rpow__ = numpy_operator(pow, np.power, reflected=True)  # type: ignore  # other ** self
Traced.__neg__ = neg.apply1                          # type: ignore
# comparisons, &, |, ~ and bool(): logic.py; unary + and bool ** 2: elementary.py


# ------------------------------------------------- NumPy's names for them
ufuncs.update({
    np.add: add, np.subtract: sub, np.multiply: mul, np.divide: div, np.true_divide: div,
    np.power: pow, np.negative: neg, np.exp: exp, np.log: log, np.sin: sin, np.cos: cos,
    np.tanh: tanh, np.sqrt: sqrt, np.logaddexp: logaddexp, np.log1p: log1p,
    np.expm1: expm1, np.tan: tan, np.arctan: arctan, np.sinh: sinh, np.cosh: cosh,
})  # np.square, np.positive (unary +): elementary.py, with NumPy's bool rules
functions[np.power] = (power, ())
