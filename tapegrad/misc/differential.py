"""autograd's differential operators by its names and signatures, over tapegrad's transforms.

``from autograd import make_vjp, make_jvp, make_hvp, make_ggnvp,
grad_and_aux, deriv, multigrad_dict, grad_named`` renamed to ``tapegrad``
runs: each takes ``fun`` and ``argnum`` (the one argument differentiated)
and returns a function of ``fun``'s arguments, as autograd's do.
``make_vjp(fun)(*args)`` is ``(vjp, value)``; ``make_jvp(fun)(*args)(v)``
is ``(value, J v)``; ``make_hvp(fun)(*args)`` is ``(hvp, gradient)``;
``make_ggnvp(f, g)(*args)(v)`` is the generalized Gauss-Newton product
``J' H_g J v`` (``g`` half the squared norm by default); ``grad_and_aux``
differentiates a ``fun`` returning ``(value, aux)``; ``deriv`` is the
derivative along ones (of a function of one number: its derivative).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from ..transforms import grad, jvp, vjp

__all__ = ["deriv", "grad_and_aux", "grad_named", "make_ggnvp", "make_hvp", "make_jvp",
           "make_vjp", "multigrad_dict"]

Fun = Callable[..., Any]


def _unary(fun: Fun, argnum: int, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Fun:
    """``fun`` as a function of its argument ``argnum`` alone, the others fixed."""
    def unary(x: Any) -> Any:
        full = list(args)
        full[argnum] = x
        return fun(*full, **kwargs)
    return unary


def make_vjp(fun: Fun, argnum: int = 0) -> Fun:
    """Autograd's ``make_vjp``: ``make_vjp(fun)(*args)`` is ``(vjp, fun(*args))``.

    Examples:
      >>> from tapegrad import make_vjp
      >>> vjp, value = make_vjp(lambda x: x ** 3)(2.0)
      >>> value, vjp(1.0)
      (8.0, 12.0)
    """
    def at(*args: Any, **kwargs: Any) -> tuple[Fun, Any]:
        value, pullback = vjp(_unary(fun, argnum, args, kwargs), args[argnum])
        return (lambda g: pullback(g)[0]), value
    return at


def make_jvp(fun: Fun, argnum: int = 0) -> Fun:
    """Autograd's ``make_jvp``: ``make_jvp(fun)(*args)(v)`` is ``(fun(*args), J v)``.

    Examples:
      >>> from tapegrad import make_jvp
      >>> make_jvp(lambda x: x ** 3)(2.0)(0.5)
      (8.0, 6.0)
    """
    def at(*args: Any, **kwargs: Any) -> Fun:
        f = _unary(fun, argnum, args, kwargs)
        return lambda v: tuple(jvp(f, (args[argnum],), (v,)))
    return at


def make_hvp(fun: Fun, argnum: int = 0) -> Fun:
    """Autograd's ``make_hvp``: ``make_hvp(fun)(*args)`` is ``(hvp, grad(fun)(*args))``.

    Examples:
      >>> import numpy as np
      >>> from tapegrad import make_hvp
      >>> hvp, g = make_hvp(lambda x: np.sum(x ** 3))(np.array([1.0, 2.0]))
      >>> hvp(np.array([1.0, 1.0]))
      array([ 6., 12.])
    """
    return make_vjp(grad(fun, argnum), argnum)


def _half_square(x: Any) -> Any:
    return 1.0 / 2 * np.sum(x ** 2, axis=-1)


def make_ggnvp(f: Fun, g: Fun = _half_square, f_argnum: int = 0) -> Fun:
    """Autograd's ``make_ggnvp``: ``make_ggnvp(f, g)(*args)(v)`` is ``J' H J v``.

    ``J`` is ``f``'s Jacobian at ``args`` and ``H`` the Hessian of ``g`` at
    ``f(*args)``: the Gauss-Newton approximation of the Hessian of ``g(f(x))``.

    Examples:
      >>> import numpy as np
      >>> from tapegrad import make_ggnvp
      >>> make_ggnvp(lambda x: 2.0 * x)(np.array([1.0, 3.0]))(np.array([1.0, 0.0]))
      array([4., 0.])
    """
    def at(*args: Any, **kwargs: Any) -> Fun:
        unary = _unary(f, f_argnum, args, kwargs)
        f_vjp, f_x = make_vjp(unary)(args[f_argnum])
        g_hvp, _ = make_hvp(g)(f_x)
        return lambda v: f_vjp(g_hvp(jvp(unary, (args[f_argnum],), (v,))[1]))
    return at


def grad_and_aux(fun: Fun, argnum: int = 0) -> Fun:
    """Autograd's ``grad_and_aux``: for ``fun`` returning ``(value, aux)``, ``(gradient, aux)``.

    Examples:
      >>> from tapegrad import grad_and_aux
      >>> grad_and_aux(lambda x: (x ** 2, "aux"))(3.0)
      (6.0, 'aux')
    """
    return grad(fun, argnum, has_aux=True)


def deriv(fun: Fun, argnum: int = 0) -> Fun:
    """Autograd's ``deriv``: the derivative along a tangent of ones (``J @ 1``).

    Examples:
      >>> from tapegrad import deriv
      >>> deriv(lambda x: x ** 3)(2.0)
      12.0
    """
    def at(*args: Any, **kwargs: Any) -> Any:
        ones = np.ones_like(args[argnum]) if np.ndim(args[argnum]) else 1.0
        return make_jvp(fun, argnum)(*args, **kwargs)(ones)[1]
    return at


def grad_named(fun: Fun, argname: str) -> Fun:
    """Autograd's ``grad_named``: the gradient with respect to the argument named ``argname``.

    Examples:
      >>> from tapegrad import grad_named
      >>> grad_named(lambda x, y: x * y ** 2, "y")(2.0, 3.0)
      12.0
    """
    return grad(fun, list(inspect.signature(fun).parameters).index(argname))


def multigrad_dict(fun: Fun) -> Fun:
    """Autograd's ``multigrad_dict``: the gradients for every argument, a dict by name.

    Examples:
      >>> from tapegrad import multigrad_dict
      >>> multigrad_dict(lambda x, y=2.0: x * y)(3.0)
      {'x': 2.0, 'y': 3.0}
    """
    sig = inspect.signature(fun)

    def at(*args: Any, **kwargs: Any) -> dict[str, Any]:
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        return dict(grad(lambda named: fun(**named))(dict(bound.arguments)))
    return at
