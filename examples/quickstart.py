"""Fit a line with tg.grad on a dict of floats: the smallest training loop.

  python examples/quickstart.py [--steps 200] [--lr 0.5]

Ten points of y = 4x + 3 (x = 0, 0.1, ..., 0.9); parameters are a plain
dict, starting at w = b = 0; every step is a pure function params -> params.
Prints the loss at steps 1, 2, 5, 10, 20, 50, ... (it falls by orders of
magnitude), the fitted line, and the start of the tape of one loss
evaluation.
"""

from __future__ import annotations

import argparse

import tapegrad as tg

XS = [i / 10 for i in range(10)]
YS = [4.0 * x + 3.0 for x in XS]


def loss_fn(params: dict[str, float]) -> float:
    errors = [(params["w"] * x + params["b"] - y) ** 2 for x, y in zip(XS, YS)]
    return sum(errors) / len(errors)


def step(params: dict[str, float], lr: float) -> tuple[dict[str, float], float]:
    loss, grads = tg.value_and_grad(loss_fn)(params)
    return tg.tree.map(lambda p, g: p - lr * g, params, grads), loss


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=200, help="gradient steps (200)")
    ap.add_argument("--lr", type=float, default=0.5, help="learning rate (0.5)")
    args = ap.parse_args()
    params = {"w": 0.0, "b": 0.0}
    shown = {m * 10**e for e in range(7) for m in (1, 2, 5)} | {args.steps}
    for k in range(1, args.steps + 1):
        params, loss = step(params, args.lr)       # loss before this step
        if k in shown:
            print(f"step {k:4d}  loss {loss:9.2e}  w {params['w']:.4f}  b {params['b']:.4f}")
    print(f"final: w = {params['w']:.4f}, b = {params['b']:.4f} (true 4, 3)")
    print("\nThe tape of one loss evaluation starts:")
    print("\n".join(str(tg.make_tape(loss_fn)(params)).splitlines()[:6]))


if __name__ == "__main__":
    main()
