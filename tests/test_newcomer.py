"""A first hour with tapegrad: the mistakes a newcomer makes get messages that
name the problem, the place and the fix; what the docs promise holds."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import numpy as np
import pytest

import tapegrad as tg

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


# ------------------------------------------------ a rule of the wrong arity
def _cube():
    return tg.primitive(lambda x: x ** 3, name="cube")


def test_defvjp_with_autograds_curried_rule_says_the_form_and_the_alternative():
    with pytest.raises(TypeError) as e:
        tg.defvjp(_cube(), lambda ans, x: lambda g: g * 3 * x ** 2)
    msg = str(e.value)
    assert "rule for input 0 of 'cube' takes (ans, x)" in msg
    assert "called as rule(g, ans, x)" in msg
    assert "autograd's curried form" in msg and "tapegrad.extend.defvjp" in msg


def test_the_fix_the_defvjp_message_names_works():
    cube = _cube()
    tg.defvjp(cube, lambda g, ans, x: g * 3 * x ** 2)
    assert tg.grad(cube)(2.0) == 12.0                                 # 3 x^2 at 2


def test_defjvp_and_defpartials_rules_missing_an_argument_are_refused_when_given():
    with pytest.raises(TypeError, match=r"takes \(t, x\), but it is called as rule\(t, ans, x\)"):
        tg.defjvp(_cube(), lambda t, x: t * 3 * x ** 2)
    with pytest.raises(TypeError, match=r"takes \(x\), but it is called as rule\(ans, x\)"):
        tg.defpartials(_cube(), lambda x: 3 * x ** 2)


def test_a_rule_must_take_an_input_that_has_a_default():
    power = tg.primitive(lambda x, k=2: x ** k, name="power")
    with pytest.raises(TypeError) as e:
        tg.defvjp(power, lambda g, ans, x: g * 2 * x)
    assert "called as rule(g, ans, x, k)" in str(e.value)
    assert "autograd" not in str(e.value)                # its first argument is g already


def test_rules_taking_star_args_or_defaults_are_accepted():
    cube = _cube()
    tg.defvjp(cube, lambda g, ans, *args: g * 3 * args[0] ** 2)
    tg.defjvp(cube, lambda t, ans, x, unused=None: t * 3 * x ** 2)
    assert tg.grad(cube)(2.0) == 12.0 and tg.jvp(cube, (2.0,), (1.0,)) == (8.0, 12.0)


def test_autograds_form_through_extend_still_works():
    from tapegrad.extend import defvjp, primitive
    cube = primitive(lambda x: x ** 3)
    defvjp(cube, lambda ans, x: lambda g: g * 3 * x ** 2)
    assert tg.grad(cube)(2.0) == 12.0


def test_check_grads_of_a_primitive_with_one_modes_rules_names_the_modes_option():
    cube = _cube()
    tg.defvjp(cube, lambda g, ans, x: g * 3 * x ** 2)
    with pytest.raises(NotImplementedError) as e:
        tg.check_grads(cube, (2.0,))
    assert "no jvp rule" in str(e.value) and "modes=('rev',)" in str(e.value)
    tg.check_grads(cube, (2.0,), modes=("rev",))                        # the fix it names
    square = tg.primitive(lambda x: x * x, name="square")
    tg.defjvp(square, lambda t, ans, x: 2.0 * t * x)
    with pytest.raises(NotImplementedError, match=r"no vjp rule.*modes=\('fwd',\)"):
        tg.check_grads(square, (2.0,))
    tg.check_grads(square, (2.0,), modes=("fwd",))


# ------------------------------------------------ argnums naming a keyword argument
def test_argnums_past_the_positional_arguments_says_keywords_are_not_differentiated():
    scaled = lambda x, scale=2.0: x * scale
    with pytest.raises(ValueError) as e:
        tg.grad(scaled, argnums=1)(1.0, scale=3.0)
    assert "argnums=1" in str(e.value) and "1 positional argument(s)" in str(e.value)
    assert "keyword arguments are never differentiated" in str(e.value)
    assert tg.grad(scaled, argnums=1)(1.0, 3.0) == 1.0                 # by position: d/ds x*s


# ------------------------------------------------ an optimizer's state keeps its types
@pytest.mark.parametrize("make", [lambda: tg.optim.adam(0.1),
                                  lambda: tg.optim.sgd(0.1, momentum=0.9)])
def test_a_jitted_step_on_numpy_scalar_parameters_traces_once_and_equals_eager(make):
    X = np.linspace(-1.0, 1.0, 16)
    Y = 2.0 * X + 1.0
    opt = make()
    loss = lambda p: tg.mean((p["w"] * X + p["b"] - Y) ** 2)

    def step(p, s):
        u, s = opt.update(tg.grad(loss)(p), s, p)
        return tg.optim.apply_updates(p, u), s
    jstep = tg.jit(step)
    p0 = {"w": np.float64(0.0), "b": np.float64(0.0)}
    eager = compiled = (p0, opt.init(p0))
    for _ in range(20):
        eager, compiled = step(*eager), jstep(*compiled)
    assert tg.tree.leaves(eager) == tg.tree.leaves(compiled)          # bit for bit
    assert jstep.trace_count == 1          # the state's zeros were np.float64 from the start
    assert [type(x) for x in tg.tree.leaves(opt.init(p0))[1:]] == \
        [type(x) for x in tg.tree.leaves(eager[1])[1:]]


# ------------------------------------------------ vmap over a str leaf
def test_vmap_over_a_str_leaf_says_it_is_a_str_and_how_to_leave_it_out():
    params = {"w": np.ones(2), "act": "tanh"}
    with pytest.raises(ValueError) as e:
        tg.vmap(lambda p: p["w"] * 2.0)(params)
    msg = str(e.value)
    assert "p['act'] is a str, not a number or an array" in msg
    assert "shape ()" not in msg and "in_axes=None" in msg
    out = tg.vmap(lambda p: p["w"] * 2.0, in_axes=({"w": 0, "act": None},))(params)
    assert np.array_equal(out, [2.0, 2.0])                            # the fix it names


def test_vmap_over_a_float_keeps_its_shape_message():
    with pytest.raises(ValueError, match=r"axis 0 at b, but that argument has shape \(\)"):
        tg.vmap(lambda a, b: a * b, in_axes=(0, 0))(np.ones(3), 2.0)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="exception notes are Python 3.11's")
def test_a_shape_error_inside_vmap_notes_the_shapes_of_one_example():
    w, X = np.ones(2), np.ones((3, 2))
    per_example = lambda w, x: tg.sum(w * x)
    with pytest.raises(ValueError, match="broadcast") as e:     # in_axes=1: x is (3,)
        tg.vmap(per_example, in_axes=(None, 1))(w, X)
    assert e.value.__notes__ == ["vmap ran <lambda> on one example, each argument "
                                 "without its batch axis: w (2,), x (3,)."]
    out = tg.vmap(per_example, in_axes=(None, 0))(w, X)            # rows: the fix
    assert np.array_equal(out, [per_example(w, x) for x in X])


def test_vmap_over_a_list_of_floats_says_a_list_is_no_batch_and_how_to_stack_it():
    double = lambda x: x * 2.0
    with pytest.raises(ValueError) as e:
        tg.vmap(double)([1.0, 2.0, 3.0])
    assert "at x[0], but that argument has shape ()" in str(e.value)
    assert "never over a list's items" in str(e.value) and "np.array(x)" in str(e.value)
    assert np.array_equal(tg.vmap(double)(np.array([1.0, 2.0, 3.0])), [2.0, 4.0, 6.0])


def test_vmap_over_a_list_of_dicts_names_the_leafwise_stack():
    rows = [{"a": 1.0}, {"a": 2.0}]
    with pytest.raises(ValueError, match=r"tg\.tree\.map\(lambda \*xs: np\.stack\(xs\), \*p\)"):
        tg.vmap(lambda p: p["a"] * 2.0)(rows)
    stacked = tg.tree.map(lambda *xs: np.stack(xs), *rows)           # the fix it names
    assert np.array_equal(tg.vmap(lambda p: p["a"] * 2.0)(stacked), [2.0, 4.0])


def test_vmap_over_a_tuple_of_an_array_and_a_float_gives_no_stacking_advice():
    with pytest.raises(ValueError) as e:
        tg.vmap(lambda a, b: a[0] * b)((np.ones(3), 1.0), np.ones(3))
    assert "at a[1], but that argument has shape ()" in str(e.value)
    assert "stack" not in str(e.value)


# ------------------------------------------------ an if on a traced array
def _sign_sum(x):
    if x > 0:
        return tg.sum(x)
    return -tg.sum(x)


@pytest.mark.parametrize("transform", [tg.grad, tg.jit])
def test_an_if_on_a_traced_array_names_its_line_and_both_fixes(transform):
    with pytest.raises(ValueError) as e:               # and a TypeError
        transform(_sign_sum)(np.array([1.0, -2.0]))
    line = _sign_sum.__code__.co_firstlineno + 1
    assert f"shape (2,) at {__file__}:{line} is ambiguous" in str(e.value)
    assert "tg.where(cond, a, b)" in str(e.value) and "tg.all(cond)" in str(e.value)
    fixed = lambda x: tg.sum(x) if tg.all(x > 0) else -tg.sum(x)      # one branch, reduced
    assert transform(fixed)(np.array([1.0, -2.0])) == (
        1.0 if transform is tg.jit else pytest.approx([-1.0, -1.0]))


# ------------------------------------------------ a replayed guard
def test_a_failing_guard_is_named_as_the_listing_prints_it():
    def step(x):
        if x > 1.0:
            return x * x
        return 2.0 * x
    tape = tg.make_tape(step)(3.0)
    assert "guard v1 == True" in str(tape)
    with pytest.raises(tg.GuardError, match=r"the guard on v1 recorded at .*test_newcomer\.py"):
        tape(0.5)
    assert tape(4.0) == 16.0


# ------------------------------------------------ the docs' Python counter
def test_a_traced_counter_rolls_a_while_loop_and_a_python_counter_retraces():
    def traced_count(x):
        n = 0.0 * x
        while x > 1.0:
            x = x / 2.0
            n += 1.0
        return n

    def python_count(x):
        n = 0.0
        while x > 1.0:
            x = x / 2.0
            n += 1.0
        return n
    traced, python = tg.jit(traced_count), tg.jit(python_count)
    xs = (3.0, 100.0, 1e6, 0.5)                  # halvings to reach 1: 2, 7, 20, 0
    assert [traced(x) for x in xs] == [python(x) for x in xs] == [2.0, 7.0, 20.0, 0.0]
    assert traced.trace_count == 1 and python.trace_count == 4


# ------------------------------------------------ the Dask example without Dask
def test_data_parallel_example_without_dask_says_what_to_install():
    code = ("import runpy, sys\n"
            f"sys.path.insert(0, {str(EXAMPLES)!r})\n"
            "sys.modules['dask'] = sys.modules['distributed'] = None\n"
            "sys.argv = ['data_parallel.py', '--n', '100', '--steps', '1']\n"
            f"runpy.run_path({str(EXAMPLES / 'data_parallel.py')!r}, run_name='__main__')\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "dask and distributed are not installed" in proc.stderr
    assert 'pip install -e ".[dask,examples]"' in proc.stderr
    assert "Traceback" not in proc.stderr
    helped = subprocess.run([sys.executable, str(EXAMPLES / "data_parallel.py"), "--help"],
                            capture_output=True, text=True, timeout=120)
    assert helped.returncode == 0 and "Needs Dask" in helped.stdout


def test_a_counter_passed_traced_to_a_helper_rolls_its_while_loop():
    def halvings(x, n):
        while x > 1.0:
            x = x / 2.0
            n += 1.0
        return n
    jf = tg.jit(lambda x: halvings(x, 0.0 * x))
    assert [jf(x) for x in (3.0, 100.0, 1e6, 0.5)] == [2.0, 7.0, 20.0, 0.0]
    assert jf.trace_count == 1


def test_jit_of_a_dict_with_a_str_leaf_names_a_fix_that_works():
    params = {"w": 1.0, "act": "tanh"}
    with pytest.raises(TypeError) as e:
        tg.jit(lambda p: p["w"] * 2.0)(params)
    assert "p['act'] is a str" in str(e.value)
    assert "argument of its own" in str(e.value)
    jitted = tg.jit(lambda p, act: p["w"] * 2.0 if act == "tanh" else p["w"], static_argnums=1)
    assert jitted({"w": 1.0}, "tanh") == 2.0            # the fix it names works
