"""``debug_nans``: find the first record that produces a nan.

Inside ``tg.debug_nans()`` every new tape checks each value it records, and
the tape players check each cotangent and tangent they compute. The checks
cost a NumPy reduction per record, so they are off unless asked for.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np

from .tape import Tape, Traced, _debug_nans

__all__ = ["debug_nans"]


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
    token = _debug_nans.set(True)
    try:
        yield
    finally:
        _debug_nans.reset(token)


def _has_nan(x: Any) -> bool:
    while type(x) is Traced:
        x = x.value
    if type(x) is float:
        return x != x
    return bool(np.any(np.isnan(x)))


def _user_line() -> str:
    """The innermost stack frame outside tapegrad itself, as ``file:line``."""
    f: Any = sys._getframe(1)
    pkg = __name__.rpartition(".")[0]
    while f is not None and f.f_globals.get("__name__", "").startswith(pkg + "."):
        f = f.f_back
    if f is None:
        return "<unknown>"
    return f"{f.f_code.co_filename}:{f.f_lineno}"


def check_nan(tape: Tape, i: int, x: Any, what: str) -> None:
    """Note the source line of a new record; raise if ``x`` holds a nan."""
    if what == "value":
        tape.sources[i] = _user_line()
    if _has_nan(x):
        prim = tape.record(i).prim
        name = prim.name if prim is not None else "input"
        raise FloatingPointError(
            f"debug_nans: v{i} = {name}(...) produced nan ({what}), record {i} "
            f"of {len(tape.records)} on the tape; called from "
            f"{tape.sources.get(i, '<unknown>')}.")
