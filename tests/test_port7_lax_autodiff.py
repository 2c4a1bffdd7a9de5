"""JAX's ``tests/lax_autodiff_test.py``, the elementwise families, ported.

``LAX_GRAD_OPS``: each elementwise operation with a name in tapegrad's
contract, on JAX's groups of compatible shapes (one argument of each shape,
two arguments of every pair that broadcasts), checked to second order in
both modes against central differences, in float64, with JAX's sampling
ranges. ``LAX_GRAD_SPECIAL_VALUE_TESTS``: the same at JAX's special points
(0, pi, pi/2, 1000, ...). Then ``testClampGrad`` (``tg.clip`` with the
operand in each position), ``testConcatenateGrad`` and ``testSplitGrad``
along every axis, and float32 inputs keeping float32 gradients close to the
float64 ones.
"""

from __future__ import annotations

import itertools
import zlib

import numpy as np
import pytest

import tapegrad as tg

COMPATIBLE_SHAPES = [[(3,)], [(), (3, 4), (3, 1), (1, 4)], [(2, 3, 4), (2, 1, 4)]]

DEFAULT, SMALL, POSITIVE = (-3.0, 3.0), (-0.5, 0.5), (0.5, 3.0)

# name: (function, number of arguments, order, sampling range)
OPS = {
    "neg": (lambda x: -x, 1, 2, DEFAULT),
    "floor": (tg.floor, 1, 2, (0.1, 0.4)),
    "ceil": (tg.ceil, 1, 2, (0.1, 0.4)),
    "round": (tg.round, 1, 2, (0.1, 0.4)),
    "exp": (tg.exp, 1, 2, SMALL),
    "exp2": (tg.exp2, 1, 2, SMALL),
    "expm1": (tg.expm1, 1, 2, DEFAULT),
    "log": (tg.log, 1, 2, POSITIVE),
    "log1p": (tg.log1p, 1, 2, POSITIVE),
    "sinh": (tg.sinh, 1, 2, DEFAULT),
    "cosh": (tg.cosh, 1, 2, DEFAULT),
    "tanh": (tg.tanh, 1, 2, DEFAULT),
    "sin": (tg.sin, 1, 2, DEFAULT),
    "cos": (tg.cos, 1, 2, DEFAULT),
    "tan": (tg.tan, 1, 2, (-1.3, 1.3)),
    "arcsin": (tg.arcsin, 1, 2, (-0.9, 0.9)),
    "arccos": (tg.arccos, 1, 2, (-0.9, 0.9)),
    "arctan": (tg.arctan, 1, 2, DEFAULT),
    "arctan2": (tg.arctan2, 2, 2, DEFAULT),
    "abs": (tg.abs, 1, 2, POSITIVE),
    "power": (tg.power, 2, 2, POSITIVE),
    "sqrt": (tg.sqrt, 1, 2, POSITIVE),
    "rsqrt": (lambda x: 1 / tg.sqrt(x), 1, 2, POSITIVE),
    "cbrt": (tg.cbrt, 1, 2, (1.0, 3.0)),
    "logistic": (tg.sigmoid, 1, 2, DEFAULT),
    "add": (lambda x, y: x + y, 2, 2, DEFAULT),
    "sub": (lambda x, y: x - y, 2, 2, DEFAULT),
    "mul": (lambda x, y: x * y, 2, 2, DEFAULT),
    "div": (lambda x, y: x / y, 2, 1, (1.0, 3.0)),
    "max": (tg.maximum, 2, 2, DEFAULT),
    "min": (tg.minimum, 2, 2, DEFAULT),
}


def _sample(rng, shape, lims):
    x = rng.uniform(*lims, size=shape)
    return float(x) if shape == () else x


def _cases():
    for name, (_, nargs, _, _) in OPS.items():
        for group in COMPATIBLE_SHAPES:
            for shapes in itertools.combinations_with_replacement(group, nargs):
                yield name, shapes


@pytest.mark.parametrize("name, shapes", list(_cases()))
def test_elementwise_ops_to_their_order_in_both_modes(name, shapes):
    fun, _, order, lims = OPS[name]
    rng = np.random.default_rng(zlib.crc32(repr((name, shapes)).encode()))
    args = tuple(_sample(rng, s, lims) for s in shapes)
    tg.check_grads(fun, args, order=order, modes=("fwd", "rev"), rtol=1e-5, atol=1e-6)


SPECIAL = [
    ("sinh", [0.]), ("cosh", [0.]), ("tanh", [0., 1000.]),
    ("sin", [0., np.pi, np.pi / 2., np.pi / 4.]), ("cos", [0., np.pi, np.pi / 2., np.pi / 4.]),
    ("tan", [0.]), ("arcsin", [0.]), ("arccos", [0.]), ("arctan", [0., 1000.]),
]


@pytest.mark.parametrize("name, value", [(n, v) for n, vs in SPECIAL for v in vs])
def test_elementwise_ops_at_special_values(name, value):
    tg.check_grads(OPS[name][0], (value,), order=2, modes=("fwd", "rev"))


def test_derivatives_at_special_values_are_the_closed_forms():
    assert tg.grad(tg.tanh)(1000.) == 0. and tg.grad(tg.grad(tg.tanh))(1000.) == 0.
    np.testing.assert_allclose(tg.grad(tg.arctan)(1000.), 1 / (1 + 1e6), rtol=1e-15)
    assert tg.grad(tg.sinh)(0.) == 1. and tg.grad(tg.cosh)(0.) == 0.
    assert tg.grad(tg.arcsin)(0.) == 1. and tg.grad(tg.arccos)(0.) == -1.
    np.testing.assert_allclose(tg.grad(tg.sin)(np.pi / 4), np.sqrt(0.5), rtol=1e-15)


@pytest.mark.parametrize("shape", [(), (2, 3)])
def test_clip_with_the_operand_in_each_position(shape):
    rng = np.random.default_rng(3)
    x = _sample(rng, shape, DEFAULT)
    low, high = np.asarray(x) - 10.0, np.asarray(x) + 10.0
    low, high = (float(low), float(high)) if shape == () else (low, high)
    for args in ((x, low, high), (low, x, high), (low, high, x)):
        tg.check_grads(tg.clip, args, order=2, modes=("fwd", "rev"), eps=1e-2)
    g = tg.grad(lambda x, lo, hi: tg.sum(tg.clip(x, lo, hi)), (0, 1, 2))(x, low, high)
    np.testing.assert_array_equal(g[0], np.ones(shape))      # inside: the operand's
    np.testing.assert_array_equal(g[1], np.zeros(shape))
    np.testing.assert_array_equal(g[2], np.zeros(shape))


@pytest.mark.parametrize("base_shape, dim", [(s, d) for s in [(4,), (3, 4), (2, 3, 4)]
                                             for d in range(len(s))])
def test_concatenate_along_each_axis(base_shape, dim):
    rng = np.random.default_rng(4)
    shapes = [base_shape[:dim] + (size,) + base_shape[dim + 1:] for size in (3, 1, 4)]
    operands = tuple(rng.standard_normal(s) for s in shapes)
    tg.check_grads(lambda *xs: tg.concatenate(xs, dim), operands, order=2,
                   modes=("fwd", "rev"), eps=1.)
    w = rng.standard_normal(np.concatenate(operands, dim).shape)
    grads = tg.grad(lambda *xs: tg.sum(w * tg.concatenate(xs, dim)), (0, 1, 2))(*operands)
    for got, want in zip(grads, np.split(w, [3, 4], axis=dim)):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("base_shape, axis", [(s, a) for s in [(4,), (3, 4), (2, 3, 4)]
                                              for a in range(len(s))])
@pytest.mark.parametrize("sizes", [(2,), (1, 3), (0, 2, 2)])
def test_split_along_each_axis(base_shape, axis, sizes):
    shape = list(base_shape)
    shape[axis] = sum(sizes)
    x = np.random.default_rng(5).standard_normal(shape)
    cuts = list(np.cumsum(sizes)[:-1])
    pieces = tg.split(x, cuts, axis=axis)
    for got, want in zip(pieces, np.split(x, cuts, axis=axis)):
        np.testing.assert_array_equal(got, want)
    tg.check_grads(lambda x: tg.split(x, cuts, axis=axis), (x,), order=2,
                   modes=("fwd", "rev"), eps=1.)


@pytest.mark.parametrize("name", ["exp", "tanh", "sin", "log", "sqrt", "logistic", "mul",
                                  "power", "arctan2"])
def test_float32_inputs_give_float32_gradients_near_the_float64_ones(name):
    fun, nargs, _, lims = OPS[name]
    rng = np.random.default_rng(6)
    args = tuple(rng.uniform(*lims, size=(3, 4)) for _ in range(nargs))
    loss = lambda *a: tg.sum(fun(*a))  # noqa: E731
    want = tg.grad(loss, tuple(range(nargs)))(*args)
    got = tg.grad(loss, tuple(range(nargs)))(*(a.astype(np.float32) for a in args))
    for g, w in zip(got, want):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
