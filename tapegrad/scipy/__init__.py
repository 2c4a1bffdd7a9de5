"""SciPy's functions for tapegrad, differentiable: a mirror of ``jax.scipy``.

Same names and signatures as SciPy (``tapegrad.scipy.special.logsumexp``,
``tapegrad.scipy.stats.norm.logpdf``, ``tapegrad.scipy.integrate.odeint``),
computed with NumPy and tapegrad's own primitives: SciPy itself is an
optional extra, used only to let its ufuncs run on traced values.

Examples:
  >>> import tapegrad as tg
  >>> import tapegrad.scipy as tsp
  >>> round(tg.grad(tsp.stats.norm.logpdf)(1.0), 12)
  -1.0
"""

from . import integrate as integrate
from . import special as special
from . import stats as stats

# scipy.linalg (solve_triangular, cho_factor, cho_solve) is tapegrad/scipy/linalg.py;
# add at merge:  from . import linalg as linalg   (and "linalg" in __all__)

__all__ = ["integrate", "special", "stats"]
