"""``scipy.integrate.odeint`` for tapegrad, differentiated by the adjoint method.

The solver is Dormand-Prince (RK45) with an adaptive step and 4th-order
interpolation at the output times, as ``jax.experimental.ode.odeint``;
it runs on plain NumPy numbers inside one primitive. Reverse mode
integrates the adjoint system backwards (``y``, ``dL/dy`` and ``dL/dargs``
together, one vector-Jacobian product of ``func`` per evaluation, as JAX
does), so memory does not grow with the number of steps; forward mode
integrates the forward sensitivities alongside ``y``. Both rules are
written with ``odeint_p`` itself (of the adjoint or the tangent system)
and tapegrad functions, so derivatives of every order come out, in both
modes (each order solves a system twice the size of the last).

Examples:
  >>> import numpy as np
  >>> import tapegrad as tg
  >>> from tapegrad.scipy.integrate import odeint
  >>> decay = lambda y, t, k: -k * y
  >>> t = np.array([0.0, 1.0])
  >>> float(odeint(decay, np.array([1.0]), t, (2.0,))[1, 0])      # exp(-2)
  0.1353352...
  >>> float(tg.grad(lambda k: odeint(decay, np.array([1.0]), t, (k,))[1, 0])(2.0))  # -exp(-2)
  -0.1353352...
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import reductions, tree
from ..arrays import astype, concatenate, stack
from ..primitive import defjvp, defvjp, primitive
from ..shapes import reshape as reshape_to
from ..transforms import jvp, vjp
from ..values import Traced, primal_value
from ._closures import closure_convert

__all__ = ["odeint"]

Array = np.ndarray


# ------------------------------------------------------------ the solver
_ALPHA = (1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0)
_BETA = (
    (1 / 5,),
    (3 / 40, 9 / 40),
    (44 / 45, -56 / 15, 32 / 9),
    (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
    (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
    (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84),
)
_C_SOL = np.array([35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0])
_C_ERR = _C_SOL - np.array([1951 / 21600, 0.0, 22642 / 50085, 451 / 720, -12231 / 42400,
                            649 / 6300, 1 / 60])
_C_MID = np.array([6025192743 / 30085553152, 0.0, 51252292925 / 65400821598,
                   -2691868925 / 45128329728, 187940372067 / 1594534317056,
                   -1776094331 / 19743644256, 11237099 / 235043384]) / 2


def _step(f: Callable[[Array, float], Array], y: Array, fy: Array, t: float,
          h: float) -> tuple[Array, Array, Array, Array]:
    """One Dormand-Prince step: the new y, its slope, the error estimate, the stages."""
    k = [fy]
    for alpha, beta in zip(_ALPHA, _BETA):
        k.append(f(y + h * sum(b * ki for b, ki in zip(beta, k) if b), t + h * alpha))
    ks = np.stack(k)
    y1 = y + h * (_C_SOL @ ks)
    return y1, ks[-1], h * (_C_ERR @ ks), ks


def _fit(y0: Array, y1: Array, ks: Array, h: float) -> Array:
    """The 4th-order polynomial through a step (coefficients, highest first)."""
    ym = y0 + h * (_C_MID @ ks)
    d0, d1 = h * ks[0], h * ks[-1]
    return np.stack([-2 * d0 + 2 * d1 - 8 * y0 - 8 * y1 + 16 * ym,
                     5 * d0 - 3 * d1 + 18 * y0 + 14 * y1 - 32 * ym,
                     -4 * d0 + d1 - 11 * y0 - 5 * y1 + 16 * ym, d0, y0])


def _first_step(f: Callable[[Array, float], Array], t0: float, y0: Array, f0: Array,
                rtol: float, atol: float) -> float:
    """Hairer, Norsett and Wanner's initial step (Solving ODEs I, II.4)."""
    scale = atol + np.abs(y0) * rtol
    d0, d1 = np.linalg.norm(y0 / scale), np.linalg.norm(f0 / scale)
    h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
    d2 = np.linalg.norm((f(y0 + h0 * f0, t0 + h0) - f0) / scale) / h0
    h1 = max(1e-6, h0 * 1e-3) if max(d1, d2) <= 1e-15 else (0.01 / max(d1, d2)) ** 0.2
    return float(min(100 * h0, h1))


def _solve(f: Callable[[Array, float], Array], y0: Array, ts: Array, rtol: float, atol: float,
           mxstep: int, hmax: float) -> Array:
    """``y`` at each of the increasing times ``ts``, from ``y(ts[0]) = y0``."""
    if np.any(np.diff(ts) < 0):      # up and down: SciPy's check, under every transform
        raise ValueError("odeint: the values in t must be monotonically increasing or decreasing.")
    y, t = y0, float(ts[0])
    fy = f(y, t)
    h = min(_first_step(f, t, y, fy, rtol, atol), hmax)
    last_t, coeff = t, np.stack([y] * 5)
    out = [y0]
    for target in ts[1:]:
        steps = 0
        while t < target and h > 0:
            if steps == mxstep:
                raise RuntimeError(
                    f"odeint: more than mxstep={mxstep} steps to reach t={target}; pass a "
                    f"larger mxstep, or looser rtol/atol (the problem may be stiff).")
            steps += 1
            y1, f1, err, ks = _step(f, y, fy, t, h)
            tol = atol + rtol * np.maximum(np.abs(y), np.abs(y1))
            ratio = float(np.sqrt(np.mean((err / tol) ** 2))) if y.size else 0.0
            if ratio <= 1.0:
                coeff, last_t = _fit(y, y1, ks, h), t
                y, fy, t = y1, f1, t + h
            factor = 10.0 if ratio == 0 else min(10.0, max(
                0.9 * ratio ** -0.2, 1.0 if ratio < 1 else 0.2))
            h = min(h * factor, hmax)
        s = (target - last_t) / (t - last_t) if t != last_t else 1.0
        out.append(np.polyval(coeff, s) if coeff.ndim == 1 else
                   (((coeff[0] * s + coeff[1]) * s + coeff[2]) * s + coeff[3]) * s + coeff[4])
    return np.stack(out)


# ------------------------------------------------------------- the problem
@dataclass(frozen=True, eq=False)
class _Problem:
    """Everything about one ``odeint`` call that is not differentiated.

    The differentiated numbers travel as one flat vector ``z``: ``y0``,
    then ``t``, then every float leaf of ``args``.
    """

    func: Callable[..., Any]
    treedef: Any
    leaves: tuple[Any, ...]            # the args' leaves; None where it is in z
    shapes: tuple[tuple[int, ...], ...]   # the shapes of the float leaves in z
    n: int
    nt: int
    rtol: float
    atol: float
    mxstep: int
    hmax: float
    tfirst: bool
    dtype: Any                          # of the trajectory: y0's, float32 or float64

    def split(self, z: Array) -> tuple[Array, Array, list[Array]]:
        """``z`` as ``(y0, t, float leaves)``."""
        y0, t = z[:self.n], z[self.n:self.n + self.nt]
        out, at = [], self.n + self.nt
        for shape in self.shapes:
            size = math.prod(shape)
            out.append(z[at:at + size].reshape(shape))
            at += size
        return y0, t, out

    def rhs(self, y: Any, t: Any, floats: Any) -> Any:
        """``func(y, t, *args)`` with the float leaves ``floats``, as one flat vector."""
        it = iter(floats)
        args = tree.unflatten(self.treedef, [next(it) if v is None else v for v in self.leaves])
        r = self.func(t, y, *args) if self.tfirst else self.func(y, t, *args)
        if isinstance(r, list | tuple):
            r = stack(list(r)) if any(type(v) is Traced for v in r) else np.asarray(r, float)
        if type(r) is Traced:
            return reshape_to(r, (self.n,))
        return np.asarray(r, dtype=float).reshape(self.n)

    def solve(self, y0: Array, t: Array, floats: list[Array]) -> Array:
        """The trajectory at ``t`` (increasing or decreasing), shape ``(len(t), n)``."""
        sign = -1.0 if self.nt > 1 and t[-1] < t[0] else 1.0

        def f(y: Array, s: float) -> Array:
            r = self.rhs(y, sign * s, floats)
            if type(r) is Traced:            # func reached a traced value we did not pass
                raise TypeError(
                    "tapegrad.scipy.integrate.odeint: func uses a traced value that is not "
                    "in args and not in its own closure or defaults (a global, or the "
                    "closure of a function it calls). Pass that value through args: "
                    "odeint(func, y0, t, args=(value,)) with func(y, t, value).")
            return sign * r
        return _solve(f, y0, sign * t, self.rtol, self.atol, self.mxstep, self.hmax)


def _odeint_impl(problem: _Problem, z: Any) -> Any:
    with np.errstate(all="ignore"):
        ys = problem.solve(*problem.split(np.asarray(z, dtype=np.float64)))
    return ys.astype(problem.dtype, copy=False)


def _problem_of(parent: _Problem, func: Callable[..., Any], n: int, nt: int,
                shapes: tuple[tuple[int, ...], ...]) -> _Problem:
    """A derived ODE (the tangent or the adjoint system): ``func(y, t, *floats)``."""
    treedef = tree.flatten(tuple(np.zeros(s) for s in shapes))[1]
    return _Problem(func, treedef, (None,) * len(shapes), shapes, n, nt, parent.rtol,
                    parent.atol, parent.mxstep, parent.hmax, False, parent.dtype)


def _tangent_problem(p: _Problem) -> _Problem:
    """``(y, s)' = (f(y, t, th), f_y s + f_th dth)``: the forward sensitivities, as an ODE."""
    k = len(p.shapes)

    def both(state: Any, t: Any, *fl: Any) -> Any:
        y, s = state[:p.n], state[p.n:]
        fy, dfy = jvp(lambda y_, *th: p.rhs(y_, t, th), (y, *fl[:k]), (s, *fl[k:]))
        return _cat([fy, dfy])
    return _problem_of(p, both, 2 * p.n, p.nt, p.shapes + p.shapes)


def _adjoint_problem(p: _Problem) -> _Problem:
    """``(y, a, th_bar)' = (f, -a f_y, -a f_th)``, solved backwards in time."""
    def adjoint(state: Any, t: Any, *th: Any) -> Any:
        y, a = state[:p.n], state[p.n:2 * p.n]
        fy, back = vjp(lambda y_, *th_: p.rhs(y_, t, th_), y, *th)
        cot = back(a)
        return _cat([fy, -cot[0]] + [-reshape_to(c, (-1,)) for c in cot[1:]])
    return _problem_of(p, adjoint, 2 * p.n + _size(p), 2, p.shapes)


def _size(p: _Problem) -> int:
    return sum(math.prod(s) for s in p.shapes)


def _split(p: _Problem, z: Any) -> tuple[Any, Any, list[Any]]:
    """``z`` as ``(y0, t, float leaves)``, traced or not."""
    y0, t = z[:p.n], z[p.n:p.n + p.nt]
    out, at = [], p.n + p.nt
    for shape in p.shapes:
        size = math.prod(shape)
        out.append(reshape_to(z[at:at + size], shape))
        at += size
    return y0, t, out


def _cat(parts: list[Any]) -> Any:
    """The vectors ``parts`` end to end: NumPy's on plain arrays, else two at a time."""
    if not any(type(p) is Traced for p in parts):
        return np.concatenate([np.asarray(p) for p in parts])
    out = parts[0]
    for p in parts[1:]:
        out = concatenate([out, p])
    return out


def _odeint_jvp(dz: Any, ans: Any, problem: _Problem, z: Any) -> Any:
    """The tangent of the trajectory: the tangent system, solved with ``y`` by ``odeint_p``.

    ``y(t_i)`` moves with ``t_i`` as ``f(y_i, t_i) dt_i``, and the start as
    ``dy0 - f(y0, t0) dt0``. Written with ``odeint_p`` and tapegrad
    functions, so it is differentiated again like any composite.
    """
    y0, t, th = _split(problem, z)
    dy0, dt, dth = _split(problem, dz)
    if problem.nt == 0:
        return ans
    moves = type(dt) is Traced or bool(np.any(np.asarray(dt) != 0))
    s0 = dy0 - problem.rhs(y0, t[0], th) * dt[0] if moves else dy0
    zt = _cat([y0, s0, t] + [reshape_to(v, (-1,)) for v in th + dth])
    sens = odeint_p(_tangent_problem(problem), zt)[:, problem.n:]
    if not moves:
        return sens
    moved = stack([problem.rhs(ans[i], t[i], th) * dt[i] for i in range(problem.nt)])
    return sens + astype(moved, problem.dtype)       # func's float64 constants stay out


def _odeint_vjp(g: Any, ans: Any, problem: _Problem, z: Any) -> Any:
    """``dL/dz`` from ``g = dL/dys``: the adjoint system, solved backwards between outputs.

    One ``odeint_p`` of the adjoint system (``y``, ``dL/dy``, ``dL/dargs``)
    per interval, each output's ``g`` added at its time; written with
    ``odeint_p`` and tapegrad functions, so it is differentiated again.
    """
    y0, t, th = _split(problem, z)
    n, nt = problem.n, problem.nt
    if nt == 0:
        return z * 0.0
    adjoint = _adjoint_problem(problem)
    flat_th = [reshape_to(v, (-1,)) for v in th]
    a, th_bar = g[nt - 1], np.zeros(_size(problem), dtype=problem.dtype)
    t_bar: list[Any] = [None] * nt
    for i in range(nt - 1, 0, -1):
        t_bar[i] = reductions.sum(problem.rhs(ans[i], t[i], th) * g[i])
        state = _cat([ans[i], a, th_bar])
        end = odeint_p(adjoint, _cat([state, t[i:i + 1], t[i - 1:i]] + flat_th))[1]
        a, th_bar = end[n:2 * n] + g[i - 1], end[2 * n:]
    t_bar[0] = -reductions.sum(problem.rhs(y0, t[0], th) * (a - g[0]))
    return _cat([a, astype(stack(t_bar), problem.dtype), th_bar])


odeint_p = primitive(_odeint_impl, "odeint", check_rules=False)
defvjp(odeint_p, None, _odeint_vjp)
defjvp(odeint_p, None, _odeint_jvp)


# -------------------------------------------------------------- public
def _is_float_leaf(v: Any) -> bool:
    if type(v) is Traced:
        return np.asarray(primal_value(v)).dtype.kind == "f"
    return isinstance(v, float | np.floating) or (
        isinstance(v, np.ndarray) and v.dtype.kind == "f")


def _flat(v: Any) -> Any:
    if type(v) is Traced:
        return reshape_to(v, (-1,))
    a = np.asarray(v)
    return np.ravel(a if a.dtype.kind == "f" else a.astype(float))


def _check_options(options: dict[str, Any], numbers: dict[str, Any]) -> None:
    """Refuse SciPy's LSODA options, and a tolerance or step that is not a number."""
    if options:
        raise TypeError(f"tapegrad.scipy.integrate.odeint: {', '.join(sorted(options))} "
                        f"(an option of SciPy's LSODA) is not supported; the solver is "
                        f"Dormand-Prince with rtol, atol, mxstep and hmax.")
    for name, v in numbers.items():
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise TypeError(
                f"tapegrad.scipy.integrate.odeint: {name} is a {type(v).__name__}, not a "
                f"number. Extra arguments of func go in args=(a, b), as in SciPy's "
                f"odeint(func, y0, t, args=(a, b)), not after t as in JAX's odeint.")


def odeint(func: Callable[..., Any], y0: Any, t: Any, args: Any = (), rtol: float | None = None,
           atol: float | None = None, mxstep: int = 0, hmax: float = 0.0,
           tfirst: bool = False, **options: Any) -> Any:
    """Integrate ``dy/dt = func(y, t, *args)`` from ``y(t[0]) = y0`` (SciPy's signature).

    Differentiable in ``y0``, ``t`` and every float in ``args`` (a pytree),
    by the adjoint method in reverse mode and forward sensitivities in
    forward mode; ``jit`` and ``vmap`` call the solver as one step.

    Args:
      func: ``func(y, t, *args)`` (``func(t, y, *args)`` with ``tfirst``) returning
        ``dy/dt`` shaped like ``y``; it receives plain NumPy values, and
        traced values while the adjoint runs, so write it with NumPy or tapegrad.
        Traced values in its closure or defaults are differentiated as ``args`` are.
      y0: The initial state (flattened to a vector, as SciPy does).
      t: The output times, increasing or decreasing; ``t[0]`` is where ``y0`` holds.
      args: Extra arguments of ``func``: a tuple (of pytrees).
      rtol: Relative tolerance (SciPy's default ``1.49012e-8``).
      atol: Absolute tolerance (SciPy's default ``1.49012e-8``).
      mxstep: The most steps between two output times (0: 100000).
      hmax: The largest step (0: unbounded).
      tfirst: ``func`` takes ``t`` first, as ``solve_ivp``'s does.
      **options: SciPy's other options (``Dfun``, ``full_output``...): refused.

    Returns:
      The states at ``t``, shape ``(len(t), len(y0))``.

    Raises:
      TypeError: for an option of SciPy's LSODA that this solver does not have.
      ValueError: for times ``t`` that go up and down (as SciPy).
      RuntimeError: when ``mxstep`` steps do not reach the next output time.
    """
    _check_options(options, {"rtol": rtol, "atol": atol, "mxstep": mxstep, "hmax": hmax})
    args = args if isinstance(args, tuple) else (args,)
    func, closed = closure_convert(func)   # traced values func closes over become args
    args = args + closed
    leaves, treedef = tree.flatten(args)
    floats = [v for v in leaves if _is_float_leaf(v)]
    y_flat, t_flat = _flat(y0), _flat(t)
    problem = _Problem(
        func, treedef, tuple(None if _is_float_leaf(v) else v for v in leaves),
        tuple(np.shape(primal_value(v)) for v in floats),
        int(np.size(primal_value(y0))), int(np.size(primal_value(t))),
        1.49012e-8 if rtol is None else float(rtol), 1.49012e-8 if atol is None else float(atol),
        int(mxstep) if mxstep else 100_000, float(hmax) if hmax else math.inf, tfirst,
        np.float32 if np.asarray(primal_value(y0)).dtype == np.float32 else np.float64)
    parts = [y_flat, t_flat] + [_flat(v) for v in floats]
    if problem.dtype == np.float32:         # one dtype for z, so every cotangent is float32
        parts = [astype(p, np.float32) for p in parts]
    traced = any(type(p) is Traced for p in parts)
    return odeint_p(problem, concatenate(parts) if traced else np.concatenate(parts))
