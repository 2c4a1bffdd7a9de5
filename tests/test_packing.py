"""Scalar code at matrix speed: jit and vmap pack isomorphic records (issue 21).

Networks written micrograd's way (loops over neurons and examples, on
floats) are compiled with groups of isomorphic records packed into NumPy
operations. Packed code is compared bit for bit with the scalar program
(jit with packing switched off) and with eager; ``reassociate=True`` within
its stated tolerance; gradients against central differences.
"""

from __future__ import annotations

import contextlib
import math
import os
import struct
import sys
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tapegrad as tg

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
import moons  # noqa: E402  (examples/moons.py)

CI = bool(os.environ.get("CI"))


def bits(x):
    """Every leaf's IEEE encoding (a zero's sign counts), and its type; a nan is a nan.

    (Which operand's nan ``a + b`` returns when both are nans is the C
    compiler's choice, in Python as in NumPy: docs/compiling.md.)
    """
    out = []
    for v in tg.tree.leaves(x):
        if isinstance(v, np.ndarray):
            out.append(("a", v.dtype.str, v.shape, v.tobytes()))
        elif v != v:
            out.append((type(v).__name__, "nan"))
        else:
            out.append((type(v).__name__, struct.pack("<d", v)))
    return out


def eager_bits(x):
    """``bits``, a zero's sign left out: the scalar jit and eager already differ there.

    (Eager's backward pass and the recorded tape give exactly-zero gradients
    of either sign, as ``tests/test_jit.py`` does not check; packing is
    compared bit for bit with the scalar jit, zeros' signs included.)
    """
    return [b if b[0] == "a" or b[1] == "nan" or struct.unpack("<d", b[1])[0] != 0 else "zero"
            for b in bits(x)]


@contextlib.contextmanager
def unpacked():
    """jit and vmap as they were before packing: every record a scalar statement."""
    with mock.patch("tapegrad.jit_first.lower_packed", lambda *a, **k: None), \
            mock.patch("tapegrad.batching.interpret.pack", lambda prog, batched: prog):
        yield


def activation(name):
    def branch(v):
        return v if v > 0 else 0.1 * v          # a Python branch: a guard under jit
    return {"relu": tg.relu, "tanh": tg.tanh, "abs": tg.abs, "branch": branch,
            "max": lambda v: tg.maximum(v, 0.25 * v)}[name]


def network_loss(act, examples):
    """A scalar-written MLP's mean hinge loss over ``examples`` (x1, x2, label)."""
    def loss(params):
        total = 0.0
        for x1, x2, t in examples:
            s = tg.nn.mlp(params, [x1, x2], act)[0]
            total = total + tg.nn.hinge(s, t)
        return total / len(examples)
    return loss


_nonzero = st.floats(-2, 2).filter(lambda v: abs(v) > 1e-3)
networks = st.tuples(
    st.lists(st.integers(4, 9), min_size=1, max_size=2),            # hidden widths
    st.sampled_from(["relu", "tanh", "abs", "branch", "max"]),
    # inputs of exactly 0.0 are left out: there the scalar jit and eager already
    # differ in the sign of a zero gradient (relu'(0) times a cotangent)
    st.lists(st.tuples(_nonzero, _nonzero, st.sampled_from([-1.0, 1.0])),
             min_size=1, max_size=4),
    st.integers(0, 3))


def build(net):
    hidden, act, examples, seed = net
    params = tg.nn.mlp_init([2, *hidden, 1], seed=seed)
    return params, network_loss(activation(act), examples)


# ------------------------------------------------------------ jit, exact
@settings(max_examples=30, deadline=None, derandomize=CI)
@given(networks)
def test_packed_jit_equals_scalar_jit_and_eager_bit_for_bit(net):
    params, loss = build(net)
    vg = tg.value_and_grad(loss)
    packed = tg.jit(vg)
    other = tg.nn.mlp_init([2, *net[0], 1], seed=net[3] + 7)      # other weights, same code
    with unpacked():
        scalar = tg.jit(vg)
        want = [bits(scalar(p)) for p in (params, other)]
    for p, w in zip((params, other), want):
        got = packed(p)
        assert bits(got) == w
        assert eager_bits(got) == eager_bits(vg(p))


def test_the_source_shows_packed_statements_and_is_shorter():
    X, y = moons.make_moons(20, 0.1, seed=0)
    params = tg.nn.mlp_init([2, 16, 16, 1], seed=0)
    examples = [(float(a), float(b), float(t)) for (a, b), t in zip(X, y)]
    vg = tg.value_and_grad(network_loss(tg.relu, examples))
    source = tg.jit(vg).lower(params).source
    with unpacked():
        scalar = tg.jit(vg).lower(params).source
    assert "lanes_" in source and "lanes_" not in scalar
    assert source.count("\n") * 5 < scalar.count("\n")
    with unpacked():
        want = tg.jit(vg)(params)
    got = tg.jit(vg)(params)
    assert bits(got) == bits(want)
    assert eager_bits(got) == eager_bits(vg(params))


def test_a_program_with_no_isomorphic_records_is_left_as_it_is():
    def f(x, y):
        a = tg.sin(x) * y + tg.exp(-x)
        b = tg.tanh(a * a - y) / (1.0 + x * x)
        return b + 3.0 * x * y - tg.sqrt(y * y + 1.0)        # three muls: below a group
    for fun in (f, tg.grad(f, argnums=(0, 1))):
        source = tg.jit(fun).lower(0.3, 0.7).source
        with unpacked():
            assert source == tg.jit(fun).lower(0.3, 0.7).source
        assert "lanes_" not in source


SPECIAL = [0.0, -0.0, 1.0, -1.5, math.inf, -math.inf, math.nan, 1e308, -1e-320, 2.0]


@pytest.mark.parametrize("shift", range(4))
def test_lanes_keep_python_float_semantics_at_zeros_infinities_and_nans(shift):
    xs = SPECIAL[shift:] + SPECIAL[:shift]
    xs = xs + [-x for x in xs] + [x * 0.5 for x in xs] + [3.0 - x for x in xs]

    def f(*v):
        out = []
        for a, b in zip(v, v[1:] + v[:1]):       # 40 lanes of each primitive
            out.append(tg.relu(a) + tg.abs(b))
            out.append(tg.maximum(a, b) - tg.minimum(b, a))
            out.append(a / b + tg.sqrt(tg.abs(b)) * a)
            out.append(tg.where(a > b, a * b, -a))
        return out
    jf = tg.jit(f)
    assert "lanes_" in jf.lower(*xs).source
    with unpacked():
        assert bits(jf(*xs)) == bits(tg.jit(f)(*xs))
    # eager: on traced floats (plain Python floats would raise at 1.0 / 0.0)
    assert bits(jf(*xs)) == bits(tg.jvp(f, xs, (0.0,) * len(xs))[0])
    g = tg.jit(tg.grad(lambda *v: sum(f(*v)) * 0.5, argnums=tuple(range(len(xs)))))
    assert bits(g(*xs)) == bits(tg.grad(lambda *v: sum(f(*v)) * 0.5,
                                        argnums=tuple(range(len(xs))))(*xs))


def test_a_branch_per_neuron_retraces_and_stays_exact():
    loss = network_loss(activation("branch"), [(0.5, -0.25, 1.0), (-1.0, 0.75, -1.0)])
    jl = tg.jit(tg.value_and_grad(loss))
    for seed in range(4):
        p = tg.nn.mlp_init([2, 8, 8, 1], seed=seed)
        assert eager_bits(jl(p)) == eager_bits(tg.value_and_grad(loss)(p))
    assert 1 <= jl.trace_count <= 4


# --------------------------------------------------------- reassociation
@settings(max_examples=20, deadline=None, derandomize=CI)
@given(networks)
def test_reassociated_jit_is_within_its_tolerance(net):
    params, loss = build(net)
    vg = tg.value_and_grad(loss)
    got = tg.tree.leaves(tg.jit(vg, reassociate=True)(params))
    want = tg.tree.leaves(vg(params))
    for a, b in zip(got, want):
        assert type(a) is type(b)
        # the documented bound: a sum of n terms within n * eps of the sum of |terms|
        assert abs(a - b) <= 1e-12 * max(1.0, abs(b))


def test_reassociated_moons_step_uses_sums_and_is_close():
    X, y = moons.make_moons(30, 0.1, seed=0)
    params = tg.nn.mlp_init([2, 16, 16, 1], seed=0)
    examples = [(float(a), float(b), float(t)) for (a, b), t in zip(X, y)]
    vg = tg.value_and_grad(network_loss(tg.relu, examples))
    jr = tg.jit(vg, reassociate=True)
    assert "lanes_sum" in jr.lower(params).source
    np.testing.assert_allclose(tg.tree.leaves(jr(params)), tg.tree.leaves(vg(params)),
                               rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------- gradients
@settings(max_examples=10, deadline=None, derandomize=CI)
@given(networks)
def test_packed_gradients_match_central_differences(net):
    params, loss = build(net)
    if net[1] in ("abs", "branch", "relu", "max"):
        loss = network_loss(tg.tanh, net[2])           # smooth: differences converge
    grads = tg.jit(tg.grad(loss))(params)
    leaves = tg.tree.leaves(params)
    g = tg.tree.leaves(grads)
    eps = 1e-6
    for k in range(0, len(leaves), max(1, len(leaves) // 6)):
        up = [v + eps if j == k else v for j, v in enumerate(leaves)]
        down = [v - eps if j == k else v for j, v in enumerate(leaves)]
        treedef = tg.tree.structure(params)
        fd = (loss(tg.tree.unflatten(treedef, up)) - loss(tg.tree.unflatten(treedef, down))) \
            / (2 * eps)
        assert abs(fd - g[k]) <= 1e-5 * max(1.0, abs(fd))


# ------------------------------------------------------------------ vmap
def example_loss(act):
    def loss(params, x1, x2, t):
        return tg.nn.hinge(tg.nn.mlp(params, [x1, x2], act)[0], t)
    return loss


@settings(max_examples=15, deadline=None, derandomize=CI)
@given(networks, st.integers(1, 7))
def test_vmap_of_scalar_code_packs_and_equals_the_python_loop(net, n):
    hidden, act, _, seed = net
    params = tg.nn.mlp_init([2, *hidden, 1], seed=seed)
    if act == "branch":
        act = "relu"          # a Python branch on a batched value: vmap splits, not compiled
    loss = example_loss(activation(act))
    rng = np.random.default_rng(seed)
    xs = rng.uniform(-2, 2, size=(2, n))
    ts = rng.choice([-1.0, 1.0], size=n)
    fn = tg.vmap(tg.value_and_grad(loss), in_axes=(None, 0, 0, 0))
    got = fn(params, xs[0], xs[1], ts)
    with unpacked():
        want = tg.vmap(tg.value_and_grad(loss), in_axes=(None, 0, 0, 0))(params, xs[0], xs[1], ts)
    # the same numbers as the unpacked compiled program (which runs each primitive's
    # array impl: a zero's sign may differ there, e.g. relu's np.maximum(-0.0, 0.0))
    for a, b in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
        np.testing.assert_array_equal(a, b)
    loop = [tg.value_and_grad(loss)(params, float(a), float(b), float(t))
            for a, b, t in zip(xs[0], xs[1], ts)]
    for k, one in enumerate(loop):
        mine = tg.tree.map(lambda v, k=k: float(v[k]), got)
        if act == "tanh":     # vmap runs np.tanh on the batch, eager math.tanh: an ulp apart,
            # which a gradient summing terms of both signs may leave as its last bits
            np.testing.assert_allclose(tg.tree.leaves(mine), tg.tree.leaves(one), rtol=1e-13,
                                       atol=1e-15)
        else:
            assert eager_bits(one) == eager_bits(mine)


def test_vmap_compiles_the_per_example_gradient_packed():
    from tapegrad.batching import interpret
    params = tg.nn.mlp_init([2, 16, 16, 1], seed=0)
    seen = []
    real = interpret.compiled

    def spy(prog, batched):
        seen.append(real(prog, batched))
        return seen[-1]
    X, y = moons.make_moons(30, 0.1, seed=0)
    with mock.patch.object(interpret, "compiled", spy):
        g = tg.vmap(tg.grad(example_loss(tg.relu)), in_axes=(None, 0, 0, 0))(
            params, X[:, 0], X[:, 1], y)
    source = seen[0][0].source
    assert "lanes_chain" in source and source.count("\n") < 500
    for k in (0, 7, 29):
        one = tg.grad(example_loss(tg.relu))(params, float(X[k, 0]), float(X[k, 1]), float(y[k]))
        assert eager_bits(one) == eager_bits(tg.tree.map(lambda v, k=k: float(v[k]), g))


# --------------------------------------------------------- examples/moons.py
def test_moons_jit_mode_trains_as_the_loop_does_packed_and_reassociated():
    _, loop, _, _ = moons.train("loop", 3, progress=False)
    _, packed, _, _ = moons.train("jit", 3, progress=False)
    _, summed, _, _ = moons.train("jit", 3, progress=False, reassociate=True)
    assert packed["loss"] == loop["loss"] and packed["accuracy"] == loop["accuracy"]
    np.testing.assert_allclose(summed["loss"], loop["loss"], rtol=1e-12)


@pytest.mark.parametrize("in_axes", [(0, None), (None, 0), (0, 0)])
def test_vmap_packs_sums_of_batched_and_unbatched_terms(in_axes):
    def f(x, c):
        out = []
        for k in range(8):                 # eight lanes, each a chain of six terms
            acc = x * (k + 1.0)
            for j in range(6):
                acc = acc + c[j] * (k - j)
            out.append(tg.relu(acc))
        return sum(out)
    xs = np.linspace(-3, 3, 7)
    c = [0.5, -1.0, 2.0, 0.25, -0.75, 1.5]
    cs = [np.linspace(-1, 1, 7) * v for v in c]
    x_arg, c_arg = (xs if in_axes[0] == 0 else 0.5), (cs if in_axes[1] == 0 else c)
    got = tg.vmap(tg.value_and_grad(f, argnums=(0, 1)), in_axes=in_axes)(x_arg, c_arg)
    for k in range(7):
        xk = float(xs[k]) if in_axes[0] == 0 else 0.5
        ck = [float(v[k]) for v in cs] if in_axes[1] == 0 else c
        want = tg.value_and_grad(f, argnums=(0, 1))(xk, ck)
        mine = tg.tree.map(lambda v, k=k: float(np.broadcast_to(v, (7,))[k]), got)
        assert eager_bits(mine) == eager_bits(want)


@pytest.mark.parametrize("lead", [(), (7,)])
@pytest.mark.parametrize("lanes,r", [(16, 16), (2, 16), (5, 3)])
def test_a_gather_of_repeated_or_tiled_lanes_is_spelled_as_a_copy_with_takes_bits(lead, lanes,
                                                                                   r):
    """``take`` of each lane ``r`` times in order (``repeat``) or of all lanes ``r`` times over
    (``tile``, where long) is written as that NumPy call: the same array as ``take``'s."""
    from tapegrad.staging import lanes as lanes_mod
    from tapegrad.staging.spellings import spellings
    v = np.random.RandomState(lanes * r).randn(*lead, lanes)
    v[..., 0] = -0.0
    for index, name in ((np.repeat(np.arange(lanes), r), "repeat"),
                        (np.tile(np.arange(lanes), r), "_np_tile")):
        spelled = spellings[lanes_mod.take].array_for([v, index], None)
        assert spelled is not None
        want = v.take(index, -1)
        got = eval(spelled.format("v", "index"), {**lanes_mod._NAMES, "v": v, "index": index})
        assert got.shape == want.shape and got.tobytes() == want.tobytes()
        assert got.flags.c_contiguous and not np.shares_memory(got, v)
        assert (name in spelled) == (name == "repeat" or index.size >= 64)
    assert "take" in spellings[lanes_mod.take].array_for([v, np.arange(lanes)[::-1].copy()], None)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("g_shape", [(40, 40), (40, 1), (1, 40), ()])
def test_the_zero_safe_product_on_lanes_is_each_lanes_scalar_one(dtype, g_shape):
    """A lane of ``zmul`` is ``+0.0`` where the cotangent is a zero of either sign (whatever
    the other factor: an infinity, a nan), else the product: the scalar ``zmul`` per lane."""
    from tapegrad.primitive import zmul
    from tapegrad.staging.lanes import LANES
    r = np.random.RandomState(len(g_shape))
    with np.errstate(over="ignore"):                     # 1e308 is inf in float32
        pool = np.array(SPECIAL + [0.0, -0.0] * 5, dtype=dtype)
    g = r.choice(pool, size=g_shape).astype(dtype)
    d = r.choice(pool, size=(40, 40)).astype(dtype)
    with np.errstate(all="ignore"):
        got = LANES[zmul].impl(g, d)
    gb = np.broadcast_to(g, got.shape)
    want = np.array([zmul.impl(float(a), float(b)) for a, b in zip(gb.ravel(), d.ravel())])
    assert got.dtype == np.result_type(g, d) and got.shape == d.shape
    with np.errstate(all="ignore"):
        assert bits(list(got.ravel().astype(float))) == bits(list(want.astype(dtype)
                                                                  .astype(float)))
