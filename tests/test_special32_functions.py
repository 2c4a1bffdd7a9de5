"""``tapegrad.scipy.special``'s functions from ``jax.scipy.special``'s list.

Those computed here (``zeta``, ``gammasgn``, ``rgamma``, ``beta``, ``poch``,
``exp1``, ``expi``, ``spence``, ``bernoulli``, ``bessel_jn``, ``lpmn``, ``lpmn_values``,
``i0``, and ``i0e``, SciPy's bits by Cephes' series) agree with SciPy to a
stated tolerance and work without SciPy; those computed by SciPy (``expn``,
``fresnel``, ``spherical_jn``, ...) give SciPy's values bit for bit and
raise an ImportError naming the function without it. For
each: derivatives of both orders against central differences, jit and vmap
equal to eager bit for bit (float32 kept), and the refused derivatives.
"""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from typing import Any

import numpy as np
import pytest
from conftest import WITHOUT_SCIPY, fd

import tapegrad as tg
import tapegrad.scipy.special as S

sp = pytest.importorskip("scipy.special")

X = np.array([0.3, 1.7, 2.5, 4.2])


def same(got: Any, want: Any) -> None:
    g, w = np.asarray(got), np.asarray(want)
    assert (g.dtype, g.shape) == (w.dtype, w.shape), (g.dtype, g.shape, w.dtype, w.shape)
    assert g.tobytes() == w.tobytes(), (g, w)


def test_the_functions_computed_here_agree_with_scipy():
    x, q = np.array([1.5, 2.0, 3.5, 8.0, 30.0])[:, None], np.array([0.2, 1.0, 3.7, 40.0])
    np.testing.assert_allclose(S.zeta(x, q), sp.zeta(x, q), rtol=2e-14)
    np.testing.assert_allclose(S.zeta(x[:, 0]), sp.zeta(x[:, 0]), rtol=2e-14)
    assert S.zeta(1.0, 2.0) == np.inf and np.isnan(S.zeta(0.5, 2.0)) and np.isnan(S.zeta(2.0, 0.0))
    edges = np.array([-2.5, -1.5, -0.5, -0.0, 0.0, -1.0, -3.0, 0.7, np.inf, -np.inf, np.nan])
    same(S.gammasgn(edges), sp.gammasgn(edges))
    y = np.array([-2.5, -1.0, 0.0, 0.3, 1.7, 12.5, 150.0])
    np.testing.assert_allclose(S.rgamma(y), sp.rgamma(y), rtol=1e-14, atol=0)
    a, b = np.array([0.3, 1.7, 2.5, 40.0]), np.array([1.3, 0.2, 7.5, 3.0])
    np.testing.assert_allclose(S.beta(a, b), sp.beta(a, b), rtol=1e-13)
    np.testing.assert_allclose(S.poch(a, b), sp.poch(a, b), rtol=1e-13)
    assert S.poch(-2.0, 0.0) == sp.poch(-2.0, 0.0) == 1.0
    np.testing.assert_allclose(S.bernoulli(20), sp.bernoulli(20), rtol=1e-11)  # SciPy: 2e-12
    assert S.bernoulli(12)[12] == -691 / 2730 and S.bernoulli(1)[1] == -0.5   # exact, rounded
    np.testing.assert_allclose(S.i0(y), sp.i0(y), rtol=1e-15)
    e = np.array([0.0, 1e-9, 0.3, 1.0, 2.0, 2.01, 7.5, 39.9, 40.1, 700.0, np.inf])
    np.testing.assert_allclose(S.exp1(e), sp.exp1(e), rtol=1e-14)
    assert np.isnan(S.exp1(-1.0)) and np.isnan(sp.exp1(-1.0))
    e = np.concatenate([e, -e, [0.3725, 0.3726]])        # Ei's zero: absolutely
    # SciPy's own Ei(40.1) is 2.6e-14 off: 6657825191606925 for mpmath's ...7100 (ours ...7099)
    np.testing.assert_allclose(S.expi(e), sp.expi(e), rtol=5e-14, atol=1e-15)
    assert S.exp1(np.float32(0.5)).dtype == np.float32
    w = np.concatenate([[0.0, 1e-300, 0.5, 0.99, 1.0, 1.01, 2.0, 1e10, -1.0, np.inf],
                        np.linspace(0.0, 4.0, 41), np.geomspace(1e-8, 1e8, 33)])
    np.testing.assert_allclose(S.spence(w), sp.spence(w), rtol=5e-15, atol=1e-300)
    assert tg.grad(S.spence)(1.0) == -1.0 and tg.grad(tg.grad(S.spence))(1.0) == 0.5


def test_bessel_jn_and_lpmn_agree_with_scipy():
    z = np.array([0.5, 2.5, 7.0, 15.0])
    np.testing.assert_allclose(S.bessel_jn(z, v=4), [sp.jv(k, z) for k in range(5)],
                               rtol=0, atol=2e-15)
    assert S.bessel_jn(np.float32(1.5), v=2).dtype == np.float32
    x, n = np.array([-0.9, -0.2, 0.4, 0.75]), 4
    p, d = S.lpmn(n, n, x)
    for m in range(n + 1):
        for deg in range(n + 1):
            want = sp.lpmv(m, deg, x) if m <= deg else 0.0 * x
            np.testing.assert_allclose(p[m, deg], want, rtol=1e-13, atol=1e-15)
            np.testing.assert_allclose(d[m, deg], [fd(lambda t: sp.lpmv(m, deg, t), v) if m <= deg
                                                   else 0.0 for v in x], rtol=1e-7, atol=1e-8)
            norm = math.sqrt((2 * deg + 1) / (4 * math.pi) * math.factorial(deg - m)
                             / math.factorial(deg + m)) if m <= deg else 0.0
            np.testing.assert_allclose(S.lpmn_values(n, n, x, True)[m, deg], norm * want,
                                       rtol=1e-13, atol=1e-15)


def test_the_functions_scipy_computes_are_scipys_bit_for_bit():
    x = np.array([0.3, 1.7, 2.5])
    for ours, theirs in ((lambda t: S.expn(2, t), lambda t: sp.expn(2, t)),
                         (S.i0e, sp.i0e), (S.i1, sp.i1), (S.i1e, sp.i1e),
                         (lambda t: S.fresnel(t)[1], lambda t: sp.fresnel(t)[1]),
                         (lambda t: S.hyp1f1(0.5, 1.5, t), lambda t: sp.hyp1f1(0.5, 1.5, t)),
                         (lambda t: S.hyp2f1(0.5, 1.5, 2.5, -t),
                          lambda t: sp.hyp2f1(0.5, 1.5, 2.5, -t))):
        for data in (x, x.astype(np.float32)):
            same(ours(data), theirs(data))
            same(tg.jit(ours)(data), theirs(data))
    z = np.array([-2.5, -0.3, 0.0, 0.3, 2.5])
    for kind, zz in (("jn", z), ("yn", z[z != 0]), ("in", z), ("kn", z[z > 0])):
        for derivative in (False, True):
            ours = lambda t, k=kind, d=derivative: getattr(S, f"spherical_{k}")(2, t, d)  # noqa: E731
            same(ours(zz), getattr(sp, f"spherical_{kind}")(2, zz, derivative))
            same(tg.jit(ours)(zz), ours(zz))
            same(tg.vmap(ours)(zz), np.stack([ours(v) for v in zz]))


CASES = {
    "zeta_q": (lambda q: S.zeta(2.5, q), X), "riemann_zeta_q": (lambda q: S.zeta(3.0, q), X),
    "rgamma": (S.rgamma, np.array([-2.5, -0.5, 0.3, 1.7, 4.2])),
    "beta_a": (lambda a: S.beta(a, 1.3), X), "beta_b": (lambda b: S.beta(0.6, b), X),
    "poch_z": (lambda z: S.poch(z, 1.3), X), "poch_m": (lambda m: S.poch(0.6, m), X - 1.0),
    "bessel_jn": (lambda z: S.bessel_jn(z, v=3)[2], np.array([0.5, 2.5, 7.0])),
    "lpmn_values": (lambda z: S.lpmn_values(3, 3, z[None], True)[1, 3, 0], np.array([-0.6, 0.2])),
    "spherical_jn": (lambda z: S.spherical_jn(1, z), np.array([-2.5, 0.0, 0.3, 2.5])),
    "spherical_in_d": (lambda z: S.spherical_in(2, z, True), np.array([-2.5, 0.3, 2.5])),
    "spherical_yn": (lambda z: S.spherical_yn(2, z), np.array([-2.5, 0.3, 2.5])),
    "spherical_kn": (lambda z: S.spherical_kn(0, z), np.array([0.3, 2.5])),
    "i0": (S.i0, np.array([-3.0, 0.0, 0.4, 9.0])),
    "i0e": (S.i0e, np.array([-3.0, 0.4, 7.9, 9.0])),
    "spence": (S.spence, np.array([0.2, 0.95, 1.0, 1.08, 2.5, 40.0])),
    "exp1": (S.exp1, X),
    "expi": (S.expi, np.array([-2.5, -0.3, 0.3725, 1.7, 45.0])),
    "fresnel": (lambda t: S.fresnel(t)[0], X),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_derivatives_of_both_orders_and_the_transforms(name):
    f, x = CASES[name]
    d1 = np.array([tg.grad(f)(v) for v in x])
    np.testing.assert_allclose(d1, [fd(f, v) for v in x], rtol=1e-6, atol=1e-8)
    d2 = np.array([tg.grad(tg.grad(f))(v) for v in x])
    np.testing.assert_allclose(d2, [fd(tg.grad(f), v) for v in x], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(tg.vmap(tg.grad(f))(x), d1, rtol=1e-14, atol=1e-15)
    _, t = tg.jvp(tg.vmap(f), (x,), (np.full_like(x, 0.5),))
    np.testing.assert_allclose(t, 0.5 * d1, rtol=1e-14, atol=1e-15)
    # a composite's exp of a number is math.exp, of an array np.exp: an ulp apart at most
    want = tg.vmap(f)(x)
    np.testing.assert_allclose(want, np.stack([f(v) for v in x]), rtol=3e-16, atol=0)
    same(tg.jit(tg.vmap(f))(x), want)
    x32 = x.astype(np.float32)
    same(tg.jit(tg.vmap(f))(x32), tg.vmap(f)(x32))


def test_the_refusals_and_the_bad_arguments():
    with pytest.raises(NotImplementedError, match="with respect to n "):
        tg.grad(lambda n: S.expn(n, 1.5))(2.0)
    with pytest.raises(ValueError, match="non-negative integer"):
        S.bernoulli(-1)
    with pytest.raises(NotImplementedError, match="m must equal n"):
        S.lpmn(2, 3, np.array([0.5]))
    with pytest.raises(ValueError, match="1-D"):
        S.lpmn_values(2, 2, np.array([[0.5]]), False)
    with pytest.raises(ValueError, match="at most n_iter"):
        S.bessel_jn(1.0, v=60)


def test_without_scipy_ours_work_and_scipys_say_what_they_need():
    code = WITHOUT_SCIPY + textwrap.dedent("""
        import numpy as np
        import tapegrad as tg
        from tapegrad.scipy import special as S
        print(float(S.zeta(2.0)), float(tg.grad(lambda a: S.beta(a, 2.0))(1.0)),
              float(S.bessel_jn(np.array([1.0]), v=1)[1, 0]), float(S.bernoulli(2)[2]),
              float(S.lpmn_values(1, 1, np.array([0.5]), False)[1, 1, 0]), float(S.rgamma(3.0)),
              float(tg.grad(S.exp1)(1.0)), float(S.i0e(0.0)))
        try:
            S.expn(1, 0.5)
        except ImportError as e:
            print(e)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    first, message = out.stdout.splitlines()
    values = [float(v) for v in first.split()]
    np.testing.assert_allclose(values, [math.pi ** 2 / 6, -0.75, sp.j1(1.0), 1 / 6,
                                        -math.sqrt(0.75), 0.5, -math.exp(-1.0), 1.0],
                               rtol=1e-14)
    assert message.startswith("tapegrad.scipy.special.expn computes its values with SciPy")
