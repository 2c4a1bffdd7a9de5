"""IEEE arithmetic and ``debug_nans``: how tapegrad's numbers behave.

Traced arithmetic is IEEE: ``log(0)`` is ``-inf`` and nothing warns or
raises (``ieee`` switches NumPy's warnings off and notes it in ``quiet``, so
eager ops inside need not switch them again).

``debug_nans`` finds the first record that produces a nan.

Inside ``tg.debug_nans()`` every new tape checks each value it records, and
the tape players check each cotangent and tangent they compute. The checks
cost a NumPy reduction per record, so they are off unless asked for.

This module owns that switch (a ``ContextVar``, so it holds per thread and
async task) and knows nothing of tapes beyond what it is handed: the tape
module asks it, never the other way round.
"""

from __future__ import annotations

import functools
import sys
import warnings
from contextvars import ContextVar
from typing import Any

import numpy as np

__all__ = ["check_nan", "debug_nans", "ieee", "quiet", "user_line"]

checking: ContextVar[bool] = ContextVar("tapegrad_debug_nans", default=False)
quiet: ContextVar[bool] = ContextVar("tapegrad_ieee", default=False)


class ieee:
    """NumPy's floating-point warnings off, and noted as off.

    Eager ops inside need not switch them off again (that costs more than a
    small array op).

    A class rather than a generator: entering it is on every transform's path.
    """

    __slots__ = ("_token", "_errstate")

    def __enter__(self) -> None:
        self._token = quiet.set(True)
        self._errstate = np.errstate(all="ignore")
        self._errstate.__enter__()

    def __exit__(self, *exc: Any) -> None:
        try:
            self._errstate.__exit__(*exc)
        finally:
            quiet.reset(self._token)



def debug_nans() -> NanCheck:
    """Raise ``FloatingPointError`` at the first record that produces a nan.

    Inside the block, every transform checks each value it records and each
    cotangent it computes; the error names the primitive, its position on
    the tape and the source line that called it. Called as a statement, out
    of a ``with``, it checks nothing, and says so with a ``RuntimeWarning``.

    Returns:
      A context manager; use it in a ``with`` statement.

    Examples:
      >>> import tapegrad as tg
      >>> with tg.debug_nans():
      ...     tg.grad(lambda x: tg.log(x - 2.0))(1.0)
      Traceback (most recent call last):
        ...
      FloatingPointError: debug_nans: v2 = log(...) produced nan (value)...
    """
    return NanCheck()


class NanCheck:
    """The block of ``debug_nans``; dropped without being entered, it warns."""

    __slots__ = ("_token", "_entered")

    def __init__(self) -> None:
        self._entered = False

    def __enter__(self) -> None:
        self._entered = True
        self._token = checking.set(True)

    def __exit__(self, *exc: Any) -> None:
        checking.reset(self._token)

    def __call__(self, fn: Any) -> Any:
        """As a decorator (``@tg.debug_nans()``): each call of ``fn`` runs checked."""
        self._entered = True

        @functools.wraps(fn)
        def checked(*args: Any, **kwargs: Any) -> Any:
            with NanCheck():
                return fn(*args, **kwargs)
        return checked

    def __del__(self) -> None:
        if not self._entered:
            warnings.warn("tg.debug_nans() checks only inside a with statement: write "
                          "`with tg.debug_nans():` around the code to check.",
                          RuntimeWarning, stacklevel=2)


def user_frame() -> Any:
    """The innermost stack frame outside tapegrad itself (None: none)."""
    f: Any = sys._getframe(1)
    pkg = __name__.rpartition(".")[0]
    while f is not None and f.f_globals.get("__name__", "").startswith(pkg + "."):
        f = f.f_back
    return f


class SourceLine(str):
    """A guard's ``file:line``, and ``at``: the offset in its code of the ``bool()``.

    One line may decide two guards (``if max(s, u) > 0.5:`` compares in
    ``max`` first): ``at`` tells them apart, where a loop's iterations are
    read as one ``if`` going either way (``staging/branch_sites.py``).
    """
    at: tuple[Any, int]


def source_line(f: Any) -> str:
    """Frame ``f``'s ``file:line`` as a ``SourceLine`` (``"<unknown>"`` for None)."""
    if f is None:
        return "<unknown>"
    line = SourceLine(f"{f.f_code.co_filename}:{f.f_lineno}")
    line.at = (f.f_code, f.f_lasti)
    return line


def user_line() -> str:
    """The innermost stack frame outside tapegrad itself, as ``file:line``."""
    f = user_frame()
    if f is None:
        return "<unknown>"
    return f"{f.f_code.co_filename}:{f.f_lineno}"


def check_nan(tape: Any, i: int, x: Any, what: str) -> None:
    """Note the source line of record ``i``; raise if ``x`` holds a nan.

    ``x`` is a number, or a traced value of an outer tape (its number is checked).
    """
    while hasattr(x, "_value"):      # a Traced (defined above this module): its number
        x = x._value
    if what == "value":
        tape.sources[i] = user_line()
    if x.__class__ is float:
        if x == x:
            return
    elif not np.any(np.isnan(x)):
        return
    prim = tape.record(i).prim
    name = prim.name if prim is not None else "input"
    source = tape.sources.get(i, "a line not known: the tape was recorded outside "
                                 "tg.debug_nans()")
    raise FloatingPointError(
        f"debug_nans: v{i} = {name}(...) produced nan ({what}), record {i} "
        f"of {len(tape.records)} on the tape; called from {source}.")
