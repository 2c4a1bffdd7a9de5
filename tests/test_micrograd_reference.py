"""micrograd's two reference expressions (its test/test_engine.py), checked
against the values and gradients PyTorch 2.13 gives for them in float64, and
against PyTorch itself when it is installed."""

from __future__ import annotations

import pytest

import tapegrad as tg

# PyTorch 2.13.0 (CPU, float64) on the same expressions.
SANITY_TORCH = {"y": -20.0, "dx": 46.0}
MORE_OPS_TORCH = {"g": 24.70408163265306, "da": 138.83381924198252, "db": 645.5772594752186}


def sanity(x):
    z = 2 * x + 2 + x
    q = tg.relu(z) + z * x
    h = tg.relu(z * z)
    return h + q + q * x


def more_ops(a, b):
    c = a + b
    d = a * b + b ** 3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + tg.relu(b + a)
    d = d + 3 * d + tg.relu(b - a)
    e = c - d
    f = e ** 2
    g = f / 2.0
    g = g + 10.0 / f
    return g


def test_sanity_check():
    y, dx = tg.value_and_grad(sanity)(-4.0)
    assert y == pytest.approx(SANITY_TORCH["y"], abs=1e-12)
    assert dx == pytest.approx(SANITY_TORCH["dx"], abs=1e-12)


def test_more_ops():
    g, (da, db) = tg.value_and_grad(more_ops, argnums=(0, 1))(-4.0, 2.0)
    assert g == pytest.approx(MORE_OPS_TORCH["g"], abs=1e-6)
    assert da == pytest.approx(MORE_OPS_TORCH["da"], abs=1e-6)
    assert db == pytest.approx(MORE_OPS_TORCH["db"], abs=1e-6)


def test_against_live_pytorch():
    torch = pytest.importorskip("torch")

    def run(fun, *xs):
        ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
        relu, tg.relu = tg.relu, torch.relu   # the same expression, torch's ops
        try:
            out = fun(*ts)
        finally:
            tg.relu = relu
        out.backward()
        return out.item(), [t.grad.item() for t in ts]
    v, gs = run(more_ops, -4.0, 2.0)
    tv, (ta, tb) = tg.value_and_grad(more_ops, argnums=(0, 1))(-4.0, 2.0)
    assert (tv, ta, tb) == pytest.approx((v, gs[0], gs[1]), abs=1e-9)
