"""Tapes: the record layout, the ``Tape``, its listing, and the tape stack.

A ``Tape`` is a Wengert list: one record per primitive applied, in the
order they ran (the numbers being recorded are ``Traced``, in
``values.py``). Active tapes form a stack kept in a ``ContextVar``, so every
thread and every async task has its own. Recording itself (``apply`` and its
fast copies) is in ``recording.py``. A tape prints itself (the listing is
here, as JAX keeps ``pp_jaxpr`` beside ``Jaxpr``); what plays it attaches
itself: ``replay.py`` makes ``tape(*args)`` run its records on new
arguments, ``viz.py`` draws it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .numerics import check_nan, checking, ieee
from .tree import TreeDef, keystr
from .values import Traced, primal_value

if TYPE_CHECKING:
    from .primitive import Primitive

# ------------------------------------------------------------ record layout
# A record is one flat tuple ``(op, ans, j0, a0, j1, a1, ...)``; its output id
# is its position on the tape. ``op`` is the ``Primitive`` (None for a tape
# input), ``ans`` its result, and for each argument ``jk`` is
# its id on this tape (None for a constant here) and ``ak`` the value the
# primitive saw (a number, or a traced value of an outer tape). One flat tuple
# costs one allocation per op. Records hold the primitive itself, so a custom
# primitive lives as long as a tape that used it, and no longer. The
# accessors below are the one place that reads the layout; the tape players'
# hot loops slice it inline, each slice commented with its accessor.
RawRecord = tuple[Any, ...]


def rec_op(rec: RawRecord) -> Primitive | None:
    """The record's primitive (None for a tape input)."""
    return rec[0]


def rec_ans(rec: RawRecord) -> Any:
    """The record's result."""
    return rec[1]


def rec_ids(rec: RawRecord) -> tuple[int | None, ...]:
    """Each argument's id on the tape, None for a constant there."""
    return rec[2::2]


def rec_args(rec: RawRecord) -> tuple[Any, ...]:
    """Each argument's value as the primitive saw it."""
    return rec[3::2]


def rec_rule_args(rec: RawRecord) -> tuple[Any, ...]:
    """``(ans, *args)``: what a derivative rule or partial is called with."""
    return rec[1::2]


class Const(NamedTuple):
    """A constant: an argument of a record, or an output, not computed from the inputs."""
    value: Any


class Eqn(NamedTuple):
    """One record, readable: ``v{out} = prim args``.

    The one readable record: a tape's ``record(i)`` and iteration give these,
    and jit's ``Program`` is made of them. Each argument is a value id on the
    tape or a [Const][tapegrad.tape.Const] (a number, or a traced value of an
    outer tape); ``ans`` is the value the record computed (for a tape input,
    ``prim`` is None and ``args`` is empty).
    """
    prim: Primitive | None
    out: int
    args: tuple[int | Const, ...]
    ans: Any


# How a primitive's record is listed, where not ``v3 = name v1 v2``: filled
# by the primitive's block (logic.py lists a guard as ``guard v5 == True``).
listings: dict[Primitive, Callable[[Eqn], str]] = {}


class Tape:
    """A Wengert list: the records of one transform's run, in order.

    [tapegrad.viz][tapegrad.viz] adds ``tape.to_dot()`` (Graphviz DOT text, see
    [to_dot][tapegrad.viz.to_dot]) and the Jupyter drawing.

    Attributes:
      records: list of flat ``(op, ans, j0, a0, j1, a1, ...)`` tuples; record
        ``i`` defines ``v{i}``. ``record`` and iteration give [Eqn][tapegrad.tape.Eqn].
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
      out_def: the output's structure, so that a call of the tape returns
        what the function returned.
      sources: the user's source line of a record, by id: of every guard,
        and inside ``tg.debug_nans()`` of every record.
      left, counts: while staging, by a guard's id: of ``if ...: break`` in a
        ``for _ in range(...)``, the iterations left after this one; of a
        counted ``while``'s test, its counter and bounds (``pycounters``).
      reverse: whether a reverse-mode transform made the tape (it will be
        played backwards).
      staging: True on a tape made to be replayed (``make_tape``, so ``jit``
        and ``vmap`` too): a value read from it there would be baked into
        every later call, so ``hash`` and ``primal()`` refuse.
      floats: ids of values an inner transform took as its inputs, which
        it converts to floats (an int there is a float in eager too).
      derived: ids of derivatives a transform returned (``tg.grad``): an int
        there is a float in eager, an ``np.float64`` stays one.
      numpy_scalars: ids of bools a NumPy function made on a staging tape:
        ``np.isnan(x)`` is an ``np.bool_`` in eager, which ``jit`` returns.
      python_floats: ids of floats ``tg.power`` and ``tg.abs`` made on a
        staging tape: of an ``np.float64`` they are floats in eager, where
        ``x ** 2`` and ``abs(x)`` are ``np.float64``.
      origins: on ``jit``'s tape, None until a ``grad`` inside it runs a
        loop's test: then, by id, the forward value whose derivative rule
        recorded each record of the backward pass (``jit`` rolls the
        backward iterations of a loop with it).
      ints: on a staging tape, ids of the inputs given as Python ints (traced
        as floats): a loop's carry takes them as ``np.int64``, as in eager.
      spans: on ``jit``'s tape, the records each transform traced inside it
        recorded there, ``(first, stop)``: a ``grad`` called in a loop's body
        differentiates one iteration, one whose function runs the loop the loop.
    """

    __slots__ = ("records", "level", "active", "args", "_paths", "outputs",
                 "output_names", "out_def", "check_nans", "sources", "left", "counts",
                 "reverse", "staging", "floats", "derived", "numpy_scalars", "python_floats",
                 "origins", "ints", "spans", "__weakref__")

    def __init__(self, level: int):
        self.records: list[RawRecord] = []
        self.level = level
        self.active = True
        self.args: list[tuple[int, Any, TreeDef]] = []
        self._paths: dict[int, str] | None = None
        self.outputs: list[int | Const] = []
        self.output_names: list[str] = []
        self.out_def: TreeDef | None = None
        self.check_nans = checking.get()
        self.sources: dict[int, str] = {}
        self.left: dict[int, int] = {}
        self.counts: dict[int, tuple[Any, ...]] = {}
        self.reverse = False      # a reverse-mode transform's tape: it will be played backwards
        self.staging = False
        self.floats: set[int] | None = None
        self.derived: set[int] | None = None
        self.numpy_scalars: set[int] | None = None
        self.python_floats: set[int] | None = None
        self.origins: dict[int, int] | None = None
        self.ints: set[int] | None = None
        self.spans: list[tuple[int, int]] | None = None

    def __len__(self) -> int:
        return len(self.records)

    def record(self, i: int) -> Eqn:
        """Record ``i`` in readable form, with its ``Primitive``.

        Args:
          i: The record's id (``v{i}`` in the listing).

        Returns:
          An [Eqn][tapegrad.tape.Eqn] ``(prim, out, args, ans)``.
        """
        raw = self.records[i]
        args = tuple(Const(a) if j is None else j for j, a in zip(rec_ids(raw), rec_args(raw)))
        return Eqn(rec_op(raw), i, args, rec_ans(raw))

    def __iter__(self) -> Iterator[Eqn]:
        return (self.record(i) for i in range(len(self.records)))

    def format(self, values: bool = False) -> str:
        """The listing ``print(tape)`` shows; ``values=True`` adds each value.

        Args:
          values: Also show each record's value after ``=``.

        Returns:
          The listing: one line per record, then the outputs.
        """
        return format_tape(self, values)

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
            check_nan(self, i, rec_ans(record), "value")
        return Traced(self, i, rec_ans(record))

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


# ------------------------------------------------------------------- replay
def skeleton(tape: Tape, with_records: bool = True) -> Tape:
    """A copy of a finished tape that replays the same, without its values.

    What a replay needs: each record's primitive, input ids and constants,
    the inputs' kinds and shapes, the outputs and the guards' sources. The
    values the recording computed are dropped (an input's array becomes a
    zero-memory stand-in of its dtype and shape), so a tape kept for later
    replays holds no intermediate array alive. ``with_records=False``: all
    but the records (``jit`` writes them from its program, ``program.bare_records``).
    """
    out = Tape(tape.level)
    out.active = False
    for name in ("args", "outputs", "output_names", "out_def", "sources", "left", "counts",
                 "reverse", "staging", "floats", "derived", "origins"):
        setattr(out, name, getattr(tape, name))
    if not with_records:
        return out
    records = out.records
    for rec in tape.records:
        op = rec[0]
        if op is None:                                       # an input: its kind only
            v = rec[1]
            if type(v) is np.ndarray:
                v = np.broadcast_to(np.zeros((), v.dtype), v.shape)
            records.append((None, v))
        elif len(rec) == 6:                                  # two inputs: written out
            j, k = rec[2], rec[4]
            records.append((op, None, j, rec[3] if j is None else None,
                           k, rec[5] if k is None else None))
        elif len(rec) == 4:                                  # one input
            j = rec[2]
            records.append((op, None, j, rec[3] if j is None else None))
        else:
            flat: list[Any] = [op, None]
            for j, a in zip(rec[2::2], rec[3::2]):
                flat += (j, a if j is None else None)
            records.append(tuple(flat))
    return out


# ------------------------------------------------------------------ listing
def _const(x: Any) -> str:
    if type(x) is Traced:
        return f"^v{x.id}"
    if isinstance(x, np.ndarray):
        if x.dtype.kind in "iub" and x.size <= 8:     # an index: its values
            return repr(x.tolist()).replace(" ", "")
        return f"const:{_kind(x)}"
    if isinstance(x, float):
        return repr(float(x))
    if isinstance(x, slice):                         # as written in an index
        parts = ["" if v is None else str(v) for v in (x.start, x.stop, x.step)]
        return ":".join(parts[:2] if x.step is None else parts)
    if x is Ellipsis:
        return "..."
    if isinstance(x, tuple) and any(isinstance(v, slice | np.ndarray) or v is Ellipsis
                                    for v in x):
        return "[" + ",".join(_const(v) for v in x) + "]"
    return repr(x).replace(" ", "")          # one token: (1,3), 'a'


def _kind(x: Any) -> str:
    x = primal_value(x)
    if isinstance(x, np.ndarray):
        return f"{x.dtype.kind}{x.dtype.itemsize * 8}[{','.join(map(str, x.shape))}]"
    return ""


def _value(x: Any) -> str:
    x = primal_value(x)
    if isinstance(x, np.ndarray):
        return np.array2string(x, precision=4, threshold=6, separator=", ")
    return repr(float(x)) if isinstance(x, float | int) else repr(x)


def operand(a: int | Const) -> str:
    """An argument or output as listed: ``v3`` for a value id, else the constant."""
    return f"v{a}" if isinstance(a, int) else _const(a.value)


def format_eqn(e: Eqn, kinds: bool = True) -> str:
    """One record's line: ``v3:f64[2] = mul v1 v2`` (``kinds=False``: ``v3 = mul v1 v2``).

    A primitive with an entry in ``listings`` is listed its own way.
    """
    listing = listings.get(e.prim) if e.prim is not None else None
    if listing is not None:
        return listing(e)
    kind = _kind(e.ans) if kinds else ""
    lhs = f"v{e.out}:{kind}" if kind else f"v{e.out}"
    name = "input" if e.prim is None else e.prim.name
    return f"{lhs} = {name} " + " ".join(operand(a) for a in e.args)


def format_tape(tape: Tape, values: bool = False) -> str:
    """The tape as text, one line per record, then its outputs.

    Args:
      tape: The tape to show.
      values: Also show each record's value after ``=``.

    Returns:
      The listing; it takes time linear in the number of records.
    """
    lines = []
    for e in tape:
        line = format_eqn(e)
        if e.prim is None:
            line = line.ljust(21) + f" # {tape.path(e.out)}"
        if values:
            line = line.ljust(40) + f" = {_value(e.ans)}"
        lines.append(line.rstrip())
    if tape.output_names:          # say what each output is: out['a'], grad p['w']
        lines.append("outputs:")
        lines += [f"  {operand(x)}".ljust(21) + f" # {name}"
                  for x, name in zip(tape.outputs, tape.output_names)]
    elif tape.outputs:
        lines.append("outputs: " + " ".join(operand(x) for x in tape.outputs))
    return "\n".join(lines)


# --------------------------------------------------------------- tape stack
_stack: ContextVar[tuple[Tape, ...]] = ContextVar("tapegrad_tapes", default=())
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


def active_tapes() -> tuple[Tape, ...]:
    """The tapes active in this thread or task, outermost first."""
    return _stack.get()
