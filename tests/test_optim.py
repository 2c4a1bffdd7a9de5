"""tg.optim: update equations on a hand-computed step, convergence on a
parabola and on Rosenbrock, schedules, and states as savable pytrees."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tapegrad as tg


def parabola(p):
    return (p["x"] - 3.0) ** 2 + 10.0 * (p["y"] + 1.0) ** 2


def rosenbrock(p):
    return (1.0 - p[0]) ** 2 + 100.0 * (p[1] - p[0] ** 2) ** 2


def run(opt, loss, params, steps):
    state = opt.init(params)
    grad = tg.grad(loss)
    for _ in range(steps):
        updates, state = opt.update(grad(params), state, params)
        params = tg.optim.apply_updates(params, updates)
    return params, state


@pytest.mark.parametrize("opt", [tg.optim.sgd(0.04), tg.optim.sgd(0.02, momentum=0.9),
                                 tg.optim.adam(0.1)], ids=["sgd", "momentum", "adam"])
def test_converges_on_a_parabola(opt):
    p, _ = run(opt, parabola, {"x": 0.0, "y": 0.0}, 500)
    assert p["x"] == pytest.approx(3.0, abs=1e-4) and p["y"] == pytest.approx(-1.0, abs=1e-4)


@pytest.mark.parametrize("opt,steps", [
    (tg.optim.sgd(2e-3), 20_000),
    (tg.optim.sgd(1e-3, momentum=0.9), 20_000),
    (tg.optim.adam(tg.optim.cosine_decay(0.02, 5_000, alpha=0.05)), 5_000),
], ids=["sgd", "momentum", "adam"])
def test_converges_on_rosenbrock(opt, steps):
    p, _ = run(opt, rosenbrock, [-1.2, 1.0], steps)
    assert p[0] == pytest.approx(1.0, abs=1e-2) and p[1] == pytest.approx(1.0, abs=2e-2)


def test_sgd_with_momentum_matches_its_equations():
    opt = tg.optim.sgd(0.1, momentum=0.9)
    params = {"w": 1.0, "v": np.array([1.0, -2.0])}
    state = opt.init(params)
    g1 = {"w": 2.0, "v": np.array([0.5, 1.0])}
    u1, state = opt.update(g1, state, params)        # t = g
    assert u1["w"] == pytest.approx(-0.2) and np.allclose(u1["v"], [-0.05, -0.1])
    g2 = {"w": -1.0, "v": np.array([0.0, 1.0])}
    u2, state = opt.update(g2, state, params)        # t = g + 0.9 t
    assert u2["w"] == pytest.approx(-0.1 * (-1.0 + 0.9 * 2.0))
    assert np.allclose(u2["v"], -0.1 * (np.array([0.0, 1.0]) + 0.9 * np.array([0.5, 1.0])))
    assert state.step == 2


def test_adam_matches_its_equations():
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.01
    opt = tg.optim.adam(lr, b1, b2, eps)
    state = opt.init({"w": 0.0})
    grads = [0.5, -1.5, 2.0]
    m = v = 0.0
    for t, g in enumerate(grads, start=1):
        updates, state = opt.update({"w": g}, state, {"w": 0.0})
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        expected = -lr * (m / (1 - b1 ** t)) / (math.sqrt(v / (1 - b2 ** t)) + eps)
        assert updates["w"] == pytest.approx(expected, rel=1e-12)
    assert state.step == 3 and state.mu["w"] == pytest.approx(m)
    assert state.nu["w"] == pytest.approx(v)


def test_schedules_are_called_with_step_zero_first():
    seen = []
    opt = tg.optim.sgd(lambda step: seen.append(step) or 1.0)
    run(opt, parabola, {"x": 0.0, "y": 0.0}, 3)
    assert seen == [0, 1, 2]
    lin = tg.optim.linear_schedule(1.0, 0.1, 100)
    assert [lin(k) for k in (0, 100, 150)] == [1.0, 0.1, 0.1]
    assert all(lin(k) == pytest.approx(1.0 - 0.9 * k / 100) for k in range(100))   # micrograd
    cos = tg.optim.cosine_decay(2.0, 10, alpha=0.1)
    assert cos(0) == 2.0 and cos(10) == pytest.approx(0.2) and cos(20) == pytest.approx(0.2)
    assert cos(5) == pytest.approx(2.0 * (0.9 * 0.5 + 0.1))
    with pytest.raises(ValueError, match="positive"):
        tg.optim.cosine_decay(1.0, 0)


def test_states_are_pytrees_that_round_trip_through_io(tmp_path):
    opt = tg.optim.adam(0.1)
    params, state = run(opt, parabola, {"x": 0.0, "y": 0.0}, 3)
    assert isinstance(state, tg.optim.AdamState)
    assert len(tg.tree.leaves(state)) == 1 + 2 + 2
    tg.io.save(tmp_path / "s.json", state)
    back = tg.io.load(tmp_path / "s.json")
    assert back == state and type(back) is tg.optim.AdamState
    sgd_state = tg.optim.sgd(0.1).init(params)
    tg.io.save(tmp_path / "g.json", sgd_state)
    assert tg.io.load(tmp_path / "g.json") == sgd_state


@pytest.mark.parametrize("call, message", [
    (lambda: tg.optim.adam(0.1).update({"a": 1.0}, tg.optim.adam(0.1).init({"a": 1.0, "b": 2.0})),
     r"^adam\.update: state and grads differ at the root \(grads: TreeDef\(\{'a': \*\}\); "
     r"state: TreeDef\(\{'a': \*, 'b': \*\}\)\)\. grads must have the structure of the params"),
    (lambda: tg.optim.sgd(0.1, momentum=0.9).update(
        {"a": [1.0]}, tg.optim.sgd(0.1, momentum=0.9).init({"a": [1.0, 2.0]})),
     r"^sgd\.update: state and grads differ at \['a'\]"),
    (lambda: tg.optim.apply_updates({"a": 1.0}, {"b": 1.0}),
     r"^apply_updates: updates and params differ at the root .*pass what opt\.update returned"),
    (lambda: tg.optim.apply_updates(tg.nn.mlp_init([2, 16, 16, 1]), tg.nn.mlp_init([2, 16, 1])),
     r"\(params: 337 leaves; updates: 65 leaves\)"),
])
def test_mismatched_trees_are_named_in_the_optimizers_terms(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_leaf_error_inside_a_matching_tree_stays_numpys():
    with pytest.raises(ValueError, match="could not be broadcast"):
        tg.optim.apply_updates({"a": np.ones(2)}, {"a": np.ones(3)})
