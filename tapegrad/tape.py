"""Tapes and traced values: how a computation is recorded, shown and replayed.

A ``Tape`` is a Wengert list: one record per primitive applied, in the
order they ran. A ``Traced`` value stands in for a number while a
transform runs: it knows its tape, its id there, and its value. The value is
a number, or a traced value of an *outer* tape when transforms are nested.

Active tapes form a stack kept in a ``ContextVar``, so every thread and every
async task has its own. Recording itself (``apply`` and its fast copies)
lives beside ``Primitive`` in ``primitive.py``; the operators on ``Traced``
are attached in ``ops.py``. A tape prints itself (the listing is here) and
can be called: ``tape(*args)`` replays its records on new arguments.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import numpy as np

from .errors import COMPLEX_MSG, GuardError
from .numerics import check_nan, checking, ieee, user_line
from .tree import TreeDef, keystr
from .values import Traced, _integer_data, is_complex, primal_value, shape_of

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

    [tapegrad.viz][tapegrad.viz] adds ``tape.to_dot()`` (Graphviz DOT text, see
    [to_dot][tapegrad.viz.to_dot]) and the Jupyter drawing.

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
      out_def: the output's structure, so that a call of the tape returns
        what the function returned.
      sources: the user's source line of a record, by id: of every guard,
        and inside ``tg.debug_nans()`` of every record.
      reverse: whether a reverse-mode transform made the tape (it will be
        played backwards).
      staging: True on a tape made to be replayed (``make_tape``, so ``jit``
        and ``vmap`` too): a value read from it there would be baked into
        every later call, so ``hash`` and ``primal()`` refuse.
      floats: ids of values an inner transform took as its inputs, which
        it converts to floats (an int there is a float in eager too).
    """

    __slots__ = ("records", "level", "active", "args", "_paths", "outputs",
                 "output_names", "out_def", "check_nans", "sources", "reverse",
                 "staging", "floats", "__weakref__")

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
        self.reverse = False      # a reverse-mode transform's tape: it will be played backwards
        self.staging = False
        self.floats: set[int] | None = None

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
        return Record(rec_op(raw), rec_ids(raw), rec_args(raw), rec_ans(raw), i)

    def __iter__(self) -> Iterator[Record]:
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

    def guard(self, x: Traced, outcome: bool) -> None:
        """Record that the rest of the tape assumes ``bool(x) is outcome``.

        The guard is a record of the ``guard`` primitive on ``x`` and the
        outcome, with the user's source line; replaying the tape checks it.
        """
        i = len(self.records)
        self.records.append((GUARD[0], outcome, x.id, x._value, None, outcome))
        self.sources[i] = user_line()

    def __call__(self, *args: Any) -> Any:
        """Replay the recorded program on new arguments.

        Args:
          *args: Arguments of the same structure and leaf shapes as the ones
            the tape was recorded with.

        Returns:
          What the recorded function returns at ``args``, as long as every
          guard (a Python branch taken on a traced value) goes the same way.

        Raises:
          tg.GuardError: where a guard would go the other way; the message
            names the source line of the branch.
          ValueError: if an argument's structure or a leaf's shape differs
            from the recorded one; the message names the path.

        Examples:
          >>> import tapegrad as tg
          >>> tape = tg.make_tape(lambda x: tg.relu(x) * 3.0)(2.0)
          >>> tape(5.0), tape(-1.0)
          (15.0, 0.0)
        """
        return replay(self, args)

    def __repr__(self) -> str:
        return f"<Tape level={self.level} records={len(self.records)}>"

    def __str__(self) -> str:
        return self.format()


# The guard primitive, set by logic.py where it is made.
GUARD: list[Primitive] = []


# ------------------------------------------------------------------- replay
def skeleton(tape: Tape) -> Tape:
    """A copy of a finished tape that replays the same, without its values.

    What a replay needs: each record's primitive, input ids and constants,
    the inputs' kinds and shapes, the outputs and the guards' sources. The
    values the recording computed are dropped (an input's array becomes a
    zero-memory stand-in of its dtype and shape), so a tape kept for later
    replays holds no intermediate array alive.
    """
    out = Tape(tape.level)
    out.active = False
    for name in ("args", "outputs", "output_names", "out_def", "sources", "reverse",
                 "staging", "floats"):
        setattr(out, name, getattr(tape, name))
    records = out.records
    for rec in tape.records:
        op = rec[0]
        if op is None:                                       # an input: its kind only
            v = rec[1]
            if type(v) is np.ndarray:
                v = np.broadcast_to(np.zeros((), v.dtype), v.shape)
            records.append((None, v))
        elif op is GUARD[0]:
            records.append(rec)                              # (guard, outcome, j, _, None, outcome)
        else:
            flat: list[Any] = [op, None]
            for j, a in zip(rec[2::2], rec[3::2]):
                flat += (j, a if j is None else None)
            records.append(tuple(flat))
    return out


def replay(tape: Tape, args: tuple[Any, ...]) -> Any:
    """Run ``tape``'s records forwards on new arguments; see ``Tape.__call__``.

    The reference interpreter: each record's primitive is called on the
    new values (recorded again if they are traced, so a replay can itself be
    differentiated), and each guard checks its recorded outcome.
    """
    if tape.out_def is None:
        raise TypeError("tape: only a tape made by tg.make_tape(fun)(*args) can be called.")
    if len(args) != len(tape.args):
        names = ", ".join(str(name) for _, name, _ in tape.args)
        raise TypeError(f"tape: it was recorded with {len(tape.args)} positional "
                        f"argument(s) ({names}); got {len(args)}.")
    with ieee():                    # traced arithmetic is IEEE: no warnings, no raising
        return _replay(tape, args)


def _replay(tape: Tape, args: tuple[Any, ...]) -> Any:
    from . import tree
    records = tape.records
    vals: list[Any] = [None] * len(records)
    given: dict[int, Any] = {}            # input id -> leaf given as an int or NumPy scalar
    for (first, name, treedef), arg in zip(tape.args, args):
        leaves, td = tree.flatten(arg)
        if td != treedef:
            raise ValueError(
                f"tape: {name}{tree.first_difference(treedef, td)} differs from the "
                f"recorded argument: it has structure {td}, the tape was recorded "
                f"with {treedef}. Pass an argument of the recorded structure, or "
                "record a tape at this one.")
        for k, leaf in enumerate(leaves):
            vals[first + k] = _replay_input(tape, first + k, leaf)
            if isinstance(leaf, int | np.integer | np.floating) and type(leaf) is not float:
                given[first + k] = leaf
    for i, rec in enumerate(records):
        op = rec[0]                                          # rec_op
        if op is None:
            continue
        argv = [a if j is None else vals[j]                  # rec_ids, rec_args
                for j, a in zip(rec[2::2], rec[3::2])]
        try:
            for a in argv:
                if a.__class__ is Traced:    # replayed inside a transform: record
                    vals[i] = op(*argv)
                    break
            else:
                vals[i] = op.impl(*argv)   # plain numbers (IEEE is on)
        except GuardError as e:
            raise GuardError(
                f"tape: the guard v{i} recorded at {tape.sources.get(i, '<unknown>')} "
                f"{e} for these arguments, so Python would take the other branch "
                "there. Record the tape at these arguments, or write the choice "
                "with tg.where (tg.jit re-specializes by itself).") from None
    outs = [vals[o] if isinstance(o, int) else o.value for o in tape.outputs]
    return tree.unflatten(cast(TreeDef, tape.out_def), _own_outputs(tape, outs, args, given))


def _own_outputs(tape: Tape, outs: list[Any], args: tuple[Any, ...],
                 given: dict[int, Any]) -> list[Any]:
    """The outputs as the caller should get them, as eager gives them.

    An int (or NumPy scalar) input returned untouched comes back as given,
    an int computed from ints by ``+ - *`` as an ``int``; no array is an
    input, a constant of the tape, another output or a view: the caller may
    write into each.
    """
    from . import tree
    from .staging.program import from_tape, int_outputs
    if given:
        prog = from_tape(tape)
        position = {i: k for k, i in enumerate(prog.inputs)}
        ints = int_outputs(prog, {position[i]: type(v) is int for i, v in given.items()},
                           tape.floats or set())
        outs = [v if j not in ints else
                given[prog.inputs[k]] if (k := ints[j]) is not None else
                int(v) if type(v) is float else v for j, v in enumerate(outs)]
    held = {id(x) for x in tree.leaves(args) if type(x) is np.ndarray}
    for k, v in enumerate(outs):
        if type(v) is np.ndarray:
            if id(v) in held or v.base is not None or isinstance(tape.outputs[k], Const):
                v = outs[k] = v.copy()
            held.add(id(v))
    return outs


def _replay_input(tape: Tape, i: int, leaf: Any) -> Any:
    """A new argument leaf for input ``i``, checked against the recorded one."""
    recorded = tape.records[i][1]                            # rec_ans
    if type(leaf) is float and type(recorded) is float:
        return leaf
    if isinstance(leaf, bool) or not isinstance(
            leaf, int | float | np.integer | np.floating | np.ndarray | Traced):
        fix = f" {COMPLEX_MSG}" if is_complex(leaf) else ""
        raise TypeError(f"tape: {tape.path(i)} is a {type(leaf).__name__}, not a number.{fix}")
    if _integer_data(recorded):             # integer data stays integer, as recorded
        if type(leaf) is int and isinstance(recorded, np.integer):
            leaf = type(recorded)(leaf)
        if not _integer_data(primal_value(leaf)):
            raise TypeError(f"tape: {tape.path(i)} was recorded as integer data "
                            f"({_kind(recorded) or type(recorded).__name__}); pass "
                            "integers there, or record a tape at these arguments.")
    elif isinstance(leaf, int | np.integer | np.floating):
        leaf = float(leaf)
    elif isinstance(leaf, np.ndarray) and leaf.dtype.kind not in "fiu":
        raise TypeError(f"tape: {tape.path(i)} is an array of dtype {leaf.dtype}, not of "
                        f"real numbers; {COMPLEX_MSG}")
    elif isinstance(leaf, np.ndarray) and leaf.dtype.kind != "f":
        leaf = leaf.astype(float)
    if shape_of(leaf) != shape_of(recorded):
        raise ValueError(
            f"tape: {tape.path(i)} has shape {shape_of(leaf)}, but the tape was recorded "
            f"with shape {shape_of(recorded)}; pass arguments of the recorded shapes.")
    return leaf


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


def _operand(j: int | None, a: Any) -> str:
    return f"v{j}" if j is not None else _const(a)


def _output(x: Any) -> str:
    return f"v{x}" if isinstance(x, int) else _const(x.value)


def format_tape(tape: Tape, values: bool = False) -> str:
    """The tape as text, one line per record, then its outputs.

    Args:
      tape: The tape to show.
      values: Also show each record's value after ``=``.

    Returns:
      The listing; it takes time linear in the number of records.
    """
    lines = []
    for prim, inputs, args, ans, i in tape:
        kind = _kind(ans)
        lhs = f"v{i}:{kind}" if kind else f"v{i}"
        if prim is None:
            line = f"{lhs} = input".ljust(21) + f" # {tape.path(i)}"
        elif i in tape.sources and prim is GUARD[0]:   # guard v5 == True
            line = f"guard {_operand(inputs[0], args[0])} == {args[1]}"
        else:
            operands = " ".join(_operand(j, a) for j, a in zip(inputs, args))
            line = f"{lhs} = {prim.name} {operands}"
        if values:
            line = line.ljust(40) + f" = {_value(ans)}"
        lines.append(line.rstrip())
    if tape.output_names:          # say what each output is: out['a'], grad p['w']
        lines.append("outputs:")
        lines += [f"  {_output(x)}".ljust(21) + f" # {name}"
                  for x, name in zip(tape.outputs, tape.output_names)]
    elif tape.outputs:
        lines.append("outputs: " + " ".join(_output(x) for x in tape.outputs))
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
