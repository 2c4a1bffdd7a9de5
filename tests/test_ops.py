"""Every primitive: values, derivatives against central differences and closed
forms, on floats and on arrays with broadcasting, and the kink conventions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg

# (name, function on a traced or plain number, closed-form derivative, safe point)
UNARY = [
    ("exp", tg.exp, math.exp, 0.7),
    ("log", tg.log, lambda x: 1 / x, 1.3),
    ("sin", tg.sin, math.cos, 0.4),
    ("cos", tg.cos, lambda x: -math.sin(x), 0.4),
    ("tanh", tg.tanh, lambda x: 1 - math.tanh(x) ** 2, 0.3),
    ("sigmoid", tg.sigmoid, lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2, -0.8),
    ("relu", tg.relu, lambda x: float(x > 0), 0.9),
    ("sqrt", tg.sqrt, lambda x: 0.5 / math.sqrt(x), 2.0),
    ("abs", tg.abs, lambda x: math.copysign(1.0, x), -1.5),
    ("neg", lambda x: -x, lambda x: -1.0, 0.5),
    ("square", lambda x: x ** 2, lambda x: 2 * x, -1.2),
    ("cube_float_exp", lambda x: x ** 3.0, lambda x: 3 * x * x, -1.2),
    ("inverse", lambda x: 1 / x, lambda x: -1 / x ** 2, 0.7),
    ("rpow", lambda x: 2.0 ** x, lambda x: math.log(2) * 2 ** x, 0.5),
    ("sum", tg.sum, lambda x: 1.0, 0.5),
    ("mean", tg.mean, lambda x: 1.0, 0.5),
    ("stop_gradient_plus", lambda x: x + tg.stop_gradient(x), lambda x: 1.0, 0.5),
]


@pytest.mark.parametrize("name,f,df,x0", UNARY, ids=[u[0] for u in UNARY])
def test_unary_float(name, f, df, x0):
    g = tg.grad(f)(x0)
    assert g == pytest.approx(df(x0), rel=1e-9, abs=1e-12)   # closed form
    if name != "stop_gradient_plus":
        assert g == pytest.approx(fd(f, x0), rel=1e-6, abs=1e-8)   # numerics
    assert type(tg.grad(f)(x0)) is float


@pytest.mark.parametrize("name,f,df,x0", UNARY, ids=[u[0] for u in UNARY])
def test_unary_array_matches_floats(name, f, df, x0):
    xs = np.array([x0, x0 * 0.5 + 0.1, x0 * 1.5 + 0.05])
    g = tg.grad(lambda x: tg.sum(f(x)))(xs)
    expected = np.array([tg.grad(f)(float(v)) for v in xs])
    if name == "mean":
        expected /= xs.size
    np.testing.assert_allclose(g, expected, rtol=1e-12)
    if name not in ("sum", "mean"):      # reductions are not elementwise
        np.testing.assert_allclose(f(xs), [f(float(v)) for v in xs], rtol=1e-12)


BINARY = [
    ("add", lambda a, b: a + b),
    ("sub", lambda a, b: a - b),
    ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b),
    ("pow", lambda a, b: a ** b),
    ("maximum", tg.maximum),
    ("minimum", tg.minimum),
    ("logaddexp", tg.logaddexp),
]


@pytest.mark.parametrize("name,f", BINARY, ids=[b[0] for b in BINARY])
def test_binary_float_fd(name, f):
    a, b = 1.3, 0.6
    ga, gb = tg.grad(f, argnums=(0, 1))(a, b)
    assert ga == pytest.approx(fd(lambda x: f(x, b), a), rel=1e-6)
    assert gb == pytest.approx(fd(lambda y: f(a, y), b), rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("name,f", BINARY, ids=[b[0] for b in BINARY])
def test_binary_broadcasting(name, f, rng):
    """A float against a (3,) array against a (2, 1) array: cotangents are
    summed back to each input's shape."""
    a = rng.uniform(0.5, 2.0, size=(2, 1))
    b = rng.uniform(0.5, 2.0, size=(3,))
    w = 0.8
    fun = lambda a, b, w: tg.sum(f(a * w, b))
    ga, gb, gw = tg.grad(fun, argnums=(0, 1, 2))(a, b, w)
    assert ga.shape == a.shape and gb.shape == b.shape and np.shape(gw) == ()
    np.testing.assert_allclose(ga, fd(lambda x: fun(x, b, w), a), rtol=1e-6)
    np.testing.assert_allclose(gb, fd(lambda y: fun(a, y, w), b), rtol=1e-6, atol=1e-9)
    assert gw == pytest.approx(fd(lambda v: fun(a, b, v), w), rel=1e-6)


def test_closed_forms_binary():
    assert tg.grad(lambda a, b: a * b, argnums=(0, 1))(3.0, 4.0) == (4.0, 3.0)
    assert tg.grad(lambda a, b: a / b, argnums=(0, 1))(3.0, 2.0) == (0.5, -0.75)
    assert tg.grad(lambda a: a ** 3)(2.0) == 12.0
    assert tg.grad(lambda b: 2.0 ** b)(3.0) == pytest.approx(8 * math.log(2))


def test_where_and_reductions(rng):
    x = rng.normal(size=(4, 3))
    f = lambda x: tg.sum(tg.where(x > 0, x * x, -x))
    np.testing.assert_allclose(tg.grad(f)(x), np.where(x > 0, 2 * x, -1.0))
    assert tg.grad(lambda x: tg.mean(x * x))(x) == pytest.approx(2 * x / x.size)
    assert tg.sum(x) == pytest.approx(float(np.sum(x)))
    assert type(tg.sum(x)) is np.float64 and tg.mean(2.5) == 2.5      # as np.sum's


def test_logsumexp_softmax(rng):
    xs = [0.3, -1.2, 2.0]
    assert tg.logsumexp(xs) == pytest.approx(math.log(sum(math.exp(v) for v in xs)))
    g = tg.grad(lambda a, b, c: tg.logsumexp([a, b, c]), argnums=(0, 1, 2))(*xs)
    sm = tg.softmax(xs)
    assert list(g) == pytest.approx(sm)
    assert sum(sm) == pytest.approx(1.0)
    arr = [rng.normal(size=3), rng.normal(size=3)]
    np.testing.assert_allclose(tg.logsumexp(arr), np.logaddexp(arr[0], arr[1]))
    with pytest.raises(ValueError, match="empty"):
        tg.logsumexp([])


def test_second_derivatives_of_primitives():
    cases = [(tg.exp, math.exp, 0.3), (tg.sin, lambda x: -math.sin(x), 0.3),
             (tg.log, lambda x: -1 / x ** 2, 1.7),
             (tg.tanh, lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2), 0.4),
             (tg.sqrt, lambda x: -0.25 * x ** -1.5, 2.0),
             (lambda x: x ** 3, lambda x: 6 * x, 1.1)]
    for f, d2, x in cases:
        assert tg.grad(tg.grad(f))(x) == pytest.approx(d2(x), rel=1e-9)


def test_tanh_to_order_three():
    t = math.tanh(0.5)
    d3 = -2 * (1 - t * t) * (1 - 3 * t * t)
    assert tg.grad(tg.grad(tg.grad(tg.tanh)))(0.5) == pytest.approx(d3, rel=1e-9)


# ----------------------------------------------------- IEEE and conventions
def test_ieee_values_floats_and_arrays():
    for x in (0.0, np.zeros(2)):
        assert np.all(tg.log(x) == -np.inf)
        assert np.all(np.isnan(tg.sqrt(x - 1.0)))
        assert np.all(tg.exp(x + 1000.0) == np.inf)
    assert tg.log(-1.0) != tg.log(-1.0)           # nan
    assert math.isnan(tg.sin(math.inf))
    f = lambda x: 1.0 / x
    assert tg.value_and_grad(f)(0.0) == (math.inf, -math.inf)
    v, g = tg.value_and_grad(lambda x: tg.sum(1.0 / x))(np.zeros(2))
    assert v == math.inf and np.all(g == -np.inf)


def test_negative_base_is_nan_never_complex():
    v = tg.grad(lambda x: x ** (1 / 3))(-8.0)
    assert isinstance(v, float) and math.isnan(v)
    tape = tg.make_tape(lambda x: x ** (1 / 3))(-8.0)
    y = tape.record(len(tape) - 1).ans
    assert isinstance(y, float) and math.isnan(y)
    assert tg.grad(lambda x: x ** 3)(-2.0) == 12.0
    assert tg.grad(lambda x: x ** 3.0)(-2.0) == 12.0
    assert math.isnan(tg.grad(lambda y: (-2.0) ** y)(3.0))


def test_kink_conventions_beyond_the_traps():
    """TRAPS rows 4-11 are in test_traps.py; here the remaining cases: the
    abs() operator, both argument orders of minimum, ties on arrays, and the
    second derivative at kinks."""
    assert tg.grad(lambda x: abs(x))(0.0) == 0.0
    assert tg.grad(lambda x: tg.minimum(0.0, x))(0.0) == 0.5
    assert list(tg.grad(tg.maximum, argnums=(0, 1))(1.0, 1.0)) == [0.5, 0.5]
    ties = np.array([0.0, 1.0, -1.0])
    np.testing.assert_array_equal(
        tg.grad(lambda x: tg.sum(tg.maximum(x, 0.0)))(ties), [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(tg.abs(x)))(ties), [0.0, 1.0, -1.0])
    assert tg.grad(tg.grad(tg.relu))(0.0) == 0.0
    assert tg.grad(tg.grad(lambda x: x ** 0))(0.0) == 0.0


def test_stability_at_1000():
    assert tg.exp(1000.0) == math.inf
    assert tg.sigmoid(-1000.0) == 0.0 and tg.sigmoid(1000.0) == 1.0
    assert tg.tanh(1000.0) == 1.0
    assert tg.logsumexp([1000.0, 1000.0]) == pytest.approx(1000 + math.log(2))
    assert tg.softmax([1000.0, -1000.0]) == [1.0, 0.0]
    for f in (tg.sigmoid, tg.tanh, lambda x: tg.logsumexp([x, x]),
              lambda x: tg.softmax([x, 0.0])[0]):
        for x in (-1000.0, 1000.0):
            assert math.isfinite(f(x)) and math.isfinite(tg.grad(f)(x))
    a = np.array([-1000.0, 0.0, 1000.0])
    assert np.all(np.isfinite(tg.grad(lambda x: tg.sum(tg.sigmoid(x)))(a)))
    np.testing.assert_allclose(tg.sigmoid(a), [0.0, 0.5, 1.0])
    assert tg.sigmoid(-30.0) == pytest.approx(1 / (1 + math.exp(30)), rel=1e-12)


def test_zero_cotangent_contributes_exactly_zero():
    assert tg.grad(lambda x: tg.where(x > 0, 1 / x, 0.0))(0.0) == 0.0
    assert tg.grad(lambda x: tg.where(x >= 0, x, tg.sqrt(-x)))(1.0) == 1.0
    x = np.array([0.0, 2.0])
    g = tg.grad(lambda x: tg.sum(tg.where(x > 0, 1 / x, 0.0)))(x)
    np.testing.assert_array_equal(g, [0.0, -0.25])


def test_integer_inputs_and_constants():
    assert tg.grad(lambda x: x * x)(2) == 4.0
    assert type(tg.grad(lambda x: x * x)(2)) is float
    g = tg.grad(lambda x: tg.sum(x * x))(np.arange(3).astype(float))
    assert g.dtype == np.float64 and list(g) == [0.0, 2.0, 4.0]
    with pytest.raises(TypeError, match=r"x is an array of dtype int64: integer arrays are "
                       r"data.*not in argnums.*astype\(float\)"):
        tg.grad(lambda x: tg.sum(x * x))(np.arange(3))     # never differentiated
    assert tg.exp(0) == 1.0 and tg.relu(-3) == 0.0 and tg.relu(3) == 3.0


def test_where_broadcasting_fd(rng):
    a = rng.normal(size=(3,))
    b = 0.7
    cond = rng.normal(size=(2, 1)) > 0
    fun = lambda a, b: tg.sum(tg.where(cond, tg.sin(a), b * b))
    ga, gb = tg.grad(fun, argnums=(0, 1))(a, b)
    assert ga.shape == (3,) and np.shape(gb) == ()
    np.testing.assert_allclose(ga, fd(lambda x: fun(x, b), a), rtol=1e-6)
    assert gb == pytest.approx(fd(lambda y: fun(a, y), b), rel=1e-6)
    np.testing.assert_allclose(ga, np.cos(a) * cond.sum())


def test_logsumexp_softmax_fd():
    xs = [0.3, -1.2, 2.0]
    for f in (lambda a: tg.logsumexp([a, -1.2, 2.0]), lambda a: tg.softmax([a, -1.2, 2.0])[1]):
        assert tg.grad(f)(xs[0]) == pytest.approx(fd(f, xs[0]), rel=1e-6)


def test_pow_cross_derivative_at_a_zero_exponent():
    """d2/dx dy x**y = x**(y-1) (1 + y log x): 0.5 at (2, 0). The flat x**0
    convention must not cut the derivative with respect to the exponent."""
    f = lambda y: tg.grad(lambda x: x ** y)(2.0)
    assert tg.grad(f)(0.0) == pytest.approx(0.5)
    assert tg.grad(f)(1.5) == pytest.approx(2 ** 0.5 * (1 + 1.5 * math.log(2)))


def test_sum_and_mean_of_a_list_stack_it_first_as_numpy_does():
    a, b = np.array([1.0, 2.0]), np.array([3.0, 5.0])
    assert tg.sum([a, b]) == np.sum([a, b]) and tg.mean([a, b]) == np.mean([a, b])
    assert tg.sum([1.0, 2.0, 3.5]) == 6.5 and tg.mean([1.0, 2.0, 6.0]) == 3.0
    # d/da sum([a, a*b]) = 1 + b; d/db = a; the mean divides by the count
    assert tg.grad(lambda a, b: tg.sum([a, a * b]), argnums=(0, 1))(2.0, 3.0) == (4.0, 2.0)
    g = tg.grad(lambda x: tg.mean([x, 2.0 * x]))(np.array([1.0, 2.0]))
    assert np.array_equal(g, np.full(2, 3.0 / 4.0))
    with pytest.raises(ValueError, match="different shapes"):
        tg.sum([a, 1.0 * np.ones(3)])
