"""Neural nets as plain functions on pytrees: an MLP, its init, and losses.

Parameters are data (a list of layers, each ``{"w": [[float]], "b": [float]}``)
and a model is a function of them, so ``tg.grad(loss)(params, ...)`` returns
gradients with the same structure. The same code runs on one example (floats)
or on a batch (NumPy arrays, one per input feature), because every primitive
broadcasts.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import renamed, tree
from .arrays import matmul
from .kinks import relu, where
from .ops import logaddexp, square
from .reductions import mean as reduce_mean
from .reductions import sum as reduce_sum
from .shapes import transpose
from .values import Traced, shape_of

__all__ = ["accuracy", "binary_cross_entropy", "dense_init", "hinge", "l2", "mlp", "mlp_init",
           "mse"]

Params = list[dict[str, Any]]
"""An MLP's parameters: one ``{"w": [[...] * n_in] * n_out, "b": [...] * n_out}``
per layer."""


def __getattr__(name: str) -> object:
    """JAX's spellings of what this module names otherwise: an AttributeError saying which."""
    raise renamed.missing(__name__, name)


def mlp_init(sizes: Sequence[int], seed: int = 0) -> Params:
    """Parameters of an MLP with layer sizes ``sizes`` (inputs first).

    micrograd's recipe: weights uniform in (-1, 1), biases 0, as plain floats.
    The same seed gives the same parameters.

    Args:
      sizes: Layer widths, inputs first: ``[2, 16, 16, 1]``.
      seed: Seed of the weights.

    Returns:
      A list of layers ``{"w": [[float] * n_in] * n_out, "b": [float] * n_out}``.

    Examples:
      >>> import tapegrad as tg
      >>> params = tg.nn.mlp_init([2, 3, 1], seed=0)
      >>> [(len(layer["w"]), len(layer["w"][0]), layer["b"]) for layer in params]
      [(3, 2, [0.0, 0.0, 0.0]), (1, 3, [0.0])]
    """
    rng, sizes = _draws("mlp_init", sizes, seed)
    return [{"w": rng.uniform(-1.0, 1.0, (n_out, n_in)).tolist(), "b": [0.0] * n_out}
            for n_in, n_out in zip(sizes[:-1], sizes[1:])]


def dense_init(sizes: Sequence[int], seed: int = 0) -> Params:
    """The network of [mlp_init][tapegrad.nn.mlp_init] as NumPy arrays: the same draws.

    Args:
      sizes: Layer widths, inputs first: ``[2, 16, 16, 1]``.
      seed: Seed of the weights.

    Returns:
      A list of layers ``{"w": array (n_out, n_in), "b": array (n_out,)}``.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> dense = tg.nn.dense_init([2, 3, 1], seed=0)
      >>> [(layer["w"].shape, layer["b"].shape) for layer in dense]
      [((3, 2), (3,)), ((1, 3), (1,))]
      >>> bool(np.array_equal(dense[0]["w"], tg.nn.mlp_init([2, 3, 1], seed=0)[0]["w"]))
      True
    """
    rng, sizes = _draws("dense_init", sizes, seed)
    return [{"w": rng.uniform(-1.0, 1.0, (n_out, n_in)), "b": np.zeros(n_out)}
            for n_in, n_out in zip(sizes[:-1], sizes[1:])]


def _draws(what: str, sizes: Sequence[int], seed: int) -> tuple[Any, list[int]]:
    """The checked sizes and the generator both initialisations draw from."""
    sizes = list(sizes)
    for k, n in enumerate(sizes):
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(
                f"{what}: sizes[{k}] is {n!r} ({type(n).__name__}); each layer size "
                "must be a positive int, inputs first, e.g. [2, 16, 16, 1].")
    sizes = [int(n) for n in sizes]
    if len(sizes) < 2:
        raise ValueError(f"{what}: sizes {sizes!r} has {len(sizes)} layer(s); give the "
                         "input size and at least one layer, e.g. [2, 16, 1].")
    return np.random.default_rng(seed), sizes


def mlp(params: Params, x: Any, activation: Callable[[Any], Any] = relu) -> Any:
    """Run the MLP on inputs ``x``.

    Hidden layers use ``activation``, the last is linear.

    Args:
      params: As made by [mlp_init][tapegrad.nn.mlp_init] (floats), or by
        [dense_init][tapegrad.nn.dense_init] (arrays).
      x: For float parameters, one number per input feature: floats for one
        example, or NumPy arrays (one per feature, all of one batch shape)
        for a batch. For array parameters, an array of shape ``(n_in,)`` or
        ``(batch, n_in)``.
      activation: The nonlinearity of the hidden layers.

    Returns:
      For float parameters, a list with one number (or array) per output
      unit; for array parameters, an array of shape ``(n_out,)`` or
      ``(batch, n_out)`` (computed with ``@``).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> params = tg.nn.mlp_init([2, 4, 1], seed=1)
      >>> one = tg.nn.mlp(params, [0.5, -1.0])[0]
      >>> batch = tg.nn.mlp(params, [np.array([0.5, 2.0]), np.array([-1.0, 0.0])])[0]
      >>> bool(batch[0] == one)
      True
      >>> dense = tg.nn.dense_init([2, 4, 1], seed=1)
      >>> tg.nn.mlp(dense, np.array([[0.5, -1.0], [2.0, 0.0]]))[:, 0].tolist() == batch.tolist()
      True
    """
    if params and not isinstance(params[0]["w"], list):
        return _dense(params, x, activation)
    return _lists(params, x, activation)


def _lists(params: Params, x: Any, activation: Callable[[Any], Any]) -> Any:
    """The MLP on float parameters (lists of lists): one neuron at a time."""
    given, x = x, list(x)
    n_in = len(params[0]["w"][0]) if params else len(x)
    if n_in != len(x):
        hint, shape = "", () if isinstance(given, list | tuple) else shape_of(given)
        if len(shape) == 2 and shape[1] == n_in:
            hint = (f" x is an array of shape {shape}, one example a row: give float parameters "
                    f"one array per feature (x.T), or make array parameters with "
                    f"tg.nn.dense_init, which take x as it is.")
        raise ValueError(f"mlp: the first layer takes {n_in} inputs but x has {len(x)}.{hint}")
    last = len(params) - 1
    for k, layer in enumerate(params):
        x = [_neuron(row, b, x) for row, b in zip(layer["w"], layer["b"])]
        if k < last:
            x = [activation(v) for v in x]
    return x


def _dense(params: Params, x: Any, activation: Callable[[Any], Any]) -> Any:
    """The MLP on array parameters: ``x`` of shape (n_in,) or (batch, n_in)."""
    shape, n_in = shape_of(x), shape_of(params[0]["w"])[-1]
    if len(shape) not in (1, 2) or shape[-1] != n_in:
        raise ValueError(f"mlp: the first layer takes {n_in} inputs, so x must have shape "
                         f"({n_in},) or (batch, {n_in}); it has shape {shape}.")
    last = len(params) - 1
    for k, layer in enumerate(params):
        x = matmul(x, transpose(layer["w"])) + layer["b"]   # not @: a data array may refuse it
        if k < last:
            x = activation(x)
    return x


def _neuron(weights: Sequence[Any], bias: Any, x: Sequence[Any]) -> Any:
    acc = bias
    for w, xi in zip(weights, x):
        acc = acc + w * xi
    return acc


# ------------------------------------------------------------------ losses
def mse(prediction: Any, target: Any) -> Any:
    """Squared error, elementwise: ``(prediction - target) ** 2``.

    Args:
      prediction: A number (float, array or traced value).
      target: A number of the same or a broadcastable shape.

    Returns:
      The squared error, shaped like the broadcast inputs.

    Examples:
      >>> import tapegrad as tg
      >>> tg.nn.mse(3.0, 1.0), tg.grad(tg.nn.mse)(3.0, 1.0)
      (4.0, 4.0)
    """
    return (prediction - target) ** 2


def hinge(score: Any, label: Any) -> Any:
    """Max-margin loss of micrograd's demo, elementwise.

    ``relu(1 - score * label)`` for labels in {-1, +1}.

    Args:
      score: A number (float, array or traced value).
      label: A number of the same or a broadcastable shape.

    Returns:
      The loss, shaped like the broadcast inputs (0 past the margin).

    Examples:
      >>> import tapegrad as tg
      >>> tg.nn.hinge(0.25, 1.0), tg.nn.hinge(2.0, 1.0)
      (0.75, 0.0)
    """
    return relu(1.0 - score * label)


def binary_cross_entropy(logits: Any, labels: Any) -> Any:
    """Cross-entropy of labels in {0, 1} given logits, elementwise and stable.

    ``log(1 + exp(z)) - z * y``, computed as ``logaddexp(0, z) - z * y``:
    finite, with gradient ``sigmoid(z) - y``, even at ``z = +-1000``.

    Args:
      logits: A number (float, array or traced value).
      labels: A number of the same or a broadcastable shape.

    Returns:
      The loss, shaped like the broadcast inputs.

    Examples:
      >>> import tapegrad as tg
      >>> tg.nn.binary_cross_entropy(1000.0, 0.0), tg.grad(tg.nn.binary_cross_entropy)(0.0, 1.0)
      (1000.0, -0.5)
    """
    return logaddexp(0.0, logits) - logits * labels


def l2(params: Any) -> Any:
    """Sum of the squares of every leaf of ``params`` (no factor 0.5).

    Args:
      params: A pytree of numbers.

    Returns:
      A number (traced inside a transform).

    Examples:
      >>> import tapegrad as tg
      >>> tg.nn.l2({"w": [1.0, -2.0], "b": 3.0})
      14.0
    """
    total: Any = None
    for leaf in tree.leaves(params):
        sq = square(leaf)
        sq = sq if shape_of(leaf) == () else reduce_sum(sq)   # a float is its own sum
        total = sq if total is None else total + sq
    return 0.0 if total is None else total


def accuracy(scores: Any, labels: Any, threshold: float = 0.0) -> float:
    """Fraction of examples whose score falls on the side of its label.

    A score above ``threshold`` predicts the positive class; a label above 0
    is positive, so labels may be {-1, +1} (hinge) or {0, 1} (cross-entropy).
    On traced scores (inside a transform) the comparisons are recorded like
    any others, so a replayed or compiled tape computes the accuracy of its
    own arguments; it has no derivative.

    Args:
      scores: A list of numbers, or an array.
      labels: The labels, as many as the scores.
      threshold: The score above which the positive class is predicted.

    Returns:
      A float in [0, 1] (a traced one inside a transform).

    Examples:
      >>> import tapegrad as tg
      >>> tg.nn.accuracy([0.3, -2.0, 0.1], [1.0, -1.0, -1.0])
      0.6666666666666666
    """
    ss = list(scores) if isinstance(scores, list | tuple) else [scores]
    ys = list(labels) if isinstance(labels, list | tuple) else [labels]
    if len(ss) != len(ys):       # a list of scores beside an array of labels
        ss, ys = (ss, list(np.ravel(labels))) if len(ys) == 1 else (list(np.ravel(scores)), ys)
    n_s = sum(int(np.prod(shape_of(s))) for s in ss)
    n_y = sum(int(np.prod(shape_of(y))) for y in ys)
    if n_s != n_y or n_s == 0 or len(ss) != len(ys):
        raise ValueError(f"accuracy: got {n_s} scores and {n_y} labels; "
                         "pass one score per label.")
    if not any(type(x) is Traced for x in ss + ys):       # plain numbers: NumPy
        s = np.concatenate([np.ravel(np.asarray(x, dtype=float)) for x in ss])
        y = np.concatenate([np.ravel(np.asarray(x, dtype=float)) for x in ys])
        return float(np.mean((s > threshold) == (y > 0)))
    hits = [where((s > threshold) == (y > 0), 1.0, 0.0) for s, y in zip(ss, ys)]
    return reduce_mean(hits)
