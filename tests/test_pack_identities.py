"""Packing before the exact identities: ``x * 1.0`` lines up with ``x * -1.0``.

``tg.nn.hinge(score, label)`` records ``score * label``; with the identities
taken out first, an example labelled ``+1`` would skip that record and its
lanes fall one level behind those of an example labelled ``-1``: two
streams of groups through the whole backward pass. Packing runs on the
program with the identities kept, and where nothing packs they go as
before. Compared bit for bit with the scalar program and eager.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_packing import bits, eager_bits, unpacked

import tapegrad as tg


def hinge_loss(labels):
    examples = [(0.5 - 0.125 * k, 0.25 * k - 0.75, t) for k, t in enumerate(labels)]

    def loss(p):
        total = 0.0
        for x1, x2, t in examples:
            total = total + tg.nn.hinge(tg.nn.mlp(p, [x1, x2])[0], t)
        return total / len(examples)
    return loss


def lines(f, *args):
    return len(f.lower(*args).source.splitlines())


@pytest.mark.parametrize("reassociate", [False, True])
def test_a_hinge_over_labels_of_both_signs_packs_as_one_stream(reassociate):
    params = tg.nn.mlp_init([2, 8, 8, 1], seed=1)
    mixed = hinge_loss([1.0, -1.0] * 6)
    minus = hinge_loss([-1.0] * 12)
    plus = hinge_loss([1.0] * 12)
    counts = [lines(tg.jit(tg.value_and_grad(loss), reassociate=reassociate), params)
              for loss in (mixed, minus, plus)]
    assert counts[0] <= counts[1] + 2 and counts[0] <= counts[2] + 2, counts
    if not reassociate:
        packed = tg.jit(tg.value_and_grad(mixed))
        with unpacked():
            scalar = tg.jit(tg.value_and_grad(mixed))
            want = bits(scalar(params))
        assert bits(packed(params)) == want
        assert eager_bits(packed(params)) == eager_bits(tg.value_and_grad(mixed)(params))


def test_where_nothing_packs_the_identities_go_as_before():
    def f(x, y):
        return ((x * 1.0 - 0.0) / 1.0) * (1.0 * y) + 2.0
    jitted = tg.jit(f)
    for x, y in [(1.5, -2.0), (-0.0, 3.0), (np.inf, -0.0), (np.nan, 1.0)]:
        assert bits(jitted(x, y)) == bits(f(x, y))
    source = jitted.lower(1.5, -2.0).source
    assert "1.0" not in source and "0.0" not in source, source
