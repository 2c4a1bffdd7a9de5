"""How a call of a user's primitive binds its arguments to ``impl``'s inputs.

As JAX's ``custom_jvp`` does: keyword arguments and defaults are passed by
position, so the rules see every input; and every input is a number or an
array (a container holding traced values would reach ``impl`` traced, past
the rules).
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable
from typing import Any

from . import tree
from .values import Traced

_signatures: weakref.WeakKeyDictionary[Any, inspect.Signature] = weakref.WeakKeyDictionary()


def _signature(impl: Callable[..., Any]) -> inspect.Signature:
    """``impl``'s signature, read once (a call leaving out a default binds it each time).

    Held weakly: a primitive nobody references is collected with its impl.
    """
    try:
        sig = _signatures.get(impl)
        if sig is None:
            sig = _signatures[impl] = inspect.signature(impl)
        return sig
    except TypeError:            # not weakly referable, or unhashable: read each time
        return inspect.signature(impl)


def defaulted_arity(impl: Callable[..., Any]) -> int:
    """How many positional parameters a Python function has, if one has a default; else 0."""
    if not inspect.isfunction(impl):     # a NumPy ufunc's out=None is no input
        return 0
    params = _signature(impl).parameters.values()
    by_position = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(by_position) if any(p.default is not p.empty for p in by_position) else 0


def positional(impl: Callable[..., Any], name: str, args: tuple[Any, ...],
               kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """``args`` and ``kwargs`` bound to ``impl``'s parameters, all by position."""
    try:
        bound = _signature(impl).bind(*args, **kwargs)
    except (TypeError, ValueError) as e:
        raise TypeError(f"primitive '{name}': {e}; pass its inputs by position "
                        "or by the names of impl's parameters.") from None
    bound.apply_defaults()
    given = sorted(k for k in bound.kwargs if k in kwargs)   # its own defaults stay impl's
    if given:
        raise TypeError(f"primitive '{name}': impl's keyword-only parameters "
                        f"{given} cannot be inputs; make them positional, "
                        "or bind them with functools.partial before tg.primitive.")
    return tuple(bound.args)


def refuse_containers(name: str, args: tuple[Any, ...]) -> None:
    """A list, tuple or dict argument holding a traced value is an error naming the fix."""
    for k, a in enumerate(args):
        if isinstance(a, list | tuple | dict) and any(
                type(x) is Traced for x in tree.leaves(a)):
            raise TypeError(
                f"primitive '{name}': argument {k} is a {type(a).__name__} holding traced "
                "values, which would reach impl traced and bypass the rules. A primitive's "
                "inputs are numbers or arrays: pass each leaf as an input of its own "
                "(tg.tree.flatten), or stack them into one array.")


_RULE_CALLS = {   # what a rule given to each is called with before the inputs, and returns
    "defvjp": (("g", "ans"), "the output's cotangent g, the output ans, then every input "
               "of the primitive; it returns that input's cotangent"),
    "defvjp_joint": (("g", "ans"), "the output's cotangent g, the output ans, then every "
                     "input of the primitive; it returns a tuple of cotangents, one per input"),
    "defjvp": (("t", "ans"), "that input's tangent t, the output ans, then every input of "
               "the primitive; it returns the input's part of the output's tangent"),
    "defpartials": (("ans",), "the output ans, then every input of the primitive; it "
                    "returns the partial derivative by that input"),
}


def rule_arity_error(name: str, impl: Callable[..., Any], rule: Any, k: int,
                     what: str) -> TypeError | None:
    """The error for a user's rule that cannot take the arguments it will be called with."""
    if what not in _RULE_CALLS or not (inspect.isfunction(rule) and inspect.isfunction(impl)):
        return None
    params = _signature(impl).parameters.values()
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return None
    inputs = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    lead, says = _RULE_CALLS[what]
    rule_sig = inspect.signature(rule)
    try:
        rule_sig.bind(*range(len(lead) + len(inputs)))
        return None
    except TypeError:
        pass
    taken = ", ".join(rule_sig.parameters)
    msg = (f"{what}: the rule for input {k} of '{name}' takes ({taken}), but it is called "
           f"as rule({', '.join((*lead, *inputs))}): {says}.")
    first = next(iter(rule_sig.parameters), "")
    if what == "defvjp" and len(rule_sig.parameters) == len(inputs) + 1 and first != "g":
        msg += (f" If that is autograd's curried form (lambda ans, {', '.join(inputs)}: lambda g: "
                f"...): write lambda g, ans, {', '.join(inputs)}: ... here, or give it to "
                "tapegrad.extend.defvjp, which takes autograd's form.")
    return TypeError(msg)
