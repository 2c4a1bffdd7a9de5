"""NumPy's ``fft.irfft`` and ``fft.hfft`` of real traced values: real in, real out.

tapegrad computes on real numbers, so the transforms that take complex
input are refused, except where the input is real and the output too:
``irfft`` of real coefficients is a sum of cosines, ``hfft`` of a real
signal the same with the other normalization. Values are NumPy's own (its
function runs); the derivative is the transform's transpose, the real part
of ``rfft`` weighted by how often ``irfft`` counts each coefficient, and the
transpose's derivative the transform again, so every order is exact.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .numpy_dispatch import functions
from .primitive import Primitive, defjvp, defvjp, primitive
from .values import primal_value, shape_of

__all__ = ["hfft", "irfft"]

Number = Any
_SWAPPED = {None: "forward", "backward": "forward", "ortho": "ortho", "forward": "backward"}


def _cosines(x: Any, kind: str, n: int, axis: int, norm: Any) -> Any:
    data = np.asarray(x)
    data = data if data.dtype.kind == "f" else data.astype(np.float64)
    return np.fft.irfft(data, n, axis, norm) if kind == "irfft" else \
        np.fft.hfft(data, n, axis, norm)


def _weights(m: int, n: int, scale: float) -> np.ndarray:
    """How often ``irfft`` of length ``n`` counts each of ``m`` coefficients, times ``scale``."""
    k = np.arange(m)
    w = np.where((k == 0) | (2 * k == n), 1.0, 2.0) * scale
    return np.where(k <= n // 2, w, 0.0)


def _transposed(g: Any, m: int, kind: str, n: int, axis: int, norm: Any) -> Any:
    """The transpose of ``_cosines``: a cotangent of length ``n`` back to ``m`` coefficients."""
    g = np.asarray(g)
    effective = norm if kind == "irfft" else _SWAPPED[norm]
    scale = {None: 1.0 / n, "backward": 1.0 / n, "ortho": 1.0 / math.sqrt(n),
             "forward": 1.0}[effective]
    spectrum = np.fft.rfft(g, n, axis).real
    size = spectrum.shape[axis]
    if size < m:
        pad = [(0, 0)] * g.ndim
        pad[axis] = (0, m - size)
        spectrum = np.pad(spectrum, pad)
    spectrum = np.take(spectrum, np.arange(m), axis=axis)
    shape = [1] * g.ndim
    shape[axis] = m
    return (spectrum * _weights(m, n, scale).reshape(shape)).astype(g.dtype, copy=False)


cosines_p: Primitive = primitive(_cosines, "irfft", check_rules=False)
transposed_p: Primitive = primitive(_transposed, "irfft_transposed", check_rules=False)
defvjp(cosines_p, lambda g, ans, x, kind, n, axis, norm: transposed_p(
    g, shape_of(x)[axis], kind, n, axis, norm), None, None, None, None)
defjvp(cosines_p, lambda t, ans, x, kind, n, axis, norm: cosines_p(t, kind, n, axis, norm),
       None, None, None, None)
defvjp(transposed_p, lambda h, ans, g, m, kind, n, axis, norm: cosines_p(
    h, kind, n, axis, norm), None, None, None, None, None)
defjvp(transposed_p, lambda t, ans, g, m, kind, n, axis, norm: transposed_p(
    t, m, kind, n, axis, norm), None, None, None, None, None)


def _call(kind: str, a: Number, n: int | None, axis: int, norm: Any) -> Number:
    shape = shape_of(a)
    if np.iscomplexobj(primal_value(a)):
        raise TypeError(f"fft.{kind}: tapegrad computes on real numbers; pass the real "
                        "coefficients (a complex input is refused).")
    if not shape:
        raise ValueError(f"fft.{kind}: the input must have at least one axis.")
    axis = axis % len(shape)
    n = 2 * (shape[axis] - 1) if n is None else int(n)
    if n < 1:
        raise ValueError(f"Invalid number of FFT data points ({n}) specified.")
    if norm not in _SWAPPED:
        raise ValueError(f'Invalid norm value {norm}; should be "backward", "ortho" or '
                         '"forward".')
    return cosines_p(a, kind, n, axis, norm)


def irfft(a: Number, n: int | None = None, axis: int = -1, norm: Any = None) -> Number:
    """NumPy's ``fft.irfft`` of real coefficients: ``n`` real numbers, sums of cosines.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.grad(lambda c: tg.sum(np.fft.irfft(c, 4)[:1]))(np.array([1.0, 2.0, 3.0]))
      array([0.25, 0.5 , 0.25])
    """
    return _call("irfft", a, n, axis, norm)


def hfft(a: Number, n: int | None = None, axis: int = -1, norm: Any = None) -> Number:
    """NumPy's ``fft.hfft`` of a real signal: ``irfft`` with the other normalization."""
    return _call("hfft", a, n, axis, norm)


functions.update({
    np.fft.irfft: (irfft, ("n", "axis", "norm")),
    np.fft.hfft: (hfft, ("n", "axis", "norm")),
})
