"""Solvers differentiated implicitly: ``tg.fixed_point``.

``fixed_point(f, params, x0)`` iterates ``x = f(params, x)`` from ``x0`` to
the fixed point ``x*`` and is differentiated by the implicit function
theorem, not through the iterations (JAX's ``custom_root``, autograd's
``examples/fixed_points.py``). With ``A = df/dx`` and ``B = df/dparams`` at
``(params, x*)``, ``dx*/dparams = (I - A)^-1 B``:

- reverse mode solves the adjoint fixed point ``w = g + A^T w`` (vjps of
  ``f`` in ``x``) and returns ``B^T w`` (a vjp of ``f`` in ``params``);
- forward mode solves ``u = B t + A u`` (jvps of ``f`` in ``x``).

The forward iteration is a primitive that iterates on plain numbers, so
``jit`` and ``vmap`` run it on every call. The adjoint and tangent solves are
fixed points themselves (of ``w -> g + A^T w`` and ``u -> b + A u``), solved
by ``fixed_point``, so they are differentiated the same way: second
derivatives and beyond work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import tree
from .primitive import Primitive, defjvp, defvjp, primitive
from .transforms import jvp, vjp

__all__ = ["fixed_point"]

_MAX_LEAVES = 64


class _Problem:
    """The constant part of a fixed-point problem: ``f``, the params' structure, tolerances."""

    def __init__(self, f: Callable[..., Any], treedef: Any, tol: float, max_iter: int):
        self.f = f
        self.treedef = treedef
        self.tol = tol
        self.max_iter = max_iter
        self.last: tuple[Any, ...] | None = None     # the last adjoint solve (see _adjoint)

    def params(self, leaves: tuple[Any, ...]) -> Any:
        return tree.unflatten(self.treedef, leaves)

    def __repr__(self) -> str:
        return f"fixed_point({getattr(self.f, '__name__', 'f')})"


def _iterate(step: Callable[[Any], Any], x: Any, problem: _Problem, what: str) -> Any:
    """``x = step(x)`` until the largest change is within ``tol`` (relative to ``x``)."""
    for _ in range(problem.max_iter):
        new = step(x)
        change = float(np.max(np.abs(np.asarray(new) - np.asarray(x)), initial=0.0))
        scale = float(np.max(np.abs(np.asarray(new)), initial=0.0))
        x = new
        if change <= problem.tol * (1.0 + scale) or change != change:
            return x
    raise ValueError(f"tg.fixed_point: the {what} did not converge in {problem.max_iter} "
                     f"iterations to tol={problem.tol}; f must be a contraction near the "
                     "fixed point: raise max_iter or tol, or start closer (x0).")


def _as_float(x: Any) -> Any:
    a = np.asarray(x)
    if a.dtype.kind != "f":
        a = a.astype(float)
    return float(a) if a.ndim == 0 and a.dtype == np.float64 else (a[()] if a.ndim == 0 else a)


def _solve(problem: _Problem, x0: Any, *leaves: Any) -> Any:
    params = problem.params(leaves)
    return _iterate(lambda x: _as_float(problem.f(params, x)), _as_float(x0), problem,
                    "iteration x = f(params, x)")


solve_p: Primitive = primitive(_solve, "fixed_point", check_rules=False)


def _adjoint_map(problem: _Problem) -> Callable[[Any, Any], Any]:
    """``w -> g + A^T w``, a fixed-point map in ``w`` whose params are ``(g, x*, leaves)``."""
    def f(p: Any, w: Any) -> Any:
        g, xstar, leaves = p
        params = problem.params(leaves)
        return g + vjp(lambda x: problem.f(params, x), xstar)[1](w)[0]
    f.__name__ = "adjoint"
    return f


def _tangent_map(problem: _Problem) -> Callable[[Any, Any], Any]:
    """``u -> b + A u``, a fixed-point map in ``u`` whose params are ``(b, x*, leaves)``."""
    def f(p: Any, u: Any) -> Any:
        b, xstar, leaves = p
        params = problem.params(leaves)
        return b + jvp(lambda x: problem.f(params, x), (xstar,), (u,))[1]
    f.__name__ = "tangent"
    return f


def _adjoint(problem: _Problem, g: Any, ans: Any, leaves: tuple[Any, ...]) -> Any:
    """``w = (I - A^T)^-1 g``: itself a fixed point, so it differentiates again.

    One backward pass asks once per leaf with the same ``g``: the last answer is kept.
    """
    last = problem.last
    if last is not None and last[0] is g and last[1] is ans and all(
            a is b for a, b in zip(last[2], leaves)):
        return last[3]
    w = fixed_point(_adjoint_map(problem), (g, ans, leaves), g, tol=problem.tol,
                    max_iter=problem.max_iter)
    problem.last = (g, ans, leaves, w)
    return w


def _leaf_vjp(k: int) -> Callable[..., Any]:
    def rule(g: Any, ans: Any, problem: _Problem, x0: Any, *leaves: Any) -> Any:
        w = _adjoint(problem, g, ans, leaves)
        pull = vjp(lambda leaf: problem.f(problem.params(_put(leaves, k, leaf)), ans),
                   leaves[k])[1]
        return pull(w)[0]
    return rule


def _leaf_jvp(k: int) -> Callable[..., Any]:
    def rule(t: Any, ans: Any, problem: _Problem, x0: Any, *leaves: Any) -> Any:
        b = jvp(lambda leaf: problem.f(problem.params(_put(leaves, k, leaf)), ans),
                (leaves[k],), (t,))[1]
        return fixed_point(_tangent_map(problem), (b, ans, leaves), b, tol=problem.tol,
                           max_iter=problem.max_iter)
    return rule


def _put(leaves: tuple[Any, ...], k: int, leaf: Any) -> tuple[Any, ...]:
    return leaves[:k] + (leaf,) + leaves[k + 1:]


# x0 gets no derivative: the fixed point does not depend on where the iteration starts
defvjp(solve_p, None, None, *(_leaf_vjp(k) for k in range(_MAX_LEAVES)))
defjvp(solve_p, None, None, *(_leaf_jvp(k) for k in range(_MAX_LEAVES)))


def fixed_point(f: Callable[[Any, Any], Any], params: Any, x0: Any, *, tol: float = 1e-10,
                max_iter: int = 10_000) -> Any:
    """The fixed point ``x* = f(params, x*)``, differentiated implicitly in ``params``.

    Iterates ``x = f(params, x)`` from ``x0`` until the largest change is at
    most ``tol * (1 + max|x|)``. The derivative is not taken through the
    iterations but from the implicit function theorem at ``x*``: reverse mode
    solves the adjoint fixed point ``w = g + (df/dx)^T w`` with vjps of ``f``,
    forward mode ``u = (df/dparams) t + (df/dx) u`` with jvps, so it costs a
    few more iterations of the same kind, whatever ``x0`` was. Those solves are
    fixed points too, so higher derivatives work the same way. Works under
    ``jit`` and ``vmap`` (the iterations run on every call).

    Args:
      f: ``f(params, x) -> x``, written with tapegrad or NumPy functions; a
        contraction in ``x`` near the fixed point.
      params: A pytree of numbers (traced or not) that ``f`` depends on.
      x0: The starting point: a float or an array shaped like ``x*`` (no
        derivative flows to it).
      tol: The convergence tolerance (relative to the size of ``x``).
      max_iter: The most iterations of each solve before a ``ValueError``.

    Returns:
      ``x*``, shaped like ``x0``.

    Raises:
      ValueError: if an iteration does not converge in ``max_iter`` steps.
      TypeError: if ``x0`` is a list, tuple or dict rather than a number.

    Examples:
      >>> import tapegrad as tg
      >>> sqrt2 = lambda a: tg.fixed_point(lambda a, x: 0.5 * (x + a / x), a, 1.0)
      >>> round(sqrt2(2.0), 12), round(tg.grad(sqrt2)(2.0), 12)     # 1 / (2 sqrt 2)
      (1.414213562373, 0.353553390593)
    """
    leaves, treedef = tree.flatten(params)
    if len(leaves) > _MAX_LEAVES:
        raise ValueError(f"tg.fixed_point: params has {len(leaves)} leaves; at most "
                         f"{_MAX_LEAVES} are supported: stack them into arrays.")
    if not callable(f):
        raise TypeError(f"tg.fixed_point: f must be a function f(params, x), got "
                        f"{type(f).__name__}.")
    if isinstance(x0, list | tuple | dict):
        raise TypeError("tg.fixed_point: x0 must be a float or an array (x* has its shape), "
                        f"not a {type(x0).__name__}; for several unknowns, put them in one "
                        "array and index it inside f.")
    problem = _Problem(f, treedef, float(tol), int(max_iter))
    return solve_p(problem, x0, *leaves)
