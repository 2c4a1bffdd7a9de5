"""More of NumPy's elementwise functions, each a primitive in one block.

The inverse trigonometric and hyperbolic functions, ``arctan2`` and
``hypot``, ``log2``/``log10``/``exp2``, ``cbrt``, ``reciprocal``, the angle
conversions, ``copysign``, ``fmax``/``fmin``, ``fmod``, ``logaddexp2``,
``float_power`` and ``heaviside``; ``spacing``, a step (zero derivative, as
``floor``); and the predicates ``isnan``, ``isinf``,
``isfinite``, ``signbit`` and ``logical_xor``, whose results are booleans
(nothing to differentiate, as a comparison). As in ``ops.py``: floats go
through ``math``, arrays through NumPy, both IEEE (``arcsin(2) = nan``,
``log2(0) = -inf``), and the partials are written with tapegrad functions so
that they differentiate again. Each is what ``np.<name>`` runs on a traced
value, and ``tg.<name>``.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from .arrays import astype, trunc
from .backends import array_api_impls, by_name, call, foreign
from .kinks import _select, abs, where
from .logic import _no_derivative
from .numpy_tables import ufuncs
from .ops import _ieee_op, _pow_partial_a, _ufunc, div, log, mul, sqrt, square
from .primitive import Primitive, defjvp, defpartials, defvjp, document, primitive
from .staging.spellings import Spelling, spellings
from .values import Traced, is_scalar, primal_value

__all__ = [
    "arccos", "arccosh", "arcsin", "arcsinh", "arctan2", "arctanh", "cbrt", "copysign",
    "deg2rad", "degrees", "exp2", "float_power", "fmax", "fmin", "fmod", "heaviside", "hypot",
    "isfinite", "isinf", "isnan", "log10", "log2", "logaddexp2", "logical_xor", "rad2deg",
    "radians", "reciprocal", "signbit", "spacing",
]

__test__: dict[str, str] = {}
_doc = functools.partial(document, tests=__test__)


def _numpy_on_floats(f: Any) -> Any:
    """``f`` (a NumPy ufunc) on a Python float, as a Python float (no ``math`` twin)."""
    def on_float(*args: Any) -> float:
        with np.errstate(all="ignore"):
            return float(f(*args))
    on_float.__name__ = f.__name__
    return on_float


def _exact(f: Any) -> Spelling:
    """The spelling of a primitive whose impl is NumPy's ufunc on floats too."""
    return Spelling(float=f"_to_float(_np_{f.__name__}({{0}}))", array=f"_np_{f.__name__}({{0}})",
                    names={f"_np_{f.__name__}": f, "_to_float": float})


# ------------------------------------------------ inverse trigonometric
arcsin: Primitive = _ieee_op(math.asin, np.arcsin, "arcsin")
defpartials(arcsin, lambda ans, x: div(1.0, sqrt(1.0 - x * x)))
spellings[arcsin] = _ufunc(np.arcsin)
_doc(arcsin, "Elementwise inverse sine; ``nan`` outside [-1, 1].",
     "tg.arcsin(1.0), tg.grad(tg.arcsin)(0.0)", "(1.5707963267948966, 1.0)")
arccos: Primitive = _ieee_op(math.acos, np.arccos, "arccos")
defpartials(arccos, lambda ans, x: div(-1.0, sqrt(1.0 - x * x)))
spellings[arccos] = _ufunc(np.arccos)
_doc(arccos, "Elementwise inverse cosine; ``nan`` outside [-1, 1].",
     "tg.arccos(1.0), tg.grad(tg.arccos)(0.0)", "(0.0, -1.0)")
arcsinh: Primitive = _ieee_op(math.asinh, np.arcsinh, "arcsinh")
defpartials(arcsinh, lambda ans, x: div(1.0, sqrt(x * x + 1.0)))
spellings[arcsinh] = _ufunc(np.arcsinh)
_doc(arcsinh, "Elementwise inverse hyperbolic sine.",
     "tg.arcsinh(0.0), tg.grad(tg.arcsinh)(0.0)", "(0.0, 1.0)")
arccosh: Primitive = _ieee_op(math.acosh, np.arccosh, "arccosh")
defpartials(arccosh, lambda ans, x: div(1.0, sqrt(x - 1.0) * sqrt(x + 1.0)))
spellings[arccosh] = _ufunc(np.arccosh)
_doc(arccosh, "Elementwise inverse hyperbolic cosine; ``nan`` below 1.",
     "tg.arccosh(1.0), round(tg.grad(tg.arccosh)(2.0) ** -2, 12)", "(0.0, 3.0)")
arctanh: Primitive = _ieee_op(math.atanh, np.arctanh, "arctanh")
defpartials(arctanh, lambda ans, x: div(1.0, 1.0 - x * x))
spellings[arctanh] = _ufunc(np.arctanh)
_doc(arctanh, "Elementwise inverse hyperbolic tangent; ``+-inf`` at ``+-1``.",
     "tg.arctanh(0.0), tg.grad(tg.arctanh)(0.0)", "(0.0, 1.0)")
arctan2: Primitive = _ieee_op(math.atan2, np.arctan2, "arctan2")
defpartials(arctan2, lambda ans, y, x: div(x, x * x + y * y),
            lambda ans, y, x: div(-y, x * x + y * y))
spellings[arctan2] = Spelling(float="_atan2({0}, {1})", array="_np_arctan2({0}, {1})",
                              names={"_atan2": math.atan2, "_np_arctan2": np.arctan2})
_doc(arctan2, "The angle of the point ``(x, y)``: ``arctan2(y, x)``, in [-pi, pi].",
     "tg.arctan2(1.0, -1.0), tg.grad(tg.arctan2, argnums=(0, 1))(1.0, 1.0)",
     "(2.356194490192345, (0.5, -0.5))")
hypot: Primitive = _ieee_op(lambda a, b: math.hypot(a, b), np.hypot, "hypot")   # two numbers
defpartials(hypot, lambda ans, a, b: div(a, ans), lambda ans, a, b: div(b, ans))
spellings[hypot] = Spelling(float="_hypot({0}, {1})", array="_np_hypot({0}, {1})",
                            names={"_hypot": math.hypot, "_np_hypot": np.hypot})
_doc(hypot, "``sqrt(a**2 + b**2)`` without overflow.",
     "tg.hypot(3.0, 4.0), tg.grad(tg.hypot)(3.0, 4.0)", "(5.0, 0.6)")


# ------------------------------------------------ logs, powers, roots
log2: Primitive = _ieee_op(math.log2, np.log2, "log2")
defpartials(log2, lambda ans, x: div(1.0 / math.log(2.0), x))
spellings[log2] = _ufunc(np.log2)
_doc(log2, "Elementwise base-2 logarithm; ``-inf`` at 0.",
     "tg.log2(8.0), tg.grad(tg.log2)(1.0) * math.log(2.0)", "(3.0, 1.0)")
log10: Primitive = _ieee_op(math.log10, np.log10, "log10")
defpartials(log10, lambda ans, x: div(1.0 / math.log(10.0), x))
spellings[log10] = _ufunc(np.log10)
_doc(log10, "Elementwise base-10 logarithm; ``-inf`` at 0.",
     "tg.log10(1000.0)", "3.0")
exp2: Primitive = _ieee_op(_numpy_on_floats(np.exp2), np.exp2, "exp2")
defpartials(exp2, lambda ans, x: mul(ans, math.log(2.0)))
spellings[exp2] = _exact(np.exp2)
_doc(exp2, "Elementwise ``2**x``.", "tg.exp2(3.0), tg.grad(tg.exp2)(0.0) / math.log(2.0)",
     "(8.0, 1.0)")
cbrt: Primitive = _ieee_op(_numpy_on_floats(np.cbrt), np.cbrt, "cbrt")
defpartials(cbrt, lambda ans, x: div(1.0, 3.0 * ans * ans))   # inf at 0, as sqrt's
spellings[cbrt] = _exact(np.cbrt)
_doc(cbrt, "Elementwise real cube root (negative for a negative ``x``).",
     "tg.cbrt(-8.0), tg.grad(tg.cbrt)(8.0)", "(-2.0, 0.08333333333333333)")
reciprocal: Primitive = _ieee_op(lambda x: 1.0 / x, np.reciprocal, "reciprocal")
defpartials(reciprocal, lambda ans, x: -(ans * ans))
spellings[reciprocal] = Spelling(float="(1.0 / {0} if {0} else {impl}({0}))",   # 1/0: IEEE
                                 array="_np_reciprocal({0})",
                                 names={"_np_reciprocal": np.reciprocal}, repeats=(0,))
_doc(reciprocal, "Elementwise ``1 / x``; ``inf`` at 0.",
     "tg.reciprocal(4.0), tg.grad(tg.reciprocal)(2.0)", "(0.25, -0.25)")
logaddexp2: Primitive = _ieee_op(_numpy_on_floats(np.logaddexp2), np.logaddexp2, "logaddexp2")
defpartials(logaddexp2, lambda ans, a, b: exp2(a - ans), lambda ans, a, b: exp2(b - ans))
_doc(logaddexp2, "``log2(2**a + 2**b)``, computed stably.",
     "tg.logaddexp2(3.0, 3.0), tg.grad(tg.logaddexp2)(3.0, 3.0)", "(4.0, 0.5)")


def _float_power(a: Any, b: Any) -> Any:
    if (type(a) is float or type(a) is int) and (type(b) is float or type(b) is int):
        try:
            return math.pow(a, b)
        except (ValueError, OverflowError, ZeroDivisionError):
            pass
    with np.errstate(all="ignore"):
        out = np.float_power(a, b)
    return float(out) if out.ndim == 0 and is_scalar(a) and is_scalar(b) else out


float_power_p: Primitive = primitive(_float_power, "float_power", elementwise=True,
                                     check_rules=False)
defpartials(float_power_p, _pow_partial_a,
            lambda ans, a, b: where(a == 0, 0.0, log(a) * ans))     # d/dy 0**y = 0


def _f64(x: Any) -> Any:
    """``x`` as float64 (a float32 array's gradient is cast back to float32 by astype)."""
    return x if is_scalar(x) and not isinstance(x, np.number) else astype(x, np.float64)


def float_power(a: Any, b: Any) -> Any:
    """NumPy's ``float_power``: ``a ** b`` computed in float64.

    Args:
      a: The base.
      b: The exponent.

    Returns:
      ``a ** b`` as float64, for float32 arguments too (their gradients stay
      float32); ``nan`` for a negative base and a non-integer exponent.

    Examples:
      >>> import tapegrad as tg
      >>> tg.float_power(2.0, 3.0), tg.grad(tg.float_power)(2.0, 3.0)
      (8.0, np.float64(12.0))
    """
    return float_power_p(_f64(a), _f64(b))


# ------------------------------------------------ angles
deg2rad: Primitive = _ieee_op(_numpy_on_floats(np.deg2rad), np.deg2rad, "deg2rad")
defpartials(deg2rad, math.pi / 180.0)
spellings[deg2rad] = _exact(np.deg2rad)
_doc(deg2rad, "Degrees to radians (also ``tg.radians``).",
     "tg.deg2rad(180.0), tg.grad(tg.deg2rad)(1.0) == math.pi / 180", "(3.141592653589793, True)")
rad2deg: Primitive = _ieee_op(_numpy_on_floats(np.rad2deg), np.rad2deg, "rad2deg")
defpartials(rad2deg, 180.0 / math.pi)
spellings[rad2deg] = _exact(np.rad2deg)
_doc(rad2deg, "Radians to degrees (also ``tg.degrees``).", "tg.rad2deg(math.pi)", "180.0")
radians, degrees = deg2rad, rad2deg


# ------------------------------------------------ signs, choices, remainders
def _sign_of(x: Any) -> Any:
    """``+1.0`` or ``-1.0`` by the sign bit (so ``-0.0`` gives ``-1.0``), in ``x``'s dtype."""
    return _select(signbit(x), -1.0, 1.0, x)


copysign: Primitive = _ieee_op(math.copysign, np.copysign, "copysign")
defpartials(copysign, lambda ans, a, b: _sign_of(a) * _sign_of(b), 0.0)
_doc(copysign, "``|a|`` with the sign of ``b``; its derivative in ``b`` is 0.",
     "tg.copysign(2.0, -0.0), tg.grad(tg.copysign)(-2.0, 1.0)", "(-2.0, -1.0)")


def _nan_tie(g: Any, a: Any, b: Any, bigger: bool) -> Any:
    """The share of an ``fmax``'s (``fmin``'s) ``g`` that goes to ``a``: NaNs are skipped.

    Chosen, as ``maximum``'s is: exactly zero where ``a`` lost, even for an inf ``g``.
    """
    wins = (a > b) if bigger else (a < b)
    return _select(wins | (b != b), g, _select(a == b, 0.5 * g, 0.0, g), g)


def _floats(a: Any, b: Any) -> bool:
    return (type(a) is float or type(a) is int) and (type(b) is float or type(b) is int)


def _fmax(a: Any, b: Any) -> Any:     # a tie of 0.0 and -0.0 gives b (np.fmax's SIMD
    if _floats(a, b):                   # loops answer either, by the arrays' layout)
        return float(a if a > b or b != b else b)
    return np.where((a > b) | (b != b), a, b)[()]     # NumPy's scalar for scalars


def _fmin(a: Any, b: Any) -> Any:
    if _floats(a, b):
        return float(a if a < b or b != b else b)
    return np.where((a < b) | (b != b), a, b)[()]


fmax: Primitive = primitive(_fmax, "fmax", elementwise=True, check_rules=False)
for _rules in (defvjp, defjvp):
    _rules(fmax, lambda g, ans, a, b: _nan_tie(g, a, b, True),
           lambda g, ans, a, b: _nan_tie(g, b, a, True))
_doc(fmax, "Elementwise maximum that skips a NaN; ties split the gradient 0.5/0.5.",
     "tg.fmax(float('nan'), 1.0), tg.grad(tg.fmax)(2.0, 1.0)", "(1.0, 1.0)")
fmin: Primitive = primitive(_fmin, "fmin", elementwise=True, check_rules=False)
for _rules in (defvjp, defjvp):
    _rules(fmin, lambda g, ans, a, b: _nan_tie(g, a, b, False),
           lambda g, ans, a, b: _nan_tie(g, b, a, False))
_doc(fmin, "Elementwise minimum that skips a NaN; ties split the gradient 0.5/0.5.",
     "tg.fmin(float('nan'), 1.0), tg.grad(tg.fmin)(2.0, 1.0)", "(1.0, 0.0)")
fmod: Primitive = _ieee_op(math.fmod, np.fmod, "fmod")
defpartials(fmod, 1.0, lambda ans, a, b: -_trunc_div(a, b))
_doc(fmod, "C's remainder: ``a - trunc(a / b) * b``, with the sign of ``a``.",
     "tg.fmod(-7.0, 3.0), tg.grad(tg.fmod, argnums=1)(-7.0, 3.0)", "(-1.0, 2.0)")


def _trunc_div(a: Any, b: Any) -> Any:
    """``trunc(a / b)`` as a constant (a step function: no derivative)."""
    return trunc(div(a, b))


def _heaviside(x: Any, h0: Any) -> Any:
    if is_scalar(x) and is_scalar(h0):
        return float(np.heaviside(x, h0))
    return np.heaviside(x, h0)


heaviside: Primitive = primitive(_heaviside, "heaviside", elementwise=True,
                                 check_rules=False)
defpartials(heaviside, 0.0, lambda ans, x, h0: _select(x == 0, 1.0, 0.0, x))
_doc(heaviside, "The step: 0 below 0, 1 above, ``h0`` at 0; its derivative in ``x`` is 0.",
     "tg.heaviside(0.0, 0.5), tg.grad(tg.heaviside)(-1.0, 0.5)", "(0.5, 0.0)")


def _spacing(x: Any) -> Any:
    if is_scalar(x):
        return float(np.spacing(float(x)))
    return call(spacing, x) if type(x) is not np.ndarray and foreign(x) is not None \
        else np.spacing(x)


# The distance to the next float away from zero is piecewise constant (it
# jumps at powers of 2): no rule, so no cotangent or tangent flows, as floor's.
spacing: Primitive = primitive(_spacing, "spacing", elementwise=True, check_rules=False)
defvjp(spacing, None)
defjvp(spacing, None)
spellings[spacing] = _exact(np.spacing)
_doc(spacing, "The distance from ``x`` to the next float away from 0; zero derivative.",
     "tg.spacing(1.0) == 2.0 ** -52, tg.grad(tg.spacing)(1.0)", "(True, 0.0)")


# ------------------------------------------------ predicates (booleans)
def _predicate(on_float: Any, on_array: Any, name: str) -> Primitive:
    """A boolean-valued elementwise primitive: ``math`` on floats, NumPy otherwise."""
    def impl(x: Any) -> Any:
        if type(x) is float or type(x) is int:
            return on_float(x)
        if type(x) is not np.ndarray and foreign(x) is not None:
            return call(prim, x)
        return on_array(x)
    impl.__name__ = name
    prim = _no_derivative(impl, name)
    array_api_impls[prim] = by_name(name)     # the standard's isnan, isinf, isfinite, signbit
    spellings[prim] = Spelling(float=f"_{name}({{0}})", array=f"_np_{name}({{0}})",
                               names={f"_{name}": on_float, f"_np_{name}": on_array})
    return prim


isnan = _predicate(math.isnan, np.isnan, "isnan")
_doc(isnan, "Whether each element is NaN (a boolean: no derivative).",
     "tg.isnan(float('nan'))", "True")
isinf = _predicate(math.isinf, np.isinf, "isinf")
_doc(isinf, "Whether each element is infinite (a boolean: no derivative).",
     "tg.isinf(-float('inf'))", "True")
isfinite = _predicate(math.isfinite, np.isfinite, "isfinite")
_doc(isfinite, "Whether each element is neither infinite nor NaN (a boolean).",
     "tg.isfinite(1.0)", "True")
signbit = _predicate(lambda x: math.copysign(1.0, x) < 0, np.signbit, "signbit")
_doc(signbit, "Whether each element's sign bit is set (``-0.0`` too; a boolean).",
     "tg.signbit(-0.0)", "True")


def _xor(a: Any, b: Any) -> Any:
    if type(a) is bool and type(b) is bool:
        return a is not b
    return call(logical_xor, a, b) if foreign(a, b) is not None else np.logical_xor(a, b)


logical_xor = _no_derivative(_xor, "xor")
array_api_impls[logical_xor] = by_name("logical_xor")
spellings[logical_xor] = Spelling(array="_np_logical_xor({0}, {1})",
                                  names={"_np_logical_xor": np.logical_xor})
_doc(logical_xor, "Elementwise exclusive or of truth values (a boolean).",
     "tg.logical_xor(True, False)", "True")


def fabs(x: Any) -> Any:
    """NumPy's ``fabs``: ``abs`` as a float (integer data: NumPy's dtype, int8 gives float16)."""
    dt = getattr(x, "dtype", None)
    if dt is not None and dt.kind in "iub":
        return abs(astype(x, np.fabs(np.zeros((), dt)).dtype))
    return abs(x)


def divmod_(a: Any, b: Any) -> tuple[Any, Any]:
    """NumPy's ``divmod`` (and Python's on traced values): ``(a // b, a % b)``."""
    return a // b, a % b


Traced.__divmod__ = divmod_                                     # type: ignore
Traced.__rdivmod__ = lambda self, a: divmod_(a, self)           # type: ignore[attr-defined]


def _bools(x: Any) -> bool:
    """A bool or NumPy bool data (another library's arrays are not asked)."""
    v = primal_value(x)
    return type(v) is bool or isinstance(v, np.bool_) or (
        isinstance(v, np.ndarray) and v.dtype == np.bool_)


def square_(x: Any) -> Any:
    """NumPy's ``square``: a bool array has no bool loop, so NumPy squares it as int8."""
    return square(astype(x, np.int8)) if _bools(x) else square(x)


def conjugate(x: Any) -> Any:
    """NumPy's ``conjugate`` of real numbers: ``x`` itself (bools as int8, NumPy's loop)."""
    return astype(x, np.int8) if _bools(x) else x


def positive(x: Any) -> Any:
    """NumPy's ``positive`` (unary ``+``): ``x``, a 0-d array's scalar; bools raise, as in NumPy."""
    if _bools(x):
        raise TypeError("np.positive (unary +) of a bool array: NumPy has no bool loop for "
                        "it; write x.astype(int) or +x on numbers.")
    v = primal_value(x)
    return x[()] if type(v) is np.ndarray and v.ndim == 0 else x


def _pow_operator(pow_: Any) -> Any:
    """``x ** 2`` of a bool array is NumPy's ``square`` (ndarray's fast path): int8."""
    def power(self: Any, other: Any) -> Any:
        if type(other) is int and other == 2 and type(self._value) is not float and \
                isinstance(primal_value(self), np.ndarray) and _bools(self):   # not Python's
            return square_(self)
        return pow_(self, other)
    return power


def _pos_operator(x: Any) -> Any:
    """Unary ``+``: Python's ``+True`` is the int 1; NumPy's bool data refuses it."""
    return x + 0 if type(primal_value(x)) is bool else positive(x)


Traced.__pow__ = _pow_operator(Traced.__pow__)                  # type: ignore
Traced.__pos__ = _pos_operator                                  # type: ignore


# ------------------------------------------------ NumPy's names for them
ufuncs.update({
    np.arcsin: arcsin, np.arccos: arccos, np.arcsinh: arcsinh, np.arccosh: arccosh,
    np.arctanh: arctanh, np.arctan2: arctan2, np.hypot: hypot, np.log2: log2,
    np.log10: log10, np.exp2: exp2, np.cbrt: cbrt, np.reciprocal: reciprocal,
    np.logaddexp2: logaddexp2, np.float_power: float_power, np.deg2rad: deg2rad,
    np.radians: radians, np.rad2deg: rad2deg, np.degrees: degrees, np.copysign: copysign,
    np.fmax: fmax, np.fmin: fmin, np.fmod: fmod, np.heaviside: heaviside, np.isnan: isnan,
    np.isinf: isinf, np.isfinite: isfinite, np.signbit: signbit,
    np.logical_xor: logical_xor, np.fabs: fabs, np.divmod: divmod_, np.spacing: spacing,
    np.positive: positive, np.conjugate: conjugate, np.square: square_,
})
Traced.conj = Traced.conjugate = conjugate  # type: ignore  # x.conj(): real numbers, x itself
