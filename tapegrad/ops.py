"""The built-in primitives, each declared in one block: impl, then partials.

Every primitive is elementwise with NumPy broadcasting, except the
reductions. Floats go through ``math`` (fast), arrays through NumPy, and both
follow IEEE semantics: a domain error gives ``inf`` or ``nan``, never an
exception and never a complex number. Partials are written with tapegrad
functions (``div``, ``pow``, ``where``...), never with Python's ``/`` or
``**`` on plain floats, which raise on a zero.

Conventions at kinks: ``relu'(0) = 0``, ``abs'(0) = 0``, ``maximum`` and
``minimum`` split 0.5/0.5 on ties, ``x**0`` has derivative 0, and
``d/dy 0**y = 0``.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .primitive import Primitive, defjvp, defpartials, defvjp, primitive, zmul
from .tape import Traced, _check_live, _shape

__all__ = [
    "abs", "add", "cos", "div", "exp", "log", "logaddexp", "logsumexp",
    "maximum", "mean", "minimum", "mul", "neg", "pow", "relu", "reshape", "sigmoid", "sin",
    "softmax", "sqrt", "stop_gradient", "sub", "sum", "tanh", "where", "zmul",
]

Number = Any   # a float, an int, a NumPy array of floats, or a traced value
_LOG2 = math.log(2.0)


def _is_scalar(x: Any) -> bool:
    t = type(x)
    return t is float or t is int


def _ieee(f: Callable[..., Any], *args: Any) -> float:
    """Redo a float op that Python refused (ZeroDivision, domain, overflow).

    NumPy follows IEEE: ``log(0) = -inf``, ``1/0 = inf``.
    """
    with np.errstate(all="ignore"):
        return float(f(*(np.float64(a) for a in args)))


def _ieee_op(fmath: Callable[..., Any], fnp: Callable[..., Any], name: str) -> Primitive:
    """A primitive computed by ``math`` on plain numbers, NumPy otherwise.

    NumPy again where Python refuses (``log(0)``, ``1/0``).
    """
    def impl(*args: Any) -> Any:
        for a in args:
            if type(a) is not float and type(a) is not int:
                return fnp(*args)
        try:
            return fmath(*args)
        except (ValueError, OverflowError, ZeroDivisionError):
            return _ieee(fnp, *args)
    impl.__name__ = name
    return primitive(impl, name)


# ------------------------------------------------------------- arithmetic
# Python's + - * never raise on floats (overflow gives inf), so the C
# operators serve as impls: a builtin call is cheaper than a Python one.
add: Primitive = primitive(operator.add, "add")
defpartials(add, 1.0, 1.0)
sub: Primitive = primitive(operator.sub, "sub")
defpartials(sub, 1.0, -1.0)
mul: Primitive = primitive(operator.mul, "mul")
defpartials(mul, lambda ans, a, b: b, lambda ans, a, b: a)
neg: Primitive = primitive(operator.neg, "neg")
defpartials(neg, -1.0)


div: Primitive = _ieee_op(operator.truediv, np.divide, "div")
defpartials(div, lambda ans, a, b: div(1.0, b),       # 1/b
            lambda ans, a, b: neg(div(ans, b)))        # -a/b**2


pow: Primitive = _ieee_op(                 # math.pow: never complex, unlike **
    math.pow, lambda a, b: np.power(np.asarray(a, dtype=float), b), "pow")
def _pow_partial_a(ans: Any, a: Any, b: Any) -> Any:
    """``b * a**(b - 1)``, flat at ``b == 0``: ``x**0`` has derivative 0."""
    if type(b) is float or type(b) is int:   # a constant exponent, the usual case
        return 0.0 if b == 0 else (2.0 * a if b == 2 else b * pow(a, b - 1))
    return zmul(b, pow(a, b - 1))


defpartials(
    pow,
    _pow_partial_a,
    lambda ans, a, b: where(a == 0, 0.0, log(a) * ans))       # d/dy 0**y = 0


# ------------------------------------------------------------ elementwise
exp: Primitive = _ieee_op(math.exp, np.exp, "exp")
defpartials(exp, lambda ans, x: ans)
log: Primitive = _ieee_op(math.log, np.log, "log")
defpartials(log, lambda ans, x: div(1.0, x))
sin: Primitive = _ieee_op(math.sin, np.sin, "sin")
defpartials(sin, lambda ans, x: cos(x))
cos: Primitive = _ieee_op(math.cos, np.cos, "cos")
defpartials(cos, lambda ans, x: neg(sin(x)))
tanh: Primitive = _ieee_op(math.tanh, np.tanh, "tanh")
defpartials(tanh, lambda ans, x: 1.0 - ans * ans)
sqrt: Primitive = _ieee_op(math.sqrt, np.sqrt, "sqrt")
defpartials(sqrt, lambda ans, x: div(0.5, ans))   # inf at 0, as IEEE says


def _sigmoid(x: Any) -> Any:
    if _is_scalar(x):
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x) if x == x else x   # x < 0 or nan
        return e / (1.0 + e)
    e = np.exp(-np.abs(x))                  # never overflows
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


sigmoid: Primitive = primitive(_sigmoid, "sigmoid")
defpartials(sigmoid, lambda ans, x: ans * (1.0 - ans))


def _relu(x: Any) -> Any:
    if _is_scalar(x):
        return float(x) if x > 0 or x != x else 0.0
    return np.maximum(x, 0.0)


def _select(cond: Any, a: float, b: float) -> Any:
    """A constant partial chosen by a comparison: ``a`` where ``cond``, else ``b``.

    A plain bool (a float compared) needs no ``where`` record.
    """
    if cond is True or cond is False:
        return a if cond else b
    return where(cond, a, b)


relu: Primitive = primitive(_relu, "relu")
defpartials(relu, lambda ans, x: _select(x > 0, 1.0, 0.0))   # relu'(0) = 0


def _abs(x: Any) -> Any:
    return float(x.__abs__()) if _is_scalar(x) else np.abs(x)


abs: Primitive = primitive(_abs, "abs")
defpartials(abs, lambda ans, x: _select(x > 0, 1.0, _select(x < 0, -1.0, 0.0)))


def _tie(a: Any, b: Any) -> Any:
    """How much of a max's gradient goes to ``a``: 1, 0.5 on a tie, or 0."""
    return _select(a > b, 1.0, _select(a == b, 0.5, 0.0))


def _maximum(a: Any, b: Any) -> Any:
    if _is_scalar(a) and _is_scalar(b):
        return float(a if a > b or a != a else b)
    return np.maximum(a, b)


def _minimum(a: Any, b: Any) -> Any:
    if _is_scalar(a) and _is_scalar(b):
        return float(a if a < b or a != a else b)
    return np.minimum(a, b)


maximum: Primitive = primitive(_maximum, "maximum")
defpartials(maximum, lambda ans, a, b: _tie(a, b), lambda ans, a, b: _tie(b, a))
minimum: Primitive = primitive(_minimum, "minimum")
defpartials(minimum, lambda ans, a, b: _tie(b, a), lambda ans, a, b: _tie(a, b))


def _where(cond: Any, a: Any, b: Any) -> Any:
    if (type(cond) is bool or type(cond) is np.bool_) and _is_scalar(a) and _is_scalar(b):
        return a if cond else b
    return np.where(cond, a, b)


where: Primitive = primitive(_where, "where")
# Selection, not multiplication by a 0/1 partial: the branch not taken gets
# exactly zero even when its cotangent or tangent is inf or nan.
defvjp(where, None, lambda g, ans, c, a, b: where(c, g, 0.0),
       lambda g, ans, c, a, b: where(c, 0.0, g))
defjvp(where, None, lambda t, ans, c, a, b: where(c, t, 0.0),
       lambda t, ans, c, a, b: where(c, 0.0, t))


def _logaddexp(a: Any, b: Any) -> Any:
    if _is_scalar(a) and _is_scalar(b):
        if a == b:
            return a + _LOG2           # also right for two equal infinities
        d = a - b
        if d != d:
            return d                   # nan
        return (a if d > 0 else b) + math.log1p(math.exp(-d if d > 0 else d))
    return np.logaddexp(a, b)


logaddexp: Primitive = primitive(_logaddexp, "logaddexp")
defpartials(logaddexp, lambda ans, a, b: sigmoid(a - b),   # exactly 0.5 on ties
            lambda ans, a, b: sigmoid(b - a))


def _stop_gradient(x: Any) -> Any:
    return x


stop_gradient: Primitive = primitive(_stop_gradient, "stop_gradient")
defvjp(stop_gradient, None)
defjvp(stop_gradient, None)


# ---------------------------------------------------- shapes and reductions
def _broadcast_like(g: Any, x: Any) -> Any:
    shape = _shape(x)
    if _shape(g) == shape:
        return g
    return np.full(shape, g, dtype=float)


def _sum_like(c: Any, x: Any) -> Any:
    """Sum ``c`` down to the shape of ``x`` (undo NumPy broadcasting)."""
    shape = _shape(x)
    cshape = np.shape(c)
    if cshape == shape:
        return c
    if shape == ():
        return float(np.sum(c))
    lead = len(cshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and cshape[lead + i] != 1)
    return np.sum(c, axis=axes).reshape(shape)


broadcast_like: Primitive = primitive(_broadcast_like, "broadcast_like")
sum_like: Primitive = primitive(_sum_like, "sum_like")
defvjp(broadcast_like, lambda c, ans, g, x: sum_like(c, g), None)
defjvp(broadcast_like, lambda t, ans, g, x: broadcast_like(t, x), None)
defvjp(sum_like, lambda g, ans, c, x: broadcast_like(g, c), None)
defjvp(sum_like, lambda t, ans, c, x: sum_like(t, x), None)


def _reshape(x: Any, shape: tuple[int, ...]) -> Any:
    """``x`` with a new shape of as many elements; shape ``()`` gives a float."""
    if shape == ():
        return float(np.reshape(x, ()))
    return np.reshape(np.asarray(x, dtype=float), shape)


reshape: Primitive = primitive(_reshape, "reshape")
defvjp(reshape, lambda g, ans, x, shape: reshape(g, _shape(x)), None)
defjvp(reshape, lambda t, ans, x, shape: reshape(t, shape), None)


def _sum(x: Any) -> Any:
    return float(x) if _is_scalar(x) else float(np.sum(x))


def _mean(x: Any) -> Any:
    return float(x) if _is_scalar(x) else float(np.mean(x))


sum_p: Primitive = primitive(_sum, "sum")
defvjp(sum_p, lambda g, ans, x: broadcast_like(g, x))
defjvp(sum_p, lambda t, ans, x: sum_p(t))
mean_p: Primitive = primitive(_mean, "mean")
defvjp(mean_p, lambda g, ans, x: div(broadcast_like(g, x), float(np.prod(_shape(x)))))
defjvp(mean_p, lambda t, ans, x: mean_p(t))


def _list_sum(xs: Sequence[Number], what: str) -> tuple[Number, int]:
    """The sum of every element of a list of numbers of one shape, and their count.

    NumPy stacks a list first (``np.sum([a, b])``); for numbers of one
    shape that is the sum of their sums.
    """
    items = list(xs)
    shapes = {_shape(x) for x in items}
    if len(shapes) > 1:
        raise ValueError(f"tg.{what}: the numbers in the list have different shapes "
                         f"{sorted(shapes)}; NumPy would stack them first, which needs "
                         f"one shape. Reduce each with tg.{what} instead.")
    total: Number = 0.0
    for x in items:
        total = total + sum_p(x)
    return total, len(items) * int(np.prod(shapes.pop() if shapes else ()))


def sum(x: Number) -> Number:
    """Sum every element of an array number to a float (identity on floats).

    A list of numbers is summed as NumPy would stack and sum it.

    Args:
      x: A float, an array, a traced value, or a list of numbers of one shape.

    Returns:
      A float (a traced one inside a transform).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.grad(lambda x: tg.sum(x * x))(np.array([1.0, 2.0]))
      array([2., 4.])
      >>> tg.grad(lambda a, b: tg.sum([a, a * b]))(2.0, 3.0)
      4.0
    """
    if isinstance(x, list | tuple):
        return _list_sum(x, "sum")[0]
    return sum_p(x)


def mean(x: Number) -> Number:
    """Mean of every element of an array number (identity on floats).

    A list of numbers is averaged as NumPy would stack and average it.

    Args:
      x: A float, an array, a traced value, or a list of numbers of one shape.

    Returns:
      A float (a traced one inside a transform).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.mean(np.array([1.0, 2.0])), tg.mean([1.0, 2.0, 6.0])
      (1.5, 3.0)
    """
    if isinstance(x, list | tuple):
        total, n = _list_sum(x, "mean")
        if n == 0:
            return math.nan                # NumPy's mean of nothing
        return total / float(n)
    return mean_p(x)


def logsumexp(xs: Sequence[Number]) -> Number:
    """``log(sum(exp(x) for x in xs))``, computed stably.

    Elementwise over the numbers in the list. Finite at +-1000; on ties the
    gradient is split equally (``logsumexp([a, a])`` gives 0.5 each).

    Args:
      xs: A non-empty list of numbers (floats, arrays or traced values).

    Returns:
      A number shaped like the broadcast of the items.

    Examples:
      >>> import tapegrad as tg
      >>> round(tg.logsumexp([1000.0, 1000.0]) - 1000.0, 6)
      0.693147
    """
    items = list(xs)
    if not items:
        raise ValueError("logsumexp: got an empty list; pass at least one number.")
    acc = items[0]
    for x in items[1:]:
        acc = logaddexp(acc, x)
    return acc


def softmax(xs: Sequence[Number]) -> list[Number]:
    """``[exp(x) / sum(exp(xs)) for x in xs]``, computed stably.

    Args:
      xs: A non-empty list of numbers (floats, arrays or traced values).

    Returns:
      A list of numbers, one per item, adding up to 1 elementwise.

    Examples:
      >>> import tapegrad as tg
      >>> tg.softmax([1000.0, 1000.0])
      [0.5, 0.5]
    """
    items = list(xs)
    m = items[0]
    for x in items[1:]:
        m = maximum(m, x)
    shifted = [x - stop_gradient(m) for x in items]   # softmax ignores a shift
    lse = logsumexp(shifted)
    return [exp(x - lse) for x in shifted]


# -------------------------------------------------- operators on Traced
def _live(x: Traced) -> Any:
    _check_live(x)
    return x.value


Traced.__add__ = add.apply2  # type: ignore
Traced.__radd__ = add.rapply2  # type: ignore
Traced.__sub__ = sub.apply2  # type: ignore
Traced.__rsub__ = sub.rapply2  # type: ignore  # other - self
Traced.__mul__ = mul.apply2  # type: ignore
Traced.__rmul__ = mul.rapply2  # type: ignore
Traced.__truediv__ = div.apply2  # type: ignore
Traced.__rtruediv__ = div.rapply2  # type: ignore  # other / self
Traced.__pow__ = pow.apply2  # type: ignore
Traced.__rpow__ = pow.rapply2  # type: ignore  # other ** self
Traced.__neg__ = neg.apply1                          # type: ignore
Traced.__pos__ = lambda self: self                               # type: ignore
Traced.__abs__ = abs.apply1                          # type: ignore
# comparisons are by value: a Python bool for a float, a bool array for arrays
Traced.__lt__ = lambda self, other: _live(self) < other          # type: ignore
Traced.__le__ = lambda self, other: _live(self) <= other         # type: ignore
Traced.__gt__ = lambda self, other: _live(self) > other          # type: ignore
Traced.__ge__ = lambda self, other: _live(self) >= other         # type: ignore
Traced.__eq__ = lambda self, other: _live(self) == other         # type: ignore
Traced.__ne__ = lambda self, other: _live(self) != other         # type: ignore


# ------------------------------------------------ docstrings of primitives
_DOCS = {
    exp: ("Elementwise ``e**x``; ``inf`` on overflow.", "tg.exp(0.0)", "1.0"),
    log: ("Elementwise natural log; ``log(0) = -inf``, ``nan`` below 0.",
          "tg.log(0.0)", "-inf"),
    sin: ("Elementwise sine.", "tg.grad(tg.sin)(0.0)", "1.0"),
    cos: ("Elementwise cosine.", "tg.cos(0.0)", "1.0"),
    tanh: ("Elementwise tanh; finite with a finite gradient at +-1000.",
           "tg.grad(tg.tanh)(0.0)", "1.0"),
    sigmoid: ("Elementwise ``1 / (1 + exp(-x))``, computed stably.",
              "tg.sigmoid(-1000.0), tg.sigmoid(0.0)", "(0.0, 0.5)"),
    relu: ("Elementwise ``max(x, 0)``; ``relu'(0) = 0``.",
           "tg.grad(tg.relu)(0.0), tg.relu(-2.0)", "(0.0, 0.0)"),
    sqrt: ("Elementwise square root; ``nan`` below 0, ``sqrt'(0) = inf``.",
           "tg.sqrt(4.0), tg.grad(tg.sqrt)(0.0)", "(2.0, inf)"),
    abs: ("Elementwise absolute value; ``abs'(0) = 0``.",
          "tg.grad(tg.abs)(-3.0), tg.grad(tg.abs)(0.0)", "(-1.0, 0.0)"),
    maximum: ("Elementwise maximum of ``a`` and ``b``; ties split the gradient 0.5/0.5.",
              "tg.grad(lambda x: tg.maximum(x, 0.0))(0.0)", "0.5"),
    minimum: ("Elementwise minimum of ``a`` and ``b``; ties split the gradient 0.5/0.5.",
              "tg.minimum(1.0, 2.0)", "1.0"),
    where: ("``a`` where ``cond`` is true, else ``b``, elementwise. The branch not "
            "taken gets a zero cotangent, which contributes exactly zero.",
            "tg.grad(lambda x: tg.where(x > 0, 1 / x, 0.0))(0.0)", "0.0"),
    logaddexp: ("``log(exp(a) + exp(b))``, computed stably.",
                "tg.grad(lambda a: tg.logaddexp(a, a))(3.0)", "1.0"),
    stop_gradient: ("Same value as ``x``; no derivative flows through it.",
                    "tg.grad(lambda x: x * tg.stop_gradient(x))(3.0)", "3.0"),
}
for _prim, (_summary, _call, _out) in _DOCS.items():
    _prim.__doc__ = (f"{_summary}\n\nExamples:\n  >>> import numpy as np\n"
                     f"  >>> import tapegrad as tg\n  >>> {_call}\n  {_out}\n")
__test__ = {p.name: p.__doc__ for p in _DOCS}   # doctest runs these too
