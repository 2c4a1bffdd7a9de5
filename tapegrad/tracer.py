"""autograd's ``autograd.tracer`` ``Node`` and ``trace``, read off a tapegrad tape.

autograd builds a graph of ``Node`` objects while the function runs; tools
subclass ``Node`` (a printer, a Graphviz drawer) and call ``trace``. Here
``trace`` records the function on a tape as every transform does, then walks
the tape's records in order and makes one node per record that depends on
the input, calling the subclass's ``__init__`` as autograd would (so a
printing node prints in evaluation order, once the run is over). ``fun``
is the tapegrad primitive (``fun.__name__`` is its tape name: ``mul``,
``sin``...). For new code, ``tg.make_tape(f)(x)`` is the recorded program
itself (``print(tape)``, ``tape.to_dot()``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from .extend import notrace_primitive as notrace_primitive
from .extend import primitive as primitive
from .tracing import trace as _record
from .values import Traced, primal_value

__all__ = ["Node", "getval", "isbox", "notrace_primitive", "primitive", "trace"]

N = TypeVar("N", bound="Node")


class Node:
    """One value computed from the traced input; subclass it, as in autograd.

    A subclass defines ``__init__(self, value, fun, args, kwargs,
    parent_argnums, parents)`` (``parents``: the nodes of the arguments that
    depend on the input, at positions ``parent_argnums``) and
    ``initialize_root(self, *args)`` for the input's node.
    """

    __slots__ = ()

    def __init__(self, value: Any, fun: Callable[..., Any], args: tuple[Any, ...],
                 kwargs: dict[str, Any], parent_argnums: list[int],
                 parents: list[Node]):
        raise NotImplementedError("subclass Node and define __init__, as in autograd.")

    def initialize_root(self, *args: Any, **kwargs: Any) -> None:
        """Set up the input's node (a subclass defines it)."""
        raise NotImplementedError("subclass Node and define initialize_root.")

    @classmethod
    def new_root(cls: type[N], *args: Any, **kwargs: Any) -> N:
        """The input's node: made without ``__init__``, then ``initialize_root(*args)``."""
        root = cls.__new__(cls)
        root.initialize_root(*args, **kwargs)
        return root


def trace(start_node: Node, fun: Callable[[Any], Any], x: Any) -> tuple[Any, Node | None]:
    """Run ``fun(x)`` and build its graph of nodes, of ``start_node``'s class.

    Args:
      start_node: The input's node, from ``NodeClass.new_root(...)``.
      fun: A function of one number or array.
      x: The input.

    Returns:
      ``(value, end_node)``: ``fun(x)`` and the node of the output, or None
      when the output does not depend on ``x``.

    Examples:
      >>> import numpy as np
      >>> from tapegrad.tracer import Node, trace
      >>> class Names(Node):
      ...     def __init__(self, value, fun, args, kwargs, parent_argnums, parents):
      ...         self.text = f"{fun.__name__}({', '.join(p.text for p in parents)})"
      ...     def initialize_root(self):
      ...         self.text = "x"
      >>> value, node = trace(Names.new_root(), lambda x: np.sin(x) * x, 0.0)
      >>> value, node.text                  # NumPy's sin of a float: an np.float64
      (np.float64(0.0), 'mul(sin(x), x)')
    """
    tr = _record(fun, (x,), (0,), False, "trace")
    tape = tr.tape
    nodes: dict[int, Node] = {t.id: start_node for t in tr.inputs[0][0]}
    cls = type(start_node)
    for i, record in enumerate(tape.records):
        prim = record[0]
        if prim is None or i in nodes:
            continue
        ids, args = record[2::2], tuple(record[3::2])
        argnums = [k for k, j in enumerate(ids) if j is not None and j in nodes]
        if not argnums:
            continue
        node = cls.__new__(cls)
        node.__init__(record[1], prim, args, {}, argnums,     # type: ignore[misc]
                      [nodes[ids[k]] for k in argnums])
        nodes[i] = node
    out = tr.out_leaves[0] if len(tr.out_leaves) == 1 else None
    end = nodes.get(out.id) if type(out) is Traced and out.tape is tape else None
    return tr.out, end


def isbox(x: Any) -> bool:
    """Autograd's ``isbox``: whether ``x`` is a traced value (inside a transform).

    Examples:
      >>> import tapegrad as tg
      >>> from tapegrad.tracer import isbox
      >>> isbox(1.0), tg.grad(lambda x: float(isbox(x)) + x)(1.0)
      (False, 1.0)
    """
    return isinstance(x, Traced)


def getval(x: Any) -> Any:
    """Autograd's ``getval``: the number inside a traced value (a number as it is).

    Examples:
      >>> import tapegrad as tg
      >>> from tapegrad.tracer import getval
      >>> seen = []
      >>> tg.grad(lambda x: seen.append(getval(x)) or x * x)(3.0), seen
      (6.0, [3.0])
    """
    return primal_value(x)
