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
With ``--cpu`` the workers time their CPU time (``time.process_time``, BLAS
on one thread) instead of the wall clock: a process waiting for a core
shared with others is then not charged for the wait.

``--set first`` times the first, second and third call of a fresh
``tg.jit`` (the first traces; the passes and compile() run at the first
call, or at the second where jit defers them; the third runs the code):
straight-line code of 10^3 and 10^4 steps (jit.py's ``straight_line``)
under ``jit`` and ``jit(value_and_grad)``, and the moons loop loss under
``jit(value_and_grad)``.

``--set numpy`` times instead the eager gradient (``tg.grad``) of each
program of numpy_programs.py, and HIPS autograd's gradient of the same
program in the same worker, so that each version also gets its median
ratio to autograd (the figure numpy_programs.py reports).
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
import json, os, sys, time, gc
clock = time.process_time if os.environ.get("AB_CPU") else time.perf_counter
sys.path[:0] = [{bench!r}, {examples!r}]
import numpy as np
import tapegrad as tg
assert tg.__file__.startswith(ROOT), tg.__file__     # the version asked for
import eager, moons

def best(fn, n=3):
    fn()
    ts = []
    for _ in range(n):
        t0 = clock(); fn(); ts.append(clock() - t0)
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


NUMPY_WORKER = r"""
import json, os, sys, time
clock = time.process_time if os.environ.get("AB_CPU") else time.perf_counter
sys.path[:0] = [{bench!r}]
import tapegrad as tg
assert tg.__file__.startswith(ROOT), tg.__file__     # the version asked for
import autograd
import numpy_programs as npg

def chunk(fn, work=0.01):
    # how many calls of fn take about work seconds
    fn()
    t0 = clock(); fn(); one = clock() - t0
    return max(1, int(work / max(one, 1e-9)))

def best(jobs, n=5):
    # the fastest of n timings of each job, the jobs timed in turns
    ks = {{key: chunk(fn) for key, fn in jobs.items()}}
    ts = {{key: [] for key in jobs}}
    for _ in range(n):
        for key, fn in jobs.items():
            t0 = clock()
            for _ in range(ks[key]):
                fn()
            ts[key].append((clock() - t0) / ks[key])
    return {{key: min(t) for key, t in ts.items()}}

out = {{}}
for name in {programs!r}:
    data, params = npg.make_data(name, tiny=False)
    f = npg.PROGRAMS[name](*npg.tapegrad_modules(), data)
    ag = autograd.grad(npg.PROGRAMS[name](*npg.autograd_modules(), data))
    eager = tg.grad(f)
    out.update(best({{name + " eager": lambda: eager(params),
                      name + " autograd": lambda: ag(params)}}))
print(json.dumps(out), flush=True)
"""
FIRST_WORKER = r"""
import json, os, sys, time, gc
clock = time.process_time if os.environ.get("AB_CPU") else time.perf_counter
sys.path[:0] = [{bench!r}, {examples!r}]
import tapegrad as tg
assert tg.__file__.startswith(ROOT), tg.__file__     # the version asked for
import eager, moons, jit as bench_jit

def first(make, *args):
    # a fresh jit's first, second and third call, twice: the faster of each
    ts = [[], [], []]
    for _ in range(2):
        fn = make()
        for k in range(3):
            t0 = clock(); fn(*args); ts[k].append(clock() - t0)
    return [min(t) for t in ts]

X, y = moons.make_moons(100, 0.1, seed=0)
params = tg.nn.mlp_init([2, 16, 16, 1], seed=0)
loop_loss = lambda p: eager.tg_loss_loop(p, X, y)
first(lambda: tg.jit(bench_jit.straight_line(100)), 1.0)      # imports, caches
out = {{}}
def timed(name, make, *args):
    for call, t in zip(("1st", "2nd", "3rd"), first(make, *args)):
        out[f"{{name}}, {{call}} call"] = t
for n in (1_000, 10_000):
    f = bench_jit.straight_line(n)
    timed(f"straight {{n}}, jit", lambda: tg.jit(f), 1.0)
    timed(f"straight {{n}}, jit(vg)", lambda: tg.jit(tg.value_and_grad(f)), 1.0)
timed("moons loop, jit(vg)", lambda: tg.jit(tg.value_and_grad(loop_loss)), params)
print(json.dumps(out), flush=True)
"""
PROGRAMS = ("gp", "logistic", "mlp", "gmm", "ica", "rnn", "vi", "hmm")


def run(root: str, which: str = "hot", programs: tuple[str, ...] = PROGRAMS,
        cpu: bool = False) -> dict[str, float]:
    if which == "numpy":
        code = NUMPY_WORKER.format(bench=str(HERE), programs=list(programs))
    elif which == "first":
        code = FIRST_WORKER.format(bench=str(HERE), examples=str(HERE.parent / "examples"))
    else:
        code = WORKER.format(bench=str(HERE), examples=str(HERE.parent / "examples"))
    root = os.path.abspath(root)     # `python -c` puts the cwd first on sys.path
    env = dict(os.environ, PYTHONPATH=root)
    if cpu:      # the process's CPU time, and BLAS on one thread (so that it is all counted)
        env.update(AB_CPU="1", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
                   MKL_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", code.replace("ROOT", repr(root))],
                          env=env, cwd=root, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", required=True, help="a checkout of the code before the change")
    ap.add_argument("--after", default=str(HERE.parent), help="the code after (this checkout)")
    ap.add_argument("--rounds", type=int, default=7, help="rounds of both versions (7)")
    ap.add_argument("--set", choices=("hot", "numpy", "first"), default="hot",
                    help="hot: the hot paths above (default); numpy: numpy_programs.py's "
                         "eager gradients beside autograd's; first: jit's first calls "
                         "(straight-line code, the moons loop)")
    ap.add_argument("--cpu", action="store_true",
                    help="time the workers' CPU time (BLAS on one thread), not the wall "
                         "clock: steadier while other processes share the machine")
    ap.add_argument("--programs", default=",".join(PROGRAMS),
                    help="with --set numpy: a comma-separated subset of the programs")
    args = ap.parse_args()
    programs = tuple(p.strip() for p in args.programs.split(",") if p.strip())
    results: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
    for r in range(args.rounds):
        for which in (("before", "after") if r % 2 == 0 else ("after", "before")):
            for name, t in run(getattr(args, which), args.set, programs, args.cpu).items():
                results[which].setdefault(name, []).append(t)
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    print(f"{'workload':36} {'before':>12} {'after':>12} {'after/before':>13}")
    for name, ts in results["after"].items():
        after = statistics.median(ts)
        unit, scale = ("us", 1e6) if after < 1e-3 else ("ms", 1e3)
        old = results["before"].get(name)
        before = statistics.median(old) if old else None
        b = f"{before * scale:9.3f} {unit}" if before else "         -"
        ratio = f"{after / before:12.3f}" if before else "            -"
        print(f"{name:36} {b:>12} {after * scale:9.3f} {unit} {ratio}")
    if args.set == "numpy":
        _autograd_ratios(results, programs)


def _autograd_ratios(results: dict[str, dict[str, list[float]]],
                     programs: tuple[str, ...]) -> None:
    """Each version's eager time over autograd's, per program and their median."""
    print(f"\n{'eager / autograd':32} {'before':>12} {'after':>12}")
    medians = {}
    for which in ("before", "after"):
        r = results[which]
        medians[which] = [statistics.median(e / a for e, a in zip(r[p + " eager"],
                                                                 r[p + " autograd"]))
                          for p in programs]     # the ratio within each run, then the median
    for k, p in enumerate(programs):
        print(f"{p:32} {medians['before'][k]:11.2f}x {medians['after'][k]:11.2f}x")
    print(f"{'median':32} {statistics.median(medians['before']):11.2f}x "
          f"{statistics.median(medians['after']):11.2f}x")


if __name__ == "__main__":
    main()
