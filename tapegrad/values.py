"""What a number is to tapegrad: plain, or ``Traced`` while a transform runs.

A ``Traced`` value stands in for a number while a transform runs: it knows
its tape, its id there, and its value. The value is a number, or a traced
value of an *outer* tape when transforms are nested. The operators on
``Traced`` are attached by the modules that define them (``ops.py``: ``*``,
``arrays.py``: ``@``; ``indexing.py``: ``x[i]``); NumPy's protocols by ``numpy_dispatch``.
Every ndarray method a traced value lacks is a property that says why.

The helpers answer one question each about a number of any level:
``primal_value`` (the plain number beneath), ``shape_of``, ``float_array``,
``is_complex``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import COMPLEX_MSG, ESCAPED_MSG, FLOAT_MSG, STORE_MSG, EscapedTracerError
from .numerics import user_line
from .pyfloat import float_error, marked
from .pysource import running, running_op
from .tree import LEAF_TYPES

if TYPE_CHECKING:
    from .tape import Tape

__all__ = ["Traced", "UnsupportedMethodError", "as_numpy_float", "float_array", "is_complex",
           "made_float", "is_scalar", "numpy_operators", "primal_value", "python_float",
           "shape_of"]


def is_complex(x: Any) -> bool:
    """A complex number or array: refused by every transform, never cast."""
    return isinstance(x, complex | np.complexfloating) or (
        isinstance(x, np.ndarray) and x.dtype.kind == "c")


def _integer_data(x: Any) -> bool:
    """Integer or boolean data (an array or a NumPy scalar): a tape keeps it as it is."""
    return isinstance(x, np.integer | np.bool_) or (
        isinstance(x, np.ndarray) and x.dtype.kind in "iub")


class Traced:
    """A number being recorded: its tape, its id on the tape, and its value.

    Behaves like the number it stands for: arithmetic, comparisons (recorded,
    giving traced booleans), ``bool`` (which records a guard) and ``hash``
    (of the value); the operators are attached in ``ops.py``. On a tape
    made to be replayed (``jit``, ``vmap``, ``make_tape``) ``hash`` and
    ``primal()`` raise: the number they would read is this call's only.
    ``value`` (the number one level down) raises there too; ``copy.copy``
    and ``copy.deepcopy`` return the value itself.
    """

    __slots__ = ("tape", "id", "_value")
    # NumPy functions on traced values (__array_ufunc__ and the like): numpy_dispatch.py

    def __init__(self, tape: Tape, id: int, value: Any):
        self.tape = tape
        self.id = id
        self._value = value

    def __repr__(self) -> str:
        return f"Traced({self._value!r}, v{self.id})"

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of the value (``()`` for a float)."""
        return shape_of(self._value)

    @property
    def ndim(self) -> int:
        """The number of axes of the value (0 for a float)."""
        return len(shape_of(self._value))

    @property
    def size(self) -> int:
        """The number of elements of the value (1 for a float)."""
        return int(np.prod(shape_of(self._value)))

    @property
    def dtype(self) -> np.dtype[Any]:
        """The NumPy dtype of the value (``float64`` for a Python float)."""
        v = primal_value(self)
        return v.dtype if isinstance(v, np.ndarray | np.generic) else np.asarray(v).dtype

    itemsize = property(lambda self: self.dtype.itemsize, doc="Bytes per element, NumPy's.")
    nbytes = property(lambda self: self.size * self.dtype.itemsize, doc="NumPy's nbytes.")

    @property
    def value(self) -> Any:
        """The value one level down: a number, or a traced value of an outer tape.

        Raises:
          TypeError: under ``jit``, ``vmap`` or ``make_tape``, where the number
            would be baked into every later call of the recording.
        """
        _readable(self, "x.value")
        return self._value

    def primal(self) -> Any:
        """The concrete value beneath every level of tracing (no derivative).

        Raises:
          TypeError: under ``jit``, ``vmap`` or ``make_tape``, where the number
            would be baked into every later call of the recording.
        """
        _readable(self, "x.primal()")
        return primal_value(self)

    # Python would silently drop the derivative in these: refuse, as JAX does.
    def __float__(self) -> float:
        frame = sys._getframe(1)
        site = running(frame) if running_op(frame) == "STORE_SUBSCR" else None
        if site is not None and site[0] == "STORE_SUBSCR":     # a[i] = x, a a NumPy array
            target = site[1]
            raise marked(TypeError(STORE_MSG.format(target=target,     # NumPy raises a
                                                    array=target.partition("[")[0])))  # ValueError
        raise float_error(frame)                  # float(x), math.exp(x), statistics.fmean

    def as_integer_ratio(self) -> tuple[int, int]:
        """Refused: ``statistics.mean`` of traced values would drop their derivative."""
        raise float_error(sys._getframe(1), "as_integer_ratio")

    def __int__(self) -> int:
        value = primal_value(self)
        if not _integer_data(value):
            raise TypeError(FLOAT_MSG.format(what="int"))
        x: Any = self       # np.argmax(x): no derivative to drop, unless a tape is replayed
        while x.__class__ is Traced:
            if x.tape.staging:      # p = int(np.argmax(...)): a guard, as `if p == k:` is;
                bool(self == value)     # a replay where p differs traces again
                break
            x = x._value
        return int(value)

    def __round__(self, ndigits: int | None = None) -> Any:
        if ndigits is None:         # Python's round(x) is an int
            raise TypeError(FLOAT_MSG.format(what="round") + " np.round(x) is the rounded float.")
        return np.round(self, ndigits)  # type: ignore[call-overload]  # tapegrad's np.round

    def __format__(self, spec: str) -> str:
        """``f"{loss:.3f}"`` formats the value (under ``jit``: when it traces)."""
        return format(primal_value(self), spec) if spec else repr(self)

    def __complex__(self) -> complex:
        raise TypeError(FLOAT_MSG.format(what="complex"))

    def __index__(self) -> int:
        raise TypeError(
            "a traced value was used where Python needs a concrete int (range(n), an "
            "index into a list, a shape): its value may differ on the next call. Under "
            "tg.jit (and tg.vmap), an int argument is traced like any number: pass it in "
            "static_argnums (or static_argnames) so that jit specializes on its value. "
            "Under tg.grad, pass it through an argument that is not in argnums. To "
            "index a traced array with traced integers, index it directly (x[i]), or "
            "use tg.take(a, i, axis=0) for a NumPy array a.")

    def __hash__(self) -> int:
        _check_live(self)
        if self.tape.staging:     # a lookup decided at trace time, with no guard
            _refuse_staged(self, "hash() of a traced value (a set member or a dict key)",
                           "Keep the values in a list and compare them with ==, which "
                           "records the comparison (`any(x == k for k in keys)`), or "
                           "choose with tg.where")
        return hash(self._value)   # a traced float hashes like its value

    # x[i] = v and x.copy(), a new array to write to: writes.py
    def __copy__(self) -> Traced:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Traced:
        return self


class UnsupportedMethodError(AttributeError):
    """An ``ndarray`` method a traced value does not have; the message names the alternative."""


_NDARRAY_METHODS = frozenset(n for n in dir(np.ndarray) if not n.startswith("_"))
_IN_PLACE = {"fill", "put", "resize", "sort", "partition", "setfield", "setflags",
             "itemset", "byteswap"}
_READS_VALUE = {"item", "tolist", "tobytes", "tostring", "dump", "dumps", "tofile", "view",
                "getfield"}
_MEMORY = {"base", "ctypes", "data", "flags", "strides", "device", "to_device", "flat"}
_INDICES = {"argmax": "tg.max", "argmin": "tg.min", "argsort": "tg.where",
            "argpartition": "tg.where", "nonzero": "tg.where(mask, x, 0.0)"}
_METHOD_ALTERNATIVES = {
    "cumsum": "a Python loop of additions, or a constant triangular matrix: tri @ x",
    "cumprod": "a Python loop of products", "prod": "a Python loop of products",
    "var": "tg.mean((x - tg.mean(x)) ** 2)", "std": "tg.sqrt(tg.mean((x - tg.mean(x)) ** 2))",
    "squeeze": "x.reshape(shape) (tg.reshape)", "swapaxes": "tg.transpose(x, axes)",
    "trace": "tg.sum(x * np.eye(n))", "diagonal": "x[np.arange(n), np.arange(n)]",
    "repeat": "x[np.repeat(np.arange(n), k)]",
}


def _missing_method(name: str) -> AttributeError:
    """The error for ``x.name`` on a traced value: an ndarray method gets its alternative."""
    if name not in _NDARRAY_METHODS:
        return AttributeError(f"'Traced' object has no attribute '{name}'")
    if name in _IN_PLACE:
        why = ("it would change the array in place, and traced values are immutable: build "
               "a new array instead (tg.where, tg.concatenate, tg.stack)")
    elif name in _READS_VALUE:
        why = ("it would read the number out of the trace and drop its derivative: use "
               "tapegrad's functions on the traced value, or tg.stop_gradient(x) where no "
               "derivative should flow")
    elif name in _MEMORY:
        why = ("it describes NumPy's memory or device, which a traced value does not have; "
               "x.shape, x.dtype, x.size and x.reshape(-1) are there")
    elif name in _INDICES:
        why = (f"indices are not differentiable, and under jit their values would be baked "
               f"in: compute them outside the transform, or write the selection with "
               f"{_INDICES[name]}")
    else:
        alt = _METHOD_ALTERNATIVES.get(name, "tapegrad's functions (tg.sum, tg.where, "
                                              "tg.reshape, ...)")
        why = f"tapegrad cannot differentiate it; write {alt}"
    return UnsupportedMethodError(
        f"x.{name} is an ndarray method that a traced array does not support: {why}.")


library_refusals: list[Callable[[], Exception | None]] = []
"""Called when a traced value lacks a method: the error naming the SciPy function on
the stack that read it (``scipy.linalg.circulant`` reads ``x.strides``), or None."""


def _refusal(name: str) -> property:
    def missing(self: Traced) -> Any:
        for refusal in library_refusals:
            error = refusal()
            if error is not None:
                raise error
        raise _missing_method(name)
    missing.__doc__ = f"Not supported on a traced value: reading ``x.{name}`` says why."
    return property(missing)


# Each ndarray method a traced value lacks is a property that explains itself
# (the op modules replace those they implement). Not a __getattr__: that hook
# would slow every attribute read of a traced value (tape, id) by about a fifth.
for _name in _NDARRAY_METHODS:
    if not hasattr(Traced, _name):
        setattr(Traced, _name, _refusal(_name))

_new = object.__new__
LEAF_TYPES.add(Traced)    # pytrees flatten traced values without a registry lookup


def _readable(x: Traced, how: str) -> None:
    """Refuse to read ``x``'s number where a recording would keep it for every call."""
    _check_live(x)
    _refuse_staged(x, f"{how} reads the number of a traced value",
                   "Compute with the traced value itself (tg.where for a choice), "
                   "or pass the number in as a static argument")


def _check_live(x: Traced) -> None:
    if not x.tape.active:
        raise EscapedTracerError(ESCAPED_MSG)


def _refuse_staged(x: Traced, what: str, fix: str) -> None:
    """Raise where ``x`` (at any level) is on a tape made to be replayed."""
    while type(x) is Traced:
        if x.tape.staging:
            raise TypeError(
                f"{what} at {user_line()}, while jit, vmap or make_tape records "
                "the function: the recording would keep the number seen now for every "
                f"later call, silently. {fix}.")
        x = x._value


def made_float(x: Any, derivative: bool = False) -> None:
    """Note that a transform made ``x`` a float, as it does in eager Python.

    A transform's inputs and derivatives are floats even where an outer
    recording saw an int (``tg.grad`` takes ``3`` as ``3.0``); the recording
    then returns them as floats, not as the ints it was given. A
    ``derivative`` (``tape.derived``) is an int's float, but not an
    ``np.float64``'s: the gradient of ``x * y`` by ``x`` is ``y`` itself.
    """
    while type(x) is Traced:
        tape = x.tape
        if derivative:
            if tape.derived is None:
                tape.derived = set()
            tape.derived.add(x.id)
        else:
            if tape.floats is None:
                tape.floats = set()
            tape.floats.add(x.id)
        x = x._value


def numpy_made(out: Any) -> Any:
    """``out`` as what NumPy made: a float is NumPy's ``np.float64``, strong.

    ``np.linalg.norm(v)``, ``v @ v`` and ``np.maximum(x, 0.0)`` are
    ``np.float64`` in NumPy, which meeting float32 data computes in float64
    (NEP 50: a Python float is weak, and would round to float32). tapegrad's
    functions may make them floats (``math.sqrt``): here they are cast to
    ``np.float64`` (``as_numpy_float``, a recorded cast). On a recording for
    ``jit``, a bool NumPy made (``np.isnan(x)``) is noted as an ``np.bool_``.
    """
    if out.__class__ is Traced:
        if primal_value(out._value).__class__ is float:
            return as_numpy_float[0](out)
        if out._value.__class__ is bool and out.tape.staging:
            tape = out.tape
            if tape.numpy_scalars is None:
                tape.numpy_scalars = set()
            tape.numpy_scalars.add(out.id)
    return out


as_numpy_float: list[Callable[[Any], Any]] = [lambda x: x]
"""The cast of a traced float to ``np.float64`` that ``numpy_made`` records (``arrays.py``)."""


def python_float(out: Any) -> Any:
    """``out``, noted as a float that tapegrad's function made where a recording sees one.

    ``tg.power(x, 2)`` and ``tg.abs(x)`` of an ``np.float64`` are floats in
    eager, where ``x ** 2`` and ``abs(x)`` keep it NumPy's
    (``numpy_operators``): the recording tells them apart by this note, taken
    off the operators' path.
    """
    x = out
    while x.__class__ is Traced:
        tape = x.tape
        if tape.staging:
            if tape.python_floats is None:
                tape.python_floats = set()
            tape.python_floats.add(x.id)
        x = x._value
    return out


numpy_operators: dict[Any, Callable[..., Any]] = {}
"""The primitives of Python's operators whose impl makes a float of an ``np.float64``,
with what NumPy's operator computes instead (``pow``: ``np.power``, ``abs``: ``np.abs``)."""


def primal_value(x: Any) -> Any:
    """The plain number beneath every level of tracing (``x`` itself if plain)."""
    while type(x) is Traced:
        x = x._value
    return x


def float_array(x: Any) -> np.ndarray:
    """A plain number as a float array (ints float64, float32 stays); complex: refused."""
    a = np.asarray(x)
    if a.dtype.kind == "c":
        raise TypeError(f"a complex value ({a.dtype}) met a traced value; {COMPLEX_MSG}")
    return a if a.dtype.kind == "f" else a.astype(float)


def shape_of(x: Any) -> tuple[int, ...]:
    """The shape of a number of any level, ``()`` for a float."""
    while type(x) is Traced:        # primal_value, inlined: rules ask this on every call
        x = x._value
    t = type(x)
    if t is np.ndarray:
        return x.shape
    if t is float or t is _F64:
        return ()
    return np.shape(x)


_F64 = np.float64        # a module global: one lookup on the hot path, not two


def is_scalar(x: Any) -> bool:
    """A Python number, or a NumPy float64 scalar: one arithmetic for both.

    ``d[1]`` of a float64 array is an ``np.float64`` (in every transform, as in
    NumPy), and ``grad`` takes an ``np.float64`` argument as a float: both
    take the ``math`` branch, so eager, ``grad`` and ``jit`` agree bit for bit.
    """
    t = type(x)
    return t is float or t is int or t is _F64
