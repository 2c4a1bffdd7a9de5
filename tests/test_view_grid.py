"""Under ``jit``, a chain over a product of two broadcast views runs on a grid (``view_grid.py``).

A layer looped over examples packs to a product of two strided views, each
repeating along one axis (the weights over the examples, the activations
over the neurons), summed by a chain. ``view_chains`` makes the product from
the views' compact forms with the longer axis inner: checked here bit for
bit against the product of the flattened views and the chain over its rows,
with zeros of either sign, infinities and nans, and end to end against the
scalar ``jit`` and eager on networks looped over 40 examples.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_packing import CI, bits, eager_bits, network_loss, unpacked

import tapegrad as tg
from tapegrad.staging.chains import _chain_rows
from tapegrad.staging.joined import _chain_parts
from tapegrad.staging.lanes import _zmul
from tapegrad.staging.view_grid import _view_chain

_specials = st.sampled_from([0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324, 1e308,
                             -1e308, 1.0, -1.0])
_values = st.one_of(_specials, st.floats(-1e3, 1e3))


def _laid_out(data, dims):
    """A vector holding a ``dims`` grid in a drawn layout: its offset and strides (bytes)."""
    order = data.draw(st.sampled_from(["C", "F"]))
    size = int(np.prod(dims))
    vec = np.array(data.draw(st.lists(_values, min_size=size, max_size=size)), dtype=float)
    steps = [dims[1], 1] if order == "C" else [1, dims[0]]
    offset = 0
    for k in range(2):
        if data.draw(st.booleans()):           # read backwards along this axis
            offset += (dims[k] - 1) * steps[k]
            steps[k] = -steps[k]
    return vec, offset * 8, [s * 8 for s in steps]


def _factor(data, shape, zero):
    """A view of ``shape`` repeating along axis ``zero`` (1 or 2): vector, offset, strides."""
    kept = [shape[0], shape[3 - zero]]
    vec, offset, (s0, s1) = _laid_out(data, kept)
    strides = (s0, 0, s1) if zero == 1 else (s0, s1, 0)
    return vec, offset, strides


@settings(max_examples=120, deadline=None, derandomize=CI)
@given(st.integers(1, 4), st.integers(1, 6), st.integers(1, 6), st.booleans(),
       st.sampled_from(["mul", "zmul"]), st.sampled_from(["rows", "parts"]), st.data())
def test_a_chain_over_a_product_of_views_on_a_grid_has_the_chains_bits(rows, p, q, swap, mode,
                                                                        chain, data):
    shape = (rows, p, q)
    z1, z2 = (1, 2) if not swap else (2, 1)
    b1, o1, s1 = _factor(data, shape, z1)
    b2, o2, s2 = _factor(data, shape, z2)
    inner = data.draw(st.sampled_from([1, 2]))
    spec = (shape, (o1, s1), (o2, s2), mode, inner)
    v1 = np.ndarray(shape, float, b1, o1, s1).reshape(-1)
    v2 = np.ndarray(shape, float, b2, o2, s2).reshape(-1)
    init = None
    with np.errstate(all="ignore"):
        product = np.multiply(v1, v2) if mode == "mul" else _zmul(v1, v2)
        if chain == "rows":
            want = _chain_rows(product.reshape(rows, p * q))
        else:
            init = np.array(data.draw(st.lists(_values, min_size=p * q, max_size=p * q)))
            want = _chain_parts(p * q, init.copy(), product.copy())
        got = _view_chain(b1, b2, init, spec)
    assert got.shape == want.shape == (p * q,)
    assert bits(got.tolist()) == bits(want.tolist())


@pytest.mark.parametrize(("hidden", "odd"), [([9, 8], None), ([9, 8], "inf"),
                                           ([4, 6, 5], None)])
def test_jit_of_a_network_looped_over_examples_is_the_scalar_jits_bits(hidden, odd):
    rng = np.random.default_rng(len(hidden) * 10 + hidden[0])
    xs = rng.uniform(-2, 2, size=(40, 2))
    if odd is not None:
        xs[3, 0] = float(odd)
        xs[5, 1] = -0.0
    examples = [(float(a), float(b), float(t)) for (a, b), t in
                zip(xs, rng.choice([-1.0, 1.0], size=40))]
    loss = network_loss(tg.relu, examples)
    vg = tg.value_and_grad(loss)
    packed = tg.jit(vg)
    params = tg.nn.mlp_init([2, *hidden, 1], seed=1)
    other = tg.nn.mlp_init([2, *hidden, 1], seed=5)
    with unpacked():
        scalar = tg.jit(vg)
        want = [bits(scalar(q)) for q in (params, other)]
    with np.errstate(all="ignore"):
        got = [packed(q) for q in (params, other)]
        assert "lanes_view_chain" in packed.lower(params).source
        assert [bits(g) for g in got] == want
        if odd is None:
            assert eager_bits(got[1]) == eager_bits(vg(other))
