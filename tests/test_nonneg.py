"""Zero-safe products by a ReLU's lanes (``staging/nonneg.py``): a plain product only where
the sources show it has the zero-safe product's bits; bit for bit the program without it."""

from __future__ import annotations

import math
import os
import struct
from unittest import mock

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from test_packing import CI, bits, eager_bits, unpacked
from test_packstep import moons_examples, wide_loss
from test_pushed import SPECIAL, _params

import tapegrad as tg
from tapegrad.primitive import zmul
from tapegrad.staging.nonneg import _by_relu

_specials = st.sampled_from([0.0, -0.0, math.inf, -math.inf, math.nan, -math.nan, 5e-324,
                             -5e-324, 1.5, -2.25, 1e300, -1e-300])
_values = st.one_of(_specials, st.floats(-4, 4))


def _word(x: float) -> bytes:
    return struct.pack("<d", x)


@settings(max_examples=int(os.environ.get("TG_EXAMPLES", 120)), deadline=None, derandomize=CI)
@given(st.lists(_values, min_size=1, max_size=12), st.lists(_values, min_size=1, max_size=12),
       st.data())
def test_by_relu_has_the_bits_of_the_scalar_zero_safe_product_in_every_lane(gs, xs, data):
    g_src = np.array(gs)
    d_src = np.where(np.array(xs) <= 0.0, 0.0, np.array(xs))     # the ReLU's lanes spelling
    n = data.draw(st.integers(1, 40))
    ig = np.array(data.draw(st.lists(st.integers(0, len(gs) - 1), min_size=n, max_size=n)))
    idd = np.array(data.draw(st.lists(st.integers(0, len(xs) - 1), min_size=n, max_size=n)))
    with np.errstate(all="ignore"):
        got = _by_relu(g_src[ig], d_src[idd], g_src, d_src)
    want = [zmul.impl(float(g), float(d)) for g, d in zip(g_src[ig], d_src[idd])]
    assert [_word(v) if v == v else "nan" for v in got.tolist()] == \
        [_word(v) if v == v else "nan" for v in want]


def test_the_moons_backward_products_by_activations_check_their_sources():
    vg = tg.value_and_grad(wide_loss(tg.relu, moons_examples(30, 4)))
    traced_on = _params([2, 16, 16, 1], 0)
    packed = tg.jit(vg)
    source = packed.lower(traced_on).source
    # the middle layer's weights' products: one group for the examples of both labels
    assert source.count("lanes_zmul_by_relu") == 1
    with mock.patch("tapegrad.staging.packing.nonneg", lambda prog: prog):
        before = tg.jit(vg)
        assert "by_relu" not in before.lower(traced_on).source
    with unpacked():
        scalar = tg.jit(vg)
        scalar(traced_on)
    for seed, special in enumerate([*SPECIAL, {0: math.inf}, {0: -math.inf, 20: -0.0}]):
        p = _params([2, 16, 16, 1], seed + 1, special)
        got = packed(p)
        assert bits(got) == bits(before(p)) == bits(scalar(p))
        if special is None or math.isfinite(sum(special.values())):
            assert eager_bits(got) == eager_bits(vg(p))
