"""autograd's ``autograd.builtins``: ``tuple``, ``list``, ``dict``, ``isinstance``, ``type``.

autograd boxes containers of traced values in its own ``tuple``/``list``/
``dict`` types so they can pass through its primitives (``odeint``'s
``args``). tapegrad treats containers as pytrees of traced values, so
Python's own builtins already do that job: this module re-exports them, so
``from autograd.builtins import tuple`` becomes
``from tapegrad.builtins import tuple`` and means the same thing.
"""

from __future__ import annotations

import builtins as _builtins

__all__ = ["dict", "isinstance", "list", "tuple", "type"]

tuple = _builtins.tuple
list = _builtins.list
dict = _builtins.dict
isinstance = _builtins.isinstance
type = _builtins.type
