"""``debug_nans``: find the first record that produces a nan.

Inside ``tg.debug_nans()`` every new tape checks each value it records, and
the tape players check each cotangent and tangent they compute. The checks
cost a NumPy reduction per record, so they are off unless asked for.

This module owns that switch (a ``ContextVar``, so it holds per thread and
async task) and knows nothing of tapes beyond what it is handed: the tape
module asks it, never the other way round.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import numpy as np

__all__ = ["debug_nans"]

checking: ContextVar[bool] = ContextVar("tapegrad_debug_nans", default=False)


@contextlib.contextmanager
def debug_nans() -> Iterator[None]:
    """Raise ``FloatingPointError`` at the first record that produces a nan.

    Inside the block, every transform checks each value it records and each
    cotangent it computes; the error names the primitive, its position on
    the tape and the source line that called it.

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
    token = checking.set(True)
    try:
        yield
    finally:
        checking.reset(token)


def user_line() -> str:
    """The innermost stack frame outside tapegrad itself, as ``file:line``."""
    f: Any = sys._getframe(1)
    pkg = __name__.rpartition(".")[0]
    while f is not None and f.f_globals.get("__name__", "").startswith(pkg + "."):
        f = f.f_back
    if f is None:
        return "<unknown>"
    return f"{f.f_code.co_filename}:{f.f_lineno}"


def check_nan(tape: Any, i: int, x: Any, what: str) -> None:
    """Note the source line of record ``i``; raise if ``x`` holds a nan.

    ``x`` is a plain number (the caller unwraps traced values).
    """
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
