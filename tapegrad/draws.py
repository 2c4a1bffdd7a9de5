"""Refusing a recording that drew from a random generator.

A tape (and so ``jit`` and ``vmap``, which replay one) keeps the numbers
drawn while recording as constants: a draw from ``np.random.*`` or
``random`` inside a recorded function would be frozen, the same on every
later call. So would a draw from a generator the function holds: a
``np.random.RandomState`` or ``Generator`` (or a ``random.Random``) it reads
as a global, from a closure, a ``functools.partial`` or its ``self``, as
autograd's black-box SVI example keeps ``rs = npr.RandomState(0)``. The
recording compares the generators' states before and after.
"""

from __future__ import annotations

import functools
import random
import threading
import types
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

__all__ = ["check_rngs", "snapshot"]

_GENERATORS = (np.random.RandomState, np.random.Generator, random.Random)
_MAX_DEPTH = 8          # wrappers, closures and helpers followed from the function
_MAX_OBJECTS = 5000     # a bound on the walk: the check stays cheap next to a trace


def snapshot(fun: Callable[..., Any]) -> tuple[tuple[Any, ...], Any, list[tuple[Any, Any]]]:
    """The states of the global generators and of those ``fun`` holds."""
    held = [(g, _state(g)) for g in _held(fun)]
    return np.random.get_state(), random.getstate(), held   # type: ignore[return-value]


def check_rngs(fun: Callable[..., Any],
               before: tuple[tuple[Any, ...], Any, list[tuple[Any, Any]]]) -> None:
    """Refuse a recording that drew from a generator: its draw would be frozen.

    A tape (and so ``jit`` and ``vmap``, which replay one) keeps the numbers
    drawn while recording as constants, the same on every later call.
    """
    np_before, py_before, held = before
    np_state: tuple[Any, ...] = np.random.get_state()     # type: ignore[assignment]
    if np_state[2:] != np_before[2:] or not np.array_equal(np_state[1], np_before[1]):
        which = "NumPy's global random generator (np.random)"
    elif random.getstate() != py_before:
        which = "Python's global random generator (random)"
    else:
        moved = [g for g, s in held if not _same(_state(g), s)]
        if not moved:
            return
        which = f"a random generator it holds (a {type(moved[0]).__name__})"
    msg = (f"{getattr(fun, '__name__', 'the function')} drew from {which} while jit, "
           "vmap or make_tape recorded it: the recording would replay that one draw "
           "on every call, frozen. Draw the numbers outside the function and pass "
           "them in as an argument (a new draw per call).")
    if threading.active_count() > 1:     # another thread may have drawn: say, not stop
        if which.startswith("a random") or _may_draw(fun):
            warnings.warn(msg + " (Another thread may have drawn instead.)", RuntimeWarning,
                          stacklevel=5)
        return                  # fun names no global generator: another thread drew
    raise RuntimeError(msg)


def _global_generators() -> tuple[Any, ...]:
    """The hidden instances behind ``np.random.normal`` and ``random.gauss``."""
    return (getattr(np.random.mtrand, "_rand", None), getattr(random, "_inst", None))


def _may_draw(fun: Callable[..., Any]) -> bool:
    """Whether ``fun`` may draw from a global generator, as far as its code tells.

    The walk of ``_held`` (wrappers, closures, partials, ``self``, the user's
    globals), looking for the name ``random`` in code (``np.random.normal``,
    ``random.gauss``, ``rng.random``), the modules, and functions taken from
    them (``from numpy.random import normal``). A walk cut short says yes.
    """
    hidden = _global_generators()
    seen: set[int] = set()
    todo = [(fun, 0)]
    while todo:
        obj, depth = todo.pop()
        if id(obj) in seen or depth > _MAX_DEPTH:
            continue
        if len(seen) >= _MAX_OBJECTS:
            return True
        seen.add(id(obj))
        if _names_a_generator(obj, hidden):
            return True
        todo.extend((x, depth + 1) for x in _parts(obj))
    return False


def _names_a_generator(obj: Any, hidden: tuple[Any, ...]) -> bool:
    if obj is random or obj is np.random:
        return True
    owner = getattr(obj, "__self__", None) if callable(obj) else None
    if owner is not None and any(owner is h for h in hidden):
        return True
    return isinstance(obj, types.FunctionType) and "random" in set(_global_names(obj.__code__))


def _held(fun: Any) -> list[Any]:
    """The generators reachable from ``fun``: wrappers, closures, partials, ``self``, globals."""
    found: dict[int, Any] = {}
    seen: set[int] = set()
    todo = [(fun, 0)]
    while todo and len(seen) < _MAX_OBJECTS:
        obj, depth = todo.pop()
        if id(obj) in seen or depth > _MAX_DEPTH:
            continue
        seen.add(id(obj))
        if isinstance(obj, _GENERATORS):
            found[id(obj)] = obj
        else:
            todo.extend((x, depth + 1) for x in _parts(obj))
    return list(found.values())


def _parts(obj: Any) -> Iterator[Any]:
    """What a callable reads that may hold a generator (nothing for other objects)."""
    if isinstance(obj, functools.partial):
        yield obj.func
        yield from obj.args
        yield from obj.keywords.values()
    elif isinstance(obj, types.MethodType):
        yield obj.__func__
        yield from vars(obj.__self__).values() if hasattr(obj.__self__, "__dict__") else ()
    elif callable(obj) and not isinstance(obj, type) and hasattr(obj, "__dict__") \
            and not isinstance(obj, types.FunctionType):      # a model object called as f(x)
        yield from vars(obj).values()
    elif isinstance(obj, types.FunctionType):
        for cell in obj.__closure__ or ():
            try:
                yield cell.cell_contents
            except ValueError:      # a cell not yet filled
                continue
        if "__wrapped__" in obj.__dict__:
            yield obj.__dict__["__wrapped__"]
        if not (obj.__module__ or "").startswith("tapegrad"):    # the user's globals
            names = obj.__globals__
            yield from (names[n] for n in _global_names(obj.__code__) if n in names)


def _global_names(code: types.CodeType) -> Iterator[str]:
    """The names a function's code (and the functions defined in it) may read as globals."""
    yield from code.co_names
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            yield from _global_names(c)


def _state(g: Any) -> Any:
    if isinstance(g, np.random.RandomState):
        return g.get_state(legacy=False)
    if isinstance(g, np.random.Generator):
        return g.bit_generator.state
    return g.getstate()


def _same(a: Any, b: Any) -> bool:
    """Equal generator states (dicts, tuples and arrays of them)."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return bool(a == b)
