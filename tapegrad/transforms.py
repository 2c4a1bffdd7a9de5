"""The user-facing transforms: ``vjp``, ``value_and_grad``, ``grad``...

Each runs the function on a fresh tape with its differentiated arguments
replaced by traced inputs, then plays the tape. Argument handling
(``argnums``, ``has_aux``, checking leaves) lives in the helpers here, once.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import tree
from .errors import ESCAPED_MSG, EscapedTracerError
from .reverse import backward
from .tape import Tape, Traced, _shape, new_tape

__all__ = ["grad", "make_tape", "value_and_grad", "vjp"]

Argnums = int | Sequence[int]


# ------------------------------------------------------------- arguments
def _arg_name(fun: Callable[..., Any], i: int) -> str:
    """The name of positional parameter ``i`` of ``fun``, for error messages."""
    try:
        params = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):
        return f"args[{i}]"
    if i < len(params) and params[i].kind in (
            inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
        return params[i].name
    return f"args[{i}]"


def _as_number(leaf: Any, name: str, path: Any, what: str) -> Any:
    """Check a differentiated leaf; ints become floats, int arrays float arrays."""
    t = type(leaf)
    if t is float:
        return leaf
    if t is Traced:
        return leaf
    if t is int or isinstance(leaf, np.integer):
        return float(leaf)
    if isinstance(leaf, np.floating):
        return float(leaf)
    if isinstance(leaf, np.ndarray) and leaf.dtype.kind in "fiu":
        return leaf if leaf.dtype.kind == "f" else leaf.astype(float)
    kind = "a bool array" if isinstance(leaf, np.ndarray) else f"a {t.__name__}"
    raise TypeError(
        f"{what}: {name}{tree.keystr(path)} is {kind}, not a number; differentiated arguments may "
        "hold only floats, ints or float arrays. Pass other data through an "
        "argument that is not in argnums.")


def _norm_argnums(argnums: Argnums, nargs: int, what: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for n in nums:
        if not isinstance(n, int) or not -nargs <= n < nargs:
            raise ValueError(
                f"{what}: argnums={argnums!r} but the function was called with "
                f"{nargs} positional argument(s).")
    return tuple(n % nargs for n in nums)


def _trace_inputs(tape: Tape, fun: Callable[..., Any], args: Sequence[Any],
                  nums: tuple[int, ...], what: str
                  ) -> tuple[list[Any], list[tuple[list[Traced], tree.TreeDef]]]:
    """Replace the leaves of ``args[n]`` (n in ``nums``) by tape inputs.

    Returns the new argument list and, per differentiated argument, its
    traced leaves and structure.
    """
    new_args = list(args)
    inputs = []
    for n in nums:
        name = _arg_name(fun, n)
        pairs, treedef = tree.flatten_with_path(args[n])
        leaves = [tape.new_input(_as_number(x, name, p, what), (name, p)) for p, x in pairs]
        new_args[n] = tree.unflatten(treedef, leaves)
        inputs.append((leaves, treedef))
    return new_args, inputs


def _unwrap(tape: Tape, x: Any) -> Any:
    """The value of ``x`` seen from outside ``tape``."""
    if type(x) is Traced:
        if x.tape is tape:
            return x.value
        if not x.tape.active:
            raise EscapedTracerError(ESCAPED_MSG)
    return x


def _zeros_like(x: Any) -> Any:
    shape = _shape(x)
    return 0.0 if shape == () and not isinstance(x, np.ndarray) else np.zeros(shape)


def _split_aux(out: Any, has_aux: bool, what: str) -> tuple[Any, Any]:
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple | list) and len(out) == 2):
        raise TypeError(f"{what}: with has_aux=True the function must return a "
                        f"pair (output, aux), got {type(out).__name__}.")
    return out[0], out[1]


# -------------------------------------------------------------- transforms
def _vjp(fun: Callable[..., Any], args: Sequence[Any], nums: tuple[int, ...],
         has_aux: bool, what: str) -> tuple[Any, Callable[[Any], tuple[Any, ...]], Any]:
    """Trace ``fun`` once; return (output, vjp function, aux)."""
    with new_tape() as tape:
        new_args, inputs = _trace_inputs(tape, fun, args, nums, what)
        out, aux = _split_aux(fun(*new_args), has_aux, what)
    out_leaves, out_def = tree.flatten(out)
    tape.set_outputs(out_leaves)
    out_vals = tree.unflatten(out_def, [_unwrap(tape, x) for x in out_leaves])
    aux = tree.map(lambda x: _unwrap(tape, x), aux)

    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        ct_pairs, ct_def = tree.flatten_with_path(cotangent)
        if ct_def != out_def:
            raise ValueError(f"{what}: the cotangent has structure {ct_def}, but "
                             f"the output has {out_def}; pass one of the same.")
        cts_leaves = [ct for _, ct in ct_pairs]
        for (path, ct), x in zip(ct_pairs, out_leaves):
            if _shape(ct) != _shape(x):
                raise ValueError(
                    f"{what}: cotangent{tree.keystr(path)} has shape {_shape(ct)} but "
                    f"the output there has shape {_shape(x)}; they must match.")
        seeds = [(x.id, ct) for x, ct in zip(out_leaves, cts_leaves)
                 if type(x) is Traced and x.tape is tape]
        cts = backward(tape, seeds)
        return tuple(tree.unflatten(td, [_zeros_like(x.value) if cts[x.id] is None
                                         else cts[x.id] for x in xs])
                     for xs, td in inputs)
    return out_vals, vjp_fn, aux


def vjp(fun: Callable[..., Any], *primals: Any, has_aux: bool = False) -> Any:
    """Evaluate ``fun(*primals)`` and a function pulling cotangents back.

    Args:
      fun: Function of pytrees of numbers, returning a pytree of numbers.
      primals: The arguments; every leaf is differentiated.
      has_aux: If True, ``fun`` returns ``(output, aux)``; aux is not
        differentiated.
    Returns:
      ``(out, vjp_fn)``, or ``(out, vjp_fn, aux)`` with ``has_aux``.
      ``vjp_fn(cotangent)`` takes a pytree shaped like ``out`` and returns a
      tuple with one pytree of cotangents per primal.
    Examples:
      >>> import tapegrad as tg
      >>> out, f_vjp = tg.vjp(lambda x, y: [x * y, x + y], 2.0, 3.0)
      >>> out
      [6.0, 5.0]
      >>> f_vjp([1.0, 0.0])
      (3.0, 2.0)
    """
    out, vjp_fn, aux = _vjp(fun, primals, tuple(range(len(primals))), has_aux, "vjp")
    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


def _scalar_seed(out: Any, what: str) -> Any:
    """The cotangent 1 for a scalar output, or a TypeError pointing elsewhere."""
    number = isinstance(out, float | int | np.number | np.ndarray | Traced)
    shape = _shape(out) if number and not isinstance(out, bool) else None
    if shape == () and not isinstance(out, np.ndarray):
        return 1.0
    if shape is not None and int(np.prod(shape)) == 1:
        return np.ones(shape)
    got = f"shape {shape}" if shape is not None else f"a {type(out).__name__}"
    raise TypeError(
        f"{what}: fun must return a scalar (a float or a size-1 array), got {got}. "
        "Reduce it with tg.sum or tg.mean, or use tg.vjp or tg.jacobian for "
        "non-scalar outputs.")


def value_and_grad(fun: Callable[..., Any], argnums: Argnums = 0,
                   has_aux: bool = False) -> Callable[..., Any]:
    """Return a function computing ``fun``'s value and its gradient together.

    Args:
      fun: Function returning a scalar number (or ``(scalar, aux)``).
      argnums: Which positional argument(s) to differentiate; int or tuple.
      has_aux: If True, ``fun`` returns ``(value, aux)``.
    Returns:
      A function with ``fun``'s arguments returning ``(value, grads)``, or
      ``((value, aux), grads)`` with ``has_aux``. ``grads`` has the structure of
      the selected argument (a tuple of them when ``argnums`` is a tuple).
    Raises:
      TypeError: if ``fun`` does not return a scalar, or an argument leaf is
        not a number (the message names its path).
    Examples:
      >>> import tapegrad as tg
      >>> tg.value_and_grad(lambda p: p["w"] * p["b"])({"w": 2.0, "b": 3.0})
      (6.0, {'b': 2.0, 'w': 3.0})
    """
    what = "grad"

    @functools.wraps(fun)
    def value_and_grad_fun(*args: Any) -> Any:
        nums = _norm_argnums(argnums, len(args), what)
        out, vjp_fn, aux = _vjp(fun, args, nums, has_aux, what)
        grads = vjp_fn(_scalar_seed(out, what))
        grads = grads[0] if isinstance(argnums, int) else grads
        return ((out, aux), grads) if has_aux else (out, grads)
    return value_and_grad_fun


def grad(fun: Callable[..., Any], argnums: Argnums = 0,
         has_aux: bool = False) -> Callable[..., Any]:
    """Return a function that evaluates the gradient of ``fun``.

    Args:
      fun: Function returning a scalar number.
      argnums: Which positional argument(s) to differentiate; int or tuple.
      has_aux: If True, ``fun`` returns ``(value, aux)`` and the gradient
        function returns ``(grads, aux)``.
    Returns:
      A function with ``fun``'s arguments; the gradient has their structure.
    Raises:
      TypeError: if ``fun`` does not return a scalar number.
    Examples:
      >>> import tapegrad as tg
      >>> tg.grad(lambda x: x * x)(3.0)
      6.0
      >>> tg.grad(tg.grad(tg.sin))(0.0)
      -0.0
    """
    vg = value_and_grad(fun, argnums, has_aux)

    @functools.wraps(fun)
    def grad_fun(*args: Any) -> Any:
        (value, grads) = vg(*args)
        return (grads, value[1]) if has_aux else grads
    return grad_fun


def make_tape(fun: Callable[..., Any]) -> Callable[..., Tape]:
    """Return a function that runs ``fun`` and returns its recorded :class:`Tape`.

    Every leaf of every argument becomes a tape input.

    Examples:
      >>> import tapegrad as tg
      >>> print(tg.make_tape(lambda x, y: tg.sin(x * y))(2.0, 3.0))
      v0 = input            # x
      v1 = input            # y
      v2 = mul v0 v1
      v3 = sin v2
      outputs: v3
    """
    @functools.wraps(fun)
    def make_tape_fun(*args: Any) -> Tape:
        with new_tape() as tape:
            new_args, _ = _trace_inputs(tape, fun, args, tuple(range(len(args))),
                                        "make_tape")
            out = fun(*new_args)
        tape.set_outputs(tree.leaves(out))
        return tape
    return make_tape_fun
