"""Random scalar programs with isomorphic groups: packed equals eager and unpacked, bit for bit.

``packfuzz_gen.random_spec(seed)`` describes a program written on floats,
micrograd's way: layers of 4 to 20 lanes of one operation each (``+ - * /``,
unary ``-``, ``abs``, ``**2``, ``**k``, relu, hinge, clip, maximum, minimum,
``where`` and Python ``if`` on comparisons, comparisons returned as bools,
Python's ``sum`` from int 0, sum chains, neurons ``b + sum(w * x)`` with
float and int weights, tanh/exp/log beside them), constants ``0.0``,
``-0.0``, infinities, nans and ints, lanes read by scalar code, and outputs
returned as lists, tuples and dicts; run over a loop of examples that share
inputs. ``packfuzz_check.check(seed)`` runs it at its tracing inputs and at
two others (infinities, nans, huge and subnormal numbers, ints among them)
under ``jit``, ``jit(grad)``, ``jit(value_and_grad)``, ``grad(jit)``
(against the program compiled unpacked and against eager, bit for bit),
``vmap``, ``vmap(grad)`` and ``jit(vmap)`` (against unpacked ``vmap`` and a
Python loop over the examples), and ``reassociate=True`` (within a loose
tolerance, where every value of the program is finite). Every program with
a group is packed (``forced``), worth it or not, so small programs reach
what only large ones would.

Run many seeds outside pytest with
``python -c "import sys; sys.path.insert(0, 'tests'); from packfuzz_check import hunt;
hunt(0, 500)"``; the reproducers of what the hunt found are the tests below.
"""

from __future__ import annotations

import math
import os
from unittest import mock

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from packfuzz_check import check
from test_packing import bits, unpacked

import tapegrad as tg

CI = bool(os.environ.get("CI"))


@settings(max_examples=2, deadline=None, derandomize=CI)
@given(st.integers(0, 2 ** 32 - 1))
def test_random_packed_programs_equal_eager_and_unpacked(seed):
    """Small programs (2 or 3 layers of 4 to 8 lanes) under every transform."""
    assert check(seed, small=True) == []


# ---------------------------------------------------------------- reproducers
def test_vmap_keeps_unbatched_tanh_scalar():
    """Shared (unbatched) inputs' tanh under vmap is math.tanh, as the loop's: packed as one
    ``np.tanh`` of their stack it was an ulp off (seed 116 of the hunt)."""
    def loss(xs, e):
        t = [tg.tanh(xs[1]), tg.tanh(xs[0]), tg.tanh(xs[2]), tg.tanh(xs[3])]
        s = [t[1] - xs[4], t[0] - 0.5, t[2] - xs[2]]
        return (t[3] + s[0] + s[1] + s[2]) * e
    xs = [-2.948, 0.599, -2.658, 1.556, -0.097]
    e = np.full(3, 0.5)
    g = tg.grad(loss)
    got = tg.vmap(g, in_axes=(None, 0))(xs, e)
    with unpacked():
        want = tg.vmap(g, in_axes=(None, 0))(xs, e)
    assert bits(got) == bits(want)
    for k in range(3):
        assert bits([float(v[k]) for v in got]) == bits(g(xs, float(e[k])))
    assert any(math.tanh(x) != np.tanh(np.array([x]))[0] for x in xs[:4])   # else no test


def _int_weighted_cubes(w, ex):
    """Seed 2050 of the hunt, reduced: neurons with int weights (Python's ``sum`` from 0),
    cubed, one of them feeding a ReLU neuron."""
    x0 = w[0]
    c = tg.clip(ex[0], -1.5, 2.0)
    n1 = sum((j - 2) * x for j, x in enumerate([x0, tg.clip(x0, -1.5, 2.0), x0, ex[1]])) + x0
    n2 = sum((j - 2) * x for j, x in enumerate([x0, x0, x0, c])) + x0
    n3 = sum((j - 2) * x for j, x in enumerate([c, x0, x0, x0, x0, x0, x0])) + x0
    d = tg.relu(w[5] + w[1] * n1 ** 3 + w[2] * x0 + w[3] * x0 + w[4] * x0)
    return (0.0 + n2 ** 3 + n3 ** 3 + d) * 0.5


def test_vmap_keeps_powers_with_other_exponents_apart():
    """``n ** 3`` and (its derivative) ``n ** 2`` of several neurons were one ``np.power``
    of a ``(batch, lanes)`` array by an array of exponents: NumPy's power by an array (and
    by 0.5 or 1.5) runs a SIMD loop on contiguous operands, another on strided ones, and
    its integer-exponent shortcuts only for a scalar exponent, so the bits differed from
    the unpacked program's ``np.power(batch, 3)``. A primitive with no lane form packs
    under vmap only where it has one operand."""
    w = [1.833, -2.049, 2.201, -2.169, 0.971, -1.957]
    rng = np.random.default_rng(0)
    ex = [rng.uniform(-2.5, 2.5, 64).round(3), rng.uniform(-2.5, 2.5, 64).round(3)]
    g = tg.grad(_int_weighted_cubes)
    got = tg.vmap(g, in_axes=(None, 0))(w, ex)
    with unpacked():
        want = tg.vmap(g, in_axes=(None, 0))(w, ex)
    assert bits(got) == bits(want)


def test_a_value_dependent_float64_type_stays_what_eager_returns():
    """``tg.relu`` of a bool is an ``np.float64`` in eager, so a gradient summing
    ``relu(w <= c) * ...`` terms is a float where their cotangent is zero (``zmul`` gives
    ``0.0``) and an ``np.float64`` elsewhere. Packed, such a chain read its type at the
    tracing inputs (floats there) and came back a float where eager and the scalar program
    return ``np.float64``: a float a NumPy scalar went into is not packed. Seed 5074 of the
    hunt, reduced."""
    def loss(w, e):
        h = tg.relu(w[9] * e)                      # 0.0 at e = -1 (tracing), 1.6 at e = 1
        total = 0.0
        for i in range(6):
            total = total + tg.relu(w[i] <= 2.0) * w[8] * h + w[i] * w[7]
        return total
    w = [0.5 * i - 1.0 for i in range(10)]
    g = tg.grad(loss)
    with mock.patch("tapegrad.staging.packing._cheap", lambda *a: True):   # packed, small
        fn = tg.jit(g)
        fn(w, -1.0)
        assert "lanes_" in fn.lower(w, -1.0).source
        got = fn(w, 1.0)
    with unpacked():
        scalar = tg.jit(g)
        scalar(w, -1.0)
        assert bits(scalar(w, 1.0)) == bits(g(w, 1.0))
    assert bits(got) == bits(g(w, 1.0))


def test_a_chain_of_infinite_constants_packs_after_a_retrace():
    # found by the hunt (seeds 1015, 1117): retraced at other inputs, a sum chain whose terms
    # were constants in every lane, an infinity among them, made the packer's lookup
    # of their value ids raise OverflowError (``int(inf)``) where it takes constants apart
    assert check(1015, ("jit", "jit_vg")) == []
    assert check(1117, ("vmap", "vmap_grad")) == []          # the same under vmap


def test_the_packers_value_ids_take_constants_apart():
    from tapegrad.staging.packer import Packer
    from tapegrad.staging.program import Const

    class Stub:
        none = 99
    for args, want in (([Const(math.inf), Const(2.0)], [99, 99]), ([Const(1e300)], [99]),
                       ([Const(math.nan), 3], [99, 3]), ([4, 5], [4, 5]), ([4, 120], [4, 99])):
        assert Packer.ids(Stub(), args).tolist() == want        # type: ignore[arg-type]
