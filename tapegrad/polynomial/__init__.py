"""np.polynomial's series evaluations with traced coefficients: NumPy's module names.

``tapegrad.polynomial.chebyshev.chebval(x, c)`` is NumPy's
``np.polynomial.chebyshev.chebval(x, c)`` where ``c`` (or ``x``) may be
traced: NumPy's own converts ``c`` with ``np.array``, which a traced value
cannot pass. Same values, bit for bit; every transform. The series classes
(``Polynomial``, ``Chebyshev``...) take traced coefficients, and their
``fit`` traced data (``classes.py``).

Examples:
  >>> import numpy as np
  >>> import tapegrad as tg
  >>> from tapegrad.polynomial import chebyshev
  >>> tg.grad(lambda c: chebyshev.chebval(0.5, c))(np.array([1.0, 2.0, 3.0]))
  array([ 1. ,  0.5, -0.5])
"""

from ..series import chebval as chebval
from ..series import hermeval as hermeval
from ..series import hermval as hermval
from ..series import lagval as lagval
from ..series import legval as legval
from ..series import polyval as polyval
from . import chebyshev as chebyshev
from . import hermite as hermite
from . import hermite_e as hermite_e
from . import laguerre as laguerre
from . import legendre as legendre
from . import polynomial as polynomial
from .classes import Chebyshev as Chebyshev
from .classes import Hermite as Hermite
from .classes import HermiteE as HermiteE
from .classes import Laguerre as Laguerre
from .classes import Legendre as Legendre
from .classes import Polynomial as Polynomial

__all__ = ["Chebyshev", "Hermite", "HermiteE", "Laguerre", "Legendre", "Polynomial", "chebval",
           "chebyshev", "hermeval", "hermite", "hermite_e", "hermval", "laguerre", "lagval",
           "legendre", "legval", "polynomial", "polyval"]
