"""Array programs, part fourteen: the programs of ``real_programs14.py`` under every transform.

Public code as its authors wrote it (loops, lists, in-place updates, ``while``
with ``break``, early returns, branches on traced values), at three inputs
whose trip counts and branch outcomes differ where the program has them:
``jit`` equals NumPy bit for bit (value, dtype and type) in one trace;
``grad`` agrees with central differences; ``jit(grad)`` equals ``grad`` bit
for bit; ``vmap`` of the value and of ``grad`` equals a Python loop bit for
bit; ``jvp`` returns NumPy's value and ``grad @ v``; the Hessian agrees with
central differences of ``grad``; the programs written with ``tapegrad.scipy``
give SciPy's numbers with SciPy's modules. Then what running them found.
"""

from __future__ import annotations

import numpy as np
import pytest
import real_programs8
import real_programs9
import real_programs10
import real_programs11
import real_programs12
import real_programs13
import real_programs14
import scipy.optimize
import scipy.special
import test_real_programs4 as part_four
import test_real_programs6 as part_six
from conftest import fd
from program_battery import battery, same
from real_programs14 import PROGRAMS

import tapegrad as tg
import tapegrad.scipy.special as tss


def test_there_are_sixty_new_programs() -> None:
    earlier = {*part_four.PROGRAMS, *part_six.PROGRAMS, *real_programs8.PROGRAMS,
               *real_programs9.PROGRAMS, *real_programs10.PROGRAMS, *real_programs11.PROGRAMS,
               *real_programs12.PROGRAMS, *real_programs13.PROGRAMS}
    assert len(PROGRAMS) >= 60 and not set(PROGRAMS) & earlier
    assert sum(c.xs[0].dtype == np.float32 for c in PROGRAMS.values()) >= 2


globals().update(battery(real_programs14, scipy_rtol=1e-12, scipy_programs=6))


# ------------------------------------------------------------ what running them found
def _step_euler(x, v, dt):
    x += v * dt
    v *= 0.5


def _moved_by_a_helper(p):
    x, v = np.zeros_like(p), p.copy()
    seen = []
    for _ in range(3):
        seen.append(x)          # NumPy's list holds the array itself: it sees later steps
        _step_euler(x, v, 0.1)
    return np.sum(x * x) + np.sum(v) + np.sum(seen[0])


def test_an_in_place_step_in_a_helper_moves_the_callers_array() -> None:
    # SimPhys' step_euler(x, v, dt) updates its arguments with +=: the caller's x stayed
    # where it was (a silent wrong value, and a `while x[1] >= 0` that never ended); the
    # write is now made in the traced array itself, as NumPy makes it
    p = np.array([1.0, -2.0, 0.5])
    want = _moved_by_a_helper(p)
    assert same(tg.jit(_moved_by_a_helper)(p), want)
    assert same(tg.vjp(_moved_by_a_helper, p)[0], want)
    g = tg.grad(_moved_by_a_helper)(p)
    np.testing.assert_allclose(g, fd(_moved_by_a_helper, p), rtol=1e-8)
    x_end = p * 0.1 * (1 + 0.5 + 0.25)          # sum(x^2) + sum(v_end) + sum(x_end)
    np.testing.assert_allclose(g, 2 * x_end * 0.175 + 0.125 + 0.175, rtol=1e-14)
    assert same(tg.jit(tg.grad(_moved_by_a_helper))(p), g)
    batch = np.stack([p, -p, p * 2])
    for h in (_moved_by_a_helper, tg.grad(_moved_by_a_helper)):
        assert same(tg.vmap(h)(batch), np.stack([np.asarray(h(b)) for b in batch]))


def test_an_argument_of_the_transform_read_after_its_rebinding_is_refused() -> None:
    # a write into the caller's own array is what NumPy would make; the transform keeps
    # the argument as it came and rebinds the name, so a read of the old array through
    # another name (NumPy would show the change there) is refused, naming the fix
    def f(p):
        q = p
        p += 1.0
        return np.sum(p * q)
    x = np.array([1.0, 2.0])
    with pytest.raises(TypeError, match="may not be written"):
        tg.grad(f)(x)
    assert x.tolist() == [1.0, 2.0]


def test_an_element_read_before_a_write_is_a_number_not_a_view() -> None:
    # r[0] of a vector is NumPy's scalar, a copy: read after r += ..., it was refused as a
    # stale view; a row of a matrix is a view, and still refused
    def f(p):
        r = p.copy()
        first, rows = r[0], []
        for _ in range(3):
            rows.append(r[1])
            r += p * 0.5
        return first + sum(rows) + r[0]
    p = np.array([1.0, 2.0])
    assert same(tg.jit(f)(p), f(p))
    np.testing.assert_allclose(tg.grad(f)(p), [3.5, 4.5], rtol=1e-15)

    def row(p):
        r = np.outer(p, p)
        v = r[0]
        r += 1.0
        return v[0]
    with pytest.raises(TypeError, match="a view of a traced array"):
        tg.grad(row)(p)


def test_a_traced_number_stored_into_a_numpy_array_names_the_fix() -> None:
    # v = np.zeros(n); v[0] = p[0]: NumPy's C code raised "setting an array element with a
    # sequence." over the refusal; the refusal, which names np.zeros_like, is what surfaces
    def f(p):
        v = np.zeros(3)
        v[0] = p[0]
        return v.sum()
    for transform in (tg.grad, tg.jit, tg.vmap):
        with pytest.raises(TypeError, match=r"v\[0\] = \.\.\. stores a traced value.*zeros_like"):
            transform(f)(np.ones((2, 2)) if transform is tg.vmap else np.ones(2))


def test_factorial_and_gamma_are_scipys_with_digamma_derivatives() -> None:
    n = np.array([0.0, 0.5, 3.0, 4.5, -1.0, -0.5])
    np.testing.assert_allclose(tss.factorial(n), scipy.special.factorial(n), rtol=1e-14)
    np.testing.assert_allclose(tss.gamma(n[:4] + 0.3), scipy.special.gamma(n[:4] + 0.3),
                               rtol=1e-14)
    assert tss.factorial(np.array([3, -2, 5])).tolist() == [6.0, 0.0, 120.0]
    x = np.array([0.5, 2.0, 3.7])
    f = lambda x: np.sum(np.log(tss.factorial(x)))    # noqa: E731
    np.testing.assert_allclose(tg.grad(f)(x), scipy.special.digamma(x + 1.0), rtol=1e-13)
    np.testing.assert_allclose(tg.hessian(f)(x), np.diag(scipy.special.polygamma(1, x + 1.0)),
                               rtol=1e-12, atol=1e-14)
    assert same(tg.jit(f)(x), f(x))
    batch = np.stack([x, x + 1.0])
    assert same(tg.vmap(tg.grad(f))(batch), np.stack([tg.grad(f)(b) for b in batch]))


EIG = {"symmetric": np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 1.0]]),
       "general": np.array([[1.0, 2.0, 0.0], [0.5, -1.0, 1.0], [0.3, 0.2, 2.5]])}


@pytest.mark.parametrize("name", sorted(EIG))
def test_eig_and_eigvals_differentiate_a_matrix_with_real_eigenvalues(name: str) -> None:
    # PCA by np.linalg.eig(np.cov(X.T)) was refused ("use eigh"); eig and eigvals of a real
    # matrix with real eigenvalues now differentiate (V^-1 dA V), every order
    a = EIG[name]

    def f(a):
        w, v = np.linalg.eig(a)
        return np.sum(w * np.array([1.0, 2.0, 3.0])) + np.sum(v ** 4)

    def h(a):
        return np.sum(np.linalg.eigvals(a) ** 3)
    for fun in (f, h):
        assert same(tg.jit(fun)(a), fun(a))
        g = tg.grad(fun)(a)
        np.testing.assert_allclose(g, fd(fun, a), rtol=1e-7, atol=1e-8)
        assert same(tg.jit(tg.grad(fun))(a), g)
        t = np.linspace(-1.0, 1.0, 9).reshape(3, 3)
        np.testing.assert_allclose(tg.jvp(fun, (a,), (t,))[1], np.sum(g * t), rtol=1e-12)
        batch = np.stack([a, a * 1.1, a.T])
        assert same(tg.vmap(tg.grad(fun))(batch), np.stack([tg.grad(fun)(b) for b in batch]))
    w = np.linalg.eigvals(a)
    np.testing.assert_allclose(tg.grad(lambda a: np.sum(np.linalg.eigvals(a)))(a), np.eye(3),
                               atol=1e-14)      # the trace's gradient
    assert w.dtype == np.float64


def test_eig_of_a_rotation_says_its_eigenvalues_are_complex() -> None:
    with pytest.raises(ValueError, match="complex eigenvalues"):
        tg.jit(lambda a: np.linalg.eig(a)[0])(np.array([[0.0, -1.0], [1.0, 0.0]]))


def test_apply_along_axis_takes_numpys_keywords_and_func1ds() -> None:
    # np.apply_along_axis(k, axis=1, arr=Y) said "takes no keywords, not axis, arr"
    X = np.linspace(0.0, 1.0, 4).reshape(-1, 1)

    def f(p):
        k = lambda x: np.apply_along_axis(lambda a, b, s: np.exp(-np.sum((a - b) ** 2) * s),  # noqa: E731
                                          1, X / p[0], x, s=p[1])
        return np.sum(np.apply_along_axis(k, axis=1, arr=X / p[0]))
    p = np.array([0.7, 1.3])
    assert same(tg.jit(f)(p), f(p))
    np.testing.assert_allclose(tg.grad(f)(p), fd(f, p), rtol=1e-8)


def test_dot_of_a_list_holding_traced_values_is_numpys_array_of_it() -> None:
    # an IIR filter's np.dot(y_, a) with y_ = [y] + y_[:-1]: "np.shape was applied to a
    # traced value"
    def f(p):
        return np.dot([p[0] * 2, 0, 1.5], p) + np.dot(p, [p[1], 1.0, 2])
    p = np.array([0.3, 0.4, 0.5])
    assert same(tg.jit(f)(p), f(p))
    np.testing.assert_allclose(tg.grad(f)(p), [4 * p[0] + p[1], p[0] + 1.0, 3.5], rtol=1e-15)


def _bisect_in_a_helper(p):
    def bis(a, b, tol):
        f_a = a ** 2 - 2.0
        while (b - a) / 2 > tol:
            c = (a + b) / 2
            f_c = c ** 2 - 2.0
            if f_a * f_c < 0:
                b = c
            else:
                a = c
                f_a = f_c
        return (a + b) / 2
    return bis(p[0], p[1], 1e-13)


def test_a_branchy_while_in_a_function_defined_inside_rolls() -> None:
    # the source checks took the outermost function around the loop's if (ast.walk's
    # first), not the helper defined inside: each trip count was a new trace
    jf = tg.jit(_bisect_in_a_helper)
    for x in ([0.0, 2.0], [0.0, 2.03], [0.0, 3.0], [1.0, 4.0]):
        assert same(jf(np.array(x)), _bisect_in_a_helper(np.array(x)))
    assert jf.trace_count == 1


def test_vmap_of_the_derivative_of_a_power_is_the_loop() -> None:
    # x ** -0.25's derivative took math.pow on each example and np.power on a batch, which
    # rounds apart for about one number in twenty (an adaptive step's errmax ** PSHRNK)
    f = lambda p: np.max(np.abs(p)) ** -0.25 + (p[0] * p[1]) ** 1.7   # noqa: E731
    batch = np.random.RandomState(1).rand(200, 2) + 0.3
    for h in (f, tg.grad(f)):
        assert same(tg.vmap(h)(batch), np.stack([np.asarray(h(b)) for b in batch]))


def _bisect_times_an_input(p):
    a, b = p[0], p[1]
    while (b - a) / 2 > 1e-13:
        c = (a + b) / 2
        if c ** 2 - 2.0 > 0:
            b = c
        else:
            a = c
    return (a + b) / 2 + p[2]


def test_jit_grad_rolls_a_branchy_loop_when_an_input_is_read_after_it() -> None:
    jg = tg.jit(tg.grad(_bisect_times_an_input))
    for x in ([0.0, 2.0, 1.5], [0.0, 2.03, 1.4], [0.0, 3.0, 1.0], [1.0, 4.0, 0.3]):
        assert same(jg(np.array(x)), tg.grad(_bisect_times_an_input)(np.array(x)))
    assert jg.trace_count == 1


def _bisect_while_true(p):
    a, b = 0.0 * p[1], p[1]
    while True:
        c = (a + b) / 2
        y = np.tanh(c - 1.3) * p[0]
        if abs(y) < 1e-4:
            break
        if y > 0:
            b = c
        else:
            a = c
    return c + y


def test_a_while_true_with_a_break_and_an_if_rolls() -> None:
    jf, jg = tg.jit(_bisect_while_true), tg.jit(tg.grad(_bisect_while_true))
    for x in ([0.8, 3.0], [0.85, 3.1], [0.74, 2.99]):
        assert same(jf(np.array(x)), _bisect_while_true(np.array(x)))
        assert same(jg(np.array(x)), tg.grad(_bisect_while_true)(np.array(x)))
    assert jf.trace_count == 1 and jg.trace_count == 1


def test_the_poisson_glm_fits_with_scipys_minimize_and_a_compiled_gradient() -> None:
    # NeuromatchAcademy's fit_lnp: minimize(neg_log_lik_lnp, x0, args=(X, y)); with
    # jac=tg.jit(tg.grad(f)) BFGS stops where the gradient vanishes, and a Newton step by
    # tg.hessian from there moves no further
    f = real_programs14.poisson_glm_neuromatch
    res = scipy.optimize.minimize(f, np.zeros(3), jac=tg.jit(tg.grad(f)), method="BFGS",
                                  options={"gtol": 1e-10})
    g = tg.grad(f)(res.x)
    assert np.max(np.abs(g)) < 1e-8
    step = np.linalg.solve(tg.hessian(f)(res.x), g)
    assert np.max(np.abs(step)) < 1e-8
    np.testing.assert_allclose(g, fd(f, res.x), atol=1e-6)


def test_vmap_of_a_fractional_power_of_numbers_is_the_loop() -> None:
    # vmap of a program of numbers compiled x ** c into np.power of the batch, which rounds
    # apart from libm's pow (the loop's) for about one number in twenty; a program with a
    # batched pow is interpreted, its rule math.pow on each number
    xs = np.random.RandomState(2).rand(300) + 0.1
    assert same(tg.vmap(lambda x: x ** 1.7)(xs), np.array([x ** 1.7 for x in xs]))
    f = lambda x, c: tg.sin(x) ** c + x ** 2.5                            # noqa: E731
    cs = np.random.RandomState(3).rand(300) * 3
    assert same(tg.vmap(f)(xs, cs), np.array([f(float(x), float(c)) for x, c in zip(xs, cs)]))
    g = tg.grad(f)
    assert same(tg.vmap(g)(xs, cs), np.array([g(float(x), float(c)) for x, c in zip(xs, cs)]))
    assert same(tg.vmap(lambda x: x * 3.0 + 1.0)(xs), xs * 3.0 + 1.0)    # still compiled
