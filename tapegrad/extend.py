"""autograd's ``autograd.extend`` spellings: ``primitive``, ``defvjp``, ``defjvp``.

In HIPS autograd a primitive is a decorated function of any arguments
(keyword arguments too), and its reverse rule for input ``k`` is a *maker*
``maker(ans, *args, **kwargs)`` that returns ``lambda g: ...``; its forward
rule is ``jvp(g, ans, *args, **kwargs)``. tapegrad's own ``tg.primitive``
takes positional numbers and rules ``rule(g, ans, *args)``. This module
makes the one out of the other: ``primitive(f)`` wraps ``f`` in a tapegrad
primitive whose first input is the call's keyword arguments (a constant),
and ``defvjp``/``defjvp`` turn makers into tapegrad rules. The rules run on
traced values like any tapegrad rule, so a maker written with NumPy or
tapegrad functions differentiates again.

``Box``, ``VSpace``, ``vspace`` and ``SparseObject`` (autograd's boxing and
vector-space internals) have no counterpart: tapegrad traces with one
``Traced`` type over numbers and NumPy arrays only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .primitive import Primitive as _TgPrimitive
from .primitive import defjvp as _tg_defjvp
from .primitive import defvjp as _tg_defvjp
from .primitive import primitive as _tg_primitive
from .values import primal_value

__all__ = ["defjvp", "defjvp_argnum", "defvjp", "defvjp_argnum", "notrace_primitive",
           "primitive"]

_MAX_ARGS = 32   # inputs a rule is looked up for; beyond a user's makers they say what is missing

VjpMaker = Callable[..., Callable[[Any], Any]]
JvpRule = Callable[..., Any]


class _Kwargs:
    """A call's keyword arguments: the constant first input of the wrapped primitive."""

    __slots__ = ("kw",)

    def __init__(self, kw: dict[str, Any]):
        self.kw = kw

    def __repr__(self) -> str:
        return "kwargs(" + ", ".join(f"{k}={v!r:.20}" for k, v in self.kw.items()) + ")"


class Primitive:
    """A function that tapegrad records as one step, with autograd's calling convention.

    Call it like the function it wraps (positional and keyword arguments);
    give its derivatives with [defvjp][tapegrad.extend.defvjp] and
    [defjvp][tapegrad.extend.defjvp]. ``.prim`` is the tapegrad primitive
    underneath (its inputs: the keyword arguments, then the positional ones).
    """

    def __init__(self, fun: Callable[..., Any]):
        self.fun = fun
        name = getattr(fun, "__name__", "primitive")
        self.prim = _tg_primitive(self._impl, name)
        _tg_defvjp(self.prim, None, *(_undefined("VJP", name, k) for k in range(_MAX_ARGS)))
        _tg_defjvp(self.prim, None, *(_undefined("JVP", name, k) for k in range(_MAX_ARGS)))
        functools.update_wrapper(self, fun)

    def _impl(self, kwargs: _Kwargs, *args: Any) -> Any:
        return self.fun(*args, **kwargs.kw)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.prim(_Kwargs(kwargs), *args)

    def __repr__(self) -> str:
        return f"<autograd-style primitive {self.prim.name}>"


def _undefined(mode: str, name: str, k: int) -> Callable[..., Any]:
    def rule(*_: Any) -> Any:
        how = "defvjp" if mode == "VJP" else "defjvp"
        raise NotImplementedError(f"{mode} of {name} wrt argnum {k} not defined; give it with "
                                  f"tapegrad.extend.{how}({name}, ...).")
    return rule


def primitive(fun: Callable[..., Any]) -> Primitive:
    """Wrap ``fun`` so tapegrad records calls to it as one step (autograd's ``@primitive``).

    ``fun`` receives plain numbers and arrays, never traced values, so it may
    do anything Python can (in-place updates, calls into other libraries).
    Its derivatives are given with [defvjp][tapegrad.extend.defvjp] and
    [defjvp][tapegrad.extend.defjvp].

    Args:
      fun: A function of numbers (keyword arguments are passed through as
        constants).

    Returns:
      The wrapped function.

    Examples:
      >>> import numpy as np
      >>> from tapegrad import grad
      >>> from tapegrad.extend import primitive, defvjp
      >>> @primitive
      ... def cube(x):
      ...     return x ** 3
      >>> defvjp(cube, lambda ans, x: lambda g: g * 3 * x ** 2)
      >>> grad(cube)(2.0), grad(grad(cube))(2.0)
      (12.0, 12.0)
    """
    return Primitive(fun)


def _check(fun: Any, what: str) -> Primitive:
    if not isinstance(fun, Primitive):
        raise TypeError(f"tapegrad.extend.{what}: the first argument must be a function "
                        f"wrapped by tapegrad.extend.primitive, got {type(fun).__name__}"
                        + (" (a tg.primitive: use tg.defvjp/tg.defjvp, whose rules are "
                           "rule(g, ans, *args))" if isinstance(fun, _TgPrimitive)
                           else "") + ".")
    return fun


def _set(fun: Primitive, mode: str, argnums: Any, rules: list[Any]) -> None:
    """Put ``rules`` at the inputs ``argnums`` (shifted by one: input 0 is the kwargs)."""
    prim = fun.prim
    rules_now = prim.vjps if mode == "VJP" else prim.jvps
    table = list(rules_now or ())[1:]
    for k, rule in zip(argnums, rules):
        if not isinstance(k, int) or not 0 <= k < _MAX_ARGS:
            raise ValueError(f"tapegrad.extend: argnum {k!r} must be an int in "
                             f"[0, {_MAX_ARGS}).")
        table[k] = rule
    setter = _tg_defvjp if mode == "VJP" else _tg_defjvp
    setter(prim, None, *table)


def defvjp(fun: Primitive, *vjpmakers: VjpMaker | None, argnums: Any = None) -> None:
    """Give ``fun`` its reverse-mode rules, autograd's way: one maker per input.

    A maker is ``maker(ans, *args, **kwargs)`` returning ``vjp(g)``, the
    cotangent of that input given the output's cotangent ``g``. ``None``
    marks an input with no derivative (zero).

    Args:
      fun: A function wrapped by [primitive][tapegrad.extend.primitive].
      *vjpmakers: One maker per input (or None), in order.
      argnums: The inputs the makers are for, if not ``0, 1, ...``.

    Examples:
      >>> import numpy as np
      >>> from tapegrad import grad
      >>> from tapegrad.extend import primitive, defvjp
      >>> scale = primitive(lambda x, c: c * x)
      >>> defvjp(scale, lambda ans, x, c: lambda g: c * g, lambda ans, x, c: lambda g: g * x)
      >>> grad(scale, argnums=1)(3.0, 2.0)
      3.0
    """
    fun = _check(fun, "defvjp")
    nums = range(len(vjpmakers)) if argnums is None else argnums

    def rule(maker: VjpMaker | None) -> Any:
        if maker is None:
            return None
        return lambda g, ans, kw, *args: maker(ans, *args, **kw.kw)(g)
    _set(fun, "VJP", nums, [rule(m) for m in vjpmakers])


def defjvp(fun: Primitive, *jvpfuns: JvpRule | None, argnums: Any = None) -> None:
    """Give ``fun`` its forward-mode rules, autograd's way: ``jvp(g, ans, *args, **kwargs)``.

    Each returns the output's tangent contributed by that input's tangent ``g``.

    Args:
      fun: A function wrapped by [primitive][tapegrad.extend.primitive].
      *jvpfuns: One rule per input (or None), in order.
      argnums: The inputs the rules are for, if not ``0, 1, ...``.

    Examples:
      >>> import numpy as np
      >>> from tapegrad import jvp
      >>> from tapegrad.extend import primitive, defjvp
      >>> sin = primitive(np.sin)
      >>> defjvp(sin, lambda g, ans, x: g * np.cos(x))
      >>> [float(v) for v in jvp(sin, (0.0,), (2.0,))]
      [0.0, 2.0]
    """
    fun = _check(fun, "defjvp")
    nums = range(len(jvpfuns)) if argnums is None else argnums

    def rule(jvpfun: JvpRule | None) -> Any:
        if jvpfun is None:
            return None
        return lambda t, ans, kw, *args: jvpfun(t, ans, *args, **kw.kw)
    _set(fun, "JVP", nums, [rule(f) for f in jvpfuns])


def defvjp_argnum(fun: Primitive, makevjp: Callable[..., Callable[[Any], Any]]) -> None:
    """One maker for every input: ``makevjp(argnum, ans, args, kwargs)`` returns ``vjp(g)``.

    Args:
      fun: A function wrapped by [primitive][tapegrad.extend.primitive].
      makevjp: The maker, told which input it is asked for.
    """
    fun = _check(fun, "defvjp_argnum")

    def rule(k: int) -> Any:
        return lambda g, ans, kw, *args: makevjp(k, ans, args, kw.kw)(g)
    _set(fun, "VJP", range(_MAX_ARGS), [rule(k) for k in range(_MAX_ARGS)])


def defjvp_argnum(fun: Primitive, makejvp: Callable[..., Any]) -> None:
    """One forward rule for every input: ``makejvp(argnum, g, ans, args, kwargs)``.

    Args:
      fun: A function wrapped by [primitive][tapegrad.extend.primitive].
      makejvp: The rule, told which input's tangent ``g`` is.
    """
    fun = _check(fun, "defjvp_argnum")

    def rule(k: int) -> Any:
        return lambda t, ans, kw, *args: makejvp(k, t, ans, args, kw.kw)
    _set(fun, "JVP", range(_MAX_ARGS), [rule(k) for k in range(_MAX_ARGS)])


def notrace_primitive(fun: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``fun`` to run on the values of its arguments, with no derivative.

    Args:
      fun: A function of numbers whose result is a constant to the transforms
        (a random draw, a count).

    Returns:
      The wrapped function.
    """
    @functools.wraps(fun)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return fun(*(primal_value(a) for a in args),
                   **{k: primal_value(v) for k, v in kwargs.items()})
    return wrapped
