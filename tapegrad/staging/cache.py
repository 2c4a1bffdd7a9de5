"""Signatures and specializations: what jit compiled, and for which calls.

A call's *signature* is what a compiled program depends on: the tree
structure of the traced arguments, each leaf's kind (float, int, or an
array's dtype and shape) and the static arguments' values, never a float's
or an array's value. Under one signature the cache keeps one
*specialization* per pattern of guard outcomes (at most ``MAX_SPECIALIZATIONS``):
a call runs them in turn until one's guards all hold.
"""

from __future__ import annotations

import threading
from typing import Any, NamedTuple

import numpy as np

from .lower import Lowered

MAX_SPECIALIZATIONS = 8


class Specialization(NamedTuple):
    """One compiled program and how to read its outputs back."""
    lowered: Lowered
    out_def: Any          # TreeDef of the outputs


def leaf_kind(x: Any) -> Any:
    """A leaf's part of the signature; None for a leaf jit cannot trace."""
    t = type(x)
    if t is float:
        return float
    if t is int:
        return int
    if t is np.ndarray:
        return (x.dtype.str, x.shape)
    if isinstance(x, np.floating | np.integer) and not isinstance(x, np.bool_):
        return (x.dtype.str, ())
    return None


class Cache:
    """Specializations by signature, shared by the threads calling one function."""

    def __init__(self) -> None:
        self.by_signature: dict[Any, list[Specialization]] = {}
        self.traces = 0
        self.lock = threading.Lock()

    def specializations(self, signature: Any) -> list[Specialization]:
        """Those compiled for ``signature``, oldest first."""
        return self.by_signature.get(signature, [])

    def add(self, signature: Any, spec: Specialization) -> None:
        """Keep ``spec`` for ``signature`` (one more trace)."""
        with self.lock:
            self.by_signature.setdefault(signature, []).append(spec)
            self.traces += 1
