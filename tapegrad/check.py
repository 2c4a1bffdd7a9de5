"""``check_grads``: derivatives against central differences, in both modes.

Forward mode is checked input leaf by input leaf: a random tangent on one
leaf, ``jvp``'s output tangent against ``(f(x + eps v) - f(x - eps v)) / 2eps``.
Reverse mode likewise, through a random cotangent ``u``: ``<vjp(u), v>``
against ``<u, central difference along v>``. Checking leaf by leaf is what
lets a failure name the pytree path of the worst leaf. At order 2 the same
checks run on the derivative functions themselves, at order 3 on theirs, and so
on (as JAX's ``check_grads``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import tree
from .tracing import arg_name
from .transforms import jvp, vjp

__all__ = ["check_grads"]


def check_grads(fun: Callable[..., Any], args: Sequence[Any], order: int = 1,
                modes: Sequence[str] = ("fwd", "rev"), eps: float = 1e-6,
                rtol: float = 1e-5, atol: float = 1e-6, seed: int = 0) -> None:
    """Check ``fun``'s derivatives against central finite differences.

    Args:
      fun: Function of pytrees of numbers, returning a pytree of numbers.
      args: Tuple of arguments to check at; every leaf is differentiated.
      order: 1 checks ``jvp`` and ``vjp`` of ``fun``; 2 also checks the
        derivatives of those derivative functions (forward over forward,
        reverse over forward, and so on); each further order checks the
        derivative functions of the previous one (any positive int, as JAX).
      modes: ``"fwd"``, ``"rev"`` or both.
      eps: Step of the central differences (computed in float64).
      rtol: Relative tolerance: a derivative passes where
        ``|got - expected| <= atol + rtol * |expected|``.
      atol: Absolute tolerance, in the same test. Each of ``eps``, ``rtol``
        and ``atol`` may also be None (its default) or a dict from dtypes to
        numbers, as JAX's tests give them (the largest among the arguments'
        dtypes applies).
      seed: Seed of the random directions.

    Raises:
      AssertionError: naming the mode, the pytree path of the worst leaf and
        both numbers.

    Examples:
      >>> import tapegrad as tg
      >>> tg.check_grads(tg.sin, (0.3,), order=2)
      >>> bad = tg.primitive(lambda x: x * x, name="square")
      >>> tg.defvjp(bad, lambda g, ans, x: g * x)     # should be 2 * x
      >>> tg.check_grads(lambda p: bad(p["w"]) + p["b"], ({"w": 3.0, "b": 1.0},),
      ...                modes=["rev"])
      Traceback (most recent call last):
        ...
      AssertionError: check_grads: VJP (reverse mode) wrt p['w'] is wrong: ...
    """
    _check_options(args, order, modes)
    tol = (_tolerance(eps, 1e-6, args), _tolerance(rtol, 1e-5, args),
           _tolerance(atol, 1e-6, args))
    try:
        _check(fun, tuple(args), order, tuple(modes), tol, np.random.default_rng(seed), "")
    except NotImplementedError as e:    # a primitive with the rules of one mode only
        missing = str(e).partition(" mode")[0]
        other = {"forward": ("reverse", "rev"), "reverse": ("forward", "fwd")}.get(missing)
        if other is None or len(set(modes)) < 2:
            raise
        raise NotImplementedError(f"check_grads: {e} To check {other[0]} mode alone, pass "
                                  f"modes=({other[1]!r},).") from None


def _check_options(args: Any, order: int, modes: Sequence[str]) -> None:
    """Refuse arguments that are not a tuple, an order that is no positive int, unknown modes."""
    if not isinstance(args, tuple | list):
        raise TypeError(f"check_grads: args must be a tuple of arguments, got "
                        f"{type(args).__name__}; for one argument write (x,).")
    if isinstance(order, bool) or not isinstance(order, int | np.integer) or order < 1:
        raise ValueError(f"check_grads: order must be a positive int, got {order!r}.")
    unknown = set(modes) - {"fwd", "rev"}
    if unknown or not modes:
        raise ValueError(f"check_grads: modes must name 'fwd' and/or 'rev', got {modes!r}.")


def _tolerance(given: Any, default: float, args: Any) -> float:
    """A tolerance as JAX's tests give it: a number, None (the default), or per dtype.

    A dict ``{np.float32: 1e-3, ...}`` gives the largest entry among the
    dtypes of ``args``' leaves (Python floats count as float64).
    """
    if given is None:
        return default
    if isinstance(given, dict):
        kinds = {np.dtype(getattr(x, "dtype", np.float64)) for x in tree.leaves(args)}
        chosen = [float(v) for k, v in given.items() if np.dtype(k) in kinds]
        return max(chosen) if chosen else default
    return float(given)


def _check(f: Callable[..., Any], args: tuple[Any, ...], order: int,
           modes: tuple[str, ...], tol: tuple[float, float, float],
           rng: np.random.Generator, of: str) -> None:
    if "fwd" in modes:
        label = "JVP (forward mode)" + of
        _check_jvp(f, args, tol, rng, label)
        if order > 1:
            def f_jvp(primals: tuple[Any, ...], tangents: tuple[Any, ...]) -> Any:
                return jvp(f, primals, tangents)
            _check(f_jvp, (args, args), order - 1, modes, tol, rng, " of " + label)
    if "rev" in modes:
        label = "VJP (reverse mode)" + of
        _check_vjp(f, args, tol, rng, label)
        if order > 1:
            @functools.wraps(f)
            def f_vjp(*xs: Any) -> Any:
                out, pull = vjp(f, *xs)
                return pull(out)     # the cotangent is traced too, as in JAX
            _check(f_vjp, args, order - 1, modes, tol, rng, " of " + label)


# ------------------------------------------------------------ the checks
def _check_jvp(f: Callable[..., Any], args: tuple[Any, ...],
               tol: tuple[float, float, float], rng: np.random.Generator,
               label: str) -> None:
    eps = tol[0]
    worst = _Worst()
    for where, direction in _directions(f, args, rng):
        _, t_out = jvp(f, args, direction)
        hi = f(*_axpy(args, eps, direction))
        lo = f(*_axpy(args, -eps, direction))
        got_pairs, _ = tree.flatten_with_path(t_out)
        for (out_path, got), a, b in zip(got_pairs, tree.leaves(hi), tree.leaves(lo)):
            expected = (np.asarray(a, float) - np.asarray(b, float)) / (2 * eps)
            worst.update(got, expected, tol, where, tree.keystr(out_path))
    worst.raise_if_bad(label)


def _check_vjp(f: Callable[..., Any], args: tuple[Any, ...],
               tol: tuple[float, float, float], rng: np.random.Generator,
               label: str) -> None:
    eps = tol[0]
    out, pull = vjp(f, *args)
    u = tree.map(lambda x: _random_like(x, rng), out)
    cts = pull(u)
    worst = _Worst()
    for where, direction in _directions(f, args, rng):
        got = _dot(cts, direction)
        hi = f(*_axpy(args, eps, direction))
        lo = f(*_axpy(args, -eps, direction))
        expected = (_dot(u, hi) - _dot(u, lo)) / (2 * eps)
        worst.update(got, expected, tol, where, "")
    worst.raise_if_bad(label)


class _Worst:
    """The leaf whose error most exceeds its tolerance, for the message."""

    def __init__(self) -> None:
        self.excess = 0.0
        self.report = ""

    def update(self, got: Any, expected: Any, tol: tuple[float, float, float],
               where: str, out_path: str) -> None:
        got = np.asarray(got, dtype=float)
        expected = np.asarray(expected, dtype=float)
        bound = tol[2] + tol[1] * np.abs(expected)
        err = np.abs(got - expected)
        bad = ~(err <= bound)                 # nan counts as bad
        if not bad.any():
            return
        excess = np.where(bad, np.nan_to_num(err - bound, nan=np.inf), -np.inf)
        k = np.unravel_index(int(np.argmax(excess)), np.shape(excess))
        if float(excess[k]) < self.excess and self.report:
            return
        self.excess = float(excess[k])
        at = f"output{out_path}" if out_path or np.ndim(excess) else ""
        if np.ndim(excess):
            at += f" element {tuple(int(i) for i in k)}"
        self.report = (
            f"wrt {where} is wrong{' at ' + at if at else ''}: got {float(got[k])!r}, central "
            f"differences give {float(expected[k])!r} (|difference| "
            f"{float(err[k]):.3g} > atol + rtol * |expected| = {float(bound[k]):.3g}).")

    def raise_if_bad(self, label: str) -> None:
        if self.report:
            raise AssertionError(f"check_grads: {label} {self.report}")


# --------------------------------------------------------------- helpers
def _directions(f: Callable[..., Any], args: tuple[Any, ...],
                rng: np.random.Generator) -> Any:
    """For each input leaf: its path and a random direction on it alone.

    The direction is a tuple of pytrees like ``args``, zero elsewhere.
    """
    flat = [tree.flatten_with_path(a) for a in args]
    for n, (pairs, _) in enumerate(flat):
        for k, (path, _) in enumerate(pairs):
            direction = []
            for m, (other_pairs, other_def) in enumerate(flat):
                leaves = [_random_like(y, rng) if (m, j) == (n, k) else _zero_like(y)
                          for j, (_, y) in enumerate(other_pairs)]
                direction.append(tree.unflatten(other_def, leaves))
            yield arg_name(f, n) + tree.keystr(path), tuple(direction)


def _random_like(x: Any, rng: np.random.Generator) -> Any:
    if isinstance(x, np.ndarray):
        return rng.standard_normal(x.shape)
    return float(rng.standard_normal())


def _zero_like(x: Any) -> Any:
    return np.zeros(np.shape(x)) if isinstance(x, np.ndarray) else 0.0


def _axpy(args: tuple[Any, ...], a: float, direction: tuple[Any, ...]) -> tuple[Any, ...]:
    """``args + a * direction``, leaf by leaf, in float64."""
    return tuple(tree.map(lambda x, d: _float(x) + a * d, x, d)
                 for x, d in zip(args, direction))


def _float(x: Any) -> Any:
    return np.asarray(x, dtype=np.float64) if isinstance(x, np.ndarray) else float(x)


def _dot(a: Any, b: Any) -> float:
    """Sum of elementwise products over two pytrees of the same structure."""
    return float(sum(np.sum(np.asarray(x, float) * np.asarray(y, float))
                     for x, y in zip(tree.leaves(a), tree.leaves(b))))
