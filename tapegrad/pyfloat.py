"""Python making a plain number of a traced value: the error naming the user's call.

``float(x)``, ``math.exp(x)`` and the ``statistics`` module convert their
argument to a Python float (or an exact fraction), which would drop its
derivative. The error names the call as the user wrote it, its line, and
the NumPy spelling that computes the same on traced values.
"""

from __future__ import annotations

import ast
import sys
import threading
from collections.abc import Callable
from types import FrameType, TracebackType

from .errors import FLOAT_MSG
from .pysource import library_call, running

__all__ = ["float_error", "last_refusal", "library_advice", "marked", "refusal_beneath"]

_MATH = {     # math's functions NumPy names otherwise: their NumPy spelling
    "fabs": "np.abs({0})", "pow": "np.power({0}, {1})", "asin": "np.arcsin({0})",
    "acos": "np.arccos({0})", "atan": "np.arctan({0})", "atan2": "np.arctan2({0}, {1})",
    "asinh": "np.arcsinh({0})", "acosh": "np.arccosh({0})", "atanh": "np.arctanh({0})",
    "erf": "tapegrad.scipy.special.erf({0})", "erfc": "tapegrad.scipy.special.erfc({0})",
    "lgamma": "tapegrad.scipy.special.gammaln({0})",
    "gamma": "np.exp(tapegrad.scipy.special.gammaln({0})) (for {0} > 0)",
    "fsum": "sum({0})", "dist": "np.linalg.norm(np.stack({0}) - np.stack({1}))",
    "log": "np.log({0}) / np.log({1})",
}

_STATISTICS = {
    "mean": "np.mean({0})", "fmean": "np.mean({0})", "median": "np.median({0})",
    "stdev": "np.std({0}, ddof=1)", "pstdev": "np.std({0})", "variance": "np.var({0}, ddof=1)",
    "pvariance": "np.var({0})", "geometric_mean": "np.exp(np.mean(np.log({0})))",
    "harmonic_mean": "1 / np.mean(1 / {0})",
}


library_advice: dict[str, Callable[[str], str]] = {}
"""A library's top package -> what to write instead of its function (``scipy``: filled by
numpy_dispatch with SciPy's advice)."""


def _user(frame: FrameType) -> FrameType:
    """The first frame out from ``frame`` that is not a library's (statistics, SciPy)."""
    while frame.f_back is not None and (top := frame.f_globals.get(
            "__name__", "").split(".")[0]) and (top in sys.stdlib_module_names or
                                                top in library_advice or top == "numpy"):
        frame = frame.f_back
    return frame


def _public(module: str) -> str:
    """``scipy.integrate._quadpack_py`` as users write it: ``scipy.integrate``."""
    parts = module.split(".")
    return ".".join(parts[:next((k for k, p in enumerate(parts) if p.startswith("_")),
                                len(parts))])


def _spelled(module: str, name: str, args: list[str]) -> str | None:
    """The NumPy spelling of ``module.name(*args)``, or None."""
    if module == "math":
        if name == "log" and len(args) == 1:
            return f"np.log({args[0]})"
        spelling = _MATH.get(name)
        if spelling is None:
            return f"np.{name}({', '.join(args)})"
        return spelling.format(*args) if len(args) >= 1 + ("{1}" in spelling) else None
    spelling = _STATISTICS.get(name)
    return None if spelling is None or not args else spelling.format(f"np.stack({args[0]})")


def _ours(use: str) -> str:
    """`` (or tg.exp, the same function)`` where ``use`` is one call ``np.exp(...)``."""
    node = ast.parse(use, mode="eval").body
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and
            isinstance(node.func.value, ast.Name) and node.func.value.id == "np"):
        return ""
    name = node.func.attr
    return f" (or tg.{name}, the same function)" if hasattr(sys.modules["tapegrad"], name) else ""


_SEQUENCE = "setting an array element with a sequence."   # NumPy's, over a refused float()
_REFUSED = "_tapegrad_refused"     # the mark on a refusal, found again beneath a library's error
_last = threading.local()            # the newest refusal made in this thread


def marked(err: TypeError) -> TypeError:
    """``err``, a refusal of a traced value, marked so that it is found beneath another error."""
    setattr(err, _REFUSED, True)
    _last.err = err
    return err


def last_refusal() -> TypeError | None:
    """The newest refusal made in this thread (None before any)."""
    return getattr(_last, "err", None)


def float_error(frame: FrameType, what: str = "float") -> TypeError:
    """The error for ``what()`` of a traced value, called from ``frame``."""
    return marked(_float_error(frame, what))


def refusal_beneath(err: BaseException, before: TypeError | None) -> TypeError | None:
    """The refusal a library raised ``err`` over, or None; ``before``: ``last_refusal()`` then.

    SciPy's root finders (``brentq``, ``bisect``) call ``float()`` on the
    function's value in C and go on past the error, so Python raises a
    ``SystemError`` caused by the refusal; ``minimize`` raises a
    ``ValueError`` from it; ``fsolve``'s C code prints it and raises its
    own error. Only an error raised in SciPy's, NumPy's or tapegrad's code
    (a ``SystemError`` surfaces in tapegrad's) counts, and one with no
    refusal beneath it only in SciPy's: what the user raised passes unchanged.
    """
    if isinstance(err, ValueError) and str(err) == _SEQUENCE and getattr(err.__cause__, _REFUSED,
                                                                           False):
        return err.__cause__ if isinstance(err.__cause__, TypeError) else None  # a[0] = x
    where = _raised_in(err.__traceback__)
    if getattr(err, _REFUSED, False) or where not in ("scipy", "numpy", "tapegrad"):
        return None
    seen, e = set(), err.__cause__ or err.__context__
    while e is not None and id(e) not in seen:
        if getattr(e, _REFUSED, False):
            return e if isinstance(e, TypeError) else None
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    last = last_refusal()
    return last if last is not before and where == "scipy" else None


def _raised_in(tb: TracebackType | None) -> str:
    """The top-level package of the innermost frame of ``tb`` ("" for none)."""
    if tb is None:
        return ""
    while tb.tb_next is not None:
        tb = tb.tb_next
    return str(tb.tb_frame.f_globals.get("__name__", "")).partition(".")[0]


def _float_error(frame: FrameType, what: str) -> TypeError:
    frame = _user(frame)
    where = f"{frame.f_code.co_filename}:{frame.f_lineno}"
    called = library_call(frame)
    if called is not None and called[1] in ("math", "statistics"):
        text, module, name, args = called
        use = _spelled(module, name, args)
        if use is not None:
            also = _ours(use)
            return TypeError(
                f"{text} at {where} converts a traced value to a plain number, which would "
                f"drop its derivative: {module}'s functions compute on plain numbers only. "
                f"Write {use}{also} instead; NumPy's functions run tapegrad's on traced "
                "values and compute NumPy's numbers on plain ones.")
    top = called[1].split(".")[0] if called is not None else ""
    if called is not None and top == "numpy" and hasattr(sys.modules["tapegrad"], called[2]):
        text, _, name, _ = called                  # np.interp(x, xp, fp, left=traced)
        return TypeError(
            f"{text} at {where}: NumPy dispatches np.{name} on its array arguments only, and "
            f"a traced value in another one is converted to a plain number, which would drop "
            f"its derivative. Call tg.{name}, the same function, which takes traced values "
            "in every argument.")
    if called is not None and top in library_advice:          # scipy.integrate.quad
        text, module, name, _ = called
        full = f"{_public(module)}.{name}"
        return TypeError(f"{text} at {where} converts a traced value to a plain number "
                         f"inside {full}, which would drop its derivative."
                         f"{library_advice[top](full)}")
    op, text = running(frame) or ("", "")
    said = FLOAT_MSG.format(what=what)
    return TypeError(f"{text} at {where}: {said}" if op.startswith("CALL") and text else said)
