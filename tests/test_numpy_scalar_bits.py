"""A NumPy function of a traced number computes NumPy's bits, under every transform.

``np.tanh(x)`` of a Python float is NumPy's tanh, which rounds differently
from ``math.tanh`` for about one input in six. Code written with NumPy on
numbers must give the same bits traced (``jit``, ``grad``'s value, ``vmap``
against a loop) as run plainly; ``tg.tanh`` keeps ``math``'s fast path.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.numpy_scalars import TWINNED
from tapegrad.numpy_tables import ufuncs

UNARY = [np.exp, np.log, np.sin, np.cos, np.tanh, np.sqrt, np.log1p, np.expm1, np.tan,
         np.arctan, np.sinh, np.cosh, np.arcsin, np.arccos, np.arcsinh, np.arccosh,
         np.arctanh, np.log2, np.log10]
BINARY = [np.arctan2, np.hypot, np.fmod, np.power]

rng = np.random.default_rng(7)
POINTS = np.concatenate([rng.uniform(-3, 3, 150), rng.uniform(-30, 30, 30),
                         [0.0, -0.0, 1.0, -1.0, 0.5, 710.0, -745.5, 1e-300, 1e300,
                          math.inf, -math.inf, math.nan]])


def bits(x):
    """Kind and bits (a nan's payload aside, as the contract says)."""
    return type(x), "nan" if x != x else np.float64(x).tobytes()


def quiet(f, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            return f(*args)


def test_every_twinned_primitive_is_named_by_a_ufunc():
    twinned = {ufuncs[u].name for u in UNARY + BINARY}
    assert twinned == TWINNED


@pytest.mark.parametrize("ufunc", UNARY, ids=lambda u: u.__name__)
def test_jit_of_a_numpy_function_of_a_float_is_numpys_number(ufunc):
    def f(x):
        return ufunc(x) * 1.5 + x

    jf = tg.jit(f)
    for x in POINTS:
        want = quiet(f, float(x))
        assert bits(quiet(jf, float(x))) == bits(want), x
        assert bits(quiet(jf, np.float64(x))) == bits(quiet(f, np.float64(x))), x
    assert jf.trace_count <= 2            # a Python float and an np.float64 argument


@pytest.mark.parametrize("ufunc", BINARY, ids=lambda u: u.__name__)
def test_a_binary_numpy_function_of_traced_floats_is_numpys_number(ufunc):
    def f(x, y):
        return ufunc(x, y) - y

    jf = tg.jit(f)
    for x, y in zip(POINTS, POINTS[::-1]):
        want = quiet(f, float(x), float(y))
        assert bits(quiet(jf, float(x), float(y))) == bits(want), (x, y)
        got = quiet(tg.value_and_grad(f, argnums=(0, 1)), float(x), float(y))[0]
        assert bits(np.float64(got)) == bits(np.float64(want)), (x, y)


@pytest.mark.parametrize("ufunc", UNARY, ids=lambda u: u.__name__)
def test_grad_and_vmap_see_numpys_number(ufunc):
    def f(x):
        return ufunc(x) * x

    xs = POINTS[np.isfinite(POINTS)][:120]
    for x in xs:
        want = quiet(f, float(x))
        value = quiet(tg.value_and_grad(f), float(x))[0]
        assert bits(np.float64(value)) == bits(np.float64(want)), x
    got = quiet(tg.vmap(f), xs)
    want = np.array([quiet(f, float(x)) for x in xs])
    assert [bits(g) for g in got] == [bits(w) for w in want]


@pytest.mark.parametrize("ufunc", [u for u in UNARY if u not in (np.arccosh,)],
                         ids=lambda u: u.__name__)
def test_derivatives_of_the_twins_match_central_differences(ufunc):
    x, h = 0.37, 1e-6
    for order_f in (tg.grad(ufunc), tg.jit(tg.grad(ufunc))):
        want = (ufunc(x + h) - ufunc(x - h)) / (2 * h)
        assert order_f(x) == pytest.approx(want, rel=1e-7)
    second = tg.grad(tg.grad(ufunc))(x)
    fd2 = (tg.grad(ufunc)(x + h) - tg.grad(ufunc)(x - h)) / (2 * h)
    assert second == pytest.approx(fd2, rel=1e-6, abs=1e-8)


def test_arccosh_derivative_matches_central_differences():
    x, h = 1.7, 1e-6
    assert tg.grad(np.arccosh)(x) == pytest.approx(
        (np.arccosh(x + h) - np.arccosh(x - h)) / (2 * h), rel=1e-7)


def test_the_tape_says_numpys_function_ran():
    tape = tg.make_tape(lambda x: np.tanh(x) + tg.tanh(x))(0.3)
    assert str(tape).splitlines()[1:4] == ["v1 = np.tanh v0", "v2 = tanh v0", "v3 = add v1 v2"]


def test_tapegrads_own_functions_keep_maths_bits():
    # tg.tanh of a float is math.tanh under every transform: 0.8 is one of the
    # inputs where NumPy's tanh is an ulp away
    x = 0.8
    assert math.tanh(x) != np.tanh(x)
    assert tg.tanh(x) == math.tanh(x) == tg.jit(tg.tanh)(x)
    assert tg.value_and_grad(tg.tanh)(x)[0] == math.tanh(x)
    assert tg.value_and_grad(np.tanh)(x)[0] == np.tanh(x)


def test_arrays_and_float32_are_numpys_as_before():
    a = np.array([0.8, -1.2, 3.0])
    f = lambda v: np.tanh(v) * 2.0         # noqa: E731
    assert tg.jit(f)(a).tobytes() == f(a).tobytes()
    x32 = np.float32(0.8)
    assert bits(tg.jit(np.tanh)(x32)) == (np.float32, np.tanh(x32).tobytes()) or \
        tg.jit(np.tanh)(x32) == np.tanh(x32)
    assert type(tg.jit(np.tanh)(x32)) is np.float32


def test_ints_keep_their_path():
    # every input an int: NumPy's int arithmetic (np.power) or tapegrad's float path
    assert tg.jit(lambda n: np.exp(n) + n)(2) == np.exp(2) + 2
    assert tg.jit(lambda n, m: np.power(n, m))(2, 3) == 8


@pytest.mark.parametrize("ufunc", UNARY, ids=lambda u: u.__name__)
def test_numpys_float64_stays_float64_beside_float32(ufunc):
    # np.tanh(0.5) is an np.float64, which NumPy does not round to float32
    w = np.array([2.0, -0.5], dtype=np.float32)

    def f(x):
        return ufunc(x) * w + x

    x = 0.5 if ufunc is not np.arccosh else 1.5
    want = f(x)
    assert want.dtype == np.float64
    for got in (tg.jit(f)(x), tg.value_and_grad(lambda x: np.sum(f(x)))(x)[0]):
        assert np.asarray(got).dtype == np.float64
    assert tg.jit(f)(x).tobytes() == want.tobytes()


OPERATORS = {
    "abs(x)": lambda x: abs(x),
    "x ** 2": lambda x: x ** 2,
    "x ** 0.5": lambda x: abs(x) ** 0.5,
    "2.0 ** x": lambda x: 2.0 ** x,
    "x ** x": lambda x: abs(x) ** x,
}


@pytest.mark.parametrize("name", list(OPERATORS))
@pytest.mark.parametrize("x", [np.float64(-1.5), np.float32(-1.5), -1.5, np.float64(0.3)],
                         ids=repr)
def test_pythons_operators_on_an_np_float64_stay_numpys(name, x):
    # abs(np.float64(x)) is an np.float64: beside a float32 array it stays float64
    op, w = OPERATORS[name], np.array([2.0, 0.5], dtype=np.float32)

    def f(x):
        return op(x) * w

    want = f(x)
    got = tg.jit(f)(x)
    assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
    assert bits(tg.jit(op)(x)) == bits(op(x))


def test_tapegrads_functions_by_name_give_floats_of_an_np_float64():
    x = np.float64(-1.5)
    assert type(tg.abs(x)) is float and type(tg.power(x, 2)) is float
    assert type(tg.jit(lambda x: tg.abs(x))(x)) is float
    assert type(tg.jit(lambda x: abs(x))(x)) is np.float64


def test_an_np_float32_to_an_np_float32_power_is_numpys_scalar_math():
    # NumPy's scalar math rounds apart from np.power for about one pair in five
    x, y = np.float32(1.5), np.float32(-1.5)
    assert x ** y != np.power(x, y)
    for f in (lambda x, y: x ** y, lambda x, y: abs(x) ** y * 2.0):
        assert bits(tg.jit(f)(x, y)) == bits(f(x, y))
        assert bits(tg.value_and_grad(f, argnums=(0, 1))(x, y)[0]) == bits(f(x, y))
    assert bits(tg.jit(np.power)(x, y)) == bits(np.power(x, y))       # the ufunc: its own
