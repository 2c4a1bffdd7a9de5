"""Array programs, part twenty-one: the programs of ``real_programs21.py`` under every transform.

Numerical recipes, estimators and simulations, under the checks of
``program_battery.py`` (its docstring says them), SciPy's numbers with SciPy's
modules included. Then what running them found.
"""

from __future__ import annotations

import numpy as np
import pytest
import real_programs21
from conftest import fd
from program_battery import battery, same, there_are_new_programs

import tapegrad as tg
import tapegrad.scipy.linalg as sla
import tapegrad.scipy.special as special

test_there_are_new_programs = there_are_new_programs(21, at_least=30)


globals().update(battery(real_programs21, scipy_rtol=1e-12, scipy_programs=5,
                         follow_helpers=True))


# ------------------------------------------------------------ what running them found
RS = np.random.RandomState(21)
U01, POS, REAL = RS.rand(60) * 0.98 + 0.01, RS.rand(60) * 5 + 0.1, RS.randn(60) * 3
RULES = {
    "betainc in x": (lambda x: special.betainc(9.5, 0.5, x), U01),
    "betainc in a, then x": (lambda x: tg.grad(special.betainc)(2.5, 1.5, x), U01),
    "gammainc in x": (lambda x: special.gammainc(2.5, x), POS),
    "gammaincc in x": (lambda x: special.gammaincc(2.5, x), POS),
    "erf": (special.erf, REAL), "erfc": (special.erfc, REAL),
    "erfinv": (special.erfinv, U01 * 1.8 - 0.9), "ndtri": (special.ndtri, U01),
    "log_expit": (special.log_expit, REAL), "stdtr in t": (lambda t: special.stdtr(3.5, t), REAL),
    "xlogy in y": (lambda y: special.xlogy(2.0, y), POS),
    "xlog1py in y": (lambda y: special.xlog1py(2.0, y), POS),
}


@pytest.mark.parametrize("name", sorted(RULES))
def test_a_special_functions_derivative_at_a_number_is_the_batchs_bits(name: str) -> None:
    # nr_ttest_ftest_betai: betainc's derivative in x, x^(a-1) (1-x)^(b-1) / B(a, b), ran
    # math.exp at a number and np.exp on a batch, an ulp apart for one number in twenty:
    # vmap(grad) was not the loop. The rules of the family compute with NumPy's bits now
    f, xs = RULES[name]
    for h in (tg.grad(f), tg.grad(tg.grad(f)), lambda x: tg.jvp(f, (x,), (1.0,))[1]):
        loop = np.array([h(x) for x in xs])
        assert same(tg.vmap(h)(xs), loop)
    g = tg.grad(f)
    np.testing.assert_allclose([g(x) for x in xs[:5]], [fd(f, x) for x in xs[:5]], rtol=1e-6,
                               atol=1e-10)


def _flip_last(factors, sign_of):
    """Write into each factor as Kabsch's reflection does: S[-1] = -S[-1], V[:, -1] = -V[:, -1]."""
    out = []
    for f in factors:
        f = f if np.ndim(f) else f * 1.0
        if np.ndim(f) == 1:
            f[-1] = -f[-1]
        elif np.ndim(f) == 2:
            f[:, -1] = sign_of * f[:, -1]
        out.append(f)
    return out


FACTORINGS = {
    "np.linalg.svd": lambda a: np.linalg.svd(a),
    "np.linalg.svd hermitian": lambda a: np.linalg.svd(a @ a.T, hermitian=True),
    "np.linalg.eigh": lambda a: np.linalg.eigh(a @ a.T),
    "np.linalg.eig": lambda a: np.linalg.eig(a @ a.T),
    "np.linalg.qr": lambda a: np.linalg.qr(a),
    "scipy.linalg.svd": lambda a: sla.svd(a),
    "scipy.linalg.eigh": lambda a: sla.eigh(a @ a.T),
    "scipy.linalg.qr": lambda a: sla.qr(a),
    "scipy.linalg.lu": lambda a: sla.lu(a),
    "scipy.linalg.lu permute_l": lambda a: sla.lu(a, permute_l=True),
    "scipy.linalg.lu_factor": lambda a: sla.lu_factor(a),
}


@pytest.mark.parametrize("name", sorted(FACTORINGS))
def test_a_write_into_a_decompositions_factor_is_numpys_write_into_a_new_array(name) -> None:
    # kabsch_rmsd_charnley with a reflection: S[-1] = -S[-1] on np.linalg.svd's S was refused
    # ("x is a view of another array"), tapegrad's factors being slices of one packed result;
    # NumPy's and SciPy's factors are arrays of their own, the others unchanged by the write
    factor = FACTORINGS[name]

    def f(p):
        a = p.reshape(3, 3)
        factors = [t for t in factor(a) if np.ndim(t) and t.dtype.kind == "f"]
        before = [t * 1.0 for t in factors]
        after = _flip_last(factors, p[0])
        return sum(np.sum(np.cos(t) * (k + 1.0)) for k, t in enumerate(before + after))

    xs = [np.array([2.0, 0.3, -0.4, 0.5, 1.5, 0.2, -0.1, 0.6, 1.0]) + 0.05 * k for k in range(3)]
    jf, g = tg.jit(f), tg.grad(f)
    for x in xs:
        assert same(jf(x), f(x))
        np.testing.assert_allclose(g(x), fd(f, x), rtol=1e-6, atol=1e-9)
    batch = np.stack(xs)
    for h in (f, g):
        assert same(tg.vmap(h)(batch), np.stack([h(x) for x in xs]))
