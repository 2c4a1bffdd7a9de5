"""The kinks' derivatives at a nan, the same in every transform.

``abs`` (its derivative is ``sign``) and the ``max``/``min`` reductions of a
slice holding a nan have a nan derivative there, as HIPS autograd's ``abs``
and ``max`` and JAX's ``max`` reduction do. The kinks that select one side,
``relu``, ``maximum``/``minimum`` (so ``clip``) and ``fmax``/``fmin``, give
the side a comparison with the nan picks, 0 where it fails, as JAX's do.
The conventions at the kink itself are unchanged (``abs'(0) = 0``,
``relu'(0) = 0``, ties split 0.5/0.5), ``fmax``/``fmin`` skip a single nan
(its derivative is exactly 0: the value does not depend on it), and a zero
cotangent or tangent still contributes exactly zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapegrad as tg

nan = math.nan

KINKS: dict[str, Callable[[Any], Any]] = {
    "abs": tg.abs, "np.abs": np.abs, "abs()": lambda x: abs(x),
    "l1": lambda x: tg.sum(np.abs(x) * 2.0), "norm 1": lambda x: np.linalg.norm(x, 1),
}
SELECTING: dict[str, Callable[[Any], Any]] = {
    "relu": tg.relu,
    "maximum(x, 0)": lambda x: np.maximum(x, 0.0), "maximum(0, x)": lambda x: np.maximum(0.0, x),
    "minimum(x, 1)": lambda x: np.minimum(x, 1.0), "minimum(1, x)": lambda x: tg.minimum(1.0, x),
    "clip": lambda x: np.clip(x, -1.0, 1.0), "tg.clip": lambda x: tg.clip(x, 0.0, None),
    "fmax(x, x)": lambda x: np.fmax(x, x), "fmin(x, x)": lambda x: np.fmin(x, x),
    "hinge": lambda x: tg.nn.hinge(x, 1.0),
}
REDUCTIONS: dict[str, Callable[[Any], Any]] = {
    "max": lambda x: tg.max(x), "np.max": np.max, "min": lambda x: tg.min(x), "np.amin": np.amin,
    "ptp": np.ptp, "norm inf": lambda x: np.linalg.norm(x, np.inf),
    "norm": np.linalg.norm,
}
DTYPES = [np.float64, np.float32]


def same(got: Any, want: Any) -> None:
    """Equal as numbers (nans equal, a nan's payload aside) and of one dtype."""
    assert np.asarray(got).dtype == np.asarray(want).dtype, (got, want)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def _loss(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda x: tg.sum(f(x))


@pytest.mark.parametrize("name", KINKS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_an_elementwise_kink_has_a_nan_derivative_at_nan(name: str, dtype: Any) -> None:
    f = _loss(KINKS[name])
    x = np.array([nan, 0.5, -2.0, 3.0], dtype)
    with np.errstate(invalid="ignore"):
        g = tg.grad(f)(x)
        assert np.isnan(g[0]) and not np.isnan(g[1:]).any(), g
        assert g.dtype == dtype
        # the rest are what they are without the nan
        same(g[1:], tg.grad(f)(x[1:]))
        same(tg.jit(tg.grad(f))(x), g)
        loop = np.stack([tg.grad(f)(x[i:i + 1]) for i in range(len(x))])
        same(tg.vmap(tg.grad(f))(x[:, None]), loop)
        if name != "norm 1":             # a norm of a 0-d array is NumPy's ValueError
            same(tg.vmap(tg.grad(f))(x), np.stack([tg.grad(f)(s) for s in x]))
        _, t = tg.jvp(f, (x,), (np.array([1.0, 0.0, 0.0, 0.0], dtype),))
        assert np.isnan(t)
        _, t0 = tg.jvp(f, (x,), (np.array([0.0, 1.0, 1.0, 1.0], dtype),))
        same(t0, tg.jvp(f, (x[1:],), (np.ones(3, dtype),))[1])


@pytest.mark.parametrize("name", KINKS)
def test_at_a_float_nan_every_transform_gives_nan(name: str) -> None:
    f = KINKS[name]
    if name in ("l1", "norm 1"):
        f = lambda x: 2.0 * abs(x)     # noqa: E731  (scalars: no array to reduce)
    g = tg.grad(f)
    assert math.isnan(g(nan)) and math.isnan(tg.jit(g)(nan))
    assert math.isnan(tg.jvp(f, (nan,), (1.0,))[1])
    assert tg.jvp(f, (nan,), (0.0,))[1] == 0.0           # a zero tangent: exactly zero
    assert math.isnan(tg.grad(lambda x: f(x) * x)(nan))
    assert math.isnan(tg.grad(tg.grad(lambda x: f(x) * x))(nan))   # second order
    same(tg.vmap(g)(np.array([nan, 2.0, -3.0])), np.array([g(nan), g(2.0), g(-3.0)]))
    assert math.isnan(g(np.float32(nan))) and np.asarray(g(np.float32(nan))).dtype == np.float32


@pytest.mark.parametrize("name", SELECTING)
def test_a_selecting_kink_passes_what_its_comparison_with_the_nan_picks(name: str) -> None:
    """JAX's rules: ``relu'(nan) = 0``, ``maximum``'s share is 0 where ``a > b`` and
    ``a == b`` both fail; the same in grad, jit, vmap and jvp."""
    f = SELECTING[name]
    if not name.startswith("fm"):        # fmax/fmin of two nans: each side skips the other
        assert tg.grad(f)(nan) == 0.0
    for x in (nan, 0.25, -2.0, 3.0):
        same(tg.jit(tg.grad(f))(x), tg.grad(f)(x))
        same(tg.jvp(f, (x,), (1.0,))[1], tg.grad(f)(x))
    xs = np.array([nan, 0.25, -2.0, 3.0])
    same(tg.vmap(tg.grad(f))(xs), np.array([tg.grad(f)(float(x)) for x in xs]))


@pytest.mark.parametrize("name", ["abs", "relu", "maximum(x, 0)", "clip"])
def test_a_zero_cotangent_still_contributes_exactly_zero_at_nan(name: str) -> None:
    f = {**KINKS, **SELECTING}[name]
    h = lambda x: tg.where(x > 0, f(x), 0.0)     # noqa: E731  (nan > 0 is False)
    assert tg.grad(h)(nan) == 0.0
    assert tg.jit(tg.grad(h))(nan) == 0.0
    same(tg.vmap(tg.grad(h))(np.array([nan, 2.0])), np.array([0.0, tg.grad(h)(2.0)]))


def test_the_conventions_at_the_kink_are_unchanged() -> None:
    for x in (0.0, -0.0, 0, np.float32(0.0)):
        assert tg.grad(tg.abs)(x) == 0.0 and tg.grad(tg.relu)(x) == 0.0
        assert tg.grad(lambda x: tg.maximum(x, 0.0))(x) == 0.5
        assert tg.grad(lambda x: tg.minimum(0.0, x))(x) == 0.5
    assert tg.grad(lambda x: tg.clip(x, -1.0, 1.0))(1.0) == 0.5
    assert tg.grad(tg.abs)(-3) == -1.0 and tg.grad(tg.abs)(math.inf) == 1.0
    assert tg.grad(tg.relu)(-math.inf) == 0.0 and tg.grad(tg.relu)(math.inf) == 1.0
    # an inf cotangent where relu is flat still gives 0 (sqrt'(0) = inf)
    assert tg.grad(lambda x: tg.sqrt(tg.relu(x)))(-1.0) == 0.0


def test_fmax_and_fmin_skip_one_nan() -> None:
    for fn in (tg.fmax, tg.fmin, np.fmax, np.fmin):
        both = tg.grad(fn, argnums=(0, 1))
        assert both(nan, 1.0) == (0.0, 1.0) and both(1.0, nan) == (1.0, 0.0)
        assert tg.jit(both)(nan, 1.0) == (0.0, 1.0)
        assert tg.jit(both)(nan, nan) == both(nan, nan)


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_a_reduction_of_a_slice_holding_nan_has_nan_derivatives(name: str, dtype: Any) -> None:
    f = REDUCTIONS[name]
    x = np.array([[nan, 1.0, -4.0], [2.0, 3.0, -1.0]], dtype)
    rows = lambda x: tg.sum(tg.stack([f(x[0]), f(x[1])]))  # noqa: E731
    with np.errstate(invalid="ignore"):
        g = tg.grad(rows)(x)
        assert np.isnan(g[0]).all() and not np.isnan(g[1]).any(), g
        same(g[1], tg.grad(f)(x[1]))
        assert g.dtype == dtype
        same(tg.jit(tg.grad(rows))(x), g)
        same(tg.vmap(tg.grad(f))(x), np.stack([tg.grad(f)(row) for row in x]))
        assert np.isnan(tg.jvp(f, (x[0],), (np.array([0.0, 1.0, 0.0], dtype),))[1])
        if name != "norm":               # a dot product of a nan and a zero tangent is nan
            assert tg.jvp(f, (x[0],), (np.zeros(3, dtype),))[1] == 0.0


@pytest.mark.parametrize("reduce", [tg.max, tg.min, np.max, np.min])
def test_an_axis_reduction_keeps_the_nan_in_its_own_slice(reduce: Callable[..., Any]) -> None:
    x = np.array([[nan, 1.0], [2.0, 3.0]])
    f = lambda x: tg.sum(reduce(x, axis=0) * np.array([2.0, 5.0]))   # noqa: E731
    g = tg.grad(f)(x)
    assert np.isnan(g[:, 0]).all()
    same(g[:, 1], tg.grad(f)(np.array([[0.0, 1.0], [0.0, 3.0]]))[:, 1])
    same(tg.jit(tg.grad(f))(x), g)
    keep = lambda x: tg.sum(reduce(x, axis=1, keepdims=True))   # noqa: E731
    same(tg.vmap(tg.grad(keep))(np.stack([x, -x])), np.stack([tg.grad(keep)(x),
                                                               tg.grad(keep)(-x)]))
    out, t = tg.jvp(lambda x: reduce(x, axis=0), (x,), (np.ones((2, 2)),))
    assert np.isnan(t[0]) and t[1] == 1.0


@pytest.mark.parametrize("at", [0.0, nan])
def test_the_euclidean_norm_at_zero_and_nan_is_nan_as_in_jax_and_autograd(at: float) -> None:
    x = np.array([at, at])
    f = np.linalg.norm
    with np.errstate(invalid="ignore", divide="ignore"):
        assert np.isnan(tg.grad(f)(x)).all()
        assert np.isnan(tg.jit(tg.grad(f))(x)).all()
        assert np.isnan(tg.vmap(tg.grad(f))(np.stack([x, x]))).all()
