"""A new user's first program, run against the installed wheel (not the checkout)."""

import os
import sys
import tempfile

import numpy as np

import tapegrad as tg

here = os.path.dirname(os.path.abspath(tg.__file__))
assert "site-packages" in here, f"tapegrad imported from {here}, not the installed wheel"


def loss(p, x):
    """A branch on a traced value, so guards are exercised too."""
    h = tg.tanh(p["w"] * x + p["b"])
    return h * h if h > 0 else -h


p = {"w": 0.5, "b": -0.1}
g = tg.grad(loss)(p, 1.5)
assert abs(g["w"] - 1.5 * g["b"]) < 1e-12, g
assert tg.jit(tg.grad(loss))(p, 1.5) == g
assert tg.grad(tg.jit(loss))(p, 1.5) == g
xs = np.array([-2.0, 0.3, 1.5])
per = tg.vmap(tg.grad(loss), in_axes=(None, 0))(p, xs)
assert np.allclose(per["w"], [tg.grad(loss)(p, float(x))["w"] for x in xs])
tape = tg.make_tape(loss)(p, 1.5)
assert tape(p, 1.5) == loss(p, 1.5)
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "params.json")
    tg.io.save(path, {"p": p, "g": g})
    assert tg.io.load(path) == {"p": p, "g": g}
print(f"wheel smoke run: tapegrad {tg.__version__} "
      f"from {here} on Python {sys.version.split()[0]}: ok")
