"""tapegrad.scipy.signal.savgol_filter: SciPy's values in every mode, every transform."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
from family_checks import every_transform
from program_battery import same

import tapegrad as tg
from tapegrad.scipy._savgol import _weights
from tapegrad.scipy.signal import savgol_filter

RS = np.random.RandomState(7)
MODES = ["interp", "mirror", "nearest", "wrap", "constant"]
FITS = [(5, 2, 0, 1.0), (7, 3, 1, 0.5), (3, 1, 0, 1.0), (9, 4, 2, 2.0), (5, 0, 0, 1.0),
        (5, 2, 3, 1.0)]


@pytest.mark.parametrize("fit", FITS)
def test_the_weights_are_scipys_filter_of_the_identity(fit: tuple[int, int, int, float]) -> None:
    w = fit[0]
    np.testing.assert_allclose(_weights(*fit), scipy.signal.savgol_filter(np.eye(w), *fit,
                                                                          axis=0), atol=1e-13)


@pytest.mark.parametrize("fit", FITS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("shape, axis", [((12,), -1), ((3, 12), 1), ((12, 3), 0),
                                         ((2, 12, 2), 1)])
def test_values_are_scipys(fit: tuple[int, int, int, float], mode: str, dtype: type,
                           shape: tuple[int, ...], axis: int) -> None:
    x = (RS.randn(*shape) * 4).astype(dtype)
    want = scipy.signal.savgol_filter(x, *fit, axis=axis, mode=mode, cval=0.3)
    got = savgol_filter(x, *fit, axis=axis, mode=mode, cval=0.3)
    assert got.dtype == want.dtype and got.shape == want.shape
    rtol = 2e-5 if dtype is np.float32 else 1e-11
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * np.abs(want).max())
    assert same(tg.jit(lambda v: savgol_filter(v, *fit, axis=axis, mode=mode, cval=0.3))(x * 1),
                savgol_filter(x * 1, *fit, axis=axis, mode=mode, cval=0.3))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fit", [(5, 2, 0, 1.0), (7, 3, 1, 0.5)])
def test_every_transform(mode: str, fit: tuple[int, int, int, float]) -> None:
    x = RS.randn(9)
    w = np.linspace(-1.0, 1.0, 9)
    every_transform(lambda v: np.sum(w * savgol_filter(v, *fit, mode=mode) ** 3), x)
    y = RS.randn(2, 8)
    every_transform(lambda v: np.sum(np.sin(savgol_filter(v, *fit, axis=1, mode=mode))), y,
                    second=False)


def test_what_savgol_filter_refuses() -> None:
    x = RS.randn(6)
    with pytest.raises(TypeError, match=r"^scipy\.signal\.savgol_filter was applied to a "
                       r"traced value.*Use tapegrad\.scipy\.signal\.savgol_filter instead\.$"):
        tg.grad(lambda v: np.sum(scipy.signal.savgol_filter(v, 3, 1)))(x)
    for bad, match in [((x, 4, 1), "odd"), ((x, 3, 3), "greater than"),
                       ((x, 7, 2), "at most the length"), ((x, 3, 1, 0, 1.0, -1, "reflect"),
                                                          "mode")]:
        with pytest.raises(ValueError, match=match):
            savgol_filter(*bad)
