"""Wrong numbers the random-program fuzzers found, each a small function.

Each runs ``jit`` at trip counts the first trace never saw and compares
with eager Python bit for bit; a ``jit`` that refuses past its bound of
specializations is allowed, a different number is not.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

SPECIALIZATIONS = "needed more than 8 specializations"


def while_then_test(x0):
    """A while loop reading a loop-invariant ``sin``, then a test of its result (seed 10405)."""
    s = x0
    u = x0 * 0.5 - 0.25
    w = x0
    while w < x0 + 1.5:
        w = w + 0.3 + 0.1 * tg.sin(s)
        u = tg.where(s > u, s - u, u * 0.5)
    for _ in range(3):
        if s > u:
            pass
    return s + u + w * 0.1


def while_alone(x0):
    s = x0
    u = x0 * 0.5 - 0.25
    w = x0
    while w < x0 + 1.5:
        w = w + 0.3 + 0.1 * tg.sin(s)
        u = tg.where(s > u, s - u, u * 0.5)
    return s + u + w * 0.1


def trips(x0: float) -> int:
    """How many times the while loop of ``while_then_test`` runs at ``x0``."""
    n, w = 0, x0
    while w < x0 + 1.5:
        w = w + 0.3 + 0.1 * float(np.sin(x0))
        n += 1
    return n


@pytest.mark.parametrize("f", [while_then_test, while_alone])
def test_second_derivative_of_a_while_reading_an_invariant_under_jit(f):
    # grad(grad) sums the invariant's cotangent once per trip: traced at 5 trips,
    # jit must not reuse that sum at 7 or 8
    h = tg.grad(tg.grad(f))
    jh = tg.jit(h)
    points = [0.0, -1.0, -1.2, 3.1, -0.5, np.int64(-1), 1.0]
    assert len({trips(float(x)) for x in points}) >= 3
    for x in points:
        want = h(x)
        try:
            got = jh(x)
        except TypeError as e:
            assert SPECIALIZATIONS in str(e)
            continue
        assert np.asarray(got).tobytes() == np.asarray(want).tobytes(), (x, got, want)


def sin_rational(v):
    return v / (1.0 + v * v)


def while_with_a_max(x0):
    """A while loop whose ``maximum`` changes sides in some examples' late trips (seed 10634)."""
    s = x0
    u = x0 * 0.5 - 0.25
    w = x0
    while w < x0 + 1.5:
        w = w + 0.3 + 0.1 * sin_rational(s)
        x = x0 * 0.25
        s = tg.maximum(s, u * 0.5)
        s = s * 0.9 + x
        u -= 0.25 * s
    return s + u + w * 0.1


def test_vmap_grad_of_a_while_whose_max_changes_sides_late_equals_a_python_loop():
    # traced at 5 trips; the second example runs 6 on one side, the third 6 on both
    g = tg.grad(while_with_a_max)
    x0s = np.array([0.1384521099361963, -1.883319958842225, -0.06763660578415437])
    want = np.array([g(x) for x in x0s])
    assert np.asarray(tg.vmap(g)(x0s)).tobytes() == want.tobytes()


def test_a_branching_while_before_a_for_with_a_break_compiles_and_equals_eager(tmp_path):
    # seed 11630: jit raised AttributeError('Branchy' object has no attribute 'period')
    import importlib.util
    import pathlib
    import sys
    sys.path.insert(0, str(pathlib.Path(__file__).parent))
    import test_loopfuzz
    src, _ = test_loopfuzz.random_program(11630)
    path = tmp_path / "prog11630.py"
    path.write_text("import tapegrad as tg\nimport numpy as np\n" + src)
    spec = importlib.util.spec_from_file_location("prog11630", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    f = module.f
    for x0, xs in [(-0.3987837933516102, [0.08133591101073134, -0.36813359084436326]),
                   (-0.9368465114918119, [0.134834963663179, 1.2084854138539356,
                                          -0.650137375515066])]:
        assert repr(tg.jit(f)(x0, xs)) == repr(f(x0, xs))
        assert repr(tg.grad(tg.jit(f))(x0, xs)) == repr(tg.grad(f)(x0, xs))


def numpy_scalars_beside_float32(x0):
    """``a[0]`` and ``np.sum(a)`` of a float64 array meet a float32 (seed 12036, wide)."""
    a = x0 * np.array([1.0, 0.5, -0.5])
    return x0 + a[0] + np.sum(a) * 0.1


def numpy_scalar_after_a_while(x0):
    s = x0
    w = x0
    a = x0 * np.array([1.0, 0.5, -0.5]) + 0.25
    while w < x0 + 1.5:
        w = w + 0.3 + 0.1 * s / (1.0 + s * s)
        a = np.minimum(a, s) + np.array([0.1, 0.2, 0.3])
    return s + np.sum(a) * 0.1


def same_bits(got, want):
    return type(got) is type(want) and np.asarray(got).tobytes() == np.asarray(want).tobytes()


@pytest.mark.parametrize("f", [numpy_scalars_beside_float32, numpy_scalar_after_a_while])
def test_a_numpy_float64_scalar_beside_a_float32_is_float64_as_in_eager(f):
    # eager: np.float32 + np.float64 is float64; the recording held a float (float32 there)
    jf = tg.jit(f)
    for x in (0.3, -1.25, 2.5, 0.0, -0.7):
        x = np.float32(x)
        want = f(x)
        assert same_bits(jf(x), want), (x, jf(x), want)
        assert same_bits(tg.make_tape(f)(x)(x), want)
    xs = np.array([0.3, -1.25, 2.5], dtype=np.float32)
    want = np.array([f(x) for x in xs])
    assert same_bits(tg.vmap(tg.jit(f))(xs), want)
    assert same_bits(tg.vmap(f)(xs), want)


def scan_of_float64_steps(x0, x):
    """A float32 carry stepped by float64 ``xs``: each step a float in eager (seed 12018, wide)."""
    s, ys = tg.scan(lambda c, y: (c * 0.9 + y * x, c * y), x0, np.arange(3) * 0.1)
    return s + tg.sum(ys) * 0.5


def test_vmap_of_a_scan_whose_float64_steps_meet_a_float32_carry_equals_a_python_loop():
    x0s = np.random.default_rng(0).normal(size=40).astype(np.float32)
    x = np.float32(0.3301)
    want = np.array([scan_of_float64_steps(a, x) for a in x0s])
    assert same_bits(tg.vmap(scan_of_float64_steps, in_axes=(0, None))(x0s, x), want)
    rows = x0s[::-1].copy()
    want = np.array([scan_of_float64_steps(a, b) for a, b in zip(x0s, rows)])
    assert same_bits(tg.vmap(scan_of_float64_steps)(x0s, rows), want)
    g = tg.grad(scan_of_float64_steps)
    assert same_bits(tg.vmap(g, in_axes=(0, None))(x0s, x), np.array([g(a, x) for a in x0s]))


def rise(s, t, w):
    """A while loop in a helper whose ``t`` is a Python number stepped unseen."""
    while w < 2.0:
        w = w + 0.3 + 0.1 * tg.sin(s)
        t = t * 0.5 + 1.0
    return s, t, w


def rise_in_a_helper(x0):
    """The helper called twice with a Python ``t`` (seed 12079, wide)."""
    s, t, w = rise(x0, 0.5, x0)
    s, t, w = rise(s, t, w)
    return t + w * 0.1


def test_a_while_in_a_helper_stepping_a_python_argument_equals_eager():
    # traced at 12 trips, jit rolled the loop and kept t of 12 trips for every count
    jf = tg.jit(rise_in_a_helper)
    xs = [-0.531347030271909, -1.3089204259528187, -0.6574161652932936, 0.10378532609618513,
          -0.20053396254001246, -1.79772, -2.79436]
    for x in xs:
        try:
            got = jf(x)
        except TypeError as e:
            assert SPECIALIZATIONS in str(e)
            continue
        assert same_bits(got, rise_in_a_helper(x)), x


def test_a_tangent_has_the_outputs_dtype_and_a_gradient_the_inputs():
    # seed 12138, wide: a float32 x0 beside float64 arrays gives a float64 output; the
    # fuzzer's jvp~grad compared the float64 tangent with the float32 gradient by dtype
    import pathlib
    import sys
    sys.path.insert(0, str(pathlib.Path(__file__).parent))
    import test_loopfuzz
    x0 = np.float32(1.5543809)
    y, dy = tg.jvp(numpy_scalars_beside_float32, (x0,), (np.float32(1.0),))
    g = tg.grad(numpy_scalars_beside_float32)(x0)
    assert np.asarray(y).dtype == np.asarray(dy).dtype == np.float64
    assert np.asarray(g).dtype == np.float32
    assert g == np.float32(dy)
    fuzz = test_loopfuzz.Fuzz()
    f = lambda x, xs: numpy_scalars_beside_float32(x)    # noqa: E731 - the fuzzer's f(x0, xs)
    fj = test_loopfuzz.along_x0(f)
    fuzz.forward("numpy_scalars_beside_float32", fj, tg.jit(fj), x0, [], g)
    assert not fuzz.failures, fuzz.failures


def while_left_by_break(x0, xs):
    """Each ``for`` iteration steps ``w`` once while it is below 2 (seed 14686)."""
    s = x0
    w = x0
    for _ in xs:
        while w < 2.0:
            w = w + 0.3 + 0.1 * tg.sin(s)
            break
    return w * s


def while_left_by_a_python_test(x0, xs):
    s = x0
    w = x0
    k = 0
    for _ in xs:
        while w < 2.0:
            w = w + 0.3 + 0.1 * tg.sin(s)
            if k % 2 == 0:
                break
    return w * s


def while_true_left_by_two_breaks(x0, xs):
    s = x0
    w = x0
    k = 0
    for _ in xs:
        while True:
            w = w + 0.3 + 0.1 * tg.sin(s)
            if w > 2.0:
                break
            if k == 0:
                break
    return w * s


def central_difference(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize("f", [while_left_by_break, while_left_by_a_python_test,
                               while_true_left_by_two_breaks])
@pytest.mark.parametrize("length", [4, 5])
def test_a_while_whose_run_a_break_the_tape_does_not_show_ends_equals_eager(f, length):
    # traced where w crosses 2 in the for loop's last iteration, the tests looked like one
    # run of the while: jit rolled it into one running until w >= 2 (w = 2.08 at x0 = -3.32,
    # where the five iterations of the for step it to -1.41 only)
    xs = [0.1] * length
    points = [0.684251114044901, 0.30351796536961795, -3.3200910115170643, 1.0, -1.0, 0.0,
              -2.0, -5.0, 1.4116995083234838]
    g = tg.grad(f)
    for make, eager in ((tg.jit, f), (lambda f: tg.jit(tg.grad(f)), g),
                        (lambda f: tg.grad(tg.jit(f)), g)):
        fun = make(f)
        for x in points:
            try:
                got = fun(x, xs)
            except TypeError as e:
                assert SPECIALIZATIONS in str(e)
                continue
            assert same_bits(got, eager(x, xs)), (x, got, eager(x, xs))
    for x in points:
        want = central_difference(lambda v: f(v, xs), x)
        assert abs(g(x, xs) - want) <= 1e-6 * max(1.0, abs(want)), x
    v = np.array(points)
    assert same_bits(tg.vmap(f, in_axes=(0, None))(v, xs), np.array([f(x, xs) for x in v]))
    assert same_bits(tg.vmap(g, in_axes=(0, None))(v, xs), np.array([g(x, xs) for x in v]))


def while_beside_a_halving_range(x0, xs):
    """A while loop's backward pass and a ``range`` loop's alike after sharing (seed 15514).

    The cotangent of ``p`` halves once a trip, as the ``range`` loop's of ``s``
    does each step: shared, the rolled backward while read the ``range``
    loop's list, and after it the entry at the traced trip count.
    """
    s = x0
    p = (x0, 0.5)
    w = x0
    while w < x0 + 1.5:
        w = w + 0.3 + 0.1 * tg.sin(s)
        for x in xs:
            s = s + x
            p = (p[1] + s, p[0] * 0.5)
    for _ in range(20):
        s *= 0.5
    return s + p[0] + w * 0.1


def while_trips(x0: float, xs: list[float]) -> int:
    """How many times the while loop of ``while_beside_a_halving_range`` runs."""
    n, s, w = 0, x0, x0
    while w < x0 + 1.5:
        w, n = w + 0.3 + 0.1 * float(np.sin(s)), n + 1
        s = s + sum(xs)
    return n


def test_grad_of_a_while_beside_a_range_loop_under_jit_at_other_trip_counts():
    # traced at 6 trips: x0's cotangent through p[0] is 0.5 ** trips, not 0.5 ** 6
    g = tg.grad(while_beside_a_halving_range, argnums=(0, 1))
    jg, gj = tg.jit(g), tg.grad(tg.jit(while_beside_a_halving_range), argnums=(0, 1))
    points = [(1.0347027626901462, [-1.0060395477158048, -0.02624081263330922]),
              (0.7608609909045333, [-1.0625428022796208, 0.7481873011355837]),
              (0.5, [0.3, -0.2]), (0.5, [-1.0, 0.5]), (0.5, [1.0, 0.5]), (0.2, [-2.0, 0.1])]
    assert len({while_trips(x0, xs) for x0, xs in points}) >= 2
    for x0, xs in points:
        want = g(x0, xs)
        for got in (jg(x0, xs), gj(x0, xs)):
            assert np.asarray(got[0]).tobytes() == np.asarray(want[0]).tobytes(), (x0, xs)
            assert np.asarray(got[1]).tobytes() == np.asarray(want[1]).tobytes(), (x0, xs)
        h = 1e-6
        fd = (while_beside_a_halving_range(x0 + h, xs)
              - while_beside_a_halving_range(x0 - h, xs)) / (2 * h)
        assert abs(want[0] - fd) <= 1e-6 * max(1.0, abs(fd)), (x0, xs)


_X0S_15027 = np.array([-1.579831770876352, -2.317104095744439, 4.199291999244016,
                       -1.7196170007869334])
_XS_15027 = [np.array([1.6336195989650562, -0.5415844007770171, -0.4289775247562035,
                       -0.28212825357526394]),
             np.array([1.5662919238891453, 1.627360487554623, 0.04723594344581856,
                       -0.5997751336286198])]


def test_vmap_of_program_15027_equals_a_python_loop() -> None:
    from test_loopfuzz import Rational, build, random_program
    f = build(random_program(15027)[0], Rational)
    want = np.array([f(x0, [c[b] for c in _XS_15027]) for b, x0 in enumerate(_X0S_15027)])
    got = tg.vmap(f)(_X0S_15027, _XS_15027)
    assert np.asarray(got).tobytes() == want.tobytes()


def rebound_in_a_while(x0, xs):
    """A while whose body binds ``x`` to an element of ``xs``, read after it (seed 15027)."""
    w, x = x0, 0.3
    while w < 3.0:
        w = w + 0.5 * tg.sin(w) + 0.5
        for x in xs:     # noqa: B007  (the binding is what is read after the loop)
            pass
    return w * x


@pytest.mark.parametrize("grad", [False, True])
def test_vmap_of_a_while_that_never_ran_reads_what_its_body_binds_from_before(grad):
    # traced at 6 trips and confirmed by a probe at 4, the while ran on the next batch at 0
    # trips too: x, bound to xs[1] with no equation on the tape, read 5.0 there, not 0.3
    # (20.0 for 4.0 where a loop gives 1.2); an example that ran no iteration is probed
    f = tg.grad(rebound_in_a_while) if grad else rebound_in_a_while
    g = tg.vmap(f)
    for x0 in (np.array([0.0, 1.0]), np.array([0.0, 4.0]), np.array([4.5, 0.0, 5.0, 1.0])):
        xs = [x0 * 0 + 2.0, x0 * 0 + 5.0]
        want = np.array([f(a, [c[b] for c in xs]) for b, a in enumerate(x0)])
        assert np.asarray(g(x0, xs)).tobytes() == want.tobytes(), x0


# jvp's output tangent was cast to the output's dtype only where that is narrower:
# a float32 input beside a float64 constant array gave a float64 output with a
# float32 tangent (seed 12395, wide: np.minimum(a, u) + np.array([0.1, 0.2, 0.3])).
def test_jvp_tangent_has_the_dtype_of_its_float64_output() -> None:
    x = np.float32(0.3)
    out, tangent = tg.jvp(lambda x: x + np.array([0.1, 0.2]), (x,), (np.float32(1.0),))
    assert np.asarray(out).dtype == np.float64
    assert np.asarray(tangent).dtype == np.asarray(out).dtype
    np.testing.assert_array_equal(tangent, np.ones(2))
    jout, jtangent = tg.jit(lambda x: tg.jvp(lambda x: x + np.array([0.1, 0.2]), (x,),
                                             (np.float32(1.0),)))(x)
    assert np.asarray(jtangent).tobytes() == np.asarray(tangent).tobytes()
    assert np.asarray(jtangent).dtype == np.float64


@pytest.mark.parametrize("seed", [461, 494])
def test_float32_list_programs_where_a_cotangent_is_zero_equal_eager(seed):
    # a zero cotangent (a branch not taken) times a float32 partial: eager's zmul once gave
    # an np.float32 zero where jit's code gives 0.0, so jit(grad) and vmap(grad) rounded
    # apart from eager grad and the loop (loop fuzzer list seeds 461, 494)
    from test_loopfuzz import Fuzz, random_program, report
    fuzz = Fuzz()
    src, dtype = random_program(seed, lists=True)
    fuzz.program(src, dtype, seed)
    assert not fuzz.failures, report(fuzz) + "\n" + fuzz.failures[0]


def subtract_in_place(x0, xs):
    """``u -= ...`` on the 0-d float32 array ``tg.where`` gives, ``s`` float64 later (list
    seed 446, reduced)."""
    s = x0
    u = x0 * 0.5 - 0.25
    t = 0.5
    zs = []
    q = tg.stack([x0 * 0.5, 0.25, -x0 * 1.0])     # float64: a Python float among float32s
    for _ in range(20):
        if s > u:
            zs.append(np.dot(q, q))
        s = s + (zs[-1] * 0.1 if zs else 0.0)     # float64 once zs has a float64
        if t < 1.0:
            t += 0.25
            u = tg.where(s > u, s - u, u * 0.5)
        u -= 0.25 * s
        s = s + t * 0.1
    return s + u + t


def where_then_in_place(x0):
    """Seed 576's (lists) reduced: a 0-d array ``u`` of ``x0``'s dtype, a float64 ``s``."""
    u = tg.where(x0 > 0.0, x0, x0 * 0.5)
    s = x0 + np.dot(tg.stack([x0, 0.25]), tg.stack([x0, 0.25])) * 0.01
    u -= 0.25 * s
    u *= np.float64(1.5)
    return u


@pytest.mark.parametrize("seed", [446, 576])
def test_float32_list_programs_subtracting_in_place_from_an_array_equal_eager(seed):
    # NumPy writes u -= v into the array u: float32 stays float32; a traced u was rebound
    # to u - v, float64, so vmap was a float32 ulp off the loop (loop fuzzer list seeds)
    from test_loopfuzz import Fuzz, random_program, report
    fuzz = Fuzz()
    src, dtype = random_program(seed, lists=True)
    fuzz.program(src, dtype, seed)
    assert not fuzz.failures, report(fuzz) + "\n" + fuzz.failures[0]


def test_vmap_of_subtracting_in_place_from_a_float32_array_equals_a_python_loop():
    x0s = np.array([-1.0046333, -0.7901328, 2.2853, 1.8268982, -1.8964864], np.float32)
    want = np.stack([subtract_in_place(x, []) for x in x0s])
    assert same_bits(tg.vmap(subtract_in_place)(x0s, []), want)


@pytest.mark.parametrize("x", [np.float32(0.3), np.float32(-1.25), 0.7, np.float64(-0.4)])
def test_an_in_place_operator_on_a_traced_array_keeps_its_dtype_and_type(x):
    f = where_then_in_place
    want = f(x)
    assert np.asarray(want).dtype == np.asarray(x).dtype     # NumPy's: float32 stays float32
    assert same_bits(tg.jit(f)(x), want)
    value, grad = tg.value_and_grad(f)(x)
    assert same_bits(value, want)
    jvalue, jgrad = tg.jit(tg.value_and_grad(f))(x)
    assert same_bits(jvalue, value) and same_bits(jgrad, grad)
    assert same_bits(tg.vmap(f)(np.array([x, x])), np.stack([want, want]))
    assert same_bits(tg.vmap(tg.grad(f))(np.array([x, x])), np.stack([grad, grad]))
    h, tol = (1e-3, 1e-3) if isinstance(x, np.float32) else (1e-6, 1e-7)
    fd = (float(f(np.float64(x) + h)) - float(f(np.float64(x) - h))) / (2 * h)
    assert abs(float(grad) - fd) <= tol * max(1.0, abs(fd))


@pytest.mark.parametrize("bad", [np.ones((2, 2)), 0.5])
def test_an_in_place_operator_refuses_what_numpy_refuses(bad):
    # a broadcast shape that is not the array's, a float into an integer array
    def f(x0):
        u = tg.where(x0 > 0.0, x0, x0) * np.ones(2) if np.ndim(bad) else (
            np.arange(2) + (x0 > 0.0))
        u += bad
        return tg.sum(u * x0)
    error = ValueError if np.ndim(bad) else TypeError      # NumPy's UFuncTypeError is one
    with pytest.raises(error) as eager:
        f(0.3)
    with pytest.raises(error) as traced:
        tg.grad(f)(0.3)
    assert str(traced.value) == str(eager.value)


def clipped_after_a_tie(x0, x1):
    """List seed 618 reduced (``tg.sin``/``tg.exp`` as the fuzzer's rational stand-ins)."""
    s = x0
    u = x0 * 0.5 - 0.25
    for _ in range(2):
        u = tg.where(s > u, s - u, u * 0.5)
        s = tg.maximum(s, u * 0.5)          # a tie at the second example
    u = 1.0 / (1.0 + (s * s) ** 2) + u * 0.5
    return np.clip(u + x1 * np.float64(0.5), -1.5, 1.5)     # saturated at the first


@pytest.mark.xfail(strict=True, reason="vmap plays the batch with the float types of the "
                   "example it traced: where np.clip saturates there, the cotangent is zmul's "
                   "Python 0.0 (tests/test_vmap_float64_examples.py ZERO_TYPE), weak, so the "
                   "batch rounds in float32 where the other example's eager cotangent is an "
                   "np.float64: one float32 ulp off the loop (list seed 618); traced at the "
                   "other example it holds, and jit(grad(grad)), which runs zmul per call, too")
def test_vmap_of_a_second_derivative_traced_where_a_clip_saturates_is_the_loop():
    h = tg.grad(tg.grad(clipped_after_a_tie))
    x0s = np.array([-1.3927966, -0.14215776], np.float32)
    x1s = np.array([1.311818, -1.7914412], np.float32)
    want = np.stack([h(a, b) for a, b in zip(x0s, x1s)])
    assert same_bits(tg.vmap(h)(x0s[::-1], x1s[::-1]), want[::-1])    # traced at the tie
    assert same_bits(tg.vmap(h)(x0s, x1s), want)
