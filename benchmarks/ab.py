"""Before and after: tapegrad's hot paths timed for two checkouts in one run.

  .venv/bin/python benchmarks/ab.py --before /path/to/old/checkout [--rounds 7]

A change on a hot path is measured against the code before it, side by side:
each round runs every workload once in a fresh worker process per version,
alternating versions, so a slow spell of this shared machine hits both.
Workloads (from eager.py, higher.py and the replay of a tape):
chain (10^5 ops, grad), loop step and batch step of the moons demo
(eager.py (b), (c)), HVP of sum(tanh(x)**2) on 100 floats and on an array
of 1000 (higher.py), and, where the version has them, a recorded comparison
and a replayed record. Prints the median per workload and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent

WORKER = r"""
import json, sys, time, gc
sys.path[:0] = [{bench!r}, {examples!r}]
import numpy as np
import tapegrad as tg
assert tg.__file__.startswith(ROOT), tg.__file__     # the version asked for
import eager, moons

def best(fn, n=3):
    fn()
    ts = []
    for _ in range(n):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    return min(ts)

X, y = moons.make_moons(100, 0.1, seed=0)
params = tg.nn.mlp_init([2, 16, 16, 1], seed=0)
f = lambda x: tg.sum(tg.tanh(x) ** 2)
ff = lambda xs: sum(tg.tanh(x) ** 2 for x in xs)
xa, va = np.linspace(-1, 1, 1000), np.ones(1000)
xf, vf = list(np.linspace(-1, 1, 100)), [1.0] * 100
out = {{
    "chain 1e5 (grad)": best(lambda: tg.grad(lambda x: eager.chain(x, 100_000))(1.0)),
    "demo loop step": best(lambda: eager.tg_step(eager.tg_loss_loop, params, X, y)),
    "demo batch step": best(lambda: eager.tg_step(eager.tg_loss_batch, params, X, y), 7),
    "hvp, 100 floats": best(lambda: tg.jvp(tg.grad(ff), (xf,), (vf,))),
    "hvp, array of 1000": best(lambda: tg.jvp(tg.grad(f), (xa,), (va,)), 7),
}}
n = 20_000
def compares(x):
    for _ in range(n):
        x > 0.5
    return x
out["recorded comparison (per op)"] = best(lambda: tg.make_tape(compares)(1.0)) / n
def muls(x):
    for _ in range(n):
        x = x * 1.0000001
    return x
out["recorded mul (per op)"] = best(lambda: tg.make_tape(muls)(1.0)) / n
tape = tg.make_tape(muls)(1.0)
if callable(tape):
    try:
        out["replayed mul (per record)"] = best(lambda: tape(1.0)) / n
    except TypeError:
        pass
print(json.dumps(out), flush=True)
"""


def run(root: str) -> dict[str, float]:
    code = WORKER.format(bench=str(HERE), examples=str(HERE.parent / "examples"))
    root = os.path.abspath(root)     # `python -c` puts the cwd first on sys.path
    env = dict(os.environ, PYTHONPATH=root)
    done = subprocess.run([sys.executable, "-c", code.replace("ROOT", repr(root))],
                          env=env, cwd=root, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", required=True, help="a checkout of the code before the change")
    ap.add_argument("--after", default=str(HERE.parent), help="the code after (this checkout)")
    ap.add_argument("--rounds", type=int, default=7, help="rounds of both versions (7)")
    args = ap.parse_args()
    results: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
    for r in range(args.rounds):
        for which in (("before", "after") if r % 2 == 0 else ("after", "before")):
            for name, t in run(getattr(args, which)).items():
                results[which].setdefault(name, []).append(t)
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    print(f"{'workload':32} {'before':>12} {'after':>12} {'after/before':>13}")
    for name, ts in results["after"].items():
        after = statistics.median(ts)
        unit, scale = ("us", 1e6) if after < 1e-3 else ("ms", 1e3)
        old = results["before"].get(name)
        before = statistics.median(old) if old else None
        b = f"{before * scale:9.3f} {unit}" if before else "         -"
        ratio = f"{after / before:12.3f}" if before else "            -"
        print(f"{name:32} {b:>12} {after * scale:9.3f} {unit} {ratio}")


if __name__ == "__main__":
    main()
