"""Reassociated matrix products whose lanes are all the product's entries in another order
(rows or columns permuted, or transposed) compute the product of permuted or swapped
operands instead of gathering its entries (``staging/dots.py``)."""

from __future__ import annotations

import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from test_packing import CI, build

import tapegrad as tg
from tapegrad.staging.dots import _in_order


@settings(max_examples=200, deadline=None, derandomize=CI)
@given(st.integers(1, 6), st.integers(1, 6), st.booleans(), st.randoms(use_true_random=False))
def test_lanes_in_a_products_order_are_found_with_their_permutations(np_, nq, swap, rnd):
    rp, rq = list(range(np_)), list(range(nq))
    rnd.shuffle(rp)
    rnd.shuffle(rq)
    a, b = np.arange(3 * np_).reshape(3, np_) + 1.0, np.arange(3 * nq).reshape(3, nq) * 0.5
    pairs = [(p, q) for q in rq for p in rp] if swap else [(p, q) for p in rp for q in rq]
    k = np.array([p * nq + q for p, q in pairs])
    found = _in_order(k, np_, nq)
    assert found is not None
    fp, fq, fswap = found
    want = (a.T @ b).reshape(-1)[k]
    got = (b[:, fq].T @ a[:, fp]) if fswap else (a[:, fp].T @ b[:, fq])
    np.testing.assert_array_equal(got.reshape(-1), want)


def test_lanes_not_in_a_products_order_are_gathered():
    assert _in_order(np.array([0, 3, 1, 2]), 2, 2) is None       # (0,0) (1,1) (0,1) (1,0)
    assert _in_order(np.array([0, 1, 2]), 2, 2) is None          # not every entry
    assert _in_order(np.array([0, 0, 3, 3]), 2, 2) is None       # an entry twice


def test_the_reassociated_moons_step_gathers_no_products_entries():
    params, loss = build(([16, 16], "relu", [(0.5, -1.0, 1.0), (1.5, 0.25, -1.0)] * 20, 0))
    f = tg.jit(tg.value_and_grad(loss), reassociate=True)
    want = tg.value_and_grad(loss)(params)
    got = f(params)
    lowered = f.lower(params)
    consts = lowered.fn.__globals__
    entries = re.findall(r"@ [^\n]*?\.reshape\(-1\)\[(k\d+)\]", lowered.source)
    assert len(entries) >= 4
    assert all(type(consts[k]) is slice for k in entries)
    np.testing.assert_allclose(tg.tree.leaves(got), tg.tree.leaves(want), rtol=1e-9, atol=1e-12)
