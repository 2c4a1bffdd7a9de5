"""The rows of TRAPS.md that reverse mode reaches, one test each (row number
in the test name)."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

import tapegrad as tg

# Every way to take the derivative of a scalar function of a scalar.
DERIVATIVES = {
    "grad": tg.grad,
    "jvp": lambda f: lambda x: tg.jvp(f, (x,), (1.0,))[1],
    "jacfwd": tg.jacfwd,
    "jacrev": tg.jacrev,
}
PAIRS = [(o, i) for o in DERIVATIVES for i in DERIVATIVES]


@pytest.mark.parametrize("outer,inner", PAIRS)
def test_row01_perturbation_confusion(outer, inner):
    D, d = DERIVATIVES[outer], DERIVATIVES[inner]
    assert D(lambda x: x * d(lambda y: x + y)(1.0))(1.0) == 1.0


@pytest.mark.parametrize("outer,inner", PAIRS)
def test_row01b_same_variable_at_two_levels(outer, inner):
    D, d = DERIVATIVES[outer], DERIVATIVES[inner]
    assert D(lambda x: d(lambda y: y * (x - y))(x))(1.0) == -1.0


@pytest.mark.parametrize("outer,inner", PAIRS)
def test_row01c_inner_derivative_closing_over_outer_variable(outer, inner):
    D, d = DERIVATIVES[outer], DERIVATIVES[inner]
    assert D(lambda x: d(lambda y: x * y)(2.0))(3.0) == 1.0


def test_rows01_through_hessian_and_three_levels():
    # hessian of x * x * d/dy (x + y): 2, not confused by the inner derivative
    assert tg.hessian(lambda x: x * x * tg.grad(lambda y: x + y)(1.0))(1.0) == 2.0
    # three levels, the same variable at each: d/dx d/dy d/dz [x*y*z] at z=y=x
    f = lambda x: tg.grad(lambda y: tg.grad(lambda z: x * y * z)(y))(x)   # = x
    assert tg.grad(f)(2.0) == 1.0
    assert tg.jvp(f, (2.0,), (1.0,)) == (2.0, 1.0)


def test_row02_value_used_twice():
    assert tg.grad(lambda x: x * x)(3.0) == 6.0

    def f(a):
        b = a + a
        return b + b
    assert tg.grad(f)(1.0) == 4.0
    tape = tg.make_tape(lambda x: x * x)(3.0)
    assert tape.record(1).args == (0, 0)         # one record, both inputs v0


def test_row03_same_grad_twice_no_state():
    g = tg.grad(lambda p: p["w"] * p["w"])
    assert g({"w": 3.0}) == g({"w": 3.0}) == {"w": 6.0}


@pytest.mark.parametrize("transform", ["jvp", "jacfwd", "jacrev", "hessian"])
def test_row03_every_transform_twice_no_state(transform):
    f = lambda p: tg.sum(p["w"] ** 3) * p["b"]
    p = {"w": np.array([1.0, 2.0]), "b": 0.5}
    t = {"w": np.array([1.0, -1.0]), "b": 2.0}
    call = {"jvp": lambda: tg.jvp(f, (p,), (t,)),
            "jacfwd": lambda: tg.jacfwd(f)(p),
            "jacrev": lambda: tg.jacrev(f)(p),
            "hessian": lambda: tg.hessian(f)(p)}[transform]
    first, second = call(), call()
    for a, b in zip(tg.tree.leaves(first), tg.tree.leaves(second)):
        np.testing.assert_array_equal(a, b)
    if transform == "jvp":    # 3 w^2 t_w b + sum(w^3) t_b = 1.5 - 6 + 18
        assert first[1] == pytest.approx(13.5)


def test_rows04_to_08_powers_at_zero():
    assert tg.grad(lambda x: x ** 0)(0.0) == 0.0
    assert tg.grad(lambda x: x ** 0.0)(0.0) == 0.0
    assert tg.grad(lambda y: 0.0 ** y)(2.0) == 0.0
    assert tg.grad(lambda y: 0.0 ** y)(0.0) == 0.0
    assert tg.grad(tg.sqrt)(0.0) == math.inf
    assert tg.grad(lambda x: x ** 0.5)(0.0) == math.inf
    assert tg.grad(lambda x: x ** 2.5)(0.0) == 0.0


def test_rows09_to_11_kinks():
    assert tg.grad(tg.relu)(0.0) == 0.0
    assert tg.grad(lambda x: tg.maximum(x, 0.0))(0.0) == 0.5
    assert tg.grad(lambda x: tg.maximum(0.0, x))(0.0) == 0.5
    assert tg.grad(lambda x: tg.minimum(x, 0.0))(0.0) == 0.5
    assert tg.grad(tg.abs)(0.0) == 0.0
    assert tg.grad(tg.abs)(-0.0) == 0.0


def test_row12_negative_base():
    assert tg.grad(lambda x: x ** 3)(-2.0) == 12.0
    assert tg.grad(lambda x: x ** 3.0)(-2.0) == 12.0
    assert math.isnan(tg.grad(lambda y: (-2.0) ** y)(3.0))
    v, g = tg.value_and_grad(lambda x: x ** (1 / 3))(-8.0)
    assert isinstance(v, float) and math.isnan(v) and math.isnan(g)


def test_row13_inverse_at_zero_floats_and_arrays():
    assert tg.value_and_grad(lambda x: 1 / x)(0.0) == (math.inf, -math.inf)
    v, g = tg.value_and_grad(lambda x: tg.sum(1 / x))(np.array([0.0]))
    assert v == math.inf and g[0] == -math.inf


def test_row14_log_at_zero_and_negative():
    assert tg.log(0.0) == -math.inf
    assert math.isnan(tg.log(-1.0))
    assert tg.grad(tg.log)(0.0) == math.inf


def test_row15_where_with_a_nan_branch():
    assert tg.grad(lambda x: tg.where(x >= 0, x, tg.sqrt(-x)))(1.0) == 1.0
    assert tg.grad(lambda x: tg.where(x > 0, 1 / x, 0.0))(0.0) == 0.0


def test_row16_stable_at_1000():
    assert tg.exp(1000.0) == math.inf
    assert tg.sigmoid(-1000.0) == 0.0 and tg.grad(tg.sigmoid)(-1000.0) == 0.0
    assert tg.tanh(1000.0) == 1.0 and tg.grad(tg.tanh)(1000.0) == 0.0
    g = tg.grad(lambda a, b: tg.logsumexp([a, b]), argnums=(0, 1))(1000.0, 1000.0)
    assert g == (0.5, 0.5)


def test_row17_sqrt_of_square_is_nan_by_the_chain_rule():
    assert math.isnan(tg.grad(lambda x: tg.sqrt(x * x))(0.0))
    assert tg.grad(tg.abs)(0.0) == 0.0


def test_row18_integer_input_and_bool_leaf():
    assert tg.grad(lambda x: x * x)(2) == 4.0
    with pytest.raises(TypeError, match=r"params\['flag'\] is a bool"):
        tg.grad(lambda params: params["w"])({"w": 1.0, "flag": True})


def test_row19_independent_output_and_static_args():
    g = tg.grad(lambda p: 3.0)({"a": 1.0, "b": [np.ones(2), 2.0]})
    assert g["a"] == 0.0 and g["b"][1] == 0.0 and np.all(g["b"][0] == 0.0)
    assert g["b"][0].shape == (2,)
    assert tg.grad(lambda x, c: x * c)(2.0, 5.0) == 5.0
    c = 7.0
    assert tg.grad(lambda x: x * c)(2.0) == 7.0


def test_row20_traced_value_stored_in_a_global():
    box = []

    def f(x):
        box.append(x)
        return x * x
    tg.grad(f)(1.0)
    with pytest.raises(tg.EscapedTracerError):
        box[0] * 2.0
    with pytest.raises(tg.EscapedTracerError):
        tg.grad(lambda y: y * box[0])(1.0)
    with pytest.raises(tg.EscapedTracerError):
        assert box[0] > 0


def test_row21_closure_returned_from_a_transform():
    def f(x):
        inner = lambda y: x * y
        return x * inner(2.0), inner
    (value, inner), g = tg.value_and_grad(f, has_aux=True)(3.0)
    assert value == 18.0 and g == 12.0
    with pytest.raises(tg.EscapedTracerError):
        inner(2.0)


def test_row22_threads_interleaving_nested_grads():
    barrier = threading.Barrier(2)
    results = {}

    def worker(name, x0, k):
        def inner(x):
            barrier.wait(timeout=10)   # both threads are inside a transform now
            return tg.grad(lambda y: k * x * y * y)(x)
        results[name] = tg.grad(inner)(x0)   # d/dx 2k x^2 = 4 k x

    ts = [threading.Thread(target=worker, args=(n, x, k))
          for n, x, k in (("a", 1.0, 1.0), ("b", 2.0, 3.0))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert results == {"a": 4.0, "b": 24.0}


def test_row23_exception_inside_fun_then_next_call():
    def bad(x):
        tg.grad(lambda y: y * x)(1.0)
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        tg.grad(lambda x: tg.grad(bad)(x))(1.0)
    assert tg.tape.active_tapes() == ()
    assert tg.grad(lambda x: x * x * x)(2.0) == 12.0


def test_row24_math_on_a_traced_value_points_to_tg():
    with pytest.raises(TypeError, match="tg.exp"):
        tg.grad(lambda x: math.exp(x) * x)(1.0)
    with pytest.raises(TypeError, match="float"):
        tg.grad(lambda x: float(x))(1.0)
    assert tg.grad(lambda x: tg.exp(x) * x)(1.0) == pytest.approx(2 * math.e)


def test_row25_python_if_on_a_traced_value_eager():
    f = lambda x: x * x if x > 0 else -x
    assert tg.grad(f)(3.0) == 6.0 and tg.grad(f)(-3.0) == -1.0


def test_row26_grad_of_non_scalar():
    with pytest.raises(TypeError, match=r"shape \(3,\).*tg.vjp or tg.jacobian"):
        tg.grad(lambda x: x * 2.0)(np.ones(3))
    assert tg.grad(lambda x: x * 2.0)(np.ones(1))[0] == 2.0
    assert tg.grad(lambda x: x * 2.0)(np.ones((1, 1))).shape == (1, 1)


def test_row27_million_record_chain():
    n = 1_000_000

    def chain(x):
        for _ in range(n):
            x = x * 1.0
        return x
    assert tg.grad(chain)(2.0) == 1.0
    tape = tg.make_tape(chain)(2.0)
    assert len(tape) == n + 1
    assert str(tape).count("\n") == n + 1        # n+1 records and the outputs line


def test_row27_second_order_on_a_million_record_chain():
    def chain(x):
        for _ in range(1_000_000):
            x = x * 1.0
        return x * x
    assert tg.grad(tg.grad(chain))(2.0) == 2.0


def test_row28_one_arithmetic_for_floats_and_arrays():
    fs = [lambda x: 1 / x, tg.log, lambda x: tg.sqrt(x - 1.0), lambda x: x ** -1.0,
          lambda x: (x - 1.0) ** 0.5]
    for f in fs:
        for x in (0.0, 2.0):
            with np.errstate(all="ignore"):     # NumPy's own semantics, quietly
                a = f(np.array([x]))[0]
            tape = tg.make_tape(f)(x)
            b = tape.record(len(tape) - 1).ans
            assert (math.isnan(a) and math.isnan(b)) or a == b


def test_row29_ties_split_evenly():
    g = tg.grad(lambda a, b: tg.logsumexp([a, b]), argnums=(0, 1))(0.3, 0.3)
    assert g == (0.5, 0.5)
    g = tg.grad(lambda a, b: tg.softmax([a, b])[0], argnums=(0, 1))(0.3, 0.3)
    assert g == pytest.approx((0.25, -0.25))


def test_row30_hash_eq_and_sum():
    def f(x):
        assert hash(x) == hash(2.0) and x == 2.0
        assert {x, 2.0} == {2.0} and {x: 1}[2.0] == 1
        return sum([x, x, x])
    assert tg.grad(f)(2.0) == 3.0
