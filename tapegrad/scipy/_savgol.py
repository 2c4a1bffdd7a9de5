"""SciPy's ``scipy.signal.savgol_filter`` on traced values: a linear filter with constant weights.

The Savitzky-Golay filter fits a polynomial of degree ``polyorder`` to each
window of ``window_length`` points by least squares and takes its value (or
a derivative) at the window's centre. The fit is linear in the data, so the
filter is ``x`` times constant weights: ``F[i, j]``, the output at place
``i`` of a window for the data ``e_j``, computed once with NumPy
(``np.polyfit`` of the identity). Row ``window_length // 2`` is SciPy's
``savgol_coeffs``, correlated with ``x`` (padded as SciPy's ``mode`` says);
with ``mode="interp"`` the first and last half-windows are the other rows
applied to the first and last windows, as SciPy fits the edges. Every
transform comes for free from tapegrad's products and sums.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ..joins import as_array, concatenate
from ..padding import pad
from ..reshaping import moveaxis
from ..values import primal_value, shape_of
from ._convolve import convolve

__all__ = ["savgol_filter"]

Number = Any
_PADS = {"mirror": "reflect", "nearest": "edge", "wrap": "wrap", "constant": "constant"}


@functools.lru_cache(maxsize=64)
def _weights(w: int, polyorder: int, deriv: int, delta: float) -> np.ndarray:
    """``F[i, j]``: the fit's ``deriv``-th derivative at ``i`` for the data ``e_j``."""
    t = np.arange(w, dtype=np.float64)
    coef = np.polyfit(t, np.eye(w), polyorder)            # (polyorder + 1, w), highest first
    for _ in range(deriv):
        coef = coef[:-1] * np.arange(len(coef) - 1, 0, -1)[:, None]
    if not len(coef):
        return np.zeros((w, w))
    out = np.polyval(coef, t[:, None]) / delta ** deriv
    out.setflags(write=False)
    return out


def _correlated(x: Any, k: np.ndarray) -> Any:
    """``y[..., i] = sum_j k[j] x[..., i + j]`` over the windows that fit (SciPy's "valid")."""
    nd = len(shape_of(x))
    return convolve(x, k[::-1].reshape((1,) * (nd - 1) + (len(k),)), mode="valid")


def _interp(x: Any, f: np.ndarray) -> Any:
    """SciPy's ``mode="interp"``: the windows inside, and the edge fits for each end."""
    w, half, n = len(f), len(f) // 2, shape_of(x)[-1]
    inside = _correlated(x, f[half])
    start = x[..., :w] @ np.ascontiguousarray(f[:half].T)
    end = x[..., n - w:] @ np.ascontiguousarray(f[half + 1:].T)
    return concatenate([start, inside, end], -1)


def savgol_filter(x: Number, window_length: int, polyorder: int, deriv: int = 0,
                  delta: float = 1.0, axis: int = -1, mode: str = "interp",
                  cval: float = 0.0) -> Number:
    """SciPy's ``savgol_filter``: a Savitzky-Golay filter of ``x`` along ``axis``.

    Args:
      x: The data (traced or not), of any number of axes.
      window_length: The length of each window: odd, at most ``x``'s length
        along ``axis`` for ``mode="interp"``.
      polyorder: The degree of the fitted polynomials, less than ``window_length``.
      deriv: The order of the derivative taken (0: the smoothed values).
      delta: The spacing of the samples (for ``deriv > 0``).
      axis: The axis filtered along.
      mode: ``"interp"`` (edges fitted), ``"mirror"``, ``"nearest"``,
        ``"wrap"`` or ``"constant"`` (padding, as SciPy's ``ndimage``).
      cval: The padding value of ``mode="constant"``.

    Returns:
      The filtered data, shaped like ``x`` (float32 kept).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> savgol_filter(np.array([2.0, 2.0, 5.0, 2.0, 1.0, 0.0, 1.0]), 5, 2).round(6)
      array([1.657143, 3.171429, 3.542857, 2.857143, 0.657143, 0.228571,
             0.942857])
    """
    if mode not in (*_PADS, "interp"):
        raise ValueError("savgol_filter: mode must be 'mirror', 'constant', 'nearest', 'wrap' "
                         f"or 'interp', not {mode!r}.")
    if window_length % 2 == 0 or polyorder >= window_length:
        raise ValueError(f"savgol_filter: window_length must be odd and greater than "
                         f"polyorder here (got {window_length} and {polyorder}).")
    x = as_array(x)
    dtype = np.asarray(primal_value(x)).dtype
    if dtype not in (np.float32, np.float64):
        x, dtype = x * 1.0, np.dtype(np.float64)
    nd = len(shape_of(x))
    x = moveaxis(x, axis % nd, -1) if axis % nd != nd - 1 else x
    f = _weights(window_length, polyorder, deriv, float(delta)).astype(dtype)
    if mode == "interp":
        if window_length > shape_of(x)[-1]:
            raise ValueError("savgol_filter: with mode='interp', window_length must be at "
                             "most the length of x along axis.")
        y = _interp(x, f)
    else:
        h = window_length // 2
        widths = [(0, 0)] * (nd - 1) + [(h, h)]
        extra = {"constant_values": cval} if mode == "constant" else {}
        y = _correlated(pad(x, widths, _PADS[mode], **extra), f[h])
    return moveaxis(y, -1, axis % nd) if axis % nd != nd - 1 else y

