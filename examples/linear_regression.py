"""Linear regression by per-sample SGD: recover y = 4x + 3 from noisy points.

  python examples/linear_regression.py [--epochs 40] [--lr 0.1] [--seed 0]

Ten points x in [-1, 1] with y = 4x + 3 plus Gaussian noise of standard
deviation 0.01; w and b start at random. Each epoch visits the points in
order and takes one SGD step per point on its squared error; the mean loss,
w and b are printed after epochs 1, 2, 5, 10, 20, ... and the last. The
parameters are a dict of floats and a step is ``params - lr * grad(loss)(params, x, y)``.
"""

from __future__ import annotations

import argparse

import numpy as np

import tapegrad as tg


def make_data(seed: int = 0, n: int = 10, noise: float = 0.01) -> tuple[list[float], list[float]]:
    rng = np.random.default_rng(seed)
    xs = rng.uniform(-1.0, 1.0, n)
    ys = 4.0 * xs + 3.0 + rng.normal(0.0, noise, n)
    return xs.tolist(), ys.tolist()


def loss_fn(params: dict[str, float], x: float, y: float) -> float:
    return (params["w"] * x + params["b"] - y) ** 2


def sgd_epoch(params: dict[str, float], xs: list[float], ys: list[float],
              lr: float) -> dict[str, float]:
    """One pass over the data, one step per point."""
    grad = tg.grad(loss_fn)
    for x, y in zip(xs, ys):
        params = tg.tree.map(lambda p, g: p - lr * g, params, grad(params, x, y))
    return params


def fit(epochs: int = 40, lr: float = 0.1, seed: int = 0,
        verbose: bool = True) -> dict[str, float]:
    xs, ys = make_data(seed)
    rng = np.random.default_rng(seed + 1)
    params = {"w": float(rng.normal()), "b": float(rng.normal())}
    shown = {m * 10**e for e in range(7) for m in (1, 2, 5)} | {epochs}
    for epoch in range(1, epochs + 1):
        params = sgd_epoch(params, xs, ys, lr)
        loss = sum(loss_fn(params, x, y) for x, y in zip(xs, ys)) / len(xs)
        if verbose and epoch in shown:
            print(f"epoch {epoch:3d}  loss {loss:.6f}  w {params['w']:.4f}  b {params['b']:.4f}")
    return params


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=40, help="passes over the data (40)")
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate (0.1)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the data and of the initial w, b (0)")
    args = parser.parse_args()
    params = fit(args.epochs, args.lr, args.seed)
    print(f"fitted: w = {params['w']:.4f} (true 4), b = {params['b']:.4f} (true 3)")


if __name__ == "__main__":
    main()
