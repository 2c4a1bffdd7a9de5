"""Primitives, how they are recorded, and their derivative rules.

A primitive is a name, an implementation on numbers, and one derivative rule
per input. Applying one to traced values records it on a tape (``apply``
and its fast one- and two-argument copies, in ``recording.py``). Rules are written with tapegrad
primitives, so when they run on traced values they are recorded too: that
is how derivatives of derivatives come for free. Users make primitives the
same way the built-ins are made.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from .backends import array_api_impls, call, foreign, where_in
from .binding import defaulted_arity, positional, refuse_containers, rule_arity_error
from .errors import EscapedTracerError
from .recording import apply, binary_applier, reflected_applier, unary_applier
from .staging.spellings import Spelling, spellings

Rule = Callable[..., Any]
"""``rule(g, ans, *args)`` (vjp) or ``rule(t, ans, *args)`` (jvp)."""


class Primitive:
    """An operation tapegrad records as one step on the tape.

    Attributes:
      name: printed on the tape (``v7 = mul v3 v5``).
      impl: the function on numbers (floats or NumPy arrays).
      vjps: one reverse rule per input (None: not differentiable there), or
        None when no reverse rule was given.
      jvps: the same for forward mode.
      vjp_joint, jvp_joint: every input's reverse (forward: ``rule(ts, ans, *args)``) rule
        at once (see [defvjp_joint][tapegrad.primitive.defvjp_joint]), or None.
      vjp_partials, jvp_partials: for a primitive declared with
        [defpartials][tapegrad.defpartials], the local partial derivative of each input (a
        function ``(ans, *args)``, a constant, or None). The tape players
        multiply them by the cotangent or tangent directly, which is faster
        than calling the rule; [defvjp][tapegrad.defvjp]/[defjvp][tapegrad.defjvp] clear them.
    """

    def __init__(self, impl: Callable[..., Any], name: str | None = None,
                 elementwise: bool = False, check_rules: bool = True):
        self.impl = impl
        self.elementwise = elementwise   # vmap may run it once on a whole batch
        # a user's rules get their results checked (type, shape); tapegrad's own
        # are trusted, which keeps the check off the hot path (benchmarks/ab.py)
        self.check_rules = check_rules
        # a user's impl with defaults gets them passed by position (_positional)
        self._full = defaulted_arity(impl) if check_rules else 0
        self._user = check_rules or self._full > 0     # __call__'s checks, off for built-ins
        self.name = name or getattr(impl, "__name__", "primitive").lstrip("_")
        self.vjps: tuple[Rule | None, ...] | None = None
        self.jvps: tuple[Rule | None, ...] | None = None
        self.vjp_partials: tuple[Any, ...] | None = None
        self.jvp_partials: tuple[Any, ...] | None = None
        self.vjp_joint: Rule | None = None
        self.jvp_joint: Rule | None = None
        self.__doc__ = impl.__doc__
        self.__name__ = self.name
        self.apply1 = unary_applier(self)
        self.apply2 = binary_applier(self)
        self.rapply2 = reflected_applier(self)   # prim(other, self), for __rmul__ & co

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Apply the primitive, recording it if an argument is traced.

        As in JAX's ``custom_jvp``, keyword arguments and defaults are passed
        to ``impl`` (and the rules) by position.
        """
        if kwargs or self._user:
            if kwargs or len(args) < self._full:
                args = positional(self.impl, self.name, args, kwargs)
            if self.check_rules:
                refuse_containers(self.name, args)
        n = len(args)
        if n == 1:
            return self.apply1(args[0])
        if n == 2:
            return self.apply2(args[0], args[1])
        return apply(self, *args)

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


def document(prim: Primitive, summary: str, call: str, out: str,
             tests: dict[str, str]) -> None:
    """Give a built-in its docstring: a summary and an example, doctested via ``tests``."""
    prim.__doc__ = (f"{summary}\n\nExamples:\n  >>> import numpy as np\n"
                    f"  >>> import tapegrad as tg\n  >>> {call}\n  {out}\n")
    tests[prim.name] = prim.__doc__          # a module's __test__: doctest runs these too


def primitive(impl: Callable[..., Any], name: str | None = None,
              elementwise: bool = False, check_rules: bool = True) -> Primitive:
    """Make a new primitive from a function on numbers.

    The function receives plain numbers (floats or NumPy arrays), never traced
    values; give its derivatives with [defvjp][tapegrad.defvjp] and [defjvp][tapegrad.defjvp].

    Args:
      impl: The function to wrap.
      name: Name shown on the tape; defaults to ``impl.__name__``.
      elementwise: ``impl`` acts elementwise with NumPy broadcasting, so
        ``tg.vmap`` may run it once on a whole batch; otherwise it runs
        ``impl`` once per example (always correct).
      check_rules: check what the derivative rules return (kind and shape)
        and name the rule that got it wrong; tapegrad's own rules skip it.

    Returns:
      A callable ``Primitive`` that records itself when traced.

    Examples:
      >>> import math
      >>> import tapegrad as tg
      >>> cube = tg.primitive(lambda x: x ** 3, name="cube")
      >>> tg.defvjp(cube, lambda g, ans, x: g * 3 * x * x)
      >>> tg.grad(cube)(2.0)
      12.0
    """
    if not callable(impl):
        raise TypeError(f"primitive: impl must be a function on numbers, got {impl!r:.60} "
                        f"({type(impl).__name__}).")
    return Primitive(impl, name, elementwise, check_rules)


def _check_rules(prim: Primitive, rules: tuple[Any, ...], what: str) -> None:
    if not isinstance(prim, Primitive):
        raise TypeError(f"{what}: the first argument must be a tg.primitive, "
                        f"got {type(prim).__name__}.")
    for k, r in enumerate(rules):
        if r is not None and not callable(r):
            raise TypeError(f"{what}: rule {k} for '{prim.name}' must be callable "
                            f"or None, got {type(r).__name__}.")
    n = _input_count(prim)
    for k, r in enumerate(rules):
        if n is not None and (error := rule_arity_error(prim.name, prim.impl, r, k, what)):
            raise error
    if n is not None and len(rules) > n:
        raise TypeError(f"{what}: '{prim.name}' takes {n} input(s) but {len(rules)} rules "
                        "were given; give one rule per input of its impl (None for one "
                        "that is not differentiated).")


def _input_count(prim: Primitive) -> int | None:
    """How many inputs a user's impl takes by position; None where it may take more."""
    if not prim.check_rules or not inspect.isfunction(prim.impl):
        return None
    params = inspect.signature(prim.impl).parameters.values()
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return None
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)


def defvjp(prim: Primitive, *rules: Rule | None) -> None:
    """Give ``prim`` its reverse-mode rules, one per input.

    Each rule is ``rule(g, ans, *args)``: the cotangent of the output, the
    output and the inputs; it returns that input's cotangent. ``None`` marks
    an input that is not differentiable. Write rules with tapegrad functions
    (``tg.exp``, ``*``...) so they can be differentiated again.

    Args:
      prim: A primitive made by [primitive][tapegrad.primitive.primitive].
      *rules: One ``rule(g, ans, *args)`` per input of ``prim``, or None.

    Examples:
      >>> import tapegrad as tg
      >>> double = tg.primitive(lambda x: 2 * x, name="double")
      >>> tg.defvjp(double, lambda g, ans, x: 2 * g)
      >>> tg.grad(lambda x: double(x) * x)(3.0)
      12.0
    """
    _check_rules(prim, rules, "defvjp")
    prim.vjps = tuple(_guarded(prim, r, k, "vjp") for k, r in enumerate(rules))
    prim.vjp_partials = prim.vjp_joint = None


def defvjp_joint(prim: Primitive, rule: Rule) -> None:
    """Give ``prim`` a reverse rule for all its inputs at once, beside its own rules.

    ``rule(g, ans, *args)`` returns one cotangent per input: the numbers the
    rules given with [defvjp][tapegrad.defvjp] (first) return, computed
    with the work they share done once (``solve``'s ``A^-T g``). The reverse
    player calls it instead of them on plain arrays (a first derivative)
    when every input is traced; higher orders and the other players use the
    per-input rules, so the tapes they record are unchanged.

    Args:
      prim: A primitive with its reverse rules given.
      rule: ``rule(g, ans, *args) -> tuple`` of cotangents, one per input.
    """
    if prim.vjps is None:
        raise TypeError(f"defvjp_joint: give '{prim.name}' its rules with tg.defvjp first.")
    _check_rules(prim, (rule,), "defvjp_joint")
    prim.vjp_joint = rule


def defjvp(prim: Primitive, *rules: Rule | None) -> None:
    """Give ``prim`` its forward-mode rules, one per input.

    Each rule is ``rule(t, ans, *args)`` with ``t`` that input's tangent; it
    returns the input's contribution to the output's tangent.

    Args:
      prim: A primitive made by [primitive][tapegrad.primitive.primitive].
      *rules: One ``rule(t, ans, *args)`` per input of ``prim``, or None.

    Examples:
      >>> import tapegrad as tg
      >>> double = tg.primitive(lambda x: 2 * x, name="double")
      >>> tg.defjvp(double, lambda t, ans, x: 2 * t)
      >>> double.jvps is not None
      True
    """
    _check_rules(prim, rules, "defjvp")
    prim.jvps = tuple(_guarded(prim, r, k, "jvp") for k, r in enumerate(rules))
    prim.jvp_partials = prim.jvp_joint = None


def defpartials(prim: Primitive, *partials: Any) -> None:
    """Give an elementwise ``prim`` the local partial derivative of each input.

    One partial per input: a function ``partial(ans, *args)``, a constant, or
    None for a non-differentiable input. Both modes follow from them: the
    cotangent (reverse) or tangent (forward) is multiplied by the partial,
    and a zero cotangent or tangent contributes exactly zero even where the
    partial is ``inf`` or ``nan``. This is how the built-in elementwise
    primitives are declared. Write partials with tapegrad functions, so they
    can be differentiated again.

    Args:
      prim: An elementwise primitive made by [primitive][tapegrad.primitive.primitive].
      *partials: One per input: ``partial(ans, *args)``, a number, or None.

    Examples:
      >>> import tapegrad as tg
      >>> cube = tg.primitive(lambda x: x * x * x, name="cube")
      >>> tg.defpartials(cube, lambda ans, x: 3.0 * x * x)
      >>> tg.grad(cube)(2.0), tg.jvp(cube, (2.0,), (1.0,))
      (12.0, (8.0, 12.0))
    """
    _check_rules(prim, tuple(p for p in partials if not _is_const(p)), "defpartials")
    partials = tuple(float(p) if _is_const(p) else _guarded(prim, p, k, "partial")
                     for k, p in enumerate(partials))

    def rule(p: Any) -> Rule | None:
        if p is None:
            return None
        if callable(p):
            return lambda g, ans, *args: zmul(g, p(ans, *args))
        return lambda g, ans, *args: g * p
    rules = tuple(rule(p) for p in partials)
    prim.vjps = prim.jvps = rules
    prim.vjp_joint = prim.jvp_joint = None
    prim.vjp_partials = prim.jvp_partials = partials


def _guarded(prim: Primitive, rule: Any, k: int, what: str) -> Any:
    """A user's rule naming a closure over a traced value (escaped when the players run)."""
    if rule is None or not callable(rule) or not prim.check_rules:
        return rule

    @functools.wraps(rule)
    def guarded(*args: Any) -> Any:
        try:
            return rule(*args)
        except EscapedTracerError:
            raise TypeError(
                f"{what} rule of primitive '{prim.name}' for input {k} uses a traced value "
                "that is not one of its arguments: it closes over a value of the function "
                "being transformed. Pass that value to the primitive as one more input "
                "(with its rule), as JAX's closure_convert does.") from None
    return guarded


def _is_const(p: Any) -> bool:
    return isinstance(p, int | float) and not isinstance(p, bool)


# ------------------------------------------------------------------- zmul
_F64 = np.float64
_ND = np.ndarray


def _zmul(g: Any, d: Any) -> Any:
    """``g * d``, but exactly zero wherever ``g`` is zero."""
    t = type(g)
    if t is float or t is int or t is _F64:     # one scalar arithmetic for all three
        if g != 0:
            return g * d
        if type(d) is np.ndarray and d.ndim:    # a zero keeps the product's shape and dtype
            return np.zeros(d.shape, np.result_type(g, d))
        # a 0-d product is a NumPy scalar: its zero is 0.0 as a scalar's, which adds to
        # a float gradient as the skipped float zero of eager's backward pass (a float32
        # zero would round the rest of the sum to float32 in jit's recording alone)
        return 0.0
    if t is not _ND and foreign(g, d) is not None:
        return call(zmul, g, d)
    return _zeroed(np.multiply(g, d), g)


def _zeroed(r: Any, f: Any) -> Any:
    """``r`` (a NumPy product) with ``+0.0`` wherever ``f`` is zero, as a float zero gives.

    Not ``0 * inf = nan``, and not ``-0.0`` (``-0.0 * 2.0``) either: a batch
    of examples then equals the loop over them, bit for bit. ``f != 0``
    (a nan is not zero) then one ``np.where``: faster than testing for a
    zero first where there is one (a relu's, a hinge's), and than
    ``np.where(f, ...)``, which casts ``f`` to bool on the way.
    """
    if type(r) is not _ND:               # a NumPy scalar, so f is that one number
        return r if f != 0 else r.dtype.type(0)
    return np.where(f != 0, r, r.dtype.type(0))


def _xp_zmul(xp: Any, g: Any, d: Any) -> Any:
    """``_zmul`` in ``xp``: always masked, since a test of the product would sync."""
    r = g * d
    return where_in(xp)(g == 0, xp.zeros_like(r), r)


zmul = primitive(_zmul, "zmul", elementwise=True, check_rules=False)
array_api_impls[zmul] = _xp_zmul
spellings[zmul] = Spelling(float="({0} * {1} if {0} else 0.0)", kinds=(float, float),
                           repeats=(0,))   # = _zmul's scalar branch; lower blocks them
# (a float g times an array calls the impl: its zero is an array of zeros, not 0.0)


def zmul_sum(g: np.ndarray, d: Any) -> Any:
    """``_zmul(g, d).sum()`` (an ``np.float64``) for a float64 array ``g``, with one reduction.

    Zeroing ``g``'s zeros changes the product only where it is ``0 * d``: a
    zero or a nan. So where the plain sum is neither, it is the answer (the
    same reduction of the same numbers).
    """
    r = np.multiply(g, d)
    s = np.add.reduce(r, axis=None)
    if s != s or s == 0:       # zeroing ``g``'s zeros may change a nan, or a zero's sign
        return np.add.reduce(_zeroed(r, g), axis=None)
    return s


def _zmul_g(c: Any, ans: Any, g: Any, d: Any) -> Any:
    """What ``g`` receives: ``c * d``, exactly zero where ``c`` is zero."""
    return zmul(c, d)


def _zmul_d(c: Any, ans: Any, g: Any, d: Any) -> Any:
    """What ``d`` receives: ``c * g``, exactly zero where ``c`` or ``g`` is zero.

    ``zmul(0, d)`` is zero for every ``d``, so where ``g`` is zero ``d``
    receives zero even from an infinite ``c`` (``inf * 0`` would be nan):
    the derivatives of a zero-safe product stay zero-safe at every order.
    """
    return zmul_both(c, g)


def _zmul_both(c: Any, g: Any) -> Any:
    """``c * g``, exactly zero where ``c`` or ``g`` is zero (``+0.0`` where ``g`` is)."""
    t, u = type(c), type(g)
    if (t is float or t is int or t is _F64) and (u is float or u is int or u is _F64):
        return 0.0 if c == 0 or g == 0 else c * g
    if (t is not _ND or u is not _ND) and foreign(c, g) is not None:
        return call(zmul_both, c, g)
    return _zeroed(_zeroed(np.multiply(c, g), c), g)


# One record for what d receives (a where on a comparison and a zmul made three).
def _xp_zmul_both(xp: Any, c: Any, g: Any) -> Any:
    """``_zmul_both`` in ``xp``: zero where ``c`` or ``g`` is, with no test of a value."""
    r = c * g
    for f in (c, g):
        if foreign(f) is not None:
            r = where_in(xp)(f == 0, xp.zeros_like(r), r)
        elif f == 0:         # a Python number
            r = xp.zeros_like(r)
    return r


zmul_both = primitive(_zmul_both, "zmul_both", elementwise=True, check_rules=False)
array_api_impls[zmul_both] = _xp_zmul_both
defvjp(zmul_both, lambda t, ans, c, g: zmul_both(t, g), lambda t, ans, c, g: zmul_both(t, c))
defjvp(zmul_both, lambda t, ans, c, g: zmul_both(t, g), lambda t, ans, c, g: zmul_both(t, c))


# Rules, not partials: the players would multiply a partial ``g`` by the
# cotangent with zmul, which is zero where the cotangent is, not where g is.
defvjp(zmul, _zmul_g, _zmul_d)
defjvp(zmul, _zmul_g, _zmul_d)

__all__ = ["Primitive", "Rule", "defjvp", "defpartials", "defvjp", "defvjp_joint",
           "primitive", "zmul", "zmul_both"]
