"""Packed steps read their lanes in place (issue 21): strided views instead of gathers.

jit's packed program lines lanes up with gathers; where a gather's lanes are
evenly spaced over a grid (lane ``(e, k, j)`` of a layer's products reads
weight ``16 k + j`` and activation ``16 e + j``) the elementwise operation
or the in-order sum chain reading it reads a strided view instead. Nothing
is computed differently: packed jit stays bit for bit the scalar jit and
eager, on networks wide enough for every path (views, groups split by the
vectors they read, chains with differing initial values).
"""

from __future__ import annotations

import math
import os
import re
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_packing import activation, bits, eager_bits, unpacked

import tapegrad as tg
from tapegrad.staging.strided import decompose, refine

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
import moons  # noqa: E402  (examples/moons.py)

CI = bool(os.environ.get("CI"))


def grid_index(base, shape, strides):
    """``base + sum(i_d * stride_d)`` over the grid ``shape``, in C order."""
    idx = np.full(shape, base, dtype=np.int64)
    for d, s in enumerate(strides):
        ax = [1] * len(shape)
        ax[d] = shape[d]
        idx = idx + s * np.arange(shape[d]).reshape(ax)
    return idx.reshape(-1)


grids = st.lists(st.tuples(st.integers(1, 6), st.integers(-20, 20)), min_size=1, max_size=4)


# ------------------------------------------------------------ affine gathers
@settings(max_examples=200, deadline=None, derandomize=CI)
@given(grids, st.integers(0, 500))
def test_an_evenly_spaced_gather_is_found_as_its_grid(dims, base):
    shape, strides = [n for n, _ in dims], [s for _, s in dims]
    idx = grid_index(base, shape, strides)
    found = decompose(idx)
    assert found is not None
    b, got = found
    assert b == base
    assert grid_index(b, [n for n, _ in got], [s for _, s in got]).tolist() == idx.tolist()


@pytest.mark.parametrize("idx", [[0, 2, 1, 5], [3, 1, 4, 1, 5, 9], [0, 1, 2, 4, 5, 7]])
def test_a_gather_that_is_not_evenly_spaced_is_not_a_grid(idx):
    assert decompose(np.array(idx)) is None


@settings(max_examples=200, deadline=None, derandomize=CI)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=4), st.data())
def test_operands_on_one_grid_read_the_lanes_they_gathered(shape, data):
    operands = []
    for _ in range(data.draw(st.integers(1, 3))):
        strides = data.draw(st.lists(st.integers(-9, 9), min_size=len(shape),
                                     max_size=len(shape)))
        base = data.draw(st.integers(0, 100))
        idx = grid_index(base, shape, strides)
        operands.append((base, idx, decompose(idx)))
    found = refine([d for _, _, (_, d) in operands])
    assert found is not None
    common, strides = found
    assert math.prod(common) == math.prod(shape)
    for (base, idx, _), s in zip(operands, strides):
        assert grid_index(base, common, s).tolist() == idx.tolist()


# ------------------------------------------------------------ packed, exact
def wide_loss(act, examples, dtype=float):
    """A scalar-written MLP (loops over neurons and examples) with an L2 term."""
    def loss(params):
        total = 0.0
        for x1, x2, t in examples:
            s = tg.nn.mlp(params, [dtype(x1), dtype(x2)], act)[0]
            total = total + tg.nn.hinge(s, t)
        reg = 1e-4 * sum(p * p for p in tg.tree.leaves(params))
        return total * (1.0 / len(examples)) + reg
    return loss


def moons_examples(n, seed=0):
    X, y = moons.make_moons(n, 0.1, seed=seed)
    return [(float(a), float(b), float(t)) for (a, b), t in zip(X, y)]


wide_nets = st.tuples(
    st.lists(st.integers(12, 20), min_size=1, max_size=2),         # hidden widths
    st.sampled_from(["relu", "tanh", "branch", "max"]),
    st.integers(16, 40),                                            # examples
    st.integers(0, 5))


@settings(max_examples=4, deadline=None, derandomize=CI)
@given(wide_nets)
def test_packed_jit_of_wide_networks_equals_scalar_jit_and_eager_bit_for_bit(net):
    hidden, act, n, seed = net
    loss = wide_loss(activation(act), moons_examples(n, seed))
    vg = tg.value_and_grad(loss)
    packed = tg.jit(vg)
    ps = [tg.nn.mlp_init([2, *hidden, 1], seed=s) for s in (seed, seed + 7)]
    with unpacked():
        scalar = tg.jit(vg)
        want = [bits(scalar(p)) for p in ps]
    for p, w in zip(ps, want):               # the second: new values, the same code
        got = packed(p)
        assert bits(got) == w
        assert eager_bits(got) == eager_bits(vg(p))


@pytest.mark.parametrize("dtype", [float, np.float64, np.float32])
def test_packed_jit_with_numpy_scalar_data_equals_eager(dtype):
    loss = wide_loss(tg.relu, moons_examples(10, 1), dtype)    # the data kind is the point
    vg = tg.value_and_grad(loss)
    params = tg.nn.mlp_init([2, 16, 16, 1], seed=4)
    got = tg.jit(vg)(params)
    with unpacked():
        assert bits(got) == bits(tg.jit(vg)(params))
    assert eager_bits(got) == eager_bits(vg(params))


def test_packed_gradients_of_a_wide_network_match_central_differences():
    loss = wide_loss(tg.tanh, moons_examples(20, 2))
    params = tg.nn.mlp_init([2, 16, 16, 1], seed=1)
    g = tg.tree.leaves(tg.jit(tg.grad(loss))(params))
    leaves = tg.tree.leaves(params)
    treedef = tg.tree.structure(params)
    eps = 1e-6
    for k in range(0, len(leaves), 23):
        up = [v + eps if j == k else v for j, v in enumerate(leaves)]
        down = [v - eps if j == k else v for j, v in enumerate(leaves)]
        fd = (loss(tg.tree.unflatten(treedef, up)) - loss(tg.tree.unflatten(treedef, down))) \
            / (2 * eps)
        assert abs(fd - g[k]) <= 1e-5 * max(1.0, abs(fd))


@pytest.mark.parametrize("lanes", [1, 4, 300])
def test_chains_with_differing_initial_values_add_in_order(lanes):
    rng = np.random.default_rng(lanes)
    xs = (rng.normal(size=60) * 10.0 ** rng.integers(-12, 16, size=60)).tolist()

    def f(*ws):
        return [sum((x * w for x in xs), w * w) for w in ws]     # each lane its own start
    ws = [float(w) for w in rng.normal(size=max(lanes, 4))]
    got = tg.jit(f)(*ws)
    assert bits(got) == bits([sum((x * w for x in xs), w * w) for w in ws])
    with unpacked():
        assert bits(got) == bits(tg.jit(f)(*ws))


def test_the_moons_step_reads_its_layers_in_place():
    """No statement of the packed step gathers a layer's 25,600 products through an index."""
    X, y = moons.make_moons(100, 0.1, seed=0)
    examples = [(float(a), float(b), float(t)) for (a, b), t in zip(X, y)]
    params = tg.nn.mlp_init([2, 16, 16, 1], seed=0)
    lowered = tg.jit(tg.value_and_grad(wide_loss(tg.relu, examples))).lower(params)
    ns = lowered.fn.__globals__
    gathers = [ns[k].size for k in re.findall(r"\.take\((k\d+), -1\)", lowered.source)]
    assert "_np_ndarray(" in lowered.source               # strided views
    assert gathers and max(gathers) < 100 * 16 * 16


def test_a_program_with_nothing_to_pack_is_left_as_it_is():
    def f(x, y):
        a = tg.cos(x) * y - tg.exp(y)
        return tg.tanh(a) / (2.0 + a * a) + tg.sqrt(1.0 + y * y)
    for fun in (f, tg.grad(f, argnums=(0, 1)), tg.value_and_grad(f)):
        source = tg.jit(fun).lower(0.4, -0.2).source
        with unpacked():
            assert source == tg.jit(fun).lower(0.4, -0.2).source
        assert "lanes_" not in source and "_np_ndarray" not in source
