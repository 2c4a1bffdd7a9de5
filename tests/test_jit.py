"""tg.jit: compiled code equals eager bit for bit, retraces only for a new
signature or guard outcome, and every pass is exact."""

from __future__ import annotations

import linecache
import math
import os
import random
import sys
import threading
import traceback
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_replay import POINTS, build, eager, program, same

import tapegrad as tg
from tapegrad.staging.lower import lower
from tapegrad.staging.passes import cse, dce, fold, identities, optimize, shapes_only
from tapegrad.staging.program import from_tape

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
import moons  # noqa: E402  (examples/moons.py)


def bits(tree):
    """Every leaf as the bytes of its float64 values: a zero's sign counts."""
    return [np.asarray(x, dtype=float).tobytes() for x in tg.tree.leaves(tree)]


# --------------------------------------------------- random programs
@settings(max_examples=150, deadline=None, derandomize=bool(os.environ.get("CI")))
@given(program(3), st.lists(st.tuples(st.sampled_from(POINTS), st.sampled_from(POINTS)),
                            min_size=1, max_size=4))
def test_jit_and_jit_of_grad_equal_eager_on_random_programs(e, points):
    log: list = []
    f = build(e, log)
    jf, jg = tg.jit(f), tg.jit(tg.grad(f, argnums=(0, 1)))
    for x, y in points:
        value, g, _ = eager(f, x, y)
        assert same(jf(x, y), value) and same(jg(x, y), g)
    assert jf.trace_count <= len(points) and jg.trace_count <= len(points)


def test_a_new_float_never_retraces_a_new_branch_does():
    f = tg.jit(lambda x: x * 2.0 if x > 0 else -x)
    assert [f(v) for v in (1.0, 2.0, 3.5)] == [2.0, 4.0, 7.0] and f.trace_count == 1
    assert f(-2.0) == 2.0 and f.trace_count == 2
    assert f(4.0) == 8.0 and f(-1.0) == 1.0 and f.trace_count == 2       # both kept
    assert f(np.array([2.0])) == 4.0 and f.trace_count == 3             # a new signature


def test_the_specialization_bound_names_the_branch():
    def f(x):
        k = 0
        while x > k:                      # a new guard pattern for every integer part
            k += 1
        return x * k
    jf = tg.jit(f)
    for v in range(8):
        assert jf(v + 0.5) == f(v + 0.5)
    with pytest.raises(TypeError,
                       match=r"more than 8 specializations.*test_jit\.py:\d+.*tg\.where"):
        jf(8.5)


def test_static_arguments_are_part_of_the_signature():
    def power(x, n):
        out = 1.0
        for _ in range(n):
            out = out * x
        return out
    jp = tg.jit(power, static_argnums=1)
    assert jp(2.0, 3) == 8.0 and jp(3.0, 3) == 27.0 and jp.trace_count == 1
    assert jp(2.0, 4) == 16.0 and jp.trace_count == 2
    jk = tg.jit(lambda x, *, mode: x * 2.0 if mode == "double" else x, static_argnames="mode")
    assert jk(3.0, mode="double") == 6.0 and jk(3.0, mode="same") == 3.0
    with pytest.raises(TypeError, match=r"static argument 1 is a list, which is not hashable"):
        tg.jit(lambda x, n: x, static_argnums=1)(1.0, [1, 2])
    with pytest.raises(TypeError, match=r"at s is a str.*static_argnums"):
        tg.jit(lambda x, s: x)(1.0, "a")


def test_keyword_arguments_are_traced_and_ints_stay_ints_as_in_eager():
    f = tg.jit(lambda x, *, scale: x * scale)
    assert f(2.0, scale=3.0) == 6.0 and f(2.0, scale=4.0) == 8.0 and f.trace_count == 1
    g = tg.jit(lambda x: x * 3)
    assert g(2) == 6 and type(g(2)) is int and g(5) == 15 and g.trace_count == 1
    h = tg.jit(lambda x: x / 2)
    assert h(3) == 1.5 and type(h(3)) is float


def test_side_effects_happen_when_traced():
    calls = []
    f = tg.jit(lambda x: (calls.append(1), x + 1.0)[1])
    f(1.0)
    f(2.0)
    assert calls == [1]


def test_threads_share_one_jitted_function():
    f = tg.jit(lambda x: tg.sin(x) * x if x > 0 else x * x)
    out: dict = {}

    def work(k):
        out[k] = [f(float(v)) for v in range(-5, 6)]
    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    want = [math.sin(v) * v if v > 0 else v * v for v in range(-5, 6)]
    assert all(out[k] == want for k in range(4)) and f.trace_count <= 8


def test_an_exception_inside_a_jitted_function_leaves_no_state():
    def f(x, fail):
        if fail:
            raise ValueError("inside")
        return x * 2.0
    jf = tg.jit(f, static_argnums=1)
    with pytest.raises(ValueError, match="inside"):
        jf(1.0, True)
    assert jf(1.0, False) == 2.0 and jf.trace_count == 1
    assert tg.grad(lambda x: x * x)(3.0) == 6.0


def test_escaped_tracers_from_jit_raise():
    kept = []
    jf = tg.jit(lambda x: (kept.append(x), x * 2.0)[1])
    jf(1.0)
    with pytest.raises(tg.EscapedTracerError):
        kept[0] + 1.0


def test_lower_shows_the_source_and_tracebacks_show_its_lines():
    def f(x, y):
        return tg.log(x) * y + x
    src = tg.jit(f).lower(2.0, 3.0).source
    assert "def _entry(L):" in src and "log_" in src and "return [" in src
    def boom(x):
        if x > 5.0:
            raise ValueError("too big")
        return x
    bad = tg.primitive(boom, name="boom")
    jb = tg.jit(lambda x: bad(x) + 1.0)
    assert jb(1.0) == 2.0
    with pytest.raises(ValueError, match="too big") as info:
        jb(10.0)                                       # the compiled code raising
    frames = traceback.extract_tb(info.tb)
    assert any(fr.filename.startswith("<tapegrad.jit") and "boom_" in (fr.line or "")
               for fr in frames)
    assert any(name.startswith("<tapegrad.jit") for name in linecache.cache)


# ------------------------------------------------------- composition
def test_jit_composes_with_every_transform():
    f = lambda x: tg.tanh(x) * x ** 2 if x > 0 else tg.sin(x)
    for x in (0.7, -0.4):
        assert tg.grad(tg.jit(f))(x) == tg.grad(f)(x)
        assert tg.jit(tg.grad(f))(x) == tg.grad(f)(x)
        assert tg.jit(tg.value_and_grad(f))(x) == tg.value_and_grad(f)(x)
        assert tg.hessian(tg.jit(f))(x) == tg.hessian(f)(x)
        assert tg.jvp(tg.jit(f), (x,), (1.0,)) == tg.jvp(f, (x,), (1.0,))
        assert tg.jit(tg.jit(f))(x) == tg.value_and_grad(f)(x)[0]
        # a jitted call on a tape is one record, which replays to f's value
        tape = tg.make_tape(tg.jit(f))(x)
        assert [r.prim.name for r in tape if r.prim is not None] == ["jit_<lambda>"]
        assert tape(x) == f(x) and tape(-x) == f(-x)
    # TRAPS rows 1, 1b, 1c through jit
    assert tg.jit(tg.grad(lambda x: x * tg.grad(lambda y: x + y)(1.0)))(1.0) == 1.0
    assert tg.jit(tg.grad(lambda x: tg.grad(lambda y: y * (x - y))(x)))(1.0) == -1.0
    assert tg.grad(tg.jit(lambda x: tg.grad(lambda y: y * (x - y))(x)))(1.0) == -1.0
    assert tg.jit(tg.grad(lambda x: tg.grad(lambda y: x * y)(2.0)))(3.0) == 1.0


# --------------------------------------------------- TRAPS row 31
def test_jit_of_the_moons_loop_gradient_equals_eager_at_every_sgd_step_with_one_trace():
    X, y = moons.make_moons()
    loss = lambda p: moons.loss_fn(p, X, y, "loop")[0]
    value_and_grad = tg.value_and_grad(loss)
    compiled = tg.jit(value_and_grad)
    params = tg.nn.mlp_init([2, 16, 16, 1], seed=0)
    opt = tg.optim.sgd(tg.optim.linear_schedule(1.0, 0.1, 100))
    state = opt.init(params)
    for _ in range(100):
        got = compiled(params)
        if _ % 10 == 0:               # eager is 45 ms a step: check every tenth
            assert bits(got) == bits(value_and_grad(params))
        updates, state = opt.update(got[1], state, params)
        params = tg.optim.apply_updates(params, updates)
    assert compiled.trace_count == 1
    assert bits(compiled(params)) == bits(value_and_grad(params))


# ------------------------------------------------------------ passes
def listing(f, *args):
    return from_tape(tg.make_tape(f)(*args))


def test_dce_drops_what_no_output_or_guard_needs():
    def f(x):
        unused = tg.exp(x)                             # noqa: F841
        if x > 0:
            return x * 2.0
        return x
    prog = listing(f, 1.0)
    assert str(dce(prog)) == "v0 = input\nv2 = gt v0 0\nguard v2 == True\nv4 = mul v0 2.0\n" \
                             "outputs: v4"


def test_cse_reuses_the_first_of_equal_equations():
    prog = listing(lambda x: tg.sin(x) * 2.0 + tg.sin(x) * 2.0 + tg.sin(x) * -0.0 +
                   tg.sin(x) * 0.0, 1.0)
    assert str(dce(cse(prog))) == (
        "v0 = input\nv1 = sin v0\nv2 = mul v1 2.0\nv5 = add v2 v2\nv7 = mul v1 -0.0\n"
        "v8 = add v5 v7\nv10 = mul v1 0.0\nv11 = add v8 v10\noutputs: v11")


def test_identities_keep_only_exact_rewrites():
    prog = listing(lambda x: (x * 1.0 + 0.0) / 1.0 - 0.0 + x * 0.0 - -0.0, 1.0)
    assert str(dce(identities(prog))) == (
        "v0 = input\nv2 = add v0 0.0\nv5 = mul v0 0.0\nv6 = add v2 v5\nv7 = sub v6 -0.0\n"
        "outputs: v7")


def test_fold_computes_constant_equations():
    from tapegrad.staging.program import Const, Eqn, Program
    prog = Program((0,), (Eqn(tg.exp, 1, (Const(0.0),), 1.0),
                          Eqn(tg.logaddexp, 2, (0, 1), 0.0)), (2,), {}, (0.0,))
    assert str(fold(prog)) == "v0 = input\nv2 = logaddexp v0 1.0\noutputs: v2"


SPECIAL = [0.0, -0.0, math.inf, -math.inf, math.nan, 1.0, -1.0, 1e-310, 2.5, -3.0]


@settings(max_examples=150, deadline=None, derandomize=bool(os.environ.get("CI")))
@given(program(3), st.sampled_from(SPECIAL), st.sampled_from(SPECIAL),
       st.sampled_from(SPECIAL), st.sampled_from(SPECIAL))
def test_all_passes_together_are_exact_bit_for_bit(e, x0, y0, x1, y1):
    f = build(e, [])
    for fun in (f, tg.grad(f, argnums=(0, 1))):
        tape = tg.make_tape(fun)(x0, y0)
        plain, passed = (np.errstate(all="ignore")(lower(p).fn)      # IEEE, as jit runs it
                         for p in (from_tape(tape), optimize(from_tape(tape))))
        try:
            want = plain([x1, y1])
        except Exception as err:                       # a guard, or the impl's own error
            with pytest.raises(type(err)):
                passed([x1, y1])
            continue
        assert bits(passed([x1, y1])) == bits(want)


def test_a_large_program_compiles_in_chunks():
    steps = random.Random(0).choices("ams", k=60_000)    # no loop to roll: random steps

    def chain(x):
        for step in steps:
            x = x * 1.0001 if step == "m" else x + 0.0001 if step == "a" else tg.sin(x)
        return x
    jc = tg.jit(chain)                               # 6 x 10^4 records, 2 x 10^4 statements
    tracemalloc.start()
    source = jc.lower(1.0).source
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert source.count("def _chunk") >= 2           # compiled a chunk at a time
    assert peak < 180e6, peak                         # about 2 KB a record, chunked
    assert jc(1.0) == tg.value_and_grad(chain)(1.0)[0]
    assert jc(2.0) == tg.value_and_grad(chain)(2.0)[0] and jc.trace_count == 1


def test_the_generated_flattener_misses_on_any_other_structure_or_kind():
    f = tg.jit(lambda p, x: p["w"] * x + p["b"][0])
    assert f({"w": 2.0, "b": [1.0]}, 3.0) == 7.0
    assert f({"w": 2.0, "b": [1.0]}, 4.0) == 9.0 and f.trace_count == 1   # the fast path
    assert f({"w": 2, "b": [1.0]}, 4.0) == 9.0 and f.trace_count == 2     # an int leaf
    assert f({"w": 2.0, "b": (1.0,)}, 4.0) == 9.0 and f.trace_count == 3  # a tuple
    assert np.array_equal(f({"w": np.ones(2), "b": [1.0]}, 4.0), [5.0, 5.0])
    assert f({"w": 2.0, "b": [1.0]}, 5.0) == 11.0 and f.trace_count == 4
    with pytest.raises(KeyError):
        tg.jit(lambda p: p["w"])({"v": 1.0})
    # a list of floats is unpacked at once: another length or kind in it misses too
    g = tg.jit(lambda xs: tg.sum([x * x for x in xs]))
    assert g([1.0, 2.0, 3.0]) == 14.0 and g([2.0, 2.0, 2.0]) == 12.0 and g.trace_count == 1
    assert g([1.0, 2, 3.0]) == 14.0 and g.trace_count == 2
    assert g([1.0, 2.0]) == 5.0 and g.trace_count == 3
    assert g((1.0, 2.0, 3.0)) == 14.0 and g.trace_count == 4
    assert g([1.0, np.float64(2.0), 3.0]) == 14.0 and g.trace_count == 5


# ---------------------------------------- array spellings, bit for bit
ARRAY_PROGRAMS = [
    lambda x, w: tg.sum(tg.relu(x) * w),
    lambda x, w: tg.sum(tg.relu(x @ np.ones((8, 3))) * w[:3]),
    lambda x, w: tg.mean(tg.maximum(x * w, 0.0)) + 1e-4 * tg.sum(x * x),
    lambda x, w: tg.sum(tg.where(x > 0, x * w, 0.0)) + tg.sum(tg.exp(x) / (w + 1.0)),
    lambda x, w: tg.sum(tg.reshape(x, (2, 4)).T @ tg.reshape(w, (2, 4))),
]


@pytest.mark.parametrize("k", range(len(ARRAY_PROGRAMS)))
def test_array_spellings_are_exact_bit_for_bit(k):
    f = ARRAY_PROGRAMS[k]
    rng = np.random.default_rng(k)
    for _ in range(20):
        x = rng.choice(np.array(SPECIAL), size=8)
        w = rng.choice(np.array(SPECIAL), size=8)
        g = tg.value_and_grad(f, argnums=(0, 1))
        assert bits(tg.jit(g)(x, w)) == bits(g(x, w))


def test_a_primitive_whose_impl_is_unhashable_compiles():
    class Scale:                       # a callable with __eq__ and no __hash__
        def __eq__(self, other):
            return isinstance(other, Scale)

        def __call__(self, x):
            return 3.0 * x
    p = tg.primitive(Scale(), name="scale")
    tg.defvjp(p, lambda g, ans, x: 3.0 * g)
    f = tg.jit(lambda x: p(x) + 1.0)
    assert f(2.0) == 7.0 and f(3.0) == 10.0 and tg.jit(tg.grad(lambda x: p(x)))(2.0) == 3.0


def test_a_float_parameter_over_an_array_sums_its_gradient_exactly():
    f = lambda a, x: tg.sum(tg.relu(a * x + 1.0) * x) + tg.mean(tg.tanh(a * x))
    g = tg.value_and_grad(f, argnums=(0, 1))
    source = tg.jit(g).lower(1.5, np.ones(8)).source
    assert "_zmul_sum(" in source                     # one reduction for the sum of a zmul
    rng = np.random.default_rng(0)
    for a in SPECIAL:
        for _ in range(10):
            x = rng.choice(np.array(SPECIAL), size=8)
            assert nan_bits(tg.jit(g)(a, x)) == nan_bits(g(a, x))


def nan_bits(tree):
    """As bits, a nan's sign and payload aside (API.md): a zero's sign still counts."""
    return [np.where(np.isnan(x), np.nan, x).tobytes()
            for x in (np.asarray(v, dtype=float) for v in tg.tree.leaves(tree))]


def test_shapes_only_lets_a_value_read_for_its_shape_go():
    # grad of sum(0.1 * x**2 ...): broadcast_like reads x**2 only for its shape
    f = tg.grad(lambda x: tg.sum(tg.square(x)) * 0.1)
    prog = listing(f, np.ones(3))
    assert "square" in str(dce(prog)).split("outputs")[0]          # read, so kept
    slim = dce(shapes_only(prog))
    assert str(slim).count("square") == 0                          # only its shape was
    x = np.array([1.0, -2.0, 3.0])
    with np.errstate(all="ignore"):
        assert bits(lower(slim).fn([x])) == bits(lower(prog).fn([x]))
    assert "square" not in tg.jit(f).lower(x).source


def test_a_constant_array_output_is_a_fresh_copy_each_call():
    g = tg.jit(tg.grad(lambda x: tg.sum(x)))          # the gradient folds to a constant
    first = g(np.ones(3))
    first[0] = 5.0
    assert g(np.ones(3)).tolist() == [1.0, 1.0, 1.0]
    assert "copy()" in g.lower(np.ones(3)).source
