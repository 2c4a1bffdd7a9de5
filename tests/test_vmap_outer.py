"""Under ``vmap``, a layer's products of every lane by every lane are made on a grid.

``staging/outer.py``: a product of ``u.repeat(c)`` by a weights vector or by
``v`` tiled (a layer's forward products, its cotangents by its weights, its
weights' gradients) is made on an ``(a, c, n)`` grid, and a chain over it
summed along the grid's first axis. Checked here bit for bit against the
gathered product and the chain over its rows (zeros' signs, infinities and
nans included), and end to end against ``vmap`` without the grid and the
Python loop of ``grad``.
"""

from __future__ import annotations

import math
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_packing import CI, bits, eager_bits
from test_vmap_rows import assert_the_loops

import tapegrad as tg
from tapegrad.staging import outer, packing
from tapegrad.staging.chains import _chain_rows
from tapegrad.staging.joined import _chain_parts, _row_blocks
from tapegrad.staging.lanes import _zmul, rows_out
from tapegrad.staging.nonneg import _by_relu
from tapegrad.staging.program import Const

_specials = st.sampled_from([0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324, 1e308,
                             -1e308, 1.0, -1.0])
_values = st.one_of(_specials, st.floats(-1e3, 1e3))
_KINDS = [("r", "w"), ("w", "r"), ("r", "t"), ("t", "r"), ("t", "w"), ("w", "t")]


def _gathered(x, kind, a, c):
    """The factor as packing gathers it: ``(n, a*c)`` copies, or the weights vector."""
    if kind == "w":
        return x
    return x.repeat(c, -1) if kind == "r" else np.tile(x, a)


def _made(x, y, spec):
    a, c, kx, ky, mode = spec
    g, d = _gathered(x, kx, a, c), _gathered(y, ky, a, c)
    if mode == "mul":
        return np.multiply(g, d)
    return _zmul(g, d) if mode == "zmul" else _by_relu(g, d, x, y)


def _factors(data, a, c, n, kinds, mode):
    def draw(shape, nonneg=False):
        size = int(np.prod(shape))
        vals = data.draw(st.lists(_values, min_size=size, max_size=size))
        v = np.array(vals, dtype=float).reshape(shape)
        return np.where(v < 0, -v, v) + 0.0 if nonneg else v    # a ReLU's lanes: >= +0.0
    shapes = {"r": (n, a), "t": (n, c), "w": (a * c,)}
    relu_lanes = mode == "relu" and data.draw(st.booleans())
    return draw(shapes[kinds[0]]), draw(shapes[kinds[1]], nonneg=relu_lanes)


@settings(max_examples=80, deadline=None, derandomize=CI)
@given(st.integers(2, 5), st.integers(2, 5), st.integers(0, 4), st.sampled_from(_KINDS),
       st.sampled_from(["mul", "zmul", "relu"]), st.data())
def test_a_product_made_on_the_grid_has_the_gathered_products_bits(a, c, n, kinds, mode, data):
    if mode == "relu" and "w" in kinds:
        mode = "zmul"                  # by a ReLU's lanes: two batched factors
    x, y = _factors(data, a, c, n, kinds, mode)
    spec = (a, c, *kinds, mode)
    with np.errstate(all="ignore"):
        want = _made(x, y, spec)
        rows = np.full((a * c + 3, n), 7.0)       # the rows of rows_out's output array
        outer._into(rows[2:2 + a * c].T, x, y, spec)
        apart = np.full((n, a * c), 7.0)           # not rows: made, then copied in
        outer._into(apart, x, y, spec)
    assert bits(rows[2:2 + a * c].T.tolist()) == bits(want.tolist())
    assert bits(apart.tolist()) == bits(want.tolist())
    assert (rows[:2] == 7.0).all() and (rows[2 + a * c:] == 7.0).all()


@settings(max_examples=80, deadline=None, derandomize=CI)
@given(st.integers(2, 5), st.integers(2, 5), st.integers(0, 4), st.sampled_from(_KINDS),
       st.sampled_from(["mul", "zmul"]), st.integers(-1, 2), st.data())
def test_a_chain_over_a_grid_adds_in_the_chains_order(a, c, n, kinds, mode, init_kind, data):
    x, y = _factors(data, a, c, n, kinds, mode)
    spec = (a, c, *kinds, mode)
    with np.errstate(all="ignore"):
        product = _made(x, y, spec)
        if init_kind < 0:              # chain_rows over rows of the product, some reversed
            step = data.draw(st.sampled_from([1, -1, 2]))
            k = slice(None, None, step)
            want = _chain_rows(_row_blocks(product, c, k))
            got = outer._outer_chain(x, y, None, spec, k)
        else:                          # chain_parts: a first link (a bias), then the rows
            shape = (c,) if init_kind == 0 else (n, c)
            init = np.array(data.draw(st.lists(_values, min_size=int(np.prod(shape)),
                                               max_size=int(np.prod(shape))))).reshape(shape)
            want = _chain_parts(c, init.copy(), product.copy())
            got = outer._outer_chain(x, y, init, spec, slice(None))
    assert got.shape == want.shape and got.flags.c_contiguous
    assert bits(got.tolist()) == bits(want.tolist())


def _spied(fun, *args):
    seen = []
    real = packing.packed_batch

    def spy(prog, batched):
        seen.append(real(prog, batched))
        return seen[-1]
    with mock.patch("tapegrad.batching.interpret.pack", spy):
        out = fun(*args)
    return out, seen[-1]


@pytest.mark.parametrize(("sizes", "n"), [([3, 5, 4, 1], 11), ([2, 6, 3, 2], 7),
                                          ([4, 3, 7, 1], 1), ([2, 16, 16, 1], 6)])
@pytest.mark.parametrize(("act", "odd"), [("relu", None), ("relu", "inf"), ("relu", "-0.0"),
                                          ("tanh", None)])
def test_vmap_of_a_scalar_network_on_grids_is_the_loops_bits(act, sizes, n, odd):
    rng = np.random.default_rng(sum(sizes) * 10 + n)
    params = tg.nn.mlp_init(sizes, seed=2)
    xs = rng.uniform(-2, 2, size=(sizes[0], n))
    if odd is not None:
        xs[0, 0] = float(odd)
        xs[-1, -1] = -0.0 if odd == "-0.0" else xs[-1, -1]
    ts = rng.choice([-1.0, 1.0], size=n)

    def loss(p, t, *x):
        out = tg.nn.mlp(p, list(x), activation=getattr(tg, act))
        return sum(tg.nn.hinge(o, t) for o in out) / n
    in_axes = (None, 0) + (0,) * sizes[0]
    per_example = tg.vmap(tg.grad(loss), in_axes=in_axes)
    got, prog = _spied(per_example, params, ts, *xs)
    names = {e.prim.name for e in prog.eqns}
    writes = {a.value[0] for e in prog.eqns if e.prim is rows_out for a in e.args
              if type(a) is Const and type(a.value) is tuple}
    if sizes[1:3] == [16, 16]:           # the moons network: its layers on grids
        assert "lanes_outer_chain" in names
        assert outer._into in writes or act != "relu"     # tanh's gradients are reordered
    no_grid = {"outer_chains": lambda prog: prog, "outer_write": lambda defs, e: None}
    with mock.patch.multiple(packing, **no_grid):
        before, prog_before = _spied(tg.vmap(tg.grad(loss), in_axes=in_axes), params, ts, *xs)
    assert "lanes_outer_chain" not in {e.prim.name for e in prog_before.eqns}
    assert bits(got) == bits(before)
    assert_the_loops(loss, params, ts, xs, got, act)


def test_jit_of_vmap_and_vmap_of_jit_agree_with_the_grid():
    params = tg.nn.mlp_init([2, 5, 4, 1], seed=3)
    rng = np.random.default_rng(0)
    xs, ts = rng.uniform(-2, 2, size=(2, 9)), rng.choice([-1.0, 1.0], size=9)

    def loss(p, t, x1, x2):
        return tg.nn.hinge(tg.nn.mlp(p, [x1, x2])[0], t)
    in_axes = (None, 0, 0, 0)
    plain = tg.vmap(tg.grad(loss), in_axes=in_axes)(params, ts, *xs)
    for fun in (tg.jit(tg.vmap(tg.grad(loss), in_axes=in_axes)),
                tg.vmap(tg.jit(tg.grad(loss)), in_axes=in_axes)):
        assert eager_bits(fun(params, ts, *xs)) == eager_bits(plain)
