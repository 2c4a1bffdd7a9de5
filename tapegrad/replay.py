"""Replaying a tape: calling it runs its records again on new arguments.

The reference interpreter of a recording (``tape(*args)``): each record's
primitive is called on the new values, recorded again where they are traced
(so a replay can itself be differentiated), and each guard checks its
recorded outcome. Attached to ``Tape`` here, as the players attach what they
add: the tape itself knows nothing of how it is played.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from . import tree
from .backends import number_array
from .errors import COMPLEX_MSG, GuardError
from .numerics import ieee
from .staging.program import from_tape, int_outputs, numpy_float_outputs
from .tape import Const, Tape, _kind
from .tree import TreeDef
from .values import Traced, _integer_data, is_complex, primal_value, shape_of

__all__ = ["replay"]


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
                    if i in tape.sources:    # a guard: where it was decided, for jit
                        _same_source(tape, i, vals[i])
                    break
            else:
                vals[i] = op.impl(*argv)   # plain numbers (IEEE is on)
        except GuardError as e:
            cond = f"on v{rec[2]}" if rec[2] is not None else f"v{i}"   # as the listing shows
            raise GuardError(
                f"tape: the guard {cond} recorded at {tape.sources.get(i, '<unknown>')} "
                f"{e} for these arguments, so Python would take the other branch "
                "there. Record the tape at these arguments, or write the choice "
                "with tg.where (tg.jit re-specializes by itself).") from None
    outs = [vals[o] if isinstance(o, int) else o.value for o in tape.outputs]
    return tree.unflatten(cast(TreeDef, tape.out_def), _own_outputs(tape, outs, args, given))


def _as_numpy_scalars(tape: Tape, outs: list[Any], args: tuple[Any, ...]) -> None:
    """The outputs eager gives as ``np.float64`` or ``np.bool_`` made so, in place.

    The records ran on floats (an ``np.float64`` argument is taken as one);
    eager keeps NumPy's scalars where ``jit`` does (``numpy_float_outputs``):
    ``x * 2.0`` of an ``np.float64``, ``np.isnan(x)`` of a float.
    """
    for j in numpy_float_outputs(from_tape(tape), args, tape) or ():
        if type(outs[j]) is float:
            outs[j] = np.float64(outs[j])
        elif type(outs[j]) is bool:
            outs[j] = np.bool_(outs[j])


def _same_source(tape: Tape, i: int, v: Any) -> None:
    """Note record ``i``'s source line (a break's bound, a counter) on the tapes recording ``v``."""
    while v.__class__ is Traced:           # the outer tapes' records of it too
        v.tape.sources[v.id] = tape.sources[i]
        if i in tape.left:
            v.tape.left[v.id] = tape.left[i]
        if i in tape.counts:
            v.tape.counts[v.id] = tape.counts[i]
        if ~i in tape.counts:     # a counter the jitted function returns: not this one's
            v.tape.counts[~v.id] = ()          # (it may compute on it: ``loop_tally`` refuses)
        v = v._value


def _own_outputs(tape: Tape, outs: list[Any], args: tuple[Any, ...],
                 given: dict[int, Any]) -> list[Any]:
    """The outputs as the caller should get them, as eager gives them.

    An int (or NumPy scalar) input returned untouched comes back as given,
    an int computed from ints by ``+ - *`` as an ``int``; no array is an
    input, a constant of the tape, another output or a view: the caller may
    write into each.
    """
    if tape.numpy_scalars or given:          # np.float64 arguments are in given
        _as_numpy_scalars(tape, outs, args)
    if given:
        prog = from_tape(tape)
        position = {i: k for k, i in enumerate(prog.inputs)}
        ints = int_outputs(prog, {position[i]: type(v) is int for i, v in given.items()},
                           (tape.floats or set()) | (tape.derived or set()))
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
    if number_array(primal_value(leaf), True) and shape_of(leaf) == shape_of(recorded):
        return leaf                         # another library's array (backends.py)
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
    elif isinstance(leaf, int | np.integer | np.float64):
        leaf = float(leaf)                  # a float32 scalar stays float32, as in eager
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


def _call(self: Tape, *args: Any) -> Any:
    """Replay the recorded program on new arguments.

    Args:
      self: The tape, made by ``tg.make_tape(fun)(*args)``.
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


Tape.__call__ = _call       # type: ignore[method-assign]
