"""Tracing: one run of a function on a fresh tape, and the argument handling around it.

Every transform starts here. ``trace`` replaces the selected arguments' leaves (``argnums``) by
tape inputs, checking each leaf, runs the function once, splits off ``has_aux``'s aux, and hands
back the tape with its outputs. Around it: argument names for messages, and the pause of the
garbage collector every transform runs in. The seeds and checks are in ``seeds.py``.
"""

from __future__ import annotations

import functools
import gc
import inspect
import numbers
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, TypeVar, cast

import numpy as np

from . import draws, tree
from .arrays import astype
from .backends import number_array, run_checked
from .errors import COMPLEX_MSG, ESCAPED_MSG, EscapedTracerError
from .freezing import forget_kept, freeze_constants
from .loop_seed import jit_tapes, note_spans
from .shapes import reshape_p
from .tape import Tape, new_tape
from .values import Traced, is_complex, made_float, primal_value

Argnums = int | Sequence[int]


def arg_name(fun: Callable[..., Any], i: int) -> str:
    """The name of positional parameter ``i`` of ``fun``, for error messages."""
    try:
        params = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):
        return f"args[{i}]"
    if i < len(params) and params[i].kind in (
            inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
        return params[i].name
    return f"args[{i}]"


class ArgName:
    """The name of argument ``n`` of ``fun``, read from its signature only when printed."""

    __slots__ = ("fun", "n")

    def __init__(self, fun: Callable[..., Any], n: int):
        self.fun = fun
        self.n = n

    def __str__(self) -> str:
        return arg_name(self.fun, self.n)


def as_number(leaf: Any, name: object, where: tuple[tree.TreeDef, int], what: str,
              data: bool = False, float64: bool = False) -> Any:
    """Check a differentiated leaf; ints become floats.

    Integer arrays are data, never differentiated: with ``data`` (a
    transform that traces without differentiating, ``make_tape`` and so
    ``jit`` and ``vmap``) they and NumPy integer scalars stay as they are;
    otherwise an integer array is a ``TypeError`` naming its path, and an
    integer scalar traced by an outer transform is cast to a float there.
    ``where`` is the argument's structure and the leaf's index in it: the
    path is worked out only for the error message. With ``float64``, an
    ``np.float64`` stays one (eager's arithmetic, where jit needs it).
    """
    t = type(leaf)
    if t is float:
        return leaf
    if t is Traced:             # an outer transform's value: a number here, as in eager
        if not leaf.tape.active:
            raise EscapedTracerError(ESCAPED_MSG)
        if data:
            return leaf
        made_float(leaf)
        return _traced_number(leaf, name, where, what)
    if data and (isinstance(leaf, np.integer | np.bool_) or (
            isinstance(leaf, np.ndarray) and leaf.dtype.kind in "iub")):
        return leaf
    if t is int or isinstance(leaf, np.integer):
        return float(leaf)
    if isinstance(leaf, np.floating):      # float32 and float64 stay (a recording: a float)
        return float(leaf) if data and not float64 and isinstance(leaf, np.float64) else leaf
    if isinstance(leaf, np.ndarray) and leaf.dtype.kind == "f" or number_array(leaf, data):
        return leaf           # another library's float array stays in its library
    kind = (f"an array of dtype {leaf.dtype}" if isinstance(leaf, np.ndarray)
            else f"a {t.__name__}")
    path = where[0].key_paths()[where[1]]
    if isinstance(leaf, np.ndarray) and leaf.dtype.kind in "iu":
        raise TypeError(_int_array_msg(what, f"{name}{tree.keystr(path)}", kind))
    if is_complex(leaf):
        raise TypeError(f"{what}: {name}{tree.keystr(path)} is {kind}: {COMPLEX_MSG}")
    how = "_dataclass({})" if hasattr(t, "__dataclass_fields__") else "({}, flatten, unflatten)"
    register = "" if type(leaf).__module__ in ("builtins", "numpy") else (
        f", or register {t.__name__} as a pytree to differentiate its fields: "
        f"tg.tree.register{how.format(t.__name__)}")
    raise TypeError(
        f"{what}: {name}{tree.keystr(path)} is {kind}, not a number; differentiated "
        f"arguments may hold only floats, ints or float arrays. {_elsewhere(what)}{register}.")


def _int_array_msg(what: str, where: str, kind: str) -> str:
    return (f"{what}: {where} is {kind}: integer arrays are data (indices, labels), "
            f"never differentiated. {_elsewhere(what)} (it may still index traced arrays "
            "there), or convert it with .astype(float) if you want its gradient.")


def _elsewhere(what: str) -> str:
    """Where data goes that is not differentiated: jvp and vjp take every primal."""
    if what.split()[0] in ("jvp", "vjp", "hvp"):
        return "Close over it instead (lambda x: f(x, data)), or bind it with functools.partial"
    return "Pass it through an argument that is not in argnums"


def _traced_number(leaf: Traced, name: object, where: tuple[tree.TreeDef, int],
                   what: str) -> Any:
    """A leaf an outer transform traced: int arrays refused, ints and np.float64 floats."""
    v = primal_value(leaf)
    if isinstance(v, np.ndarray) and v.dtype.kind in "iu":
        path = where[0].key_paths()[where[1]]
        raise TypeError(_int_array_msg(what, f"{name}{tree.keystr(path)}",
                                       f"an array of dtype {v.dtype}"))
    if isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_):
        return reshape_p(astype(leaf, np.float64), ())   # an int: differentiated as a float
    return leaf


def check_callable(fun: Any, what: str) -> None:
    """Refuse a ``fun`` that is not callable, or a generator function, at once, as JAX does."""
    if not callable(fun):
        raise TypeError(f"{what}: expected a function to transform, got {fun!r:.60} "
                        f"({type(fun).__name__}); pass the function itself, e.g. "
                        f"tg.{what}(loss_fn), not its value.")
    if inspect.isgeneratorfunction(fun):
        raise TypeError(f"{what}: expected a function, got a generator function "
                        f"({getattr(fun, '__name__', fun)!s:.60}): its calls yield instead "
                        "of returning numbers; return them (a list, a tuple or an array).")


def single_argnum(argnums: Argnums) -> bool:
    """Whether ``argnums`` is one integer (``np.int64(1)`` too), not a tuple."""
    if type(argnums) is int:       # the common case, before the slow ABC check
        return True
    return isinstance(argnums, numbers.Integral) and not isinstance(argnums, bool)


def norm_argnums(argnums: Argnums, nargs: int, what: str) -> tuple[int, ...]:
    """``argnums`` as a tuple of non-negative ints, checked against ``nargs``.

    Any integer type is accepted, as in JAX; a repeated number gives each of
    its places the gradient.
    """
    if single_argnum(argnums):
        nums: tuple[Any, ...] = (argnums,)
    elif isinstance(argnums, tuple | list):
        nums = tuple(argnums)
    else:
        raise TypeError(f"{what}: argnums must be an int or a tuple of ints, got "
                        f"{argnums!r}.")
    for n in nums:
        if not single_argnum(n):
            raise TypeError(f"{what}: argnums must be an int or a tuple of ints, got "
                            f"{argnums!r}.")
        if not -nargs <= n < nargs:
            raise ValueError(
                f"{what}: argnums={argnums!r} but the function was called with "
                f"{nargs} positional argument(s). argnums counts positional arguments "
                "only: keyword arguments are never differentiated, so pass one by "
                "position to differentiate it.")
    return tuple(int(n) % nargs for n in nums)


def trace_inputs(tape: Tape, fun: Callable[..., Any], args: Sequence[Any],
                 nums: tuple[int, ...], what: str, data: bool = False, float64: bool = False
                 ) -> tuple[list[Any], list[tuple[list[Traced], tree.TreeDef]]]:
    """Replace the leaves of ``args[n]`` (n in ``nums``) by tape inputs.

    With ``data`` (a tape that is not differentiated), integer arrays and
    NumPy integer scalars stay integer data on the tape; with ``float64``,
    NumPy float64 scalars stay so too.

    Returns the new argument list and, per differentiated argument, its
    traced leaves and structure.
    """
    new_args = list(args)
    inputs = []
    done: dict[int, tuple[list[Traced], tree.TreeDef]] = {}
    for n in nums:
        if n in done:               # argnums=(0, 0): both places get the gradient
            inputs.append(done[n])
            continue
        name = ArgName(fun, n)
        xs, treedef = tree.flatten(args[n])
        tape.args.append((len(tape.records), name, treedef))
        leaves = [tape.new_input(
            x if type(x) is float else as_number(x, name, (treedef, k), what, data, float64))
            for k, x in enumerate(xs)]
        if data and int in map(type, xs):   # traced as floats: a loop's carry keeps them ints
            tape.ints = (tape.ints or set()) | {t.id for t, x in zip(leaves, xs) if type(x) is int}
        new_args[n] = tree.unflatten(treedef, leaves)
        done[n] = (leaves, treedef)
        inputs.append(done[n])
    return new_args, inputs


def unwrap(tape: Tape, x: Any) -> Any:
    """The value of ``x`` seen from outside ``tape``."""
    if type(x) is Traced:
        if x.tape is tape:
            return x._value
        if not x.tape.active:
            raise EscapedTracerError(ESCAPED_MSG)
    return x


def split_aux(out: Any, has_aux: bool, what: str) -> tuple[Any, Any]:
    """Split ``fun``'s result into ``(output, aux)`` (aux is None without has_aux)."""
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple | list) and len(out) == 2):
        got = (f"a {type(out).__name__} of {len(out)} items" if isinstance(out, tuple | list)
               else f"a {type(primal_value(out)).__name__} alone")
        raise TypeError(f"{what}: with has_aux=True the function must return a "
                        f"pair (output, aux), got {got}; return (output, aux), or "
                        "drop has_aux.")
    return out[0], out[1]


def arg_path_name(fun: Callable[..., Any], path: Any) -> str:
    """A leaf of ``(args, kwargs)`` by its parameter's name: ``b['w']``, else ``args[1]['w']``."""
    path = tuple(path)
    if len(path) < 2:
        return tree.keystr(path) or "the arguments"
    rest = tree.keystr(path[2:])
    if getattr(path[0], "idx", None) == 1:                   # a keyword argument
        return f"{getattr(path[1], 'key', path[1])}{rest}"
    i = getattr(path[1], "idx", 0)
    names = positional_names(fun)
    return f"{names[i]}{rest}" if i < len(names) else f"args[{i}]{rest}"


def positional_names(fun: Callable[..., Any]) -> list[str]:
    """The names of ``fun``'s positional parameters, in order (none where unknown)."""
    try:
        params = inspect.signature(fun).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in params if p.kind in (inspect.Parameter.POSITIONAL_ONLY,
                                                  inspect.Parameter.POSITIONAL_OR_KEYWORD)]


# ------------------------------------------------------------------ trace
F = TypeVar("F", bound=Callable[..., Any])


def gc_paused(fun: F) -> F:
    """Run ``fun`` with Python's cyclic garbage collector paused.

    Every transform runs this way. Tapes hold no reference cycles, so
    reference counting frees them as usual; but a tape of nested transforms
    holds many small traced values, and the collector's repeated scans of
    them cost a fifth of a Hessian-vector product (benchmarks/higher.py).
    ``fun``'s locals, the tape among them, are freed when it returns, before
    the collector resumes, so it finds nothing new to scan.

    The collector's switch stays the user's: the pause sets the first
    generation's threshold to 0 (no automatic collection) and leaves
    ``gc.isenabled()`` alone, so a ``gc.disable()`` made inside the function,
    or by another thread meanwhile, still holds afterwards; thresholds the
    user set meanwhile are kept. A collector already off or paused (nested
    transforms, other threads) is left as it is.
    """
    @functools.wraps(fun)
    def paused(*args: Any, **kwargs: Any) -> Any:
        threshold = gc.get_threshold()
        if threshold[0] == 0 or not gc.isenabled():
            return fun(*args, **kwargs)
        gc.set_threshold(0, *threshold[1:])
        try:
            return fun(*args, **kwargs)
        finally:
            if gc.get_threshold()[0] == 0:     # unless the user set new ones
                gc.set_threshold(*threshold)
    return cast(F, paused)


class Trace(NamedTuple):
    """One run of ``fun`` on a fresh tape, ready to be played."""
    tape: Tape
    inputs: list[tuple[list[Traced], tree.TreeDef]]  # per differentiated argument
    out_leaves: list[Any]    # traced on ``tape``, or constants there
    out_def: tree.TreeDef
    out: Any                 # the output pytree, as seen from outside the tape
    aux: Any


trace_checks: list[Callable[[Tape, Any], None]] = []
"""Run on each finished tape with the aux leaves (``stale_views.check_views``)."""


def trace(fun: Callable[..., Any], args: Sequence[Any], nums: tuple[int, ...] | None,
          has_aux: bool, what: str, kwargs: dict[str, Any] | None = None,
          reverse: bool = False, staging: bool = False, float64: bool = False,
          origins: bool = False) -> Trace:
    """Run ``fun`` once on a new tape; keyword arguments are constants there.

    Args:
      fun: The function to record.
      args: Its positional arguments.
      nums: The arguments whose leaves become tape inputs (None: all).
      has_aux: ``fun`` returns ``(output, aux)``.
      what: The transform's name, for error messages.
      kwargs: Keyword arguments, passed as they are.
      reverse: The tape will be played backwards (a jitted call on it
        computes its gradient with its value).
      staging: The tape will be replayed (``make_tape``, so ``jit`` and
        ``vmap``): integer data stays integer data, a draw from a global
        random generator is refused, and arrays read from a closure are
        copied as they are now. ``out`` is then the output as recorded.
      float64: NumPy float64 scalars stay so on the tape (else floats).
      origins: ``jit``'s tape: a ``grad`` inside may note the origins of
        its backward records there (``Tape.origins``).

    Returns:
      The ``Trace``: the tape, its inputs per argument,
      its output leaves and structure, the output and aux seen from outside.
    """
    nums = tuple(range(len(args))) if nums is None else nums
    before, outer = draws.snapshot(fun) if staging else None, jit_tapes()
    with new_tape() as tape:
        tape.reverse, tape.staging = reverse, staging
        tape.origins = {} if origins else None
        new_args, inputs = trace_inputs(tape, fun, args, nums, what, staging, float64)
        out, aux = split_aux(run_checked(fun, new_args, kwargs, tape, inputs), has_aux, what)
    note_spans(outer)           # on jit's tapes: what this trace recorded there
    forget_kept(tape)           # no record is added to it now: its arrays' copies stay there
    if before is not None:
        draws.check_rngs(fun, before)
    out_leaves, out_def = tree.flatten(out)
    tape.set_outputs(out_leaves)
    for check in trace_checks:          # stale_views.check_views: a view read after a write
        check(tape, aux)
    if staging:
        for x in (*out_leaves, *tree.leaves(aux)):   # a dead tape's value kept as a constant
            unwrap(tape, x)
        tape.out_def = out_def
        freeze_constants(tape)
        return Trace(tape, inputs, out_leaves, out_def, out, aux)
    out = tree.unflatten(out_def, [unwrap(tape, x) for x in out_leaves])
    aux = tree.map(lambda x: unwrap(tape, x), aux)
    return Trace(tape, inputs, out_leaves, out_def, out, aux)


def on(tape: Tape, x: Any) -> bool:
    """Whether ``x`` is traced on ``tape`` (not a constant there, not an outer value)."""
    return type(x) is Traced and x.tape is tape
