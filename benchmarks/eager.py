"""Eager speed: tapegrad beside micrograd, HIPS autograd and PyTorch, in one run.

  pip install -e ".[bench]"     # micrograd and autograd; PyTorch if installed
  python benchmarks/eager.py [--quick]

(a) a chain of 10^5 ops, forward + backward;
(b) one training step of micrograd's demo (MLP 2-16-16-1, 100 two-moons
    points, mean hinge loss + 1e-4 * L2, SGD), written per example on floats;
(c) the same step with the 100 points as NumPy arrays, parameters as floats;
(d) that step by hand in plain Python floats, backward derived by hand.
Prints medians, ratios, and peak memory per record. Peers that are not
installed are skipped.
"""

from __future__ import annotations

import argparse
import gc
import pathlib
import sys
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
from _common import deep_stack, have, median_time, table

import tapegrad as tg

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "examples"))
import moons  # noqa: E402  (examples/moons.py)

ALPHA = 1e-4
LR = 0.5


# ------------------------------------------------------------- (a) chain
def chain(x: Any, n: int) -> Any:
    for _ in range(n // 2):
        x = x * 1.0001 + 0.0001
    return x


# -------------------------------------------------- (b, c) the demo step
def mlp(params: list[dict[str, Any]], x: list[Any], relu: Callable[[Any], Any]) -> Any:
    """micrograd's MLP: relu hidden layers, linear output; floats or arrays."""
    for k, layer in enumerate(params):
        x = [sum((wi * xi for wi, xi in zip(row, x)), b)
             for row, b in zip(layer["w"], layer["b"])]
        if k < len(params) - 1:
            x = [relu(v) for v in x]
    return x[0]


def tg_loss_loop(params: Any, X: np.ndarray, y: np.ndarray) -> Any:
    scores = [mlp(params, [float(a), float(b)], tg.relu) for a, b in X]
    losses = [tg.relu(1.0 - float(yi) * s) for yi, s in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg = ALPHA * sum(p * p for p in tg.tree.leaves(params))
    return data_loss + reg


def tg_loss_batch(params: Any, X: np.ndarray, y: np.ndarray) -> Any:
    score = mlp(params, [X[:, 0], X[:, 1]], tg.relu)
    data_loss = tg.mean(tg.relu(1.0 - y * score))
    reg = ALPHA * sum(p * p for p in tg.tree.leaves(params))
    return data_loss + reg


def tg_step(loss: Callable[..., Any], params: Any, X: np.ndarray, y: np.ndarray) -> Any:
    grads = tg.grad(loss)(params, X, y)
    return tg.tree.map(lambda p, g: p - LR * g, params, grads)


def micrograd_setup(params: Any) -> Any:
    from micrograd.engine import Value
    from micrograd.nn import MLP
    model = MLP(2, [16, 16, 1])
    for layer, lp in zip(model.layers, params):
        for neuron, row, b in zip(layer.neurons, lp["w"], lp["b"]):
            neuron.w = [Value(w) for w in row]
            neuron.b = Value(b)
    return model


def micrograd_step(model: Any, X: np.ndarray, y: np.ndarray) -> None:
    """micrograd's demo.ipynb step, as shipped."""
    from micrograd.engine import Value
    inputs = [list(map(Value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    total = data_loss + reg_loss
    model.zero_grad()
    total.backward()
    for p in model.parameters():
        p.data -= LR * p.grad


def autograd_loss_loop(params: Any, X: np.ndarray, y: np.ndarray) -> Any:
    import autograd.numpy as anp
    relu = lambda v: anp.maximum(v, 0.0)
    scores = [mlp(params, [float(a), float(b)], relu) for a, b in X]
    losses = [relu(1.0 - float(yi) * s) for yi, s in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg = ALPHA * sum(p * p for layer in params for rows in (layer["w"], [layer["b"]])
                      for row in rows for p in row)
    return data_loss + reg


def autograd_loss_batch(params: Any, X: np.ndarray, y: np.ndarray) -> Any:
    import autograd.numpy as anp
    relu = lambda v: anp.maximum(v, 0.0)
    score = mlp(params, [X[:, 0], X[:, 1]], relu)
    data_loss = anp.mean(relu(1.0 - y * score))
    reg = ALPHA * sum(p * p for layer in params for rows in (layer["w"], [layer["b"]])
                      for row in rows for p in row)
    return data_loss + reg


def torch_step(params: Any, X: np.ndarray, y: np.ndarray) -> None:
    """Per example on 0-d tensors: PyTorch's cost per scalar op."""
    import torch
    scores = [mlp(params, [float(a), float(b)], torch.relu) for a, b in X]
    losses = [torch.relu(1.0 - float(yi) * s) for yi, s in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    leaves = [p for layer in params for rows in (layer["w"], [layer["b"]]) for row in rows
              for p in row]
    reg = ALPHA * sum(p * p for p in leaves)
    total = data_loss + reg
    for p in leaves:
        p.grad = None
    total.backward()
    with torch.no_grad():
        for p in leaves:
            p -= LR * p.grad


def torch_params(params: Any) -> Any:
    import torch
    t = lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True)
    return [{"w": [[t(w) for w in row] for row in lp["w"]], "b": [t(b) for b in lp["b"]]}
            for lp in params]


# -------------------------------------------------- (d) by hand, floats
def hand_step(params: Any, X: np.ndarray, y: np.ndarray) -> Any:
    """The demo step in plain Python floats, backward derived by hand."""
    (l1, l2, l3) = params
    gw = [[[0.0] * len(row) for row in lp["w"]] for lp in params]
    gb = [[0.0] * len(lp["b"]) for lp in params]
    n = len(y)
    for (x0, x1), yi in zip(X.tolist(), y.tolist()):
        h1 = [w[0] * x0 + w[1] * x1 + b for w, b in zip(l1["w"], l1["b"])]
        a1 = [v if v > 0 else 0.0 for v in h1]
        h2 = [sum(wi * ai for wi, ai in zip(w, a1)) + b for w, b in zip(l2["w"], l2["b"])]
        a2 = [v if v > 0 else 0.0 for v in h2]
        s = sum(wi * ai for wi, ai in zip(l3["w"][0], a2)) + l3["b"][0]
        if 1.0 - yi * s <= 0:
            continue
        ds = -yi / n
        gb[2][0] += ds
        row3 = gw[2][0]
        da2 = []
        for j, (w, a) in enumerate(zip(l3["w"][0], a2)):
            row3[j] += ds * a
            da2.append(ds * w)
        dh2 = [d if h > 0 else 0.0 for d, h in zip(da2, h2)]
        da1 = [0.0] * len(a1)
        for i, d in enumerate(dh2):
            if d == 0.0:
                continue
            gb[1][i] += d
            row = gw[1][i]
            w = l2["w"][i]
            for j, a in enumerate(a1):
                row[j] += d * a
                da1[j] += d * w[j]
        for i, (d, h) in enumerate(zip(da1, h1)):
            if h > 0:
                gb[0][i] += d
                gw[0][i][0] += d * x0
                gw[0][i][1] += d * x1
    out = []
    for lp, gwl, gbl in zip(params, gw, gb):
        out.append({"w": [[w - LR * (g + 2 * ALPHA * w) for w, g in zip(row, grow)]
                          for row, grow in zip(lp["w"], gwl)],
                    "b": [b - LR * (g + 2 * ALPHA * b) for b, g in zip(lp["b"], gbl)]})
    return out


# ---------------------------------------------------------------- memory
def peak_bytes(fn: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats, shorter chain")
    args = ap.parse_args()
    reps = 3 if args.quick else 7
    n_chain = 20_000 if args.quick else 100_000
    X, y = moons.make_moons(100, 0.1, seed=0)      # the data of examples/moons.py
    params = tg.nn.mlp_init([2, 16, 16, 1], seed=0)
    n_rec_chain = len(tg.make_tape(lambda x: chain(x, n_chain))(1.0))
    n_rec_loop = len(tg.make_tape(lambda p: tg_loss_loop(p, X, y))(params))
    n_rec_batch = len(tg.make_tape(lambda p: tg_loss_batch(p, X, y))(params))
    res: dict[str, dict[str, float]] = {"a": {}, "b": {}, "c": {}}
    mem: dict[str, float] = {}

    res["a"]["tapegrad"] = median_time(lambda: tg.grad(lambda x: chain(x, n_chain))(1.0), reps)
    res["b"]["tapegrad"] = median_time(lambda: tg_step(tg_loss_loop, params, X, y), reps)
    res["c"]["tapegrad"] = median_time(lambda: tg_step(tg_loss_batch, params, X, y), reps)
    res["b"]["hand-written floats (d)"] = median_time(lambda: hand_step(params, X, y), reps)
    mem["tapegrad"] = peak_bytes(lambda: tg.grad(lambda x: chain(x, n_chain))(1.0)) / n_rec_chain

    if have("micrograd"):
        from micrograd.engine import Value

        def mg_chain() -> None:
            chain(Value(1.0), n_chain).backward()
        model = micrograd_setup(params)

        def run_mg() -> None:
            res["a"]["micrograd"] = median_time(mg_chain, reps)
            res["a"]["micrograd, gc paused"] = median_time(mg_chain, reps, gc_paused=True)
            res["b"]["micrograd"] = median_time(lambda: micrograd_step(model, X, y), reps)
            res["b"]["micrograd, gc paused"] = median_time(
                lambda: micrograd_step(model, X, y), reps, gc_paused=True)
            res["c"]["micrograd (its loop step)"] = res["b"]["micrograd"]
            mem["micrograd"] = peak_bytes(lambda: chain(Value(1.0), n_chain)) / n_rec_chain
        deep_stack(run_mg)
    if have("autograd"):
        import autograd
        res["a"]["autograd"] = median_time(
            lambda: autograd.grad(lambda x: chain(x, n_chain))(1.0), reps)
        ag_step = lambda loss: autograd.grad(loss)(params, X, y)
        res["b"]["autograd"] = median_time(lambda: ag_step(autograd_loss_loop), reps)
        res["c"]["autograd"] = median_time(lambda: ag_step(autograd_loss_batch), reps)
    if have("torch"):
        import torch

        def torch_chain() -> None:
            x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
            chain(x, n_chain).backward()
        res["a"]["PyTorch scalar tensors"] = median_time(torch_chain, reps)
        tp = torch_params(params)
        res["b"]["PyTorch scalar tensors"] = median_time(lambda: torch_step(tp, X, y), reps)

    names = {"a": f"(a) chain of {n_chain} ops, forward + backward",
             "b": f"(b) demo step per example on floats ({n_rec_loop} records)",
             "c": f"(c) demo step on arrays ({n_rec_batch} records)"}
    per = {"a": n_rec_chain, "b": n_rec_loop, "c": n_rec_batch}
    for key, timings in res.items():
        print(f"\n{names[key]}")
        tgt = timings["tapegrad"]
        rows = [("library", "median", "per tapegrad record", "its time / tapegrad's")]
        for lib, t in timings.items():
            rows.append((lib, f"{t * 1e3:.2f} ms", f"{t / per[key] * 1e6:.3f} us",
                         f"{t / tgt:.2f}x"))
        print(table(rows))
    print("\npeak memory per op of the chain (tracemalloc)")
    print(table([("library", "bytes/op")] + [(k, f"{v:.0f}") for k, v in mem.items()]))


if __name__ == "__main__":
    main()
