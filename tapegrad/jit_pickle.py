"""Pickling a jitted function: by its function and options, never its compiled code.

A jitted function at a module's top level pickles by name, as functions do;
another (a lambda, a closure, one made in ``__main__``) by ``fun`` and the
jit options, with a token: the process unpickling it compiles on the first
call, and keeps one jitted function per token, so a function pickled twice
(to a worker, say) is traced there once.
"""

from __future__ import annotations

import inspect
import sys
import threading
import uuid
from collections import OrderedDict
from typing import Any

from .staging.cache import MAX_SIGNATURES

__all__ = ["Pickled"]


class Pickled:
    """What makes ``tg.jit``'s ``Jitted`` picklable (a base class)."""

    fun: Any
    _unpickled: OrderedDict[str, Any] = OrderedDict()   # this process's, by token
    _unpickled_lock = threading.Lock()

    def __reduce__(self) -> Any:
        """Pickle by ``fun`` and the jit options (by name at a module's top), not the code.

        A process unpickling it compiles on the first call and keeps it, by a token.
        """
        found: Any = sys.modules.get(getattr(self, "__module__", None) or "")
        for part in getattr(self, "__qualname__", "<>").split(".") if found else ():
            found = getattr(found, part, None)
        if found is self and self.__module__ != "__main__":
            return self.__qualname__
        cls = type(self)
        options = {p: getattr(self, p) for p in list(inspect.signature(cls).parameters)[1:]}
        token = self.__dict__.setdefault("_pickle_token", None) or uuid.uuid4().hex
        self.__dict__["_pickle_token"] = token
        return (cls._from_pickle, (token, self.fun, options))

    @classmethod
    def _from_pickle(cls, token: str, fun: Any, options: dict[str, Any]) -> Any:
        """The jitted ``fun`` this process unpickled under ``token``, made on first sight."""
        with cls._unpickled_lock:
            found = cls._unpickled.setdefault(token, cls(fun, **options))  # type: ignore[call-arg]
            found.__dict__["_pickle_token"] = token      # pickled on: the same token
            cls._unpickled.move_to_end(token)
            if len(cls._unpickled) > MAX_SIGNATURES:
                cls._unpickled.popitem(last=False)
            return found
