"""Plain NumPy/SciPy programs, part nine: sixty-eight new kinds, and what running them found.

The programs are in ``real_programs9.py`` (finance, statistics, learning, physics
and geometry); each runs under every check of ``test_real_programs4.py``: ``jit``
equal to NumPy bit for bit at two points, ``grad`` against central differences
with ``jit`` on either side bit for bit, ``vmap`` of the value and of ``grad``
equal to the loop, and Hessian-vector products against differences of ``grad``.
Those written with ``tapegrad.scipy`` give SciPy's numbers with SciPy's modules.
Then SciPy's optimizers driven by a jitted gradient and a Hessian-vector product,
and each thing the programs found, as its own test.
"""

from __future__ import annotations

import numpy as np
import pytest
import real_programs9
import scipy.linalg
import scipy.optimize
import scipy.special
import test_real_programs4 as part_four
import test_real_programs6 as part_six
import test_real_programs8 as part_eight
from real_programs9 import PROGRAMS
from test_real_programs2 import central, rng, same
from test_real_programs6 import CHECKS

import tapegrad as tg
import tapegrad.scipy.linalg as sla


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__[5:40])
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_programs_under_the_checks_of_part_four(name: str, check, monkeypatch) -> None:
    monkeypatch.setitem(part_four.PROGRAMS, name, PROGRAMS[name])
    check(name)


def test_there_are_forty_new_programs() -> None:
    earlier = {*part_four.PROGRAMS, *part_six.PROGRAMS, *part_eight.PROGRAMS}
    assert len(PROGRAMS) >= 40 and not set(PROGRAMS) & earlier


WITH_SCIPY = ["yule_walker_toeplitz", "gp_matern52_cho_solve", "stick_breaking_mixture",
              "qr_least_squares",
              "temperature_scaling", "importance_weighted_bound", "distillation_label_smoothing"]


@pytest.mark.parametrize("name", WITH_SCIPY)
def test_programs_give_scipys_numbers_with_scipys_modules(name: str, monkeypatch) -> None:
    f, x = PROGRAMS[name]()                       # type: ignore[operator]
    ours = [f(p) for p in (x, 1.05 * x + 0.01)]
    monkeypatch.setattr(real_programs9, "sla", scipy.linalg)
    monkeypatch.setattr(real_programs9, "special", scipy.special)
    f, x = PROGRAMS[name]()                       # type: ignore[operator]
    np.testing.assert_allclose(ours, [f(p) for p in (x, 1.05 * x + 0.01)], rtol=1e-13)


# ------------------------------------------------------------ SciPy's optimizers
def test_bfgs_on_a_gp_marginal_likelihood_with_a_jitted_gradient() -> None:
    f, x0 = PROGRAMS["gp_matern52_cho_solve"]()       # type: ignore[operator]
    ours = scipy.optimize.minimize(f, x0, jac=tg.jit(tg.grad(f)), method="BFGS")
    plain = scipy.optimize.minimize(f, x0, method="BFGS")
    assert ours.success and ours.nfev < plain.nfev and ours.fun <= plain.fun + 1e-9
    np.testing.assert_allclose(ours.x, plain.x, atol=1e-4)
    np.testing.assert_allclose(central(f, ours.x, 1e-5), 0.0, atol=1e-5)     # a stationary point
    np.testing.assert_allclose(tg.grad(f)(ours.x), central(f, ours.x), rtol=1e-5, atol=1e-7)


def test_trust_ncg_with_jitted_hessian_vector_products() -> None:
    f, x0 = PROGRAMS["nelson_siegel_fit"]()            # type: ignore[operator]
    hessp = tg.jit(lambda x, v: tg.jvp(tg.grad(f), (x,), (v,))[1])
    ours = scipy.optimize.minimize(f, x0, jac=tg.jit(tg.grad(f)), hessp=hessp,
                                   method="trust-ncg", options={"gtol": 1e-8})
    assert ours.success
    H = tg.hessian(f)(ours.x)
    v = np.linspace(-1.0, 1.0, 4)
    np.testing.assert_allclose(hessp(ours.x, v), H @ v, rtol=1e-10)
    assert np.all(np.linalg.eigvalsh(H) > 0)           # a minimum
    np.testing.assert_allclose(tg.grad(f)(ours.x), 0.0, atol=1e-7)


# ------------------------------------------------------------ what running them found
FLAT = {"maximum": lambda v: np.maximum(v, 0.0), "relu": tg.relu,
        "clip": lambda v: np.clip(v, 0.0, 5.0), "fmax": lambda v: np.fmax(v, 0.0),
        "minimum": lambda v: -np.minimum(-v, 0.0), "fmin": lambda v: -np.fmin(-v, 0.0),
        "max_method": lambda v: v.clip(0.0)}


@pytest.mark.parametrize("name", sorted(FLAT))
def test_where_a_max_is_flat_an_inf_cotangent_gives_zero_not_nan(name: str) -> None:
    # Heston's full truncation np.sqrt(np.maximum(v, 0.0) * dt) had a nan gradient on
    # every path whose variance went negative: sqrt's inf cotangent times maximum's 0
    # partial; forward mode said 0, as np.where(v > 0, v, 0.0) does in both modes
    flat = FLAT[name]
    f = lambda v: np.sum(np.sqrt(flat(v) * 0.5))                           # noqa: E731
    told = lambda v: np.sum(np.sqrt(np.where(v > 0, v, 0.0) * 0.5))       # noqa: E731
    v = np.array([-1.0, 0.3, -2.0, 2.0])
    g = tg.grad(f)(v)
    np.testing.assert_array_equal(g, tg.grad(told)(v))
    np.testing.assert_allclose(g, central(f, v), rtol=1e-8)
    assert g[0] == 0.0 and g[2] == 0.0
    np.testing.assert_array_equal(tg.jvp(f, (v,), (np.ones(4),))[1], np.sum(g))
    assert same(tg.jit(tg.grad(f))(v), g)
    batch = np.stack([v, -v, v[::-1]])
    np.testing.assert_array_equal(tg.vmap(tg.grad(f))(batch), [tg.grad(f)(b) for b in batch])
    for x in (-1.0, 0.5):                               # floats too
        assert tg.grad(lambda x: np.sqrt(flat(x)))(x) == (0.0 if x < 0 else 0.5 / np.sqrt(x))
    second = np.where(v > 0, -0.0625 / (0.5 * np.abs(v)) ** 1.5, 0.0)   # sqrt(v / 2)''
    np.testing.assert_allclose(tg.hessian(f)(v), np.diag(second), rtol=1e-12, atol=0)


def test_a_max_keeps_its_tie_and_nan_conventions() -> None:
    assert tg.grad(lambda x: np.maximum(x, 0.0))(0.0) == 0.5
    assert tg.grad(tg.relu)(0.0) == 0.0 and tg.grad(tg.relu)(2.0) == 1.0
    assert tg.grad(lambda a, b: np.minimum(a, b), argnums=(0, 1))(1.0, 1.0) == (0.5, 0.5)
    assert tg.jvp(lambda a, b: np.maximum(a, b), (1.0, 1.0), (2.0, 4.0))[1] == 3.0
    assert tg.grad(lambda x: np.fmax(x, np.nan))(2.0) == 1.0            # fmax skips a nan
    x32 = np.array([-1.0, 1.0], dtype=np.float32)
    g = tg.grad(lambda x: np.sum(np.maximum(x, 0.0) ** 2))(x32)
    assert g.dtype == np.float32 and list(g) == [0.0, 2.0]
    assert tg.hessian(lambda x: np.maximum(x, 0.0) ** 2)(1.5) == 2.0


CORRELATE_CASES = [(n, m, mode, fn) for n, m in ((58, 58), (20, 5), (5, 20), (7, 3), (3, 1), (2, 7))
                   for mode in ("full", "same", "valid") for fn in (np.correlate, np.convolve)]


@pytest.mark.parametrize(("n", "m", "mode", "fn"), CORRELATE_CASES,
                         ids=lambda c: getattr(c, "__name__", str(c)))
def test_correlate_and_convolve_are_numpys_bit_for_bit(n: int, m: int, mode: str, fn) -> None:
    # Yule-Walker's autocovariances np.correlate(x, x, "full") differed from NumPy's in
    # the last bit (1e-14 for 58 points): the windows' matrix product summed in another
    # order than NumPy's loop; now NumPy's loop runs them and the rules are bilinear
    rs = rng(260 + n + m)
    a, v = rs.randn(n), rs.randn(m)
    out = fn(a, v, mode)
    w = rs.randn(out.size)
    for args in ((a, v), (a.astype(np.float32), v.astype(np.float32))):
        assert same(tg.jit(lambda a, v: fn(a, v, mode))(*args), fn(*args, mode))
        assert same(tg.vjp(lambda a, v: fn(a, v, mode), *args)[0], fn(*args, mode))
    f = lambda a, v: fn(a, v, mode) @ w                               # noqa: E731
    ga, gv = tg.grad(f, argnums=(0, 1))(a, v)
    # linear in each: the gradient's entries are NumPy's own on the unit vectors
    np.testing.assert_allclose(ga, [f(e, v) for e in np.eye(n)], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(gv, [f(a, e) for e in np.eye(m)], rtol=1e-12, atol=1e-13)
    ta, tv = rs.randn(n), rs.randn(m)
    np.testing.assert_allclose(tg.jvp(f, (a, v), (ta, tv))[1], ga @ ta + gv @ tv, rtol=1e-12)
    assert all(same(p, q) for p, q in zip(tg.jit(tg.grad(f, argnums=(0, 1)))(a, v), (ga, gv)))
    batch = np.stack([a, 2 * a, -a])
    assert same(tg.vmap(lambda a: fn(a, v, mode))(batch), np.stack([fn(b, v, mode) for b in batch]))
    cross = tg.jacfwd(tg.grad(f), argnums=1)(a, v)     # d(grad_a)/dv: bilinear, exact
    np.testing.assert_allclose(cross @ tv, tg.grad(lambda a: f(a, tv))(a), rtol=1e-12, atol=1e-14)


def test_toeplitz_is_scipys_and_differentiates() -> None:
    # Yule-Walker's R = toeplitz(r[:2]) said "x.conjugate is an ndarray method that a
    # traced array does not support", naming neither SciPy's function nor what to write
    c, r = np.array([1.0, 2.0, 3.0]), np.array([9.0, 4.0, 5.0, 6.0])
    for args in ((c,), (c, r), (r, c), (c.reshape(3, 1), r[:2]), (np.array([2.0]),), (2.0, r),
                 (np.stack([c, 2 * c]), r), (c, np.stack([r, r, -r]).reshape(3, 1, 4))):
        assert same(sla.toeplitz(*args), scipy.linalg.toeplitz(*args))
    w = rng(270).randn(3, 4)
    f = lambda c, r: np.sum(sla.toeplitz(c, r) ** 2 * w)                  # noqa: E731
    gc, gr = tg.grad(f, argnums=(0, 1))(c, r)
    np.testing.assert_allclose(gc, central(lambda c: f(c, r), c), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gr, central(lambda r: f(c, r), r), rtol=1e-6, atol=1e-8)
    assert gr[0] == 0.0                                                   # r[0] is ignored
    assert same(tg.jit(sla.toeplitz)(c, r), scipy.linalg.toeplitz(c, r))
    batch = np.stack([c, -c, 2 * c])
    assert same(tg.vmap(sla.toeplitz)(batch), np.stack([scipy.linalg.toeplitz(b) for b in batch]))
    for transform in (tg.grad, tg.jit):
        with pytest.raises(TypeError, match=r"^scipy\.linalg\.toeplitz was applied to a traced "
                           r"value.*Use tapegrad\.scipy\.linalg\.toeplitz instead\.$"):
            transform(lambda c: np.sum(scipy.linalg.toeplitz(c)))(c)
        with pytest.raises(TypeError, match=r"^scipy\.linalg\.circulant was applied .*Use "
                           r"tapegrad\.scipy\.linalg\.toeplitz\(c, np\.roll\(c\[::-1\], 1\)\)"):
            transform(lambda c: np.sum(scipy.linalg.circulant(c)))(c)
    told = lambda c: sla.toeplitz(c, np.roll(c[::-1], 1))                # noqa: E731
    assert same(told(c), scipy.linalg.circulant(c)) and same(tg.jit(told)(c), told(c))


def test_conj_of_a_traced_array_is_the_array_as_np_conjugate_is() -> None:
    # x.conj() was refused ("write x itself") while np.conj(x) ran
    x = np.array([0.5, -1.5, 2.0])
    f = lambda x: np.sum(x.conj() * x.conjugate() * np.conj(x))         # noqa: E731
    assert same(tg.jit(f)(x), f(x))
    np.testing.assert_array_equal(tg.grad(f)(x), 3 * x ** 2)
    np.testing.assert_array_equal(tg.vmap(f)(np.stack([x, -x])), [f(x), f(-x)])


def test_indexing_a_numpy_array_by_an_argmin_names_the_one_hot_that_runs() -> None:
    # Frank-Wolfe's vertex np.eye(4)[np.argmin(g)] under jit said "Index with
    # tg.take(E, i, axis=0)", a tapegrad spelling, with no line (NumPy's np.take does
    # not dispatch on its indices, so there is no NumPy spelling of it that runs)
    A = np.diag([1.0, 2.0, 3.0, 4.0])

    def vertex(p):
        return np.eye(4)[np.argmin(A @ p - p)] @ p
    p = np.array([1.0, -3.0, 0.5, 0.2])
    for transform, arg in ((tg.jit, p), (tg.vmap, np.stack([p, -p]))):
        with pytest.raises(TypeError, match=r"^np\.eye\(4\)\[np\.argmin\(A @ p - p\)\] at "
                           r".*test_real_programs9\.py:\d+: a traced integer array reached "
                           r"NumPy.*Write \(np\.arange\(len\(E\)\) == i\) @ E .*np\.eye\(n\)"
                           r"\[i\] is \(np\.arange\(n\) == i\) \* 1\.0\)"):
            transform(vertex)(arg)

    def told(p):
        return ((np.arange(4) == np.argmin(A @ p - p)) * 1.0) @ p
    assert told(p) == vertex(p) and same(tg.jit(told)(p), told(p))
    np.testing.assert_array_equal(tg.grad(told)(p), tg.grad(vertex)(p))   # grad ran it
    np.testing.assert_array_equal(tg.vmap(told)(np.stack([p, -p])), [told(p), told(-p)])
    E = rng(271).randn(4, 3)
    rows = lambda p: np.sum(((np.arange(4) == np.argmin(p)) @ E) * p[:3])   # noqa: E731
    assert same(tg.jit(rows)(p), rows(p))


def test_scipy_log_expit_runs_with_the_derivative_expit_of_minus_x() -> None:
    # Platt scaling's scipy.special.log_expit(z) was refused: "Use -tg.softplus(-x)"
    import tapegrad.scipy.special as tss
    x = np.array([-1000.0, -3.0, -0.5, 0.0, 0.7, 40.0, 1000.0])
    for log_expit in (scipy.special.log_expit, tss.log_expit):
        f = lambda x: np.sum(log_expit(x) * np.arange(7.0))             # noqa: E731
        np.testing.assert_allclose(f(x), np.sum(scipy.special.log_expit(x) * np.arange(7.0)),
                                   rtol=1e-15)
        g = tg.grad(f)(x)
        np.testing.assert_allclose(g, scipy.special.expit(-x) * np.arange(7.0), rtol=1e-15)
        assert same(tg.jit(f)(x), f(x)) and same(tg.jit(tg.grad(f))(x), g)
        batch = np.stack([x, x / 3])
        np.testing.assert_array_equal(tg.vmap(tg.grad(f))(batch), [tg.grad(f)(b) for b in batch])
        h = tg.hessian(lambda x: log_expit(x))(0.3)
        assert abs(h + scipy.special.expit(0.3) * scipy.special.expit(-0.3)) < 1e-16
    assert tg.grad(scipy.special.log_expit)(2) == scipy.special.expit(-2.0)   # an int: float64


TWINS = {"gamma": np.array([0.3, 1.7, 2.5, -0.4, 4.0]), "erfcx": np.array([-1.5, 0.0, 0.5, 3.0]),
         "exp10": np.array([-1.0, 0.3, 1.5]), "exp2": np.array([-1.0, 0.3, 1.5]),
         "cbrt": np.array([-8.0, 0.5, 27.0]), "expm1": np.array([-1e-8, 0.3, 2.0]),
         "log1p": np.array([-0.5, 1e-9, 3.0])}


@pytest.mark.parametrize("name", sorted(TWINS))
def test_scipys_gamma_erfcx_exp10_and_the_rest_run_with_scipys_values(name: str) -> None:
    # the Weibull's scipy.special.gamma(1 + 1 / k) was refused ("Use tg.exp(gammaln(x))
    # (for x > 0)"); erfcx, exp10, exp2, cbrt, expm1 and log1p likewise
    ufunc, x = getattr(scipy.special, name), TWINS[name]
    f = lambda x: np.sum(ufunc(x) * np.arange(1.0, 1.0 + x.size))       # noqa: E731
    assert same(tg.jit(f)(x), f(x)) and same(tg.vmap(ufunc)(x), ufunc(x))
    g = tg.grad(f)(x)
    np.testing.assert_allclose(g, central(f, x, 1e-7), rtol=1e-6, atol=1e-8)
    assert same(tg.jit(tg.grad(f))(x), g)
    second = tg.hessian(lambda t: ufunc(t))(x[1])          # rules differentiate again
    h = 1e-5
    numeric = (tg.grad(ufunc)(x[1] + h) - tg.grad(ufunc)(x[1] - h)) / (2 * h)
    np.testing.assert_allclose(second, numeric, rtol=1e-5, atol=1e-9)


def test_a_scipy_ufunc_run_only_by_its_twin_says_to_import_tapegrad_scipy() -> None:
    import subprocess
    import sys
    code = ("import scipy.special, tapegrad as tg\n"
            "try:\n    tg.grad(lambda x: scipy.special.gamma(x))(3.0)\n"
            "except TypeError as e:\n    print(e)\n"
            "import tapegrad.scipy\nprint(tg.grad(lambda x: scipy.special.gamma(x))(3.0))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[0].endswith("Import tapegrad.scipy first: SciPy's own ufunc then runs on "
                           "traced values.")
    assert abs(float(out[1]) - 2 * scipy.special.digamma(3.0)) < 1e-14


def test_interp_with_a_period_is_numpys() -> None:
    # a wind-direction lookup np.interp(angle, xp, fp, period=360) was refused
    # ("tapegrad takes no period; wrap x first ...")
    xp, fp = np.array([190.0, -190.0, 350.0, -350.0]), np.array([5.0, 10.0, 3.0, 4.0])
    x = np.array([-180.0, -175.0, -185.0, 185.0, -12.0, -5.0, 0.5, 365.0, 12.0])
    f = lambda x, fp: np.interp(x, xp, fp, period=360)                 # noqa: E731
    assert same(tg.jit(f)(x, fp), f(x, fp)) and same(tg.vjp(f, x, fp)[0], f(x, fp))
    for t in (3.7, -3.7, 725.0):                                       # floats too
        g = lambda t: np.interp(t, xp, fp, period=360.0)               # noqa: E731
        assert tg.jit(g)(t) == g(t)
        np.testing.assert_allclose(tg.grad(g)(t), (g(t + 1e-6) - g(t - 1e-6)) / 2e-6, rtol=1e-7)
    w = np.linspace(1.0, 2.0, 9)
    loss = lambda x, fp: f(x, fp) @ w                                   # noqa: E731
    gx, gf = tg.grad(loss, argnums=(0, 1))(x, fp)
    np.testing.assert_allclose(gx, central(lambda x: loss(x, fp), x), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(gf, central(lambda fp: loss(x, fp), fp), rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(tg.vmap(lambda x: f(x, fp))(x.reshape(3, 3)),
                                  f(x, fp).reshape(3, 3))
    with pytest.raises(ValueError, match="period must be a non-zero value"):
        tg.jit(lambda fp: np.interp(x, xp, fp, period=0))(fp)
