"""A tape is a program: recorded at one point, called at another, it gives what
the function gives there (while every guard holds), or raises tg.GuardError
(where Python would branch the other way). Nothing is decided by a value."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import tapegrad as tg

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
import moons  # noqa: E402  (examples/moons.py)


def same(a, b):
    """Equal as numbers: a zero's sign and a nan's payload aside; pytrees too."""
    la, ta = tg.tree.flatten(a)
    lb, tb = tg.tree.flatten(b)
    assert ta == tb, (ta, tb)
    for x, y in zip(la, lb):
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        assert x.shape == y.shape
        if not np.array_equal(x, y, equal_nan=True):
            return False
    return True


def guards(tape):
    return [r for r in tape if r.prim is not None and r.prim.name == "guard"]


# ------------------------------------------------------------ random programs
# Every primitive, with its kinks and exact zeros reachable from the sampled
# points, and no care for domains: nan and inf must replay exactly too.
UNARY = {
    "exp": tg.exp, "log": tg.log, "sin": tg.sin, "cos": tg.cos, "tanh": tg.tanh,
    "sigmoid": tg.sigmoid, "relu": tg.relu, "sqrt": tg.sqrt, "abs": tg.abs,
    "neg": lambda x: -x, "sq": lambda x: x ** 2, "pow0": lambda x: x ** 0,
    "pow25": lambda x: x ** 2.5, "inv": lambda x: 1.0 / x, "zero": lambda x: x * 0.0,
    "stop": lambda x: tg.stop_gradient(x) * x, "sum": tg.sum, "mean": tg.mean,
    "hinge": lambda x: tg.relu(1.0 - x), "absm": abs,
}
BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "tpow": lambda a, b: tg.abs(a) ** b,
    "max": tg.maximum, "min": tg.minimum, "lae": tg.logaddexp,
    "lse": lambda a, b: tg.logsumexp([a, b]), "smax": lambda a, b: tg.softmax([a, b])[0],
    "where": lambda a, b: tg.where(a > b, a * b, b - a),
    "where0": lambda a, b: tg.where(a >= 0.0, a, tg.sqrt(-a)) + b,
    "wand": lambda a, b: tg.where((a > 0.0) & ~(b > 0.0) | (a == b), a, b),
    "clipw": lambda a, b: tg.where(a > 0.0, 1.0 / a, 0.0) * b,
}
POINTS = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -2.5, 3.0]


def program(depth):
    leaf = st.sampled_from(["x", "y", "c", "z"])
    if depth == 0:
        return leaf
    sub = program(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(st.sampled_from(sorted(UNARY)), sub),
        st.tuples(st.sampled_from(sorted(BINARY)), sub, sub),
        st.tuples(st.just("if"), sub, sub, sub),         # Python if on a > b
        st.tuples(st.just("while"), sub),                 # Python while
        st.tuples(st.just("pymax"), sub, sub))            # builtin max: a comparison


def build(e, log):
    """The program as a function; each Python branch on a traced value appends
    its outcome to log (a branch on constants is no guard)."""
    def note(outcome, *values):
        if any(isinstance(v, tg.Traced) for v in values):
            log.append(outcome)
        return outcome

    def f(x, y):
        def ev(node):
            if node == "x":
                return x
            if node == "y":
                return y
            if node == "c":          # NumPy scalars: IEEE even between two constants
                return np.float64(0.7)
            if node == "z":
                return np.float64(0.0)
            op = node[0]
            if op == "if":
                a, b = ev(node[1]), ev(node[2])
                taken = note(bool(a > b), a, b)
                return a * ev(node[3]) if taken else b + ev(node[3])
            if op == "while":
                v, k = ev(node[1]), 0
                while note(bool(v < 2.0), v) and k < 3:   # bool() of a comparison
                    v, k = v * 1.5 + 0.25, k + 1
                return v
            if op == "pymax":
                a, b = ev(node[1]), ev(node[2])
                out = max(a, b)
                note(out is a, a, b)
                return out
            if len(node) == 2:
                out = UNARY[op](ev(node[1]))
            else:
                out = BINARY[op](ev(node[1]), ev(node[2]))
            # Python's own float arithmetic raises or goes complex: keep constants
            # NumPy scalars, which are IEEE like every traced op
            return np.float64(out) if type(out) is float else out
        with np.errstate(all="ignore"):
            return ev(e)
    return f


def eager(f, x, y):
    """f, grad(f) and grad(grad(f)) at (x, y), computed afresh."""
    value = tg.value_and_grad(f, argnums=(0, 1))(x, y)[0]
    g = tg.grad(f, argnums=(0, 1))(x, y)
    gg = tg.grad(lambda a, b: tg.grad(f)(a, b), argnums=(0, 1))(x, y)
    return value, g, gg


@settings(max_examples=320, deadline=None, derandomize=bool(os.environ.get("CI")))
@given(program(3), st.sampled_from(POINTS), st.sampled_from(POINTS),
       st.one_of(st.sampled_from(POINTS), st.floats(-3, 3)),
       st.one_of(st.sampled_from(POINTS), st.floats(-3, 3)))
def test_tapes_of_f_grad_and_grad_grad_replay_exactly_or_refuse(e, x0, y0, x1, y1):
    rec_log, new_log = [], []
    f0, f1 = build(e, rec_log), build(e, new_log)
    tapes = [tg.make_tape(f0)(x0, y0),
             tg.make_tape(tg.grad(f0, argnums=(0, 1)))(x0, y0),
             tg.make_tape(tg.grad(lambda a, b: tg.grad(f0)(a, b), argnums=(0, 1)))(x0, y0)]
    recorded = list(rec_log)
    expected = eager(f1, x1, y1)
    branches_agree = new_log[:len(new_log) // 3] == recorded[:len(recorded) // 3]
    event(f"{len(recorded) // 3} guard(s), " + ("replayed" if branches_agree else "refused"))
    for tape, want in zip(tapes, expected):
        if branches_agree:
            assert same(tape(x1, y1), want), (tape, x1, y1)
        else:
            with pytest.raises(tg.GuardError, match=r"test_replay\.py:\d+"):
                tape(x1, y1)
    # the guards on the tape of f are exactly the Python branches taken
    assert len(guards(tapes[0])) == len(recorded) // 3


def test_the_moons_gradient_tape_replays_every_sgd_step_exactly_without_a_guard():
    X, y = moons.make_moons()
    loss = lambda p: moons.loss_fn(p, X, y, "batch")
    value_and_grad = tg.value_and_grad(loss, has_aux=True)
    params = tg.nn.mlp_init([2, 16, 16, 1], seed=0)
    tape = tg.make_tape(value_and_grad)(params)
    assert not guards(tape)
    opt = tg.optim.sgd(tg.optim.linear_schedule(1.0, 0.1, 100))
    state = opt.init(params)
    patterns = set()
    for _ in range(100):
        want = value_and_grad(params)
        assert same(tape(params), want)
        (_, scores), grads = want
        patterns.add(tuple(np.asarray(1.0 - scores * y) > 0))     # active hinges
        updates, state = opt.update(grads, state, params)
        params = tg.optim.apply_updates(params, updates)
    assert len(patterns) > 50        # the relu pattern changed: the trap is real


def test_the_moons_loop_loss_tape_replays_too():
    X, y = moons.make_moons(20)
    loss = lambda p: moons.loss_fn(p, X, y, "loop")[0]
    params = tg.nn.mlp_init([2, 4, 1], seed=1)
    tape = tg.make_tape(tg.value_and_grad(loss))(params)
    assert not guards(tape)
    for _ in range(3):
        params = tg.tree.map(lambda p, g: p - 0.5 * g, params, tg.grad(loss)(params))
        assert same(tape(params), tg.value_and_grad(loss)(params))


# ------------------------------------------------- traps, kink and away
TRAPS = [   # (f, the kink, a point away from it): TRAPS rows 4-17 and 29
    (lambda x: x ** 0, 0.0, 1.5),                       # 4
    (lambda x: x ** 0.0, 0.0, -2.0),                    # 5
    (lambda y: 0.0 ** y, 2.0, 0.0),                     # 6
    (lambda x: tg.sqrt(x), 0.0, 4.0),                   # 7
    (lambda x: x ** 0.5, 0.0, 4.0),
    (lambda x: x ** 2.5, 0.0, 1.0),                     # 8
    (tg.relu, 0.0, 2.0),                                # 9
    (tg.relu, 0.0, -2.0),
    (lambda x: tg.maximum(x, 0.0), 0.0, -1.0),          # 10
    (lambda x: tg.maximum(0.0, x), 0.0, 1.0),
    (lambda x: tg.minimum(x, 0.0), 0.0, 1.0),
    (tg.abs, 0.0, -3.0),                                # 11
    (tg.abs, -0.0, 3.0),
    (lambda x: x ** 3, -2.0, 1.0),                      # 12
    (lambda x: x ** 3.0, -2.0, 1.0),
    (lambda y: (-2.0) ** y, 3.0, 2.0),
    (lambda x: x ** (1 / 3), -8.0, 8.0),
    (lambda x: 1.0 / x, 0.0, 2.0),                      # 13
    (tg.log, 0.0, -1.0),                                # 14
    (lambda x: tg.where(x >= 0.0, x, tg.sqrt(-x)), 1.0, -4.0),   # 15
    (lambda x: tg.where(x > 0.0, 1.0 / x, 0.0), 0.0, 2.0),
    (lambda x: tg.exp(x * 1000.0), 1.0, -1.0),          # 16
    (lambda x: tg.sigmoid(x * 1000.0), -1.0, 1.0),
    (lambda x: tg.tanh(x * 1000.0), 1.0, 0.0),
    (lambda x: tg.logsumexp([x * 1000.0, x * 1000.0]), 1.0, -1.0),
    (lambda x: tg.sqrt(x * x), 0.0, 2.0),               # 17
    (lambda x: tg.logsumexp([x, x]), 0.5, -3.0),        # 29
    (lambda x: tg.softmax([x, 2.0 * x - 1.0])[0], 1.0, 0.0),
]


@pytest.mark.parametrize("f, kink, away", TRAPS)
def test_trap_tapes_replay_across_the_kink(f, kink, away):
    value = lambda x: tg.value_and_grad(f)(x)[0]    # f as traced: IEEE
    for here, there in ((kink, away), (away, kink)):
        for fun, ref in ((f, value), (tg.grad(f), tg.grad(f)),
                         (tg.grad(tg.grad(f)), tg.grad(tg.grad(f)))):
            tape = tg.make_tape(fun)(here)
            assert not guards(tape)
            assert same(tape(there), ref(there)), (here, there)
            assert same(tape(here), ref(here))


def test_no_built_in_leaves_a_guard_at_any_order():
    x = np.array([-1.0, 0.0, 2.0])
    funs = [tg.relu, tg.abs, tg.sqrt, tg.sigmoid, tg.tanh, lambda v: v ** 2.5,
            lambda v: tg.maximum(v, 0.0), lambda v: tg.minimum(v, 1.0),
            lambda v: tg.where(v > 0.0, v, -v), lambda v: tg.logsumexp([v, 2.0 * v]),
            lambda v: tg.softmax([v, -v])[1], lambda v: tg.nn.hinge(v, 1.0),
            lambda v: tg.nn.binary_cross_entropy(v, 1.0), lambda v: v ** v]
    for f in funs:
        s = lambda v: tg.sum(f(v))
        for fun in (s, tg.grad(s), tg.grad(lambda v: tg.sum(tg.grad(s)(v)))):
            assert not guards(tg.make_tape(fun)(x))
        assert not guards(tg.make_tape(lambda v, t: tg.jvp(tg.grad(s), (v,), (t,)))(
            x, np.ones(3)))
