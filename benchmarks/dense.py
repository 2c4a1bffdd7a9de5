"""The moons step written with dense parameters and (100, 2) data, beside the peers.

  .venv/bin/pip install -e ".[bench,examples]"     # JAX and PyTorch if installed
  .venv/bin/python benchmarks/dense.py [--quick]

The step: MLP 2-16-16-1 as three (w, b) array pairs (tg.nn.dense_init),
mean hinge loss + 1e-4 * L2, value and gradient and an SGD update, each
layer one matrix product. Contenders, timed in turns (medians of rounds):
the step by hand in NumPy (benchmarks/jit.py), tapegrad eager and tg.jit
of the whole step (as JAX's is),
HIPS autograd (autograd.numpy, vectorized), JAX jit and PyTorch where
installed. Ratios are to the hand-written NumPy step.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
from typing import Any

import numpy as np
from _common import have, interleaved, table

import tapegrad as tg

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "examples"))
import jit as bench_jit  # noqa: E402  (benchmarks/jit.py: the NumPy step by hand)
import moons  # noqa: E402  (examples/moons.py)

ALPHA, LR = 1e-4, 0.5


def tg_loss(params: Any, X: np.ndarray, y: np.ndarray) -> Any:
    scores = tg.nn.mlp(params, X)[:, 0]
    return tg.mean(tg.nn.hinge(scores, y)) + ALPHA * tg.nn.l2(params)


def sgd(params: Any, grads: Any) -> Any:
    return tg.tree.map(lambda p, g: p - LR * g, params, grads)


def autograd_step(params: Any, X: np.ndarray, y: np.ndarray) -> Any:
    import autograd
    import autograd.numpy as anp

    def loss(params: Any) -> Any:
        a = X
        for k, layer in enumerate(params):
            a = anp.dot(a, layer["w"].T) + layer["b"]
            if k < len(params) - 1:
                a = anp.maximum(a, 0.0)
        reg = sum(anp.sum(layer["w"] ** 2) + anp.sum(layer["b"] ** 2) for layer in params)
        return anp.mean(anp.maximum(1.0 - y * a[:, 0], 0.0)) + ALPHA * reg
    return sgd(params, autograd.grad(loss)(params))


def torch_step(params: Any, X: Any, y: Any) -> Any:
    import torch
    ps = [(p["w"].clone().requires_grad_(), p["b"].clone().requires_grad_()) for p in params]
    a = X
    for k, (w, b) in enumerate(ps):
        a = a @ w.T + b
        if k < len(ps) - 1:
            a = torch.relu(a)
    reg = sum((w ** 2).sum() + (b ** 2).sum() for w, b in ps)
    loss = torch.relu(1.0 - y * a[:, 0]).mean() + ALPHA * reg
    loss.backward()
    with torch.no_grad():
        return [(w - LR * w.grad, b - LR * b.grad) for w, b in ps]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="5 rounds instead of 15")
    args = ap.parse_args()
    X, y = moons.make_moons(100, 0.1, seed=0)
    params = tg.nn.dense_init([2, 16, 16, 1], seed=0)
    value_and_grad = tg.value_and_grad(tg_loss)

    @tg.jit
    def compiled(params: Any, X: np.ndarray, y: np.ndarray) -> Any:   # the whole step
        return sgd(params, value_and_grad(params, X, y)[1])
    layers = [(p["w"], p["b"]) for p in params]
    jobs: dict[str, Any] = {
        "hand-written NumPy": lambda: bench_jit.numpy_step(layers, X, y),
        "tapegrad eager": lambda: sgd(params, value_and_grad(params, X, y)[1]),
        "tapegrad jit (the whole step)": lambda: compiled(params, X, y),
    }
    if have("autograd"):
        jobs["HIPS autograd, vectorized"] = lambda: autograd_step(params, X, y)
    if have("jax"):
        more, _ = bench_jit.jax_contenders(tg.nn.mlp_init([2, 16, 16, 1], seed=0), X, y,
                                           with_vmap=False)
        jobs["JAX jit"] = more["JAX jit, arrays"]
    if have("torch"):
        import torch
        tp = [{"w": torch.tensor(p["w"]), "b": torch.tensor(p["b"])} for p in params]
        tX, ty = torch.tensor(X), torch.tensor(y)
        jobs["PyTorch, vectorized"] = lambda: torch_step(tp, tX, ty)
    res = interleaved(jobs, 5 if args.quick else 15, work=0.05)
    hand = res["hand-written NumPy"]
    eager = res["tapegrad eager"]
    rows = [("contender", "median", "/ hand-written NumPy", "/ tapegrad eager")]
    for name, t in res.items():
        rows.append((name, f"{t * 1e6:.0f} us", f"{t / hand:.2f}x", f"{t / eager:.2f}x"))
    print(f"The dense moons step, medians of {5 if args.quick else 15} rounds in turns:\n")
    print(table(rows))
    print(f"\nrecords on the eager tape: {len(tg.make_tape(value_and_grad)(params, X, y))}")


if __name__ == "__main__":
    main()
