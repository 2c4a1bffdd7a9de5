"""Shared test helpers: central finite differences in float64; hypothesis under CI.

Under CI (``CI`` set) hypothesis draws the same examples every run, so a
run is reproducible; elsewhere it explores anew each time.

jit compiles a specialization at its first call here (``compile_at_first_call``),
so that a test calling a jitted function once tests the compiled code; the
tests of the first call's deferred compiling switch it off for themselves
(tests/test_jit_deferred.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import settings

from tapegrad import jit_first

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


WITHOUT_SCIPY = """import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "scipy" or name.startswith("scipy."):
            raise ImportError("scipy is blocked")
sys.meta_path.insert(0, Block())
"""
"""The start of a program run in a fresh interpreter where ``import scipy`` fails."""


def fd(f: Callable[[Any], Any], x: Any, eps: float = 1e-6) -> Any:
    """Central difference of a scalar function at a float or an array."""
    if isinstance(x, np.ndarray):
        g = np.zeros_like(x, dtype=float)
        for idx in np.ndindex(x.shape):
            e = np.zeros_like(x, dtype=float)
            e[idx] = eps
            g[idx] = (f(x + e) - f(x - e)) / (2 * eps)
        return g
    return (f(x + eps) - f(x - eps)) / (2 * eps)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture(autouse=True, scope="session")
def compile_at_first_call() -> Iterator[None]:
    """jit compiles at the first call, which then runs the compiled program."""
    jit_first.COMPILE_AT_FIRST_CALL = True
    yield
    jit_first.COMPILE_AT_FIRST_CALL = False
