"""autograd's ``autograd.builtins``: ``tuple``, ``list``, ``dict``, ``isinstance``, ``type``.

autograd boxes containers of traced values in its own ``tuple``/``list``/
``dict`` types so they can pass through its primitives (``odeint``'s
``args``). tapegrad treats containers as pytrees of traced values, so
Python's own containers already do that job: this module re-exports them, so
``from autograd.builtins import tuple`` becomes
``from tapegrad.builtins import tuple`` and means the same thing.
``isinstance`` and ``type`` look through a traced value at the number it
stands for, as autograd's do through a box: ``isinstance(x, np.ndarray)``
holds inside ``grad`` where it holds outside.
"""

from __future__ import annotations

import builtins as _builtins
from typing import Any

from .values import primal_value

__all__ = ["dict", "isinstance", "list", "tuple", "type"]

tuple = _builtins.tuple
list = _builtins.list
dict = _builtins.dict


def isinstance(obj: Any, classinfo: Any) -> bool:
    """Python's ``isinstance`` of the number a traced value stands for (of ``obj`` otherwise).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> from tapegrad.builtins import isinstance
      >>> tg.grad(lambda x: np.sum(x) * isinstance(x, np.ndarray))(np.ones(2))
      array([1., 1.])
    """
    return _builtins.isinstance(primal_value(obj), classinfo)


def type(obj: Any) -> Any:
    """Python's ``type`` of the number a traced value stands for (of ``obj`` otherwise).

    Examples:
      >>> import tapegrad as tg
      >>> from tapegrad.builtins import type
      >>> seen = []
      >>> tg.grad(lambda x: seen.append(type(x)) or x * x)(3.0), seen
      (6.0, [<class 'float'>])
    """
    return _builtins.type(primal_value(obj))
