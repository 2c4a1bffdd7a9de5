"""HIPS autograd's ``autograd.misc`` under tapegrad: ``flatten``, optimizers, fixed points.

Code written for autograd runs with its imports renamed
(``from autograd.misc import flatten`` becomes ``from tapegrad.misc import
flatten``). The modules are ``tapegrad.misc.flatten`` (``flatten``,
``flatten_func``), ``tapegrad.misc.optimizers`` (``sgd``, ``rmsprop``,
``adam``), ``tapegrad.misc.fixed_points`` (``fixed_point``) and
``tapegrad.misc.tracers`` (``const_graph``: record once, replay), each with
autograd's signatures. New code may prefer tapegrad's own spellings:
``tg.tree.ravel``, ``tg.optim`` and ``tg.fixed_point``.
"""

from .flatten import flatten as flatten  # the function, as autograd.misc.flatten is
from .tracers import const_graph as const_graph

__all__ = ["const_graph", "flatten"]
