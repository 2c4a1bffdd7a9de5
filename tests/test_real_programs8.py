"""Plain NumPy/SciPy programs, part eight: forty-one new kinds, and what running them found.

The programs are in ``real_programs8.py`` (deep learning from scratch, geometry
and graphics, physics and engineering, statistics and finance, solvers); each
runs under every check of ``test_real_programs4.py``. Then programs whose
parameters are not one vector (a NamedTuple, a dict of arrays, a registered
dataclass), Black-Scholes greeks by ``tg.hessian`` against their closed forms,
an L-BFGS-B fit with ``jac=tg.jit(tg.grad(f))``, and each thing the programs
found, as its own test.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from math import exp as math_exp
from typing import NamedTuple

import numpy as np
import pytest
import scipy.integrate
import scipy.interpolate
import scipy.optimize
import scipy.signal
import scipy.spatial.distance
import scipy.stats
import test_real_programs4 as part_four
from real_programs8 import PROGRAMS
from test_real_programs2 import central, rng, same
from test_real_programs6 import CHECKS

import tapegrad as tg
import tapegrad.scipy.signal as tsg
import tapegrad.scipy.stats as tst


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__[5:40])
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_programs_under_the_checks_of_part_four(name: str, check, monkeypatch) -> None:
    monkeypatch.setitem(part_four.PROGRAMS, name, PROGRAMS[name])
    check(name)


def test_there_are_forty_new_programs() -> None:
    assert len(PROGRAMS) >= 40 and not set(PROGRAMS) & set(part_four.PROGRAMS)


# ------------------------------------------------------------ parameters as pytrees
class MLPParams(NamedTuple):
    W1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: float


def _mlp_loss(p: MLPParams, X: np.ndarray, y: np.ndarray) -> float:
    h = np.tanh(X @ p.W1 + p.b1)
    return np.mean((h @ p.w2 + p.b2 - y) ** 2)


def test_namedtuple_params_under_every_transform() -> None:
    rs = rng(140)
    X, y = rs.randn(7, 3), rs.randn(7)
    p = MLPParams(rs.randn(3, 4), rs.randn(4), rs.randn(4), 0.3)
    g = tg.grad(_mlp_loss)(p, X, y)
    assert type(g) is MLPParams and isinstance(g.b2, float)   # np.float64: h @ w2 met it
    e = np.zeros((3, 4))
    e[1, 2] = 1e-6
    moved = lambda s: _mlp_loss(p._replace(W1=p.W1 + s * e), X, y)    # noqa: E731
    np.testing.assert_allclose(g.W1[1, 2], (moved(1.0) - moved(-1.0)) / 2e-6, rtol=1e-6)
    np.testing.assert_allclose(g.b2, (_mlp_loss(p._replace(b2=0.3 + 1e-6), X, y) -
                                      _mlp_loss(p._replace(b2=0.3 - 1e-6), X, y)) / 2e-6,
                               rtol=1e-6)
    assert same(tg.jit(_mlp_loss)(p, X, y), _mlp_loss(p, X, y))
    staged = tg.jit(tg.grad(_mlp_loss))(p, X, y)
    assert type(staged) is MLPParams and all(same(a, b) for a, b in zip(staged, g))
    batch = MLPParams(np.stack([p.W1, 2 * p.W1]), np.stack([p.b1, -p.b1]),
                      np.stack([p.w2, p.w2]), np.array([0.3, -0.1]))
    loop = [_mlp_loss(MLPParams(*(leaf[i] for leaf in batch)), X, y) for i in range(2)]
    np.testing.assert_allclose(tg.vmap(_mlp_loss, in_axes=(0, None, None))(batch, X, y), loop,
                               rtol=1e-14)


def test_dict_of_arrays_params_with_an_adam_loop_in_numpy() -> None:
    rs = rng(141)
    X, y = rs.randn(9, 2), rs.randn(9)
    params = {"w": rs.randn(2), "b": np.array([0.1])}
    loss = lambda p: np.mean((X @ p["w"] + p["b"] - y) ** 2)           # noqa: E731

    def train(p, steps=5, lr=0.1):          # Adam written out over the dict's keys
        m = {k: np.zeros_like(v) for k, v in p.items()}
        v = {k: np.zeros_like(val) for k, val in p.items()}
        for t in range(1, steps + 1):
            g = tg.grad(loss)(p)
            for k in p:
                m[k] = 0.9 * m[k] + 0.1 * g[k]
                v[k] = 0.999 * v[k] + 0.001 * g[k] ** 2
                p = {**p, k: p[k] - lr * (m[k] / (1 - 0.9 ** t)) /
                     (np.sqrt(v[k] / (1 - 0.999 ** t)) + 1e-8)}
        return loss(p)
    assert same(tg.jit(train)(params), train(params))
    g = tg.grad(train)(params)
    for k in params:
        want = np.array([(train({**params, k: params[k] + h * e}) -
                          train({**params, k: params[k] - h * e})) / 2e-6
                         for e in np.eye(params[k].size) for h in (1e-6,)])
        np.testing.assert_allclose(g[k], want, rtol=1e-6, atol=1e-8)
    assert all(same(a, b) for a, b in zip(tg.jit(tg.grad(train))(params).values(), g.values()))


@dataclasses.dataclass
class Spring:
    k: float
    rest: float


@dataclasses.dataclass(frozen=True)
class Layer:
    W: np.ndarray
    b: np.ndarray
    name: str = dataclasses.field(default="dense", compare=False)


def test_a_dataclass_is_refused_by_name_and_registered_it_differentiates() -> None:
    # the refusal said tg.tree.register(Spring, flatten, unflatten), with the two
    # functions to write; JAX's register_dataclass is one call
    energy = lambda s, x: 0.5 * s.k * (x - s.rest) ** 2                # noqa: E731
    with pytest.raises(TypeError, match=r"s is a Spring.*tg\.tree\.register_dataclass\(Spring\)"):
        tg.grad(energy)(Spring(2.0, 1.0), 1.5)
    assert tg.tree.register_dataclass(Spring) is Spring
    g = tg.grad(energy)(Spring(2.0, 1.0), 1.5)
    assert g == Spring(0.125, -1.0)
    assert same(tg.jit(energy)(Spring(2.0, 1.0), 1.5), energy(Spring(2.0, 1.0), 1.5))
    springs = Spring(np.array([1.0, 2.0]), np.array([0.5, 1.0]))
    np.testing.assert_array_equal(tg.vmap(energy, in_axes=(0, None))(springs, 1.5),
                                  [energy(Spring(1.0, 0.5), 1.5), energy(Spring(2.0, 1.0), 1.5)])
    tg.tree.register_dataclass(Layer, meta_fields=("name",))   # frozen; a name, not a number
    layer = Layer(np.eye(2), np.zeros(2), "first")
    g = tg.grad(lambda layer: np.sum(np.tanh(layer.W @ np.ones(2) + layer.b)))(layer)
    assert type(g) is Layer and g.name == "first"
    np.testing.assert_allclose(g.b, 1 - np.tanh(1.0) ** 2 * np.ones(2), rtol=1e-15)
    np.testing.assert_allclose(g.W, np.outer(g.b, np.ones(2)), rtol=1e-15)
    with pytest.raises(TypeError, match=r"not a dataclass"):
        tg.tree.register_dataclass(dict)


# ------------------------------------------------------------ closed forms
def _call(S, K, T, r, sigma):
    d1 = (np.log(S / K) + (r + 0.5 * sigma ** 2) * T) / (sigma * np.sqrt(T))
    return S * tst.norm.cdf(d1) - K * np.exp(-r * T) * tst.norm.cdf(d1 - sigma * np.sqrt(T))


def test_black_scholes_greeks_by_hessian_are_the_closed_forms() -> None:
    S, K, T, r, sigma = 100.0, 95.0, 0.75, 0.02, 0.3
    price = lambda v: _call(v[0], K, T, r, v[1])                      # noqa: E731
    d1 = (math.log(S / K) + (r + 0.5 * sigma ** 2) * T) / (sigma * math.sqrt(T))
    d2 = d1 - sigma * math.sqrt(T)
    pdf = scipy.stats.norm.pdf(d1)
    delta, vega = scipy.stats.norm.cdf(d1), S * pdf * math.sqrt(T)
    gamma, vanna = pdf / (S * sigma * math.sqrt(T)), -pdf * d2 / sigma
    volga = vega * d1 * d2 / sigma
    v = np.array([S, sigma])
    np.testing.assert_allclose(tg.grad(price)(v), [delta, vega], rtol=1e-12)
    H = tg.hessian(price)(v)
    np.testing.assert_allclose(H, [[gamma, vanna], [vanna, volga]], rtol=1e-10)
    assert same(tg.jit(tg.hessian(price))(v), H)
    spots = np.array([[90.0, 0.3], [100.0, 0.2], [110.0, 0.4]])
    np.testing.assert_allclose(tg.vmap(tg.hessian(price))(spots),
                               [tg.hessian(price)(s) for s in spots], rtol=1e-13)


def test_lbfgsb_with_bounds_and_a_jitted_gradient_fits_where_finite_differences_do() -> None:
    rs = rng(142)
    X = rs.randn(40, 3)
    y = (X @ [1.5, -2.0, 0.5] + 0.3 * rs.randn(40) > 0).astype(float)

    def nll(w):                     # logistic regression, as the scikit-learn tutorials write it
        z = X @ w[:3] + w[3]
        return np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * np.sum(w[:3] ** 2)
    bounds = [(-1.0, 1.0)] * 3 + [(None, None)]
    ours = scipy.optimize.minimize(nll, np.zeros(4), jac=tg.jit(tg.grad(nll)),
                                   method="L-BFGS-B", bounds=bounds)
    plain = scipy.optimize.minimize(nll, np.zeros(4), method="L-BFGS-B", bounds=bounds)
    assert ours.success and plain.success and ours.nfev <= plain.nfev
    np.testing.assert_allclose(ours.x, plain.x, atol=1e-4)
    assert ours.x[1] == -1.0          # the bound is active


# ------------------------------------------------------------ what running them found
def test_math_functions_on_traced_values_name_the_call_and_numpys_spelling() -> None:
    # math.exp(x) said only "float() of a traced value would drop its derivative",
    # naming neither the call, nor its line, nor the function to write instead
    cases = [(lambda x: math.exp(x) * 2.0, r"math\.exp\(x\) at .*test_real_programs8\.py:\d+ "
              r".*Write np\.exp\(x\) \(or tg\.exp, the same function\) instead"),
             (lambda x: math_exp(x + 1.0), r"math_exp\(x \+ 1\.0\) .*Write np\.exp\(x \+ 1\.0\)"),
             (lambda x: math.log(x, 10), r"Write np\.log\(x\) / np\.log\(10\) instead"),
             (lambda x: math.sqrt(math.atan2(x, 1.0)), r"^math\.atan2\(x, 1\.0\) .*"
              r"np\.arctan2\(x, 1\.0\)"),
             (lambda x: math.lgamma(x), r"tapegrad\.scipy\.special\.gammaln\(x\)"),
             (lambda x: math.fabs(x), r"Write np\.abs\(x\)"),
             (lambda x: math.fsum([x, x * x]), r"Write sum\(\[x, x \* x\]\)")]
    for f, message in cases:
        for transform in (tg.grad, tg.jit, tg.vmap):
            with pytest.raises(TypeError, match=message):
                transform(f)(np.array([0.5, 0.7]) if transform is tg.vmap else 0.5)
    x = 0.5               # the spellings given run, and differentiate
    for f, df in ((lambda x: np.exp(x) * 2.0, 2 * math.exp(x)),
                  (lambda x: np.log(x) / np.log(10), 1 / (x * math.log(10))),
                  (lambda x: np.sqrt(np.arctan2(x, 1.0)),
                   0.5 / math.sqrt(math.atan(x)) / (1 + x * x)),
                  (lambda x: np.abs(x), 1.0), (lambda x: sum([x, x * x]), 1 + 2 * x)):
        assert math.isclose(tg.grad(f)(x), df, rel_tol=1e-14) and tg.jit(f)(x) == f(x)


def test_np_array_of_traced_entries_names_the_np_stack_that_builds_it() -> None:
    # a rotation matrix written np.array([[c, -s], [s, c]]) got "Use tg.stack (of traced
    # floats or arrays)", with no line and no spelling for a nested list
    def rotated(t):
        R = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
        return np.sum(R @ np.array([1.0, 2.0]))
    for transform in (tg.grad, tg.jit):
        with pytest.raises(TypeError, match=r"^np\.array\(\[\[np\.cos\(t\), .*\]\]\) at "
                           r".*test_real_programs8\.py:\d+: .*Stack them instead: "
                           r"np\.stack\(\[np\.stack\(\[np\.cos\(t\), -np\.sin\(t\)\]\), "
                           r"np\.stack\(\[np\.sin\(t\), np\.cos\(t\)\]\)\]\) "
                           r"\(np\.stack runs tg\.stack\)\.$"):
            transform(rotated)(0.3)

    def as_told(t):
        R = np.stack([np.stack([np.cos(t), -np.sin(t)]), np.stack([np.sin(t), np.cos(t)])])
        return np.sum(R @ np.array([1.0, 2.0]))
    assert math.isclose(tg.grad(as_told)(0.3), -3 * math.sin(0.3) - math.cos(0.3),
                        rel_tol=1e-14)
    assert same(tg.jit(as_told)(0.3), as_told(0.3))


def test_np_asarray_of_a_traced_array_says_to_drop_it() -> None:
    # "x = np.asarray(x)" at the top of a function said "Use tg.stack", and a cast
    # np.float64(x) the same, with a paragraph about indexing
    x = np.array([0.5, 1.5])
    with pytest.raises(TypeError, match=r"^np\.asarray\(x\) at .*: x is traced.*write x "
                       r"\(and x\.astype\(np\.float64\) for a cast;"):
        tg.grad(lambda x: np.sum(np.asarray(x) ** 2))(x)
    with pytest.raises(TypeError,
                       match=r"^np\.float64\(s\) at .*write s\.astype\(np\.float64\)\.$"):
        tg.jit(lambda s: np.float64(s) * 2)(0.5)
    assert tg.grad(lambda s: s.astype(np.float64) * 2)(np.float32(0.5)) == 2.0


def test_polyfit_differentiates_as_least_squares() -> None:
    # np.polyfit on traced data was refused ("Use np.polyint ... if it fits")
    x = np.linspace(0, 2, 7)
    y = np.sin(x)
    f = lambda y: np.sum(np.polyfit(x, y, 2) * [1.0, 2.0, 3.0])       # noqa: E731
    assert same(tg.jit(f)(y), f(y)) and np.allclose(tg.value_and_grad(f)(y)[0], f(y))
    g = tg.grad(f)(y)
    V = np.vander(x, 3)            # linear in y: the gradient is pinv(V).T @ weights
    np.testing.assert_allclose(g, np.linalg.pinv(V).T @ [1.0, 2.0, 3.0], rtol=1e-10)
    assert same(tg.jit(tg.grad(f))(y), g)
    fx = lambda x: np.sum(np.polyfit(x, y, 2, w=np.linspace(1, 2, 7)) ** 2)   # noqa: E731
    np.testing.assert_allclose(tg.grad(fx)(x), central(fx, x), rtol=1e-6)
    assert same(tg.jit(fx)(x), fx(x))
    Y = np.stack([y, y ** 2], 1)
    f2 = lambda Y: np.polyfit(x, Y, 1)                                # noqa: E731
    assert same(tg.jit(f2)(Y), f2(Y))
    np.testing.assert_allclose(tg.vmap(f)(np.stack([y, 2 * y])), [f(y), f(2 * y)], rtol=1e-13)


def test_float32_gradient_through_float64_scalars_is_the_same_under_jit() -> None:
    # one ulp apart: under grad inside jit, abs(r) of an np.float64 r (traced twice over)
    # was tg.abs's Python float, not NumPy's np.float64 as in eager, so jit's trace summed
    # the loss in float32 and seeded the backward pass with np.float32(1.0)
    rs = np.random.RandomState(131)
    xs, ys = list(rs.randn(3)), list(2 * rs.randn(3))

    def f(p):                   # three absolute residuals against np.float64 data points
        res = [abs(y - (p[0] * x + p[1])) for x, y in zip(xs, ys)]
        return sum(r * r for r in res) + p[1] * p[1]
    x = np.array([0.8, -0.3], dtype=np.float32)
    assert same(tg.jit(tg.grad(f))(x), tg.grad(f)(x))
    c = np.float64(0.3)
    for g in (lambda p: abs(c - p[0]) * abs(c - p[0]) + p[1] * p[1],
              lambda p: (c - p[0]) ** 2 + p[1] ** 2, lambda p: p[1] ** 2 + abs(p[0] * c)):
        assert same(tg.jit(tg.grad(g))(x), tg.grad(g)(x))
        assert same(tg.jit(tg.hessian(g))(x), tg.hessian(g)(x))


def test_statistics_and_float_of_traced_values_name_the_call_and_line() -> None:
    # statistics.mean said "can't convert type 'Traced' to numerator/denominator";
    # statistics.fmean blamed math.fsum inside statistics.py; float(x) named no line
    data = lambda s: [s[0], s[1] * 2.0]                                # noqa: E731
    for fn, use in ((statistics.mean, r"np\.mean\(np\.stack\(data\(s\)\)\)"),
                    (statistics.fmean, r"np\.mean\(np\.stack\(data\(s\)\)\)"),
                    (statistics.stdev, r"np\.std\(np\.stack\(data\(s\)\), ddof=1\)")):
        for transform in (tg.grad, tg.jit):
            with pytest.raises(TypeError, match=r"^fn\(data\(s\)\) at .*test_real_programs8\.py:"
                               rf"\d+ converts .*statistics's functions .* Write {use}.* instead"):
                transform(lambda s: fn(data(s)))(np.array([0.5, 1.5]))
    g = tg.grad(lambda s: np.std(np.stack(data(s)), ddof=1))(np.array([0.5, 1.5]))
    np.testing.assert_allclose(g, [-np.sqrt(0.5), 2 * np.sqrt(0.5)], rtol=1e-14)
    with pytest.raises(TypeError, match=r"^float\(np\.sum\(s\)\) at .*test_real_programs8\.py"
                       r":\d+: float\(\) of a traced value would drop its derivative"):
        tg.grad(lambda s: float(np.sum(s)) * 2)(np.ones(2))


def test_numpy_given_lists_of_traced_values_names_the_stacked_call() -> None:
    # np.dot([a, b], [1.0, 2.0]) was told to call "np.dot(np, [a, b], ...)" (an array
    # method's advice), np.linalg.norm([a, b]) to use "np.norm", which NumPy has not,
    # np.exp([a, b]) and np.concatenate([[a], [b]]) got the np.asarray paragraph
    cases = [(lambda s: np.dot([s[0], s[1]], [1.0, 2.0]), 5.0,
              r"np\.dot\(np\.stack\(\[s\[0\], s\[1\]\]\), \[1\.0, 2\.0\]\)"),
             (lambda s: np.linalg.norm([s[0], s[1]]), 3.0,
              r"np\.linalg\.norm\(np\.stack\(\[s\[0\], s\[1\]\]\)\)"),
             (lambda s: np.sum(np.exp([s[0], -s[1]])), 1.0,
              r"np\.exp\(np\.stack\(\[s\[0\], -s\[1\]\]\)\)"),
             (lambda s: np.sum(np.concatenate([[s[0]], [s[1]]]) ** 2), 4.0,
              r"np\.concatenate\(\[np\.stack\(\[s\[0\]\]\), np\.stack\(\[s\[1\]\]\)\]\)"),
             (lambda s: np.mean([v * v for v in s]), 0.5,
              r"np\.mean\(np\.stack\(\[v \* v for v in s\]\)\)")]
    x = np.array([1.0, 2.0])
    for f, _, spelled in cases:
        for transform in (tg.grad, tg.jit):
            with pytest.raises(TypeError, match=r"^np\.\S+ was given a list or tuple holding "
                               rf"traced values.*Stack it first: {spelled}"):
                transform(f)(x)
    told = [lambda s: np.dot(np.stack([s[0], s[1]]), [1.0, 2.0]),     # as told: they run
            lambda s: np.linalg.norm(np.stack([s[0], s[1]])),
            lambda s: np.sum(np.exp(np.stack([s[0], -s[1]]))),
            lambda s: np.sum(np.concatenate([np.stack([s[0]]), np.stack([s[1]])]) ** 2),
            lambda s: np.mean(np.stack([v * v for v in s]))]
    for f in told:
        np.testing.assert_allclose(tg.grad(f)(x), central(f, x), rtol=1e-8)
        assert same(tg.jit(f)(x), f(x))


def test_a_random_draw_with_a_traced_parameter_names_the_moved_draw() -> None:
    # rng.normal(loc=mu) said "np.asarray was applied ... Use tg.stack"
    def sample_mean(mu):
        return np.mean(np.random.default_rng(0).normal(loc=mu, scale=1.0, size=4))
    with pytest.raises(TypeError, match=r"^np\.random\.default_rng\(0\)\.normal\(loc=mu, "
                       r"scale=1\.0, size=4\) draws from a NumPy random generator.*loc \+ scale \* "
                       r"rng\.standard_normal\(size\)\. \(at .*test_real_programs8\.py:\d+"):
        tg.grad(sample_mean)(0.3)
    moved = lambda mu: np.mean(mu + 1.0 * np.random.default_rng(0).standard_normal(4))  # noqa
    assert tg.grad(moved)(0.3) == 1.0 and same(tg.jit(moved)(0.3), moved(0.3))


def test_ufunc_accumulate_is_the_running_loop_it_means() -> None:
    # a drawdown's running peak np.maximum.accumulate(wealth) was refused: "tapegrad has
    # no np.maximum.accumulate"
    X = np.array([[1.0, 3.0, 2.0, 3.0], [0.5, -1.0, 4.0, 2.0], [2.0, 2.5, 0.1, 9.0]])
    for f in (lambda x: np.maximum.accumulate(x, axis=1), lambda x: np.minimum.accumulate(x),
              lambda x: np.add.accumulate(x), lambda x: np.multiply.accumulate(x, axis=-1),
              lambda x: np.maximum.accumulate(x[0] * x[1])):
        assert same(tg.jit(f)(X), f(X))
        batch = np.stack([X, -X, X[::-1]])
        np.testing.assert_array_equal(tg.vmap(f)(batch), np.stack([f(b) for b in batch]))
        loss = lambda x: np.sum(f(x) * np.arange(1.0, 1.0 + f(X).size).reshape(f(X).shape))  # noqa
        at = X + 0.01 * rng(143).randn(3, 4)       # no ties
        np.testing.assert_allclose(tg.grad(loss)(at).ravel(),
                                   central(lambda v: loss(v.reshape(3, 4)), at.ravel()),
                                   rtol=1e-7, atol=1e-8)
    # away from ties the running max is the loop it means, derivative included; at a tie
    # the derivative goes to the first of the equal elements (each place is one element)
    x = np.array([1.0, 3.0, 2.0, 3.0, 5.0])
    loop = lambda x: x[0] + np.maximum(x[0], x[1]) + np.maximum(np.maximum(x[0], x[1]), x[2])  # noqa
    np.testing.assert_array_equal(tg.grad(lambda x: np.sum(np.maximum.accumulate(x[:3])))(x),
                                  tg.grad(loop)(x))
    np.testing.assert_array_equal(tg.grad(lambda x: np.sum(np.maximum.accumulate(x)))(x),
                                  [1.0, 3.0, 0.0, 0.0, 1.0])


def test_scipy_routines_without_a_counterpart_name_a_spelling_that_runs() -> None:
    # quad's float() of the integrand named no call and no line; convolve2d, cdist and
    # interp1d said "tapegrad.scipy has only ...: write it with tapegrad functions"
    with pytest.raises(TypeError, match=r"^scipy\.integrate\.quad\(lambda t: s \* t \*\* 2, "
                       r"0, 1\) at .*test_real_programs8\.py:\d+ .*inside scipy\.integrate\.quad"
                       r".*leggauss"):
        tg.grad(lambda s: scipy.integrate.quad(lambda t: s * t ** 2, 0, 1)[0])(0.5)
    t, w = np.polynomial.legendre.leggauss(30)            # as told: exact for polynomials
    quad = lambda s, a=0.0, b=1.0: 0.5 * (b - a) * np.sum(                 # noqa: E731
        w * (s * (0.5 * (b - a) * t + 0.5 * (a + b)) ** 2))
    assert math.isclose(tg.grad(quad)(0.5), 1 / 3, rel_tol=1e-14)
    X, K = rng(144).randn(3, 2), np.array([[1.0, 2.0], [0.5, -1.0]])
    for refused, told, alt in (
            (lambda x: np.sum(scipy.signal.convolve2d(x, K) ** 2),
             lambda x: np.sum(tsg.convolve(x, K) ** 2), r"tapegrad\.scipy\.signal\.convolve"),
            (lambda x: np.sum(scipy.spatial.distance.cdist(x, K)),
             lambda x: np.sum(np.sqrt(np.sum((x[:, None, :] - K[None, :, :]) ** 2, axis=-1))),
             r"np\.sqrt\(np\.sum\(\(XA\[:, None, :\] - XB"),
            (lambda x: scipy.interpolate.interp1d(np.arange(3.0), x[:, 0])(1.5),
             lambda x: np.interp(1.5, np.arange(3.0), x[:, 0]), r"np\.interp\(x_new, x, y\)")):
        with pytest.raises(TypeError, match=rf"was applied to a traced value.*Use {alt}"):
            tg.grad(refused)(X)
        np.testing.assert_allclose(told(X), refused(X), rtol=1e-13)
        np.testing.assert_allclose(tg.grad(told)(X).ravel(),
                                   central(lambda v: told(v.reshape(3, 2)), X.ravel()),
                                   rtol=1e-7, atol=1e-9)


def test_digitize_and_put_along_axis_run() -> None:
    # np.put_along_axis was told "Use np.take_along_axis (the nearest function tapegrad
    # has) if it fits", its opposite; np.digitize was refused
    x, bins, idx = np.array([0.5, 1.2, -0.3, 0.8]), np.array([0.0, 1.0]), np.array([[0], [1]])
    binned = lambda s: np.sum(np.digitize(s, bins) * s)                      # noqa: E731
    same(tg.jit(binned)(x), binned(x))
    np.testing.assert_array_equal(tg.grad(binned)(x), np.digitize(x, bins).astype(float))

    def put(a):
        a = a.reshape(2, 2).copy()
        np.put_along_axis(a, idx, 0.0, axis=1)
        return np.sum(a ** 2)
    assert same(tg.jit(put)(x), put(x))     # was refused, naming the spelling below: runs
    told = lambda s: np.sum(np.where(np.arange(2) == idx, 0.0, s.reshape(2, 2)) ** 2)  # noqa
    assert told(x) == put(x)
    np.testing.assert_allclose(tg.grad(told)(x), central(told, x), rtol=1e-8)
    assert same(tg.grad(put)(x), tg.grad(told)(x))


# ------------------------------------------------------------ float32 from end to end
_X32, _IMG32 = rng(145).randn(5, 3).astype(np.float32), rng(146).randn(6, 6).astype(np.float32)


def _attention32(w):
    Wq, Wk, Wv = w[:9].reshape(3, 3), w[9:18].reshape(3, 3), w[18:].reshape(3, 3)
    s = (_X32 @ Wq) @ (_X32 @ Wk).T / np.sqrt(np.float32(3))
    s = np.where(np.triu(np.ones((5, 5), dtype=bool), 1), -np.inf, s)
    a = np.exp(s - s.max(-1, keepdims=True))
    return np.sum((a / a.sum(-1, keepdims=True) @ (_X32 @ Wv)) ** 2)


def _conv32(w):
    cols = np.stack([_IMG32[i:i + 3, j:j + 3].ravel() for i in range(4) for j in range(4)])
    out = np.maximum(cols @ w[:9] + w[9], np.float32(0)).reshape(4, 4)
    return np.sum(out.reshape(2, 2, 2, 2).max(axis=(1, 3)) ** 2)


def _batch_norm32(p):
    h = _X32 @ p[:9].reshape(3, 3)
    xhat = (h - h.mean(0)) / np.sqrt(h.var(0) + np.float32(1e-5))
    return np.sum(np.tanh(p[9:12] * xhat + p[12:]) ** 2)


def _lstm32(p):
    W, h, c = p.reshape(3, 8), np.zeros(2, np.float32), np.zeros(2, np.float32)
    for x in _X32:
        z = np.concatenate([x[:1], h]) @ W
        i, f, o = (1 / (1 + np.exp(-z[k:k + 2])) for k in (0, 2, 4))
        c = f * c + i * np.tanh(z[6:])
        h = o * np.tanh(c)
    return np.sum(h ** 2) + np.sum(c)


def _cross_entropy32(w):
    logits = _X32 @ w.reshape(3, 4)
    return -np.mean(logits[np.arange(5), [0, 1, 2, 3, 0]] -
                    np.log(np.sum(np.exp(logits), axis=1)))


FLOAT32 = {"attention": (_attention32, 27), "conv": (_conv32, 10), "lstm": (_lstm32, 24),
           "batch_norm": (_batch_norm32, 15), "cross_entropy": (_cross_entropy32, 12)}


@pytest.mark.parametrize("name", sorted(FLOAT32))
def test_float32_programs_stay_float32_bit_for_bit(name: str) -> None:
    f, n = FLOAT32[name]
    w = (0.5 * rng(147).randn(n)).astype(np.float32)
    value, g = tg.value_and_grad(f)(w)
    assert same(tg.jit(f)(w), f(w)) and type(f(w)) is np.float32 and value == f(w)
    assert g.dtype == np.float32
    assert same(tg.jit(tg.grad(f))(w), g) and same(tg.grad(tg.jit(f))(w), g)
    batch = np.stack([w, w * np.float32(0.5), -w])
    assert same(tg.vmap(f)(batch), np.stack([f(b) for b in batch]))
    assert same(tg.vmap(tg.grad(f))(batch), np.stack([tg.grad(f)(b) for b in batch]))
    w64 = w.astype(np.float64)          # float64 parameters make the program float64: its twin
    g64 = tg.grad(f)(w64)
    np.testing.assert_allclose(g64, central(f, w64), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(g, g64, rtol=2e-4, atol=2e-5)


def test_robot_arm_jacobian_by_jacfwd_is_the_closed_form() -> None:
    lengths = np.array([1.0, 0.8, 0.5])

    def end_effector(q):            # planar forward kinematics
        angles = np.cumsum(q)
        return np.stack([np.sum(lengths * np.cos(angles)), np.sum(lengths * np.sin(angles))])

    def closed_form(q):             # J[:, j] = sum over links k >= j of l_k (-sin, cos)(a_k)
        a = np.cumsum(q)
        return np.array([[-np.sum((lengths * np.sin(a))[j:]) for j in range(3)],
                         [np.sum((lengths * np.cos(a))[j:]) for j in range(3)]])
    qs = np.array([[0.3, 0.5, -0.2], [1.0, -0.4, 0.9], [0.0, 0.0, 0.0]])
    for q in qs:
        J = tg.jacfwd(end_effector)(q)
        np.testing.assert_allclose(J, closed_form(q), rtol=1e-13, atol=1e-15)
        assert same(tg.jit(tg.jacfwd(end_effector))(q), J)
        np.testing.assert_allclose(tg.jacrev(end_effector)(q), J, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(tg.vmap(tg.jacfwd(end_effector))(qs),
                               [tg.jacfwd(end_effector)(q) for q in qs], rtol=1e-14, atol=0)


def test_per_example_gradients_by_vmap_over_the_data() -> None:
    rs = rng(148)
    X, y, w = rs.randn(6, 3), (rs.rand(6) < 0.5).astype(float), rs.randn(3)

    def nll(w, x, label):           # one example's logistic loss
        z = x @ w
        return np.logaddexp(0.0, z) - label * z
    per_example = tg.vmap(tg.grad(nll), in_axes=(None, 0, 0))(w, X, y)
    closed = (1 / (1 + np.exp(-X @ w)) - y)[:, None] * X
    np.testing.assert_allclose(per_example, closed, rtol=1e-13)
    np.testing.assert_allclose(per_example,
                               np.stack([tg.grad(nll)(w, x, t) for x, t in zip(X, y)]),
                               rtol=1e-14, atol=0)
    assert same(tg.jit(tg.vmap(tg.grad(nll), in_axes=(None, 0, 0)))(w, X, y), per_example)


def test_weighted_covariance_is_numpys_and_differentiates_in_its_weights() -> None:
    # np.cov(X, aweights=w), a weighted portfolio's or an EM step's, was refused: "tapegrad's
    # np.cov takes only the keywords y, rowvar, bias, ddof"
    rs = rng(149)
    X, aw, fw = rs.randn(3, 6), rs.rand(6) + 0.5, np.array([1, 2, 1, 3, 1, 1])
    for kw in ({"aweights": aw}, {"fweights": fw}, {"fweights": fw, "aweights": aw},
               {"aweights": aw, "ddof": 0}, {"aweights": aw, "bias": True}):
        f = lambda X: np.cov(X, **kw)                                  # noqa: E731
        assert same(tg.jit(f)(X), f(X)) and same(tg.vjp(f, X)[0], f(X))
        assert tg.jit(f)(X[0]) == f(X[0])    # (a 0-d array in NumPy: part five's xfail)
    risk = lambda w: np.sum(np.cov(X, aweights=np.exp(w)) ** 2)         # noqa: E731
    w = 0.1 * rs.randn(6)
    np.testing.assert_allclose(tg.grad(risk)(w), central(risk, w), rtol=1e-6, atol=1e-9)
    assert same(tg.jit(tg.grad(risk))(w), tg.grad(risk)(w))
    np.testing.assert_allclose(tg.vmap(risk)(np.stack([w, -w])), [risk(w), risk(-w)],
                               rtol=1e-14)
