"""Fewer copies in packed programs (issue 21), each bit for bit the program without it.

- ``staging/pushed.py``: a lane operation whose one reader gathers all its
  lanes in another order is computed in that order (its operands' gathers
  permuted), the gather gone;
- ``staging/joined.py``: an exact sum chain over joined new vectors reads
  them part by part (each later part's first row takes the sum so far), no
  join;
- ``staging/strided.py``: an elementwise operation on views of a grid read
  across writes its result in C order (NumPy's default would follow the
  views' layout, and flattening it would copy it);
- ``staging/chains.py``: under ``vmap`` the in-order sum of ``(batch, rows,
  lanes)`` with few lanes adds the rows with the rows outermost.
"""

from __future__ import annotations

import math
import struct
from unittest import mock

import numpy as np
import pytest
from test_packing import activation, bits, eager_bits, unpacked
from test_packstep import moons_examples, wide_loss

import tapegrad as tg
from tapegrad import ops
from tapegrad.staging import chains
from tapegrad.staging.chains import chain_rows
from tapegrad.staging.joined import _chain_parts, chain_parts, joined
from tapegrad.staging.lanes import LANES, concat, rows
from tapegrad.staging.program import Const, Eqn, Program
from tapegrad.staging.pushed import pushed


def _params(widths, seed, special=None):
    params = tg.nn.mlp_init(widths, seed=seed)
    if special is None:
        return params
    leaves = tg.tree.leaves(params)
    for k, v in special.items():
        leaves[k] = v
    return tg.tree.unflatten(tg.tree.structure(params), leaves)


SPECIAL = [None, {3: 0.0, 5: -0.0, 40: -0.0}, {2: math.inf, 7: -0.0},
           {1: math.nan, 60: 1e-310, 61: -1e-310}]


@pytest.mark.parametrize("act", ["relu", "max"])
def test_pushed_permutations_keep_the_bits_of_the_program_without_them(act):
    loss = wide_loss(activation(act), moons_examples(12, 3))   # any batch: the layers permute
    vg = tg.value_and_grad(loss)
    traced_on = _params([2, 16, 16, 1], 0)
    packed = tg.jit(vg)
    source = packed.lower(traced_on).source
    with mock.patch("tapegrad.staging.packing.pushed", lambda prog: prog), \
            mock.patch("tapegrad.staging.packing.joined", lambda prog: prog):
        before = tg.jit(vg)
        old_source = before.lower(traced_on).source
    with mock.patch("tapegrad.staging.packing.joined", lambda prog: prog):
        unjoined = tg.jit(vg)
        unjoined(traced_on)
    with unpacked():
        scalar = tg.jit(vg)
        scalar(traced_on)
    # the products feeding the sums over a layer's inputs are written in the sums' order
    assert "lanes_mul_c" in source and "lanes_mul_c" not in old_source
    assert source.count(".take(") < old_source.count(".take(")   # zero-safe products too
    assert "lanes_chain_parts" in source
    for seed, special in enumerate(SPECIAL):      # new values: the same compiled code
        p = _params([2, 16, 16, 1], seed + 1, special)
        got = packed(p)
        with mock.patch("tapegrad.staging.packing.pushed", lambda prog: prog):
            assert bits(got) == bits(before(p))
        with mock.patch("tapegrad.staging.packing.joined", lambda prog: prog):
            assert bits(got) == bits(unjoined(p))
        with unpacked():
            assert bits(got) == bits(scalar(p))
        if special is None or math.isfinite(sum(special.values())):
            assert eager_bits(got) == eager_bits(vg(p))


def test_a_gather_that_is_not_a_permutation_is_left_where_it_is():
    def f(xs):
        ys = [x * 3.0 for x in xs]
        return [ys[k % 4] + ys[(k * 3) % 4] for k in range(12)]   # lanes read twice
    xs = [0.5, -1.5, 2.25, -0.0]
    jf = tg.jit(f)
    got = jf(xs)
    with unpacked():
        assert bits(got) == bits(tg.jit(f)(xs))
    assert bits(got) == bits(f(xs))


def test_pushed_leaves_a_program_without_permuting_gathers_as_it_is():
    from tapegrad.staging.program import from_tape
    prog = from_tape(tg.make_tape(lambda a, b: a * b + 1.0)(2.0, 3.0))
    assert pushed(prog) is prog


def _chain(column):
    acc = column[0]
    for x in column[1:]:
        acc = acc + x
    return acc


def _f64(v):
    return struct.pack("<d", v) if v == v else "nan"


@pytest.mark.parametrize("shape", [(100, 17, 16), (64, 16, 2), (300, 5, 32), (100, 17, 64),
                                   (10, 3, 4), (2, 100, 17, 16)])
def test_the_rows_of_a_batch_add_in_order_per_lane(shape):
    rng = np.random.default_rng(sum(shape))
    rows = rng.standard_normal(shape) * 10.0 ** rng.integers(-8, 9, shape)
    rows.reshape(-1)[::97] = -0.0
    rows.reshape(-1)[5::211] = 0.0
    rows.reshape(-1)[7] = math.inf
    got = chains._chain_rows(rows)
    assert got.shape == shape[:-2] + shape[-1:]
    moved = np.moveaxis(rows, -2, -1).reshape(-1, shape[-2])
    want = [_f64(_chain(list(map(float, col)))) for col in moved]
    assert [_f64(float(v)) for v in got.reshape(-1)] == want
    init = rng.standard_normal(shape[-1])          # a chain with a vector initial value
    got = chains._chain_lanes(init, rows)
    lanes = np.broadcast_to(init, shape[:-2] + shape[-1:]).reshape(-1)
    want = [_f64(_chain([float(a), *map(float, col)])) for a, col in zip(lanes, moved)]
    assert [_f64(float(v)) for v in got.reshape(-1)] == want


def test_vmap_of_a_wide_layer_equals_the_python_loop_and_unpacked_vmap_bit_for_bit():
    def example(p, x1, x2, t):
        return tg.nn.hinge(tg.nn.mlp(p, [x1, x2])[0], t) / 100.0
    examples = moons_examples(40, 5)              # a batch of 40: the loop is the cost
    cols = [np.array(c) for c in zip(*examples)]
    g = tg.vmap(tg.grad(example), in_axes=(None, 0, 0, 0))
    with unpacked():
        g_unpacked = tg.vmap(tg.grad(example), in_axes=(None, 0, 0, 0))
    for seed in range(3):
        p = _params([2, 16, 16, 1], seed, {4: 0.0} if seed else None)
        got = g(p, *cols)
        with unpacked():
            assert bits(got) == bits(g_unpacked(p, *cols))
        loop = [tg.grad(example)(p, *e) for e in examples]
        for k, leaf in enumerate(tg.tree.leaves(got)):
            want = [tg.tree.leaves(one)[k] for one in loop]
            assert eager_bits(list(map(float, leaf))) == eager_bits(want)


@pytest.mark.parametrize("sizes", [(1, 16, 16), (2, 50, 50), (1, 1, 3, 1), (4, 7)])
def test_a_chain_over_parts_adds_every_lanes_terms_in_order(sizes):
    lanes = 5
    rng = np.random.default_rng(len(sizes) + sum(sizes))
    parts = [rng.standard_normal(k * lanes) * 10.0 ** rng.integers(-9, 10, k * lanes)
             for k in sizes]
    parts[-1][0] = -0.0
    parts[0][-1] = math.nan
    columns = np.concatenate(parts).reshape(-1, lanes).T
    want = [_f64(_chain(list(map(float, col)))) for col in columns]
    got = _chain_parts(lanes, *[p.copy() for p in parts])
    assert [_f64(float(v)) for v in got] == want


def _joined_program(read_again):
    """init (4 lanes) then two new vectors' rows: ``chain_rows(rows(concat(...), 4))``."""
    mul = LANES[ops.mul]
    rng = np.random.default_rng(0)
    init, a, b = rng.standard_normal(4), rng.standard_normal(8), rng.standard_normal(12)
    eqns = [Eqn(mul, 10, (0, Const(2.0)), a * 2.0), Eqn(mul, 11, (1, Const(3.0)), b * 3.0)]
    joined_ans = np.concatenate([init, a * 2.0, b * 3.0])
    eqns += [Eqn(concat, 12, (Const(init), 10, 11), joined_ans),
             Eqn(rows, 13, (12, Const(4)), joined_ans.reshape(-1, 4))]
    eqns.append(Eqn(chain_rows, 14, (13,), chains._chain_rows(joined_ans.reshape(-1, 4))))
    outputs = (14, 11) if read_again else (14,)
    return Program((0, 1), tuple(eqns), outputs, {}, (a, b))


def test_joined_reads_new_parts_in_place_and_leaves_a_part_read_elsewhere():
    prog = _joined_program(False)
    out = joined(prog)
    (last,) = [e for e in out.eqns if e.out == 14]
    assert last.prim is chain_parts and last.args[0] == Const(4)
    assert out.eqns[-1].ans.tobytes() == prog.eqns[-1].ans.tobytes()
    assert prog.eqns[1].ans.tobytes() == (prog.seen[1] * 3.0).tobytes()   # traced values kept
    kept = _joined_program(True)                  # the second part is also returned
    assert joined(kept) is kept
