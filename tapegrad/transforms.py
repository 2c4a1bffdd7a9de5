"""The user-facing transforms: ``vjp``, ``grad``, ``jvp``, Jacobians, Hessians.

Each runs the function once on a fresh tape with its differentiated
arguments replaced by traced inputs, then plays the tape: backwards with
cotangents (``reverse.py``) or forwards with tangents (``forward.py``), as
many times as it needs seeds. Argument handling lives in ``arguments.py``.
"""

from __future__ import annotations

import bisect
import functools
import random
import threading
import warnings
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from . import tree
from .arguments import (
    Argnums,
    arg_name,
    check_callable,
    check_cotangent,
    check_tangents,
    norm_argnums,
    one_hots,
    own_arrays,
    scalar_seed,
    single_argnum,
    split_aux,
    trace_inputs,
    unwrap,
    zeros_like,
)
from .arrays import stack
from .forward import forward, needed
from .reductions import reshape
from .reverse import backward
from .tape import Const, Tape, gc_paused, new_tape
from .values import Traced, primal_value, shape_of

__all__ = ["grad", "hessian", "jacfwd", "jacobian", "jacrev", "jvp", "make_tape",
           "value_and_grad", "vjp"]


class _Trace(NamedTuple):
    """One run of ``fun`` on a fresh tape, ready to be played."""
    tape: Tape
    inputs: list[tuple[list[Traced], tree.TreeDef]]  # per differentiated argument
    out_leaves: list[Any]    # traced on ``tape``, or constants there
    out_def: tree.TreeDef
    out: Any                 # the output pytree, as seen from outside the tape
    aux: Any


def _trace(fun: Callable[..., Any], args: Sequence[Any], nums: tuple[int, ...],
           has_aux: bool, what: str, kwargs: dict[str, Any] | None = None,
           reverse: bool = False) -> _Trace:
    """Run ``fun`` once on a new tape; keyword arguments are constants there.

    ``reverse``: the tape will be played backwards (a jitted call on it
    computes its gradient with its value).
    """
    with new_tape() as tape:
        tape.reverse = reverse
        new_args, inputs = trace_inputs(tape, fun, args, nums, what)
        out, aux = split_aux(fun(*new_args, **(kwargs or {})), has_aux, what)
    out_leaves, out_def = tree.flatten(out)
    tape.set_outputs(out_leaves)
    out = tree.unflatten(out_def, [unwrap(tape, x) for x in out_leaves])
    aux = tree.map(lambda x: unwrap(tape, x), aux)
    return _Trace(tape, inputs, out_leaves, out_def, out, aux)


def _on(tape: Tape, x: Any) -> bool:
    return type(x) is Traced and x.tape is tape


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
         has_aux: bool, what: str, kwargs: dict[str, Any] | None = None
         ) -> tuple[Any, Callable[[Any], tuple[Any, ...]], Any]:
    """Trace ``fun`` once; return (output, vjp function, aux)."""
    tr = _trace(fun, args, nums, has_aux, what, kwargs, reverse=True)
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
        seeds = [(x.id, ct) for x, (_, ct) in zip(out_leaves, ct_pairs) if _on(tape, x)]
        cts = backward(tape, seeds)
        taken = {id(ct) for _, ct in ct_pairs}       # the caller's arrays stay theirs
        return tuple(tree.unflatten(td, own_arrays(
            [zeros_like(x._value) if cts[x.id] is None else cts[x.id] for x in xs], taken))
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
    what = "grad"
    compiled = getattr(type(fun), "compiled_value_and_grad", None)   # of a jitted
    if compiled is not None:                                    # function: one program
        vg = compiled(fun, argnums, has_aux)

        @functools.wraps(fun)
        def value_and_grad_of_jit(*args: Any, **kwargs: Any) -> Any:
            return vg(*args, **kwargs)
        setattr(value_and_grad_of_jit, _NOTE,
                (id(value_and_grad_of_jit), fun, argnums, has_aux, True))
        return value_and_grad_of_jit

    @gc_paused
    @functools.wraps(fun)
    def value_and_grad_fun(*args: Any, **kwargs: Any) -> Any:
        nums = norm_argnums(argnums, len(args), what)
        out, vjp_fn, aux = _vjp(fun, args, nums, has_aux, what, kwargs)
        grads = vjp_fn(scalar_seed(out, what))
        grads = grads[0] if single_argnum(argnums) else grads
        return ((out, aux), grads) if has_aux else (out, grads)
    setattr(value_and_grad_fun, _NOTE, (id(value_and_grad_fun), fun, argnums, has_aux, True))
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
    tr = _trace(fun, primals, tuple(range(len(primals))), has_aux, what)
    seeds = [(x.id, t) for (xs, _), ts in zip(tr.inputs, tangent_leaves)
             for x, t in zip(xs, ts)]
    tans = forward(tr.tape, seeds, needed(tr.tape, [x.id for x in tr.out_leaves
                                                    if _on(tr.tape, x)]))
    taken = {id(t) for ts in tangent_leaves for t in ts}
    t_out = tree.unflatten(tr.out_def, own_arrays([
        tans[x.id] if _on(tr.tape, x) and tans[x.id] is not None else zeros_like(x)
        for x in tr.out_leaves], taken))
    return (tr.out, t_out, tr.aux) if has_aux else (tr.out, t_out)


# --------------------------------------------------------------- Jacobians
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
    if not any(type(p) is Traced for p in parts):
        cols = [np.broadcast_to(np.asarray(p, dtype=float), part) for p in parts]
        return np.stack(cols, axis=0 if lead_first else -1).reshape(shape)
    items: list[Any] = [p if type(p) is Traced
                        else np.broadcast_to(np.asarray(p, dtype=float), part) for p in parts]
    block = reshape(stack(items, axis=0 if lead_first else -1), shape)
    if np.asarray(primal_value(block)).dtype != np.float64:   # float64, as in eager
        block = block * np.ones(shape)                         # exact: x * 1.0 is x
    return block


def _jacobian(tr: _Trace, blocks: list[list[Any]], single: bool) -> Any:
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
    return np.zeros(shape_of(o) + shape_of(x))


def jacrev(fun: Callable[..., Any], argnums: Argnums = 0,
           has_aux: bool = False) -> Callable[..., Any]:
    """Return a function computing the Jacobian of ``fun`` in reverse mode.

    One backward pass over the recorded tape per output element: the right
    mode when outputs are fewer than inputs.

    Args:
      fun: Function of pytrees of numbers, returning a pytree of numbers.
      argnums: Which positional argument(s) to differentiate; int or tuple.
      has_aux: If True, ``fun`` returns ``(output, aux)`` and the Jacobian
        function returns ``(jacobian, aux)``.

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
    what = "jacrev"

    @gc_paused
    @functools.wraps(fun)
    def jacrev_fun(*args: Any, **kwargs: Any) -> Any:
        nums = norm_argnums(argnums, len(args), what)
        tr = _trace(fun, args, nums, has_aux, what, kwargs, reverse=True)
        ins = [x for xs, _ in tr.inputs for x in xs]
        blocks = []
        for o in tr.out_leaves:
            if not _on(tr.tape, o):
                blocks.append([_zero_block(o, x) for x in ins])
                continue
            rows = []
            for seed in one_hots(o):
                cts = backward(tr.tape, [(o.id, seed)])
                rows.append([zeros_like(x._value) if cts[x.id] is None else cts[x.id]
                             for x in ins])
            blocks.append([_stack([r[k] for r in rows], shape_of(o), shape_of(x), True)
                           for k, x in enumerate(ins)])
        jac = _jacobian(tr, blocks, single_argnum(argnums))
        return (jac, tr.aux) if has_aux else jac
    return jacrev_fun


jacobian = jacrev


def jacfwd(fun: Callable[..., Any], argnums: Argnums = 0,
           has_aux: bool = False) -> Callable[..., Any]:
    """Return a function computing the Jacobian of ``fun`` in forward mode.

    One forward pass over the recorded tape per input element: the right
    mode when inputs are fewer than outputs. Same arguments and result as
    [jacrev][tapegrad.jacrev].

    Args:
      fun: Function of pytrees of numbers, returning a pytree of numbers.
      argnums: Which positional argument(s) to differentiate; int or tuple.
      has_aux: If True, ``fun`` returns ``(output, aux)`` and the Jacobian
        function returns ``(jacobian, aux)``.

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
    what = "jacfwd"

    @gc_paused
    @functools.wraps(fun)
    def jacfwd_fun(*args: Any, **kwargs: Any) -> Any:
        nums = norm_argnums(argnums, len(args), what)
        tr = _trace(fun, args, nums, has_aux, what, kwargs)
        tape, outs = tr.tape, tr.out_leaves
        ins = [x for xs, _ in tr.inputs for x in xs]
        order = needed(tape, [o.id for o in outs if _on(tape, o)])
        blocks: list[list[Any]] = [[] for _ in outs]
        for x in ins:
            cols: list[list[Any]] = [[] for _ in outs]
            after_x = order[bisect.bisect_left(order, x.id):]
            for seed in one_hots(x):
                tans = forward(tape, [(x.id, seed)], after_x)
                for col, o in zip(cols, outs):
                    t = tans[o.id] if _on(tape, o) else None
                    col.append(zeros_like(o) if t is None else t)
            for row, col, o in zip(blocks, cols, outs):
                row.append(_stack(col, shape_of(x), shape_of(o), False))
        jac = _jacobian(tr, blocks, single_argnum(argnums))
        return (jac, tr.aux) if has_aux else jac
    return jacfwd_fun


def hessian(fun: Callable[..., Any], argnums: Argnums = 0,
            has_aux: bool = False) -> Callable[..., Any]:
    """Return a function computing the Hessian of a scalar ``fun``.

    ``jacfwd(jacrev(fun))``, as in JAX: reverse mode for the gradient, then one
    forward pass over the gradient's tape per input element.

    Args:
      fun: Function returning a scalar number.
      argnums: Which positional argument(s) to differentiate; int or tuple.
      has_aux: If True, ``fun`` returns ``(value, aux)`` and the Hessian
        function returns ``(hessian, aux)``.

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
    return functools.wraps(fun)(
        jacfwd(jacrev(fun, argnums, has_aux), argnums, has_aux))


def _global_rngs() -> tuple[Any, Any]:
    """The state of NumPy's global generator (``np.random.*``) and of ``random``."""
    return np.random.get_state(), random.getstate()


def _check_rngs(fun: Callable[..., Any], before: tuple[Any, Any]) -> None:
    """Refuse a recording that drew from a global generator: its draw would be frozen.

    A tape (and so ``jit`` and ``vmap``, which replay one) keeps the numbers
    drawn while recording as constants, the same on every later call.
    """
    np_state, py_state = _global_rngs()
    np_before, py_before = before
    np_moved = np_state[2:] != np_before[2:] or not np.array_equal(np_state[1], np_before[1])
    if np_moved or py_state != py_before:
        which = "NumPy's global random generator (np.random)" if np_moved else \
            "Python's global random generator (random)"
        msg = (f"{getattr(fun, '__name__', 'the function')} drew from {which} while jit, "
               "vmap or make_tape recorded it: the recording would replay that one draw "
               "on every call, frozen. Draw the numbers outside the function and pass "
               "them in as an argument (a new draw per call).")
        if threading.active_count() > 1:     # another thread may have drawn: say, not stop
            warnings.warn(msg + " (Another thread may have drawn instead.)", RuntimeWarning,
                          stacklevel=4)
            return
        raise RuntimeError(msg)


def _freeze_constants(tape: Tape) -> None:
    """Every array the recording read as a constant becomes a copy taken now.

    A global or closure array mutated after recording then reads stale in
    every use, consistently (TRAPS row 37), as a folded ``W * W`` always did.
    One copy per array, however many records read it.
    """
    copies: dict[int, Any] = {}

    def frozen(a: Any) -> Any:
        if a.__class__ is not np.ndarray or not a.flags.writeable:
            return a
        c = copies.get(id(a))
        if c is None:
            c = copies[id(a)] = (a, a.copy(order="K"))   # its layout: the same BLAS path
        return c[1]

    records = tape.records
    nd = np.ndarray
    for i, rec in enumerate(records):
        n = len(rec)               # most records: no array argument at all, one test
        if n == 6:
            if rec[3].__class__ is not nd and rec[5].__class__ is not nd:
                continue
        elif n == 4:
            if rec[3].__class__ is not nd:
                continue
        elif rec[0] is None or all(a.__class__ is not nd for a in rec[3::2]):
            continue
        if None not in rec[2::2]:                            # rec_ids: no constant
            continue
        new = list(rec)
        for k in range(2, len(rec), 2):
            if rec[k] is None:
                new[k + 1] = frozen(rec[k + 1])
        records[i] = tuple(new)
    tape.outputs = [Const(frozen(o.value)) if isinstance(o, Const) else o
                    for o in tape.outputs]


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
        before = _global_rngs()
        with new_tape() as tape:
            tape.staging = True
            new_args, _ = trace_inputs(tape, fun, args, tuple(range(len(args))),
                                        "make_tape", data=True)
            out = fun(*new_args, **kwargs)
        _check_rngs(fun, before)
        leaves, tape.out_def = tree.flatten(out)
        tape.set_outputs(leaves)
        _freeze_constants(tape)
        tape.output_names = _output_names(fun, args, out)
        return tape
    return make_tape_fun
