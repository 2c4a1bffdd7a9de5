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

from . import fft as fft
from . import integrate as integrate
from . import interpolate as interpolate
from . import linalg as linalg
from . import ndimage as ndimage
from . import signal as signal
from . import special as special
from . import stats as stats
from ._scipy_twins import scipy_ufunc as _scipy_ufunc  # noqa: F401  (SciPy's ufuncs run ours)

__all__ = ["fft", "integrate", "interpolate", "linalg", "ndimage", "signal", "special", "stats"]
