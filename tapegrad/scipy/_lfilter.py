"""SciPy's ``scipy.signal.lfilter`` on traced values: one primitive, its rules filters again.

``y = lfilter(b, a, x)`` solves ``a[0] y[n] + a[1] y[n-1] + ... = b[0] x[n]
+ b[1] x[n-1] + ...`` from rest, along one axis: ``y = (B / A) x``. It is
linear in ``x`` and in ``b``, so every derivative is a filter again:

- ``x``: the transposed filter, ``flip(lfilter(b, a, flip(g)))`` (anticausal);
- ``b[k]``: ``sum_n u[n] x[n - k]``, with ``u = flip(lfilter(1, a, flip(g)))``;
- ``a[k]``: ``-sum_n u[n] y[n - k]`` (from ``dA y + A dy = 0``);
- forward: ``lfilter(db, a, x) + lfilter(b, a, dx) - lfilter(da, a, y)``.

The rules call the primitive, so every order differentiates. The value is
SciPy's own (``scipy.signal.lfilter``) where SciPy is installed, else the
same direct-form recursion in NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..arrays import stack
from ..batching.rules import batch_rules, per_example
from ..flips import flip
from ..joins import as_array
from ..primitive import Primitive, defjvp, defvjp, primitive
from ..reductions import sum as tg_sum
from ..reshaping import moveaxis
from ..values import shape_of

__all__ = ["lfilter"]

Number = Any


def _recursion(b: np.ndarray, a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """SciPy's direct form II transposed along the last axis, in NumPy (no SciPy)."""
    dtype = np.result_type(b, a, x, np.float64 if x.dtype.kind in "biu" else x.dtype)
    n = max(len(a), len(b))
    b = np.pad(b, (0, n - len(b))).astype(dtype) / a[0]
    a = np.pad(a, (0, n - len(a))).astype(dtype) / a[0]
    z = np.zeros(x.shape[:-1] + (n - 1,), dtype)
    y = np.empty(x.shape, dtype)
    for i in range(x.shape[-1]):
        xi = x[..., i]
        y[..., i] = yi = b[0] * xi + (z[..., 0] if n > 1 else 0.0)
        for k in range(n - 2):
            z[..., k] = b[k + 1] * xi + z[..., k + 1] - a[k + 1] * yi
        if n > 1:
            z[..., n - 2] = b[n - 1] * xi - a[n - 1] * yi
    return y


def _lfilter(b: Any, a: Any, x: Any) -> Any:
    b, a, x = np.asarray(b), np.asarray(a), np.asarray(x)
    try:
        from scipy.signal import lfilter as scipy_lfilter
    except ImportError:         # tapegrad.scipy runs without SciPy
        return _recursion(b, a, x)
    return scipy_lfilter(b, a, x, axis=-1)


lfilter_p: Primitive = primitive(_lfilter, "lfilter", check_rules=False)


def _x_batched(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    """A batch of signals (the filter the same): one call, the batch a leading axis."""
    if batched[0] or batched[1]:
        return per_example(e, values, batched, n)
    return _lfilter(*values)


batch_rules[lfilter_p] = _x_batched


def _lagged(u: Any, v: Any, m: int) -> Any:
    """``[sum(u[..., n] * v[..., n - k]) for k < m]``: the products of ``u`` with ``v`` delayed."""
    n = shape_of(u)[-1]
    return stack([tg_sum(u[..., k:] * v[..., :n - k]) if k < n else tg_sum(u[..., :0])
                  for k in range(m)])


def _adjoint(g: Any, b: Any, a: Any) -> Any:
    """The transposed filter applied to ``g``: ``flip(lfilter(b, a, flip(g)))``."""
    return flip(lfilter_p(b, a, flip(g, -1)), -1)


defvjp(lfilter_p,
       lambda g, ans, b, a, x: _lagged(_adjoint(g, np.ones(1), a), x, shape_of(b)[0]),
       lambda g, ans, b, a, x: -_lagged(_adjoint(g, np.ones(1), a), ans, shape_of(a)[0]),
       lambda g, ans, b, a, x: _adjoint(g, b, a))
defjvp(lfilter_p,
       lambda t, ans, b, a, x: lfilter_p(t, a, x),
       lambda t, ans, b, a, x: -lfilter_p(t, a, ans),
       lambda t, ans, b, a, x: lfilter_p(b, a, t))


def lfilter(b: Number, a: Number, x: Number, axis: int = -1, zi: Any = None) -> Number:
    """SciPy's ``lfilter``: ``x`` filtered by ``b / a`` along ``axis``, from rest.

    Differentiable in ``b``, ``a`` and ``x`` (to any order, under every
    transform): the derivatives are filters again (see the module).

    Args:
      b: The numerator coefficients (1-D).
      a: The denominator coefficients (1-D); ``a[0]`` must not be 0 (SciPy's error).
      x: The signal, an array of any number of axes.
      axis: The axis filtered along.
      zi: Not supported (initial conditions): None only.

    Returns:
      The filtered signal, shaped like ``x``.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> lfilter([1.0], [1.0, -0.5], np.array([1.0, 0.0, 0.0]))
      array([1.  , 0.5 , 0.25])
      >>> tg.grad(lambda a: lfilter([1.0], a, np.array([1.0, 0.0, 0.0]))[2])(np.array([1.0, -0.5]))
      array([-0.75, -1.  ])
    """
    if zi is not None:
        raise NotImplementedError("tapegrad.scipy.signal.lfilter: zi (initial conditions) is "
                                  "not supported; filter from rest (zi=None).")
    b, a, x = (as_array(v) for v in (b, a, x))
    for name, v in (("b", b), ("a", a)):
        if len(shape_of(v)) != 1:
            raise ValueError(f"lfilter: {name} must be a 1-D array, not of shape {shape_of(v)}.")
    nd = len(shape_of(x))
    axis = axis % nd
    if axis == nd - 1:
        return lfilter_p(b, a, x)
    return moveaxis(lfilter_p(b, a, moveaxis(x, axis, -1)), -1, axis)
