"""Plain NumPy/SciPy programs, part two: fits handed to ``scipy.optimize``, and what they found.

The programs of ``test_real_programs2.py`` again, and more of them:
softmax regression with one-hot labels from ``np.eye`` (float32), Tobit
regression with ``norm.logcdf``/``logsf``, a censored Weibull survival model,
a Dirichlet-multinomial with ``gammaln``, Bradley-Terry with integer index
arrays, implied volatility by Newton's method in a ``while`` loop,
mean-field Ising to a fixed point, kernel ridge regression with ``einsum``,
a Kalman filter scored with ``slogdet``, soft-DTW on a Python table of
numbers, a hypergradient through eight SGD steps (``grad`` inside),
a natural cubic spline (``np.linalg.solve`` and ``np.searchsorted``) and a
float32 N-body leapfrog. Each runs under the checks of
``test_real_programs2`` (its tests are imported below), and the smooth ones
are fitted by ``scipy.optimize.minimize`` with ``jac=tg.grad(f)`` (or
``tg.jit(tg.value_and_grad(f))`` with ``jac=True``): SciPy accepts what they
return, and the fit converges where the finite-difference fit does.

Then what running these programs found, each as a small test: NumPy's
``eigvalsh`` value, lists holding traced numbers in ``np.concatenate``,
``slogdet``'s NumPy scalars under ``jit``, and what is not fixed yet.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import scipy.optimize
import test_real_programs2 as part_one
from test_real_programs2 import Program, central, rng, same

import tapegrad as tg
import tapegrad.scipy.special as sps
import tapegrad.scipy.stats as stats

PROGRAMS: dict[str, object] = {}


def program(fn):
    PROGRAMS[fn.__name__] = fn
    return fn


# ------------------------------------------------------------ softmax regression (float32)
@program
def softmax_regression(dtype: type = np.float32) -> Program:
    rs = rng(20)
    X = rs.randn(12, 3).astype(dtype)
    labels = rs.randint(0, 4, 12)
    Y = np.eye(4, dtype=dtype)[labels]

    def f(w):
        W, b = w[:12].reshape(3, 4), w[12:]
        logits = X @ W + b
        return -np.mean(np.sum(Y * sps.log_softmax(logits, axis=1), axis=1)) + 1e-2 * np.sum(W * W)
    return Program(f, (0.3 * rs.randn(16)).astype(dtype))


# ------------------------------------------------------------ Tobit regression
@program
def tobit() -> Program:
    rs = rng(21)
    X = np.column_stack([np.ones(16), rs.randn(16)])
    y = np.maximum(X @ np.array([0.2, 1.0]) + 0.5 * rs.randn(16), 0.0)
    censored = y <= 0.0

    def f(x):
        beta, sigma = x[:2], np.exp(x[2])
        mu = X @ beta
        ll = np.where(censored, stats.norm.logcdf(-mu / sigma),
                      stats.norm.logpdf(y, mu, sigma))
        return -np.sum(ll)
    return Program(f, np.array([0.1, 0.8, -0.5]))


# ------------------------------------------------------------ Weibull survival with censoring
@program
def weibull_survival() -> Program:
    rs = rng(22)
    t = rs.weibull(1.5, 20) * 2.0
    observed = rs.rand(20) < 0.7
    z = rs.randn(20)

    def f(x):
        log_k, log_lam, beta = x
        k = np.exp(log_k)
        lam = np.exp(log_lam + beta * z)
        log_h = np.log(k) - np.log(lam) + (k - 1) * (np.log(t) - np.log(lam))
        cum_h = (t / lam) ** k
        return -np.sum(np.where(observed, log_h, 0.0) - cum_h)
    return Program(f, np.array([0.3, 0.6, 0.1]))


# ------------------------------------------------------------ Dirichlet-multinomial
@program
def dirichlet_multinomial() -> Program:
    counts = rng(23).multinomial(15, [0.2, 0.3, 0.5], size=6).astype(float)
    n = counts.sum(axis=1)

    def f(log_alpha):
        alpha = np.exp(log_alpha)
        a0 = alpha.sum()
        ll = (sps.gammaln(a0) - sps.gammaln(n + a0)
              + np.sum(sps.gammaln(counts + alpha) - sps.gammaln(alpha), axis=1))
        return -np.sum(ll)
    return Program(f, np.array([0.1, 0.4, 0.9]))


# ------------------------------------------------------------ Bradley-Terry
@program
def bradley_terry() -> Program:
    rs = rng(24)
    winners, losers = rs.randint(0, 5, 30), rs.randint(0, 5, 30)
    keep = winners != losers
    winners, losers = winners[keep], losers[keep]

    def f(skill):
        diff = skill[winners] - skill[losers]
        return np.sum(np.logaddexp(0.0, -diff)) + 0.5 * np.sum(skill ** 2)
    return Program(f, 0.1 * rs.randn(5))


# ------------------------------------------------------------ implied volatility by Newton
def implied_vol(price, S, K, T, r, sigma=0.3, tol=1e-12):
    while True:
        d1 = (np.log(S / K) + (r + 0.5 * sigma ** 2) * T) / (sigma * np.sqrt(T))
        model = part_one.black_scholes_call(S, K, T, r, sigma)
        vega = S * stats.norm.pdf(d1) * np.sqrt(T)
        step = (model - price) / vega
        sigma = sigma - step
        if abs(step) < tol:
            return sigma


@program
def implied_volatility() -> Program:
    def f(x):
        price, S = x
        return implied_vol(price, S, 100.0, 0.5, 0.02)
    return Program(f, np.array([8.0, 90.0]))


# ------------------------------------------------------------ mean-field Ising
@program
def mean_field_ising() -> Program:
    n = 6
    J = np.roll(np.eye(n), 1, axis=1) + np.roll(np.eye(n), -1, axis=1)

    def f(x):
        beta, h = x[0], x[1:]
        m = np.zeros(n)
        for _ in range(200):
            m_new = np.tanh(beta * (J @ m + h))
            if np.max(np.abs(m_new - m)) < 1e-13:
                break
            m = m_new
        return np.sum(m_new * h) - 0.5 * beta * m_new @ J @ m_new
    return Program(f, np.array([0.3, 0.2, -0.1, 0.4, 0.0, 0.1, -0.3]))


# ------------------------------------------------------------ kernel ridge regression
@program
def kernel_ridge() -> Program:
    rs = rng(25)
    X, Xt = rs.randn(8, 2), rs.randn(4, 2)
    y, yt = np.sin(X[:, 0]), np.sin(Xt[:, 0])

    def f(x):
        gamma, lam = np.exp(x[0]), np.exp(x[1])
        sq = np.einsum("ik,ik->i", X, X)[:, None] - 2 * np.einsum("ik,jk->ij", X, X) + \
            np.einsum("jk,jk->j", X, X)[None, :]
        K = np.exp(-gamma * sq)
        alpha = np.linalg.solve(K + lam * np.eye(len(X)), y)
        Kt = np.exp(-gamma * np.sum((Xt[:, None] - X[None]) ** 2, axis=-1))
        return np.mean((Kt @ alpha - yt) ** 2)
    return Program(f, np.array([-0.5, -2.0]))


# ------------------------------------------------------------ Kalman filter scored with slogdet
@program
def kalman_slogdet() -> Program:
    rs = rng(26)
    ys = np.cumsum(rs.randn(6, 2), axis=0)

    def f(x):
        Q, R = np.diag(np.exp(x[:2])), np.diag(np.exp(x[2:]))
        m, P, ll = np.zeros(2), np.eye(2), 0.0
        for y in ys:
            P = P + Q
            S = P + R
            v = y - m
            sign, logdet = np.linalg.slogdet(S)
            ll = ll - 0.5 * (logdet + v @ np.linalg.solve(S, v) + 2 * np.log(2 * np.pi))
            K = P @ np.linalg.inv(S)
            m, P = m + K @ v, (np.eye(2) - K) @ P
        return ll
    return Program(f, np.array([-1.0, -0.5, 0.0, -0.3]))


# ------------------------------------------------------------ soft-DTW on a Python table
def soft_dtw(a, b, gamma=0.1):
    D = (a[:, None] - b[None, :]) ** 2
    n, m = D.shape
    R = [[np.inf] * (m + 1) for _ in range(n + 1)]
    R[0][0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            prev = np.stack([R[i - 1][j - 1], R[i - 1][j], R[i][j - 1]])
            R[i][j] = D[i - 1, j - 1] - gamma * sps.logsumexp(-prev / gamma)
    return R[n][m]


@program
def soft_dtw_alignment() -> Program:
    b = np.sin(np.linspace(0, 3, 5))
    return Program(lambda x: soft_dtw(x, b), np.sin(np.linspace(0.2, 3.1, 4)))


# ------------------------------------------------------------ a hypergradient through SGD
@program
def sgd_hypergradient() -> Program:
    rs = rng(27)
    X, Xv = rs.randn(10, 3), rs.randn(6, 3)
    w_true = np.array([1.0, -0.5, 0.25])
    y, yv = X @ w_true + 0.1 * rs.randn(10), Xv @ w_true

    def train_loss(w, log_l2):
        return np.mean((X @ w - y) ** 2) + np.exp(log_l2) * np.sum(w ** 2)

    def f(h):
        log_lr, log_l2 = h
        w = np.zeros(3)
        for _ in range(8):
            w = w - np.exp(log_lr) * tg.grad(train_loss)(w, log_l2)
        return np.mean((Xv @ w - yv) ** 2)
    return Program(f, np.array([-2.0, -3.0]))


# ------------------------------------------------------------ natural cubic spline
def natural_cubic_spline(knots, values, xq):
    h = np.diff(knots)
    n = len(knots)
    rows = [np.eye(n)[0]]
    rhs = [0.0]
    for i in range(1, n - 1):
        row = np.zeros(n)
        row[i - 1:i + 2] = [h[i - 1], 2 * (h[i - 1] + h[i]), h[i]]
        rows.append(row)
        slopes = (values[i + 1] - values[i]) / h[i], (values[i] - values[i - 1]) / h[i - 1]
        rhs.append(6 * (slopes[0] - slopes[1]))
    rows.append(np.eye(n)[-1])
    rhs.append(0.0)
    M = np.linalg.solve(np.array(rows), np.stack(rhs))
    k = np.clip(np.searchsorted(knots, xq) - 1, 0, n - 2)
    t0, t1 = xq - knots[k], knots[k + 1] - xq
    cubic = (M[k] * t1 ** 3 + M[k + 1] * t0 ** 3) / (6 * h[k])
    return cubic + (values[k] / h[k] - M[k] * h[k] / 6) * t1 + \
        (values[k + 1] / h[k] - M[k + 1] * h[k] / 6) * t0


@program
def cubic_spline() -> Program:
    knots = np.array([0.0, 0.5, 1.2, 2.0, 2.6, 3.0])
    xq = np.linspace(0.05, 2.95, 9)
    return Program(lambda v: np.sum((natural_cubic_spline(knots, v, xq) - np.cos(xq)) ** 2),
                   np.cos(knots) + 0.1)


# ------------------------------------------------------------ N-body leapfrog (float32)
@program
def nbody_f32(dtype: type = np.float32) -> Program:
    rs = rng(28)
    vel0 = (0.1 * rs.randn(4, 2)).astype(dtype)
    masses = np.array([1.0, 0.5, 0.8, 0.3], dtype=dtype)

    def accel(pos):
        d = pos[None, :, :] - pos[:, None, :]
        r2 = np.sum(d ** 2, axis=-1) + dtype(0.05)
        return np.sum(masses[None, :, None] * d / r2[..., None] ** 1.5, axis=1)

    def f(x):
        pos, vel = x.reshape(4, 2), vel0
        for _ in range(5):
            vel = vel + dtype(0.05) * accel(pos)
            pos = pos + dtype(0.1) * vel
        return np.sum(pos[0] ** 2) + dtype(0.5) * np.sum(masses[:, None] * vel ** 2)
    return Program(f, rs.randn(8).astype(dtype))


# ------------------------------------------------------------ the checks of part one
NAMES = sorted(PROGRAMS)


@pytest.fixture(autouse=True)
def _these_programs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(part_one, "PROGRAMS", PROGRAMS)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("check", [
    part_one.test_eager_and_jit_values_are_numpys_value_and_dtype,
    part_one.test_grad_matches_central_differences,
    part_one.test_jit_grad_is_eager_grad_bit_for_bit,
    part_one.test_vmap_of_value_and_grad_is_the_loop,
    part_one.test_hessian_vector_products_match_differences_of_the_gradient,
], ids=lambda c: c.__name__[5:])
def test_part_one_checks(name: str, check) -> None:
    check(name)


def test_implied_volatility_derivative_is_one_over_vega() -> None:
    f, x = implied_volatility()
    sigma = f(x)
    d1 = (np.log(x[1] / 100.0) + (0.02 + 0.5 * sigma ** 2) * 0.5) / (sigma * np.sqrt(0.5))
    vega = x[1] * stats.norm.pdf(d1) * np.sqrt(0.5)
    delta = stats.norm.cdf(d1)
    np.testing.assert_allclose(tg.grad(f)(x), [1 / vega, -delta / vega], rtol=1e-9)


# ---------------------------------------------------- scipy.optimize with tapegrad's gradient
FITS = {   # objectives with an interior minimum (on their data; the GP's and the
    # negative binomial's run off to a boundary, as maximum likelihood may)
    "poisson_glm": part_one.poisson_glm, "student_t_regression": part_one.student_t_regression,
    "huber_regression": part_one.huber_regression, "tobit": tobit,
    "weibull_survival": weibull_survival, "bradley_terry": bradley_terry,
}


@pytest.mark.parametrize("name", sorted(FITS))
def test_scipy_minimize_with_jac_grad_converges_where_finite_differences_do(name: str) -> None:
    f, x0 = FITS[name]()
    jac = tg.grad(f)
    got = scipy.optimize.minimize(f, x0, jac=jac, method="BFGS")
    assert got.success, got.message
    assert type(got.jac) is np.ndarray and got.jac.dtype == np.float64
    assert np.max(np.abs(jac(got.x))) < 1e-5           # BFGS's gtol
    fd_fit = scipy.optimize.minimize(f, x0, method="BFGS")
    np.testing.assert_allclose(got.x, fd_fit.x, rtol=1e-4, atol=1e-4)
    assert got.fun <= fd_fit.fun + 1e-10
    jitted = scipy.optimize.minimize(tg.jit(tg.value_and_grad(f)), x0, jac=True,
                                     method="L-BFGS-B", options={"gtol": 1e-9})
    assert jitted.success, jitted.message
    np.testing.assert_allclose(jitted.x, got.x, rtol=1e-4, atol=1e-5)


def test_scipy_minimize_newton_cg_with_tapegrad_hessian_vector_products() -> None:
    f, x0 = part_one.poisson_glm()
    hessp = tg.jit(lambda x, v: tg.hvp(f, (x,), (v,)))
    got = scipy.optimize.minimize(f, x0, jac=tg.jit(tg.grad(f)), hessp=hessp,
                                  method="Newton-CG", options={"xtol": 1e-10})
    assert got.success, got.message
    assert np.max(np.abs(tg.grad(f)(got.x))) < 1e-8
    np.testing.assert_allclose(tg.hessian(f)(got.x) @ x0, hessp(got.x, x0), rtol=1e-10)


# ------------------------------------------------------------ what running them found
def _symmetric(seed: int, n: int = 4) -> np.ndarray:
    a = rng(seed).randn(n, n)
    return a @ a.T + np.diag(np.arange(n, dtype=float))


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigvalsh_is_numpys_value_and_differentiates(uplo: str) -> None:
    # was eigh's eigenvalues, which LAPACK rounds unlike eigvalsh: an ulp off NumPy
    s, t = _symmetric(30), rng(31).randn(4, 4)
    assert same(tg.jit(lambda a: np.linalg.eigvalsh(a, uplo))(s), np.linalg.eigvalsh(s, uplo))
    f = lambda a: np.sum(np.linalg.eigvalsh(a, UPLO=uplo) ** 3)       # noqa: E731
    np.testing.assert_allclose(tg.grad(f)(s).ravel(), central(lambda v: f(v.reshape(4, 4)),
                                                              s.ravel()), rtol=1e-6)
    _, tangent = tg.jvp(f, (s,), (t,))
    np.testing.assert_allclose(tangent, (f(s + 1e-6 * t) - f(s - 1e-6 * t)) / 2e-6, rtol=1e-6)
    tg.check_grads(f, (s,), order=2, modes=("fwd", "rev"))
    stack = np.stack([s, _symmetric(32)])
    assert same(tg.vmap(np.linalg.eigvalsh)(stack), np.linalg.eigvalsh(stack))
    assert np.asarray(tg.linalg.eigvalsh(s.astype(np.float32))).dtype == np.float32


def test_concatenate_of_lists_holding_traced_numbers_is_numpys() -> None:
    # np.concatenate([x[:1], [x[1] * 3], x[2:]]) was "np.shape was applied to a traced value"
    def f(x):
        y = np.concatenate([x[:1], [x[1] * 3.0], x[2:], (2.0, x[0])])
        return np.sum(np.hstack([y, [x[2] ** 2]]) ** 2)
    x = np.array([0.5, -1.0, 2.0])
    assert same(tg.jit(f)(x), f(x))
    np.testing.assert_allclose(tg.grad(f)(x), central(f, x), rtol=1e-7)
    batch = np.stack([x, 2 * x])
    np.testing.assert_array_equal(tg.vmap(tg.grad(f))(batch), [tg.grad(f)(b) for b in batch])


def test_slogdet_under_jit_gives_numpys_scalars() -> None:
    s = _symmetric(33)
    for f in (lambda a: np.linalg.slogdet(a)[1], lambda a: np.linalg.slogdet(a).sign * 2.0):
        assert same(tg.jit(f)(s), f(s))


def test_logaddexp_reduce_is_numpys_fold() -> None:     # was refused, naming tg.logsumexp
    x = np.array([0.5, -1.0, 2.0])
    assert same(tg.jit(np.logaddexp.reduce)(x), np.logaddexp.reduce(x))
    np.testing.assert_allclose(tg.grad(lambda v: np.logaddexp.reduce(v))(x),
                               np.exp(x - np.logaddexp.reduce(x)), rtol=1e-15)


def test_lstsq_solution_is_numpys_value_with_the_pseudo_inverse_derivative() -> None:
    # was the SVD pseudo-inverse's product, an ulp or so away from LAPACK's gelsd
    a, b = rng(34).randn(4, 2), rng(35).randn(4)
    f = lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0]         # noqa: E731
    assert same(tg.jit(f)(a, b), f(a, b))
    assert same(tg.jit(f)(a.astype(np.float32), b), f(a.astype(np.float32), b))
    B = rng(36).randn(4, 3)
    assert same(tg.vmap(f, in_axes=(None, 1), out_axes=1)(a, B), f(a, B))
    loss = lambda a, b: np.sum(np.sin(f(a, b)))                   # noqa: E731
    ga, gb = tg.grad(loss, argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ga.ravel(), central(lambda v: loss(v.reshape(4, 2), b),
                                                   a.ravel()), rtol=1e-7)
    np.testing.assert_allclose(gb, central(lambda v: loss(a, v), b), rtol=1e-7)
    tg.check_grads(loss, (a, b), order=2, modes=("fwd", "rev"))


def test_gru_with_float64_weights_on_float32_data_is_numpys_float64() -> None:
    f, x = part_one.gru_f32()
    x64 = x.astype(np.float64)
    assert same(tg.value_and_grad(f)(x64)[0], f(x64))


def test_iterating_a_float64_array_gives_numpys_scalars_under_jit() -> None:
    # functools.reduce and sum(... for v in x) came back a float where NumPy's is np.float64
    x = np.array([0.3, -1.2, 2.0, 0.7])
    for f in (lambda x: functools.reduce(lambda a, b: a * b + 1.0, x),
              lambda x: sum(v ** 2 for v in x)):
        assert same(tg.jit(f)(x), f(x))
        assert same(tg.jit(tg.grad(f))(x), tg.grad(f)(x))


def test_int_of_an_argmin_indexes_and_jit_guards_it_as_an_if_would() -> None:
    def f(x):
        return x[int(np.argmin(x))] ** 2 + np.sum(x)     # int(): a Python index, as NumPy's
    x = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(tg.grad(f)(x), central(f, x), rtol=1e-7)
    jf, jg = tg.jit(f), tg.jit(tg.grad(f))
    xs = [x, np.array([0.3, 1.2, -2.0]), np.array([0.5, -1.0, 2.0])]
    for v in xs:                 # the third call's argmin is the first's: no new trace
        assert same(jf(v), f(v)) and same(jg(v), tg.grad(f)(v))
    assert jf.trace_count == jg.trace_count == 2
    assert same(tg.vmap(f)(np.stack(xs)), np.stack([f(v) for v in xs]))
    with pytest.raises(TypeError, match=r"int\(\) of a traced value would drop its derivative"):
        tg.grad(lambda x: int(x[0]) * x[0])(x)


def test_augmented_add_into_a_numpy_array_says_to_assign() -> None:
    def f(x):
        h = np.zeros(2)
        h += x                  # np.add(h, x, out=h): h cannot hold a traced value
        return np.sum(h)
    with pytest.raises(TypeError, match=r"a \+= x on a NumPy array a .* write a = a \+ x"):
        tg.grad(f)(np.ones(2))


def test_logging_and_rounding_inside_a_loss_work_as_on_numpys_scalars(capsys) -> None:
    # f"{loss:.3f}" was "unsupported format string passed to Traced.__format__" and
    # round(x, 2) "type Traced doesn't define __round__"
    def f(x):
        loss = np.sum(x ** 2) + round(x[0] * 1.2345, 2) * x[1]
        print(f"loss {loss:.3f} at {x[0]:.2e}")
        return loss
    x = np.array([0.5, 1.5])
    assert same(tg.jit(f)(x), f(x))
    np.testing.assert_allclose(tg.grad(f)(x), [1.0, 3.0 + round(0.5 * 1.2345, 2)])
    assert capsys.readouterr().out.splitlines() == ["loss 3.430 at 5.00e-01"] * 3  # NumPy's too
    with pytest.raises(TypeError, match=r"round\(\) of a traced value.*np\.round\(x\)"):
        tg.grad(lambda x: round(x) * x)(1.3)


def test_numpy_reductions_of_a_list_of_traced_numbers_say_to_stack() -> None:
    # was "np.sum was applied ... Use np.sum (the nearest function tapegrad has)"
    with pytest.raises(TypeError, match=r"np\.sum was given a list.*np\.sum\(np\.stack"):
        tg.grad(lambda x: np.sum([x[0], x[1] ** 2]))(np.ones(2))
    f = lambda x: np.sum(np.stack([x[0], x[1] ** 2]))         # noqa: E731
    np.testing.assert_array_equal(tg.grad(f)(np.ones(2)), [1.0, 2.0])


def _step_controlled_decay(k):
    """An adaptive step: h follows a clipped ratio of itself, branch-free (np.minimum)."""
    t, y, h = 0.0, 1.0, 0.1
    while t < 2.0:
        t = t + h
        y = y - h * k[0] * y
        h = h * np.minimum(0.5 / (h * k[0] + 1e-12), 2.0)
    return y


def test_jit_rolls_a_while_loop_with_a_self_controlled_step() -> None:
    # t and h start as Python floats; h's last update is read by no one after the loop
    jitted, jg = tg.jit(_step_controlled_decay), tg.jit(tg.grad(_step_controlled_decay))
    for i in range(12):
        k = np.array([0.3 + 0.4 * i])
        assert same(jitted(k), _step_controlled_decay(k))
        assert same(jg(k), tg.grad(_step_controlled_decay)(k))
    assert jitted.trace_count == 1 and jg.trace_count == 1


def test_the_branching_adaptive_solver_under_jit_names_its_line_and_tg_where() -> None:
    # min(h, t_end - t) and `if err < tol` take other ways per k: past 8 patterns, a clear error
    jitted = tg.jit(part_one.ode_adaptive)
    with pytest.raises(TypeError, match=r"more than 8 specializations.*test_real_programs2\.py"
                                        r":\d+.*tg\.where"):
        for i in range(16):
            k = np.array([0.3 + 0.4 * i, 0.2 * i])
            assert same(jitted(k), part_one.ode_adaptive(k))
    batch = np.stack([np.array([0.3 + 0.4 * i, 0.2 * i]) for i in range(16)])
    np.testing.assert_allclose(tg.vmap(part_one.ode_adaptive)(batch),
                               [part_one.ode_adaptive(k) for k in batch], rtol=1e-13, atol=0)


def test_value_and_grad_gives_numpys_scalar_type() -> None:
    f, x = part_one.black_scholes()
    assert same(tg.value_and_grad(f)(x)[0], f(x))
