"""Reassociated matrix products whose lanes are all the product's entries in another order
(rows or columns permuted, or transposed) compute the product of permuted or swapped
operands instead of gathering its entries (``staging/dots.py``)."""

from __future__ import annotations

import os
import re
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_packing import CI, build

import tapegrad as tg
from tapegrad.staging.dots import _grid, _in_order, _in_place, _turned


@settings(max_examples=int(os.environ.get("TG_EXAMPLES", 120)), deadline=None, derandomize=CI)
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
    # a product's entries in its own order, or (where a factor is read in place backwards,
    # a product smaller than the factor) each entry once, its rows or columns reversed
    assert all(type(consts[k]) is slice or sorted(consts[k].tolist()) == list(range(consts[k].size))
               for k in entries)
    assert sum(type(consts[k]) is slice for k in entries) >= 4
    np.testing.assert_allclose(tg.tree.leaves(got), tg.tree.leaves(want), rtol=1e-9, atol=1e-12)


def test_the_reassociated_moons_step_reads_weights_and_activations_in_place():
    # a factor whose entries are evenly spaced in its vector (a layer's weights, the
    # activations per example) is a strided view BLAS reads, not a gathered copy; where
    # its entries run backwards along the summed axis, the terms are summed backwards
    params, loss = build(([16, 16], "relu", [(0.5, -1.0, 1.0), (1.5, 0.25, -1.0)] * 20, 0))
    f = tg.jit(tg.value_and_grad(loss), reassociate=True)
    want = tg.value_and_grad(loss)(params)
    got = f(params)
    source = f.lower(params).source
    assert len(re.findall(r"@ _np_ndarray\(", source)) >= 2
    np.testing.assert_allclose(tg.tree.leaves(got), tg.tree.leaves(want), rtol=1e-9, atol=1e-12)
    with mock.patch("tapegrad.staging.dots._in_place", lambda *a: False):   # as if gathered
        old = tg.jit(tg.value_and_grad(loss), reassociate=True)
        old_source = old.lower(params).source
    assert old_source.count(".take(") > source.count(".take(")
    assert old_source.count("_np_ndarray(") < source.count("_np_ndarray(")


@pytest.mark.parametrize(("index", "grid", "in_place"), [
    (np.arange(12).reshape(3, 4), (0, 4, 1), True),                   # rows
    (np.arange(12).reshape(4, 3).T, (0, 1, 3), True),                 # columns
    (np.arange(12)[::-1].reshape(3, 4), (11, -4, -1), False),         # backwards
    (5 + 2 * np.arange(6).reshape(3, 2), (5, 4, 2), False),           # no unit stride
    (np.array([[0, 1], [3, 2]]), None, False),                        # not a grid
    (np.arange(3).reshape(3, 1) + 7, (7, 1, 1), True),                # one column
])
def test_a_factors_grid_and_whether_blas_reads_it_in_place(index, grid, in_place):
    assert _grid(index) == grid
    assert _in_place((0,), index) is in_place
    assert _in_place((-1,), index) is False                           # a constant: gathered


@settings(max_examples=100, deadline=None, derandomize=CI)
@given(st.integers(2, 6), st.integers(1, 5), st.integers(1, 5), st.booleans(), st.booleans(),
       st.booleans())
def test_turning_a_products_factors_keeps_its_lanes(nt, np_, nq, rows_back, a_back, b_back):
    # the factors' terms (rows) may run backwards, a factor's columns too (then the lanes
    # read the product's rows or columns backwards): the same entries, summed in some order
    rng = np.random.default_rng(nt * 100 + np_ * 10 + nq)
    va, vb = rng.standard_normal(nt * np_), rng.standard_normal(nt * nq)
    ia, ib = np.arange(nt * np_).reshape(nt, np_), np.arange(nt * nq).reshape(nt, nq)
    if rows_back:
        ia, ib = ia[::-1], ib[::-1]
    if a_back:
        ia = ia[:, ::-1]
    if b_back:
        ib = ib[:, ::-1]
    k = rng.permutation(np_ * nq)[: max(1, np_ * nq // 2)]
    want = (va[ia].T @ vb[ib]).reshape(-1)[k]
    ta, tb, tk = _turned((0,), ia, (1,), ib, k)
    np.testing.assert_allclose((va[ta].T @ vb[tb]).reshape(-1)[tk], want, rtol=1e-13, atol=1e-13)
    assert _in_place((0,), ta) + _in_place((1,), tb) >= _in_place((0,), ia) + _in_place((1,), ib)
    if rows_back and not (a_back or b_back):       # the terms turned back: both read in place
        assert _in_place((0,), ta) and _in_place((1,), tb)
