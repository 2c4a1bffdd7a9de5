"""Optimizers as pairs of pure functions, the optax way.

``opt = tg.optim.adam(1e-2)``; ``state = opt.init(params)``; each step
``updates, state = opt.update(grads, state, params)`` and
``params = tg.optim.apply_updates(params, updates)``. The state is a
NamedTuple of pytrees, so it can be saved with ``tg.io.save`` and a run
resumed exactly. ``update`` returns the step to *add*: the minus sign is
inside.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from . import tree

__all__ = ["AdamState", "GradientTransformation", "Schedule", "SgdState", "adam",
           "apply_updates", "cosine_decay", "linear_schedule", "sgd"]

Schedule = Callable[[int], float]
"""A learning rate as a function of the step count (0 on the first step)."""
LearningRate = float | Schedule


class GradientTransformation(NamedTuple):
    """An optimizer: a pair of pure functions.

    ``init(params) -> state`` and ``update(grads, state, params) -> (updates, state)``.
    """
    init: Callable[[Any], Any]
    update: Callable[[Any, Any, Any], tuple[Any, Any]]


class SgdState(NamedTuple):
    """State of [sgd][tapegrad.optim.sgd]: steps taken, and the momentum trace.

    The trace is None without momentum.
    """
    step: int
    trace: Any


class AdamState(NamedTuple):
    """State of [adam][tapegrad.optim.adam]: steps taken, first and second moment estimates."""
    step: int
    mu: Any
    nu: Any


def _rate(learning_rate: LearningRate, step: int) -> float:
    return learning_rate(step) if callable(learning_rate) else learning_rate


def _zeros(params: Any) -> Any:
    """Zeros shaped like ``params`` (not ``p * 0.0``, which is nan at inf), as optax.

    A NumPy float scalar's zero is of its type, as its gradients are: the state
    keeps its types from the first step on, so a jitted step traces once.
    """
    return tree.map(lambda p: np.zeros_like(p) if isinstance(p, np.ndarray) else
                    type(p)(0.0) if isinstance(p, np.floating) else 0.0, params)


def sgd(learning_rate: LearningRate, momentum: float = 0.0) -> GradientTransformation:
    """Stochastic gradient descent, with optional (heavy-ball) momentum.

    With momentum ``m`` the trace is ``t = g + m * t`` and the update
    ``-learning_rate * t``, as in optax.

    Args:
      learning_rate: A float, or a schedule ``step -> float`` (step 0 first).
      momentum: The decay of the trace; 0 for plain SGD.

    Returns:
      A [GradientTransformation][tapegrad.optim.GradientTransformation]: the pure
      pair ``init(params) -> state``, ``update(grads, state, params) -> (updates,
      state)``.

    Examples:
      >>> import tapegrad as tg
      >>> opt = tg.optim.sgd(0.1)
      >>> params = {"w": 1.0}
      >>> updates, state = opt.update({"w": 2.0}, opt.init(params), params)
      >>> tg.optim.apply_updates(params, updates)
      {'w': 0.8}
    """
    def init(params: Any) -> SgdState:
        return SgdState(0, _zeros(params) if momentum else None)

    def update(grads: Any, state: SgdState, params: Any = None) -> tuple[Any, SgdState]:
        lr = _rate(learning_rate, state.step)
        trace = state.trace
        if momentum:
            trace = _map("sgd.update", lambda g, t: g + momentum * t, grads, trace)
            step_dir = trace
        else:
            step_dir = grads
        updates = tree.map(lambda d: -lr * d, step_dir)
        return updates, SgdState(state.step + 1, trace)
    return GradientTransformation(init, update)


def adam(learning_rate: LearningRate, b1: float = 0.9, b2: float = 0.999,
         eps: float = 1e-8) -> GradientTransformation:
    """Adam, with bias correction (Kingma and Ba, 2015), as in optax.

    ``mu = b1 mu + (1 - b1) g``, ``nu = b2 nu + (1 - b2) g**2``, and the update
    ``-lr * mu_hat / (sqrt(nu_hat) + eps)`` where ``mu_hat = mu / (1 - b1**t)``,
    ``nu_hat = nu / (1 - b2**t)`` at step ``t = 1, 2, ...``.

    Args:
      learning_rate: A float, or a schedule ``step -> float`` (step 0 first).
      b1: Decay of the first moment estimate.
      b2: Decay of the second moment estimate.
      eps: Added to the denominator, for stability.

    Returns:
      A [GradientTransformation][tapegrad.optim.GradientTransformation] whose
      state is an [AdamState][tapegrad.optim.AdamState].

    Examples:
      >>> import tapegrad as tg
      >>> opt = tg.optim.adam(0.1)
      >>> updates, state = opt.update({"w": 2.0}, opt.init({"w": 1.0}), {"w": 1.0})
      >>> round(updates["w"], 6), state.step
      (-0.1, 1)
    """
    def init(params: Any) -> AdamState:
        return AdamState(0, _zeros(params), _zeros(params))

    def update(grads: Any, state: AdamState, params: Any = None) -> tuple[Any, AdamState]:
        lr = _rate(learning_rate, state.step)
        t = state.step + 1
        mu = _map("adam.update", lambda g, m: b1 * m + (1.0 - b1) * g, grads, state.mu)
        nu = tree.map(lambda g, v: b2 * v + (1.0 - b2) * (g * g), grads, state.nu)
        c1, c2 = 1.0 - b1 ** t, 1.0 - b2 ** t
        updates = tree.map(lambda m, v: -lr * (m / c1) / ((v / c2) ** 0.5 + eps), mu, nu)
        return updates, AdamState(t, mu, nu)
    return GradientTransformation(init, update)


def apply_updates(params: Any, updates: Any) -> Any:
    """``params + updates``, leaf by leaf.

    Args:
      params: A pytree of numbers.
      updates: A pytree of the same structure, as returned by ``update``.

    Returns:
      The new parameters, a pytree like ``params``.

    Examples:
      >>> import tapegrad as tg
      >>> tg.optim.apply_updates({"w": [1.0, 2.0]}, {"w": [0.5, -0.5]})
      {'w': [1.5, 1.5]}
    """
    return _map("apply_updates", lambda p, u: p + u, params, updates)


_FIX = {"apply_updates": "updates must have params' structure: pass what opt.update returned "
                         "for these params",
        "sgd.update": "grads must have the structure of the params given to opt.init",
        "adam.update": "grads must have the structure of the params given to opt.init"}


def _map(what: str, f: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
    """``tree.map(f, a, b)``; two structures that differ are named in the optimizer's terms."""
    try:
        return tree.map(f, a, b)
    except ValueError:
        sa, sb = tree.structure(a), tree.structure(b)
        if sa == sb:
            raise
        first, second = ("params", "updates") if what == "apply_updates" else ("grads", "state")
        at = tree.first_difference(sa, sb) or "the root"
        raise ValueError(f"{what}: {second} and {first} differ at {at} ({first}: {_show(sa)}; "
                         f"{second}: {_show(sb)}). {_FIX[what]}.") from None


def _show(td: tree.TreeDef) -> str:
    text = str(td)
    return text if len(text) <= 100 else f"{td.num_leaves} leaves"


# ---------------------------------------------------------------- schedules
def linear_schedule(init_value: float, end_value: float,
                    transition_steps: int) -> Schedule:
    """A linear schedule, then constant.

    From ``init_value`` at step 0 to ``end_value`` at ``transition_steps``.

    Args:
      init_value: The value at step 0.
      end_value: The value from ``transition_steps`` on.
      transition_steps: How many steps the change takes.

    Returns:
      A schedule: a function ``step -> float``.

    Examples:
      >>> import tapegrad as tg
      >>> lr = tg.optim.linear_schedule(1.0, 0.1, 100)     # micrograd's demo
      >>> lr(0), round(lr(50), 12), lr(100), lr(200)
      (1.0, 0.55, 0.1, 0.1)
    """
    if transition_steps <= 0:
        raise ValueError(f"linear_schedule: transition_steps must be positive, "
                         f"got {transition_steps}.")

    def schedule(step: int) -> float:
        frac = min(max(step, 0), transition_steps) / transition_steps
        return (1.0 - frac) * init_value + frac * end_value   # exact at both ends
    return schedule


def cosine_decay(init_value: float, decay_steps: int, alpha: float = 0.0) -> Schedule:
    """Cosine decay, then constant (optax's ``cosine_decay_schedule``).

    From ``init_value`` to ``alpha * init_value`` over ``decay_steps``.

    Args:
      init_value: The value at step 0.
      decay_steps: How many steps the decay takes.
      alpha: The final value, as a fraction of ``init_value``.

    Returns:
      A schedule: a function ``step -> float``.

    Examples:
      >>> import tapegrad as tg
      >>> lr = tg.optim.cosine_decay(1.0, 100)
      >>> lr(0), round(lr(50), 12), lr(100)
      (1.0, 0.5, 0.0)
    """
    if decay_steps <= 0:
        raise ValueError(f"cosine_decay: decay_steps must be positive, got {decay_steps}.")

    def schedule(step: int) -> float:
        frac = min(max(step, 0), decay_steps) / decay_steps
        cosine = 0.5 * (1.0 + math.cos(math.pi * frac))
        return init_value * ((1.0 - alpha) * cosine + alpha)
    return schedule
