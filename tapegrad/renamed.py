"""JAX's and autograd's spellings that tapegrad writes another way.

``tg.tree_map``, ``tg.lax.scan`` or ``tg.nn.softmax`` are what a JAX user
types first. The modules ``tapegrad``, ``tapegrad.tree`` and ``tapegrad.nn``
answer a missing name with an ``AttributeError`` that, for the names here,
says what to write instead.

Examples:
  >>> import tapegrad as tg
  >>> tg.tree_map
  Traceback (most recent call last):
  ...
  AttributeError: module 'tapegrad' has no attribute 'tree_map': write tg.tree.map \
(tapegrad's pytree functions are in tg.tree, as in JAX's jax.tree).
"""

from __future__ import annotations

import sys

_TREE = "tapegrad's pytree functions are in tg.tree, as in JAX's jax.tree"
_LOOPS = ("JAX's lax loops and branches are at the top level here: tg.scan, tg.fori_loop, "
          "tg.while_loop, tg.cond, tg.switch, tg.stop_gradient")
_EAGER = ("tapegrad computes at once on the arrays it is given: there is nothing to place "
          "or wait for")
_CUSTOM = ("a function with its own derivative is a tapegrad primitive: tg.primitive, then "
           "tg.defvjp or tg.defjvp (docs/primitives.md)")

HINTS: dict[str, dict[str, str]] = {
    "tapegrad": {
        "tree_map": f"write tg.tree.map ({_TREE})",
        "tree_multimap": f"write tg.tree.map ({_TREE})",
        "tree_leaves": f"write tg.tree.leaves ({_TREE})",
        "tree_flatten": f"write tg.tree.flatten ({_TREE})",
        "tree_unflatten": f"write tg.tree.unflatten ({_TREE})",
        "tree_structure": f"write tg.tree.structure ({_TREE})",
        "tree_util": f"write tg.tree ({_TREE}: map, leaves, flatten, unflatten, structure, "
                     "register, flatten_with_path, keystr)",
        "lax": _LOOPS,
        "numpy": ("there is no tapegrad.numpy: write NumPy itself (import numpy as np); "
                  "NumPy's functions on traced values run tapegrad's"),
        "random": ("draw random numbers with NumPy (np.random.default_rng(seed)) outside the "
                   "function you transform, and pass them in as arguments"),
        "custom_vjp": _CUSTOM,
        "custom_jvp": _CUSTOM,
        "make_jaxpr": "write tg.make_tape(f)(*args): it returns the tape, which prints",
        "device_put": _EAGER,
        "block_until_ready": _EAGER,
        "pmap": "tg.vmap maps over a batch axis; tg.data_parallel splits a batch over Dask workers",
        "Value": ("tapegrad has no micrograd Value: parameters are plain floats or arrays in a "
                  "pytree, and tg.grad(loss_fn)(params) returns their gradients"),
    },
    "tapegrad.nn": {
        "softmax": "write tg.softmax",
        "sigmoid": "write tg.sigmoid",
        "tanh": "write tg.tanh",
        "softplus": "write tg.softplus",
        "logsumexp": "write tg.logsumexp",
        "log_softmax": "write tapegrad.scipy.special.log_softmax",
    },
    "tapegrad.tree": {
        "tree_map": "write tg.tree.map",
        "tree_leaves": "write tg.tree.leaves",
        "tree_flatten": "write tg.tree.flatten",
        "tree_unflatten": "write tg.tree.unflatten",
        "leaves_with_path": "write tg.tree.flatten_with_path(tree)[0]: (key path, leaf) pairs",
        "reduce": "write functools.reduce(f, tg.tree.leaves(tree))",
        "all": "write all(tg.tree.leaves(tree))",
    },
}


def missing(module: str, name: str) -> AttributeError:
    """The ``AttributeError`` for ``module.name``, saying what to write where it knows."""
    message = f"module {module!r} has no attribute {name!r}"
    hint = HINTS.get(module, {}).get(name)
    if hint is None:         # Python's own "Did you mean" then looks in the module
        return AttributeError(message, name=name, obj=sys.modules.get(module))
    return AttributeError(f"{message}: {hint}.")
