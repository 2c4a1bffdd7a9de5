"""Which NumPy or SciPy function the user called, named as the user spells it.

A traced value reaches NumPy's C code deep inside a library function
(``np.emath.sqrt`` calls ``asarray``); its error names the function in the
user's code, found on the stack, not the internal call that failed.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np


def library_caller() -> str | None:
    """The SciPy or NumPy function the user called that turned a traced value into an array.

    The outermost frame of the library below the user's code, spelled by its
    public module: ``scipy.special._logsumexp.logsumexp`` is
    ``scipy.special.logsumexp``.
    """
    frame = sys._getframe(2)
    found = None
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        top = module.split(".")[0]
        qualname = getattr(frame.f_code, "co_qualname", frame.f_code.co_name)
        if top in ("scipy", "numpy"):
            named = _unwrapped(frame, module, qualname)
            if named is not None:
                found = named
                if module.startswith("scipy.stats"):
                    found = ("scipy.stats", _distribution_method(frame, found[1]))
        elif top not in ("tapegrad", ""):   # the user's code (not SciPy's generated code)
            break
        frame = frame.f_back    # type: ignore[assignment]
    if found is None:
        return None
    module, qualname = found
    parts = module.split(".")
    private = [k for k, p in enumerate(parts) if p.startswith("_")]
    public = ".".join(parts[:private[0]] if private else parts)
    if public.startswith("numpy"):       # np.lib's functions NumPy exports as np.<name>
        func = vars(sys.modules[module]).get(qualname) if module in sys.modules else None
        return numpy_spelling(func) or f"{public[6:]}.{qualname}".lstrip(".")
    return f"{public}.{qualname}"


NAMESPACES = ("", "linalg", "fft", "random", "polynomial", "emath", "ma", "strings")


def numpy_spelling(func: Any) -> str | None:
    """How a user spells NumPy's ``func`` after ``np.``; None if no namespace holds it.

    ``emath.sqrt`` for np.emath.sqrt (np.sqrt is another function), ``linalg.norm``.
    """
    name = getattr(func, "__name__", None)
    if not isinstance(name, str):
        return None
    for where in NAMESPACES:
        if getattr(getattr(np, where, None) if where else np, name, None) is func:
            return f"{where}.{name}" if where else name
    return None


def _unwrapped(frame: Any, module: str, qualname: str) -> tuple[str, str] | None:
    """The function a frame runs; for a decorator's wrapper, the library function it wraps."""
    method = frame.f_locals.get("method") if qualname.endswith("__ua_function__") else None
    if callable(method):            # scipy.fft's backend: the function it runs (scipy.fft.rfft)
        return getattr(method, "__module__", module), getattr(method, "__name__", qualname)
    if "<locals>" not in qualname:
        return module, qualname
    for name in frame.f_code.co_freevars:     # SciPy's _apply_over_batch: wrapper of f
        f = frame.f_locals.get(name)
        inner = getattr(f, "__qualname__", "<locals>")
        if callable(f) and "<locals>" not in inner and \
                getattr(f, "__module__", "").split(".")[0] in ("scipy", "numpy"):
            return f.__module__, inner
    return None


def _distribution_method(frame: Any, qualname: str) -> str:
    """``norm.logpdf`` for ``rv_continuous.logpdf`` called on ``scipy.stats.norm``."""
    self = frame.f_locals.get("self")
    dist = getattr(self, "dist", self)                 # a frozen distribution's
    name = getattr(dist, "name", None)
    if isinstance(name, str):
        return f"{name}.{frame.f_code.co_name}"
    cls, _, method = qualname.rpartition(".")          # multivariate_normal_gen.logpdf
    return f"{cls.removesuffix('_gen').removesuffix('_frozen')}.{method}" if cls else qualname


def scipy_caller() -> str | None:
    """The SciPy function the user called, where one is on the stack."""
    caller = library_caller()
    return caller if caller is not None and caller.startswith("scipy.") else None
