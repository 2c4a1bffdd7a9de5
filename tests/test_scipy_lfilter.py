"""tapegrad.scipy.signal.lfilter: SciPy's values, derivatives in b, a and x, every transform."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
from family_checks import every_transform
from program_battery import same

import tapegrad as tg
from tapegrad.scipy._lfilter import _recursion
from tapegrad.scipy.signal import lfilter

RS = np.random.RandomState(5)
B = np.array([0.5, 0.3, -0.2])
A = np.array([1.2, -0.3, 0.1])
FILTERS = {"iir": (B, A), "fir": (B, np.array([2.0])), "one pole": (np.array([0.4]),
                                                                    np.array([1.0, -0.8])),
           "long a": (np.array([1.0, 0.5]), np.array([1.0, -0.2, 0.1, -0.05]))}


@pytest.mark.parametrize("kind", sorted(FILTERS))
@pytest.mark.parametrize("shape, axis", [((9,), -1), ((3, 9), -1), ((9, 3), 0), ((2, 9, 3), 1),
                                         ((1,), 0)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_values_are_scipys(kind: str, shape: tuple[int, ...], axis: int, dtype: type) -> None:
    b, a = (v.astype(dtype) for v in FILTERS[kind])
    x = RS.randn(*shape).astype(dtype)
    want = scipy.signal.lfilter(b, a, x, axis=axis)
    got = lfilter(b, a, x, axis=axis)
    assert same(got, want)
    assert same(tg.jit(lambda x: lfilter(b, a, x, axis=axis))(x), want)
    moved = np.moveaxis(x, axis, -1)
    np.testing.assert_allclose(_recursion(b, a, moved), np.moveaxis(want, axis, -1),
                               rtol=1e-12 if dtype is np.float64 else 1e-5)


def test_lists_and_float32_signals_with_float64_filters_are_scipys() -> None:
    x = RS.randn(6).astype(np.float32)
    assert same(lfilter([0.5, 0.5], [1.0, -0.3], x), scipy.signal.lfilter([0.5, 0.5],
                                                                           [1.0, -0.3], x))
    g = tg.grad(lambda v: np.sum(lfilter([0.5, 0.5], [1.0, -0.3], v)))(x)
    assert g.dtype == np.float32       # a gradient has its argument's dtype
    np.testing.assert_allclose(g, scipy.signal.lfilter([0.5, 0.5], [1.0, -0.3], np.ones(6))[::-1],
                               rtol=1e-6)


@pytest.mark.parametrize("kind", sorted(FILTERS))
@pytest.mark.parametrize("wrt", ["x", "b", "a", "all"])
def test_every_transform(kind: str, wrt: str) -> None:
    b, a = FILTERS[kind]
    x = RS.randn(8)
    w = np.linspace(-1.0, 1.0, 8)
    nb, na = len(b), len(a)
    f, v = {"x": (lambda v: np.sum(w * lfilter(b, a, v) ** 2), x),
            "b": (lambda v: np.sum(w * lfilter(v, a, x) ** 2), b),
            "a": (lambda v: np.sum(w * lfilter(b, v, x) ** 2), a),
            "all": (lambda v: np.sum(w * lfilter(v[:nb], v[nb:nb + na], v[nb + na:]) ** 2),
                    np.concatenate([b, a, x]))}[wrt]
    every_transform(f, v)


def test_an_axis_of_a_batch_and_a_batch_of_filters() -> None:
    x = RS.randn(3, 7)
    f = lambda a: np.sum(lfilter(B, a, x, axis=1) ** 2)                 # noqa: E731
    every_transform(f, A)
    g = lambda x: np.sum(np.cos(lfilter(B, A, x, axis=0)))              # noqa: E731
    every_transform(g, x, second=False)


def test_scipys_lfilter_names_tapegrads_and_zi_is_refused() -> None:
    with pytest.raises(TypeError, match=r"^scipy\.signal\.lfilter was applied to a traced "
                       r"value.*Use tapegrad\.scipy\.signal\.lfilter instead\.$"):
        tg.grad(lambda x: np.sum(scipy.signal.lfilter(B, A, x)))(RS.randn(4))
    with pytest.raises(NotImplementedError, match="zi"):
        lfilter(B, A, RS.randn(4), zi=np.zeros(2))
