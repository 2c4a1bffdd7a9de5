"""``linearize``: run ``fun`` once, then push any number of tangents through it.

JAX's ``jax.linearize(fun, *primals)`` returns ``fun``'s value and the
linear map ``tangents -> J @ tangents`` at ``primals``. Here the function is
traced once (``tracing.trace``, as ``jvp`` does) and each call of the map
plays the recorded tape forwards (``forward.py``) with the tangents given:
``fun`` is not run again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import tree
from .forward import forward, needed
from .handed_back import out_tangent
from .seeds import array_root, check_tangents, own_arrays, refuse_non_numbers, zeros_like
from .tracing import Trace, check_callable, gc_paused, on, trace

__all__ = ["linearize"]


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
