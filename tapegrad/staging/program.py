"""The program jit compiles: a tape's records as equations on value ids.

A ``Program`` is what a ``Tape`` recorded, in a form the passes rewrite:
inputs (value ids, in argument order), equations ``out = prim(args)`` where
each argument is a value id or a ``Const``, outputs, and the source line of
each guard. It prints like a tape (``v3 = mul v1 v2``), so a pass is tested
by comparing listings.
"""

from __future__ import annotations

import operator
import struct
from collections import Counter
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np

from .. import tree
from ..logic import guard
from ..tape import Const, Eqn, Tape, format_eqn, operand
from ..values import numpy_operators, primal_value

Arg = int | Const


class Program(NamedTuple):
    """Inputs, equations in order, outputs, and guard source lines by id.

    ``seen`` holds the inputs' values while tracing (their kinds); ``left``
    a break guard's iterations left in its ``for`` loop (``Tape.left``);
    ``origins`` the forward value each backward record comes from
    (``Tape.origins``); ``counts`` a counted ``while``'s counter at its test
    (``Tape.counts``); ``integral`` the values that are ints in eager Python
    (``int_valued``, on the program as recorded); ``raw`` the program as
    recorded, before the passes merged or folded its constants (``jit`` sets
    it where it rolls: what a float step's last value may be, ``stepped``).
    """
    inputs: tuple[int, ...]
    eqns: tuple[Eqn, ...]
    outputs: tuple[Arg, ...]
    sources: dict[int, str]
    seen: tuple[Any, ...] = ()
    left: Mapping[int, int] = MappingProxyType({})
    origins: Mapping[int, int] = MappingProxyType({})
    counts: Mapping[int, tuple[Any, ...]] = MappingProxyType({})
    integral: frozenset[int] = frozenset()
    raw: Any = None

    def __str__(self) -> str:
        lines = [f"v{i} = input" for i in self.inputs]
        lines += [format_eqn(e, kinds=False) for e in self.eqns]
        lines.append("outputs: " + " ".join(operand(o) for o in self.outputs))
        return "\n".join(lines)


def is_guard(e: Eqn) -> bool:
    """Whether ``e`` is a guard: ``guard cond expected`` (a user's "guard" is not)."""
    return bool(e.prim is guard and len(e.args) == 2 and isinstance(e.args[1], Const))


def use_counts(prog: Program) -> dict[int, int]:
    """How many times each value is read (as an argument or an output)."""
    uses = Counter([a for e in prog.eqns for a in e.args if a.__class__ is int])
    for o in prog.outputs:
        if isinstance(o, int):
            uses[o] += 2      # never inlined: it is returned
    return uses


def last_uses(prog: Program) -> dict[int, int]:
    """The index of the last equation reading each value (outputs: past the end)."""
    last: dict[int, int] = {}
    for k, e in enumerate(prog.eqns):
        for a in e.args:
            if isinstance(a, int):
                last[a] = k
    for o in prog.outputs:
        if isinstance(o, int):
            last[o] = len(prog.eqns)
    return last


def reads(prog: Program) -> tuple[dict[int, int], dict[int, int]]:
    """``use_counts(prog)`` and ``last_uses(prog)``, in one pass."""
    uses: dict[int, int] = {}
    last: dict[int, int] = {}
    get = uses.get
    for k, e in enumerate(prog.eqns):
        for a in e.args:
            if a.__class__ is int:
                uses[a] = get(a, 0) + 1
                last[a] = k
    end = len(prog.eqns)
    for o in prog.outputs:
        if isinstance(o, int):
            uses[o] = get(o, 0) + 2      # never inlined: it is returned
            last[o] = end
    return uses, last


def from_tape(tape: Tape) -> Program:
    """The program a tape recorded; a constant output becomes a ``Const``."""
    inputs: list[int] = []
    eqns: list[Eqn] = []
    seen: list[Any] = []
    append = eqns.append
    new = tuple.__new__        # Eqn(...) and Const(...) without their Python-level __new__
    for i, rec in enumerate(tape.records):
        op = rec[0]                                          # rec_op
        if op is None:
            inputs.append(i)
            seen.append(rec[1])
            continue
        n = len(rec)
        args: tuple[Arg, ...]
        if n == 6:                                           # two arguments: most records
            j0, j1 = rec[2], rec[4]
            args = (new(Const, (rec[3],)) if j0 is None else j0,
                    new(Const, (rec[5],)) if j1 is None else j1)
        elif n == 4:
            j0 = rec[2]
            args = (new(Const, (rec[3],)) if j0 is None else j0,)
        else:
            args = tuple(Const(a) if j is None else j for j, a in zip(rec[2::2], rec[3::2]))
        append(new(Eqn, (op, i, args, rec[1])))
    outputs = tuple(o if isinstance(o, int) else Const(o.value) for o in tape.outputs)
    return Program(tuple(inputs), tuple(eqns), outputs, dict(tape.sources), tuple(seen),
                   dict(tape.left), dict(tape.origins or {}), dict(tape.counts))


def bare_records(prog: Program) -> list[tuple[Any, ...]]:
    """The records of the tape ``from_tape`` read ``prog`` from, as ``tape.skeleton`` writes them.

    Without the values computed (an input's array a zero-memory stand-in of
    its dtype and shape): what a replay needs, for a tape jit keeps after
    it has dropped the recording itself.
    """
    records: list[tuple[Any, ...]] = [()] * (len(prog.inputs) + len(prog.eqns))
    for i, v in zip(prog.inputs, prog.seen):
        if type(v) is np.ndarray:
            v = np.broadcast_to(np.zeros((), v.dtype), v.shape)
        records[i] = (None, v)
    for op, out, args, _ in prog.eqns:
        if len(args) == 2:                               # most records: written out
            a, b = args[0], args[1]
            x: Any = a if a.__class__ is int else a.value     # type: ignore[union-attr]
            y: Any = b if b.__class__ is int else b.value     # type: ignore[union-attr]
            if a.__class__ is int:
                records[out] = (op, None, x, None, y, None) if b.__class__ is int else \
                    (op, None, x, None, None, y)
            else:
                records[out] = (op, None, None, x, y, None) if b.__class__ is int else \
                    (op, None, None, x, None, y)
            continue
        flat: list[Any] = [op, None]
        for a in args:
            flat += (a, None) if a.__class__ is int else (None, a.value)   # type: ignore[union-attr]
        records[out] = tuple(flat)
    return records


def kind(x: Any) -> Any:
    """What a value is, for the passes: ``float``, or (dtype, shape) of an array."""
    x = primal_value(x)
    if type(x) is float:
        return float
    if isinstance(x, np.ndarray):
        return (x.dtype.str, x.shape)
    return type(x)


def value_key(v: Any) -> Any:
    """What makes two constants one: their type and their bits.

    ``-0.0`` is not ``0.0``, a nan is only a nan of the same sign and
    payload, and ``np.float32(1.5)``, ``1.5`` and ``np.float64(1.5)`` are three
    constants. A string and a slice of ints are their text and ends; an
    array is only itself.
    """
    t = type(v)
    if t is float or isinstance(v, np.generic):
        return (t, struct.pack("<d", v) if t is float else v.tobytes())
    if t is int or t is bool or t is str:     # a string by its text: einsum's spec made anew
        return (t, v)
    if t is slice and all(x is None or type(x) is int for x in (v.start, v.stop, v.step)):
        return (t, v.start, v.stop, v.step)      # ``x[::-1]``'s slice, made anew each time
    return ("id", id(v))


# Ops that keep ints ints in Python: ``step + 1`` of an int step is an int.
INT_CLOSED = (operator.add, operator.sub, operator.mul, operator.neg)


def _int_closed(prim: Any) -> bool:
    try:
        return getattr(prim, "impl", None) in INT_CLOSED
    except TypeError:               # an unhashable callable
        return False


_BY_CONSTANT = {"pow": 0, "floordiv": 1, "mod": 1}
"""Ops that keep ints ints by an int constant at least this: ``n ** 2`` (a power
of at least 0), ``n // 2`` and ``n % 3`` (a positive divisor: eager raises on 0)."""


def stays_int(e: Any, found: set[int]) -> bool:
    """Whether ``e`` is a Python int in eager where its value arguments are the ints ``found``."""
    if not all(a in found if isinstance(a, int) else type(a.value) is int for a in e.args):
        return False
    if _int_closed(e.prim) or getattr(e.prim, "name", None) == "abs":
        return True
    least = _BY_CONSTANT.get(getattr(e.prim, "name", ""))
    return least is not None and len(e.args) == 2 and not isinstance(e.args[1], int) and \
        isinstance(e.args[0], int) and e.args[1].value >= least


def int_valued(prog: Program, ints: frozenset[int], floats: set[int]) -> set[int]:
    """The values that are ints in eager Python, traced as floats.

    ``ints`` are the positions of the inputs given as Python ints; a value
    computed from ints and int constants by ``+``, ``-``, ``*`` and unary
    ``-`` only is an int in eager Python, so a recording returns it as one
    (an optimizer's step count stays an int, and the next call's signature
    with it). ``floats`` are values an inner transform took as inputs: it
    made them floats, as eager does.
    """
    found = {prog.inputs[k] for k in ints} - floats
    if not found:
        return found
    for e in prog.eqns:
        if e.out not in floats and stays_int(e, found):
            found.add(e.out)
    return found


def int_outputs(prog: Program, given: dict[int, bool], floats: set[int]) -> dict[int, int | None]:
    """The outputs that eager returns as ints: by output position, what to return.

    ``given`` maps the position of each input given as an int or NumPy
    scalar (and traced as a float) to whether it is a Python ``int``. An
    output that is such an input, untouched, maps to that input's position
    (return it as given); one computed from Python ints by ``+ - *`` maps to
    None (return it as an ``int``). Read on the program as recorded, before
    any pass: ``1.0 * n`` is a float in eager even where a pass makes it ``n``.
    """
    floats = floats or set()
    inputs = {prog.inputs[k]: k for k in given if prog.inputs[k] not in floats}
    ints = frozenset(k for k, is_int in given.items() if is_int)
    integral = int_valued(prog, ints, floats)
    out: dict[int, int | None] = {}
    for j, o in enumerate(prog.outputs):
        if isinstance(o, int) and o in inputs:
            out[j] = inputs[o]
        elif isinstance(o, int) and o in integral:
            out[j] = None
    return out


def eager_float64s(prog: Program, found: set[int], tape: Tape,
                   arrays: frozenset[int] = frozenset()) -> tuple[set[int], bool]:
    """The values eager holds as ``np.float64`` or ``np.bool_`` where the recording has floats.

    ``found`` are the inputs that are ``np.float64`` in eager. A value read
    from one is what the primitive's impl makes of it, run once more to see
    (``x * 2.0`` stays ``np.float64``, ``tg.exp(x)`` is a float), or what
    Python's operator makes of it (``x ** 2`` and ``abs(x)`` stay
    ``np.float64``, ``numpy_operators``) unless it was called by name
    (``tg.power``, ``tg.abs``: ``tape.python_floats``); what a NumPy
    function made (``tape.numpy_scalars``) is one; what an inner transform
    took (``tape.floats``) is a float there, as in eager.

    ``arrays`` are inputs among ``found`` that eager holds as 0-d float64
    arrays (``vmap``'s examples), which an inner transform takes as arrays.

    Returns them, and whether eager computes another float dtype than the
    recording somewhere (a float times a float32 is float32, an
    ``np.float64`` times one float64).
    """
    floats, made = tape.floats or set(), tape.numpy_scalars or set()
    if not found and not made:       # no NumPy scalar anywhere: none is made from one
        return set(), False
    by_name = tape.python_floats or set()
    found, values, differs = set(found), dict(zip(prog.inputs, prog.seen)), False
    with np.errstate(all="ignore"):
        for e in prog.eqns:
            values[e.out] = e.ans
            if e.out in made and type(e.ans) in (float, bool):     # np.isnan(x): np.bool_
                found.add(e.out)
            if e.out in floats or e.prim is None or not found or not any(
                    a.__class__ is int and a in found for a in e.args):
                continue
            impl = e.prim.impl if e.out in by_name else numpy_operators.get(e.prim, e.prim.impl)
            try:
                ans = impl(*[a.value if isinstance(a, Const) else np.asarray(values[a])
                             if a in arrays else _numpy_scalar(values[a]) if a in found
                             else values[a] for a in e.args])
            except Exception:        # noqa: BLE001  (not what eager does: keep the float)
                continue
            if type(e.ans) is float and type(ans) is np.float64 or \
                    type(e.ans) is bool and type(ans) is np.bool_:     # x > 1.0: np.True_
                found.add(e.out)
            elif isinstance(e.ans, np.floating | np.ndarray) and \
                    e.ans.dtype.kind == "f" and e.ans.dtype != getattr(ans, "dtype", None):
                differs = True
    return found, differs


def _numpy_scalar(x: Any) -> Any:
    """The NumPy scalar eager holds where the recording has a float or a bool."""
    return np.bool_(x) if type(x) is bool else np.float64(x)


def numpy_float_outputs(prog: Program, args: Any, tape: Tape) -> tuple[int, ...] | None:
    """The outputs that eager returns as ``np.float64`` where the program has floats.

    ``args`` are the arguments traced: their ``np.float64`` leaves the
    recording took as floats. Eager keeps them NumPy scalars, and so is
    what a primitive's impl makes of one: ``x * 2.0`` and ``x + 1.0`` stay
    ``np.float64``, ``tg.exp(x)`` is a float. Each equation that reads such
    a value runs its impl once more on them, to see; so does one that reads
    what a NumPy function made (``np.exp(x)``, ``tape.numpy_scalars``). The
    tape's ``floats`` an inner transform took as inputs: it made them
    floats, as eager does. Read on the program as recorded, before any pass.

    Returns None where eager computes another dtype than the recording from
    an ``np.float64`` argument: a float times a float32 is float32, an
    ``np.float64`` times one float64.
    """
    found = {prog.inputs[k] for k, x in enumerate(tree.leaves(args))
             if type(x) is np.float64} - (tape.floats or set())
    given = bool(found)
    found, differs = eager_float64s(prog, found, tape)
    if differs:
        return None if given else ()     # keeping the arguments np.float64 would do
    return tuple(j for j, o in enumerate(prog.outputs) if o.__class__ is int and o in found)
