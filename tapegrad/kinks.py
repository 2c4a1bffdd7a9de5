"""The primitives with a kink or a choice: relu, abs, sign, maximum, minimum, where.

Each is declared in one block (impl, partials, jit spelling, doc) and has a
convention where its derivative is not defined: ``relu'(0) = 0``,
``abs'(0) = 0``, ``sign' = 0``, ``maximum`` and ``minimum`` split the
gradient 0.5/0.5 on ties. Their rules choose with a comparison
(``_select``), never by a branch, so they stay branch-free under ``jit`` and
``vmap``; ``relu``, ``maximum``, ``minimum`` and ``where`` select the
cotangent itself, so the side not taken gets exactly zero even from an
``inf`` cotangent. ``stop_gradient`` and ``clip`` are here too.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from . import tree
from .backends import array_api_impls, by_name, call, foreign, native, where_in
from .backends import device as _device
from .backends import like as _like
from .numpy_scalars import numpy_operator
from .numpy_tables import ufuncs
from .primitive import Primitive, defjvp, defpartials, defvjp, document, primitive
from .staging.spellings import Spelling, spellings
from .values import Traced, is_scalar, numpy_operators, primal_value, python_float

__all__ = ["abs", "clip", "maximum", "minimum", "relu", "sign", "stop_gradient", "where"]

Number = Any   # a float, an int, a NumPy array of floats, or a traced value
__test__: dict[str, str] = {}
_doc = functools.partial(document, tests=__test__)


def _sign(x: Any) -> Any:
    if is_scalar(x):
        return float(x) if x != x else float(x > 0) - float(x < 0)   # np.bool_ has no ``-``
    if type(x) is not _ND and foreign(x) is not None:
        return call(sign, x)
    return np.sign(x)


sign: Primitive = primitive(_sign, "sign", elementwise=True, check_rules=False)
defpartials(sign, 0.0)
array_api_impls[sign] = by_name("sign")
_doc(sign, "Elementwise sign: -1, 0 or 1 (``nan`` stays ``nan``); ``sign'(x) = 0``.",
     'tg.sign(-2.0), tg.grad(tg.sign)(-2.0)', '(-1.0, 0.0)')


def _relu(x: Any) -> Any:
    if is_scalar(x):
        return float(x) if x > 0 or x != x else 0.0
    if type(x) is not _ND and foreign(x) is not None:
        return call(relu, x)
    return np.maximum(x, 0.0)


def _select(cond: Any, a: Any, b: Any, *like: Any) -> Any:
    """A constant partial chosen by a comparison: ``a`` where ``cond``, else ``b``.

    A plain bool (a float compared) needs no ``where`` record. For an array
    ``like`` of a narrower float dtype (float32) the partial has that dtype,
    so that a float32 gradient stays float32.
    """
    if cond is True or cond is False:
        return a if cond else b
    for x in map(primal_value, like):
        xp = foreign(x)
        if xp is not None:      # constants of x's library, dtype and device
            return where(cond, _like(xp, a, x), _like(xp, b, x))
        if isinstance(x, np.ndarray | np.floating) and x.dtype != np.float64:
            a = x.dtype.type(a) if type(a) is float else a
            b = x.dtype.type(b) if type(b) is float else b
            break
    return where(cond, a, b)


def _passed(g: Any, cond: Any) -> Any:
    """``g`` where ``cond``, else exactly zero, even where ``g`` is inf or nan.

    The zero of a NumPy scalar ``g`` is one of its type, as where ``cond``
    is traced (``where`` of an ``np.float64`` and ``0.0``): a float ``0.0``
    would be weak beside float32 where the nonzero ``g`` is not.
    """
    v = primal_value(g)
    return _select(cond, g, v.dtype.type(0) if isinstance(v, np.floating) else 0.0, g)


def _nan_kept(r: Any, g: Any, a: Any, b: Any) -> Any:
    """``r``, but nan where ``a`` or ``b`` is nan and ``g`` is not zero.

    A kink's derivative at a nan is nan, as every smooth function's is
    (``abs``, ``relu``, ``maximum`` and a max of a nan are nan): never a
    silent 0 from a comparison that a nan fails. A zero ``g`` still
    contributes exactly zero.
    """
    if is_scalar(a) and is_scalar(b) and is_scalar(g):
        return r if (a == a and b == b) or not g else _NAN.get(type(r), math.nan)
    if (type(r) is not _ND or type(a) is not _ND) and foreign(r, g, a, b) is not None:
        return call(nan_kept, r, g, a, b)
    bad = (a != a) | (b != b)
    if not np.any(bad):
        return r
    return np.where(bad & (g != 0), math.nan, r)[()]     # r's dtype: a Python nan is weak


def _xp_nan_kept(xp: Any, r: Any, g: Any, a: Any, b: Any) -> Any:
    x = r if foreign(r) is not None else g
    nan = _like(xp, math.nan, x)
    return where_in(xp)(((a != a) | (b != b)) & (g != 0), nan, r)


_NAN = {np.float32: np.float32(math.nan), np.float16: np.float16(math.nan),
        np.float64: np.float64(math.nan)}
nan_kept: Primitive = primitive(_nan_kept, "nan_kept", elementwise=True, check_rules=False)
# Linear in r; a nan stays a nan at every order.
defvjp(nan_kept, lambda c, ans, r, g, a, b: nan_kept(c, c, a, b), None, None, None)
defjvp(nan_kept, lambda t, ans, r, g, a, b: nan_kept(t, t, a, b), None, None, None)
array_api_impls[nan_kept] = _xp_nan_kept
spellings[nan_kept] = Spelling(   # = _nan_kept's scalar branch
    float="({0} if {2} == {2} and {3} == {3} or not {1} else _nan)",
    names={"_nan": math.nan}, repeats=(2, 3))


relu: Primitive = primitive(_relu, "relu", elementwise=True, check_rules=False)
# Selection, not a 0/1 partial times g: where relu is flat an inf cotangent
# (sqrt's at 0 in sqrt(relu(x))) gives 0, as tg.where(x > 0, x, 0.0) does.
# relu'(0) = 0, and relu'(nan) = 0 as JAX's (relu is a kink, not a smooth function)
defvjp(relu, lambda g, ans, x: _passed(g, x > 0))
defjvp(relu, lambda t, ans, x: _passed(t, x > 0))
array_api_impls[relu] = lambda xp, x: xp.maximum(x, xp.zeros_like(x))   # nan stays nan
spellings[relu] = Spelling(float="({0} if {0} > 0.0 or {0} != {0} else 0.0)",   # = _relu
                           array="_np_maximum({0}, 0.0)", names={"_np_maximum": np.maximum},
                           repeats=(0,))
_doc(relu, "Elementwise ``max(x, 0)``; ``relu'(0) = 0``.",
     'tg.grad(tg.relu)(0.0), tg.relu(-2.0)', '(0.0, 0.0)')


def _abs(x: Any) -> Any:
    if is_scalar(x):
        return float(x.__abs__())
    return call(abs, x) if type(x) is not _ND and foreign(x) is not None else np.abs(x)


class _ByName(Primitive):
    """A primitive whose calls by name make floats of NumPy scalars (``tg.abs(x)``).

    Its operator (``abs(x)``, the primitive's ``apply1``) keeps an
    ``np.float64`` NumPy's, as Python's ``abs`` does.
    """

    def __call__(self, *args: Any) -> Any:
        return python_float(super().__call__(*args))


abs: Primitive = _ByName(_abs, "abs", elementwise=True, check_rules=False)
numpy_operators[abs] = np.abs
defpartials(abs, lambda ans, x: sign(x))      # abs'(0) = 0; abs'(nan) = nan
array_api_impls[abs] = by_name("abs")
_doc(abs, "Elementwise absolute value; ``abs'(0) = 0``.",
     'tg.grad(tg.abs)(-3.0), tg.grad(tg.abs)(0.0)', '(-1.0, 0.0)')


def _tie(g: Any, a: Any, b: Any) -> Any:
    """The share of a max's cotangent (or tangent) ``g`` that goes to ``a``.

    All of it, half on a tie, or exactly zero: chosen, never multiplied by a
    0/1 partial, so an inf ``g`` gives 0 where ``a`` lost (as ``where`` does).
    """
    return _select(a > b, g, _passed(0.5 * g, a == b), g)


def _maximum(a: Any, b: Any) -> Any:
    if is_scalar(a) and is_scalar(b):
        return float(a if a > b or a != a else b)
    if (type(a) is not _ND or type(b) is not _ND) and foreign(a, b) is not None:
        return call(maximum, a, b)
    return np.maximum(a, b)


def _minimum(a: Any, b: Any) -> Any:
    if is_scalar(a) and is_scalar(b):
        return float(a if a < b or a != a else b)
    if (type(a) is not _ND or type(b) is not _ND) and foreign(a, b) is not None:
        return call(minimum, a, b)
    return np.minimum(a, b)


maximum: Primitive = primitive(_maximum, "maximum", elementwise=True, check_rules=False)
defvjp(maximum, lambda g, ans, a, b: _tie(g, a, b), lambda g, ans, a, b: _tie(g, b, a))
defjvp(maximum, lambda t, ans, a, b: _tie(t, a, b), lambda t, ans, a, b: _tie(t, b, a))
array_api_impls[maximum] = by_name("maximum")
_doc(maximum, 'Elementwise maximum of ``a`` and ``b``; ties split the gradient 0.5/0.5.',
     'tg.grad(lambda x: tg.maximum(x, 0.0))(0.0)', '0.5')
minimum: Primitive = primitive(_minimum, "minimum", elementwise=True, check_rules=False)
defvjp(minimum, lambda g, ans, a, b: _tie(g, b, a), lambda g, ans, a, b: _tie(g, a, b))
defjvp(minimum, lambda t, ans, a, b: _tie(t, b, a), lambda t, ans, a, b: _tie(t, a, b))
array_api_impls[minimum] = by_name("minimum")
_doc(minimum, 'Elementwise minimum of ``a`` and ``b``; ties split the gradient 0.5/0.5.',
     'tg.minimum(1.0, 2.0)', '1.0')


def _where(cond: Any, a: Any, b: Any) -> Any:
    if (type(cond) is bool or type(cond) is np.bool_) and is_scalar(a) and is_scalar(b):
        r = a if cond else b
        return r if type(a) is type(b) else _either(a, b, r)
    if (type(a) is not _ND or type(cond) is not _ND) and foreign(cond, a, b) is not None:
        return call(where, cond, a, b)
    return np.where(cond, a, b)


_PYTHON = (bool, int, float)
_NUMPY = (np.bool_, np.integer, np.floating)


def _either(a: Any, b: Any, r: Any) -> Any:
    """``r`` of one type whichever branch it is, as NumPy's ``where`` of two numbers.

    A recording reads the type of the value it saw (``numpy_made`` casts a
    float to ``np.float64``): ``where(c, s * 1.2, s + xs[1])`` must not be a
    float for one mask and an ``np.float64`` for the other.
    """
    ta, tb = type(a), type(b)
    if ta in _PYTHON and tb in _PYTHON:
        return float(r) if float in (ta, tb) else int(r)
    if isinstance(a, _PYTHON + _NUMPY) and isinstance(b, _PYTHON + _NUMPY):
        return np.result_type(a, b).type(r)      # NEP 50: a Python number is weak
    return r


def _xp_where(xp: Any, cond: Any, a: Any, b: Any) -> Any:
    """``where`` in ``xp``: a Python number takes the other branch's dtype."""
    x = a if foreign(a) is not None else b if foreign(b) is not None else cond
    if type(cond) is bool:
        cond = xp.asarray(cond, device=_device(x))
    if foreign(a) is None and foreign(b) is None:    # two numbers: float64, as NumPy
        x = xp.asarray(0.0, dtype=xp.float64, device=_device(x))
    return where_in(xp)(cond, _like(xp, a, x), _like(xp, b, x))


where: Primitive = primitive(_where, "where", elementwise=True, check_rules=False)
# Selection, not multiplication by a 0/1 partial: the branch not taken gets
# exactly zero even when its cotangent or tangent is inf or nan.
defvjp(where, None, lambda g, ans, c, a, b: where(c, g, 0.0),
       lambda g, ans, c, a, b: where(c, 0.0, g))
defjvp(where, None, lambda t, ans, c, a, b: where(c, t, 0.0),
       lambda t, ans, c, a, b: where(c, 0.0, t))
array_api_impls[where] = _xp_where
spellings[where] = Spelling(float="({1} if {0} else {2})", kinds=(bool, float, float),
                            array="_np_where({0}, {1}, {2})", names={"_np_where": np.where})
_doc(where, "``a`` where ``cond`` is true, else ``b``, elementwise. The branch not "
     "taken gets a zero cotangent, which contributes exactly zero.",
     'tg.grad(lambda x: tg.where(x > 0, 1 / x, 0.0))(0.0)', '0.0')


def _stop_gradient(x: Any) -> Any:
    return x


stop_gradient_p: Primitive = primitive(_stop_gradient, "stop_gradient",
    elementwise=True, check_rules=False)
defvjp(stop_gradient_p, None)
array_api_impls[stop_gradient_p] = native(_stop_gradient)
defjvp(stop_gradient_p, None)


def stop_gradient(x: Any) -> Any:
    """Same value as ``x``; no derivative flows through it.

    On a pytree it acts on every leaf, as JAX's does.

    Args:
      x: A number, or a pytree of numbers.

    Returns:
      ``x``'s value (the same structure), a constant to every transform.

    Examples:
      >>> import tapegrad as tg
      >>> tg.grad(lambda x: x * tg.stop_gradient(x))(3.0)
      3.0
      >>> tg.grad(lambda p: tg.stop_gradient(p)["w"] * p["w"])({"w": 3.0})
      {'w': 3.0}
    """
    if type(x) is Traced or type(x) is float:
        return _stopped(x)
    return tree.map(_stopped, x)


def _stopped(x: Any) -> Any:
    """``stop_gradient_p(x)``, or on a tape never replayed (grad, jvp) an array's value.

    There no derivative flows through the record and nothing replays it, so
    the value, a constant on that tape, is all the record gives; and what is
    computed from it alone is not recorded either (most of logsumexp's
    shift). A float keeps its record: it stays a traced number.
    """
    if type(x) is Traced and x.tape.active and not x.tape.staging:
        v = x._value
        if type(v) is np.ndarray:
            return v
        if type(v) is Traced and type(primal_value(v)) is np.ndarray:
            return _stopped(v)          # a constant here, stopped one level down
    return stop_gradient_p(x)


def clip(x: Number, lo: Number = None, hi: Number = None) -> Number:
    """``tg.minimum(tg.maximum(x, lo), hi)``: the conventions of those two at the ends.

    Args:
      x: A number.
      lo: The lower bound, or None for none.
      hi: The upper bound, or None for none (with neither, ``x`` itself, as
        NumPy 2.4's ``clip``).

    Returns:
      ``x`` clipped to ``[lo, hi]``; at a bound the gradient is split 0.5/0.5.

    Examples:
      >>> import tapegrad as tg
      >>> tg.clip(3.0, 0.0, 1.0), tg.grad(tg.clip)(0.5, 0.0, 1.0)
      (1.0, 1.0)
    """
    x = x if lo is None else maximum(x, lo)
    return x if hi is None else minimum(x, hi)


Traced.__abs__ = numpy_operator(abs, np.absolute)     # type: ignore


def numpy_bounds(x: Any, lo: Any, hi: Any) -> tuple[Any, Any]:
    """NumPy's ``clip`` of integer data: a Python int beyond the dtype's range is no bound."""
    dtype = np.asarray(primal_value(x)).dtype
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        lo = None if type(lo) is int and lo <= info.min else lo
        hi = None if type(hi) is int and hi >= info.max else hi
    return lo, hi


def _clip_method(self: Any, lo: Any = None, hi: Any = None) -> Any:
    lo, hi = numpy_bounds(self, lo, hi)
    x = self if lo is None else maximum(self, lo)
    return x if hi is None else minimum(x, hi)


Traced.clip = _clip_method                                       # type: ignore


_ND = np.ndarray
ufuncs.update({np.absolute: abs, np.maximum: maximum, np.minimum: minimum, np.sign: sign})
