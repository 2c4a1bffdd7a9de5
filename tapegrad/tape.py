"""Tapes, traced values and ``apply``: how a computation is recorded.

A ``Tape`` is a Wengert list: one record per primitive applied, in the
order they ran. A ``Traced`` value stands in for a number while a
transform runs: it knows its tape, its id there, and its value. The value is
a number, or a traced value of an *outer* tape when transforms are nested.

Active tapes form a stack kept in a ``ContextVar``, so every thread and every
async task has its own. ``apply`` records a primitive on the innermost
active tape among its arguments; any argument from another tape is a constant
there. That one rule is what keeps nested transforms apart.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, cast

import numpy as np

from .errors import ESCAPED_MSG, FLOAT_MSG, EscapedTracerError
from .tree import LEAF_TYPES, TreeDef, keystr

if TYPE_CHECKING:
    from .primitive import Primitive

# A record is one flat tuple ``(op, ans, j0, a0, j1, a1, ...)``; its output id
# is its position on the tape. ``op`` is the primitive's index in PRIMITIVES
# (None for a tape input), ``ans`` its result, and for each argument ``jk`` is
# its id on this tape (None for a constant here) and ``ak`` the value the
# primitive saw (a number, or a traced value of an outer tape). One flat tuple
# of ints and numbers, rather than nested tuples holding the Primitive, costs
# one allocation per op and lets Python's collector untrack the record, so it
# never rescans the tape: a third of the eager time in benchmarks/eager.py
# (b). ``Tape.record(i)`` gives the readable form.
RawRecord = tuple[Any, ...]
PRIMITIVES: list[Primitive] = []


class Record(NamedTuple):
    """One step of a tape, readable: ``v{out} = prim.name inputs...``."""
    prim: Primitive | None   # None for a tape input
    inputs: tuple[int | None, ...]
    args: tuple[Any, ...]
    ans: Any
    out: int


class Const(NamedTuple):
    """A constant output of a tape (not computed from its inputs)."""
    value: Any


class Tape:
    """A Wengert list: the records of one transform's run, in order.

    Attributes:
      records: list of flat ``(op, ans, j0, a0, j1, a1, ...)`` tuples; record
        ``i`` defines ``v{i}``. ``record`` and iteration give [Record][tapegrad.tape.Record].
      level: depth in the tape stack (outer tapes have smaller levels).
      active: True while the transform that owns the tape is running.
      args: the traced arguments, ``(first input id, name, TreeDef)`` each:
        inputs ``first ...`` are that argument's leaves in order. The name may
        be any object whose ``str`` is the name, and leaf paths are worked out
        from the structure only when ``path`` is asked: a transform's
        call never pays for printing.
      outputs: the output ids, or ``Const`` for outputs that are not on
        this tape; set when the function returns.
      output_names: what each output is, for the listing and the drawing
        (``out['loss']``, or ``grad p['w']`` on the tape of a gradient);
        empty when the function returned one number.
    """

    __slots__ = ("records", "level", "active", "args", "_paths", "outputs",
                 "output_names", "check_nans", "sources", "__weakref__")

    def __init__(self, level: int):
        self.records: list[RawRecord] = []
        self.level = level
        self.active = True
        self.args: list[tuple[int, Any, TreeDef]] = []
        self._paths: dict[int, str] | None = None
        self.outputs: list[int | Const] = []
        self.output_names: list[str] = []
        self.check_nans = _debug_nans.get()
        self.sources: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.records)

    def record(self, i: int) -> Record:
        """Record ``i`` in readable form, with its ``Primitive``.

        Args:
          i: The record's id (``v{i}`` in the listing).

        Returns:
          A [Record][tapegrad.tape.Record] ``(prim, inputs, args, ans, out)``.
        """
        raw = self.records[i]
        op = raw[0]
        return Record(None if op is None else PRIMITIVES[op], raw[2::2], raw[3::2],
                      raw[1], i)

    def __iter__(self) -> Iterator[Record]:
        return (self.record(i) for i in range(len(self.records)))

    def format(self, values: bool = False) -> str:
        """The listing ``print(tape)`` shows; ``values=True`` adds each value.

        Args:
          values: Also show each record's value after ``=``.

        Returns:
          The listing: one line per record, then the outputs.
        """
        from .viz import format_tape  # viz is optional reading, loaded on demand
        return format_tape(self, values)

    def to_dot(self, rankdir: str = "LR", grads: bool = False, full: bool = False) -> str:
        """The tape as Graphviz DOT text; see [tg.viz.to_dot][tapegrad.viz.to_dot].

        A box per value (label, value and, with ``grads=True``, its
        gradient), an oval per operation.

        Args:
          rankdir: Graphviz layout direction: ``"LR"`` or ``"TB"``.
          grads: Also show each value's gradient with respect to the output.
          full: Draw every record even on a big tape.

        Returns:
          DOT text, for ``tg.viz.render`` or Graphviz's ``dot``.

        Examples:
          >>> import tapegrad as tg
          >>> dot = tg.make_tape(lambda x: x * x)(3.0).to_dot(grads=True)
          >>> "data 9.0000" in dot and "grad 6.0000" in dot
          True
        """
        from .viz import to_dot
        return to_dot(self, rankdir=rankdir, grads=grads, full=full)

    def _repr_svg_(self) -> str | None:
        """Jupyter draws a tape as a graph when Graphviz is installed."""
        from .viz import svg
        return svg(self)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        bundle = {"text/plain": self.format()}
        picture = self._repr_svg_()
        if picture is not None:
            bundle["image/svg+xml"] = picture
        return bundle

    def path(self, i: int) -> str:
        """The pytree path of input ``i``, e.g. ``params['w'][0]``.

        Args:
          i: The id of an input record.

        Returns:
          The argument's name and the leaf's key path; ``""`` for other records.
        """
        if self._paths is None:
            self._paths = {first + k: str(name) + keystr(keys)
                           for first, name, treedef in self.args
                           for k, keys in enumerate(treedef.key_paths())}
        return self._paths.get(i, "")

    def push(self, record: RawRecord) -> Traced:
        """Append a flat record and return its output as a traced value.

        The one- and two-argument appliers inline this (benchmarks/eager.py).
        """
        i = len(self.records)
        self.records.append(record)
        if self.check_nans:
            _check_nan(self, i, record[1], "value")
        return Traced(self, i, record[1])

    def new_input(self, value: Any) -> Traced:
        """Add an input (a variable to differentiate) and return it traced.

        A nan given as input is the caller's, so ``debug_nans`` does not check it.
        """
        i = len(self.records)
        self.records.append((None, value))
        return Traced(self, i, value)

    def set_outputs(self, leaves: list[Any]) -> None:
        """Note the output leaves by id (holding no traced value: no cycle)."""
        self.outputs = [x.id if type(x) is Traced and x.tape is self else Const(x)
                        for x in leaves]

    def __repr__(self) -> str:
        return f"<Tape level={self.level} records={len(self.records)}>"

    def __str__(self) -> str:
        return self.format()


class Traced:
    """A number being recorded: its tape, its id on the tape, and its value.

    Behaves like the number it stands for (arithmetic, comparisons by value,
    ``bool``, ``hash``); the operators are attached in ``ops.py``.
    """

    __slots__ = ("tape", "id", "value")
    __array_ufunc__ = None   # make NumPy defer to our reflected operators

    def __init__(self, tape: Tape, id: int, value: Any):
        self.tape = tape
        self.id = id
        self.value = value

    def __repr__(self) -> str:
        return f"Traced({self.value!r}, v{self.id})"

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of the value (``()`` for a float)."""
        return _shape(self.value)

    @property
    def ndim(self) -> int:
        """The number of axes of the value (0 for a float)."""
        return len(_shape(self.value))

    @property
    def size(self) -> int:
        """The number of elements of the value (1 for a float)."""
        return int(np.prod(_shape(self.value)))

    def primal(self) -> Any:
        """The concrete value beneath every level of tracing (no derivative)."""
        _check_live(self)
        v = self.value
        while type(v) is Traced:
            v = v.value
        return v

    # Python would silently drop the derivative in these: refuse, as JAX does.
    def __float__(self) -> float:
        raise TypeError(FLOAT_MSG.format(what="float"))

    def __int__(self) -> int:
        raise TypeError(FLOAT_MSG.format(what="int"))

    def __complex__(self) -> complex:
        raise TypeError(FLOAT_MSG.format(what="complex"))

    def __index__(self) -> int:
        raise TypeError(FLOAT_MSG.format(what="index"))

    def __bool__(self) -> bool:
        _check_live(self)
        v = self.value
        if type(v) is not Traced and np.ndim(v) != 0 and np.size(v) != 1:
            raise TypeError(
                f"bool() of a traced array of shape {np.shape(v)} is ambiguous; "
                "use tg.where(cond, a, b) to choose elementwise.")
        return bool(v)

    def __hash__(self) -> int:
        _check_live(self)
        return hash(self.value)   # a traced float hashes like its value


_new = object.__new__
LEAF_TYPES.add(Traced)    # pytrees flatten traced values without a registry lookup


def _check_live(x: Traced) -> None:
    if not x.tape.active:
        raise EscapedTracerError(ESCAPED_MSG)


def _shape(x: Any) -> tuple[int, ...]:
    while type(x) is Traced:
        x = x.value
    if type(x) is float:
        return ()
    return np.shape(x)


# --------------------------------------------------------------- tape stack
_stack: ContextVar[tuple[Tape, ...]] = ContextVar("tapegrad_tapes", default=())
_debug_nans: ContextVar[bool] = ContextVar("tapegrad_debug_nans", default=False)
_quiet: ContextVar[bool] = ContextVar("tapegrad_ieee", default=False)


class ieee:
    """NumPy's floating-point warnings off, and noted as off.

    Eager ops inside need not switch them off again (that costs more than a
    small array op).

    A class rather than a generator: entering it is on every transform's path.
    """

    __slots__ = ("_token", "_errstate")

    def __enter__(self) -> None:
        self._token = _quiet.set(True)
        self._errstate = np.errstate(all="ignore")
        self._errstate.__enter__()

    def __exit__(self, *exc: Any) -> None:
        try:
            self._errstate.__exit__(*exc)
        finally:
            _quiet.reset(self._token)


class new_tape:
    """Push a fresh tape for the duration of the block; always pop it.

    NumPy floating-point warnings are off inside: traced arithmetic is IEEE
    (``log(0)`` is ``-inf``) and never warns or raises.
    """

    __slots__ = ("tape", "_token", "_ieee")

    def __enter__(self) -> Tape:
        stack = _stack.get()
        self.tape = tape = Tape(len(stack) + 1)
        self._token = _stack.set(stack + (tape,))
        self._ieee = ieee()
        self._ieee.__enter__()
        return tape

    def __exit__(self, *exc: Any) -> None:
        self.tape.active = False
        try:
            self._ieee.__exit__(*exc)
        finally:
            _stack.reset(self._token)


F = TypeVar("F", bound=Callable[..., Any])


def gc_paused(fun: F) -> F:
    """Run ``fun`` with Python's cyclic garbage collector paused.

    Every transform runs this way. Tapes hold no reference cycles, so
    reference counting frees them as usual; but a tape of nested transforms
    holds many small traced values, and the collector's repeated scans of
    them cost a fifth of a Hessian-vector product (benchmarks/higher.py).
    ``fun``'s locals, the tape among them, are freed when it returns, before
    the collector resumes, so it finds nothing new to scan. A collector the
    user turned off stays off; nested transforms leave it to the outermost.
    """
    @functools.wraps(fun)
    def paused(*args: Any, **kwargs: Any) -> Any:
        if not gc.isenabled():
            return fun(*args, **kwargs)
        gc.disable()
        try:
            return fun(*args, **kwargs)
        finally:
            gc.enable()
    return cast(F, paused)


def active_tapes() -> tuple[Tape, ...]:
    """The tapes active in this thread or task, outermost first."""
    return _stack.get()


# -------------------------------------------------------------------- apply
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
    flat: list[Any] = [prim.index, None]     # (op, ans, j0, a0, j1, a1, ...)
    vals: list[Any] = []
    outer = False
    for a in args:
        if type(a) is Traced and a.tape is tape:
            flat.append(a.id)
            a = a.value
        else:
            flat.append(None)
        if type(a) is Traced:
            outer = True
        flat.append(a)
        vals.append(a)
    flat[1] = apply(prim, *vals) if outer else prim.impl(*vals)
    return tape.push(tuple(flat))


def unary_applier(prim: Primitive) -> Callable[[Any], Any]:
    """``apply`` for one argument, written out for ``prim``: a hot path.

    Closing over the primitive's index and impl saves attribute lookups and a
    call per op (benchmarks/eager.py).
    """
    impl, index = prim.impl, prim.index

    def apply_1(x: Any) -> Any:
        if type(x) is not Traced:
            return impl(x) if type(x) is float else _eager(prim, (x,))
        tape = x.tape
        if not tape.active:
            raise EscapedTracerError(ESCAPED_MSG)
        v = x.value
        ans = apply_1(v) if type(v) is Traced else impl(v)
        records = tape.records          # tape.push, inlined for speed
        i = len(records)
        records.append((index, ans, x.id, v))
        if tape.check_nans:
            _check_nan(tape, i, ans, "value")
        t = _new(Traced)       # Traced(tape, i, ans) minus a Python-level __init__
        t.tape, t.id, t.value = tape, i, ans
        return t
    return apply_1


def binary_applier(prim: Primitive) -> Callable[[Any, Any], Any]:
    """``apply`` for two arguments, written out for ``prim``.

    The hot path of every operator (``Traced.__mul__`` is
    ``binary_applier(mul)``).
    """
    impl, index = prim.impl, prim.index

    def apply_2(a: Any, b: Any) -> Any:
        ja: int | None
        jb: int | None
        if type(a) is Traced:
            tape = a.tape
            ja = a.id
            va = a.value
            if type(b) is Traced:
                if b.tape is not tape:
                    return apply(prim, a, b)       # two tapes: the general rule
                jb = b.id
                vb = b.value
            else:
                jb = None
                vb = b
        elif type(b) is Traced:
            tape = b.tape
            ja = None
            va = a
            jb = b.id
            vb = b.value
        elif type(a) is float and type(b) is float:
            return impl(a, b)                  # plain floats: no NumPy, no tape
        else:
            return _eager(prim, (a, b))
        if not tape.active:
            raise EscapedTracerError(ESCAPED_MSG)
        if type(va) is Traced or type(vb) is Traced:
            ans = apply_2(va, vb)
        else:
            ans = impl(va, vb)
        records = tape.records          # tape.push, inlined for speed
        i = len(records)
        records.append((index, ans, ja, va, jb, vb))
        if tape.check_nans:
            _check_nan(tape, i, ans, "value")
        t = _new(Traced)       # Traced(tape, i, ans) minus a Python-level __init__
        t.tape, t.id, t.value = tape, i, ans
        return t
    return apply_2


def reflected_applier(prim: Primitive) -> Callable[[Any, Any], Any]:
    """``prim(other, self)`` for Python's reflected operators.

    ``2.0 * x`` is ``x.__rmul__(2.0)``, where only ``self`` is traced: a
    short copy of the binary applier's constant-first case, without a lambda
    in between (benchmarks/higher.py).
    """
    impl, index = prim.impl, prim.index
    apply_2 = prim.apply2

    def rapply_2(b: Any, a: Any) -> Any:
        if type(a) is Traced:                  # only when called by hand
            return apply_2(a, b)
        tape = b.tape
        if not tape.active:
            raise EscapedTracerError(ESCAPED_MSG)
        vb = b.value
        ans = apply_2(a, vb) if type(vb) is Traced else impl(a, vb)
        records = tape.records          # tape.push, inlined for speed
        i = len(records)
        records.append((index, ans, None, a, b.id, vb))
        if tape.check_nans:
            _check_nan(tape, i, ans, "value")
        t = _new(Traced)
        t.tape, t.id, t.value = tape, i, ans
        return t
    return rapply_2


def _eager(prim: Primitive, args: tuple[Any, ...]) -> Any:
    """Run on plain numbers, with NumPy's IEEE warnings off for arrays."""
    for a in args:
        if type(a) is not float and isinstance(a, np.ndarray) and not _quiet.get():
            with np.errstate(all="ignore"):
                return prim.impl(*args)
    return prim.impl(*args)


# --------------------------------------------------------------- debug_nans
def _check_nan(tape: Tape, i: int, x: Any, what: str) -> None:
    """Inside ``tg.debug_nans()``: note where record ``i`` came from.

    Raise if ``x`` (its value, cotangent or tangent) holds a nan.
    """
    from .nans import check_nan  # imported here: nans.py imports this module
    check_nan(tape, i, x, what)
