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

import difflib
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from .callers import library_caller as _library_caller
from .callers import numpy_spelling
from .callers import scipy_caller as _scipy_caller
from .converted import CASTS, as_stack, drawn, listed
from .errors import DRAW_MSG, DRAWS, METHOD_MSG, STORE_MSG
from .numerics import user_line
from .numpy_advice import POLYNOMIAL_ADVICE, numpy_writes
from .numpy_advice import alternatives as alternatives
from .numpy_arguments import (
    LISTS_KEPT,
    around,
    at_default,
    cast_all,
    extra_keywords,
    numpy_order,
    stacked_keywords,
    stacked_lists,
)
from .numpy_scalars import TWINNED, numpy_twin, on_numbers
from .numpy_tables import functions, ufunc_keywords, ufunc_methods, ufuncs
from .primitive import Primitive
from .pyfloat import library_advice, marked
from .pysource import method_call, names_a_sequence, operand, user_running
from .scipy_refusals import scipy_advice, scipy_alternatives
from .scipy_refusals import tapegrad_scipy as tapegrad_scipy  # the tests read it here
from .values import Traced, _integer_data, library_refusals, numpy_made, primal_value
from .zero_dim import as_zero_d

_keyword_fixes = {      # keywords tapegrad's versions do not take: what to do instead
    "dtype": "cast the argument first (x.astype(np.float32)) or the result after",
    "out": "assign the result (y = f(x)) instead of writing into out; a += x on a "
           "NumPy array a is np.add(a, x, out=a): write a = a + x",
    "where": "mask with tg.where(mask, f(x), fill) instead",
    "initial": "combine the initial value after (tg.sum(x) + initial, tg.max(...))",
    "casting": "cast with x.astype(...) before",
    "order": "drop it (tapegrad's arrays are C-ordered)",
}


def _refuse(name: str) -> TypeError:
    """The error for NumPy's (or, spelled in full, SciPy's) ``name`` on a traced value."""
    library = "SciPy" if name.startswith("scipy.") else "NumPy"
    full = name if library == "SciPy" else f"np.{name}"
    alt = scipy_alternatives.get(name.split("(")[0]) or alternatives.get(name)
    use = f" Use {alt} instead." if alt else _nearest(name)
    if not alt and name.startswith("polynomial."):    # legroots is not np.roots
        use = " " + POLYNOMIAL_ADVICE
    if library == "SciPy":      # tapegrad.scipy's counterpart, or the nearest spelling
        use = scipy_advice(name.split("(")[0])
    return marked(TypeError(
        f"{full} was applied to a traced value: tapegrad cannot differentiate it, and "
        f"{library} would silently drop the derivative.{use}"))


def _names() -> set[str]:
    """The names of the NumPy functions and ufuncs tapegrad runs on traced values."""
    return {getattr(f, "__name__", "") for f in [*functions, *ufuncs]} - {""}


def _nearest(name: str) -> str:
    """Advice for a NumPy function with no entry in ``alternatives``: the closest we have."""
    have = sorted(_names())
    close = difflib.get_close_matches(name.rpartition(".")[2], have, 1, 0.75)
    if close:
        return f" Use np.{close[0]} (the nearest function tapegrad has) if it fits."
    return (f" tapegrad has no np.{name}: write it with tapegrad's functions (tg.where, "
            f"tg.sum, tg.exp, ...), or as a tg.primitive with its derivative (tg.defvjp).")


def _refuse_keywords(name: str, bad: list[str], allowed: tuple[str, ...]) -> TypeError:
    """The error for a supported NumPy function called with keywords tapegrad does not take."""
    takes = (f"takes only the keyword{'s' if len(allowed) > 1 else ''} {', '.join(allowed)}"
             if allowed else "takes no keywords")
    fixes = "; ".join(f"for {k}: {_keyword_fixes[k]}" for k in bad if k in _keyword_fixes)
    return TypeError(
        f"np.{name}(..., {', '.join(f'{k}=...' for k in bad)}) was applied to a traced value: "
        f"tapegrad's np.{name} {takes}, not {', '.join(bad)}. Call it without "
        f"{', '.join(bad)}" + (f" ({fixes})." if fixes else "."))


def _ufunc_name(ufunc: Any) -> str:
    """A ufunc's name as ``_refuse`` takes it: NumPy's bare, SciPy's in full."""
    name = ufunc.__name__
    if getattr(np, name, None) is ufunc:
        return name
    special = sys.modules.get("scipy.special")
    if special is not None and getattr(special, name, None) is ufunc:
        return f"scipy.special.{name}"
    return name


copy_makers: list[Callable[[Any], Any]] = []
"""``writes.traced_copy``: a new traced array where NumPy's result is a new array but
tapegrad's would be its input itself (``np.positive(x)``, ``np.concatenate([x])``),
so that a write into the result (``y[0] = v``) leaves the input alone, as NumPy's."""

COPIES = {np.concatenate, np.hstack, np.vstack, np.dstack, np.column_stack, np.block,
          np.roll, np.clip, np.nan_to_num, np.round, np.around, np.fix, np.append,
          np.sort, np.copy, np.ascontiguousarray}
"""NumPy's functions whose result never shares its input's memory (without out=)."""


def _in_place_copy(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """``np.nan_to_num(x, copy=False)``: NumPy's result is ``x`` itself, written."""
    return func is np.nan_to_num and kwargs.get("copy", args[1] if len(args) > 1 else True) \
        is False


def fresh(out: Any, inputs: Any) -> Any:
    """``out``, or a copy of it where it is one of ``inputs`` (or in a list of them)."""
    if type(out) is Traced and copy_makers and any(
            a is out or type(a) in (list, tuple) and any(b is out for b in a) for a in inputs):
        return copy_makers[0](out)
    return out


out_writers: list[Callable[[Any, Any, str], Any]] = []
"""``writes.write_out``: NumPy's ``out=`` of a traced array, the result written into it."""


def _traced_out(kwargs: dict[str, Any]) -> Any:
    """The traced array of ``out=`` (a ufunc's one-element tuple too), or None."""
    out = kwargs.get("out")
    out = out[0] if type(out) is tuple and len(out) == 1 else out
    return out if type(out) is Traced and out_writers else None


def _into_out(call: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
              name: str, ufunc: bool) -> Any:
    """``call(*args, **kwargs)`` without its ``out=``, written into that traced array.

    NumPy writes its result into ``out`` (``np.add(u, lap, out=u_new)``) and
    returns ``out``: so does this, the array standing for the written one. A
    ufunc's ``where=`` keeps ``out``'s numbers where it is False
    (``np.divide(a, b, out=np.zeros_like(a), where=b != 0)``), as a select.
    """
    out = _traced_out(kwargs)
    mask = kwargs.get("where", True) if ufunc else True
    result = call(*args, **{k: v for k, v in kwargs.items()
                            if k != "out" and not (ufunc and k == "where")})
    if mask is not True:
        result = np.where(mask, result, out)
    return out_writers[0](out, result, f"np.{name}(..., out=...)")


ufunc_finders: list[Callable[[Any], Any]] = []
"""Called with a ufunc missing from ``ufuncs``: its tapegrad function, or None (a
library's ufuncs found late, as tapegrad.scipy finds SciPy's without importing it)."""


_found_late: dict[Any, Any] = {}    # apart from NumPy's ufuncs (the docs table lists those)


def _find_late(ufunc: Any) -> Any:
    if ufunc in _found_late:
        return _found_late[ufunc]
    for find in ufunc_finders:
        prim = find(ufunc)
        if prim is not None:
            _found_late[ufunc] = prim       # found once, then a dict hit
            return prim
    return None


_SERIES = frozenset(getattr(f, "__code__", None) for f in (
    np.polynomial.polynomial.polyval, np.polynomial.chebyshev.chebval,
    np.polynomial.legendre.legval, np.polynomial.hermite.hermval,
    np.polynomial.hermite_e.hermeval, np.polynomial.laguerre.lagval))


def _series_rows(inputs: tuple[Any, ...]) -> tuple[Any, ...]:
    """``inputs``, with rows of ``c`` given ``x``'s axes inside np.polynomial's ``polyval``.

    NumPy's polyval (chebval, ...) gives coefficients of several axes one
    trailing axis per axis of ``x`` where ``isinstance(x, np.ndarray)``, which
    a traced ``x`` is not: without them the result would be of another shape,
    or broadcast silently into other numbers. Each row of ``c`` (an array of
    shape ``c.shape[1:]``) meeting the traced ``x`` here gets them.
    """
    frame = sys._getframe(2)
    if frame.f_code not in _SERIES:
        return inputs
    local = frame.f_locals
    x, c = local.get("x"), local.get("c")
    if type(x) is not Traced or type(c) is not np.ndarray or c.ndim < 2 or \
            not local.get("tensor", True) or not _shape_of(x):
        return inputs
    rows, axes = c.shape[1:], (1,) * len(_shape_of(x))
    return tuple(a.reshape(rows + axes) if type(a) is np.ndarray and a.shape == rows else a
                 for a in inputs)


def _array_ufunc(self: Traced, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
    prim = ufuncs.get(ufunc) or _find_late(ufunc)
    inputs = stacked_lists(inputs)
    if type(inputs[0]) is np.ndarray or len(inputs) > 1 and type(inputs[1]) is np.ndarray:
        inputs = _series_rows(inputs)     # np.polynomial's polyval of a traced x
    if kwargs:
        kwargs = {k: v for k, v in kwargs.items() if not at_default(k, v)}
        if method == "__call__" and _traced_out(kwargs) is not None:
            return _into_out(ufunc, inputs, kwargs, _ufunc_name(ufunc), True)
    if prim is not None and method == "__call__" and not kwargs:
        if prim.__class__ is Primitive and prim.name in TWINNED and on_numbers(inputs):
            prim = numpy_twin(prim, ufunc)           # NumPy's bits, not math's
        n = len(inputs)
        if prim.__class__ is Primitive and n == 2:      # prim(*inputs), one call fewer
            out = prim.apply2(inputs[0], inputs[1])
        elif prim.__class__ is Primitive and n == 1:
            out = prim.apply1(inputs[0])
        else:
            out = prim(*inputs)
        if out is inputs[0] or n == 2 and out is inputs[1]:    # np.positive(x): a new array
            return fresh(out, inputs)
        return numpy_made(out)
    name = _ufunc_name(ufunc)
    if prim is not None and method in ufunc_methods and not name.startswith("scipy."):
        return ufunc_methods[method](ufunc, *inputs, **kwargs)   # np.subtract.outer(x, y)
    if prim is not None and method == "__call__" and set(kwargs) == {"dtype"}:   # np.exp(x, dtype=)
        return numpy_made(prim(*cast_all(inputs, kwargs["dtype"], ufunc.__name__)))
    takes = ufunc_keywords.get(ufunc, ())
    if prim is not None and method == "__call__" and _kw(kwargs, *takes):
        return numpy_made(prim(*inputs, **kwargs))           # np.vecdot(x, y, axis=0)
    if prim is not None and method == "__call__" and not name.startswith("scipy."):
        raise _refuse_keywords(name, list(kwargs), takes)
    name = name if method == "__call__" else f"{name}.{method}"
    if _ufunc_name(ufunc).endswith(" (vectorized)"):   # np.frompyfunc(f, 1, 1)
        name = "frompyfunc"
    raise _refuse(_scipy_caller() or name)


def _kw(kwargs: dict[str, Any], *allowed: str) -> bool:
    return "**" in allowed or all(k in allowed for k in kwargs)   # "**": any (apply_along_axis)


# Functions that give an array even of shape (): a 0-d array, as NumPy's, not
# a NumPy scalar nor a float (``np.where`` of two float64 scalars, a
# ``np.tensordot`` over every axis, ``np.squeeze`` of one element)
_ARRAYS_OUT = {np.reshape, np.squeeze, np.asarray, np.array, np.copy, np.transpose,
               np.broadcast_to, np.expand_dims, np.asanyarray, np.ascontiguousarray,
               np.where, np.select, np.tensordot}
_METHODS = {np.reshape, np.squeeze, np.transpose}   # x.reshape(()): a scalar's is a scalar
_PYTHON_BOOLS = {np.allclose, np.array_equal, np.array_equiv}   # NumPy's bool(...)


def _array_function(self: Traced, func: Any, types: Any, args: tuple[Any, ...],
                    kwargs: dict[str, Any]) -> Any:
    if func in (np.shape, np.ndim, np.size):        # NumPy's, on an array of that shape
        shape = _shape_of(args[0])
        return shape if func is np.shape else func(np.broadcast_to(0, shape), *args[1:], **kwargs)
    handler = functions.get(func)
    if handler is not None and func not in LISTS_KEPT:
        args, kwargs = stacked_lists(args), stacked_keywords(kwargs)
    if handler is not None and _traced_out(kwargs) is not None:        # np.clip(x, out=y)
        return _into_out(func, args, kwargs, numpy_spelling(func) or func.__name__, False)
    if handler is not None and (kwargs or len(args) > 1):
        args, kwargs = numpy_order(func, handler, args, kwargs)
        out = around(func, args, kwargs) if kwargs else None
        if out is not None:         # np.max(x, initial=0.0): NumPy's scalar, as without it
            return numpy_made(out)
    if handler is not None and (not kwargs or _kw(kwargs, *handler[1])):
        out = handler[0](*args, **kwargs)
        if func in COPIES and not _in_place_copy(func, args, kwargs):
            out = fresh(out, args)
        if func in _ARRAYS_OUT:
            return out if func in _METHODS and type(primal_value(args[0])) is not np.ndarray \
                else as_zero_d(out)
        if func in _PYTHON_BOOLS:
            return out
        if isinstance(out, tuple):      # slogdet's (sign, logabsdet): NumPy scalars too
            made = [numpy_made(x) for x in out]
            return type(out)(*made) if hasattr(out, "_fields") else tuple(made)
        return numpy_made(out)
    name = numpy_spelling(func) or func.__name__
    module = getattr(func, "__module__", "") or ""     # np.polynomial.chebyshev's chebval
    if "." not in name and module.startswith("numpy.polynomial"):
        name = f"polynomial.{name}"
    caller = _scipy_caller()
    if handler is not None and caller is None:
        takes = handler[1] + extra_keywords.get(func, ())
        raise _refuse_keywords(name, [k for k in kwargs if k not in takes], takes)
    raise _refuse(caller or name)


def _own(caller: str) -> str:
    """``, or call tg.polyint, ...``: tapegrad's function of that name, where it has one."""
    name = caller.rpartition(".")[2]
    own = getattr(sys.modules.get("tapegrad"), name, None)
    if own is None or not any(getattr(f, "__name__", "") == name and handler is own
                              for f, (handler, _) in functions.items()):
        return ""
    return f", or call tg.{name}, which takes a traced value in any argument"


def _shape_of(x: Any) -> tuple[int, ...]:
    return x.shape if type(x) is Traced else np.shape(x)


def _staged(x: Any) -> bool:
    """Whether ``x``, at any level, is on a tape that jit, vmap or make_tape will replay."""
    while type(x) is Traced:
        if x.tape.staging:
            return True
        x = x._value
    return False


def _array(self: Traced, dtype: Any = None, copy: Any = None) -> Any:
    caller = _library_caller()
    if caller is not None and not caller.startswith("scipy.") and caller not in alternatives \
            and caller.rpartition(".")[2] in _names() and not _integer_data(primal_value(self)):
        _, text = user_running(sys._getframe(1), ("tapegrad", "numpy")) or ("", "")
        raise TypeError(            # np.sum([a, b]): NumPy dispatches on the list, not on a
            listed(text, caller) or
            f"np.{caller} converted a traced value with np.asarray, dropping the "
            f"derivative: NumPy hands a call to tapegrad only where a traced value is in an "
            f"argument it dispatches on, not in a list or tuple and not in a later argument "
            f"beside constant leading ones (np.polyint(p, k=k) dispatches on p alone). Stack "
            f"a list first (np.{caller}(np.stack([...]))){_own(caller)}.")
    if caller is not None:
        raise _refuse(caller)
    if _integer_data(primal_value(self)):
        if not _staged(self):   # a tape never replayed: integer data has no derivative
            return np.asarray(primal_value(self), dtype=dtype)
        if self.dtype == np.bool_:  # E[mask]: a shape that depends on the data
            raise TypeError(
                "a traced boolean mask reached NumPy, which would need its value: "
                "indexing a NumPy array with it (E[mask]) would make the result's shape "
                "depend on a value; use np.where(mask, E, 0.0) to keep the shape (and "
                "np.sum(mask) to count), or a constant mask.")
        _, text = user_running(sys._getframe(1), ("tapegrad", "numpy")) or ("", "")
        raise TypeError(
            f"{f'{text} at {user_line()}: ' if text else ''}a traced integer array reached "
            "NumPy, which would need its value: indexing a NumPy array with it (E[i]) is the "
            "usual cause. Write (np.arange(len(E)) == i) @ E (a one-hot row times E; "
            "np.eye(n)[i] is (np.arange(n) == i) * 1.0) or tg.take(E, i, axis=0), or make E "
            "a traced value (an argument of the transform): a traced array indexes by itself.")
    raise _converted_where()


def _converted_where() -> TypeError:
    """The error for NumPy's C code converting a traced value, naming the user's expression."""
    op, text = user_running(sys._getframe(2), ("tapegrad", "numpy")) or ("", "")
    if op == "STORE_SUBSCR":
        return TypeError(STORE_MSG.format(target=text, array=text.partition("[")[0]))
    owner, method, args, operands = method_call(text) or ("", "", [], [])
    numpy = owner in ("np", "numpy")
    if numpy and method in ("array", "asarray") and args:
        seq = names_a_sequence(sys._getframe(2), ("tapegrad", "numpy"), args[0])
        return TypeError(f"{text} at {user_line()}: {as_stack(args[0], method, seq)}")
    if numpy and method in CASTS and len(args) == 1:
        cast = f"{operand(args[0])}.astype(np.{method})"
        return TypeError(f"{text} at {user_line()} converts the traced value with np.asarray "
                         f"and would drop its derivative: write {cast}.")
    if method in DRAWS and not hasattr(np.ndarray, method):     # rng.normal(mu, sigma)
        return TypeError(f"{DRAW_MSG.format(call=text, spelling=DRAWS[method])} (at {user_line()})")
    said = (listed(text, method) if numpy else None) or drawn(text)
    if said is not None:            # np.exp([a, b]), rng.normal(loc=mu)
        return TypeError(f"{said} (at {user_line()})")
    if owner and not numpy and hasattr(np.ndarray, method) and hasattr(np, method):
        said = METHOD_MSG.format(call=text, method=method)
        advice = alternatives.get(method) or numpy_writes.get(method)
        if advice:                       # NumPy's function refuses a traced value too
            return TypeError(f"{said} Use {advice} instead.")
        at = f", or {' @ '.join(operands)}" if method == "dot" and len(operands) == 2 else ""
        return TypeError(f"{said} Call NumPy's function instead: "
                         f"np.{method}({', '.join([owner, *args])}){at}.")
    return _refuse("asarray")


library_refusals.append(lambda: _refuse(c) if (c := _scipy_caller()) else None)
library_advice["scipy"] = scipy_advice          # scipy.integrate.quad(f, ...) of traced f
Traced.__array_ufunc__ = _array_ufunc             # type: ignore
Traced.__array_function__ = _array_function       # type: ignore
Traced.__array__ = _array                         # type: ignore
