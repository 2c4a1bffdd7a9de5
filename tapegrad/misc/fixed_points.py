"""autograd's ``fixed_point(f, a, x0, distance, tol)``, differentiated implicitly.

autograd's signature and stopping rule: ``f(a)`` is the map, iterated from
``x0`` while ``distance(x, x_prev) > tol``. The derivative is not taken
through the iterations but from the implicit function theorem at the fixed
point ``x*`` (as ``tg.fixed_point`` does; this module keeps autograd's
``distance``/``tol`` rule for every solve, so values and derivatives are
autograd's). With ``A = df(a)/dx`` and ``B = df(a)/da`` at ``x*``:

- reverse mode iterates ``w = g + A^T w`` from zeros (vjps of ``f(a)``) and
  returns ``B^T w``, exactly as autograd does;
- forward mode iterates ``u = B t + A u`` from zeros (jvps).

Both solves call ``fixed_point`` again, so higher derivatives work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import tree
from ..primitive import Primitive, defjvp, defvjp, primitive
from ..transforms import jvp, vjp

__all__ = ["fixed_point"]

_MAX_LEAVES = 64


class _Problem:
    """The constant part of one problem: ``f``, ``distance``, ``tol``, the params' structure."""

    def __init__(self, f: Callable[[Any], Callable[[Any], Any]],
                 distance: Callable[[Any, Any], Any], tol: float, treedef: Any):
        self.f = f
        self.distance = distance
        self.tol = tol
        self.treedef = treedef

    def params(self, leaves: tuple[Any, ...]) -> Any:
        return tree.unflatten(self.treedef, leaves)

    def __repr__(self) -> str:
        return f"fixed_point({getattr(self.f, '__name__', 'f')})"


def _solve(problem: _Problem, x0: Any, *leaves: Any) -> Any:
    """The loop autograd runs: ``x = f(a)(x)`` while ``distance(x, x_prev) > tol``."""
    step = problem.f(problem.params(leaves))
    x, x_prev = step(x0), x0
    while problem.distance(x, x_prev) > problem.tol:
        x, x_prev = step(x), x
    return x


fixed_point_p: Primitive = primitive(_solve, "autograd_fixed_point", check_rules=False)


def _zeros_like(x: Any) -> Any:
    return np.zeros(np.shape(x)) if np.ndim(x) else 0.0


def _put(leaves: tuple[Any, ...], k: int, leaf: Any) -> tuple[Any, ...]:
    return leaves[:k] + (leaf,) + leaves[k + 1:]


def _adjoint_iter(problem: _Problem) -> Callable[[Any], Callable[[Any], Any]]:
    """``(leaves, x*, g) -> (w -> g + A^T w)``: autograd's ``rev_iter``."""
    def rev_iter(p: Any) -> Callable[[Any], Any]:
        leaves, xstar, g = p
        pull = vjp(problem.f(problem.params(tuple(leaves))), xstar)[1]
        return lambda w: pull(w)[0] + g
    return rev_iter


def _tangent_iter(problem: _Problem) -> Callable[[Any], Callable[[Any], Any]]:
    """``(leaves, x*, b) -> (u -> b + A u)``."""
    def fwd_iter(p: Any) -> Callable[[Any], Any]:
        leaves, xstar, b = p
        step = problem.f(problem.params(tuple(leaves)))
        return lambda u: jvp(step, (xstar,), (u,))[1] + b
    return fwd_iter


def _leaf_vjp(k: int) -> Callable[..., Any]:
    def rule(g: Any, ans: Any, problem: _Problem, x0: Any, *leaves: Any) -> Any:
        w = fixed_point(_adjoint_iter(problem), (leaves, ans, g), _zeros_like(ans),
                        problem.distance, problem.tol)
        pull = vjp(lambda leaf: problem.f(problem.params(_put(leaves, k, leaf)))(ans),
                   leaves[k])[1]
        return pull(w)[0]
    return rule


def _leaf_jvp(k: int) -> Callable[..., Any]:
    def rule(t: Any, ans: Any, problem: _Problem, x0: Any, *leaves: Any) -> Any:
        b = jvp(lambda leaf: problem.f(problem.params(_put(leaves, k, leaf)))(ans),
                (leaves[k],), (t,))[1]
        return fixed_point(_tangent_iter(problem), (leaves, ans, b), _zeros_like(ans),
                           problem.distance, problem.tol)
    return rule


# x0 gets no derivative: the fixed point does not depend on where the iteration starts
defvjp(fixed_point_p, None, None, *(_leaf_vjp(k) for k in range(_MAX_LEAVES)))
defjvp(fixed_point_p, None, None, *(_leaf_jvp(k) for k in range(_MAX_LEAVES)))


def fixed_point(f: Callable[[Any], Callable[[Any], Any]], a: Any, x0: Any,
                distance: Callable[[Any, Any], Any], tol: float) -> Any:
    """The fixed point of ``f(a)``, found from ``x0``; differentiable in ``a``.

    autograd's ``autograd.misc.fixed_points.fixed_point``: iterates
    ``x = f(a)(x)`` while ``distance(x, x_prev) > tol`` and differentiates
    implicitly (see the module docstring), in both modes and to any order,
    under ``jit`` and ``vmap`` too. ``tg.fixed_point(f, params, x0)`` is
    tapegrad's own spelling, with ``f(params, x)`` and a relative tolerance.

    Args:
      f: ``f(a)`` returns the map ``x -> x``, written with NumPy or tapegrad
        functions; a contraction near the fixed point.
      a: The parameters: a pytree of numbers (traced or not).
      x0: The starting point (no derivative flows to it).
      distance: ``distance(x, x_prev)``, a number compared with ``tol``.
      tol: Iteration stops once ``distance(x, x_prev) <= tol``.

    Returns:
      The fixed point, shaped like ``x0``.

    Raises:
      ValueError: if ``a`` has more than 64 leaves (stack them into arrays).

    Examples:
      >>> import numpy as np
      >>> from tapegrad import grad
      >>> from tapegrad.misc.fixed_points import fixed_point
      >>> newton = lambda a: lambda x: 0.5 * (x + a / x)
      >>> sqrt = lambda a: fixed_point(newton, a, 1.0, lambda x, y: np.abs(x - y), 1e-12)
      >>> round(float(sqrt(2.0)), 12), round(float(grad(sqrt)(2.0)), 12)   # 1 / (2 sqrt 2)
      (1.414213562373, 0.353553390593)
    """
    leaves, treedef = tree.flatten(a)
    if len(leaves) > _MAX_LEAVES:
        raise ValueError(f"fixed_point: a has {len(leaves)} leaves; at most {_MAX_LEAVES} "
                         "are supported: stack them into arrays.")
    return fixed_point_p(_Problem(f, distance, float(tol), treedef), x0, *leaves)
