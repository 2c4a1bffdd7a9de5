"""grad, value_and_grad, vjp: argnums, has_aux, pytrees, checks and errors."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg


def loss(params, x):
    return tg.tanh(params["w"] * x + params["b"]) ** 2


def test_grad_of_dict_of_floats_matches_fd():
    p = {"w": 0.3, "b": -0.2}
    g = tg.grad(loss)(p, 1.5)
    assert set(g) == {"w", "b"}
    assert g["w"] == pytest.approx(fd(lambda w: loss({"w": w, "b": -0.2}, 1.5), 0.3))
    assert g["b"] == pytest.approx(fd(lambda b: loss({"w": 0.3, "b": b}, 1.5), -0.2))


def test_argnums_tuple_and_negative():
    f = lambda a, b, c: a * b * c
    assert tg.grad(f, argnums=(0, 2))(2.0, 3.0, 4.0) == (12.0, 6.0)
    assert tg.grad(f, argnums=-1)(2.0, 3.0, 4.0) == 6.0
    with pytest.raises(ValueError, match="argnums=3"):
        tg.grad(f, argnums=3)(1.0, 2.0, 3.0)


def test_has_aux_and_value_and_grad():
    f = lambda x: (x * x, {"x": x, "note": "hi"})
    (v, aux), g = tg.value_and_grad(f, has_aux=True)(3.0)
    assert (v, g) == (9.0, 6.0) and aux == {"x": 3.0, "note": "hi"}
    assert type(aux["x"]) is float
    g2, aux2 = tg.grad(f, has_aux=True)(3.0)
    assert g2 == 6.0 and aux2["x"] == 3.0
    with pytest.raises(TypeError, match="pair"):
        tg.grad(lambda x: x, has_aux=True)(1.0)


def test_vjp_pytrees_and_cotangent_structure():
    out, f_vjp = tg.vjp(lambda p: {"s": p[0] * p[1], "d": p[0] - p[1]}, [2.0, 5.0])
    assert out == {"s": 10.0, "d": -3.0}
    assert f_vjp({"s": 1.0, "d": 0.0}) == ([5.0, 2.0],)
    assert f_vjp({"s": 0.0, "d": 1.0}) == ([1.0, -1.0],)
    with pytest.raises(ValueError, match="structure"):
        f_vjp([1.0, 2.0])
    out, f_vjp, aux = tg.vjp(lambda x: (x * 2.0, x), 1.0, has_aux=True)
    assert aux == 1.0 and f_vjp(1.0) == (2.0,)


def test_vjp_with_arrays_and_repeated_pullbacks(rng):
    x = rng.normal(size=4)
    out, f_vjp = tg.vjp(lambda x: tg.sin(x) * 2.0, x)
    for ct in (np.ones(4), rng.normal(size=4)):
        np.testing.assert_allclose(f_vjp(ct)[0], 2 * np.cos(x) * ct)


def test_size_one_array_output_and_array_params(rng):
    w = rng.normal(size=(3,))
    X = rng.normal(size=(5, 3))
    f = lambda w: tg.tanh(tg.sum(w * X) * np.ones(1))    # a size-1 array output
    g = tg.grad(f)(w)
    np.testing.assert_allclose(g, fd(lambda v: f(v)[0], w), rtol=1e-6)


def test_grad_output_types():
    assert type(tg.grad(lambda x: x * 2.0)(1.0)) is float
    g = tg.grad(lambda x: tg.sum(x))(np.ones((2, 2)))
    assert isinstance(g, np.ndarray) and g.shape == (2, 2)


def test_grad_of_non_number_output_is_a_type_error():
    with pytest.raises(TypeError, match="got a list"):
        tg.grad(lambda x: [x, x])(1.0)
    with pytest.raises(TypeError, match="got a NoneType"):
        tg.grad(lambda x: None)(1.0)


def test_vjp_cotangent_shape_is_checked():
    _, f_vjp = tg.vjp(lambda x: {"y": x * 2.0}, np.ones(3))
    with pytest.raises(ValueError, match=r"cotangent\['y'\] has shape \(2,\)"):
        f_vjp({"y": np.ones(2)})


def test_wraps_keeps_name():
    def my_loss(x):
        return x
    assert tg.grad(my_loss).__name__ == "my_loss"


def test_exception_leaves_no_tape_and_propagates_unchanged():
    class Boom(Exception):
        pass

    def f(x):
        raise Boom()
    for _ in range(2):
        with pytest.raises(Boom):
            tg.grad(f)(1.0)
    assert tg.tape.active_tapes() == ()
    assert tg.grad(lambda x: 2 * x)(1.0) == 2.0


def test_threads_compute_different_gradients():
    import concurrent.futures as cf

    def job(k):
        f = lambda x: tg.grad(lambda y: y ** 3 * x)(x)   # 3 x^3 -> 9 x^2
        return [tg.grad(f)(float(k)) for _ in range(20)]
    with cf.ThreadPoolExecutor(8) as ex:
        results = list(ex.map(job, range(1, 9)))
    for k, res in zip(range(1, 9), results):
        assert res == [9.0 * k * k] * 20


def test_bool_and_float_of_traced_values():
    def f(x):
        assert bool(x) and x >= 1.0 and not x < 1.0 and x != 0.0
        assert repr(x).startswith("Traced(2.0")
        return x

    tg.grad(f)(2.0)
    with pytest.raises(TypeError, match="tg.where"):
        tg.grad(lambda x: tg.sum(x) if x else 0.0)(np.ones(3))
    with pytest.raises(TypeError, match="int"):
        tg.grad(lambda x: int(x))(1.0)


def test_forgetting_has_aux_says_to_pass_it():
    f = lambda x: (x * x, {"debug": x})
    for transform in (tg.grad, tg.value_and_grad):
        with pytest.raises(TypeError, match=r"pass has_aux=True"):
            transform(f)(3.0)
    assert tg.grad(f, has_aux=True)(3.0)[0] == 6.0


def test_vjp_and_jvp_results_never_share_memory_with_the_callers_arrays():
    """A reshape's pullback (and pushforward) is a view of what it is given: copied."""
    x = np.arange(6.0)
    f = lambda x: tg.reshape(x, (2, 3))            # noqa: E731
    _, pullback = tg.vjp(f, x)
    ct = np.ones((2, 3))
    (g,) = pullback(ct)
    assert not np.shares_memory(g, ct)
    g *= 2.0                                       # the caller's cotangent is untouched
    np.testing.assert_array_equal(ct, np.ones((2, 3)))
    t = np.ones(6)
    _, t_out = tg.jvp(f, (x,), (t,))
    assert not np.shares_memory(t_out, t)
    big = np.ones((2, 5))                          # a view as the cotangent: its base is safe
    (g2,) = pullback(big[:, :3])
    assert not np.shares_memory(g2, big)


def test_two_gradients_never_share_memory():
    f = lambda a, b: tg.sum(tg.reshape(a + b, (4,)) * np.arange(4.0))   # noqa: E731
    ga, gb = tg.grad(f, argnums=(0, 1))(np.ones((2, 2)), np.ones((2, 2)))
    assert not np.shares_memory(ga, gb)
    ga += 1.0
    np.testing.assert_array_equal(gb, np.arange(4.0).reshape(2, 2))
