"""The packed ``vmap`` program reads its chains' rows in place (``staging/joined.py``).

A chain over a bias and a layer's batched products reads them part by part
(no join of the bias beside them), a chain over whole row blocks of a vector
reads them as a view (``row_blocks``), and the zero-safe products by a
ReLU's lanes check their sources (``staging/nonneg.py``): the numbers are
the in-order chains' and the zero-safe products', bit for bit, compared
here with the program without these rewrites and with a Python loop.
"""

from __future__ import annotations

import math
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_packing import CI, bits, eager_bits, example_loss, unpacked

import tapegrad as tg
from tapegrad.staging import outer, packing
from tapegrad.staging.chains import _chain_lanes, _chain_rows
from tapegrad.staging.joined import _blocks, _chain_parts, _row_blocks
from tapegrad.staging.lanes import rows_out
from tapegrad.staging.nonneg import by_relu_into
from tapegrad.staging.program import Const

_specials = st.sampled_from([0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324, -5e-324,
                             1e308, -1e308, 1.0, -1.0])
_values = st.one_of(_specials, st.floats(-1e3, 1e3))


@settings(max_examples=100, deadline=None, derandomize=CI)
@given(st.integers(1, 6), st.integers(1, 4), st.integers(2, 5), st.data())
def test_a_batched_chain_over_parts_adds_each_lanes_rows_in_order(batch, rows, lanes, data):
    """Bit for bit the scalar chain, a lane of ``-0.0`` rows included (NumPy's sums start
    at ``+0.0``: the chains start at ``-0.0``, which leaves every float as it is)."""
    def matrix(shape):
        n = int(np.prod(shape))
        return np.array(data.draw(st.lists(_values, min_size=n, max_size=n))).reshape(shape)
    first = matrix((lanes,) if data.draw(st.booleans()) else (batch, lanes))
    later = [matrix((batch, rows * lanes)) for _ in range(data.draw(st.integers(1, 3)))]
    joined = np.concatenate([np.broadcast_to(first, (batch, lanes)), *later], -1)
    want = [[_chain_seq(joined[b].reshape(-1, lanes)[:, j]) for j in range(lanes)]
            for b in range(batch)]
    with np.errstate(all="ignore"):
        got = _chain_parts(lanes, first.copy(), *[p.copy() for p in later])
        rows_got = _chain_rows(joined.reshape(batch, -1, lanes))
    assert bits(got.ravel().tolist()) == bits([v for row in want for v in row])
    # the same bits, but for which nan a sum of two nans carries (the C compiler's choice)
    assert bits(got.ravel().tolist()) == bits(rows_got.ravel().tolist())



@settings(max_examples=100, deadline=None, derandomize=CI)
@given(st.integers(1, 5), st.integers(1, 12), st.sampled_from(["float", "int", "np64", "batched"]),
       st.sampled_from([np.float64, np.float32]), st.data())
def test_a_batch_of_one_lane_chains_adds_each_in_order(batch, terms, init_kind, dtype, data):
    """``init + t1 + ... + tT`` per example (a layer of one neuron under ``vmap``), in
    order, with the dtype the chain's operands give, whatever the init is."""
    def draw(n):
        with np.errstate(over="ignore"):         # 1e308 as a float32 is inf
            return np.array(data.draw(st.lists(_values, min_size=n, max_size=n)), dtype=dtype)
    ts = draw(batch * terms).reshape(batch, terms, 1)
    init = {"float": float(draw(1)[0]), "int": 0, "np64": np.float64(draw(1)[0]),
            "batched": draw(batch).reshape(batch, 1)}[init_kind]
    with np.errstate(all="ignore"):
        got = _chain_lanes(init, ts)
        want = []
        for b in range(batch):
            acc = np.asarray(init if init_kind != "batched" else init[b, 0])
            acc = acc.astype(np.result_type(init, ts))
            for x in ts[b, :, 0]:
                acc = acc + x
            want.append(acc)
    assert got.shape == (batch, 1) and got.dtype == np.result_type(init, ts)
    assert bits(got[:, 0].tolist()) == bits([float(w) for w in want])


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("init", [0.0, np.zeros((1, 1))])
def test_one_lane_chains_are_not_summed_pairwise_at_any_batch_size(batch, init):
    # 1 + 2**-53 is 1 (ties to even) one term at a time; NumPy's pairwise sum along its fast
    # axis (a batch of one, summed over the terms) adds the small terms first: 1 + 2**-52
    terms = np.array([1.0] + [2.0 ** -53] * 15)[None, :, None].repeat(batch, 0)
    init = init if np.ndim(init) == 0 else np.zeros((batch, 1))
    assert _chain_lanes(init, terms).tolist() == [[1.0]] * batch
    assert _chain_rows(terms).tolist() == [[1.0]] * batch

def _chain_seq(column):
    acc = float(column[0])
    for x in column[1:].tolist():
        acc = acc + x
    return acc


@settings(max_examples=100, deadline=None, derandomize=CI)
@given(st.integers(2, 6), st.integers(1, 8), st.integers(-3, 3), st.integers(0, 7),
       st.integers(1, 3))
def test_whole_row_blocks_are_read_as_a_view_of_the_same_lanes(lanes, blocks, step, start, batch):
    k = np.array([(start + i * step) * lanes + np.arange(lanes) for i in range(blocks)])
    size = lanes * 8
    v = np.arange(batch * size, dtype=float).reshape(batch, size)
    found = _blocks(k, size)
    if step == 0 and blocks > 1 or k.min() < 0 or k.max() >= size:
        assert found is None
        return
    assert found is not None and found[0] == lanes
    view = _row_blocks(v, *found)
    assert np.shares_memory(view, v)
    np.testing.assert_array_equal(view, v.take(k, -1))


def test_an_index_that_is_not_whole_blocks_is_gathered():
    assert _blocks(np.array([[1, 2], [5, 6]]), 8) is None          # not at a block's start
    assert _blocks(np.array([[0, 2], [4, 6]]), 8) is None          # lanes not in order
    assert _blocks(np.array([[0, 1], [6, 7], [2, 3]]), 8) is None  # not evenly spaced
    assert _blocks(np.array([[0, 1, 2]]), 8) is None               # 8 lanes are not rows of 3


def test_the_moons_vmap_gradient_reads_its_chains_in_place_bit_for_bit():
    rng = np.random.default_rng(3)
    params = tg.nn.mlp_init([2, 16, 16, 1], seed=0)
    xs = rng.uniform(-2, 2, size=(2, 40))
    ts = rng.choice([-1.0, 1.0], size=40)
    loss = example_loss(tg.relu)

    def per_example():
        return tg.vmap(tg.grad(loss), in_axes=(None, 0, 0, 0))
    seen = []
    real = packing.packed_batch

    def spy(prog, batched):
        seen.append(real(prog, batched))
        return seen[-1]
    no_grid = {"outer_chains": lambda prog: prog, "outer_write": lambda defs, e: None}
    with mock.patch("tapegrad.batching.interpret.pack", spy):
        got = per_example()(params, xs[0], xs[1], ts)
        with mock.patch.multiple(packing, **no_grid):
            on_rows = per_example()(params, xs[0], xs[1], ts)
        plain = {k: (lambda prog: prog) for k in ("joined", "in_place_rows", "nonneg")}
        with mock.patch.multiple(packing, **plain, **no_grid):
            before = per_example()(params, xs[0], xs[1], ts)
    names, names_rows, names_before = ({e.prim.name for e in p.eqns} for p in seen)
    writes, writes_rows = ({a.value[0] for e in p.eqns if e.prim is rows_out for a in e.args
                            if type(a) is Const and type(a.value) is tuple} for p in seen[:2])
    assert "lanes_outer_chain" in names and outer._into in writes   # the layers on grids
    assert {"lanes_chain_parts", "lanes_row_blocks"} <= names_rows
    assert by_relu_into in writes_rows  # the weights' gradients computed into the output rows
    assert "lanes_concat" not in names_rows and "lanes_concat" in names_before
    assert not {"lanes_chain_parts", "lanes_row_blocks", "lanes_zmul_by_relu"} & names_before
    with unpacked():
        scalar = per_example()(params, xs[0], xs[1], ts)
    assert bits(got) == bits(on_rows) == bits(before)
    for a, b in zip(tg.tree.leaves(got), tg.tree.leaves(scalar)):
        np.testing.assert_array_equal(a, b)
    for k in (0, 17, 39):
        one = tg.grad(loss)(params, float(xs[0, k]), float(xs[1, k]), float(ts[k]))
        assert eager_bits(one) == eager_bits(tg.tree.map(lambda v, k=k: float(v[k]), got))


def test_compiling_a_packed_program_makes_room_for_its_temporaries_once():
    params = tg.nn.mlp_init([2, 4, 1], seed=0)
    tg.vmap(tg.grad(example_loss(tg.relu)), in_axes=(None, 0, 0, 0))(
        params, np.ones(5), np.zeros(5), np.ones(5))
    assert packing._ROOM[0] >= packing._MIN_ROOM


@pytest.mark.parametrize("act", ["relu", "tanh"])
@pytest.mark.parametrize(("sizes", "n"), [([2, 8, 8, 1], 30), ([3, 5, 1], 9), ([2, 16, 16, 1], 12)])
@pytest.mark.parametrize("odd", [None, "inf", "nan", "-0.0"])
def test_products_written_into_the_output_rows_are_the_loops_bits(act, sizes, n, odd):
    # the per-example weight gradients (a zero-safe product, or a plain one where a ReLU's
    # lanes show it equal) computed into the rows of the output array, not copied across;
    # an infinite or nan input (the zero-safe product at work) and -0.0 among them
    rng = np.random.default_rng(len(sizes) * 100 + n)
    params = tg.nn.mlp_init(sizes, seed=1)
    xs = rng.uniform(-2, 2, size=(sizes[0], n))
    if odd is not None:
        xs[0, 1] = float(odd)
        xs[-1, 2] = -0.0 if odd == "-0.0" else xs[-1, 2]
    ts = rng.choice([-1.0, 1.0], size=n)

    def loss(p, t, *x):
        return tg.nn.hinge(tg.nn.mlp(p, list(x), activation=getattr(tg, act))[0], t) / n
    seen = []
    real = packing.packed_batch

    def spy(prog, batched):
        seen.append(real(prog, batched))
        return seen[-1]
    in_axes = (None, 0) + (0,) * sizes[0]
    with mock.patch("tapegrad.batching.interpret.pack", spy):
        got = tg.vmap(tg.grad(loss), in_axes=in_axes)(params, ts, *xs)
    writes = [a.value[0] for e in seen[0].eqns if e.prim is rows_out for a in e.args
              if type(a) is Const and type(a.value) is tuple]
    assert writes
    with mock.patch.dict(packing._WRITES, clear=True):     # each vector copied to its rows
        copied = tg.vmap(tg.grad(loss), in_axes=in_axes)(params, ts, *xs)
    assert bits(got) == bits(copied)
    assert_the_loops(loss, params, ts, xs, got, act)


def assert_the_loops(loss, params, ts, xs, got, act):
    """``got`` (``vmap(grad(loss))``'s) against ``grad`` example by example."""
    with np.errstate(all="ignore"):
        for k in range(len(ts)):
            one = tg.grad(loss)(params, float(ts[k]), *map(float, xs[:, k]))
            mine = tg.tree.map(lambda v, k=k: float(v[k]), got)
            if act == "relu":           # correctly rounded operations: the loop's bits
                assert eager_bits(one) == eager_bits(mine)
            else:                       # NumPy's tanh of the batch, math.tanh's of one
                np.testing.assert_allclose(tg.tree.leaves(mine), tg.tree.leaves(one),
                                           rtol=1e-12, atol=1e-15)
