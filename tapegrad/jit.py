"""``tg.jit``: trace once per signature, compile the tape to Python, reuse it.

``jit(fun)`` records ``fun`` on a tape with concrete values (so Python
control flow runs as usual, each ``bool()`` of a traced value recording a
guard), reads the tape as a program, applies IEEE-exact passes, lowers it to
straight-line Python source and compiles that. Later calls with the same
signature (tree structure, leaf kinds, dtypes and shapes, static values)
run the compiled code; each guard is a check there, and where one goes the
other way jit traces again at those arguments and keeps that specialization
too. A float's or an array's value never causes a new trace.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from . import tree
from .arguments import check_callable
from .staging.cache import (
    MAX_SPECIALIZATIONS,
    Cache,
    Miss,
    Specialization,
    is_number_kind,
    leaf_kind,
    make_flattener,
    make_unflattener,
)
from .staging.lower import GuardFailed, Lowered, lower
from .staging.passes import optimize
from .staging.program import from_tape, int_outputs
from .tape import Traced, gc_paused, ieee
from .transforms import make_tape

__all__ = ["jit"]


def jit(fun: Callable[..., Any], static_argnums: int | Sequence[int] = (),
        static_argnames: str | Sequence[str] = ()) -> Callable[..., Any]:
    """Return a compiled version of ``fun``, traced once per signature.

    Later calls run the generated straight-line Python.

    Args:
      fun: A function of pytrees of numbers.
      static_argnums: Positional arguments that are not traced: their values
        (which must be hashable) are part of the signature, so an int that
        drives a Python loop belongs here.
      static_argnames: Keyword arguments that are not traced, likewise.

    Returns:
      A function with ``fun``'s arguments and results (equal exactly, as
      numbers); ``.lower(*args).source`` is the generated source, and
      ``.trace_count`` the number of traces so far. Side effects of ``fun``
      (printing, appending to a list) happen when it is traced.

    Raises:
      TypeError: when a Python branch on a traced value needs more than 8
        specializations for one signature (the message names its line), or a
        static argument is unhashable.

    Examples:
      >>> import tapegrad as tg
      >>> f = tg.jit(lambda x, y: x * y + 1.0)
      >>> f(2.0, 3.0), f(4.0, 5.0), f.trace_count
      (7.0, 21.0, 1)
      >>> print(f.lower(2.0, 3.0).source)
      def _entry(L):
          (r0, r1,) = L
          r1 = (r0 * r1) + 1.0
          return [r1]
      <BLANKLINE>
    """
    check_callable(fun, "jit")
    nums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    names = (static_argnames,) if isinstance(static_argnames, str) else tuple(static_argnames)
    return Jitted(fun, nums, names)


_PLAIN = {float, int}         # leaves whose type alone is their kind


def _outputs(spec: Specialization, leaves: list[Any]) -> Any:
    """Run ``spec`` on the input leaves; its outputs as the function's tree.

    NumPy's warnings are switched off only where the program holds NumPy
    values: Python floats never warn, and switching costs microseconds.
    """
    if spec.lowered.plain:
        outs = spec.lowered.fn(leaves)
    else:
        with ieee():
            outs = spec.lowered.fn(leaves)
    unflat = spec.unflatten
    return unflat(outs) if unflat is not None else tree.unflatten(spec.out_def, outs)


class Jitted:
    """What ``tg.jit`` returns: call it like ``fun``."""

    def __init__(self, fun: Callable[..., Any], static_argnums: tuple[int, ...],
                 static_argnames: tuple[str, ...]):
        self.fun = fun
        self.static_argnums = static_argnums
        self.static_argnames = static_argnames
        self.cache = Cache()
        self._fast: tuple[Any, Any, Any] | None = None   # (statics, flattener, specs)
        functools.update_wrapper(self, fun)

    @property
    def trace_count(self) -> int:
        """How many times ``fun`` was traced (one per signature and guard pattern)."""
        return self.cache.traces

    def _split(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any]:
        """(the traced arguments as one pytree, the static ones as a hashable key)."""
        if not self.static_argnums and not self.static_argnames:
            return (args, kwargs), ()
        nums = {n % len(args) if -len(args) <= n < len(args) else n
                for n in self.static_argnums}
        for n in nums:
            if not 0 <= n < len(args):
                raise ValueError(f"jit: static_argnums has {n}, but the function was "
                                 f"called with {len(args)} positional argument(s).")
        statics = tuple((n, args[n]) for n in sorted(nums)) + tuple(
            (k, kwargs[k]) for k in sorted(kwargs) if k in self.static_argnames)
        for where, value in statics:
            try:
                hash(value)
            except TypeError:
                raise TypeError(
                    f"jit: the static argument {where!r} is a {type(value).__name__}, "
                    "which is not hashable; a static value is part of the cache key. "
                    "Pass a hashable value (a tuple instead of a list), or make it a "
                    "traced argument.") from None
        dynamic = (tuple(a for i, a in enumerate(args) if i not in nums),
                   {k: v for k, v in kwargs.items() if k not in self.static_argnames})
        return dynamic, statics

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        dynamic, statics = self._split(args, kwargs)
        fast = self._fast
        if fast is not None and fast[0] == statics:   # the last signature's own flattener
            try:
                leaves = fast[1](dynamic)
            except Miss:
                pass
            else:
                for spec in fast[2]:     # the signature's specializations (a live list)
                    try:
                        return _outputs(spec, leaves)
                    except GuardFailed:
                        continue
        leaves, treedef = tree.flatten(dynamic)
        types = tuple(map(type, leaves))           # C speed; arrays add dtype and shape
        kinds: tuple[Any, ...] = types
        if not _PLAIN.issuperset(types):
            kinds = tuple(leaf_kind(x) for x in leaves)
        if None in kinds:
            if any(type(x) is Traced for x in leaves):     # inside another transform:
                return self.fun(*args, **kwargs)           # it records the calls itself
            bad = kinds.index(None)
            path = tree.keystr(treedef.key_paths()[bad])
            raise TypeError(f"jit: the argument at {path} is a {type(leaves[bad]).__name__}, "
                            "which jit cannot trace; name it in static_argnums or "
                            "static_argnames.")
        signature = (treedef, kinds, statics)
        failed: list[str] = []
        specs = self.cache.specializations(signature)
        if specs:
            flat = make_flattener(treedef, kinds)
            self._fast = (statics, flat, specs) if flat is not None else None
        for spec in specs:
            try:
                return _outputs(spec, leaves)
            except GuardFailed as e:
                failed.append(spec.lowered.guards[e.args[0]])
        if len(failed) >= MAX_SPECIALIZATIONS:
            raise TypeError(
                f"jit: {getattr(self.fun, '__name__', 'the function')} needed more than "
                f"{MAX_SPECIALIZATIONS} specializations for one signature: the Python "
                f"branch at {failed[-1]} on a traced value goes different ways. Write the "
                "choice with tg.where, or pass the value that decides it in "
                "static_argnums if it is not a float.")
        spec = self._trace(dynamic, statics, args, kwargs)
        self.cache.add(signature, spec)
        return _outputs(spec, leaves)

    @gc_paused        # the program's hundreds of thousands of tuples hold no cycles
    def _trace(self, dynamic: Any, statics: Any, args: tuple[Any, ...],
               kwargs: dict[str, Any]) -> Specialization:
        tape = make_tape(self._with_statics(args, kwargs))(*dynamic)
        out_def, program = tape.out_def, from_tape(tape)
        given = {k: type(x) is int for k, x in enumerate(tree.leaves(dynamic))
                 if is_number_kind(leaf_kind(x))}              # traced as floats
        ints = int_outputs(program, given, tape.floats or set())
        del tape                    # its records are in the program now: free them
        lowered = lower(optimize(program), getattr(self.fun, "__name__", "f"),
                        frozenset(given), ints)
        return Specialization(lowered, out_def, make_unflattener(out_def))

    def _with_statics(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Callable[..., Any]:
        """``fun`` as a function of the traced arguments, the static ones filled in."""
        nums = {n % len(args) for n in self.static_argnums}
        static_kw = {k: v for k, v in kwargs.items() if k in self.static_argnames}

        def traced(positional: tuple[Any, ...], keywords: dict[str, Any]) -> Any:
            it = iter(positional)
            full = [args[i] if i in nums else next(it) for i in range(len(args))]
            return self.fun(*full, **keywords, **static_kw)
        traced.__name__ = getattr(self.fun, "__name__", "f")
        return traced

    def lower(self, *args: Any, **kwargs: Any) -> Lowered:
        """Trace and compile at these arguments, without caching.

        Args:
          *args: Arguments as for a call.
          **kwargs: Keyword arguments as for a call.

        Returns:
          The compiled program: ``.source`` is the generated Python.
        """
        dynamic, statics = self._split(args, kwargs)
        return self._trace(dynamic, statics, args, kwargs).lowered

