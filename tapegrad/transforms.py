"""The user-facing transforms: ``vjp``, ``value_and_grad``, ``grad``, ``jvp``, ``make_tape``.

Each runs the function once on a fresh tape with its differentiated
arguments replaced by traced inputs (``tracing.py``), then plays the tape:
backwards with cotangents (``reverse.py``) or forwards with tangents
(``forward.py``). Jacobians and Hessians are in ``jacobians.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from . import tree
from .forward import forward, needed
from .handed_back import as_primal, out_tangent
from .loop_seed import loop_seed, staged
from .reverse import backward
from .seeds import (
    array_root,
    check_cotangent,
    check_tangents,
    own_arrays,
    refuse_non_numbers,
    scalar_seed,
    zeros_like,
)
from .tape import Tape
from .tracing import (
    Argnums,
    arg_name,
    check_callable,
    gc_paused,
    norm_argnums,
    on,
    single_argnum,
    trace,
)
from .values import shape_of

__all__ = ["grad", "jvp", "make_tape", "value_and_grad", "vjp"]


# ----------------------------------------------------------- output names
# What the outputs of a gradient function are, for make_tape's listing and
# drawing (``grad p['w']``): ``grad`` notes on its result what it
# differentiates. functools.wraps copies that note into any wrapper of it
# (``jacrev(grad(f))``), so the note carries the id of the function it was
# written on, and only that function reads it as its own.
_NOTE = "_tapegrad_gradient_of"


def _grad_names(fun: Callable[..., Any], argnums: Argnums, has_aux: bool,
                with_value: bool) -> Callable[..., list[str]]:
    """Name the outputs of ``grad(fun)`` (or ``value_and_grad``) by path."""
    def names(args: Sequence[Any], paths: list[tuple[Any, ...]]) -> list[str]:
        nums = norm_argnums(argnums, len(args), "make_tape")
        out = []
        for path in paths:
            keys = list(path)
            top = keys.pop(0).idx if (with_value or has_aux) else None
            if (with_value and top == 0) or (not with_value and top == 1):
                if not has_aux:
                    out.append("value")
                    continue
                if with_value:
                    sub = keys.pop(0).idx
                    if sub == 0:
                        out.append("value")
                        continue
                out.append("aux" + tree.keystr(keys))
                continue
            k = 0 if single_argnum(argnums) else keys.pop(0).idx
            out.append(f"grad {arg_name(fun, nums[k])}{tree.keystr(keys)}")
        return out
    return names


def _output_names(fun: Callable[..., Any], args: Sequence[Any], out: Any) -> list[str]:
    """``out['a']`` per output leaf (none for a lone number).

    The outputs of a gradient say what they are the gradient of.
    """
    paths = [p for p, _ in tree.flatten_with_path(out)[0]]
    note = getattr(fun, _NOTE, None)
    if note is not None and note[0] == id(fun):
        return _grad_names(*note[1:])(args, paths)
    if len(paths) == 1 and not paths[0]:
        return []
    return ["out" + tree.keystr(p) for p in paths]


# -------------------------------------------------------------- transforms
def _vjp(fun: Callable[..., Any], args: Sequence[Any], nums: tuple[int, ...],
         has_aux: bool, what: str, kwargs: dict[str, Any] | None = None, once: bool = False
         ) -> tuple[Any, Callable[[Any], tuple[Any, ...]], Any]:
    """Trace ``fun``; return (output, vjp function, aux). Called ``once``, it consumes the tape."""
    tr = trace(fun, args, nums, has_aux, what, kwargs, reverse=True)
    tape, out_leaves = tr.tape, tr.out_leaves

    @gc_paused
    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        ct_pairs, ct_def = tree.flatten_with_path(cotangent)
        if ct_def != tr.out_def:
            raise ValueError(f"{what}: the cotangent has structure {ct_def}, but "
                             f"the output has {tr.out_def}; pass one of the same.")
        for (path, ct), x in zip(ct_pairs, out_leaves):
            check_cotangent(ct, path, what)
            if shape_of(ct) != shape_of(x):
                raise ValueError(
                    f"{what}: cotangent{tree.keystr(path)} has shape {shape_of(ct)} but "
                    f"the output there has shape {shape_of(x)}; they must match.")
        seeds = [(x.id, ct) for x, (_, ct) in zip(out_leaves, ct_pairs) if on(tape, x)]
        cts = backward(tape, seeds, consume=once)
        taken = {id(array_root(ct)) for _, ct in ct_pairs}   # the caller's arrays stay theirs
        return tuple(tree.unflatten(td, own_arrays(
            [zeros_like(x._value) if cts[x.id] is None else as_primal(cts[x.id], x._value)
             for x in xs], taken))
            for xs, td in tr.inputs)
    return tr.out, vjp_fn, tr.aux


@gc_paused
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
    check_callable(fun, "vjp")
    out, vjp_fn, aux = _vjp(fun, primals, tuple(range(len(primals))), has_aux, "vjp")
    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


class _Default(int):
    """The default ``argnums=0``: an ``0`` told apart from one the caller passed."""

    def __repr__(self) -> str:
        return "0"


ARGNUMS0 = _Default(0)


def _argnum_alias(argnums: Argnums, argnum: Argnums | None, what: str) -> Argnums:
    """``argnums``, or autograd's ``argnum`` when that is the one given."""
    if argnum is None:
        return argnums
    if argnums is not ARGNUMS0:    # both given, even argnums=0: JAX refuses a stray keyword
        raise TypeError(f"{what}: got both argnums={argnums!r} and argnum={argnum!r}; "
                        "argnum is autograd's spelling of argnums: give only one.")
    return argnum


def value_and_grad(fun: Callable[..., Any], argnums: Argnums = ARGNUMS0,
                   has_aux: bool = False, *, argnum: Argnums | None = None) -> Callable[..., Any]:
    """Return a function computing ``fun``'s value and its gradient together.

    Args:
      fun: Function returning a scalar number (or ``(scalar, aux)``).
      argnums: Which positional argument(s) to differentiate; int or tuple.
      has_aux: If True, ``fun`` returns ``(value, aux)``.
      argnum: HIPS autograd's spelling of ``argnums`` (same meaning); give
        one or the other.

    Returns:
      A function with ``fun``'s arguments returning ``(value, grads)``, or
      ``((value, aux), grads)`` with ``has_aux``. ``grads`` has the structure of
      the selected argument (a tuple of them when ``argnums`` is a tuple).
      Keyword arguments are passed to ``fun`` undifferentiated.

    Raises:
      TypeError: if ``fun`` does not return a scalar, or an argument leaf is
        not a number (the message names its path).

    Examples:
      >>> import tapegrad as tg
      >>> tg.value_and_grad(lambda p: p["w"] * p["b"])({"w": 2.0, "b": 3.0})
      (6.0, {'b': 2.0, 'w': 3.0})
    """
    check_callable(fun, "value_and_grad")
    argnums = _argnum_alias(argnums, argnum, "value_and_grad")
    what = "grad"
    if getattr(type(fun), "compiled_value_and_grad", None) is not None:
        return _value_and_grad_of_jit(fun, argnums, has_aux)

    @gc_paused
    @functools.wraps(fun)
    def value_and_grad_fun(*args: Any, **kwargs: Any) -> Any:
        nums = norm_argnums(argnums, len(args), what)
        at = staged()            # inside jit: a loop's backward pass is recorded (loop_seed.py)
        out, vjp_fn, aux = _vjp(fun, args, nums, has_aux, what, kwargs, once=True)
        seed = loop_seed(out, at)
        grads = vjp_fn(scalar_seed(out, what) if seed is None else seed)
        grads = grads[0] if single_argnum(argnums) else grads
        return ((out, aux), grads) if has_aux else (out, grads)
    setattr(value_and_grad_fun, _NOTE, (id(value_and_grad_fun), fun, argnums, has_aux, True))
    return value_and_grad_fun


def _value_and_grad_of_jit(fun: Any, argnums: Argnums, has_aux: bool) -> Callable[..., Any]:
    """``value_and_grad`` of a jitted function: one compiled program."""
    vg = type(fun).compiled_value_and_grad(fun, argnums, has_aux)

    @functools.wraps(fun)
    def value_and_grad_of_jit(*args: Any, **kwargs: Any) -> Any:
        return vg(*args, **kwargs)
    setattr(value_and_grad_of_jit, _NOTE,
            (id(value_and_grad_of_jit), fun, argnums, has_aux, True))
    return value_and_grad_of_jit


def grad(fun: Callable[..., Any], argnums: Argnums = ARGNUMS0,
         has_aux: bool = False, *, argnum: Argnums | None = None) -> Callable[..., Any]:
    """Return a function that evaluates the gradient of ``fun``.

    Args:
      fun: Function returning a scalar number.
      argnums: Which positional argument(s) to differentiate; int or tuple.
      has_aux: If True, ``fun`` returns ``(value, aux)`` and the gradient
        function returns ``(grads, aux)``.
      argnum: HIPS autograd's spelling of ``argnums`` (same meaning), so
        ``grad(f, argnum=1)`` runs unchanged; give one or the other.

    Returns:
      A function with ``fun``'s arguments; the gradient has their structure.
      Keyword arguments are passed to ``fun`` undifferentiated, as in JAX.

    Raises:
      TypeError: if ``fun`` does not return a scalar number.

    Examples:
      >>> import tapegrad as tg
      >>> tg.grad(lambda x: x * x)(3.0)
      6.0
      >>> tg.grad(tg.grad(tg.sin))(0.0)
      -0.0
    """
    check_callable(fun, "grad")
    argnums = _argnum_alias(argnums, argnum, "grad")
    vg = value_and_grad(fun, argnums, has_aux)

    @functools.wraps(fun)
    def grad_fun(*args: Any, **kwargs: Any) -> Any:
        (value, grads) = vg(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads
    setattr(grad_fun, _NOTE, (id(grad_fun), fun, argnums, has_aux, False))
    return grad_fun


@gc_paused
def jvp(fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: bool = False) -> Any:
    """Evaluate ``fun`` and its directional derivative (forward mode).

    Args:
      fun: Function of pytrees of numbers, returning a pytree of numbers.
      primals: A tuple (or list) of the arguments to call ``fun`` with.
      tangents: A tuple of the same length, each entry shaped like its primal:
        the direction to differentiate in.
      has_aux: If True, ``fun`` returns ``(output, aux)``; aux is not
        differentiated.

    Returns:
      ``(out, tangent_out)``: ``fun(*primals)`` and ``J @ tangents``, shaped
      like ``out``; ``(out, tangent_out, aux)`` with ``has_aux``.

    Raises:
      TypeError: if ``primals`` or ``tangents`` is not a tuple or list, or a
        leaf is not a number (the message names its path).
      ValueError: if a tangent's structure or shape differs from its primal's.

    Examples:
      >>> import tapegrad as tg
      >>> tg.jvp(lambda x, y: x * y, (2.0, 3.0), (1.0, 0.0))
      (6.0, 3.0)
      >>> tg.jvp(tg.grad(lambda x: x ** 3), (2.0,), (1.0,))   # f''(2) = 12
      (12.0, 12.0)
    """
    check_callable(fun, "jvp")
    what = "jvp"
    tangent_leaves = check_tangents(fun, primals, tangents, what)
    tr = trace(fun, primals, tuple(range(len(primals))), has_aux, what)
    refuse_non_numbers(tr.out_leaves, tr.out_def, what)
    seeds = [(x.id, t) for (xs, _), ts in zip(tr.inputs, tangent_leaves)
             for x, t in zip(xs, ts)]
    tans = forward(tr.tape, seeds, needed(tr.tape, [x.id for x in tr.out_leaves
                                                    if on(tr.tape, x)]))
    taken = {id(array_root(t)) for ts in tangent_leaves for t in ts}
    t_out = tree.unflatten(tr.out_def, own_arrays([
        out_tangent(tans[x.id], x) if on(tr.tape, x) and tans[x.id] is not None else
        zeros_like(x)
        for x in tr.out_leaves], taken))
    return (tr.out, t_out, tr.aux) if has_aux else (tr.out, t_out)


def make_tape(fun: Callable[..., Any]) -> Callable[..., Tape]:
    """Return a function that runs ``fun`` and returns its recorded [Tape][tapegrad.tape.Tape].

    Every leaf of every argument becomes a tape input.

    Args:
      fun: Any function of pytrees of numbers, a transformed one too
        (``tg.grad(f)``): then the tape holds the backward records as well.

    Returns:
      A function with ``fun``'s arguments returning the recorded tape; call
      it, print it (one record a line), or draw it (``tape.to_dot()``).
      Arrays ``fun`` reads from a closure or a global are copied into the
      tape as it records: the tape keeps their values of that moment.

    Raises:
      RuntimeError: if ``fun`` draws from NumPy's or Python's global random
        generator while it records (the draw would be replayed frozen).
      TypeError: where ``fun`` hashes a traced value or reads its number
        with ``primal()`` (the recording would keep this call's number).

    Examples:
      >>> import tapegrad as tg
      >>> print(tg.make_tape(lambda x, y: tg.sin(x * y))(2.0, 3.0))
      v0 = input            # x
      v1 = input            # y
      v2 = mul v0 v1
      v3 = sin v2
      outputs: v3
    """
    check_callable(fun, "make_tape")
    @gc_paused
    @functools.wraps(fun)
    def make_tape_fun(*args: Any, **kwargs: Any) -> Tape:
        tr = trace(fun, args, None, False, "make_tape", kwargs, staging=True)
        tr.tape.output_names = _output_names(fun, args, tr.out)
        return tr.tape
    return make_tape_fun

