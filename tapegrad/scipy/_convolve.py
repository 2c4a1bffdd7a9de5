"""SciPy's ``scipy.signal.convolve`` on traced values (``tapegrad.scipy.signal.convolve``).

``convolve(in1, in2, mode)`` is N-dimensional discrete convolution over
every axis, with SciPy's modes: ``"full"`` (the whole convolution),
``"valid"`` (only where one input lies wholly inside the other) and
``"same"`` (the centre of ``"full"``, shaped like ``in1``). HIPS autograd's
keywords ``axes`` (the axes convolved, a pair of lists) and ``dot_axes``
(axes summed over in pairs, as ``np.tensordot``'s) are accepted too, so a
convolutional layer is one call.

One primitive does the work for ``"full"`` and ``"valid"``, computed with
NumPy (a tensor product of sliding windows), so SciPy need not be
installed; ``"same"`` is a slice of ``"full"``. Convolution is bilinear, so
its derivatives are convolutions again (of the cotangent with the other
input flipped, its axes regrouped), written with the same primitive: they
differentiate to any order, under ``jit`` and ``vmap``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..flips import flip
from ..primitive import Primitive, defjvp, defvjp, primitive
from ..shapes import transpose
from ..values import primal_value, shape_of

__all__ = ["convolve"]

Number = Any
_MODES = ("full", "valid", "same")


# The primitive's inputs are grouped: ``a`` is (ia..., d..., c...) and ``b`` is
# (ib..., d..., c...): axes kept from a, the dot axes, the convolved axes. The
# output is (ia..., ib..., c...). In "valid" mode a's c axes are the longer.
def _convolve(a: np.ndarray, b: np.ndarray, nia: int, nib: int, nd: int,
              mode: str) -> np.ndarray:
    a, b = np.asarray(a), np.asarray(b)
    nc = a.ndim - nia - nd
    conv_a = tuple(range(a.ndim - nc, a.ndim))
    kernel = b.shape[b.ndim - nc:]
    if mode == "full":
        a = np.pad(a, [(0, 0)] * (a.ndim - nc) + [(k - 1, k - 1) for k in kernel])
    windows = sliding_window_view(a, kernel, axis=conv_a)   # (ia, d, out, k): a[n + j]
    flipped = b[(slice(None),) * (b.ndim - nc) + (slice(None, None, -1),) * nc]
    out = np.tensordot(windows, flipped,
                       (list(range(nia, nia + nd)) + list(range(a.ndim, a.ndim + nc)),
                        list(range(nib, nib + nd)) + list(range(b.ndim - nc, b.ndim))))
    return np.moveaxis(out, range(nia, nia + nc), range(out.ndim - nc, out.ndim))


conv_p: Primitive = primitive(_convolve, "convolve", check_rules=False)


def _group(x: Number, *groups: Sequence[int]) -> Number:
    """``x`` with its axes in the order of ``groups`` (ranges of axis numbers)."""
    order = [i for g in groups for i in g]
    return x if order == sorted(order) else transpose(x, order)


def _flip_conv(x: Number, nc: int) -> Number:
    n = len(shape_of(x))
    return flip(x, tuple(range(n - nc, n))) if nc else x


def _vjp_a(g: Number, ans: Number, a: Number, b: Number, nia: int, nib: int, nd: int,
           mode: str) -> Number:
    """``g`` (ia, ib, c) against ``b`` flipped, as (d, ib, c): summed over ib, gives (ia, d, c)."""
    nb = len(shape_of(b))
    nc = nb - nib - nd
    y = _group(_flip_conv(b, nc), range(nib, nib + nd), range(nib), range(nib + nd, nb))
    return conv_p(g, y, nia, nd, nib, "valid" if mode == "full" else "full")


def _vjp_b(g: Number, ans: Number, a: Number, b: Number, nia: int, nib: int, nd: int,
           mode: str) -> Number:
    """``a`` flipped, as (d, ia, c), against ``g`` as (ib, ia, c): gives (ib, d, c)."""
    na, ng = len(shape_of(a)), len(shape_of(g))
    nc = na - nia - nd
    x = _group(_flip_conv(a, nc), range(nia, nia + nd), range(nia), range(nia + nd, na))
    gt = _group(g, range(nia, nia + nib), range(nia), range(nia + nib, ng))
    if mode == "full":
        return conv_p(gt, x, nib, nd, nia, "valid")
    out = conv_p(x, gt, nd, nib, nia, "valid")                           # (d, ib, c)
    return _group(out, range(nd, nd + nib), range(nd), range(nd + nib, nd + nib + nc))


defvjp(conv_p, _vjp_a, _vjp_b, None, None, None, None)
defjvp(conv_p,   # bilinear: each input's tangent convolved with the other input
       lambda t, ans, a, b, nia, nib, nd, mode: conv_p(t, b, nia, nib, nd, mode),
       lambda t, ans, a, b, nia, nib, nd, mode: conv_p(a, t, nia, nib, nd, mode),
       None, None, None, None)


def convolve(in1: Number, in2: Number, mode: str = "full", method: str = "auto", *,
             axes: Sequence[Sequence[int]] | None = None,
             dot_axes: Sequence[Sequence[int]] = ((), ())) -> Number:
    """SciPy's ``convolve``: the N-dimensional convolution of ``in1`` and ``in2``.

    Args:
      in1: An array (traced or not).
      in2: An array with as many axes as ``in1`` (unless ``axes`` says otherwise).
      mode: ``"full"`` (length ``n1 + n2 - 1`` along each convolved axis),
        ``"valid"`` (``|n1 - n2| + 1``; one input must be at least as long as
        the other along every convolved axis) or ``"same"`` (``n1``, the
        centre of ``"full"``).
      method: SciPy's choice of algorithm (``"auto"``, ``"direct"``,
        ``"fft"``); accepted and ignored: tapegrad always sums directly.
      axes: autograd's extension: ``(axes of in1, axes of in2)`` to convolve
        along, in pairs; None convolves all of them.
      dot_axes: autograd's extension: ``(axes of in1, axes of in2)`` summed
        over in pairs, as in ``np.tensordot``.

    Returns:
      The convolution, with the axes of ``in1`` that are neither convolved nor
      summed first, then those of ``in2``, then the convolved ones.

    Raises:
      ValueError: for another mode or method, inputs of different numbers of
        axes (without ``axes``), an empty input, axes that do not pair up, or
        ``"valid"`` where neither input contains the other.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> from tapegrad.scipy.signal import convolve
      >>> convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
      array([0. , 1. , 2.5, 4. , 1.5])
      >>> tg.grad(lambda a: tg.sum(convolve(a, np.array([1.0, -1.0]), "valid") ** 2))(
      ...     np.array([1.0, 2.0, 4.0]))
      array([-2., -2.,  4.])
      >>> images, filters = np.ones((8, 3, 5, 5)), np.ones((3, 4, 2, 2))   # a conv layer
      >>> convolve(images, filters, axes=([2, 3], [2, 3]), dot_axes=([1], [0]),
      ...          mode="valid").shape
      (8, 4, 4, 4)
    """
    if mode not in _MODES:
        raise ValueError(f"convolve: mode must be 'full', 'valid' or 'same', got {mode!r}.")
    if method not in ("auto", "direct", "fft"):
        raise ValueError(f"convolve: method must be 'auto', 'direct' or 'fft', got {method!r}.")
    s1, s2 = shape_of(in1), shape_of(in2)
    if axes is None and len(s1) != len(s2):
        raise ValueError(f"convolve: in1 and in2 should have the same dimensionality; got "
                         f"shapes {s1} and {s2}. Add axes of length 1 (np.expand_dims), or "
                         "say which axes to convolve (axes=).")
    if 0 in s1 or 0 in s2:
        raise ValueError(f"convolve: empty input (shapes {s1} and {s2}); tapegrad's convolve "
                         "needs at least one element in each.")
    if not s1 and not s2:
        return in1 * in2
    _refuse_complex(in1, in2)
    conv, dot = _axes(s1, s2, axes, dot_axes)
    keep1 = [i for i in range(len(s1)) if i not in conv[0] and i not in dot[0]]
    keep2 = [i for i in range(len(s2)) if i not in conv[1] and i not in dot[1]]
    a = _group(in1, keep1, dot[0], conv[0])        # (ia, d, c)
    b = _group(in2, keep2, dot[1], conv[1])        # (ib, d, c)
    n1, n2 = [s1[i] for i in conv[0]], [s2[i] for i in conv[1]]
    if mode == "valid":
        if all(m >= n for m, n in zip(n1, n2)):
            return conv_p(a, b, len(keep1), len(keep2), len(dot[0]), "valid")
        if all(n >= m for m, n in zip(n1, n2)):      # convolution commutes
            out = conv_p(b, a, len(keep2), len(keep1), len(dot[0]), "valid")
            k1, k2 = len(keep1), len(keep2)
            return _group(out, range(k2, k2 + k1), range(k2), range(k1 + k2, len(shape_of(out))))
        raise ValueError(f"convolve: for 'valid' mode, one must be at least as large as the "
                         f"other in every convolved dimension; got shapes {s1} and {s2}.")
    full = conv_p(a, b, len(keep1), len(keep2), len(dot[0]), "full")
    if mode == "full":
        return full
    lead = (slice(None),) * (len(keep1) + len(keep2))     # "same": the centre, n1 long
    return full[lead + tuple(slice((n - 1) // 2, (n - 1) // 2 + m) for m, n in zip(n1, n2))]


def _axes(s1: tuple[int, ...], s2: tuple[int, ...], axes: Any, dot_axes: Any
          ) -> tuple[tuple[list[int], list[int]], tuple[list[int], list[int]]]:
    """The convolved and the summed axes of each input, checked, as non-negative ints."""
    conv = (list(range(len(s1))), list(range(len(s1)))) if axes is None else (
        [_axis(a, len(s1)) for a in axes[0]], [_axis(a, len(s2)) for a in axes[1]])
    dot = ([_axis(a, len(s1)) for a in dot_axes[0]], [_axis(a, len(s2)) for a in dot_axes[1]])
    _check_pairs(s1, s2, conv, dot)
    return conv, dot


def _axis(a: int, ndim: int) -> int:
    if not -ndim <= int(a) < ndim:
        raise ValueError(f"convolve: axis {a} is out of range for an array of {ndim} axes.")
    return int(a) % ndim


def _check_pairs(s1: tuple[int, ...], s2: tuple[int, ...], conv: tuple[list[int], list[int]],
                 dot: tuple[list[int], list[int]]) -> None:
    """The convolved and the summed axes pair up, each axis used once, summed ones equal."""
    if len(conv[0]) != len(conv[1]) or len(dot[0]) != len(dot[1]):
        raise ValueError(f"convolve: axes={conv} and dot_axes={dot} must pair up: as many "
                         "axes of in1 as of in2 in each.")
    for used in (conv[0] + dot[0], conv[1] + dot[1]):
        if len(set(used)) != len(used):
            raise ValueError(f"convolve: an axis is named twice in axes={conv}, "
                             f"dot_axes={dot}.")
    for i, j in zip(*dot):
        if s1[i] != s2[j]:
            raise ValueError(f"convolve: dot axes {i} of in1 (length {s1[i]}) and {j} of in2 "
                             f"(length {s2[j]}) must have the same length.")


def _refuse_complex(*xs: Number) -> None:
    for x in xs:
        if np.iscomplexobj(primal_value(x)):
            raise TypeError("convolve: complex input is not supported by tapegrad.")
