"""JAX's ``tests/lax_numpy_test.py`` gradient records, ported.

``GRAD_TEST_RECORDS`` (``testOpGrad``): ``arcsinh``, ``arccosh``,
``arctanh``, ``logaddexp`` and ``logaddexp2`` on every shape (and every
pair of shapes for the binary ones) of a group that broadcasts together,
checked against central differences in both modes to JAX's order and one
beyond, with ``jit`` equal to eager bit for bit, ``vmap`` equal to a loop,
and float32 inputs giving float32 gradients near the float64 ones.
``GRAD_SPECIAL_VALUE_TEST_RECORDS`` (``testOpGradSpecialValue``): the same
functions at JAX's special points, to third order, against the closed forms
of their Taylor coefficients; ``sinc`` at 0 to fourth order and
``testSincGradArrayInput``.
"""

from __future__ import annotations

import itertools
import zlib

import numpy as np
import pytest

import tapegrad as tg

# a scalar, a 0-d array and arrays that broadcast with each other
SHAPES = ["float", (), (4,), (3, 4), (2, 1, 4)]

# name: (function, number of arguments, JAX's order, sampling range)
RECORDS = {
    "arcsinh": (np.arcsinh, 1, 2, (0.1, 3.0)),
    "arccosh": (np.arccosh, 1, 1, (1.2, 4.0)),
    "arctanh": (np.arctanh, 1, 2, (-0.9, 0.9)),
    "logaddexp": (np.logaddexp, 2, 1, (-0.9, 0.9)),
    "logaddexp2": (np.logaddexp2, 2, 2, (-0.9, 0.9)),
}
TG = {"arcsinh": tg.arcsinh, "arccosh": tg.arccosh, "arctanh": tg.arctanh,
      "logaddexp": tg.logaddexp, "logaddexp2": tg.logaddexp2}


def _sample(name, shapes, dtype=np.float64):
    lims = RECORDS[name][3]
    rng = np.random.default_rng(zlib.crc32(repr((name, shapes)).encode()))
    out = []
    for s in shapes:
        x = rng.uniform(*lims, size=() if s == "float" else s)
        out.append(float(x) if s == "float" else np.asarray(x, dtype))
    return tuple(out)


def _cases():
    for name, (_, nargs, _, _) in RECORDS.items():
        for shapes in itertools.combinations_with_replacement(SHAPES, nargs):
            yield name, shapes


def _scalar(f):
    """A scalar of ``f``'s output that weighs every entry differently."""
    def g(*xs):
        y = f(*xs)
        w = np.cos(np.arange(np.size(y)) + 1.0).reshape(np.shape(y))
        return tg.sum(y * w)
    return g


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert (a.dtype, a.shape) == (b.dtype, b.shape), (a, b)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name, shapes", list(_cases()))
def test_op_grad_to_jaxs_order_and_one_more_in_both_modes(name, shapes):
    fun, _, order, _ = RECORDS[name]
    args = _sample(name, shapes)
    tg.check_grads(fun, args, order=order + 1, modes=("fwd", "rev"), rtol=1e-5, atol=1e-6)
    tg.check_grads(TG[name], args, order=order, modes=("fwd", "rev"), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, shapes", list(_cases()))
def test_op_and_its_gradient_under_jit_are_eagers_bit_for_bit(name, shapes):
    fun = RECORDS[name][0]
    args = _sample(name, shapes)
    _same(tg.jit(fun)(*args), fun(*args))
    g = tg.grad(_scalar(fun), argnums=tuple(range(len(args))))
    for a, b in zip(tg.jit(g)(*args), g(*args)):
        _same(a, b)
    _, t = tg.jvp(fun, args, args)
    _same(tg.jit(lambda *xs: tg.jvp(fun, xs, xs)[1])(*args), t)


@pytest.mark.parametrize("name", list(RECORDS))
def test_op_and_its_gradient_under_vmap_are_the_loop(name):
    fun, nargs = RECORDS[name][:2]
    batch = _sample(name, [(5, 3)] * nargs)
    per = [tuple(b[i] for b in batch) for i in range(5)]
    np.testing.assert_array_equal(tg.vmap(fun)(*batch), np.stack([fun(*a) for a in per]))
    g = tg.grad(_scalar(fun), argnums=tuple(range(nargs)))
    loop = [np.stack([g(*a)[k] for a in per]) for k in range(nargs)]
    for got, want in zip(tg.vmap(g)(*batch), loop):
        np.testing.assert_allclose(got, want, rtol=2e-16, atol=0)
    # an unbatched second argument broadcasts against each example
    if nargs == 2:
        y = batch[1][0]
        np.testing.assert_array_equal(tg.vmap(fun, in_axes=(0, None))(batch[0], y),
                                      np.stack([fun(b, y) for b in batch[0]]))


@pytest.mark.parametrize("name", list(RECORDS))
def test_float32_inputs_give_float32_gradients_near_the_float64_ones(name):
    fun, nargs = RECORDS[name][:2]
    args64 = _sample(name, [(3, 4)] * nargs)
    args32 = tuple(a.astype(np.float32) for a in args64)
    nums = tuple(range(nargs))
    g32 = tg.grad(_scalar(fun), argnums=nums)(*args32)
    g64 = tg.grad(_scalar(fun), argnums=nums)(*args64)
    for a, b in zip(g32, g64):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6)
    assert fun(*args32).dtype == tg.jit(fun)(*args32).dtype == np.float32


# ------------------------------------------------------------- special values
def _derivatives(f, n):
    fs = [f]
    for _ in range(n):
        fs.append(tg.grad(fs[-1]))
    return fs


# (function, point, closed forms of f, f', f'', f''' there)
SPECIAL = [
    (np.arcsinh, 0.0, [0.0, 1.0, 0.0, -1.0]),
    (np.arcsinh, 1000.0, [np.arcsinh(1000.0), 1 / np.sqrt(1 + 1e6), -1000.0 / (1 + 1e6) ** 1.5,
                          (2e6 - 1) / (1 + 1e6) ** 2.5]),
    (np.arccosh, 1000.0, [np.arccosh(1000.0), 1 / np.sqrt(1e6 - 1), -1000.0 / (1e6 - 1) ** 1.5,
                          (2e6 + 1) / (1e6 - 1) ** 2.5]),
    (np.arctanh, 0.0, [0.0, 1.0, 0.0, 2.0]),
    (np.sinc, 0.0, [1.0, 0.0, -np.pi ** 2 / 3, 0.0]),
]


@pytest.mark.parametrize("fun, x, closed", SPECIAL, ids=lambda v: getattr(v, "__name__", None))
def test_op_grad_special_values_to_third_order(fun, x, closed):
    tg.check_grads(fun, (x,), order=3, modes=("fwd", "rev"), eps=1e-4, rtol=1e-4, atol=1e-7)
    for k, (d, want) in enumerate(zip(_derivatives(fun, 3), closed)):
        np.testing.assert_allclose(d(x), want, rtol=1e-13, atol=1e-15, err_msg=f"order {k}")
        _same(tg.jit(d)(x), d(x))
        np.testing.assert_array_equal(tg.vmap(d)(np.array([x, x])), np.array([d(x)] * 2))


def test_sinc_at_zero_to_fourth_order_in_every_mode():
    fs = _derivatives(tg.sinc, 4)
    taylor = [1.0, 0.0, -np.pi ** 2 / 3, 0.0, np.pi ** 4 / 5]
    for k, (d, want) in enumerate(zip(fs, taylor)):
        np.testing.assert_allclose(d(0.0), want, rtol=1e-14, err_msg=f"order {k}")
        assert tg.jit(d)(0.0) == d(0.0)
    # forward over reverse and forward over forward give the same numbers
    np.testing.assert_allclose(tg.jvp(fs[1], (0.0,), (1.0,))[1], taylor[2], rtol=1e-14)
    np.testing.assert_allclose(tg.jacfwd(tg.jacfwd(tg.sinc))(0.0), taylor[2], rtol=1e-14)
    # at zero inside an array, beside points where the quotient is used
    x = np.array([0.0, 0.5, -1.5])
    d2 = tg.elementwise_grad(tg.elementwise_grad(np.sinc))(x)
    np.testing.assert_allclose(d2, [fs[2](float(v)) for v in x], rtol=1e-14)
    assert d2.dtype == np.float64
    d2_32 = tg.elementwise_grad(tg.elementwise_grad(np.sinc))(x.astype(np.float32))
    assert d2_32.dtype == np.float32
    np.testing.assert_allclose(d2_32, d2, rtol=1e-5)


def test_sinc_grad_of_an_array_input_is_the_closed_form():
    x = np.arange(10.0)
    g = tg.grad(lambda x: np.sinc(x).sum())(x)
    want = np.array([0.0] + [(-1.0) ** n / n for n in range(1, 10)])
    np.testing.assert_allclose(g, want, rtol=1e-13, atol=1e-15)
    _same(tg.jit(tg.grad(lambda x: np.sinc(x).sum()))(x), g)


# -------------------------------------------------- check_grads past order 2
def _wrong_at_third_order():
    """``x ** 4`` whose third derivative's rule is 0 instead of ``24 x``."""
    quartic = tg.primitive(lambda x: x ** 4, name="quartic")
    cubic = tg.primitive(lambda x: 4 * x ** 3, name="cubic4")
    square = tg.primitive(lambda x: 12 * x ** 2, name="square12")
    tg.defvjp(quartic, lambda g, ans, x: g * cubic(x))
    tg.defjvp(quartic, lambda t, ans, x: t * cubic(x))
    tg.defvjp(cubic, lambda g, ans, x: g * square(x))
    tg.defjvp(cubic, lambda t, ans, x: t * square(x))
    tg.defvjp(square, lambda g, ans, x: g * 0.0)
    tg.defjvp(square, lambda t, ans, x: t * 0.0)
    return quartic


def test_check_grads_takes_any_order_as_jax_and_catches_a_wrong_third_derivative():
    f = _wrong_at_third_order()
    tg.check_grads(f, (1.3,), order=2)
    for modes in (("fwd",), ("rev",)):
        with pytest.raises(AssertionError, match="check_grads"):
            tg.check_grads(f, (1.3,), order=3, modes=modes)
    tg.check_grads(lambda x: x ** 4, (1.3,), order=4)
    tg.check_grads(lambda x, y: tg.sin(x) * tg.exp(y), (0.3, -0.2), order=3)


def _off_by_a_thousandth():
    sin = tg.primitive(np.sin, name="sin_off")
    tg.defvjp(sin, lambda g, ans, x: g * np.cos(x) * 1.001)
    tg.defjvp(sin, lambda t, ans, x: t * np.cos(x) * 1.001)
    return sin


def test_check_grads_takes_jaxs_tolerances_none_or_per_dtype():
    x32, x64 = np.linspace(0.1, 1.0, 3).astype(np.float32), np.linspace(0.1, 1.0, 3)
    tg.check_grads(np.sin, (x32,), 2, ["fwd", "rev"], None, None, None)
    f = _off_by_a_thousandth()
    per_dtype = {np.float32: 1e-2, np.float64: 1e-7}
    tg.check_grads(f, (x32,), 1, rtol=per_dtype, atol=per_dtype)        # float32's: 1e-2
    with pytest.raises(AssertionError, match="check_grads"):
        tg.check_grads(f, (x64,), 1, rtol=per_dtype, atol=per_dtype)    # float64's: 1e-7
    with pytest.raises(AssertionError, match="check_grads"):            # the largest present
        tg.check_grads(lambda a, b: f(a) + b, (x64, 1.0), 1, rtol=per_dtype, atol=per_dtype)
    tg.check_grads(f, (x64,), 1, rtol={np.float16: 1.0}, atol=1e-2)      # absent: the default
