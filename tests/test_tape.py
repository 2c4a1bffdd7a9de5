"""The tape itself: records as data, levels, printing, debug_nans."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tapegrad as tg


def test_records_are_data():
    tape = tg.make_tape(lambda x, y: tg.sin(x * y) + 1.0)(2.0, 3.0)
    recs = list(tape)
    assert [r.prim.name if r.prim else "input" for r in recs] == [
        "input", "input", "mul", "sin", "add"]
    assert recs[2].args == (0, 1) and recs[2].ans == 6.0 and recs[2].out == 2
    assert recs[4].args == (3, tg.tape.Const(1.0))
    assert all(type(r) is tuple for r in tape.records)


def test_printed_listing():
    tape = tg.make_tape(lambda p: tg.relu(p["w"] * 2.0 + p["b"]))({"w": 1.0, "b": 0.5})
    lines = str(tape).splitlines()
    assert lines[0].startswith("v0 = input") and lines[0].endswith("# p['b']")
    assert lines[2] == "v2 = mul v1 2.0"
    assert lines[3] == "v3 = add v2 v0"
    assert lines[4] == "v4 = relu v3"
    assert lines[5] == "outputs: v4"
    assert "= 2.5" in tape.format(values=True).splitlines()[4]
    arr = tg.make_tape(lambda x: x * 2.0)(np.ones(3))
    assert str(arr).splitlines()[1] == "v1:f64[3] = mul v0 2.0"


def test_nested_tapes_have_levels_and_outer_values():
    levels = []

    def inner(x):
        def f(y):
            levels.append([t.level for t in tg.tape.active_tapes()])
            return x * y
        return tg.grad(f)(1.0)
    assert tg.grad(inner)(3.0) == 1.0
    assert levels == [[1, 2]]
    assert tg.tape.active_tapes() == ()


def test_debug_nans_names_primitive_position_and_line():
    with tg.debug_nans():
        with pytest.raises(FloatingPointError) as e:
            tg.grad(lambda x: tg.log(x - 2.0))(1.0)
    msg = str(e.value)
    assert "v2 = log" in msg and "record 2" in msg and "test_tape.py" in msg
    assert tg.grad(lambda x: tg.log(x - 2.0))(1.0) == -1.0   # off again


def test_debug_nans_called_outside_a_with_warns_and_checks_nothing():
    with pytest.warns(RuntimeWarning, match="only inside a with statement") as caught:
        tg.debug_nans()
    assert caught[0].filename == __file__
    assert tg.grad(tg.log)(-1.0) == -1.0          # nan value, no check: as without it
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with tg.debug_nans(), pytest.raises(FloatingPointError, match="log"):
            tg.grad(tg.log)(-1.0)
        with tg.debug_nans():
            with tg.debug_nans():
                pass
            with pytest.raises(FloatingPointError):   # the outer block still checks
                tg.grad(tg.log)(-1.0)
    assert tg.grad(tg.log)(-1.0) == -1.0          # off again after the blocks


def test_debug_nans_as_a_decorator_checks_each_call_and_does_not_warn():
    @tg.debug_nans()
    def d_log(x):
        return tg.grad(tg.log)(x)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert d_log(2.0) == 0.5
        with pytest.raises(FloatingPointError, match="log"):
            d_log(-1.0)
        with pytest.raises(FloatingPointError, match="log"):   # a second call: checked again
            d_log(-1.0)
    assert tg.grad(tg.log)(-1.0) == -1.0          # no check outside its calls


def test_debug_nans_catches_a_nan_cotangent():
    # value finite everywhere, cotangent nan: 0 * inf at the sqrt
    f = lambda x: tg.sqrt(x * x) * 1.0
    with tg.debug_nans(), pytest.raises(FloatingPointError, match="cotangent"):
        tg.grad(f)(0.0)


def test_no_reference_cycles_per_op():
    import gc
    gc.collect()
    gc.disable()
    try:
        before = gc.get_count()[0]
        tg.grad(lambda x: tg.sum(x * x))(1.0)
        for _ in range(3):
            tg.grad(lambda x: x * x * x)(1.0)
        assert gc.collect() == 0      # nothing was left for the collector
        del before
    finally:
        gc.enable()


def test_debug_nans_leaves_nan_inputs_alone():
    with tg.debug_nans():
        g = tg.grad(lambda x, y: y * 2.0, argnums=(0, 1))(float("nan"), 1.0)
    assert g == (0.0, 2.0)


def test_collector_paused_inside_a_transform_and_restored_after():
    import gc
    seen = []
    paused = lambda: gc.get_threshold()[0] == 0    # no automatic collection
    f = lambda x: (seen.append(paused()), x * x)[1]
    assert gc.isenabled() and not paused()
    tg.grad(f)(1.0)
    tg.grad(tg.grad(f))(1.0)
    tg.jvp(f, (1.0,), (1.0,))
    tg.hessian(f)(1.0)
    assert seen == [True] * 4 and gc.isenabled() and not paused()
    with pytest.raises(ZeroDivisionError):
        tg.grad(lambda x: 1 // 0)(1.0)
    assert gc.isenabled() and not paused()  # restored after an exception too
    gc.disable()
    try:
        tg.grad(f)(1.0)
        assert not gc.isenabled()          # a collector the user turned off stays off
    finally:
        gc.enable()
