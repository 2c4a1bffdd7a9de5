"""autograd's ``flatten`` and ``flatten_func``, on ``tg.tree.ravel``.

A pytree of numbers as one 1-D vector and back (autograd's
``autograd.misc.flatten``; JAX's ``ravel_pytree``). Dict values are taken in
sorted key order, lists and tuples in order, as autograd does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import tree

__all__ = ["flatten", "flatten_func"]


def flatten(value: Any) -> tuple[Any, Callable[[Any], Any]]:
    """Concatenate the leaves of ``value`` into one 1-D vector.

    ``tg.tree.ravel`` under autograd's name: it works on traced values too,
    so it can be used inside a differentiated function (an L2 penalty on
    ``flatten(params)[0]``).

    Args:
      value: A pytree (lists, tuples, dicts) of numbers and arrays.

    Returns:
      ``(vector, unflatten)``: ``unflatten(v)`` rebuilds ``value``'s
      structure from a vector of the same length.

    Examples:
      >>> import numpy as np
      >>> from tapegrad.misc import flatten
      >>> vec, unflatten = flatten([np.ones(2), {"b": 3.0, "a": np.zeros((1, 1))}])
      >>> vec
      array([1., 1., 0., 3.])
      >>> unflatten(vec)[1]
      {'a': array([[0.]]), 'b': 3.0}
    """
    return tree.ravel(value)


def flatten_func(func: Callable[..., Any], example: Any
                 ) -> tuple[Callable[..., Any], Callable[[Any], Any], Any]:
    """Make a function of a pytree into a function of a flat vector.

    Args:
      func: ``func(params, *args)`` with ``params`` a pytree like ``example``.
      example: A pytree with the structure and shapes of ``func``'s first argument.

    Returns:
      ``(flat_func, unflatten, flat_example)``: ``flat_func(v, *args)`` is
      ``func(unflatten(v), *args)`` with its output flattened too (a scalar
      output becomes a vector of length 1, as in autograd).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> from tapegrad.misc.flatten import flatten_func
      >>> f, unflatten, v = flatten_func(lambda p: p["w"] @ p["w"] + p["b"],
      ...                                {"w": np.array([1.0, 2.0]), "b": 0.5})
      >>> v, f(v), tg.grad(f)(v)
      (array([0.5, 1. , 2. ]), array([5.5]), array([1., 2., 4.]))
    """
    flat_example, unflatten = flatten(example)

    def flat_func(flat_params: Any, *args: Any) -> Any:
        return flatten(func(unflatten(flat_params), *args))[0]
    return flat_func, unflatten, flat_example
