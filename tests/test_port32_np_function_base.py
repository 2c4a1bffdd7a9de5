"""NumPy's ``quantile`` family at a 2-D ``q``, after NumPy's ``test_function_base.py``.

NumPy's ``quantile``, ``percentile``, ``nanquantile`` and ``nanpercentile``
take ``q`` of up to two axes, the result shaped ``q.shape`` + the remaining
axes (more axes are NumPy's ValueError). tapegrad refused any ``q`` of two
axes ("a number or a 1-D array"); now it computes the quantiles at ``q``'s
ravel and puts ``q``'s axes first, with constant and traced ``q``: values
equal NumPy's bit for bit under jit and vmap, gradients in the data and in
``q`` equal central differences.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tests.conftest import fd


def same(got, want) -> bool:
    got, want = np.asarray(got), np.asarray(want)
    return got.dtype == want.dtype and got.shape == want.shape and \
        np.array_equal(got, want, equal_nan=want.dtype.kind == "f")


RNG = np.random.default_rng(1)
X = RNG.standard_normal((3, 5))
WITH_NAN = X.copy()
WITH_NAN[0, 1] = np.nan
INTS = RNG.integers(-5, 5, (3, 5))
Q = np.array([[0.1, 0.5], [0.9, 1.0]])

GRIDS = {
    "quantile_axis": lambda x: np.quantile(x, Q, axis=1),
    "quantile_flat": lambda x: np.quantile(x, Q),
    "quantile_keepdims": lambda x: np.quantile(x, Q, axis=0, keepdims=True),
    "quantile_lower": lambda x: np.quantile(x, Q.T, axis=1, method="lower"),
    "quantile_axes_hazen": lambda x: np.quantile(x, Q, axis=(0, 1), method="hazen"),
    "quantile_weighted": lambda x: np.quantile(x, Q, axis=1, method="inverted_cdf",
                                               weights=np.arange(1.0, 6.0)),
    "quantile_one_by_one": lambda x: np.quantile(x, [[0.5]]),
    "percentile": lambda x: np.percentile(x, Q * 100, axis=1),
    "nanquantile": lambda x: np.nanquantile(x, Q, axis=1),
    "nanpercentile_axes": lambda x: np.nanpercentile(x, Q * 100, axis=(0, 1)),
}


@pytest.mark.parametrize("name", sorted(GRIDS))
def test_a_two_axis_q_gives_numpys_quantiles_under_jit_and_vmap(name):
    f = GRIDS[name]
    for x in (X, WITH_NAN, INTS):
        want = f(x)
        assert want.shape[:2] == np.shape(Q if "lower" not in name else Q.T) or "one" in name
        assert same(tg.jit(f)(x), want)
        assert same(tg.vmap(f)(np.stack([x, 2 * x]))[1], f(2 * x))


@pytest.mark.parametrize("name", sorted(GRIDS))
def test_a_two_axis_q_differentiates_in_the_data(name):
    f = GRIDS[name]
    w = np.arange(1.0, f(X).size + 1).reshape(f(X).shape)

    def loss(x):
        return np.sum(f(x) * w)
    g = tg.grad(loss)(X)
    np.testing.assert_allclose(g, fd(loss, X), rtol=1e-6, atol=1e-8)
    assert same(tg.jit(tg.grad(loss))(X), g)


def test_a_traced_two_axis_q_differentiates_in_q():
    def f(x, q):
        return np.quantile(x, q, axis=1)
    assert same(tg.jit(f)(X, Q), f(X, Q))
    q = Q * 0.9

    def loss(p):
        return np.sum(f(X, p) * np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(tg.grad(loss)(q), fd(loss, q), rtol=1e-7)
    _, t = tg.jvp(loss, (q,), (np.ones_like(q),))
    np.testing.assert_allclose(t, np.sum(fd(loss, q)), rtol=1e-7)


@pytest.mark.parametrize("q", [[[0.1, 1.5]], [[[0.2], [0.7]]]], ids=["out_of_range", "3-D"])
def test_a_q_numpy_refuses_is_refused_with_its_reason(q):
    with pytest.raises(ValueError) as numpys:
        np.quantile(X, q)
    with pytest.raises(ValueError, match="must be") as ours:
        tg.jit(lambda x: np.quantile(x, q))(X)
    assert str(numpys.value).split(" (")[0] in str(ours.value)
