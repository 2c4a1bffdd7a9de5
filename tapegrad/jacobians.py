"""Jacobians, Hessians and their relatives, built on one trace each.

``jacrev`` plays a function's tape backwards once per output element,
``jacfwd`` forwards once per input element, and ``_stack`` assembles the
blocks (outer structure the output's, inner the argument's). ``hessian`` is
``jacfwd(jacrev(f))``, ``hvp`` is forward over reverse, and
``elementwise_grad`` is one backward pass with a cotangent of ones.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import tree
from .arrays import stack
from .backends import device, foreign, like, namespace
from .forward import forward, needed
from .handed_back import as_primal
from .reverse import backward
from .seeds import check_tangents, one_hots, own_arrays, refuse_non_numbers, zeros_like
from .shapes import reshape_p as reshape
from .tracing import (
    Argnums,
    Trace,
    check_callable,
    gc_paused,
    norm_argnums,
    on,
    single_argnum,
    trace,
)
from .transforms import ARGNUMS0, _argnum_alias, _vjp, grad, jvp
from .values import Traced, primal_value, shape_of

__all__ = ["elementwise_grad", "hessian", "hvp", "jacfwd", "jacobian", "jacrev"]


def _stack(parts: list[Any], lead: tuple[int, ...], part: tuple[int, ...],
           lead_first: bool) -> Any:
    """One Jacobian block from its rows (``lead_first``) or columns.

    ``parts`` holds one value of shape ``part`` per element of ``lead``; the
    block has shape ``lead + part`` (rows) or ``part + lead`` (columns).
    Traced parts (a Jacobian inside another transform) are joined with a
    recorded ``stack`` so the block stays differentiable; each entry is its
    part's own number, as in eager (a sum of one-hot products would put nan
    beside an inf and turn -0.0 into 0.0).
    """
    if len(parts) == 1 and lead == ():
        return parts[0]
    shape = lead + part if lead_first else part + lead
    if not parts:                   # an empty array in or out: an empty block
        return np.zeros(shape)
    xp = foreign(*map(primal_value, parts))
    if xp is not None:              # another library's: stacked there, on its device
        return _stack_in(xp, parts, part, shape, lead_first)
    dtype = _float_dtype(parts)
    if not any(type(p) is Traced for p in parts):
        cols = [np.broadcast_to(np.asarray(p, dtype=dtype), part) for p in parts]
        return np.stack(cols, axis=0 if lead_first else -1).reshape(shape)
    items: list[Any] = [p if type(p) is Traced
                        else np.broadcast_to(np.asarray(p, dtype=dtype), part) for p in parts]
    block = reshape(stack(items, axis=0 if lead_first else -1), shape)
    if np.asarray(primal_value(block)).dtype != dtype:
        block = block * np.ones(shape, dtype)                  # exact: x * 1.0 is x
    return block


def _stack_in(xp: Any, parts: list[Any], part: tuple[int, ...], shape: tuple[int, ...],
              lead_first: bool) -> Any:
    """``_stack`` of parts of which some are ``xp`` arrays (traced or not)."""
    ref = next(v for v in map(primal_value, parts) if foreign(v) is not None)
    items = [p if foreign(primal_value(p)) is not None else xp.broadcast_to(
        like(xp, p, ref), part) for p in parts]
    if any(type(p) is Traced for p in items):
        return reshape(stack(items, axis=0 if lead_first else -1), shape)
    return xp.reshape(xp.stack(items, axis=0 if lead_first else -1), shape)


def _float_dtype(parts: list[Any]) -> Any:
    """The blocks' dtype: float32 where every array part is float32, else float64."""
    dtypes = {np.asarray(v).dtype for v in map(primal_value, parts)
              if isinstance(v, np.ndarray | np.floating)}
    dtype = np.result_type(*dtypes) if dtypes else np.dtype(np.float64)
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def _jacobian(tr: Trace, blocks: list[list[Any]], single: bool) -> Any:
    """Nest blocks ``[output leaf][input leaf]``.

    Outer = output structure, inner = input structure (a tuple of them when
    ``argnums`` is a tuple).
    """
    taken: set[int] = set()

    def inner(row: list[Any]) -> Any:
        per_arg, k = [], 0
        for xs, td in tr.inputs:
            per_arg.append(tree.unflatten(td, own_arrays(row[k:k + len(xs)], taken)))
            k += len(xs)
        return per_arg[0] if single else tuple(per_arg)
    return tree.unflatten(tr.out_def, [inner(row) for row in blocks])


def _zero_block(o: Any, x: Any) -> Any:
    v = next((v for v in map(primal_value, (o, x)) if foreign(v) is not None), None)
    if v is not None:              # in that array's library, dtype and device
        return namespace(v).zeros(shape_of(o) + shape_of(x), dtype=v.dtype, device=device(v))
    if shape_of(o) == ():          # one output number: the input's kind (a float for a float)
        return zeros_like(primal_value(x))
    return np.zeros(shape_of(o) + shape_of(x), getattr(zeros_like(x), "dtype", float))


def jacrev(fun: Callable[..., Any], argnums: Argnums = ARGNUMS0,
           has_aux: bool = False, *, argnum: Argnums | None = None) -> Callable[..., Any]:
    """Return a function computing the Jacobian of ``fun`` in reverse mode.

    One backward pass over the recorded tape per output element: the right
    mode when outputs are fewer than inputs.

    Args:
      fun: Function of pytrees of numbers, returning a pytree of numbers.
      argnums: Which positional argument(s) to differentiate; int or tuple.
      has_aux: If True, ``fun`` returns ``(output, aux)`` and the Jacobian
        function returns ``(jacobian, aux)``.
      argnum: HIPS autograd's spelling of ``argnums`` (same meaning); give
        one or the other.

    Returns:
      A function with ``fun``'s arguments returning nested pytrees: the outer
      structure is the output's, the inner the argument's; a leaf for output
      ``o`` and input ``x`` has shape ``o.shape + x.shape``.

    Examples:
      >>> import tapegrad as tg
      >>> tg.jacrev(lambda x, y: [x * y, x + y], argnums=(0, 1))(2.0, 3.0)
      [(3.0, 2.0), (1.0, 1.0)]
    """
    check_callable(fun, "jacrev")
    argnums = _argnum_alias(argnums, argnum, "jacrev")
    what = "jacrev"

    @gc_paused
    @functools.wraps(fun)
    def jacrev_fun(*args: Any, **kwargs: Any) -> Any:
        nums = norm_argnums(argnums, len(args), what)
        tr = trace(fun, args, nums, has_aux, what, kwargs, reverse=True)
        refuse_non_numbers(tr.out_leaves, tr.out_def, what)
        jac = _jacobian(tr, _reverse_blocks(tr), single_argnum(argnums))
        return (jac, tr.aux) if has_aux else jac
    return jacrev_fun


def _reverse_blocks(tr: Trace) -> list[list[Any]]:
    """The blocks ``[output leaf][input leaf]``, one backward pass per output element."""
    ins = [x for xs, _ in tr.inputs for x in xs]
    blocks = []
    for o in tr.out_leaves:
        if not on(tr.tape, o):
            blocks.append([_zero_block(o, x) for x in ins])
            continue
        rows = []
        for seed in one_hots(o):
            cts = backward(tr.tape, [(o.id, seed)])
            rows.append([zeros_like(x._value) if cts[x.id] is None else
                         as_primal(cts[x.id], x._value) for x in ins])
        blocks.append([_stack([r[k] for r in rows], shape_of(o), shape_of(x), True)
                       for k, x in enumerate(ins)])
    return blocks


jacobian = jacrev


def jacfwd(fun: Callable[..., Any], argnums: Argnums = ARGNUMS0,
           has_aux: bool = False, *, argnum: Argnums | None = None) -> Callable[..., Any]:
    """Return a function computing the Jacobian of ``fun`` in forward mode.

    One forward pass over the recorded tape per input element: the right
    mode when inputs are fewer than outputs. Same arguments and result as
    [jacrev][tapegrad.jacrev].

    Args:
      fun: Function of pytrees of numbers, returning a pytree of numbers.
      argnums: Which positional argument(s) to differentiate; int or tuple.
      has_aux: If True, ``fun`` returns ``(output, aux)`` and the Jacobian
        function returns ``(jacobian, aux)``.
      argnum: HIPS autograd's spelling of ``argnums`` (same meaning); give
        one or the other.

    Returns:
      A function with ``fun``'s arguments returning nested pytrees: outer the
      output's structure, inner the argument's; leaves of shape
      ``o.shape + x.shape``.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.jacfwd(lambda x: x * x)(np.array([1.0, 2.0]))
      array([[2., 0.],
             [0., 4.]])
    """
    check_callable(fun, "jacfwd")
    argnums = _argnum_alias(argnums, argnum, "jacfwd")
    what = "jacfwd"

    @gc_paused
    @functools.wraps(fun)
    def jacfwd_fun(*args: Any, **kwargs: Any) -> Any:
        nums = norm_argnums(argnums, len(args), what)
        tr = trace(fun, args, nums, has_aux, what, kwargs)
        refuse_non_numbers(tr.out_leaves, tr.out_def, what)
        jac = _jacobian(tr, _forward_blocks(tr), single_argnum(argnums))
        return (jac, tr.aux) if has_aux else jac
    return jacfwd_fun


def _forward_blocks(tr: Trace) -> list[list[Any]]:
    """The blocks ``[output leaf][input leaf]``, one forward pass per input element."""
    tape, outs = tr.tape, tr.out_leaves
    order = needed(tape, [o.id for o in outs if on(tape, o)])
    blocks: list[list[Any]] = [[] for _ in outs]
    for x in (x for xs, _ in tr.inputs for x in xs):
        cols: list[list[Any]] = [[] for _ in outs]
        after_x = order[bisect.bisect_left(order, x.id):]
        for seed in one_hots(x):
            tans = forward(tape, [(x.id, seed)], after_x)
            for col, o in zip(cols, outs):
                t = tans[o.id] if on(tape, o) else None
                col.append(zeros_like(o) if t is None else as_primal(t, o))
        for row, col, o in zip(blocks, cols, outs):
            row.append(_stack(col, shape_of(x), shape_of(o), False))
    return blocks


def hessian(fun: Callable[..., Any], argnums: Argnums = ARGNUMS0,
            has_aux: bool = False, *, argnum: Argnums | None = None) -> Callable[..., Any]:
    """Return a function computing the Hessian of a scalar ``fun``.

    ``jacfwd(jacrev(fun))``, as in JAX: reverse mode for the gradient, then one
    forward pass over the gradient's tape per input element.

    Args:
      fun: Function returning a scalar number.
      argnums: Which positional argument(s) to differentiate; int or tuple.
      has_aux: If True, ``fun`` returns ``(value, aux)`` and the Hessian
        function returns ``(hessian, aux)``.
      argnum: HIPS autograd's spelling of ``argnums`` (same meaning); give
        one or the other.

    Returns:
      A function with ``fun``'s arguments returning the Hessian as a nested
      pytree (argument structure inside argument structure); a leaf for inputs
      ``x`` and ``y`` has shape ``x.shape + y.shape``.

    Examples:
      >>> import tapegrad as tg
      >>> tg.hessian(lambda p: p["x"] ** 2 * p["y"])({"x": 1.0, "y": 2.0})
      {'x': {'x': 4.0, 'y': 2.0}, 'y': {'x': 2.0, 'y': 0.0}}
    """
    check_callable(fun, "hessian")
    argnums = _argnum_alias(argnums, argnum, "hessian")
    return functools.wraps(fun)(
        jacfwd(jacrev(fun, argnums, has_aux), argnums, has_aux))


def elementwise_grad(fun: Callable[..., Any], argnums: Argnums = ARGNUMS0,
                     has_aux: bool = False, *, argnum: Argnums | None = None) -> Callable[..., Any]:
    """Return a function computing the derivative of an elementwise ``fun`` at each element.

    One backward pass with a cotangent of ones (autograd's
    ``elementwise_grad``): the sum of the Jacobian's rows, ``vjp(fun)(1)``.
    For a function that maps each element on its own (``tanh``, ``x ** 3``)
    it is each element's derivative, with the argument's shape; for any
    other function it is the gradient of the sum of its outputs.

    Args:
      fun: Function of pytrees of numbers, returning a pytree of numbers.
      argnums: Which positional argument(s) to differentiate; int or tuple.
      has_aux: If True, ``fun`` returns ``(output, aux)`` and the new
        function returns ``(derivatives, aux)``.
      argnum: HIPS autograd's spelling of ``argnums`` (same meaning); give
        one or the other.

    Returns:
      A function with ``fun``'s arguments returning the derivatives, shaped
      like the selected argument (a tuple of them when ``argnums`` is a
      tuple). A float32 argument gives float32 derivatives.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.elementwise_grad(lambda x: x ** 3)(np.array([1.0, 2.0, -3.0]))
      array([ 3., 12., 27.])
    """
    check_callable(fun, "elementwise_grad")
    argnums = _argnum_alias(argnums, argnum, "elementwise_grad")
    what = "elementwise_grad"

    @gc_paused
    @functools.wraps(fun)
    def elementwise_grad_fun(*args: Any, **kwargs: Any) -> Any:
        nums = norm_argnums(argnums, len(args), what)
        out, vjp_fn, aux = _vjp(fun, args, nums, has_aux, what, kwargs, once=True)
        grads = vjp_fn(tree.map(_ones_like, out))
        grads = grads[0] if single_argnum(argnums) else grads
        return (grads, aux) if has_aux else grads
    return elementwise_grad_fun


def _ones_like(x: Any) -> Any:
    """A cotangent of ones shaped like ``x``; a float's is ``1.0``, float32 stays float32."""
    v = primal_value(x)
    dtype = getattr(v, "dtype", None)
    dtype = dtype if dtype is not None and dtype.kind == "f" else np.dtype(np.float64)
    if isinstance(v, np.ndarray):
        return np.ones(v.shape, dtype=dtype)
    return 1.0 if dtype == np.float64 else dtype.type(1.0)


def hvp(fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    """The product of ``fun``'s Hessian with ``tangents``, forward over reverse.

    ``jvp(grad(fun), primals, tangents)[1]``, as JAX writes it: the
    gradient with respect to the first argument, pushed forward along
    ``tangents`` (one per primal). With one argument it is ``H @ v``
    without forming ``H``: one trace of the gradient, one forward pass.

    Args:
      fun: Function returning a scalar number.
      primals: A tuple (or list) of the arguments to call ``fun`` with.
      tangents: A tuple of the same length, each entry shaped like its
        primal: the vector(s) to multiply with.

    Returns:
      The Hessian-vector product, shaped like the first argument.

    Raises:
      TypeError: if ``primals`` or ``tangents`` is not a tuple or list, or
        ``fun`` does not return a scalar.
      ValueError: if a tangent's structure or shape differs from its primal's.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> f = lambda x: tg.sum(x ** 3)             # Hessian: diag(6 x)
      >>> tg.hvp(f, (np.array([1.0, 2.0]),), (np.array([1.0, 1.0]),))
      array([ 6., 12.])
    """
    check_callable(fun, "hvp")
    check_tangents(fun, primals, tangents, "hvp")
    return jvp(grad(fun), primals, tangents)[1]
