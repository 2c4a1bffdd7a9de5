"""tapegrad: autodiff on a Wengert tape, with JAX's function transforms.

Examples:
  >>> import tapegrad as tg
  >>> tg.grad(lambda p: p["w"] ** 2 + p["b"])({"w": 3.0, "b": 1.0})
  {'b': 1.0, 'w': 6.0}
"""

from . import io as io
from . import nn as nn
from . import numpy_dispatch as _numpy_dispatch  # noqa: F401  (NumPy functions on Traced)
from . import optim as optim
from . import tree as tree
from . import viz as viz
from .check import check_grads as check_grads
from .errors import EscapedTracerError as EscapedTracerError
from .errors import GuardError as GuardError
from .jit import jit as jit
from .nans import debug_nans as debug_nans
from .ops import abs as abs
from .ops import cos as cos
from .ops import exp as exp
from .ops import log as log
from .ops import logaddexp as logaddexp
from .ops import maximum as maximum
from .ops import minimum as minimum
from .ops import relu as relu
from .ops import sigmoid as sigmoid
from .ops import sin as sin
from .ops import sqrt as sqrt
from .ops import stop_gradient as stop_gradient
from .ops import tanh as tanh
from .ops import where as where
from .primitive import Primitive as Primitive
from .primitive import defjvp as defjvp
from .primitive import defpartials as defpartials
from .primitive import defvjp as defvjp
from .primitive import primitive as primitive
from .reductions import logsumexp as logsumexp
from .reductions import mean as mean
from .reductions import softmax as softmax
from .reductions import sum as sum
from .tape import Tape as Tape
from .tape import Traced as Traced
from .transforms import grad as grad
from .transforms import hessian as hessian
from .transforms import jacfwd as jacfwd
from .transforms import jacobian as jacobian
from .transforms import jacrev as jacrev
from .transforms import jvp as jvp
from .transforms import make_tape as make_tape
from .transforms import value_and_grad as value_and_grad
from .transforms import vjp as vjp
from .vmap import vmap as vmap

__version__ = "0.1.0"

__all__ = [
    "EscapedTracerError", "GuardError", "Primitive", "Tape", "Traced", "abs", "check_grads", "cos",
    "debug_nans", "defjvp", "defpartials", "defvjp", "exp", "grad", "hessian",
    "io", "jacfwd", "jit", "jacobian", "jacrev", "jvp", "log", "logaddexp",
    "logsumexp", "make_tape", "maximum", "mean", "minimum", "nn", "optim", "primitive",
    "relu", "sigmoid", "sin", "softmax", "sqrt", "stop_gradient", "sum",
    "tanh", "tree", "value_and_grad", "vjp", "viz", "vmap", "where",
]
