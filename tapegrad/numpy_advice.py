"""What to write instead of a NumPy function tapegrad has no counterpart for, by its name.

``numpy_dispatch`` words its refusals with these (``np.unique was
applied to a traced value ... Use ... instead``); other modules add theirs
(``linalg.py``).
"""

from __future__ import annotations

from .scipy_refusals import scipy_alternatives

__all__ = ["POLYNOMIAL_ADVICE", "alternatives", "numpy_writes"]

numpy_writes = {     # a NumPy array's method that writes into it, given a traced value
    "put": "a = np.where(mask, v, a) with a constant mask of the positions (a NumPy array "
           "cannot hold a traced value)",
}

POLYNOMIAL_ADVICE = (
    "np.polynomial's functions convert their coefficients (most, their x too) with "
    "np.array, which a traced value cannot pass through. Use tapegrad.polynomial's polyval, "
    "chebval, legval, hermval, hermeval or lagval (NumPy's, of traced coefficients too), "
    "or NumPy's "
    "np.polyval, np.polyder, np.polyint, np.polymul, np.polydiv, np.polyfit and np.roots "
    "(coefficients highest power first, so c[::-1] of np.polynomial's), which take traced "
    "values in every argument.")

_SERIES_CALL = ("tapegrad.polynomial.Polynomial(coef, domain, window)(x) (and Chebyshev, "
                "Legendre...: NumPy's classes of traced coefficients; or "
                "tapegrad.polynomial.polynomial.polyval(x, coef) for Polynomial(coef)(x) with "
                "the default domain and window; a series object maps x with np.asanyarray, "
                "which a traced value cannot pass through)")
alternatives = {     # NumPy functions without a counterpart: how to write them
    "trim_zeros": "x[i:j] with the bounds i, j found outside the transform (a varying "
                  "length); np.poly1d(c) trims its coefficients so: for np.poly1d(c)(x) "
                  "write np.polyval(c, x)",
    "array": "tg.stack (of traced floats or arrays)",
    "asarray": "tg.stack (of traced floats or arrays). NumPy also converts a traced value "
               "that indexes a NumPy array (E[i]): an index must be integer data (a NumPy "
               "integer or int array; a Python int argument is traced as a float, so name "
               "it in static_argnums), and tg.take(E, i, axis=0) gathers with it; a cast "
               "(np.int64(x), np.float32(x)) is x.astype(np.int64)",
    "lib.AxisConcatenator.__getitem__": "tg.r_[a, b] for np.r_[a, b] and tg.c_[a, b] for "
    "np.c_[a, b] (NumPy's index tricks for traced pieces)",
    # np.polynomial's functions convert the coefficients with np.array: NumPy's np.poly*
    # (highest power first) run on traced values
    "polynomial.polynomial.polyval": "tapegrad.polynomial.polynomial.polyval(x, c) "
    "(NumPy's, taking traced coefficients), or np.polyval(c[::-1], x) (c reversed: "
    "np.polyval takes the highest power first)",
    "polynomial.polynomial.polyfit": "np.polyfit(x, y, deg)[::-1]",
    "polynomial.polynomial.polyder": "np.polyder(c[::-1], m)[::-1]",
    "polynomial.polynomial.polyint": "np.polyint(c[::-1], m)[::-1]",
    "polynomial.polynomial.polyadd": "np.polyadd(c1[::-1], c2[::-1])[::-1]",
    "polynomial.polynomial.polysub": "np.polysub(c1[::-1], c2[::-1])[::-1]",
    "polynomial.polynomial.polymul": "np.polymul(c1[::-1], c2[::-1])[::-1]",
    "polynomial.polynomial.polyvander": "np.vander(x, deg + 1, increasing=True)",
    "polynomial.ABCPolyBase.__call__": _SERIES_CALL,
    "polynomial.ABCPolyBase.__init__": _SERIES_CALL,
    "polynomial.ABCPolyBase.fit": "tapegrad.polynomial.Polynomial.fit(x, y, deg) (and "
    "Chebyshev.fit, Legendre.fit...: NumPy's least-squares fit, taking traced x, y and w)",
    **{f"polynomial.{module}.{kind}val": f"tapegrad.polynomial.{module}.{kind}val(x, c) "
       f"(NumPy's, taking traced coefficients, which np.polynomial's converts with np.array; "
       f"NumPy's own takes a traced x of constant coefficients)"
       for module, kind in [("chebyshev", "cheb"), ("legendre", "leg"), ("hermite", "herm"),
                            ("hermite_e", "herme"), ("laguerre", "lag")]},
    **{f"polynomial.{module}.{kind}vander": f"np.stack([np.polynomial.{module}.{kind}val(x, "
       f"np.eye(deg + 1)[k]) for k in range(deg + 1)], axis=-1) for {kind}vander(x, deg) "
       f"({kind}val takes a traced x)"
       for module, kind in [("chebyshev", "cheb"), ("legendre", "leg"), ("hermite", "herm"),
                            ("hermite_e", "herme"), ("laguerre", "lag")]},
    "polynomial.polynomial.polyroots": "np.roots(c[::-1]) (np.roots takes the highest "
                                       "power first; real roots)",
    "polynomial.polynomial.polyfromroots": "np.poly(roots)[::-1] (np.poly gives the highest "
                                           "power first)",
    "amax": "tg.max", "amin": "tg.min",
    "sort_complex": "np.sort(x) (tapegrad computes on real numbers; np.sort_complex of real "
                    "data is np.sort(x) as complex numbers)",
    "take": "tg.take (traced indices too)",
    # results whose shape or integers depend on values: no derivative to take
    "nonzero": "tg.where(x != 0, x, 0.0) (keeps the shape; np.nonzero's result depends on "
    "the value: call it on a constant)",
    "flatnonzero": "tg.where(x != 0, x, 0.0) (keeps the shape; np.flatnonzero's result "
    "depends on the value: call it on a constant)",
    "argwhere": "tg.where(x != 0, x, 0.0) (keeps the shape; np.argwhere's result depends on "
    "the value: call it on a constant)",
    "full": "value * np.ones(shape) (np.full reads its value with np.asarray, which a "
            "traced value cannot pass through)",
    "require": "tg.require (np.require converts with np.asanyarray, which cannot "
               "return a traced value)",
    "fft.rfft": scipy_alternatives["scipy.fft.rfft"],
    "fft.fft": scipy_alternatives["scipy.fft.fft"],
    "lib.vectorize.__call__": "tg.vectorize(f, excluded=..., signature=...)(x) for "
                              "np.vectorize(f, excluded=..., signature=...)(x) (nested tg.vmap: "
                              "f of one element, its Python branches included)",
    "frompyfunc": "tg.vectorize(f)(x) for np.frompyfunc(f, nin, 1)(x) (nested tg.vmap: f of "
                  "one element; frompyfunc's object arrays cannot hold traced values)",
    "asarray_chkfinite": "tg.asarray_chkfinite (np.asarray_chkfinite converts with "
                         "np.asarray, which cannot return a traced value)",
    "add.at": "a = a + (np.arange(len(a))[:, None] == i) @ x for np.add.at(a, i, x) with 1-d "
              "a (a constant one-hot matrix; np.add.at writes into a, which cannot hold a "
              "traced value)",
}
_SPECTRA = ("np.fft.irfft or np.fft.hfft of real coefficients along one axis (tapegrad "
            "computes on real numbers: a complex spectrum is refused), or the real and "
            "imaginary parts as products with constant cosine and sine matrices")
alternatives.update({f"fft.{name}": _SPECTRA for name in (
    "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft2", "rfftn", "irfft2", "irfftn", "ihfft")})
