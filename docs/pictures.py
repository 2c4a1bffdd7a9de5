"""Regenerate the pictures in docs/img (needs the examples extra and Graphviz).

  python docs/pictures.py
"""

from __future__ import annotations

import pathlib
import subprocess
import sys

import tapegrad as tg

IMG = pathlib.Path(__file__).resolve().parent / "img"
ROOT = IMG.parents[1]


def neuron(p, x1, x2):
    return tg.relu(p["w1"] * x1 + p["w2"] * x2 + p["b"])


ARGS = ({"w1": 0.5, "w2": -1.0, "b": 0.25}, 2.0, 0.5)


def tanh_neuron(p, x):
    return tg.tanh(p["w"] * x + p["b"])


TANH_ARGS = ({"w": 0.5, "b": 0.25}, 2.0)


def main() -> None:
    # Top to bottom: the docs column is narrow, and a tape is a long chain.
    IMG.mkdir(exist_ok=True)
    tg.viz.draw(neuron, *ARGS, path=IMG / "neuron.svg", rankdir="TB")
    tg.viz.draw(tg.grad(neuron), *ARGS, path=IMG / "neuron_grad.svg", rankdir="TB")
    tg.viz.draw(tg.grad(tanh_neuron), *TANH_ARGS, path=IMG / "tanh_neuron_grad.svg",
                rankdir="TB")
    subprocess.run([sys.executable, str(ROOT / "examples" / "moons.py"), "--out", str(IMG),
                    "--no-progress"], check=True)


if __name__ == "__main__":
    main()
