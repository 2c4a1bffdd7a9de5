"""Time per training step of examples/moons.py beside micrograd's own demo, in one run.

  pip install -e ".[bench,examples]"
  python benchmarks/training.py [--quick]

tapegrad: the step function of examples/moons.py itself, in --mode loop (per
example on floats, micrograd's way) and --mode batch (the 100 points as
arrays). micrograd: the loop of its demo.ipynb (MLP(2, [16, 16, 1]), the
same data, hinge loss + 1e-4 L2, accuracy, zero_grad, backward, SGD with the
decaying learning rate), as shipped and with Python's collector paused.
All start from the same weights. Every contender takes one step in turn,
for several rounds, so a slow spell of the machine hits all alike; the
table gives the median seconds per step and the ratio to each tapegrad mode.
"""

from __future__ import annotations

import argparse
import gc
import pathlib
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from _common import have, table

import tapegrad as tg

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "examples"))
import moons  # noqa: E402  (examples/moons.py: the code being measured)


def tapegrad_stepper(mode: str) -> Callable[[], None]:
    X, y = moons.make_moons()
    params = tg.nn.mlp_init([2, 16, 16, 1], seed=0)
    optimizer = tg.optim.sgd(tg.optim.linear_schedule(1.0, 0.1, 100))
    step = moons.make_step(optimizer, X, y, mode)
    box = [params, optimizer.init(params)]

    def one() -> None:
        box[0], box[1], _, _ = step(box[0], box[1])
    return one


def micrograd_stepper(gc_paused: bool) -> Callable[[], None]:
    from micrograd.engine import Value
    from micrograd.nn import MLP

    X, y = moons.make_moons()
    start = tg.nn.mlp_init([2, 16, 16, 1], seed=0)
    model = MLP(2, [16, 16, 1])
    for layer, lp in zip(model.layers, start):
        for neuron, row, b in zip(layer.neurons, lp["w"], lp["b"]):
            neuron.w = [Value(w) for w in row]
            neuron.b = Value(b)
    k = [0]

    def loss() -> tuple[Any, float]:        # demo.ipynb's loss(), whole batch
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return data_loss + reg_loss, sum(accuracy) / len(accuracy)

    def one() -> None:
        if gc_paused:
            gc.disable()
        try:
            total_loss, _ = loss()
            model.zero_grad()
            total_loss.backward()
            learning_rate = 1.0 - 0.9 * k[0] / 100
            for p in model.parameters():
                p.data -= learning_rate * p.grad
            k[0] += 1
        finally:
            if gc_paused:
                gc.enable()
    return one


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds instead of 9")
    args = parser.parse_args()
    rounds = 3 if args.quick else 9

    steppers = {"tapegrad --mode batch": tapegrad_stepper("batch"),
                "tapegrad --mode loop": tapegrad_stepper("loop")}
    if have("micrograd"):
        steppers["micrograd demo"] = micrograd_stepper(False)
        steppers["micrograd demo, gc paused"] = micrograd_stepper(True)
    else:
        print("micrograd not installed: skipped (pip install -e '.[bench]')")
    samples: dict[str, list[float]] = {name: [] for name in steppers}
    for one in steppers.values():
        one()                                  # warm-up
    for _ in range(rounds):
        for name, one in steppers.items():
            t0 = time.perf_counter()
            one()
            samples[name].append(time.perf_counter() - t0)
    med = {name: statistics.median(ts) for name, ts in samples.items()}
    batch, loop = med["tapegrad --mode batch"], med["tapegrad --mode loop"]
    rows = [("step of", "median", "/ tapegrad loop", "/ tapegrad batch")]
    for name, t in med.items():
        rows.append((name, f"{t * 1e3:.2f} ms", f"{t / loop:.2f}x", f"{t / batch:.1f}x"))
    print(f"time per training step, median of {rounds} rounds taken in turns")
    print(table(rows))


if __name__ == "__main__":
    main()
