"""``tg.jit``: trace once per signature, compile the tape to Python, reuse it.

``jit(fun)`` records ``fun`` on a tape with concrete values (so Python
control flow runs as usual, each ``bool()`` of a traced value recording a
guard) and returns the outputs traced. The next call with the same
signature (tree structure, leaf kinds, dtypes and shapes, static values)
reads the tape as a program, applies IEEE-exact passes, lowers it to
straight-line Python source and compiles that (``jit_first``); it and every
later call run the compiled code. Each guard is a check there, and where
one goes the other way jit traces again at those arguments and keeps that
specialization too. A float's or an array's value never causes a new trace.
"""

from __future__ import annotations

import functools
import threading
import types
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import jit_first, tree
from .errors import COMPLEX_MSG
from .jit_first import Deferred, Recording, compiled, first_outputs, read, record, write_records
from .jit_pickle import Pickled
from .jit_traced import JitCall, _ClosesOverTraced, _PastBound
from .staging.cache import (
    MAX_SIGNATURES,
    MAX_SPECIALIZATIONS,
    Cache,
    Held,
    Miss,
    Specialization,
    flat_outputs,
    leaf_kind,
    make_unflattener,
    outputs,
    resolve_statics,
    static_key,
    unflattened,
)
from .staging.lower import GuardFailed, Lowered
from .staging.while_source import loop_hint
from .tracing import arg_path_name, check_callable
from .transforms import value_and_grad
from .values import Traced, is_complex, primal_value

__all__ = ["jit"]


def jit(fun: Callable[..., Any], static_argnums: int | Sequence[int] = (),
        static_argnames: str | Sequence[str] = (), reassociate: bool = False
        ) -> Callable[..., Any]:
    """Return a compiled version of ``fun``, traced once per signature.

    The first call at a signature traces; later calls run the generated
    straight-line Python, compiled at the second.

    Args:
      fun: A function of pytrees of numbers.
      static_argnums: Positional arguments that are not traced: their values
        (which must be hashable) are part of the signature, so an int that
        drives a Python loop belongs here. Static values share a trace when
        they are equal and of the same type (``1``, ``1.0`` and ``True`` do
        not).
      static_argnames: Arguments by name that are not traced, likewise. As in
        JAX, each resolves through ``fun``'s signature: a parameter named in
        one is static whether it is passed by position or by keyword.
      reassociate: Let sums of many terms be summed in another order (a
        packed chain of additions becomes ``np.sum``): faster, but rounded
        otherwise (see "Packing scalar code" in the docs). Off: bit for bit.

    Returns:
      A function with ``fun``'s arguments and results (equal exactly, as
      numbers); ``.lower(*args).source`` is the generated source, and
      ``.trace_count`` the number of traces so far. Side effects of ``fun``
      (printing, appending to a list) happen when it is traced. It keeps at
      most 64 signatures (the least recently used is dropped, and traced
      again if called again), each with at most 8 specializations; its
      compiled code is freed with it. As a decorator of a method it binds
      ``self``, which is then an argument like any other: register the
      class as a pytree (``tg.tree.register``) or make ``self`` static with
      ``functools.partial(tg.jit, static_argnums=0)``.

    Raises:
      TypeError: when a Python branch on a traced value needs more than 8
        specializations for one signature (the message names its line), or a
        static argument is unhashable.
      ValueError: when ``static_argnums`` or ``static_argnames`` names a
        parameter ``fun`` does not have.

    Examples:
      >>> import tapegrad as tg
      >>> f = tg.jit(lambda x, y: x * y + 1.0)
      >>> f(2.0, 3.0), f(4.0, 5.0), f.trace_count
      (7.0, 21.0, 1)
      >>> print(f.lower(2.0, 3.0).source)
      def _entry(L):
          (r0, r1,) = L
          r1 = r0 * r1 + 1.0
          return [r1]
    """
    check_callable(fun, "jit")
    nums = _entries(static_argnums, int, "static_argnums", "an int or a tuple of ints")
    names = _entries(static_argnames, str, "static_argnames", "a str or a tuple of strs")
    return Jitted(fun, *resolve_statics(fun, nums, names), reassociate)


def _entries(given: Any, kind: type, what: str, want: str) -> tuple[Any, ...]:
    """``static_argnums``/``static_argnames`` as a tuple, each entry of ``kind`` (None: none)."""
    items = () if given is None else (given,) if isinstance(given, kind) else given
    if isinstance(items, str) or not isinstance(items, Sequence | set | frozenset) or any(
            not isinstance(i, kind) or isinstance(i, bool) for i in items):
        raise TypeError(f"jit: {what} must be {want}, got {given!r}.")
    return tuple(items)


def lenient_jit(fun: Callable[..., Any]) -> Jitted:
    """``jit(fun)``, run uncompiled where it would need more than the bound's specializations.

    What another transform compiles for a jitted function (``grad(jit(f))``,
    its vjp, jvp and batching rules): ``jit(f)`` holds a loop whose trip
    count or branches vary in one specialization, where the rule's program
    may not (a reverse pass through an ``if`` in a ``while``). Past the
    bound the rule runs as the transform would without ``jit``: the user's
    function compiled, its derivative not, and no error.
    """
    fn = Jitted(fun, (), ())
    fn.lenient = True
    return fn


class Jitted(Pickled):
    """What ``tg.jit`` returns: call it like ``fun``."""

    def __init__(self, fun: Callable[..., Any], static_argnums: tuple[int, ...],
                 static_argnames: tuple[str, ...], reassociate: bool = False):
        self.fun, self.reassociate, self.lenient = fun, reassociate, False  # see lenient_jit
        self.static_argnums, self.static_argnames = static_argnums, static_argnames
        self.cache = Cache()
        self._calls: OrderedDict[Any, JitCall] = OrderedDict()   # under other transforms
        self._derived: dict[Any, Jitted] = {}      # compiled value_and_grad, by argnums
        self._calls_lock = threading.Lock()
        # name, docstring and __wrapped__, but not __dict__: a wrapped object's
        # attributes (another Jitted's fun and cache) must not replace ours
        functools.update_wrapper(self, fun, updated=())

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        """As a method: bound to ``instance``, which is then the first argument."""
        if instance is None:
            return self
        return types.MethodType(self, instance)

    @property
    def trace_count(self) -> int:
        """How many times ``fun`` was traced (one per signature and guard pattern)."""
        return self.cache.traces

    def _static_positions(self, n_args: int) -> set[int]:
        """Which of ``n_args`` positional arguments are static.

        As in JAX, a number past the arguments given is left out: that
        parameter was passed by keyword (and is static by name) or defaulted.
        """
        return {n % n_args for n in self.static_argnums if -n_args <= n < n_args}

    def _split(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any]:
        """(the traced arguments as one pytree, the static ones as a hashable key)."""
        if not self.static_argnums and not self.static_argnames:
            return (args, kwargs), ()
        nums = self._static_positions(len(args))
        statics = tuple((n, args[n]) for n in sorted(nums)) + tuple(
            (k, kwargs[k]) for k in sorted(kwargs) if k in self.static_argnames)
        for where, value in statics:
            if type(value) is Traced:
                raise TypeError(
                    f"jit: the static argument {where!r} of "
                    f"{getattr(self.fun, '__name__', 'the function')} is a traced value "
                    "(an outer transform differentiates or batches it), so jit cannot "
                    "compile for its value. Make it a traced argument, or keep it out of "
                    "the outer transform (vmap's in_axes=None, grad's argnums).")
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
        # (where, key, value): the key compares types and bits; the value is what is traced
        return dynamic, tuple((where, static_key(value), Held(value)) for where, value in statics)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        dynamic, statics = self._split(args, kwargs)
        fast = self.cache.fast
        if fast is not None and fast[0] == statics:   # the last signature's own flattener
            try:
                leaves = fast[1](dynamic)
            except Miss:
                pass
            else:
                for spec in fast[2]:     # the signature's specializations (a live list)
                    try:
                        return outputs(spec, leaves)
                    except GuardFailed:
                        continue
        leaves, treedef, signature = self.cache.lookup(dynamic, statics)
        try:
            if signature is None:        # a leaf that is not a number jit traces
                return self._not_numbers(args, leaves, treedef, statics)
            spec, outs = self._select(signature, leaves, statics)
        except (_ClosesOverTraced, _PastBound):
            return self.fun(*args, **kwargs)
        return unflattened(spec, outs)

    def _not_numbers(self, args: tuple[Any, ...], leaves: list[Any], treedef: Any,
                     statics: Any) -> Any:
        """A call with a leaf jit cannot trace: an outer transform's value, or an error."""
        if any(type(x) is Traced for x in leaves):     # inside another transform
            return self._traced(leaves, treedef, statics)
        bad = next(k for k, x in enumerate(leaves) if leaf_kind(x) is None)
        self._check_self(args, leaves[bad])
        raise self._untraceable(leaves[bad], treedef.key_paths()[bad])

    def _select(self, signature: Any, leaves: list[Any], statics: Any
                ) -> tuple[Specialization, list[Any]]:
        """The specialization whose guards hold at ``leaves``, and its output leaves.

        Traces ``fun`` at ``leaves`` where none does.
        """
        failed: list[str] = []
        for spec in self.cache.specializations(signature):
            try:
                return spec, flat_outputs(spec, leaves)
            except GuardFailed:
                continue
        with self.cache.tracing(signature):   # one thread traces; the others wait for it
            for spec in self.cache.specializations(signature):   # perhaps one more now
                try:
                    return spec, flat_outputs(spec, leaves)
                except GuardFailed as e:
                    failed.append(spec.lowered.guards[e.args[0]])
            if len(failed) >= MAX_SPECIALIZATIONS:
                if self.lenient:
                    raise _PastBound
                raise TypeError(
                    f"jit: {getattr(self.fun, '__name__', 'the function')} needed more than "
                    f"{MAX_SPECIALIZATIONS} specializations for one signature: the Python "
                    f"branch at {failed[-1]} on a traced value goes different ways. Write "
                    "the choice with tg.where, or pass the value that decides it in "
                    "static_argnums if it is not a float." + loop_hint(failed[-1]))
            spec, outs = self._first(signature, leaves, statics)
            # the fast path is this signature now, or from its next call where it compiles
            self.cache.add(signature, spec, type(spec.lowered) is not Deferred)
        return spec, outs

    def _traced(self, leaves: list[Any], treedef: Any, statics: Any) -> Any:
        """A call on traced arguments: recorded as one primitive per output leaf."""
        call = self._call(leaves, treedef, statics)
        tape = max((x.tape for x in leaves if type(x) is Traced), key=lambda t: t.level)
        first_order = all(type(x) is not Traced or (x.tape is tape and type(x._value)
                                                     is not Traced) for x in leaves)
        return call(leaves, tape if first_order and tape.reverse else None)

    def _call(self, leaves: list[Any], treedef: Any, statics: Any) -> JitCall:
        """The call's signature (of its leaves' numbers) as primitives and rules."""
        kinds = tuple(leaf_kind(primal_value(x)) for x in leaves)
        if None in kinds:
            bad = kinds.index(None)
            raise self._untraceable(primal_value(leaves[bad]), treedef.key_paths()[bad])
        signature = (treedef, kinds, statics)
        with self._calls_lock:          # threads may drop the signature another uses
            call = self._calls.get(signature)
            if call is None:
                call = self._calls[signature] = JitCall(self, signature, statics, lenient_jit)
                if len(self._calls) > MAX_SIGNATURES:
                    self._calls.popitem(last=False)
            else:
                self._calls.move_to_end(signature)
        return call

    def _replayed(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """``fun(*args, **kwargs)`` by replaying the tape jit recorded: ``fun`` is not run."""
        dynamic, statics = self._split(args, kwargs)
        leaves, treedef = tree.flatten(dynamic)
        try:
            return self._call(leaves, treedef, statics).replay(leaves)
        except _ClosesOverTraced:
            return self.fun(*args, **kwargs)

    def compiled_value_and_grad(self, argnums: Any, has_aux: bool) -> Jitted:
        """What ``tg.value_and_grad(this, argnums, has_aux)`` runs: one compiled program.

        It is ``jit(value_and_grad(fun))``, traced by replaying the tape
        this jitted function records, so ``fun`` runs once per signature.
        """
        key = (argnums if isinstance(argnums, int) else tuple(argnums), has_aux)
        fn = self._derived.get(key)
        if fn is None:
            @functools.wraps(self.fun)
            def replayed(*args: Any, **kwargs: Any) -> Any:
                return self._replayed(args, kwargs)
            vg = value_and_grad(replayed, argnums, has_aux)
            vg.__name__ = f"{getattr(self.fun, '__name__', 'f')}_value_and_grad"
            fn = self._derived[key] = Jitted(vg, self.static_argnums, self.static_argnames,
                                             self.reassociate)
            fn.lenient = True
        return fn

    def _untraceable(self, x: Any, path: Any) -> TypeError:
        """The error for a leaf jit cannot trace, named by its parameter (``p['w']``)."""
        where = tree.keystr(path) if self.static_argnums else arg_path_name(self.fun, path)
        if is_complex(x):
            return TypeError(f"jit: the argument at {where} is complex "
                             f"({np.asarray(x).dtype}): {COMPLEX_MSG}")
        fix = "name it in static_argnums or static_argnames."
        if len(tuple(path)) > 2 and not self.static_argnums:   # a leaf inside a container
            fix = ("a container holding it is not hashable, so pass it as an argument of "
                   "its own, named in static_argnums or static_argnames (or close over it "
                   "with functools.partial).")
        return TypeError(f"jit: the argument at {where} is a {type(x).__name__}, which jit "
                         f"cannot trace; {fix}")

    def _check_self(self, args: tuple[Any, ...], bad: Any) -> None:
        """Where the leaf jit cannot trace is ``self`` of a method: say both fixes."""
        if not args or args[0] is not bad or 0 in self._static_positions(len(args)):
            return
        name = getattr(self.fun, "__name__", "")
        owner = next((c for c in type(bad).__mro__ if vars(c).get(name) is self), None)
        if owner is None:
            return
        cls = type(bad).__name__
        raise TypeError(
            f"jit: the method {owner.__name__}.{name} is jitted, so self (a {cls}) is an "
            f"argument, and jit cannot trace a {cls}. Either make self static with "
            "@functools.partial(tg.jit, static_argnums=0) (then it must be hashable, and "
            "its hash and equality decide when to trace again), or register the class as "
            f"a pytree with tg.tree.register({cls}, flatten, unflatten) so that its "
            "arrays and floats are traced.")

    def _record(self, dynamic: Any, statics: Any) -> Recording:
        """``fun`` traced at these arguments (``jit_first.record``)."""
        return record(self._with_statics(statics), dynamic)

    def _trace(self, dynamic: Any, statics: Any) -> Specialization:
        """A specialization traced at these arguments and compiled at once."""
        return self._compiled(self._record(dynamic, statics))

    def _compiled(self, rec: Recording) -> Specialization:
        """The specialization of a trace, compiled now."""
        rec = read(rec)                      # the tape freed before the passes
        lowered = compiled(rec, getattr(self.fun, "__name__", "f"), self.reassociate)
        write_records(rec)             # other transforms replay the program, not f
        return Specialization(lowered, rec.out_def, make_unflattener(rec.out_def),
                              rec.replayed)

    def _first(self, signature: Any, leaves: list[Any], statics: Any
               ) -> tuple[Specialization, list[Any]]:
        """A new specialization at ``leaves`` and its outputs there: compiled when run again."""
        rec = self._record(tree.unflatten(signature[0], leaves), statics)
        if jit_first.COMPILE_AT_FIRST_CALL or rec.at_once:
            rec = read(rec)                  # the tape freed before the passes
            spec = self._compiled(rec)
            return spec, flat_outputs(spec, leaves)
        outs = first_outputs(rec, leaves)
        deferred = Deferred(rec._replace(values=()), getattr(self.fun, "__name__", "f"),
                            self.reassociate, self.cache, signature)
        return Specialization(deferred, rec.out_def, None, rec.replayed), outs

    def _with_statics(self, statics: Any) -> Callable[..., Any]:
        """``fun`` as a function of the traced arguments, the static ones filled in."""
        positions = {n: v.value for n, _, v in statics if isinstance(n, int)}
        static_kw = {n: v.value for n, _, v in statics if isinstance(n, str)}

        def traced(positional: tuple[Any, ...], keywords: dict[str, Any]) -> Any:
            it = iter(positional)
            full = [positions[i] if i in positions else next(it)
                    for i in range(len(positional) + len(positions))]
            return self.fun(*full, **keywords, **static_kw)
        traced.__name__ = getattr(self.fun, "__name__", "f")
        return functools.update_wrapper(traced, self.fun, (), ())   # __wrapped__: draws reads it

    def lower(self, *args: Any, **kwargs: Any) -> Lowered:
        """Trace and compile at these arguments, without caching.

        Args:
          *args: Arguments as for a call.
          **kwargs: Keyword arguments as for a call.

        Returns:
          The compiled program: ``.source`` is the generated Python.
        """
        dynamic, statics = self._split(args, kwargs)
        return self._trace(dynamic, statics).lowered
