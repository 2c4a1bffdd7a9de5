"""SciPy's ``correlate``, ``convolve2d``, ``correlate2d`` and ``fftconvolve`` on traced values.

Each is ``convolve`` (``_convolve.py``) of its inputs rearranged, so each
differentiates, jits and vmaps as ``convolve`` does:

- ``correlate(in1, in2, mode)`` is ``convolve(in1, in2 flipped on every
  axis, mode)``, SciPy's own identity for real inputs.
- ``convolve2d`` and ``correlate2d`` take SciPy's ``boundary``: ``"fill"``
  (with ``fillvalue``), ``"wrap"`` or ``"symm"``. ``in1`` padded by
  ``n2 - 1`` on each side (``np.pad``'s ``constant``, ``wrap`` and
  ``symmetric``) and convolved in ``"valid"`` mode is the ``"full"`` result;
  ``"same"`` is its centre. SciPy centres ``correlate2d``'s ``"same"`` at
  ``n2 // 2`` of the full correlation, ``convolve2d``'s at ``(n2 - 1) // 2``
  of the full convolution (they differ for an even kernel), and so here.
- ``fftconvolve(in1, in2, mode, axes)`` is the same convolution summed
  directly (SciPy's FFT rounds differently, within a few ulps of the sum).
  With ``axes``, the other axes pair up elementwise (broadcast, as SciPy's):
  one convolution per element of them, stacked.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..arrays import stack
from ..padding import pad
from ..shapes import broadcast_to, reshape
from ..values import shape_of
from ._convolve import convolve

__all__ = ["convolve2d", "correlate", "correlate2d", "fftconvolve"]

Number = Any
_PADS = {"fill": "constant", "pad": "constant", "wrap": "wrap", "circular": "wrap",
         "symm": "symmetric", "symmetric": "symmetric"}


def _flipped(x: Number) -> Number:
    return x[(slice(None, None, -1),) * len(shape_of(x))]


def correlate(in1: Number, in2: Number, mode: str = "full", method: str = "auto") -> Number:
    """SciPy's ``correlate``: the N-dimensional cross-correlation of ``in1`` and ``in2``.

    Examples:
      >>> import numpy as np
      >>> from tapegrad.scipy.signal import correlate
      >>> correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
      array([0.5, 2. , 3.5, 3. , 0. ])
    """
    return convolve(in1, _flipped(in2), mode, method)


def _two_d(name: str, in1: Number, in2: Number, mode: str, boundary: str) -> None:
    if not len(shape_of(in1)) == len(shape_of(in2)) == 2:
        raise ValueError(f"{name} inputs must both be 2-D arrays")
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"{name}: acceptable mode flags are 'valid', 'same', or 'full'.")
    if boundary not in _PADS:
        raise ValueError(f"{name}: acceptable boundary flags are 'fill', 'circular' (or "
                         "'wrap'), and 'symmetric' (or 'symm').")


def _full(in1: Number, kernel: Number, boundary: str, fillvalue: Any) -> Number:
    """The full convolution of ``in1`` padded as ``boundary`` says with ``kernel``."""
    widths = [(n - 1, n - 1) for n in shape_of(kernel)]
    kind = _PADS[boundary]
    padded = pad(in1, widths, mode=kind, **({"constant_values": fillvalue}
                                             if kind == "constant" else {}))
    return convolve(padded, kernel, "valid")


def _two_d_conv(in1: Number, kernel: Number, mode: str, boundary: str, fillvalue: Any,
                centre: list[int]) -> Number:
    if mode == "valid":
        return convolve(in1, kernel, "valid")
    if boundary in ("fill", "pad") and fillvalue == 0 and mode == "full":
        return convolve(in1, kernel, "full")
    full = _full(in1, kernel, boundary, fillvalue)
    if mode == "full":
        return full
    n1 = shape_of(in1)
    return full[tuple(slice(c, c + m) for c, m in zip(centre, n1))]


def convolve2d(in1: Number, in2: Number, mode: str = "full", boundary: str = "fill",
               fillvalue: Any = 0) -> Number:
    """SciPy's ``convolve2d``, its boundaries too."""
    _two_d("convolve2d", in1, in2, mode, boundary)
    return _two_d_conv(in1, in2, mode, boundary, fillvalue,
                       [(n - 1) // 2 for n in shape_of(in2)])


def correlate2d(in1: Number, in2: Number, mode: str = "full", boundary: str = "fill",
                fillvalue: Any = 0) -> Number:
    """SciPy's ``correlate2d``, its boundaries and its centre of ``"same"`` too."""
    _two_d("correlate2d", in1, in2, mode, boundary)
    return _two_d_conv(in1, _flipped(in2), mode, boundary, fillvalue,
                       [n // 2 for n in shape_of(in2)])


def fftconvolve(in1: Number, in2: Number, mode: str = "full", axes: Any = None) -> Number:
    """SciPy's ``fftconvolve``: ``convolve`` over ``axes``, elementwise over the others."""
    s1, s2 = shape_of(in1), shape_of(in2)
    if len(s1) != len(s2):
        raise ValueError("fftconvolve: in1 and in2 should have the same dimensionality")
    nd = len(s1)
    conv = list(range(nd)) if axes is None else sorted(
        {int(a) % nd for a in np.atleast_1d(axes)})
    if len(conv) == nd:
        return convolve(in1, in2, mode)
    rest = [a for a in range(nd) if a not in conv]
    try:
        batch = tuple(np.broadcast_shapes((s1[a],), (s2[a],))[0] for a in rest)
    except ValueError:
        raise ValueError(f"fftconvolve: incompatible shapes for in1 and in2: {s1} and "
                         f"{s2}") from None
    a = _batched(in1, rest, conv, batch)
    b = _batched(in2, rest, conv, batch)
    outs = [convolve(a[k], b[k], mode) for k in range(int(np.prod(batch)))]
    out = reshape(stack(outs), batch + shape_of(outs[0]))
    order = rest + conv                      # the out axes as they stand: back in place
    return np.moveaxis(out, range(nd), order)


def _batched(x: Number, rest: list[int], conv: list[int], batch: tuple[int, ...]) -> Number:
    """``x`` with its elementwise axes first, broadcast to ``batch`` and flattened."""
    moved = np.moveaxis(x, rest + conv, range(len(rest) + len(conv)))
    s = shape_of(moved)
    whole = broadcast_to(moved, batch + s[len(rest):])
    return reshape(whole, (int(np.prod(batch)),) + s[len(rest):])
