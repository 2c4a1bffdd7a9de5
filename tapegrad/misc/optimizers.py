"""autograd's optimizers (``sgd``, ``rmsprop``, ``adam``) with autograd's signatures.

Each takes ``grad(x, i)`` (the gradient at parameters ``x``, a pytree, at
iteration ``i``), the initial parameters ``x0``, an optional
``callback(x, i, g)`` and its hyperparameters, and returns the final
parameters with ``x0``'s structure. The pytree is raveled into one vector
(``tg.tree.ravel``) and each update is computed on that vector, step for
step as autograd computes it. The updates are NumPy arithmetic that
tapegrad traces, so differentiating through an optimizer (with respect to
``step_size``, say) works too. For new code, ``tg.optim`` has optax's
``init``/``update`` style instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import tree

__all__ = ["adam", "rmsprop", "sgd"]

Grad = Callable[[Any, int], Any]
Callback = Callable[[Any, int, Any], Any] | None
FlatOptimizer = Callable[..., Any]


def unflatten_optimizer(optimize: FlatOptimizer) -> Callable[..., Any]:
    """Make an optimizer on flat 1-D vectors into one on pytrees (autograd's decorator)."""
    @functools.wraps(optimize)
    def _optimize(grad: Grad, x0: Any, callback: Callback = None, *args: Any,
                  **kwargs: Any) -> Any:
        flat_x0, unflatten = tree.ravel(x0)

        def flat_grad(x: Any, i: int) -> Any:
            return tree.ravel(grad(unflatten(x), i))[0]

        flat_callback = None
        if callback is not None:
            def flat_callback(x: Any, i: int, g: Any) -> Any:
                return callback(unflatten(x), i, unflatten(g))
        return unflatten(optimize(flat_grad, flat_x0, flat_callback, *args, **kwargs))
    return _optimize


@unflatten_optimizer
def sgd(grad: Grad, x: Any, callback: Callback = None, num_iters: int = 200,
        step_size: float = 0.1, mass: float = 0.9) -> Any:
    """Stochastic gradient descent with momentum, as autograd's.

    ``v = mass * v - (1 - mass) * g``, then ``x = x + step_size * v``.

    Args:
      grad: ``grad(x, i)``, the gradient at ``x`` (a pytree) at iteration ``i``.
      x: The initial parameters, a pytree of numbers and arrays.
      callback: Called as ``callback(x, i, g)`` before each update, if given.
      num_iters: How many updates.
      step_size: The learning rate.
      mass: The momentum.

    Returns:
      The parameters after ``num_iters`` updates, with ``x``'s structure.

    Examples:
      >>> import numpy as np
      >>> from tapegrad import grad
      >>> from tapegrad.misc.optimizers import sgd
      >>> loss = lambda p, i: np.sum((p["w"] - 3.0) ** 2)
      >>> sgd(grad(loss), {"w": np.zeros(2)}, num_iters=500)["w"].round(6)
      array([3., 3.])
    """
    velocity = np.zeros(len(x))
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        velocity = mass * velocity - (1.0 - mass) * g
        x = x + step_size * velocity
    return x


@unflatten_optimizer
def rmsprop(grad: Grad, x: Any, callback: Callback = None, num_iters: int = 100,
            step_size: float = 0.1, gamma: float = 0.9, eps: float = 10**-8) -> Any:
    """Root-mean-square propagation, as autograd's (the running average starts at 1).

    Args:
      grad: ``grad(x, i)``, the gradient at ``x`` (a pytree) at iteration ``i``.
      x: The initial parameters, a pytree of numbers and arrays.
      callback: Called as ``callback(x, i, g)`` before each update, if given.
      num_iters: How many updates.
      step_size: The learning rate.
      gamma: The decay of the running average of squared gradients.
      eps: Added to the root mean square before dividing by it.

    Returns:
      The parameters after ``num_iters`` updates, with ``x``'s structure.

    Examples:
      >>> import numpy as np
      >>> from tapegrad import grad
      >>> from tapegrad.misc.optimizers import rmsprop
      >>> loss = lambda w, i: np.sum((w - 3.0) ** 2)
      >>> rmsprop(grad(loss), np.zeros(2), step_size=0.01, num_iters=1000).round(2)
      array([3., 3.])
    """
    avg_sq_grad = np.ones(len(x))
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        avg_sq_grad = avg_sq_grad * gamma + g**2 * (1 - gamma)
        x = x - step_size * g / (np.sqrt(avg_sq_grad) + eps)
    return x


@unflatten_optimizer
def adam(grad: Grad, x: Any, callback: Callback = None, num_iters: int = 100,
         step_size: float = 0.001, b1: float = 0.9, b2: float = 0.999,
         eps: float = 10**-8) -> Any:
    """Adam (Kingma and Ba, 2015), bias-corrected, as autograd's.

    Args:
      grad: ``grad(x, i)``, the gradient at ``x`` (a pytree) at iteration ``i``.
      x: The initial parameters, a pytree of numbers and arrays.
      callback: Called as ``callback(x, i, g)`` before each update, if given.
      num_iters: How many updates.
      step_size: The learning rate.
      b1: The decay of the first-moment estimate.
      b2: The decay of the second-moment estimate.
      eps: Added to the root of the second moment before dividing by it.

    Returns:
      The parameters after ``num_iters`` updates, with ``x``'s structure.

    Examples:
      >>> import numpy as np
      >>> from tapegrad import grad
      >>> from tapegrad.misc.optimizers import adam
      >>> loss = lambda p, i: (p[0] - 1.0) ** 2 + np.sum((p[1] + 2.0) ** 2)
      >>> p = adam(grad(loss), [0.0, np.zeros(2)], step_size=0.1, num_iters=500)
      >>> round(p[0], 4), p[1].round(4)
      (1.0, array([-2., -2.]))
    """
    m = np.zeros(len(x))
    v = np.zeros(len(x))
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        m = (1 - b1) * g + b1 * m  # first moment estimate
        v = (1 - b2) * (g**2) + b2 * v  # second moment estimate
        mhat = m / (1 - b1 ** (i + 1))  # bias correction
        vhat = v / (1 - b2 ** (i + 1))
        x = x - step_size * mhat / (np.sqrt(vhat) + eps)
    return x
