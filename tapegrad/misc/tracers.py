"""autograd's ``autograd.misc.const_graph``: trace a function once, then replay it.

``const_graph(fun, *args, **kwargs)`` binds ``args`` and ``kwargs`` (which
become constants) and returns a function of the remaining positional
arguments. Its first call at a given signature (tree structure, shapes and
dtypes of the arguments) runs ``fun`` and records it on a tape (as
``tg.make_tape`` does); later calls replay the tape, so ``fun``'s Python code
does not run again, and only the primitives that depend on the arguments
are evaluated. Where a Python branch would go the other way, the tape's guard
fails and the function is recorded again there (autograd would silently
replay the old branch).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import tree
from ..errors import GuardError
from ..tracing import trace
from ..values import Traced, primal_value

__all__ = ["const_graph", "const_graph_unary"]


def _signature(args: Any) -> tuple[Any, ...]:
    leaves, treedef = tree.flatten(args)
    return (treedef,) + tuple((type(x), np.shape(x), getattr(x, "dtype", None))
                              for x in leaves)


def const_graph_unary(fun: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``fun`` of one argument, recorded at its first call and replayed after.

    Examples:
      >>> import numpy as np
      >>> from tapegrad.misc.tracers import const_graph_unary
      >>> runs = []
      >>> def f(x):
      ...     runs.append(x)
      ...     return np.sin(x) * 2.0
      >>> g = const_graph_unary(f)
      >>> bool(g(0.5) == f(0.5)), bool(g(0.25) == f(0.25)), len(runs)
      (True, True, 3)
    """
    tapes: dict[Any, Any] = {}

    def maybe_cached_fun(x: Any) -> Any:
        plain = tree.map(primal_value, x)     # recorded on numbers; replayed on x itself
        key = _signature(plain)
        tape = tapes.get(key)
        if tape is not None:
            try:
                return tape(x)
            except GuardError:          # a branch going the other way: record it there
                pass
        tr = trace(fun, (plain,), None, False, "const_graph", {}, staging=True)
        tapes[key] = tr.tape
        if any(type(leaf) is Traced for leaf in tree.leaves(x)):
            return tapes[key](x)      # an outer transform's values: through the tape
        return tree.map(primal_value, tr.out)     # this run's values, as fun gave them
    return maybe_cached_fun


def const_graph(fun: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[..., Any]:
    """Autograd's ``const_graph``: ``fun`` with ``args``/``kwargs`` bound, traced once.

    Args:
      fun: A function of numbers and arrays.
      *args: Leading positional arguments, bound as constants.
      **kwargs: Keyword arguments, bound as constants.

    Returns:
      A function of ``fun``'s remaining positional arguments giving what
      ``fun`` gives; its Python code runs once per signature of the arguments.

    Examples:
      >>> from tapegrad.misc import const_graph
      >>> runs = []
      >>> def f(x, y, z):
      ...     runs.append(1)
      ...     return x + 2 * y + 3 * z
      >>> g = const_graph(f, 1.0, z=3.0)
      >>> g(2.0), g(5.0), len(runs)
      (14.0, 20.0, 1)
    """
    partial_fun = functools.partial(fun, *args, **kwargs)
    unary = const_graph_unary(lambda xs: partial_fun(*xs))

    @functools.wraps(fun)
    def _fun(*xs: Any) -> Any:
        return unary(xs)
    return _fun
