"""Plain NumPy/SciPy programs, part five: three of JAX's examples, and what the programs found.

JAX's ``advi.py`` (``vmap`` over draws inside), ``kernel_lsq.py`` (a Gram
matrix by ``vmap`` of ``vmap``) and a differentially private SGD step
(``vmap`` of ``grad`` inside) under every check of ``test_real_programs4.py``;
then what running the programs found, each as its own test.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import math

import numpy as np
import pytest
import scipy.special
import test_real_programs4 as part_four
from test_real_programs2 import Program, central, rng, same

import tapegrad as tg
import tapegrad.scipy.stats as stats

JAX_EXAMPLES: dict[str, object] = {}


def jax_example(fn):
    JAX_EXAMPLES[fn.__name__] = fn
    return fn


@jax_example
def advi_elbo() -> Program:
    eps = rng(56).randn(16, 2)          # JAX's advi.py, its draws made once

    def log_density(z):
        return stats.norm.logpdf(z[1], 0.0, 1.35) + stats.norm.logpdf(z[0], 0.0, np.exp(z[1] / 2))

    def f(p):
        mean, log_std = p[:2], p[2:]

        def one(e):
            z = mean + np.exp(log_std) * e
            return log_density(z) - np.sum(stats.norm.logpdf(z, mean, np.exp(log_std)))
        return np.mean(tg.vmap(one)(eps))
    return Program(f, np.array([0.1, -0.2, -0.5, 0.3]))


@jax_example
def kernel_least_squares() -> Program:
    xs = rng(57).randn(5, 2)            # JAX's kernel_lsq.py: the Gram matrix by vmap of vmap

    def gram(p):
        kernel = lambda x, y: np.exp(-np.sum((x - y) ** 2) / p[0])
        return tg.vmap(lambda x: tg.vmap(lambda y: kernel(x, y))(xs))(xs)

    def f(p):
        return np.sum(np.linalg.solve(gram(p) + 0.1 * np.eye(5), np.arange(5.0)))
    return Program(f, np.array([1.5]))


@jax_example
def dp_sgd_step() -> Program:
    rs = rng(58)
    X, y = rs.randn(8, 3), rs.randn(8)
    example_loss = lambda w, x, t: (np.tanh(x @ w) - t) ** 2

    def f(w):                           # per-example gradients, clipped, then one step
        g = tg.vmap(tg.grad(example_loss), in_axes=(None, 0, 0))(w, X, y)
        g = g / np.maximum(1.0, np.linalg.norm(g, axis=1, keepdims=True) / 0.1)
        return np.sum((w - 0.5 * np.mean(g, axis=0)) ** 2)
    return Program(f, rs.randn(3))


PART_FOUR_CHECKS = [part_four.test_jit_value_is_numpys_value_and_type,
                    part_four.test_grad_matches_central_differences_and_jit_either_side,
                    part_four.test_vmap_of_value_and_grad_is_the_loop,
                    part_four.test_second_order_matches_differences_of_the_gradient]


@pytest.mark.parametrize("check", PART_FOUR_CHECKS, ids=lambda c: c.__name__[5:])
@pytest.mark.parametrize("name", sorted(JAX_EXAMPLES))
def test_jax_examples_under_the_checks_of_part_four(name: str, check, monkeypatch) -> None:
    monkeypatch.setitem(part_four.PROGRAMS, name, JAX_EXAMPLES[name])
    check(name)


# ------------------------------------------------------------ what running them found
def test_scipy_special_ufuncs_give_scipys_bits_under_every_transform() -> None:
    # scipy.special.expit/xlogy/gammaln/... on a traced value ran tapegrad's own formulas,
    # which differ from SciPy's in the last bit (e.g. 695 of 3000 expit values), so jit(f)(x)
    # was not f(x); now SciPy's ufunc computes the value, tapegrad's rule the derivative
    rs = rng(52)
    z, a = 4 * rs.randn(200), rs.uniform(0.1, 5.0, 200)
    for f in (scipy.special.expit, scipy.special.erfc, scipy.special.gammaln,
              scipy.special.ndtri, scipy.special.logit):
        arg = a / 5.1 if f in (scipy.special.ndtri, scipy.special.logit) else z \
            if f is not scipy.special.gammaln else a
        want = f(arg)
        assert same(tg.jit(f)(arg), want) and same(tg.vjp(f, arg)[0], want)
        np.testing.assert_array_equal(tg.vmap(f)(arg), want)
        assert same(tg.jit(f)(float(arg[3])), f(float(arg[3])))
    for f, args in ((scipy.special.xlogy, (z, a)), (scipy.special.gammainc, (a, a[::-1])),
                    (scipy.special.betainc, (a, a[::-1], a / 5.1))):
        assert same(tg.jit(f)(*args), f(*args))
    expit, x = scipy.special.expit, 0.3       # and the derivatives are still the closed forms
    for f, df in ((expit, lambda x: expit(x) * (1 - expit(x))), (scipy.special.logit,
                   lambda x: 1 / (x * (1 - x))), (scipy.special.gammaln, scipy.special.digamma)):
        assert math.isclose(tg.grad(f)(x), df(x), rel_tol=1e-14)


def test_storing_a_traced_value_into_a_numpy_array_names_the_assignment() -> None:
    # was "np.asarray was applied to a traced value ... Use tg.stack", naming neither the
    # line nor the assignment; a scalar element gave NumPy's "setting an array element
    # with a sequence" alone. np.zeros_like(u) of a traced u is traced now and takes the
    # write; np.zeros(n) is NumPy's and cannot: the message names np.zeros_like.
    def heat_step(u, zeros):
        lap = zeros(u)
        lap[1:-1] = u[2:] - 2 * u[1:-1] + u[:-2]
        return np.sum(u + 0.2 * lap)
    numpys = lambda u: np.zeros(len(u))
    for transform in (tg.grad, tg.jit):
        with pytest.raises(TypeError, match=r"^lap\[1:-1\] = \.\.\. stores a traced value into "
                           r"a NumPy array.*lap = np\.zeros_like\(x\).*np\.concatenate"):
            transform(lambda u: heat_step(u, numpys))(np.ones(5))
    u = np.array([0.0, 1.0, 4.0, 9.0, 16.0])
    works = lambda u: heat_step(u, np.zeros_like)
    assert tg.jit(works)(u) == works(u)
    np.testing.assert_allclose(tg.grad(works)(u), central(works, u), rtol=1e-7)

    def accumulate(w):
        out = np.zeros(2)
        out[0] += w[0]
        return np.sum(out)
    with pytest.raises(TypeError) as info:       # ours, not NumPy's ValueError over it
        tg.grad(accumulate)(np.ones(2))
    assert "out[0] = ... stores a traced value" in str(info.value)
    assert "out = np.zeros_like(x)" in str(info.value)

    fixed = lambda u: np.sum(u + 0.2 * np.pad(u[2:] - 2 * u[1:-1] + u[:-2], 1))  # as told
    u = np.array([0.0, 1.0, 4.0, 9.0, 16.0])
    np.testing.assert_allclose(tg.grad(fixed)(u), central(fixed, u), rtol=1e-7)


def test_an_ndarray_method_or_np_array_of_traced_values_names_the_call() -> None:
    mu = np.arange(4.0)
    with pytest.raises(TypeError, match=r"^mu\.dot\(w\) calls the NumPy array method \.dot.*"
                       r"np\.dot\(mu, w\), or mu @ w\.$"):
        tg.grad(lambda w: mu.dot(w))(np.ones(4))
    with pytest.raises(TypeError, match=r"^np\.array\(\[w\[0\], w\[1\]\]\) at .*"
                       r"Stack them instead: np\.stack\(\[w\[0\], w\[1\]\]\) "
                       r"\(np\.stack runs tg\.stack\)\.$"):
        tg.jit(lambda w: np.sum(np.array([w[0], w[1]])))(np.ones(4))
    assert same(tg.grad(lambda w: np.dot(mu, w))(np.ones(4)), mu)


def branching_loss(w, X, y):
    z, total = X @ w, 0.0
    for _ in range(3):
        z = np.tanh(z) if np.sum(w) > 0 else 0.5 * z
        total = total + np.mean((z - y) ** 2)
    return total


def test_threads_jitting_and_batching_at_once_give_the_sequential_answers() -> None:
    rs = rng(53)
    X, y = rs.randn(30, 4), rs.randn(30)
    ws = [rs.randn(4) for _ in range(24)]
    want = [tg.grad(branching_loss)(w, X, y) for w in ws]
    shared = tg.jit(tg.grad(branching_loss))
    batched = tg.jit(tg.vmap(tg.grad(branching_loss), in_axes=(0, None, None)))
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda w: shared(w, X, y), ws))
        fresh = list(pool.map(lambda w: tg.jit(tg.grad(branching_loss))(w, X, y), ws))
        rows = list(pool.map(lambda i: batched(np.stack(ws[i:i + 3]), X, y), range(0, 24, 3)))
    assert all(same(a, b) and same(c, b) for a, c, b in zip(got, fresh, want))
    np.testing.assert_allclose(np.concatenate(rows), np.stack(want), rtol=1e-12, atol=1e-14)


def test_a_call_after_an_exception_inside_the_traced_function_is_clean() -> None:
    class Stop(Exception):
        pass

    def f(w, fail):
        total = np.sum(w ** 2)
        if fail:
            raise Stop
        return total
    x = np.array([1.0, 2.0, 3.0])
    for make, arg in ((tg.grad, x), (lambda g: tg.jit(g, static_argnums=1), x),
                      (lambda g: tg.jit(tg.grad(g), static_argnums=1), x),
                      (lambda g: tg.vmap(g, in_axes=(0, None)), np.stack([x, -x])),
                      (lambda g: tg.jit(tg.vmap(g, in_axes=(0, None)), static_argnums=1),
                       np.stack([x, -x]))):
        run = make(f)
        with pytest.raises(Stop):
            run(arg, True)
        assert same(run(arg, False), make(f)(arg, False))    # as a fresh transform's
    assert same(tg.grad(f)(x, False), 2 * x)


def test_np_piecewise_and_np_vectorize_name_what_runs_instead() -> None:
    # were "tapegrad has no np.piecewise" and "tapegrad has no np.lib.vectorize.__call__"
    x = np.array([-1.5, -0.2, 0.3, 1.7])
    pieces = [lambda v: -v, lambda v: v ** 3]
    piecewise = lambda v: np.sum(np.piecewise(v, [v < 0, v >= 0], pieces))   # was refused
    assert same(tg.jit(piecewise)(x), piecewise(x))
    assert same(tg.grad(piecewise)(x), np.where(x < 0, -1.0, 3 * x ** 2))
    spelled = lambda v: np.sum(np.select([v < 0, v >= 0], [f(v) for f in pieces]))
    assert same(tg.jit(spelled)(x), np.sum(np.piecewise(x, [x < 0, x >= 0], pieces)))
    np.testing.assert_allclose(tg.grad(spelled)(x), np.where(x < 0, -1.0, 3 * x ** 2))

    def element(v):
        return v ** 2 if v > 0 else -v
    with pytest.raises(TypeError, match=r"np\.lib\.vectorize\.__call__ was applied.*"
                       r"Use tg\.vectorize\(f, excluded=\.\.\., signature=\.\.\.\)\(x\) for "
                       r"np\.vectorize\(f"):
        tg.grad(lambda v: np.sum(np.vectorize(element)(v)))(x)
    for run in (tg.vmap(element), tg.jit(tg.vmap(element)), tg.vectorize(element)):
        np.testing.assert_array_equal(run(x), np.vectorize(element)(x))
    np.testing.assert_allclose(tg.grad(lambda v: np.sum(tg.vmap(element)(v)))(x),
                               np.where(x > 0, 2 * x, -1.0))


def test_scipy_trapezoid_names_numpys_which_runs() -> None:
    import scipy.integrate
    xs = np.linspace(0.0, 2.0, 21)
    for name, run in (("trapezoid", lambda y: scipy.integrate.trapezoid(y, xs)),
                      ("cumulative_trapezoid",
                       lambda y: scipy.integrate.cumulative_trapezoid(y, xs)[-1])):
        with pytest.raises(TypeError, match=rf"scipy\.integrate\.{name} was applied.*"
                           r"Use np\.(trapezoid|cumsum)"):
            tg.grad(lambda p: run(np.sin(p[0] * xs)))(np.array([0.7]))
    area = lambda p: np.trapezoid(np.sin(p[0] * xs), xs)
    cumulative = lambda p: np.cumsum((np.sin(p[0] * xs)[1:] + np.sin(p[0] * xs)[:-1]) / 2 *
                                     np.diff(xs))[-1]
    p = np.array([0.7])
    np.testing.assert_allclose([area(p), cumulative(p)],
                               scipy.integrate.trapezoid(np.sin(0.7 * xs), xs), rtol=1e-14)
    for f in (area, cumulative):
        np.testing.assert_allclose(tg.grad(f)(p), central(f, p), rtol=1e-7)
        assert same(tg.jit(f)(p), f(p))


@pytest.mark.parametrize("name", ["rfft", "fft"])
def test_a_power_spectrum_by_fft_names_the_real_dft_which_runs(name: str) -> None:
    # was "tapegrad has no np.fft.rfft: write it with tapegrad's functions": no way given
    signal = np.sin(np.linspace(0.0, 6.0, 8)) + 0.3 * np.cos(np.linspace(0.0, 17.0, 8))
    fft = getattr(np.fft, name)
    with pytest.raises(TypeError, match=rf"np\.fft\.{name} was applied.*re, im = np\.cos\(k\) @ x"):
        tg.grad(lambda x: np.sum(np.abs(fft(x)) ** 2))(signal)
    n = signal.size
    k = np.outer(np.arange(n // 2 + 1 if name == "rfft" else n), np.arange(n)) * (2 * np.pi / n)

    def power(x):                                # the spelling the message gives
        re, im = np.cos(k) @ x, -np.sin(k) @ x
        return np.sum(re ** 2 + im ** 2)
    spectrum = fft(signal)
    np.testing.assert_allclose([np.cos(k) @ signal, -np.sin(k) @ signal],
                               [spectrum.real, spectrum.imag], atol=1e-13)
    np.testing.assert_allclose(tg.grad(power)(signal), central(power, signal), rtol=1e-7)
    assert same(tg.jit(tg.grad(power))(signal), tg.grad(power)(signal))


def test_a_comparison_of_numpy_scalars_under_jit_is_numpys_bool() -> None:
    # a flag returned beside the loss (np.max(v) > 1.0, np.isnan(x), x > 0.5 of an
    # np.float64) is np.True_ in NumPy; jit returned Python's True
    def fit(v):
        return np.mean(v), np.max(v) > 1.0, np.sum(v > 0), np.argmax(v)
    v = np.array([0.3, 2.0, -1.0])
    assert all(same(got, want) for got, want in zip(tg.jit(fit)(v), fit(v)))
    flags = [lambda x: x > 0.5, lambda x: (x > 0.5) & (x < 2.0), lambda x: (x > 0.5) | (x < 0.0),
             np.isnan, lambda x: np.logical_and(x > 0, x < 1)]
    for f in flags:
        for x in (0.7, np.float64(0.7), np.float64(0.2), np.float32(0.7), np.array([0.7, 0.1])):
            assert same(tg.jit(f)(x), f(x))
    for x in (np.float64(0.7), np.array([0.7, 0.1])):    # (~ of Python's True is -2)
        assert same(tg.jit(lambda x: ~(x > 0.5))(x), ~(x > 0.5))


def test_scatter_adds_name_the_one_hot_product_which_runs() -> None:
    # np.add.at(out, idx, x) and np.bincount(idx, weights=x) were "tapegrad has no ..."
    idx, x = np.array([0, 1, 1, 3]), np.array([1.0, 2.0, 3.0, 0.5])

    def scatter(x):
        out = np.zeros(4)
        np.add.at(out, idx, x)
        return np.sum(out ** 2)
    with pytest.raises(TypeError, match=r"np\.add\.at was applied.*Use a = a \+ \(np\.arange"):
        tg.grad(scatter)(x)
    counted = lambda w: np.sum(np.bincount(idx, weights=w, minlength=4) ** 2)  # was refused
    assert same(tg.jit(counted)(x), counted(x))
    assert same(tg.grad(counted)(x), 2 * np.bincount(idx, weights=x, minlength=4)[idx])
    spelled = lambda w: np.sum((np.zeros(4) + (np.arange(4)[:, None] == idx) @ w) ** 2)
    assert same(tg.jit(spelled)(x), scatter(x))
    assert same(spelled(x), np.sum(np.bincount(idx, weights=x, minlength=4) ** 2))
    np.testing.assert_allclose(tg.grad(spelled)(x), central(spelled, x), rtol=1e-8)


def test_a_number_meeting_a_0d_constant_has_a_number_for_gradient_and_nan_to_num_a_scalar() -> None:
    # grad of np.nan_to_num (or np.where with a 0-d array operand) at a float was array(1.),
    # where jit(grad) gave 1.0; np.nan_to_num of a number was a 0-d array, NumPy's a scalar
    funs = [np.nan_to_num, lambda x: np.where(x > 0, x, np.asarray(0.0)),
            lambda x: np.clip(x, np.asarray(0.0), np.asarray(1.0)) * x]
    for f in funs:
        for x in (0.7, np.float64(0.7), np.float32(0.7)):
            g = tg.grad(f)(x)
            assert same(g, tg.jit(tg.grad(f))(x))
            assert type(g) is not np.ndarray and np.asarray(g).dtype == np.asarray(x).dtype
            assert math.isclose(g, central(lambda v: f(v[0]), np.array([x], float))[0],
                                rel_tol=1e-6)
    for x in (0.7, np.float64(np.inf), np.float32(-np.inf), np.array(np.nan)):
        assert same(tg.nan_to_num(x), np.nan_to_num(x))
        assert same(tg.jit(np.nan_to_num)(x), np.nan_to_num(x))


def test_zero_d_arrays_numpy_makes_are_arrays_under_jit() -> None:
    v = np.array([0.7, -0.2])
    for f in (lambda v: v[:1].reshape(()), lambda v: np.squeeze(v[:1]),
              lambda v: np.where(v[0] > 0, v[0], 0.0), lambda v: np.copy(v[0]),
              lambda v: np.select([v[0] > 0], [v[0]]), lambda v: v[:1].reshape(()) * 2):
        assert same(tg.jit(f)(v), f(v))


def test_odeint_with_args_after_t_says_scipys_signature_takes_args() -> None:
    # odeint(f, y0, t, a, b), JAX's way, put b into rtol: "f() missing 1 required
    # positional argument: 'b'" from inside the solver
    from tapegrad.scipy.integrate import odeint
    ts = np.linspace(0.0, 2.0, 5)

    def rhs(z, t, a, b):
        return np.stack([a * z[0] - b * z[0] * z[1], -z[1] + 0.5 * z[0] * z[1]])

    def jax_style(p):
        return np.sum(odeint(rhs, np.array([1.0, 0.5]), ts, p[0], p[1]))
    with pytest.raises(TypeError, match=r"odeint: rtol is a Traced, not a number\. Extra "
                       r"arguments of func go in args=\(a, b\)"):
        tg.grad(jax_style)(np.array([1.0, 0.4]))

    def scipy_style(p):
        return np.sum(odeint(rhs, np.array([1.0, 0.5]), ts, args=(p[0], p[1])))
    p = np.array([1.0, 0.4])
    np.testing.assert_allclose(tg.grad(scipy_style)(p), central(scipy_style, p, 1e-5), rtol=1e-4)


def test_sliding_window_view_of_a_traced_signal_is_numpys_windows() -> None:
    # a moving-average / convolution layer written with sliding_window_view was
    # "tapegrad has no np.sliding_window_view"
    from numpy.lib.stride_tricks import sliding_window_view as windows
    rs = rng(54)
    x, X = rs.randn(8), rs.randn(4, 5)
    programs = [(lambda v: np.sum((windows(v, 3) @ np.array([0.25, 0.5, 0.25])) ** 2), x),
                (lambda v: np.sum(windows(v, (2, 3)) ** 2 * np.arange(6.0).reshape(2, 3)), X),
                (lambda v: np.sum(np.max(windows(v, 2, axis=1), axis=-1)), X)]
    for f, a in programs:
        assert same(tg.jit(f)(a), f(a))
        g = tg.grad(f)(a)
        np.testing.assert_allclose(g.ravel(), central(lambda y: f(y.reshape(a.shape)), a.ravel()),
                                   rtol=1e-6, atol=1e-8)
        assert same(tg.jit(tg.grad(f))(a), g)
        np.testing.assert_allclose(tg.vmap(f)(np.stack([a, 2 * a])), [f(a), f(2 * a)], rtol=1e-13)
    assert same(tg.jit(lambda v: windows(v, 3))(x), windows(x, 3).copy())


def test_functions_writing_into_an_array_name_a_spelling_that_builds_one() -> None:
    # np.fill_diagonal and np.copyto were told "Use np.diagonal" and "Use np.copy" (the
    # nearest names, which read rather than write), then the np.where spelling, and now
    # write into a traced array; np.apply_along_axis was told "np.take_along_axis"
    x = np.array([[0.5, 2.0, -1.0], [1.5, 0.3, 0.2]])
    row = lambda r: r ** 2 * np.arange(1.0, 1.0 + r.size)

    def filled(v):
        D = np.outer(v[0], v[0])
        np.fill_diagonal(D, 1.0)
        return np.sum(D ** 2)
    assert same(tg.jit(filled)(x), filled(x))     # np.fill_diagonal writes into D: runs
    np.testing.assert_allclose(tg.grad(filled)(x).ravel(),
                               central(lambda v: filled(v.reshape(2, 3)), x.ravel()), rtol=1e-7)
    along = lambda v: np.sum(np.apply_along_axis(row, 1, v))   # was refused: now runs
    assert same(tg.jit(along)(x), along(x))

    def spelled(v):
        D = np.outer(v[0], v[0])
        D = np.where(np.eye(*D.shape, dtype=bool), 1.0, D)
        return np.sum(D ** 2) + np.sum(np.stack([row(r) for r in v])) + \
            np.sum(np.stack([row(c) for c in v.T], axis=-1))
    want = filled(x) + np.sum(np.apply_along_axis(row, 1, x)) + \
        np.sum(np.apply_along_axis(row, 0, x))
    assert same(tg.jit(spelled)(x), want)
    assert same(tg.vmap(row)(x), np.apply_along_axis(row, 1, x))
    np.testing.assert_allclose(tg.grad(spelled)(x).ravel(),
                               central(lambda v: spelled(v.reshape(2, 3)), x.ravel()), rtol=1e-7)


def test_a_dataclass_of_parameters_is_told_to_register_as_a_pytree() -> None:
    @dataclasses.dataclass
    class Linear:
        w: np.ndarray
        b: float
    loss = lambda m: np.sum(m.w ** 2) * m.b
    with pytest.raises(TypeError, match=r"grad: m is a Linear, not a number.*register Linear "
                       r"as a pytree to differentiate its fields: "
                       r"tg\.tree\.register_dataclass\(Linear\)"):
        tg.grad(loss)(Linear(np.ones(2), 2.0))
    tg.tree.register(Linear, lambda m: ((m.w, m.b), None), lambda aux, ch: Linear(*ch))
    g = tg.grad(loss)(Linear(np.array([1.0, 3.0]), 2.0))
    assert same(g.w, np.array([4.0, 12.0])) and g.b == 10.0
    assert same(tg.jit(tg.grad(loss))(Linear(np.array([1.0, 3.0]), 2.0)).w, g.w)
