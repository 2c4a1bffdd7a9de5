"""JAX's ``linearize`` and ``linear_transpose``: a linear map, and its transpose.

JAX's ``jax.linearize(fun, *primals)`` returns ``fun``'s value and the
linear map ``tangents -> J @ tangents`` at ``primals``. Here the function is
traced once (``tracing.trace``, as ``jvp`` does) and each call of the map
plays the recorded tape forwards (``forward.py``) with the tangents given:
``fun`` is not run again. ``linear_transpose(fun, *primals)`` is the pullback
of a linear ``fun`` (its ``vjp`` at zero, the same at every point).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import tree
from .forward import forward, needed
from .handed_back import out_tangent
from .seeds import array_root, check_tangents, own_arrays, refuse_non_numbers, zeros_like
from .tracing import Trace, check_callable, gc_paused, on, trace
from .transforms import vjp

__all__ = ["linear_transpose", "linearize"]


@gc_paused
def linearize(fun: Callable[..., Any], *primals: Any, has_aux: bool = False) -> Any:
    """Evaluate ``fun`` at ``primals`` and return its linearization there.

    Args:
      fun: Function of pytrees of numbers, returning a pytree of numbers.
      *primals: The arguments to evaluate ``fun`` (and its derivative) at.
      has_aux: If True, ``fun`` returns ``(output, aux)``; aux is not
        differentiated and is returned third.

    Returns:
      ``(out, f_jvp)``, or ``(out, f_jvp, aux)`` with ``has_aux``:
      ``f_jvp(*tangents)`` (one tangent per primal, shaped like it) returns
      ``jvp(fun, primals, tangents)[1]`` without running ``fun`` again.

    Raises:
      ValueError: when ``f_jvp`` is given tangents whose number, structure or
        shapes differ from the primals'.

    Examples:
      >>> import tapegrad as tg
      >>> y, f_jvp = tg.linearize(lambda x: tg.sin(x) * x, 0.0)
      >>> y, f_jvp(2.0)
      (0.0, 0.0)
      >>> out, f_jvp = tg.linearize(lambda x, y: x * y, 2.0, 3.0)
      >>> f_jvp(1.0, 0.0), f_jvp(0.0, 1.0)
      (3.0, 2.0)
    """
    check_callable(fun, "linearize")
    what = "linearize"
    tr = trace(fun, primals, tuple(range(len(primals))), has_aux, what)
    refuse_non_numbers(tr.out_leaves, tr.out_def, what)

    def f_jvp(*tangents: Any) -> Any:
        return _push(tr, fun, primals, tangents)
    return (tr.out, f_jvp, tr.aux) if has_aux else (tr.out, f_jvp)


@gc_paused
def _push(tr: Trace, fun: Callable[..., Any], primals: tuple[Any, ...],
          tangents: tuple[Any, ...]) -> Any:
    """``J @ tangents`` by a forward pass over the recorded tape."""
    tangent_leaves = check_tangents(fun, primals, tangents, "linearize")
    seeds = [(x.id, t) for (xs, _), ts in zip(tr.inputs, tangent_leaves)
             for x, t in zip(xs, ts)]
    outs = [x.id for x in tr.out_leaves if on(tr.tape, x)]
    tans = forward(tr.tape, seeds, needed(tr.tape, outs))
    taken = {id(array_root(t)) for ts in tangent_leaves for t in ts}
    return tree.unflatten(tr.out_def, own_arrays([
        out_tangent(tans[x.id], x) if on(tr.tape, x) and tans[x.id] is not None else
        zeros_like(x)
        for x in tr.out_leaves], taken))


def linear_transpose(fun: Callable[..., Any], *primals: Any) -> Callable[[Any], Any]:
    """The transpose of a linear ``fun``, as JAX's ``jax.linear_transpose``.

    Args:
      fun: A linear function of pytrees of numbers (``fun(a x + b y) ==
        a fun(x) + b fun(y)``).
      *primals: Arguments of ``fun``'s shapes and dtypes: numbers, arrays, or
        objects with ``shape`` and ``dtype`` attributes. Their values are not
        used.

    Returns:
      ``transpose_fun(cotangent)``: a tuple with one pytree per primal, the
      transposed map applied to a cotangent shaped like ``fun``'s output.

    Raises:
      TypeError: if ``fun`` is not linear (checked at random points: an
        affine or nonlinear function would get a wrong transpose silently).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> t = tg.linear_transpose(lambda x: 2.0 * x[::-1], np.zeros(3))
      >>> t(np.array([1.0, 2.0, 3.0]))
      (array([6., 4., 2.]),)
      >>> tg.linear_transpose(lambda x: x[0], [1.0, 2.0])(3.0)
      ([3.0, 0.0],)
    """
    check_callable(fun, "linear_transpose")
    zeros = tuple(tree.map(_zero_of, p) for p in primals)
    _check_linear(fun, zeros)
    _, pull = vjp(fun, *zeros)
    return pull


def _zero_of(p: Any) -> Any:
    """A float zero of ``p``'s shape (and float dtype)."""
    shape = tuple(getattr(p, "shape", np.shape(p)))
    dtype = np.dtype(getattr(p, "dtype", np.result_type(p)))
    if not shape and not isinstance(p, np.ndarray) and not hasattr(p, "dtype"):
        return 0.0
    return np.zeros(shape, dtype if dtype.kind == "f" else np.float64)


def _check_linear(fun: Callable[..., Any], zeros: tuple[Any, ...]) -> None:
    """Refuse a ``fun`` that is not additive and homogeneous at two random points."""
    rng = np.random.default_rng(0)
    a, b = (tuple(tree.map(lambda z: z + rng.standard_normal(np.shape(z)), zeros))
            for _ in range(2))
    mixed = tuple(tree.map(lambda x, y: 0.5 * x - 2.0 * y, a, b))
    fa, fb, fm = fun(*a), fun(*b), fun(*mixed)
    for u, v, w in zip(tree.leaves(fa), tree.leaves(fb), tree.leaves(fm)):
        want = 0.5 * np.asarray(u, float) - 2.0 * np.asarray(v, float)
        if not np.allclose(np.asarray(w, float), want, rtol=1e-4, atol=1e-6):
            raise TypeError("linear_transpose: fun is not linear (fun(0.5 a - 2 b) differs "
                            "from 0.5 fun(a) - 2 fun(b)); only a linear map has a transpose. "
                            "For the derivative of a nonlinear function use tg.vjp.")
