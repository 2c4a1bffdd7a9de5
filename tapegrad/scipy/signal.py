"""SciPy's ``scipy.signal.convolve`` on traced values, as ``jax.scipy.signal`` has it.

``convolve(in1, in2, mode)`` is N-dimensional discrete convolution over
every axis, with SciPy's modes: ``"full"`` (the whole convolution),
``"valid"`` (only where one input lies wholly inside the other) and
``"same"`` (the centre of ``"full"``, shaped like ``in1``). It is one
primitive for ``"full"`` and ``"valid"``, computed with NumPy (a tensor
product of sliding windows), so SciPy need not be installed; ``"same"`` is
a slice of ``"full"``. Convolution is bilinear, so its derivatives are
convolutions again (with the other input flipped), written with the same
primitive: they differentiate to any order, under ``jit`` and ``vmap``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..flips import flip
from ..primitive import Primitive, defjvp, defvjp, primitive
from ..values import primal_value, shape_of

__all__ = ["convolve"]

Number = Any
_MODES = ("full", "valid", "same")


def _convolve(in1: np.ndarray, in2: np.ndarray, mode: str) -> np.ndarray:
    """``"valid"`` (``in1`` at least ``in2`` along every axis) or ``"full"``, with NumPy."""
    a, b = np.asarray(in1), np.asarray(in2)
    if mode == "full":
        a = np.pad(a, [(n - 1, n - 1) for n in b.shape])
    windows = sliding_window_view(a, b.shape)       # windows[n, j] = a[n + j]
    return np.tensordot(windows, b[(slice(None, None, -1),) * b.ndim], b.ndim)


conv_p: Primitive = primitive(_convolve, "convolve", check_rules=False)
# bilinear: each derivative is a convolution of the cotangent (tangent) with the other input
defvjp(conv_p,
       lambda g, ans, a, b, mode: conv_p(g, flip(b), "full" if mode == "valid" else "valid"),
       lambda g, ans, a, b, mode: (conv_p(flip(a), g, "valid") if mode == "valid"
                                   else conv_p(g, flip(a), "valid")),
       None)
defjvp(conv_p,
       lambda t, ans, a, b, mode: conv_p(t, b, mode),
       lambda t, ans, a, b, mode: conv_p(a, t, mode),
       None)


def convolve(in1: Number, in2: Number, mode: str = "full", method: str = "auto") -> Number:
    """SciPy's ``convolve``: the N-dimensional convolution of ``in1`` and ``in2``.

    Args:
      in1: An array (traced or not).
      in2: An array with as many axes as ``in1``.
      mode: ``"full"`` (shape ``in1 + in2 - 1`` per axis), ``"valid"`` (shape
        ``|in1 - in2| + 1``; one input must be at least as large as the other
        along every axis) or ``"same"`` (shaped like ``in1``, centred on
        ``"full"``).
      method: SciPy's choice of algorithm (``"auto"``, ``"direct"``,
        ``"fft"``); accepted and ignored: tapegrad always sums directly.

    Returns:
      The convolution, a float array (a float for two 0-d inputs).

    Raises:
      ValueError: for another mode or method, inputs of different numbers of
        axes, an empty input, or ``"valid"`` where neither input contains the other.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> from tapegrad.scipy.signal import convolve
      >>> convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
      array([0. , 1. , 2.5, 4. , 1.5])
      >>> tg.grad(lambda a: tg.sum(convolve(a, np.array([1.0, -1.0]), "valid") ** 2))(
      ...     np.array([1.0, 2.0, 4.0]))
      array([-2., -2.,  4.])
    """
    if mode not in _MODES:
        raise ValueError(f"convolve: mode must be 'full', 'valid' or 'same', got {mode!r}.")
    if method not in ("auto", "direct", "fft"):
        raise ValueError(f"convolve: method must be 'auto', 'direct' or 'fft', got {method!r}.")
    s1, s2 = shape_of(in1), shape_of(in2)
    if len(s1) != len(s2):
        raise ValueError(f"convolve: in1 and in2 should have the same dimensionality; got "
                         f"shapes {s1} and {s2}. Add axes of length 1 (np.expand_dims).")
    if 0 in s1 or 0 in s2:
        raise ValueError(f"convolve: empty input (shapes {s1} and {s2}); tapegrad's convolve "
                         "needs at least one element in each.")
    if not s1:
        return in1 * in2
    _refuse_complex(in1, in2)
    if mode == "valid":
        if all(m >= n for m, n in zip(s1, s2)):
            return conv_p(in1, in2, "valid")
        if all(n >= m for m, n in zip(s1, s2)):
            return conv_p(in2, in1, "valid")      # convolution commutes
        raise ValueError(f"convolve: for 'valid' mode, one must be at least as large as the "
                         f"other in every dimension; got shapes {s1} and {s2}.")
    full = conv_p(in1, in2, "full")
    if mode == "full":
        return full
    start = [(n - 1) // 2 for n in s2]      # "same": the centre of "full", shaped like in1
    return full[tuple(slice(a, a + m) for a, m in zip(start, s1))]


def _refuse_complex(*xs: Number) -> None:
    for x in xs:
        if np.iscomplexobj(primal_value(x)):
            raise TypeError("convolve: complex input is not supported by tapegrad.")
