"""Pieces of jit's compiling made cheaper, against what they replace.

``bare_records`` (the kept tape's records, written from the program) must be
``skeleton``'s records of the recording; ``_firsts`` (distinct rows numbered
by first appearance, by ``lexsort``) must be what ``np.unique(axis=0)`` gives.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.staging.packer import _firsts
from tapegrad.staging.program import bare_records, from_tape
from tapegrad.tape import skeleton
from tapegrad.tracing import trace

W = np.arange(6.0).reshape(2, 3)


def _recorded(fun, x):
    return trace(lambda a, k: fun(*a, **k), ((x,), {}), None, False, "jit", staging=True,
                 float64=False, origins=True).tape


PROGRAMS = [
    (lambda x: (2.0 - x) * (x - 3.0) + tg.where(x > 1.0, x, 2.0) + tg.clip(x, 0.0, 1.0), 1.5),
    (tg.value_and_grad(lambda x: sum(tg.tanh(x * c) for c in (0.5, 1.5, 2.5)) / 3.0), 0.3),
    (tg.value_and_grad(lambda x: tg.sum(tg.tanh(W @ x) * 2.0) + tg.where(x[0] > 0, 1.0, 2.0)),
     np.ones(3)),
    (lambda x: tg.concatenate([x, x * 2]).sum(), np.ones(3, dtype=np.float32)),
]


@pytest.mark.parametrize("k", range(len(PROGRAMS)))
def test_bare_records_are_the_skeleton_of_the_recording(k):
    fun, x = PROGRAMS[k]
    tape = _recorded(fun, x)
    want, got = skeleton(tape).records, bare_records(from_tape(tape))
    assert len(got) == len(want)
    for r, s in zip(want, got):
        assert len(r) == len(s)
        for u, v in zip(r, s):
            if isinstance(u, np.ndarray):      # an input's stand-in: dtype, shape, strides
                assert (u.dtype, u.shape, u.strides) == (v.dtype, v.shape, v.strides)
            else:
                assert type(u) is type(v) and (u is v or u == v)


def _by_unique(rows):
    _, first, inverse = np.unique(rows, axis=0, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.intp)
    rank[np.argsort(first)] = np.arange(len(first))
    return rank[inverse.reshape(-1)]


@pytest.mark.parametrize("seed", range(20))
def test_firsts_numbers_rows_as_np_unique_does(seed):
    rng = np.random.default_rng(seed)
    for _ in range(50):
        n, m = int(rng.integers(1, 80)), int(rng.integers(1, 5))
        rows = rng.integers(-2, int(rng.integers(1, 6)), size=(n, m)).astype(np.intp)
        got, want = _firsts(rows), _by_unique(rows)
        assert got.dtype == want.dtype and np.array_equal(got, want)


def test_firsts_of_no_rows_is_empty():
    assert _firsts(np.zeros((0, 3), dtype=np.intp)).shape == (0,)
