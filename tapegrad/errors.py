"""Exception classes and the messages shared by several modules."""

from __future__ import annotations


class EscapedTracerError(RuntimeError):
    """A traced value was used after the transform that made it returned.

    Traced values live only while their transform runs. Storing one in a
    global or a closure and using it later would silently give wrong
    derivatives, so tapegrad refuses instead.
    """


ESCAPED_MSG = (
    "a traced value was used after its transform returned (its tape is gone). "
    "Return values from the function you transform instead of storing them in "
    "globals or closures, or use tg.stop_gradient inside the transform.")

COMPLEX_MSG = ("tapegrad computes on real numbers only. Pass the real and imaginary "
               "parts as two float arguments.")

FLOAT_MSG = (
    "{what}() of a traced value would drop its derivative. Use tapegrad's own "
    "functions on traced values (tg.exp, tg.log, tg.sin, ... instead of math.*), "
    "tg.where instead of a branch on a batched value, or tg.stop_gradient(x) "
    "if no derivative should flow.")

STORE_MSG = (
    "{target} = ... stores a traced value into a NumPy array, which holds only numbers: "
    "NumPy would convert it and drop the derivative. Make {array} a traced array to write "
    "into: {array} = np.zeros_like(x) of a traced x of its shape (or x.copy()), not "
    "np.zeros(n); or build the new array from its pieces (np.stack, np.concatenate).")

METHOD_MSG = (
    "{call} calls the NumPy array method .{method}, which converts the traced value with "
    "np.asarray and would drop its derivative.")


class GuardError(RuntimeError):
    """A replayed tape met a guard whose outcome differs from the recorded one.

    ``bool()`` of a traced value (a Python ``if``, ``while``, ``and``, ``max``)
    records the outcome Python took as a *guard*; a tape holds only that
    branch. Calling the tape where the outcome would differ raises this,
    naming the source line. ``tg.jit`` and ``tg.vmap`` handle it themselves.
    """


class AmbiguousTruthError(ValueError, TypeError):
    """``bool()`` of a traced array of several elements: NumPy's ValueError, and a TypeError."""


class IndexTypeError(IndexError, TypeError):
    """An index of a dtype NumPy refuses (floats): NumPy's IndexError, and a TypeError."""


BOOL_ARRAY_MSG = (
    "bool() of a traced array of shape {shape}{where} is ambiguous: a Python branch "
    "would choose one side for every element. Use tg.where(cond, a, b) to "
    "choose elementwise, or reduce the condition to one (tg.all(cond), tg.any(cond)) "
    "for one branch.")

DRAWS = {   # a Generator's draw with traced parameters: the same draw, reparameterized
    "normal": "loc + scale * rng.standard_normal(size)",
    "uniform": "low + (high - low) * rng.random(size)",
    "exponential": "scale * rng.standard_exponential(size)",
    "lognormal": "np.exp(mean + sigma * rng.standard_normal(size))",
    "laplace": "loc + scale * rng.laplace(size=size)",
    "logistic": "loc + scale * rng.logistic(size=size)",
    "gumbel": "loc + scale * rng.gumbel(size=size)",
    "gamma": "scale * rng.standard_gamma(shape, size) (differentiable in scale)",
    "multivariate_normal": "mean + rng.standard_normal(size + (n,)) @ np.linalg.cholesky(cov).T",
    "permutation": "x[rng.permutation(len(x))]",
    "permuted": "np.take_along_axis(x, rng.permuted(np.indices(x.shape)[axis], axis=axis), axis)",
    "choice": "x[rng.choice(len(x), size)] (choice(a, p=p) with a traced p samples integers: "
              "rng.choice(n, size, p=p) on a constant p, or a Gumbel-softmax relaxation)",
}
DRAW_MSG = (
    "{call} draws from a NumPy random generator, which reads its parameters' values and "
    "would drop their derivative. Draw standard noise and transform it instead (the "
    "reparameterization): {spelling}.")


COMPLEX_DERIVATIVE = (
    "the derivative of a real input passes through complex values (a complex constant "
    "met a traced value, x * 1j): tapegrad differentiates real numbers only. Keep the "
    "real and imaginary parts as two real numbers.")
