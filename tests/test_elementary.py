"""NumPy's further elementwise functions on traced values (tapegrad/elementary.py).

Each function, called as ``np.<name>`` and as ``tg.<name>``: NumPy's values
bit for bit (floats, float64 and float32 arrays, empty arrays), derivatives
against central differences and closed forms in both modes and at order 2,
``jit`` bit for bit against eager, ``vmap`` against a Python loop, and JAX's
values and gradients where JAX is installed. The predicates (``isnan``...)
give booleans with no derivative, usable in ``tg.where`` under every
transform.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapegrad as tg

# name -> (the NumPy function, sample inputs inside its domain: one list per argument)
UNARY: dict[str, tuple[Any, list[float]]] = {
    "arcsin": (np.arcsin, [-0.7, -0.1, 0.3, 0.9]),
    "arccos": (np.arccos, [-0.7, -0.1, 0.3, 0.9]),
    "arcsinh": (np.arcsinh, [-2.5, -0.1, 0.3, 4.0]),
    "arccosh": (np.arccosh, [1.2, 1.9, 3.0, 10.0]),
    "arctanh": (np.arctanh, [-0.7, -0.1, 0.3, 0.9]),
    "log2": (np.log2, [0.2, 1.0, 3.0, 1e3]),
    "log10": (np.log10, [0.2, 1.0, 3.0, 1e3]),
    "exp2": (np.exp2, [-3.0, -0.1, 0.5, 7.0]),
    "cbrt": (np.cbrt, [-8.0, -0.3, 0.2, 27.0]),
    "reciprocal": (np.reciprocal, [-4.0, -0.3, 0.2, 8.0]),
    "deg2rad": (np.deg2rad, [-180.0, -1.0, 45.0, 720.0]),
    "radians": (np.radians, [-180.0, -1.0, 45.0, 720.0]),
    "rad2deg": (np.rad2deg, [-3.0, -0.1, 0.5, 7.0]),
    "degrees": (np.degrees, [-3.0, -0.1, 0.5, 7.0]),
}
BINARY: dict[str, tuple[Any, list[float], list[float]]] = {
    "arctan2": (np.arctan2, [-0.7, 0.3, 1.5, -2.0], [0.4, -1.2, 2.0, -0.5]),
    "hypot": (np.hypot, [-0.7, 0.3, 1.5, -2.0], [0.4, -1.2, 2.0, -0.5]),
    "logaddexp2": (np.logaddexp2, [-0.7, 0.3, 1.5, 40.0], [0.4, -1.2, 2.0, -30.0]),
    "float_power": (np.float_power, [0.7, 1.3, 2.5, 4.0], [0.4, -1.2, 2.0, 3.0]),
    "copysign": (np.copysign, [-0.7, 0.3, 1.5, -2.0], [0.4, -1.2, 2.0, -0.5]),
    "fmax": (np.fmax, [-0.7, 0.3, 1.5, -2.0], [0.4, -1.2, 2.0, -0.5]),
    "fmin": (np.fmin, [-0.7, 0.3, 1.5, -2.0], [0.4, -1.2, 2.0, -0.5]),
    "fmod": (np.fmod, [-7.3, 5.2, 1.5, -2.0], [3.0, -1.7, 0.4, 0.9]),
}
PREDICATES = {"isnan": np.isnan, "isinf": np.isinf, "isfinite": np.isfinite,
              "signbit": np.signbit}
SPECIALS = [0.0, -0.0, 1.5, -2.0, np.inf, -np.inf, np.nan]


def same_bits(a: Any, b: Any) -> None:
    """Equal values with equal dtypes, NaNs and signed zeros included."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape, (a, b)
    np.testing.assert_array_equal(a, b)
    assert np.array_equal(np.signbit(a), np.signbit(b)), (a, b)


def central(f: Callable[[float], float], x: float, h: float = 1e-6) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)


def _fns(name: str) -> tuple[Any, Any]:
    return (UNARY.get(name) or BINARY[name])[0], getattr(tg, name)


# ------------------------------------------------------------------ values
@pytest.mark.parametrize("name", [*UNARY, *BINARY])
def test_values_are_numpys_for_floats_and_arrays_of_each_dtype(name: str) -> None:
    np_f, tg_f = _fns(name)
    args = [UNARY[name][1]] if name in UNARY else list(BINARY[name][1:])
    for dtype in (np.float64, np.float32):
        arrays = [np.array(a, dtype=dtype) for a in args]
        same_bits(tg_f(*arrays), np_f(*arrays))
        same_bits(np_f(*[tg.stop_gradient(a) for a in arrays]), np_f(*arrays))
    for k in range(len(args[0])):   # Python floats: computed by math, as exp's; within an ulp
        got = tg_f(*[a[k] for a in args])
        assert type(got) is float
        assert got == pytest.approx(float(np_f(*[np.float64(a[k]) for a in args])), rel=3e-16)
    empty = [np.zeros((0, 3)) for _ in args]
    same_bits(tg_f(*empty), np_f(*empty))


@pytest.mark.parametrize("name", [*UNARY])
def test_ieee_values_at_the_edges_as_numpy(name: str) -> None:
    np_f, tg_f = _fns(name)
    with np.errstate(all="ignore"):
        for x in SPECIALS:
            want = np_f(np.float64(x))
            for got in (tg_f(x), tg.jit(tg_f)(x)):
                assert type(got) is float
                if math.isnan(want):
                    assert math.isnan(got)
                elif not (math.isfinite(want) and want != 0):
                    same_bits(np.float64(got), want)        # infs, signed zeros
                else:
                    assert got == pytest.approx(float(want), rel=3e-16)
        xs = np.array(SPECIALS)
        same_bits(tg_f(xs), np_f(xs))


@pytest.mark.parametrize("name", [*UNARY, *BINARY])
def test_each_is_what_numpys_function_runs_on_a_traced_value(name: str) -> None:
    np_f, tg_f = _fns(name)
    n = 1 if name in UNARY else 2
    x = np.array([0.3, 0.6])
    g_np = tg.grad(lambda x: tg.sum(np_f(*([x] * n) if n == 1 else (x, x + 1.0))))(x)
    g_tg = tg.grad(lambda x: tg.sum(tg_f(*([x] * n) if n == 1 else (x, x + 1.0))))(x)
    same_bits(g_np, g_tg)


# ------------------------------------------------------------ derivatives
@pytest.mark.parametrize("name", [*UNARY])
def test_unary_derivatives_against_central_differences_orders_1_and_2(name: str) -> None:
    np_f, tg_f = _fns(name)
    f = lambda x: float(np_f(np.float64(x)))      # noqa: E731
    d1 = lambda x: central(f, x)                  # noqa: E731
    for x in UNARY[name][1]:
        scale = max(1.0, abs(x))
        assert tg.grad(tg_f)(x) == pytest.approx(d1(x), rel=1e-6, abs=1e-8 * scale)
        assert tg.jvp(tg_f, (x,), (1.0,))[1] == pytest.approx(d1(x), rel=1e-6, abs=1e-8)
        d2 = central(lambda t: float(tg.grad(tg_f)(t)), x, 1e-5)
        assert tg.grad(tg.grad(tg_f))(x) == pytest.approx(d2, rel=1e-5, abs=1e-6)
        assert tg.hessian(tg_f)(np.array(x)) == pytest.approx(d2, rel=1e-5, abs=1e-6)


def _closed_forms() -> dict[str, Callable[[float], float]]:
    return {"arcsin": lambda x: 1 / math.sqrt(1 - x * x),
            "arccos": lambda x: -1 / math.sqrt(1 - x * x),
            "arcsinh": lambda x: 1 / math.sqrt(x * x + 1),
            "arccosh": lambda x: 1 / math.sqrt(x * x - 1),
            "arctanh": lambda x: 1 / (1 - x * x),
            "log2": lambda x: 1 / (x * math.log(2)), "log10": lambda x: 1 / (x * math.log(10)),
            "exp2": lambda x: 2 ** x * math.log(2), "cbrt": lambda x: abs(x) ** (-2 / 3) / 3,
            "reciprocal": lambda x: -1 / x ** 2, "deg2rad": lambda x: math.pi / 180,
            "radians": lambda x: math.pi / 180, "rad2deg": lambda x: 180 / math.pi,
            "degrees": lambda x: 180 / math.pi}


@pytest.mark.parametrize("name", [*UNARY])
def test_unary_derivatives_equal_their_closed_forms(name: str) -> None:
    tg_f, d = getattr(tg, name), _closed_forms()[name]
    for x in UNARY[name][1]:
        assert tg.grad(tg_f)(x) == pytest.approx(d(x), rel=1e-13)


@pytest.mark.parametrize("name", [*BINARY])
def test_binary_partials_against_central_differences_both_modes(name: str) -> None:
    np_f, tg_f = _fns(name)
    for a, b in zip(*BINARY[name][1:]):
        ga, gb = tg.grad(tg_f, argnums=(0, 1))(a, b)
        fa = central(lambda t: float(np_f(t, b)), a)
        fb = central(lambda t: float(np_f(a, t)), b)
        assert ga == pytest.approx(fa, rel=1e-6, abs=1e-8)
        assert gb == pytest.approx(fb, rel=1e-6, abs=1e-8)
        ta = tg.jvp(tg_f, (a, b), (1.0, 0.0))[1]
        tb = tg.jvp(tg_f, (a, b), (0.0, 1.0))[1]
        assert (ta, tb) == (pytest.approx(ga, rel=1e-14, abs=1e-300),
                            pytest.approx(gb, rel=1e-14, abs=1e-300))


@pytest.mark.parametrize("name", ["arctan2", "hypot", "logaddexp2", "float_power"])
def test_binary_second_derivatives_against_central_differences(name: str) -> None:
    _, tg_f = _fns(name)
    for a, b in zip(*BINARY[name][1:]):
        h = tg.hessian(lambda v: tg_f(v[0], v[1]))(np.array([a, b]))
        for i in range(2):
            def gi(t: float, j: int, i: int = i) -> float:
                v = np.array([a, b])
                v[j] += t
                return float(tg.grad(lambda w: tg_f(w[0], w[1]))(v)[i])
            for j in range(2):
                fd = central(lambda t: gi(t, j), 0.0, 1e-5)
                assert h[i, j] == pytest.approx(fd, rel=1e-5, abs=1e-6)


def test_kinks_and_ties_follow_the_maximums_conventions() -> None:
    assert tg.grad(tg.fmax, argnums=(0, 1))(1.0, 1.0) == (0.5, 0.5)
    assert tg.grad(tg.fmin, argnums=(0, 1))(1.0, 1.0) == (0.5, 0.5)
    nan = float("nan")
    assert tg.grad(tg.fmax, argnums=(0, 1))(nan, 2.0) == (0.0, 1.0)   # the NaN is skipped
    assert tg.grad(tg.fmin, argnums=(0, 1))(2.0, nan) == (1.0, 0.0)
    assert tg.grad(tg.copysign, argnums=(0, 1))(-2.0, -1.0) == (1.0, 0.0)
    assert tg.grad(tg.copysign)(2.0, -0.0) == -1.0                   # -0.0 is negative
    assert tg.grad(tg.heaviside, argnums=(0, 1))(0.0, 0.5) == (0.0, 1.0)
    assert tg.grad(tg.heaviside, argnums=(0, 1))(2.0, 0.5) == (0.0, 0.0)
    assert tg.grad(tg.fmod, argnums=(0, 1))(-7.0, 3.0) == (1.0, 2.0)   # trunc(-7/3) = -2


def test_float_power_computes_in_float64() -> None:
    x = np.array([1.5, 2.5], dtype=np.float32)
    same_bits(tg.float_power(x, 2.0), np.float_power(x, 2.0))
    g = tg.grad(lambda x: tg.sum(tg.float_power(x, 3.0)))(x)
    assert g.dtype == np.float32          # the gradient has the argument's dtype
    np.testing.assert_allclose(g, 3 * x.astype(float) ** 2, rtol=1e-7)


@pytest.mark.parametrize("name", [*UNARY, *BINARY])
def test_float32_gradients_stay_float32(name: str) -> None:
    _, tg_f = _fns(name)
    args = [UNARY[name][1]] if name in UNARY else list(BINARY[name][1:])
    arrays = [np.array(a, dtype=np.float32) for a in args]
    g = tg.grad(lambda x: tg.sum(tg_f(x, *arrays[1:])))(arrays[0])
    assert g.dtype == np.float32


# ----------------------------------------------------------------- transforms
@pytest.mark.parametrize("name", [*UNARY, *BINARY])
def test_jit_is_bit_for_bit_eager_values_and_gradients(name: str) -> None:
    _, tg_f = _fns(name)
    args = [UNARY[name][1]] if name in UNARY else list(BINARY[name][1:])
    arrays = [np.array(a) for a in args]
    loss = lambda *xs: tg.sum(tg_f(*xs) * tg_f(*xs))      # noqa: E731
    nums = tuple(range(len(arrays)))
    same_bits(tg.jit(tg_f)(*arrays), tg_f(*arrays))
    for e, j in zip(tg.grad(loss, nums)(*arrays), tg.jit(tg.grad(loss, nums))(*arrays)):
        same_bits(j, e)
    for k in range(len(args[0])):                         # floats: the float spellings
        xs = [a[k] for a in args]
        assert tg.jit(tg_f)(*xs) == tg_f(*xs)
        assert tg.jit(tg.grad(tg_f))(*xs) == tg.grad(tg_f)(*xs)
        assert tg.jit(tg.grad(tg.grad(tg_f)))(*xs) == tg.grad(tg.grad(tg_f))(*xs)


@pytest.mark.parametrize("name", [*UNARY, *BINARY])
def test_vmap_equals_a_python_loop(name: str) -> None:
    _, tg_f = _fns(name)
    args = [UNARY[name][1]] if name in UNARY else list(BINARY[name][1:])
    X = np.array(args).T                                  # (4, nargs): one row an example
    f = lambda row: tg_f(*[row[i] for i in range(len(args))])      # noqa: E731
    for fun in (f, tg.grad(lambda row: f(row) ** 2)):   # an example's floats go through
        looped = np.stack([np.asarray(fun(row)) for row in X])   # math, the batch NumPy:
        np.testing.assert_allclose(tg.vmap(fun)(X), looped, rtol=5e-16, atol=0)  # an ulp
        same_bits(tg.jit(tg.vmap(fun))(X), tg.vmap(fun)(X))


def test_make_tape_replays_them() -> None:
    def f(x: Any) -> Any:
        return tg.sum(np.arcsin(x) * np.log2(x + 1.0) + np.hypot(x, 2.0))
    x = np.array([0.1, 0.5])
    tape = tg.make_tape(f)(x)
    y = np.array([0.2, 0.7])
    same_bits(tape(y), f(y))
    assert "arcsin" in str(tape) and "hypot" in str(tape)


# ----------------------------------------------------------------- predicates
@pytest.mark.parametrize("name", [*PREDICATES])
def test_predicates_give_numpys_booleans_under_every_transform(name: str) -> None:
    np_f, tg_f = PREDICATES[name], getattr(tg, name)
    xs = np.array(SPECIALS)
    same_bits(tg_f(xs), np_f(xs))
    for x in SPECIALS:
        assert tg_f(x) is bool(np_f(x))
        assert tg.jit(tg_f)(x) == bool(np_f(x))
    same_bits(tg.jit(tg_f)(xs), np_f(xs))
    np.testing.assert_array_equal(tg.vmap(tg_f)(xs), np_f(xs))
    safe = lambda x: tg.sum(tg.where(np_f(x), 0.0, x * x))      # noqa: E731
    x = np.array([0.5, -0.0, 2.0])
    expect = np.where(np_f(x), 0.0, 2 * x)
    for g in (tg.grad(safe), tg.jit(tg.grad(safe))):   # a zero's sign: that of 0 * 2x
        np.testing.assert_array_equal(g(x), expect)


def test_isnan_guards_a_nan_out_of_a_gradient() -> None:
    def loss(x: Any) -> Any:            # a program that masks its NaNs with np.isnan
        y = np.log(x)
        return np.sum(np.where(np.isnan(y), 0.0, y))
    x = np.array([-1.0, 2.0, 4.0])
    expect = np.array([0.0, 0.5, 0.25])
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(tg.grad(loss)(x), expect)
        same_bits(tg.jit(tg.grad(loss))(x), tg.grad(loss)(x))
        np.testing.assert_array_equal(tg.vmap(tg.grad(loss))(np.stack([x, x[::-1]])),
                                      np.stack([expect, expect[::-1]]))


def test_a_python_branch_on_a_predicate_is_a_guard() -> None:
    def f(x: float) -> Any:
        return 0.0 if np.isinf(x) else x * x
    jf = tg.jit(tg.grad(f))
    assert jf(3.0) == 6.0 and jf(np.inf) == 0.0 and jf(-2.0) == -4.0


def test_logical_xor() -> None:
    a, b = np.array([True, True, False]), np.array([True, False, False])
    x = np.array([1.0, -1.0, 2.0])
    same_bits(tg.logical_xor(a, b), np.logical_xor(a, b))
    f = lambda x: tg.sum(tg.where(np.logical_xor(x > 0, x > 1.5), x, 0.0))   # noqa: E731
    same_bits(tg.grad(f)(x), np.array([1.0, 0.0, 0.0]))
    same_bits(tg.jit(tg.grad(f))(x), np.array([1.0, 0.0, 0.0]))
    assert tg.logical_xor(True, False) is True


def test_positive_fabs_and_conjugate_on_traced_values() -> None:
    x = np.array([-1.5, 2.0])
    same_bits(tg.grad(lambda x: tg.sum(np.positive(x) * np.conjugate(x)))(x), 2 * x)
    same_bits(tg.grad(lambda x: tg.sum(np.fabs(x)))(x), np.sign(x))


# ----------------------------------------------------------------- against JAX
@pytest.mark.parametrize("name", [*UNARY, *BINARY])
def test_values_and_gradients_against_jax(name: str) -> None:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    _, tg_f = _fns(name)
    jf = getattr(jnp, name)
    args = [UNARY[name][1]] if name in UNARY else list(BINARY[name][1:])
    arrays = [np.array(a) for a in args]
    loss_tg = lambda *xs: tg.sum(tg_f(*xs) ** 2)      # noqa: E731
    loss_jx = lambda *xs: jnp.sum(jf(*xs) ** 2)       # noqa: E731
    nums = tuple(range(len(arrays)))
    np.testing.assert_allclose(tg_f(*arrays), jf(*arrays), rtol=1e-13)
    for a, b in zip(tg.grad(loss_tg, nums)(*arrays), jax.grad(loss_jx, nums)(*arrays)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-300)
