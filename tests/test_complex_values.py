"""Complex values made from a complex constant: NumPy's values under jit and vmap, refused by grad.

tapegrad differentiates real numbers only (complex input is a ``TypeError``
in every transform). ``x * 1j`` inside a function is complex: ``jit`` and
``vmap`` compute it as NumPy does, parts taken included (``(x * 1j).real``
is zeros, not ``x``); a transform that differentiates refuses it where the
complex constant meets the value, with the fix.
"""

import numpy as np
import pytest

import tapegrad as tg

PROGRAMS = {
    "times_1j": lambda x: x * 1j,
    "real_attr": lambda x: (x * 1j).real + x,
    "imag_attr": lambda x: (x * (1 + 2j)).imag,
    "np_real_exp": lambda x: np.real(np.exp(1j * x)),
    "np_imag_exp": lambda x: np.imag(np.exp(1j * x)),
    "conj": lambda x: np.conj(x * (1 + 2j)).imag + np.conjugate(x * 1j).real,
    "angle": lambda x: np.angle(x * (1 - 1j)) + np.angle(x + 0.5j, deg=True),
    "abs": lambda x: np.abs(x + 0.5j),
    "array_constant": lambda x: np.real(x * np.array([1j, 2.0]))[0],
    "numpy_scalar": lambda x: (x * np.complex128(2j)).imag,
    "where": lambda x: np.real(np.where(x > 0.0, x, 1j)),
    "compare": lambda x: tg.where(x == 0.5 + 0j, x, -x),
}
XS = np.array([0.5, -1.25, 2.0])


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("name", sorted(PROGRAMS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_jit_and_vmap_give_numpys_complex_values(name, dtype):
    f = PROGRAMS[name]
    xs = XS.astype(dtype)
    jf = tg.jit(f)
    for x in xs:
        assert same(jf(x), f(x)), x
    assert same(tg.vmap(f)(xs), np.stack([f(x) for x in xs]))
    assert same(tg.jit(tg.vmap(f))(xs), np.stack([f(x) for x in xs]))


DIFFERENTIATING = {
    "grad": lambda f: tg.grad(lambda x: np.real(f(x))),
    "jvp": lambda f: lambda x: tg.jvp(f, (x,), (1.0,)),
    "vjp": lambda f: lambda x: tg.vjp(f, x)[0],
    "hessian": lambda f: tg.hessian(lambda x: np.real(f(x))),
    "jit(grad)": lambda f: tg.jit(tg.grad(lambda x: np.real(f(x)))),
    "vmap(grad)": lambda f: lambda x: tg.vmap(tg.grad(lambda y: np.real(f(y))))(np.stack([x, x])),
    "grad(jit)": lambda f: tg.grad(tg.jit(lambda x: np.real(f(x)))),
}


@pytest.mark.parametrize("how", sorted(DIFFERENTIATING))
@pytest.mark.parametrize("name", sorted(set(PROGRAMS) - {"compare"}))
def test_differentiating_through_a_complex_value_is_refused_with_the_fix(name, how):
    # eager NumPy runs it; a derivative through it would be wrong, so it is a TypeError
    with pytest.raises(TypeError, match="complex.*real and imaginary parts"):
        DIFFERENTIATING[how](PROGRAMS[name])(0.75)


def test_a_comparison_with_a_complex_number_differentiates():
    g = tg.grad(lambda x: np.sum(tg.where(x == 0.5 + 0j, x * x, -x)))(XS)
    assert same(g, np.where(XS == 0.5, 2.0 * XS, -1.0))


def test_a_complex_operand_of_a_contraction_is_refused_not_cast():
    # a cast would drop the imaginary part (NumPy warns); refused in every transform
    for run in (tg.jit, tg.vmap, tg.grad):
        with pytest.raises(TypeError, match="complex"):
            run(lambda x: np.real(np.dot(x * np.ones(2), np.array([1j, 1.0]))))(
                XS[:2] if run is tg.vmap else 0.5)
