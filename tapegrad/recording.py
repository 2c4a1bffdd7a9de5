"""Recording: applying a primitive to traced values pushes one record on a tape.

``apply`` is the general rule: the innermost tape among the arguments
records, and where the values are themselves traced (nested transforms) the
primitive is applied again one level down. ``unary_applier``,
``binary_applier`` and ``reflected_applier`` are the same for one and two
arguments written out per primitive: every traced operator runs them
(``Traced.__mul__`` is ``binary_applier(mul)``), so they are the hot path.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .backends import array_api_impls, uncovered
from .errors import COMPLEX_MSG, ESCAPED_MSG, EscapedTracerError
from .freezing import kept
from .numerics import check_nan, quiet
from .values import Traced, is_complex, primal_value

if TYPE_CHECKING:
    from .primitive import Primitive
    from .tape import Tape

__all__ = ["apply", "apply_known", "binary_applier", "broadcast_error", "reflected_applier",
           "unary_applier"]


def broadcast_error(prim: Primitive, e: ValueError) -> ValueError:
    """NumPy's "could not be broadcast" named by the operation that met it; others as they are."""
    text = str(e).strip()
    if "could not be broadcast" not in text:
        return e
    return ValueError(f"{prim.name}: {text}. Shapes line up from their last axis, each pair "
                      "of sizes equal or one of them 1: reshape an operand, or index it with "
                      "None to add an axis (x[:, None] is a column).")

_new = object.__new__
_nd = np.ndarray
_quiet = quiet.get     # NumPy's warnings are off already (inside a transform)


def apply(prim: Primitive, *args: Any) -> Any:
    """Apply ``prim`` to ``args``, recording it on the innermost active tape.

    Arguments that are not on that tape are constants there. The primitive's
    implementation runs on the unwrapped values; if those are still traced
    (values of outer tapes), it is applied again, so outer tapes record too.
    """
    tape = None
    for a in args:
        if type(a) is Traced:
            t = a.tape
            if not t.active:
                raise EscapedTracerError(ESCAPED_MSG)
            if tape is None or t.level > tape.level:
                tape = t
    if tape is None:
        return _eager(prim, args)
    flat: list[Any] = [prim, None]     # (op, ans, j0, a0, j1, a1, ...)
    vals: list[Any] = []
    outer = False
    for a in args:
        if type(a) is Traced and a.tape is tape:
            flat.append(a.id)
            a = a._value
        else:
            flat.append(None)
        if type(a) is Traced:
            outer = True
        flat.append(a)
        vals.append(a)
    if outer:
        flat[1] = apply(prim, *vals)
    else:
        try:
            flat[1] = prim.impl(*vals)
        except (OverflowError, ValueError) as e:
            _run(prim, vals, flat, e)
        if type(flat[1]) is Traced:
            _closed_over(prim, tape, flat[1])
    for k in range(3, len(flat), 2):    # a constant: as the operation read it
        if flat[k - 1] is None:
            flat[k] = _as_read(flat[k], tape)
    _complex_result(prim, tape, flat[1])
    return _push(tape, tuple(flat))


def _run(prim: Primitive, vals: list[Any], flat: list[Any], e: Exception) -> None:
    """``flat[1]`` after ``prim.impl(*vals)`` raised ``e``.

    An int too big for a float is inf (IEEE); shapes that do not broadcast
    are named by the operation that met them.
    """
    if isinstance(e, ValueError):
        raise broadcast_error(prim, e) from None
    vals = [_ieee_int(v) for v in vals]
    flat[3::2] = vals
    flat[1] = prim.impl(*vals)


def _constant(a: Any, seqs: bool, tape: Tape) -> Any:
    """An operand that is not traced, as the operator takes it; complex: refused by grad.

    A list or tuple is NumPy's array of it for an elementwise primitive. A
    complex constant makes the traced value complex, which no derivative rule
    takes (``(x * 1j).real`` would be ``x``); ``jit`` and ``vmap`` (a staging
    tape) compute its values as NumPy does (``complexes.py``).
    """
    t = type(a)
    if t is np.ndarray:
        if a.dtype.kind != "c":
            return a
    elif seqs and (t is list or t is tuple):
        return _constant(np.asarray(a), seqs, tape)
    elif not is_complex(a):
        return a
    if tape.staging:
        return a
    raise TypeError(f"a value being differentiated met the complex constant {a!r}; "
                    + COMPLEX_MSG)


def _any_constant(a: Any, seqs: bool, tape: Tape) -> Any:
    """``_constant`` for a comparison: a complex constant compares as NumPy's does."""
    return np.asarray(a) if seqs and (type(a) is list or type(a) is tuple) else a


def _as_read(a: Any, tape: Tape) -> Any:
    """A constant as a record keeps it, safe from a later write into the array read.

    A writable NumPy array is copied (``freezing.kept``); a value of an outer
    tape is a new ``Traced`` of the same record, as a write into the array
    (``u[0] = v``, ``u += v``) makes the user's object stand for another record.
    """
    if a.__class__ is _nd:
        return kept(a, tape)
    if a.__class__ is Traced:
        t = _new(Traced)
        t.tape, t.id, t._value = a.tape, a.id, a._value
        return t
    return a


def _complex_result(prim: Primitive, tape: Tape, ans: Any) -> None:
    """Refuse a complex result on a tape that differentiates (``np.where(c, x, 1j)``)."""
    ans = primal_value(ans)
    if not tape.staging and (is_complex(ans) or (
            type(ans) is tuple and any(is_complex(primal_value(a)) for a in ans))):
        raise TypeError(f"{prim.name} of a value being differentiated gave complex numbers; "
                        + COMPLEX_MSG)


def _push(tape: Tape, record: tuple[Any, ...]) -> Traced:
    """``tape.push(record)``, minus the Python-level ``Traced.__init__``."""
    records = tape.records
    i = len(records)
    records.append(record)
    ans = record[1]
    if tape.check_nans:
        check_nan(tape, i, ans, "value")
    out = _new(Traced)
    out.tape, out.id, out._value = tape, i, ans
    return out


def apply_known(prim: Primitive, ans: Any, x: Traced) -> Traced:
    """Record ``prim(x)`` whose result ``ans`` is known already (computed on ``x``'s value).

    For a function that computes two results with one factorization (``slogdet``'s
    sign and log-determinant): ``x`` is traced on one tape, over a plain number.
    """
    if not x.tape.active:
        raise EscapedTracerError(ESCAPED_MSG)
    return _push(x.tape, (prim, ans, x.id, x._value))


def unary_applier(prim: Primitive) -> Callable[[Any], Any]:
    """``apply`` for one argument, written out for ``prim``: a hot path.

    Closing over the primitive and its impl saves attribute lookups and a
    call per op (benchmarks/eager.py).
    """
    impl = prim.impl
    user = prim.check_rules       # a user's impl may close over a traced value

    def apply_1(x: Any) -> Any:
        if type(x) is not Traced:
            if type(x) is float or _quiet():   # warnings off already: _eager minus a call
                try:
                    return impl(x)
                except OverflowError:
                    pass
            return _eager(prim, (x,))
        tape = x.tape
        if not tape.active:
            raise EscapedTracerError(ESCAPED_MSG)
        v = x._value
        ans = apply_1(v) if type(v) is Traced else impl(v)
        if user and type(ans) is Traced:
            _closed_over(prim, tape, ans)
        records = tape.records          # tape.push, inlined for speed
        i = len(records)
        records.append((prim, ans, x.id, v))
        if tape.check_nans:
            check_nan(tape, i, ans, "value")
        t = _new(Traced)       # Traced(tape, i, ans) minus a Python-level __init__
        t.tape, t.id, t._value = tape, i, ans
        return t
    return apply_1


def binary_applier(prim: Primitive, write: Callable[[Any, Any], Any] | None = None,
                   real: bool = True) -> Callable[[Any, Any], Any]:
    """``apply`` for two arguments, written out for ``prim``.

    The hot path of every operator (``Traced.__mul__`` is
    ``binary_applier(mul)``). With ``write``, an in-place operator
    (``Traced.__iadd__``): the result of ``a op b`` goes through
    ``write(result, a's value)`` unless ``a``'s value is a float, which is
    rebound as Python does (``augmented.py``). ``real=False`` lets a
    complex constant in, for a primitive whose result is not a number (``x == 1j``).
    """
    constant = _constant if real else _any_constant
    impl = prim.impl
    seqs = prim.elementwise       # its list or tuple operand is NumPy's array of it
    user = prim.check_rules       # a user's impl may close over a traced value

    def apply_2(a: Any, b: Any) -> Any:
        ja: int | None
        jb: int | None
        if type(a) is Traced:
            tape = a.tape
            ja = a.id
            va = a._value
            if type(b) is Traced:
                if b.tape is not tape:             # two tapes: the general rule
                    ans = apply(prim, a, b)
                    return ans if write is None else write(ans, va)
                jb = b.id
                vb = b._value
            else:
                jb = None
                vb = b if type(b) is float or type(b) is int else constant(b, seqs, tape)
        elif type(b) is Traced:
            tape = b.tape
            ja = None
            va = a if type(a) is float or type(a) is int else constant(a, seqs, tape)
            jb = b.id
            vb = b._value
        elif type(a) is float and type(b) is float:
            return impl(a, b)                  # plain floats: no NumPy, no tape
        else:
            if _quiet():       # inside a transform (a rule's arithmetic): _eager minus a call
                try:
                    return impl(a, b)
                except OverflowError:
                    pass
            return _eager(prim, (a, b))
        if not tape.active:
            raise EscapedTracerError(ESCAPED_MSG)
        if type(va) is Traced or type(vb) is Traced:
            ans = deeper(va, vb)
        else:
            try:
                ans = impl(va, vb)
            except OverflowError:      # an int too big for a float: IEEE says inf
                va, vb = _ieee_int(va), _ieee_int(vb)
                ans = impl(va, vb)
            except ValueError as e:
                raise broadcast_error(prim, e) from None
        if user and type(ans) is Traced:
            _closed_over(prim, tape, ans)
        if jb is None and vb.__class__ is _nd:      # a constant array: as read now
            vb = kept(vb, tape)
        elif ja is None and va.__class__ is _nd:
            va = kept(va, tape)
        records = tape.records          # tape.push, inlined for speed
        i = len(records)
        records.append((prim, ans, ja, va, jb, vb))
        if tape.check_nans:
            check_nan(tape, i, ans, "value")
        t = _new(Traced)       # Traced(tape, i, ans) minus a Python-level __init__
        t.tape, t.id, t._value = tape, i, ans
        if write is None or type(va) is float:
            return t
        return write(t, va)
    deeper = apply_2 if write is None else prim.apply2    # one level down: not in place
    return apply_2


def reflected_applier(prim: Primitive, real: bool = True) -> Callable[[Any, Any], Any]:
    """``prim(other, self)`` for Python's reflected operators.

    ``2.0 * x`` is ``x.__rmul__(2.0)``, where only ``self`` is traced: a
    short copy of the binary applier's constant-first case, without a lambda
    in between (benchmarks/higher.py).
    """
    constant = _constant if real else _any_constant
    impl = prim.impl
    apply_2 = prim.apply2
    seqs = prim.elementwise       # its list or tuple operand is NumPy's array of it
    user = prim.check_rules

    def rapply_2(b: Any, a: Any) -> Any:
        if type(a) is Traced:                  # only when called by hand
            return apply_2(a, b)
        tape = b.tape
        if type(a) is not float and type(a) is not int:
            a = constant(a, seqs, tape)
        if not tape.active:
            raise EscapedTracerError(ESCAPED_MSG)
        vb = b._value
        if type(vb) is Traced:
            ans = apply_2(a, vb)
        else:
            try:
                ans = impl(a, vb)
            except OverflowError:      # an int too big for a float: IEEE says inf
                a = _ieee_int(a)
                ans = impl(a, vb)
            except ValueError as e:
                raise broadcast_error(prim, e) from None
        if user and type(ans) is Traced:
            _closed_over(prim, tape, ans)
        if a.__class__ is _nd:          # a constant array: as read now
            a = kept(a, tape)
        records = tape.records          # tape.push, inlined for speed
        i = len(records)
        records.append((prim, ans, None, a, b.id, vb))
        if tape.check_nans:
            check_nan(tape, i, ans, "value")
        t = _new(Traced)
        t.tape, t.id, t._value = tape, i, ans
        return t
    return rapply_2


def _closed_over(prim: Primitive, tape: Tape, ans: Traced) -> None:
    """Refuse an ``impl`` that closes over a value traced on ``tape`` (or deeper).

    ``impl`` ran on the values under ``tape`` yet gave a value traced there,
    which no rule of ``prim`` can see. A value of an outer tape is fine: the
    outer transforms record that part.
    """
    if ans.tape.level >= tape.level:
        raise TypeError(
            f"primitive '{prim.name}': impl returned a traced value, so it closes over a "
            "value of the function being transformed and the rules cannot differentiate "
            "through it. Pass that value to the primitive as one more input (with its "
            "rule), as JAX's closure_convert does: impl must be a function on numbers.")


def _eager(prim: Primitive, args: tuple[Any, ...]) -> Any:
    """Run on plain numbers, with NumPy's IEEE warnings off for NumPy values.

    Inside a transform they are off already (``quiet``), which is the
    common case: the tape players run on plain numbers too.
    """
    if prim not in array_api_impls:     # another library's arrays: a rule or a TypeError
        uncovered(prim, args)
    try:
        if not quiet.get():
            for a in args:
                if type(a) is not float and isinstance(a, _NUMPY):
                    with np.errstate(all="ignore"):
                        return prim.impl(*args)
        return prim.impl(*args)
    except OverflowError:              # an int too big for a float: IEEE says inf
        big = tuple(_ieee_int(a) for a in args)
        if big == args:
            raise
        return _eager(prim, big)


_NUMPY = (np.ndarray, np.generic)


def _ieee_int(a: Any) -> Any:
    """A Python int beyond float range as the float IEEE rounds it to, ``inf``."""
    if type(a) is int:
        try:
            float(a)
        except OverflowError:
            return math.inf if a > 0 else -math.inf
    return a
