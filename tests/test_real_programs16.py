"""Array programs, part sixteen: the programs of ``real_programs16.py`` under every transform.

Code as people write it in new domains, under the checks of ``program_battery.py`` (its
docstring says them), SciPy's numbers with SciPy's modules included. Then what
running them found.
"""

from __future__ import annotations

import numpy as np
import pytest
import real_programs16
import scipy.optimize
import scipy.special
import scipy.stats
from conftest import fd
from program_battery import battery, same, there_are_new_programs
from real_programs16 import MU_PF, SIGMA_PF

import tapegrad as tg
import tapegrad.scipy.special as special
import tapegrad.scipy.stats as stats

test_there_are_new_programs = there_are_new_programs(16, at_least=36)


globals().update(battery(real_programs16, scipy_rtol=1e-12, scipy_programs=4))


# ------------------------------------------------------------ what running them found
LISTS = {
    "logsumexp": (lambda v: special.logsumexp([v[0] + 1.0, v[1], v[2] * 2.0]),
                  lambda v: scipy.special.logsumexp([v[0] + 1.0, v[1], v[2] * 2.0])),
    "logsumexp b": (lambda v: special.logsumexp([v[0], v[1]], b=[0.5, 2.0]),
                    lambda v: scipy.special.logsumexp([v[0], v[1]], b=[0.5, 2.0])),
    "softmax": (lambda v: special.softmax([v[0], v[1], 0.5])[1],
                lambda v: scipy.special.softmax([v[0], v[1], 0.5])[1]),
    "log_softmax": (lambda v: special.log_softmax([[v[0], v[1]], [v[2], 0.0]], axis=1)[1, 0],
                    lambda v: scipy.special.log_softmax([[v[0], v[1]], [v[2], 0.0]], axis=1)[1, 0]),
    "norm.logpdf": (lambda v: np.sum(stats.norm.logpdf([v[0], 1.0], [0.5, v[1]], [1.0, 2.0])
                                     * v[2]),
                    lambda v: np.sum(scipy.stats.norm.logpdf([v[0], 1.0], [0.5, v[1]],
                                                             [1.0, 2.0]) * v[2])),
    "t.logpdf": (lambda v: np.sum(stats.t.logpdf([v[0], v[1]], 3.0)),
                 lambda v: np.sum(scipy.stats.t.logpdf([v[0], v[1]], 3.0))),
    "poisson.logpmf": (lambda v: np.sum(stats.poisson.logpmf([1.0, 3.0], [v[0], v[2]])),
                       lambda v: np.sum(scipy.stats.poisson.logpmf([1.0, 3.0], [v[0], v[2]]))),
    "multivariate_normal.logpdf": (
        lambda v: stats.multivariate_normal.logpdf([v[0], v[1]], [0.0, 0.5],
                                                   [[1.0, 0.2], [0.2, v[2]]]),
        lambda v: scipy.stats.multivariate_normal.logpdf([v[0], v[1]], [0.0, 0.5],
                                                         [[1.0, 0.2], [0.2, v[2]]])),
}


@pytest.mark.parametrize("name", sorted(LISTS))
def test_scipy_functions_take_lists_of_traced_numbers_as_scipy_does(name: str) -> None:
    # hmm_forward_named_states: logsumexp([fwd[r] + ... for r in states]) was "np.shape was
    # applied to a traced value" (np.array's refusal names the list as the spelling to write);
    # norm.logpdf(x, [0.5, v], ...) and b=[0.5, 2.0] failed on plain lists too
    ours, theirs = LISTS[name]
    v = np.array([0.3, 1.2, 1.7])
    np.testing.assert_allclose(ours(v), theirs(v), rtol=1e-13)
    assert same(tg.jit(ours)(v), ours(v))
    np.testing.assert_allclose(tg.grad(ours)(v), fd(theirs, v), rtol=1e-6, atol=1e-9)
    batch = np.stack([v, v + 0.1])
    assert tg.vmap(ours)(batch).tobytes() == np.stack([ours(b) for b in batch]).tobytes()


def _utility(w, gamma=3.0):
    return -(w @ MU_PF - 0.5 * gamma * w @ SIGMA_PF @ w)


def test_minimize_with_jac_from_grad_finds_the_kkt_portfolio() -> None:
    # mean-variance weights summing to one (the last weight is 1 - the others), by
    # scipy.optimize.minimize(jac=tg.grad(f)) and by jit(grad), against the KKT solution
    def f(v):
        return _utility(np.concatenate([v, 1.0 - np.sum(v, keepdims=True)]))
    kkt = np.block([[3.0 * SIGMA_PF, np.ones((4, 1))], [np.ones((1, 4)), np.zeros((1, 1))]])
    want = np.linalg.solve(kkt, np.concatenate([MU_PF, [1.0]]))[:4]
    for jac in (tg.grad(f), tg.jit(tg.grad(f))):
        res = scipy.optimize.minimize(f, np.full(3, 0.25), jac=jac, method="BFGS",
                                      options={"gtol": 1e-12})
        got = np.concatenate([res.x, [1.0 - res.x.sum()]])
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-10)


U_HESTON = (np.arange(1000) + 0.5) * 0.1      # midpoints: the integrand's 1/u at 0 is left out


def heston_call_gil_pelaez(p):
    """Heston's call by Gil-Pelaez inversion of the characteristic function, in complex numbers."""
    kappa, theta, sigma, rho, v0 = p
    S0, K, r, T = 100.0, 100.0, 0.02, 1.0

    def cf(u):
        b = kappa - rho * sigma * 1j * u
        d = np.sqrt(b ** 2 + sigma ** 2 * (1j * u + u ** 2))
        g = (b - d) / (b + d)
        e = np.exp(-d * T)
        C = kappa * theta / sigma ** 2 * ((b - d) * T - 2 * np.log((1 - g * e) / (1 - g)))
        D = (b - d) / sigma ** 2 * (1 - e) / (1 - g * e)
        return np.exp(C + D * v0 + 1j * u * (np.log(S0) + r * T))
    u, k = U_HESTON, np.log(K)
    P1 = 0.5 + np.sum(np.real(np.exp(-1j * u * k) * cf(u - 1j) / (1j * u * cf(-1j)))) * 0.1 / np.pi
    P2 = 0.5 + np.sum(np.real(np.exp(-1j * u * k) * cf(u) / (1j * u))) * 0.1 / np.pi
    return S0 * P1 - K * np.exp(-r * T) * P2


def test_heston_in_complex_numbers_compiles_and_batches_and_grad_names_the_fix() -> None:
    # complex arithmetic inside the function: jit and vmap compute NumPy's numbers; grad
    # refuses where the constant 1j meets the parameters (docs/compiling.md)
    x = np.array([2.0, 0.04, 0.3, -0.7, 0.04])
    assert same(tg.jit(heston_call_gil_pelaez)(x), heston_call_gil_pelaez(x))
    batch = np.stack([x, x * 1.01])
    assert tg.vmap(heston_call_gil_pelaez)(batch).tobytes() == np.stack(
        [heston_call_gil_pelaez(v) for v in batch]).tobytes()
    # vol of vol near 0 with v0 = theta: Black-Scholes at volatility sqrt(theta)
    d1 = (0.02 + 0.5 * 0.04) / 0.2
    bs = 100 * scipy.stats.norm.cdf(d1) - 100 * np.exp(-0.02) * scipy.stats.norm.cdf(d1 - 0.2)
    np.testing.assert_allclose(heston_call_gil_pelaez(np.array([2.0, 0.04, 1e-4, -0.7, 0.04])),
                               bs, rtol=1e-7)
    with pytest.raises(TypeError, match="met the complex constant 1j; .* Pass the real and "
                                        "imaginary parts"):
        tg.grad(heston_call_gil_pelaez)(x)
