"""Printing and exporting tapes: time per record as the tape grows, beside
JAX's make_jaxpr printing, in one run.

  python benchmarks/listing.py [--quick]

A chain x = x * 1.0001 + 0.0001 of n operations (2n records). For tapegrad:
recording it (make_tape), print(tape), tape.to_dot() (collapsed: 400
records drawn) and tape.to_dot(full=True). For JAX (if installed):
str(jax.make_jaxpr(f)(x)), which traces and prints. Linear time shows as a
constant time per record across n.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from _common import have, table

import tapegrad as tg


def chain(n: int) -> Callable[[Any], Any]:
    def f(x: Any) -> Any:
        for _ in range(n):
            x = x * 1.0001 + 0.0001
        return x
    return f


def once(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="n up to 10^5")
    args = parser.parse_args()
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 500_000]
    rows = [("n ops", "records", "what", "total", "per record")]
    jax = None
    if have("jax"):
        import jax
    else:
        print("JAX not installed: skipped")
    for n in sizes:
        f = chain(n)
        tape = tg.make_tape(f)(1.0)
        records = len(tape)
        jobs: list[tuple[str, Callable[[], Any]]] = [
            ("tapegrad make_tape", lambda: tg.make_tape(f)(1.0)),
            ("tapegrad print", lambda: str(tape)),
            ("tapegrad to_dot()", lambda: tape.to_dot()),
            ("tapegrad to_dot(full=True)", lambda: tape.to_dot(full=True)),
        ]
        if jax is not None and n <= 100_000:
            jobs.append(("JAX str(make_jaxpr)", lambda: str(jax.make_jaxpr(f)(1.0))))
        for what, fn in jobs:
            t = min(once(fn) for _ in range(3))
            rows.append((f"{n:,}", f"{records:,}", what, f"{t * 1e3:.0f} ms",
                         f"{t / records * 1e6:.2f} us"))
    print(table(rows))


if __name__ == "__main__":
    main()
