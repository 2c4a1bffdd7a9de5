"""Packing, continued (issue 21): matrix products under ``reassociate=True``, exactness kept.

Scalar-written networks (loops over neurons and examples, on floats) under
``tg.jit``: with ``reassociate=True`` a layer's sums of products over all
neurons and examples are matrix products, forward and backward, within the
documented tolerance of eager; by default the packed program stays bit for
bit the scalar jit's and eager's.
"""

from __future__ import annotations

import math
import os
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_packing import activation, bits, eager_bits, network_loss, unpacked

import tapegrad as tg

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
import moons  # noqa: E402  (examples/moons.py)

CI = bool(os.environ.get("CI"))
EPS = np.finfo(float).eps


def hinge_net(act, examples):
    """A network written micrograd's way: sums over inputs, neurons and examples."""
    def loss(params):
        scores = [tg.nn.mlp(params, [x1, x2], act)[0] for x1, x2, _ in examples]
        data = sum(tg.nn.hinge(s, t) for s, (_, _, t) in zip(scores, examples))
        reg = 1e-4 * sum(p * p for p in tg.tree.leaves(params))
        return data * (1.0 / len(examples)) + reg
    return loss


def moons_examples(n, seed=0):
    X, y = moons.make_moons(n, 0.1, seed=seed)
    return [(float(a), float(b), float(t)) for (a, b), t in zip(X, y)]


def within_bound(got, want, scale):
    """The documented bound: each result within ``terms * eps`` of the sum of |terms|."""
    for a, b, s in zip(tg.tree.leaves(got), tg.tree.leaves(want), tg.tree.leaves(scale)):
        assert type(a) is type(b)
        assert abs(a - b) <= 64 * EPS * max(abs(s), 1e-300) + 1e-300, (a, b, s)


def abs_scale(loss, params):
    """The value and gradient of ``loss`` with every term's magnitude (a crude upper bound)."""
    return tg.tree.map(lambda v: abs(v) + 1.0, tg.value_and_grad(loss)(params))


nets = st.tuples(
    st.lists(st.integers(3, 12), min_size=1, max_size=3),          # hidden widths
    st.sampled_from(["relu", "tanh", "branch", "max"]),
    st.integers(4, 24),                                             # examples
    st.integers(0, 5))


# ------------------------------------------------------ matrix products
def test_reassociated_moons_step_is_matrix_products_forward_and_backward():
    params = tg.nn.mlp_init([2, 16, 16, 1], seed=0)
    vg = tg.value_and_grad(hinge_net(tg.relu, moons_examples(40)))
    source = tg.jit(vg, reassociate=True).lower(params).source
    # every layer forward, and each weight's gradient (summed over examples) and
    # each input's cotangent (summed over neurons) backward
    assert source.count(" @ ") >= 6
    assert "_lanes_zmul" not in source     # no zero-safe product left: plain products
    exact = tg.jit(vg).lower(params).source
    assert " @ " not in exact and "_lanes_zmul" in exact


@settings(max_examples=15, deadline=None, derandomize=CI)
@given(nets)
def test_reassociated_jit_is_within_its_tolerance_on_new_values(net):
    hidden, act, n, seed = net
    loss = hinge_net(activation(act), moons_examples(n, seed))
    jr = tg.jit(tg.value_and_grad(loss), reassociate=True)
    for s in (seed, seed + 11, seed + 23):        # traced once, called on other weights
        p = tg.nn.mlp_init([2, *hidden, 1], seed=s)
        within_bound(jr(p), tg.value_and_grad(loss)(p), abs_scale(loss, p))


@settings(max_examples=8, deadline=None, derandomize=CI)
@given(nets)
def test_reassociated_gradients_match_central_differences(net):
    hidden, act, n, seed = net
    if act != "tanh":
        act = "tanh"                              # smooth: differences converge
    loss = hinge_net(activation(act), moons_examples(n, seed))
    params = tg.nn.mlp_init([2, *hidden, 1], seed=seed)
    _, grads = tg.jit(tg.value_and_grad(loss), reassociate=True)(params)
    leaves, treedef = tg.tree.flatten(params)
    eager = tg.tree.leaves(tg.grad(loss)(params))
    flat_grads = tg.tree.leaves(grads)
    for k in range(0, len(leaves), max(1, len(leaves) // 9)):
        h = 1e-5 * max(1.0, abs(leaves[k]))
        up, down = list(leaves), list(leaves)
        up[k] += h
        down[k] -= h
        fd = (loss(tg.tree.unflatten(treedef, up)) -
              loss(tg.tree.unflatten(treedef, down))) / (2 * h)
        assert math.isclose(flat_grads[k], eager[k], rel_tol=1e-12, abs_tol=1e-14)
        # a hinge's kink inside [x - h, x + h] spoils the difference for eager too
        if not math.isclose(fd, eager[k], rel_tol=1e-5, abs_tol=1e-7):
            continue
        assert math.isclose(fd, flat_grads[k], rel_tol=1e-5, abs_tol=1e-7)


def test_reassociated_numpy_scalar_and_float32_data_stay_close():
    params = tg.nn.mlp_init([2, 8, 8, 1], seed=2)
    for kind in (np.float64, np.float32, float):
        examples = [(kind(a), kind(b), float(t)) for a, b, t in moons_examples(16)]
        loss = hinge_net(tg.relu, examples)
        within_bound(tg.jit(tg.value_and_grad(loss), reassociate=True)(params),
                     tg.value_and_grad(loss)(params), abs_scale(loss, params))


def test_no_isomorphic_records_is_left_as_it_is_when_reassociating():
    def f(x, y):
        a = tg.sin(x) * y + tg.exp(-x)
        return tg.tanh(a * a - y) / (1.0 + x * x) + 3.0 * x * y
    for fun in (f, tg.grad(f, argnums=(0, 1))):
        source = tg.jit(fun, reassociate=True).lower(0.3, 0.7).source
        with unpacked():
            assert source == tg.jit(fun).lower(0.3, 0.7).source
        assert "lanes_" not in source and "@" not in source


# ------------------------------------------------------------ exact, kept
@settings(max_examples=15, deadline=None, derandomize=CI)
@given(nets)
def test_packed_jit_stays_bit_for_bit_with_whole_layers_and_hinge(net):
    hidden, act, n, seed = net
    loss = hinge_net(activation(act), moons_examples(n, seed))
    vg = tg.value_and_grad(loss)
    packed = tg.jit(vg)
    ps = [tg.nn.mlp_init([2, *hidden, 1], seed=s) for s in (seed, seed + 5)]
    with unpacked():
        scalar = tg.jit(vg)
        want = [bits(scalar(p)) for p in ps]
    for p, w in zip(ps, want):
        got = packed(p)
        assert bits(got) == w
        assert eager_bits(got) == eager_bits(vg(p))


@pytest.mark.parametrize("reassociate", [False, True])
def test_moons_step_packed_trains_as_eager_does(reassociate):
    examples = moons_examples(30)
    loss = network_loss(tg.relu, examples)
    step = tg.jit(tg.value_and_grad(loss), reassociate=reassociate)
    p = q = tg.nn.mlp_init([2, 8, 8, 1], seed=3)
    for _ in range(5):
        (_, g), (_, h) = step(p), tg.value_and_grad(loss)(q)
        p = tg.tree.map(lambda w, d: w - 0.1 * d, p, g)
        q = tg.tree.map(lambda w, d: w - 0.1 * d, q, h)
    if reassociate:
        np.testing.assert_allclose(tg.tree.leaves(p), tg.tree.leaves(q), rtol=1e-11, atol=1e-13)
    else:
        assert eager_bits(p) == eager_bits(q)


@pytest.mark.parametrize("lanes", [1, 2, 8, 40])
def test_packed_sums_add_in_order_where_pairwise_sums_would_round_otherwise(lanes):
    rng = np.random.default_rng(lanes)
    xs = (rng.normal(size=120) * 10.0 ** rng.integers(-12, 16, size=120)).tolist()

    def f(*ws):
        return [sum((x * w for x in xs), 0.5 * w) for w in ws]   # one chain per lane
    ws = [float(w) for w in rng.normal(size=max(lanes, 4))]
    got = tg.jit(f)(*ws)
    assert bits(got) == bits([sum((x * w for x in xs), 0.5 * w) for w in ws])
    with unpacked():
        assert bits(got) == bits(tg.jit(f)(*ws))
    assert sum(xs) != math.fsum(xs) or lanes == 1     # the data do round
