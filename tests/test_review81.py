"""NumPy's dtypes and bits for ``**`` and ``np.var(..., where=)`` on traced values."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

POWERS = {
    "x ** 2": lambda a: a ** 2,
    "x ** np.float32(2)": lambda a: a ** np.float32(2),
    "x ** np.int8(2)": lambda a: a ** np.int8(2),
    "x ** x": lambda a: a ** a,
    "2 ** x": lambda a: 2 ** a,
    "np.power(x, 2)": lambda a: np.power(a, 2),
    "x ** 2.5": lambda a: a ** 2.5,
}


@pytest.mark.parametrize("name", list(POWERS))
@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.uint8, np.int64, np.float32, np.float64])
def test_power_of_arrays_keeps_numpys_dtype(name: str, dtype: type) -> None:
    f = POWERS[name]
    x = np.array([1, 2, 3]).astype(dtype)
    want = f(x)
    got = tg.jit(f)(x)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_square_of_a_bool_array() -> None:
    x = np.array([True, False, True])      # NumPy's bool_array ** 2 is np.square: int8
    assert tg.jit(lambda a: a ** 2)(x).dtype == (x ** 2).dtype
    assert tg.jit(lambda a: np.power(a, 2))(x).dtype == np.power(x, 2).dtype


def test_power_of_a_traced_bool_is_pythons() -> None:
    f = lambda x: (x > 0) ** 2          # noqa: E731
    for x in (1.0, -1.0):
        want = f(x)
        got = tg.jit(f)(x)
        assert type(got) is type(want) and got == want


def test_power_gradient_still_matches_differences() -> None:
    f = lambda x: np.sum(x ** np.float32(3))       # noqa: E731
    x = np.array([0.5, 1.5, -2.0])
    eps = 1e-6
    fd = [(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(3)]
    np.testing.assert_allclose(tg.grad(f)(x), fd, rtol=1e-6)


WHERE_SUMS = {
    "sum": lambda v, m: np.sum(v, where=m),
    "sum axis 0": lambda v, m: np.sum(v, axis=0, where=m),
    "sum of a traced mask": lambda v, m: np.sum(v, axis=1, where=v > 0),
    "method": lambda v, m: v.sum(where=m),
    "mean": lambda v, m: np.mean(v, where=m),
    "mean keepdims": lambda v, m: np.mean(v, axis=1, keepdims=True, where=m),
}


@pytest.mark.parametrize("name", list(WHERE_SUMS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.bool_])
def test_sum_with_where_is_numpys_bits_and_dtype(name: str, dtype: type) -> None:
    f = WHERE_SUMS[name]
    rng = np.random.default_rng(0)
    for _ in range(10):
        n = int(rng.integers(2, 40))
        mask = rng.random((3, n)) > 0.3
        x = (rng.standard_normal((3, n)) * 5).astype(dtype)
        want, got = f(x, mask), tg.jit(f)(x, mask)
        assert np.asarray(got).dtype == np.asarray(want).dtype
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", list(WHERE_SUMS))
def test_sum_with_where_under_vmap_is_a_loop(name: str) -> None:
    f = WHERE_SUMS[name]
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 3, 21))
    mask = rng.random((4, 3, 21)) > 0.3
    want = np.stack([f(a, m) for a, m in zip(x, mask)])
    np.testing.assert_array_equal(tg.vmap(f)(x, mask), want)


def _differences(f: object, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    fd = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        fd[i] = (f(x + e) - f(x - e)) / (2 * eps)  # type: ignore[operator]
    return fd


@pytest.mark.parametrize("name", list(WHERE_SUMS))
def test_sum_with_where_derivatives_match_differences(name: str) -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 7))
    mask = rng.random((3, 7)) > 0.3
    w = rng.standard_normal(np.shape(WHERE_SUMS[name](x, mask)))
    f = lambda v: np.sum(WHERE_SUMS[name](v, mask) * w)  # noqa: E731
    np.testing.assert_allclose(tg.grad(f)(x), _differences(f, x), rtol=1e-6, atol=1e-8)
    t = rng.standard_normal(x.shape)
    _, dot = tg.jvp(f, (x,), (t,))
    np.testing.assert_allclose(dot, np.sum(_differences(f, x) * t), rtol=1e-6)


@pytest.mark.parametrize("ddof", [0, 1])
@pytest.mark.parametrize("func", [np.var, np.std])
def test_var_with_where_is_numpys_bits(func: object, ddof: int) -> None:
    rng = np.random.default_rng(0)
    for _ in range(30):
        mask = rng.random(17) > 0.3
        x = rng.standard_normal(17)
        f = lambda v: func(v, ddof=ddof, where=mask)  # type: ignore[operator]  # noqa: E731
        assert tg.jit(f)(x) == f(x)
        assert tg.value_and_grad(f)(x)[0] == f(x)


def test_var_with_where_gradient_matches_differences() -> None:
    rng = np.random.default_rng(1)
    mask = rng.random((3, 6)) > 0.3
    x = rng.standard_normal((3, 6))
    f = lambda v: np.sum(np.var(v, axis=1, where=mask) * np.arange(1.0, 4.0))  # noqa: E731
    eps = 1e-6
    fd = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        fd[i] = (f(x + e) - f(x - e)) / (2 * eps)
    np.testing.assert_allclose(tg.grad(f)(x), fd, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("more", [{"correction": 1}, {"where": np.array([True, False, True])}])
def test_var_dtype_with_where_or_correction_is_numpys(more: dict[str, object]) -> None:
    x = np.array([1.0, 2.0, 4.0])
    want = np.std(x, dtype=np.float32, **more)          # NumPy takes it, and so do we
    got = tg.jit(lambda v: np.std(v, dtype=np.float32, **more))(x)
    assert got.dtype == want.dtype and got.tobytes() == want.tobytes()


INITIALS = {
    "sum": lambda v: np.sum(v, initial=0.3),
    "sum axis 0": lambda v: np.sum(v, axis=0, initial=0.3),
    "sum axis 1": lambda v: np.sum(v, 1, initial=-2.5),
    "sum where": lambda v: np.sum(v, axis=0, where=v > 0, initial=2.0),
    "prod axis 1": lambda v: np.prod(v[:, :5], axis=1, initial=1.5),
    "prod keepdims": lambda v: np.prod(v[:, :5], axis=0, keepdims=True, initial=0.7),
}


@pytest.mark.parametrize("name", list(INITIALS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_initial_is_numpys_bits(name: str, dtype: type) -> None:
    f = INITIALS[name]
    rng = np.random.default_rng(4)
    for _ in range(10):
        x = (rng.standard_normal((6, 9)) * 10.0 ** rng.integers(-3, 5, (6, 9))).astype(dtype)
        want, got = f(x), tg.jit(f)(x)
        assert np.asarray(got).dtype == np.asarray(want).dtype
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(tg.vmap(f)(np.stack([x, x / 3])),
                                      np.stack([f(x), f(x / 3)]))


@pytest.mark.parametrize("name", list(INITIALS))
def test_initial_derivatives_match_differences(name: str) -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 9))
    w = rng.standard_normal(np.shape(INITIALS[name](x)))
    f = lambda v: np.sum(INITIALS[name](v) * w)  # noqa: E731
    np.testing.assert_allclose(tg.grad(f)(x), _differences(f, x), rtol=1e-6, atol=1e-8)
    t = rng.standard_normal(x.shape)
    np.testing.assert_allclose(tg.jvp(f, (x,), (t,))[1], np.sum(_differences(f, x) * t),
                               rtol=1e-6)
