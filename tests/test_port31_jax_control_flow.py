"""Cases after JAX's lax_control_flow_test.py: cond and switch with a traced condition.

With a traced condition both branches run and ``tg.where`` selects, so one
result must serve either outcome: branches returning different dtypes are a
``TypeError`` naming them (JAX's "true_fun and false_fun output must have
identical types"), where ``jit`` gave the promoted dtype and eager the
taken branch's. A Python number in a branch stays weak, as in JAX. The
loops nest with cond under ``vmap``, ``jit`` and ``grad``.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tests.conftest import fd

X = np.array([-1.0, 2.0])
MIXED = {
    "cond_f64_f32": lambda t: tg.cond(t[0] > 0, lambda a: a, lambda a: a.astype(np.float32), t),
    "cond_f64_int": lambda t: tg.cond(t[0] > 0, lambda a: a * 2, lambda a: (a * 3).astype(int), t),
    "switch_f32_f64": lambda t: tg.switch((t[0] > 0).astype(int),
                                          [lambda a: a.astype(np.float32), lambda a: a], t),
    "cond_tree": lambda t: tg.cond(t[0] > 0, lambda a: (a, a[0]),
                                   lambda a: (a, a[0].astype(np.float32)), t),
}


@pytest.mark.parametrize("name", list(MIXED))
@pytest.mark.parametrize("transform", ["jit", "grad", "vmap"])
def test_branches_of_different_dtypes_under_a_traced_condition_are_refused(name, transform):
    f = MIXED[name]
    run = {"jit": lambda: tg.jit(f)(X),
           "grad": lambda: tg.grad(lambda t: np.sum(tg.tree.leaves(f(t))[0]))(X),
           "vmap": lambda: tg.vmap(f)(np.stack([X, -X]))}[transform]
    with pytest.raises(TypeError, match=r"the branches return dtypes \w+ and \w+ at the same "
                                        r"place.*cast one \(\.astype\)"):
        run()


def test_a_python_number_in_a_branch_is_weak_beside_float32():
    x32 = X.astype(np.float32)
    f = lambda t: tg.cond(t[0] > 0, lambda a: a * 2, lambda a: a - 1.0, t)     # noqa: E731
    for x in (x32, -x32):
        got = tg.jit(f)(x)
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, f(x))
    g = lambda t: tg.cond(t[0] > 0, lambda a: 1, lambda a: 2.5, t)            # noqa: E731
    assert tg.jit(g)(X) == g(X) == 2.5 and tg.jit(g)(-X) == 1


def test_cond_inside_a_scan_under_vmap_jit_and_grad_is_the_loop():
    xs = np.random.default_rng(7).normal(size=(3, 5))

    def f(c):
        step = lambda a, b: (tg.cond(b > 0, lambda u: u * b, lambda u: u - b, a), a)  # noqa: E731
        return tg.scan(step, c[0], c)[1]
    want = np.stack([f(r) for r in xs])
    np.testing.assert_array_equal(tg.vmap(f)(xs), want)
    np.testing.assert_array_equal(tg.jit(tg.vmap(f))(xs), want)
    loss = lambda r: np.sum(f(r) ** 2)                       # noqa: E731
    g = tg.vmap(tg.grad(loss))(xs)
    np.testing.assert_allclose(g, np.stack([fd(loss, r) for r in xs]), rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(tg.grad(lambda b: np.sum(tg.vmap(loss)(b)))(xs), g)


def test_while_with_a_batched_condition_runs_each_example_its_own_trip_count():
    xs = np.abs(np.random.default_rng(8).normal(size=(4, 3))) + 0.1   # the loop ends
    f = lambda c: tg.while_loop(lambda a: np.sum(a) < 5.0, lambda a: a * 1.3 + 0.4, c)  # noqa: E731
    want = np.stack([f(r) for r in xs])
    np.testing.assert_array_equal(tg.vmap(f)(xs), want)
    np.testing.assert_array_equal(tg.vmap(tg.jit(f))(xs), want)
    g = tg.vmap(tg.grad(lambda r: np.sum(f(r))))(xs)
    np.testing.assert_allclose(g, np.stack([fd(lambda r: np.sum(f(r)), r) for r in xs]),
                               rtol=1e-6)
