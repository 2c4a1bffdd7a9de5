"""What an array program of ``real_programs11.py`` and later is, and how one is registered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np


class Case(NamedTuple):
    f: Callable[[Any], Any]
    xs: list[Any]
    rtol: float = 1e-6          # grad against central differences
    no_hessian: str = ""        # why the Hessian is not checked ("": it is)
    fd_step: float = 1e-6       # central differences' step, relative to the largest input
    traces: int = 1             # jit's traces over xs: a branch whose outcome differs specializes
    grad_traces: int = 0        # jit(grad)'s (0: traces)
    xfail: tuple[tuple[str, str], ...] = ()   # ("jit" ... "hessian", reason): a strict xfail


def registrar(programs: dict[str, Case]) -> Callable[..., Any]:
    """``case(x0, seed, scale=0.05, **kw)``: a decorator registering ``f`` in ``programs``."""
    def case(x0: Any, seed: int, scale: float = 0.05, **kw: Any
             ) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
        """Register ``f`` with ``x0`` and two points near it (``x0 * (1 + scale * noise)``)."""
        x0 = np.asarray(x0)
        rs = np.random.RandomState(seed)
        xs = [x0] + [(x0 * (1 + scale * rs.randn(*x0.shape))).astype(x0.dtype) for _ in range(2)]

        def register(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
            programs[f.__name__] = Case(f, xs, **kw)
            return f
        return register
    return case
