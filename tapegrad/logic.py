"""Comparisons, traced booleans and guards: every decision is on the tape.

A comparison of traced values is a primitive without a derivative (``lt le
gt ge eq ne``); its value is a Python ``bool`` or a NumPy bool array, so the
result is a *traced boolean*. ``&``, ``|``, ``^`` and ``~`` are NumPy's bitwise
operators: on booleans they combine truth values, on integers they act on
the bits, as in eager code; ``tg.where(cond, a, b)`` reads a traced mask
when the tape runs.

The one place Python decides by a value is ``bool()``: a Python ``if``,
``while``, ``and``/``or``, or the builtins ``max``/``min``/``sorted``. There
``bool()`` returns the Python answer and records a *guard*: the outcome the
rest of the tape assumes, with the user's source line. Replaying the tape
checks each guard (``tg.GuardError`` where one would go the other way).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from .backends import array_api_impls, by_name, call, foreign, native
from .errors import BOOL_ARRAY_MSG, AmbiguousTruthError, GuardError
from .numerics import source_line, user_frame
from .numpy_tables import ufuncs
from .primitive import Primitive, defjvp, defvjp, primitive
from .pycounters import counter_values, tally_values
from .pysource import for_left, note_numbers
from .pysteps import STEP_KEY, step_values
from .recording import binary_applier, reflected_applier
from .staging.spellings import Spelling, spellings
from .tape import Eqn, listings, operand
from .values import Traced, _check_live, primal_value, shape_of

__all__ = ["bitwise_and", "bitwise_or", "bitwise_xor", "eq", "ge", "gt", "invert", "le",
           "left_shift", "logical_and", "logical_not", "logical_or", "lt", "ne", "right_shift"]


def _no_derivative(impl: Callable[..., Any], name: str, elementwise: bool = True) -> Primitive:
    """A primitive whose result is a boolean: nothing to differentiate."""
    prim = primitive(impl, name, elementwise=elementwise, check_rules=False)
    prim.apply2 = binary_applier(prim, real=False)    # x == 1j: a bool, as NumPy's
    prim.rapply2 = reflected_applier(prim, real=False)
    defvjp(prim, None, None)
    defjvp(prim, None, None)
    return prim


lt = _no_derivative(operator.lt, "lt")
spellings[lt] = Spelling(exact="{0} < {1}")
le = _no_derivative(operator.le, "le")
spellings[le] = Spelling(exact="{0} <= {1}")
gt = _no_derivative(operator.gt, "gt")
spellings[gt] = Spelling(exact="{0} > {1}")
ge = _no_derivative(operator.ge, "ge")
spellings[ge] = Spelling(exact="{0} >= {1}")
eq = _no_derivative(operator.eq, "eq")
spellings[eq] = Spelling(exact="{0} == {1}")
ne = _no_derivative(operator.ne, "ne")
spellings[ne] = Spelling(exact="{0} != {1}")
for _cmp in (lt, le, gt, ge, eq, ne):
    array_api_impls[_cmp] = native(_cmp.impl)     # every library's arrays compare


def _and(a: Any, b: Any) -> Any:
    if type(a) is bool and type(b) is bool:
        return a and b
    return call(logical_and, a, b) if foreign(a, b) is not None else np.logical_and(a, b)


def _or(a: Any, b: Any) -> Any:
    if type(a) is bool and type(b) is bool:
        return a or b
    return call(logical_or, a, b) if foreign(a, b) is not None else np.logical_or(a, b)


def _not(a: Any) -> Any:
    if type(a) is bool:
        return not a                     # ~True is -2 in Python
    return call(logical_not, a) if foreign(a) is not None else np.logical_not(a)


logical_and = _no_derivative(_and, "and")
logical_or = _no_derivative(_or, "or")
logical_not = primitive(_not, "not", elementwise=True, check_rules=False)
defvjp(logical_not, None)
array_api_impls[logical_and] = by_name("logical_and")
array_api_impls[logical_or] = by_name("logical_or")
array_api_impls[logical_not] = by_name("logical_not")
defjvp(logical_not, None)


def _bitwise(py_op: Callable[[Any, Any], Any], np_fn: Any, name: str) -> Primitive:
    """An operator on the bits of integers (on booleans, a logical one), as eager code has it.

    Python ints and bools keep Python's operator (``True & False`` is a bool,
    ``6 & 3`` an int); anything else is NumPy's ufunc, as ``&`` on arrays is.
    """
    def impl(a: Any, b: Any) -> Any:
        if type(a) in _PY_INTS and type(b) in _PY_INTS:
            return py_op(a, b)
        if type(a) is float or type(b) is float:
            raise TypeError(_FLOAT_BITS.format(op=name))
        return call(prim, a, b) if foreign(a, b) is not None else np_fn(a, b)
    prim = _no_derivative(impl, name)
    array_api_impls[prim] = by_name(f"bitwise_{name}")     # the Array API's names
    return prim


_PY_INTS = (bool, int)
_FLOAT_BITS = (
    "bitwise {op} of a float: it acts on the bits of integers and booleans only. A Python "
    "int argument of a transform is traced as a float: pass it as a NumPy integer "
    "(np.int64(n)) or an int array, or name it in static_argnums.")
bitwise_and = _bitwise(operator.and_, np.bitwise_and, "and")
bitwise_or = _bitwise(operator.or_, np.bitwise_or, "or")
bitwise_xor = _bitwise(operator.xor, np.bitwise_xor, "xor")
left_shift = _bitwise(operator.lshift, np.left_shift, "left_shift")
right_shift = _bitwise(operator.rshift, np.right_shift, "right_shift")


def _invert(a: Any) -> Any:
    if type(a) is bool:
        return not a                     # ~True is -2 in Python: a traced boolean stays one
    if type(a) is int:
        return ~a
    if type(a) is float:
        raise TypeError(_FLOAT_BITS.format(op="invert (~)"))
    return call(invert, a) if foreign(a) is not None else np.invert(a)


invert = primitive(_invert, "not", elementwise=True, check_rules=False)   # lax.not_p
defvjp(invert, None)
defjvp(invert, None)
array_api_impls[invert] = by_name("bitwise_invert")


def _guard(cond: Any, expected: bool) -> bool:
    """Check, when a tape is replayed, the outcome ``bool(cond)`` had."""
    got = bool(cond)
    if got is not expected:
        raise GuardError(f"assumed {expected} but finds {got}")
    return expected


guard = _no_derivative(_guard, "guard", elementwise=False)   # one outcome per example
array_api_impls[guard] = native(_guard)        # the user's bool(): one read per guard


def _list_guard(e: Eqn) -> str:
    """A guard's line in a listing: ``guard v5 == True``."""
    return f"guard {operand(e.args[0])} == {operand(e.args[1])}"


listings[guard] = _list_guard


# ------------------------------------------------------- on Traced values
def _is_number(x: Any) -> bool:
    """What NumPy compares elementwise: numbers, NumPy scalars, arrays and lists of them."""
    return type(x) is float or isinstance(
        x, int | float | complex | np.number | np.bool_ | np.ndarray | Traced | list | tuple)


def _is_bool(v: Any) -> bool:
    if type(v) is bool or isinstance(v, np.bool_) or (
            isinstance(v, np.ndarray) and v.dtype == np.bool_):
        return True
    xp = foreign(v)                      # another library's comparison result
    return xp is not None and bool(xp.isdtype(v.dtype, "bool"))


def _comparison(prim: Primitive, with_other: Any) -> Callable[[Traced, Any], Any]:
    """``Traced.__lt__`` and the like, recorded against a number.

    Against anything else, Python's plain answer (``x == None`` is False).
    """
    apply2 = prim.apply2

    def compare(self: Traced, other: Any) -> Any:
        if not _is_number(other):
            return with_other
        return apply2(self, other)
    return compare


def _bool(self: Traced) -> bool:
    """``bool()`` of a traced value: Python's answer, recorded as a guard."""
    _check_live(self)
    shape = shape_of(self)
    if shape != () and int(np.prod(shape)) != 1:
        f = user_frame()               # `if x > 0:` on an array, in the user's code
        at = "" if f is None else f" at {f.f_code.co_filename}:{f.f_lineno}"
        raise AmbiguousTruthError(BOOL_ARRAY_MSG.format(shape=shape, where=at))
    v = primal_value(self)               # `if x:` is x != 0 (an int 0: any library's dtype)
    cond = self if _is_bool(v) else ne(self, 0.0 if foreign(v) is None else 0)
    outcome = bool(cond._value)          # an outer tape records its own guard first
    tape = cond.tape                     # the guard record: (guard, outcome, j, x, None, outcome)
    f, n = user_frame(), len(tape.records)
    tape.sources[n] = source_line(f)
    if tape.staging and f is not None:   # a break's loop bound, a counter: jit rolls
        note_numbers(f, Traced)
        left = for_left(f)
        if left is not None:
            tape.left[n] = left
        counts = counter_values(f)
        if counts is not None:
            tape.counts[n] = counts
        steps = step_values(f)               # a Python float step: its values (``pysteps``)
        if steps is not None:
            tape.counts[STEP_KEY + n] = steps
        tallies = tally_values(f)            # a counter returned after its loop: under ``~n``
        if tallies is not None:
            tape.counts[~n] = tallies
    tape.records.append((guard, outcome, cond.id, cond._value, None, outcome))
    return outcome


Traced.__lt__ = _comparison(lt, NotImplemented)       # type: ignore
Traced.__le__ = _comparison(le, NotImplemented)       # type: ignore
Traced.__gt__ = _comparison(gt, NotImplemented)       # type: ignore
Traced.__ge__ = _comparison(ge, NotImplemented)       # type: ignore
Traced.__eq__ = _comparison(eq, False)                # type: ignore
Traced.__ne__ = _comparison(ne, True)                 # type: ignore
Traced.__and__ = bitwise_and.apply2                   # type: ignore
Traced.__rand__ = bitwise_and.rapply2                 # type: ignore  # other & self
Traced.__or__ = bitwise_or.apply2                     # type: ignore
Traced.__ror__ = bitwise_or.rapply2                   # type: ignore  # other | self
Traced.__xor__ = bitwise_xor.apply2                   # type: ignore
Traced.__rxor__ = bitwise_xor.rapply2                 # type: ignore  # other ^ self
Traced.__lshift__ = left_shift.apply2                 # type: ignore
Traced.__rlshift__ = left_shift.rapply2               # type: ignore  # other << self
Traced.__rshift__ = right_shift.apply2                # type: ignore
Traced.__rrshift__ = right_shift.rapply2              # type: ignore  # other >> self
Traced.__invert__ = invert.apply1                     # type: ignore
Traced.__bool__ = _bool                               # type: ignore


ufuncs.update({
    np.less: lt, np.less_equal: le, np.greater: gt, np.greater_equal: ge, np.equal: eq,
    np.not_equal: ne, np.logical_and: logical_and, np.logical_or: logical_or,
    np.logical_not: logical_not,
    # np.bool_ & traced (np.int64 & traced) arrives as bitwise_and: NumPy's bitwise ufuncs
    np.bitwise_and: bitwise_and, np.bitwise_or: bitwise_or, np.bitwise_xor: bitwise_xor,
    np.invert: invert, np.left_shift: left_shift, np.right_shift: right_shift,
})
