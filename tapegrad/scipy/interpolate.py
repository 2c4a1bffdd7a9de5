"""SciPy's ``scipy.interpolate.CubicSpline`` of traced values, as ``jax.scipy.interpolate`` mirrors.

A cubic spline through ``(x, y)`` with constant knots ``x`` has
coefficients linear in ``y`` (affine where ``bc_type`` gives derivative
values): SciPy's own ``CubicSpline`` of the identity gives that constant
matrix, once per knots and boundary conditions, and the coefficients of a
traced ``y`` are one ``tensordot`` with it. Evaluation finds each point's
interval with ``searchsorted`` (integer data, recorded: so the points may be
traced too, under ``jit`` and ``vmap`` as well) and runs Horner's rule on
the gathered coefficients. Derivatives flow to ``y`` and to the points.
SciPy computes the matrix, so this module needs SciPy installed.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ..binning import searchsorted
from ..indexing import take
from ..joins import as_array
from ..kinks import clip, where
from ..logic import logical_or
from ..reshaping import moveaxis
from ..tensordot import tensordot
from ..values import Traced, shape_of

__all__ = ["CubicSpline"]

Number = Any


def _linear(bc: Any) -> Any:
    """``bc_type`` with its derivative values set to 0: the linear part of the spline."""
    if isinstance(bc, str):
        return bc
    return tuple(s if isinstance(s, str) else (s[0], 0.0) for s in bc)


@functools.lru_cache(maxsize=32)
def _matrix(knots: bytes, n: int, bc: Any) -> np.ndarray:
    """``C[k, i, j]``: coefficient ``k`` of piece ``i`` of the spline through ``e_j``."""
    from scipy.interpolate import CubicSpline as Scipy
    x = np.frombuffer(knots)
    if bc == "periodic":        # y[-1] is y[0]: the spline of n - 1 free values
        basis = np.eye(n)[:, :n - 1]
        basis[n - 1, 0] = 1.0
        return Scipy(x, basis, axis=0, bc_type=bc).c
    if not isinstance(bc, str):     # (order, 0.0): a value for each column of the identity
        bc = tuple(s if isinstance(s, str) else (s[0], np.zeros(n)) for s in bc)
    return Scipy(x, np.eye(n), axis=0, bc_type=bc).c


def _hashable(bc: Any) -> Any:
    return bc if isinstance(bc, str) else tuple(
        s if isinstance(s, str) else (int(s[0]), float(s[1])) for s in bc)


class CubicSpline:
    """SciPy's ``CubicSpline(x, y, axis, bc_type, extrapolate)`` of a traced ``y``.

    ``x`` (the knots) is constant; ``y`` may be traced, and so may the points
    the spline is called at. ``bc_type`` is SciPy's: ``"not-a-knot"``,
    ``"natural"``, ``"clamped"``, ``"periodic"`` (``y[-1]`` is taken to be
    ``y[0]``; SciPy checks they are equal) or a pair of ``(order, value)``
    with constant values of a 1-D ``y``.

    Attributes:
      x: The knots.
      c: The coefficients, shape ``(4, len(x) - 1) + other axes of y``,
        highest power first, as SciPy's.
      axis: The axis of ``y`` along the knots.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> f = lambda y: CubicSpline(np.arange(4.0), y)(1.5)
      >>> float(f(np.array([0.0, 1.0, 4.0, 9.0])))
      2.25
      >>> tg.grad(f)(np.array([0.0, 1.0, 4.0, 9.0]))
      array([-0.0625,  0.5625,  0.5625, -0.0625])
    """

    def __init__(self, x: Any, y: Number, axis: int = 0, bc_type: Any = "not-a-knot",
                 extrapolate: Any = None) -> None:
        if type(x) is Traced:
            raise TypeError("tapegrad.scipy.interpolate.CubicSpline: the knots x must be "
                            "constant (y and the points evaluated at may be traced).")
        self.x = np.asarray(x, dtype=np.float64)
        y = as_array(y)
        nd, n = len(shape_of(y)), len(self.x)
        self.axis = axis % nd
        y = moveaxis(y, self.axis, 0) if self.axis else y
        if shape_of(y)[0] != n or n < 2:
            raise ValueError(f"CubicSpline: y has {shape_of(y)[0]} values along axis {axis} "
                             f"for {n} knots (at least 2, and as many).")
        bc = _hashable(bc_type)
        if bc == "periodic":
            y = y[:-1]
        matrix = _matrix(self.x.tobytes(), n, _linear(bc))
        self.c = tensordot(matrix.astype(np.float64), y, 1)
        if _linear(bc) != bc:      # derivative values: the spline of y = 0 is added
            from scipy.interpolate import CubicSpline as Scipy
            self.c = self.c + Scipy(self.x, np.zeros(shape_of(y)), bc_type=bc).c
        self.extrapolate = ("periodic" if bc == "periodic" else True) \
            if extrapolate is None else extrapolate

    def __call__(self, t: Number, nu: int = 0, extrapolate: Any = None) -> Number:
        """The spline (its ``nu``-th derivative) at ``t``.

        Args:
          t: The points (traced or not).
          nu: The order of the derivative (0 to 3).
          extrapolate: True, False (nan outside the knots), ``"periodic"``, or
            None (the spline's own).

        Returns:
          The values, of shape ``t.shape`` in place of ``y``'s axis, as SciPy's.
        """
        ext = self.extrapolate if extrapolate is None else extrapolate
        x, t = self.x, as_array(t)
        if type(t) is not Traced:
            t = np.asarray(t, dtype=np.float64)
        if ext == "periodic":
            t = x[0] + (t - x[0]) % (x[-1] - x[0])
        i = clip(searchsorted(x, t, side="right") - 1, 0, len(x) - 2)
        dt = t - take(x, i)
        c = take(self.c, i, axis=1)            # (4, *t.shape, *rest)
        dt = np.reshape(dt, shape_of(dt) + (1,) * (len(shape_of(c)) - 1 - len(shape_of(dt))))
        out = _horner(c, dt, nu)
        if ext is False:
            outside = logical_or(t < x[0], t > x[-1])
            out = where(np.reshape(outside, shape_of(dt)), np.nan, out)
        if self.axis:
            k = len(shape_of(t))
            out = moveaxis(out, list(range(k)), list(range(self.axis, self.axis + k)))
        return out if type(out) is Traced else np.asarray(out)     # a 0-d array, as SciPy's

    def derivative(self, nu: int = 1) -> Any:
        """The spline's ``nu``-th derivative.

        Args:
          nu: The order of the derivative.

        Returns:
          A function of the points (and ``extrapolate``).
        """
        return lambda t, extrapolate=None: self(t, nu, extrapolate)


def _horner(c: Any, dt: Any, nu: int) -> Any:
    """``sum_k c[k] dt^(3-k)`` differentiated ``nu`` times, by Horner's rule."""
    out: Any = 0.0
    for k in range(4 - nu):
        power = 3 - k
        factor = float(np.prod(np.arange(power - nu + 1, power + 1)))
        out = out * dt + c[k] * factor
    return out * (dt * 0.0 + 1.0) if nu >= 3 else out
