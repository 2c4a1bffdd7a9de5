"""Review of the custom-primitive, SciPy, bool-dtype and window changes: each test failed before."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import tapegrad as tg


def test_unary_plus_of_a_traced_python_bool_is_the_int_one():
    # +(x > 1.0) of a Python float is Python's int: jit and grad raised
    # "np.positive (unary +) of a bool array"
    f = lambda x: +(x > 1.0)
    for x in (0.5, 2.0):
        out = tg.jit(f)(x)
        assert out == f(x) and type(out) is type(f(x)) is int
    assert tg.grad(lambda x: x * +(x > 1.0))(2.0) == 1.0
    xs = np.array([0.5, 2.0, 3.0])
    assert np.array_equal(tg.vmap(f)(xs), np.array([f(float(x)) for x in xs]))


def test_unary_plus_of_numpy_bool_data_is_still_numpy_s_error():
    try:
        +(np.array([0.5, 2.0]) > 1.0)
    except TypeError:
        pass
    else:                                   # pragma: no cover
        raise AssertionError("NumPy has a bool loop for positive now")
    for f in (lambda x: +(x > 1.0), lambda x: np.positive(x > 1.0)):
        try:
            tg.jit(f)(np.array([0.5, 2.0]))
        except TypeError as e:
            assert "np.positive" in str(e)
        else:                               # pragma: no cover
            raise AssertionError("a bool array's + did not raise")


def test_sliding_window_view_takes_numpy_s_keywords():
    # window_shape= was refused with "Call it without window_shape", a call that cannot run
    x = np.arange(6.0) ** 1.5
    for kw in ({"window_shape": 3}, {"window_shape": 3, "writeable": False},
               {"window_shape": 3, "subok": False, "axis": 0}):
        got = tg.jit(lambda v: sliding_window_view(v, **kw) * 1.0)(x)
        assert np.array_equal(got, sliding_window_view(x, **kw))
    g = tg.grad(lambda v: np.sum(sliding_window_view(v, window_shape=3) ** 2))(x)
    windows = (0, 1, 2, 3)          # x[i] lies in the windows starting at i-2 .. i
    expect = np.array([2 * x[i] * sum(1 for s in windows if s <= i < s + 3) for i in range(6)])
    assert np.array_equal(g, expect)


def _message(f, *args):
    try:
        tg.grad(f)(*args)
    except TypeError as e:
        return str(e)
    raise AssertionError("no TypeError")         # pragma: no cover


def test_an_ndarray_method_s_suggested_spellings_compute_its_value():
    # W.dot(x + 1.0) suggested "W @ x + 1.0", which is (W @ x) + 1.0
    W = np.arange(9.0).reshape(3, 3)
    x = np.array([0.5, 1.5, 2.5])
    msg = _message(lambda x: np.sum(W.dot(x + 1.0)), x)
    function, _, operator = msg.partition("Call NumPy's function instead: ")[2].partition(", or ")
    for spelled in (function, operator.rstrip(".")):
        assert np.array_equal(eval(spelled, {"np": np, "W": W, "x": x}), W.dot(x + 1.0)), spelled


def test_a_chained_ndarray_method_names_the_method_that_converts():
    # np.exp(W).dot(x) named np.asarray; a.copy().put(...) named .copy and np.copy(a, )
    W = np.arange(9.0).reshape(3, 3)
    x = np.array([0.5, 1.5, 2.5])
    msg = _message(lambda x: np.sum(np.exp(W).dot(x)), x)
    assert msg.startswith("np.exp(W).dot(x) calls the NumPy array method .dot")
    assert msg.endswith("np.dot(np.exp(W), x), or np.exp(W) @ x.")
    assert np.array_equal(eval("np.exp(W) @ x", {"np": np, "W": W, "x": x}), np.exp(W).dot(x))

    a = np.arange(3.0)
    msg = _message(lambda x: np.sum(x) + (a.copy().put([0], x[0]) or 0.0), x)
    assert ".put," in msg and ".copy" not in msg.partition(" calls ")[2]


def test_an_ndarray_method_whose_numpy_function_refuses_too_gives_what_runs():
    # b.put(i, x) suggested np.put(b, i, x), W.take(i) np.take(W, i): both refused in turn
    a = np.arange(3.0)

    def put(x):
        b = a.copy()
        b.put([0], x[0])
        return np.sum(b)
    msg = _message(put, np.array([0.5, 1.5, 2.5]))
    assert "np.put(" not in msg and "np.where(mask, v, a)" in msg
    fixed = lambda x: np.sum(np.where(np.arange(3) == 0, x[0], a))        # as told
    assert np.array_equal(tg.grad(fixed)(np.array([0.5, 1.5, 2.5])), np.array([1.0, 0.0, 0.0]))
    W = np.arange(9.0)
    msg = _message(lambda i: np.sum(W.take(i)), np.array([0.0, 2.0]))
    assert "np.take(" not in msg and "tg.take" in msg


def _same(a, b):
    return type(a) is type(b) and np.array_equal(a, b) and \
        getattr(a, "dtype", None) == getattr(b, "dtype", None)


def test_prod_and_empty_sum_of_a_python_comparison_widen_as_numpy():
    # np.prod(x > 1.0) of a Python float: eager np.int64(1), jit gave np.True_
    for f in (lambda x: np.prod(x > 1.0), lambda x: np.sum(x > 1.0, axis=()),
              lambda x: np.prod(np.sum(x) > 1.0)):
        for x in (2.0, 0.5, np.float64(2.0)):
            assert _same(tg.jit(f)(x), f(x)), (f, x)
    xs = np.array([0.5, 2.0])
    f = lambda x: np.prod(x > 1.0)
    assert _same(tg.vmap(f)(xs), np.array([f(float(x)) for x in xs]))


def test_an_axis_out_of_range_is_numpy_s_axis_error():
    # the median of a 0-d array "raises NumPy's AxisError" said the comment; it was a ValueError
    for f in (lambda v: np.median(np.sum(v), axis=0), lambda v: np.sum(v, axis=2),
              lambda v: np.max(v, axis=(0, 2))):
        for run in (f, tg.jit(f)):
            try:
                run(np.ones((2, 2)))
            except np.exceptions.AxisError:
                pass
            else:                           # pragma: no cover
                raise AssertionError("no AxisError")


def test_the_fft_advice_runs_as_written():
    # its code read n, which nothing defined
    x0 = np.array([1.0, 2.0, 0.5, -1.0, 3.0])
    for fft in (np.fft.rfft, np.fft.fft):
        msg = _message(lambda x: np.sum(fft(x).real), x0)
        code = msg.partition("constant matrices: ")[2].rpartition(" instead.")[0]
        scope = {"np": np, "x": x0}
        exec(code, scope)
        np.testing.assert_allclose(scope["re"] + 1j * scope["im"], fft(x0), atol=1e-12)


def test_sort_kind_and_stable_together_is_numpy_s_value_error():
    # tapegrad sorted stably where NumPy refuses both keywords
    y = np.array([3.0, 1.0, 3.0, 1.0, 2.0])
    calls = (lambda v: np.argsort(v, kind="quicksort", stable=True),
             lambda v: np.sort(v, kind="stable", stable=False),
             lambda v: v.argsort(kind="stable", stable=True))
    for f in calls:
        for run in (f, tg.jit(f), tg.grad(lambda v: np.sum(v * f(v)))):
            try:
                run(y)
            except ValueError as e:
                assert "can't be provided at the same time" in str(e)
            else:                           # pragma: no cover
                raise AssertionError("no ValueError")
    for kind, stable in ((None, True), ("stable", None), (None, False), ("heapsort", None)):
        f = lambda v: np.argsort(v, kind=kind, stable=stable)
        assert np.array_equal(tg.jit(f)(y), f(y))


def test_ndarray_clip_with_traced_bounds_runs_np_clip():
    # W.clip(x, 5.0) was refused as "np.clip ... Use np.clip (the nearest function tapegrad has)"
    W = np.arange(9.0).reshape(3, 3)
    x0 = np.array([1.0, 4.5, 9.0])
    f = lambda x: np.sum(W.clip(x, 5.0) * x)
    g = tg.grad(f)(x0)
    h = 1e-6
    np.testing.assert_allclose(g, [(f(x0 + h * e) - f(x0 - h * e)) / (2 * h) for e in np.eye(3)],
                               rtol=1e-7)
    assert np.array_equal(tg.jit(tg.grad(f))(x0), g)
    clip = lambda x: W.clip(x, 5.0)
    xs = np.stack([x0, x0 + 1.0])
    assert np.array_equal(tg.vmap(clip)(xs), np.stack([clip(x) for x in xs]))
