"""``scipy.stats`` for tapegrad: one module per distribution, as in ``jax.scipy.stats``.

Each function takes SciPy's arguments (``loc`` and ``scale`` included; a
list of numbers, traced or not, is read as an array), broadcasts them like
SciPy, and is differentiable in every float argument, to any order.
Outside the support the log-density is ``-inf``; invalid parameters
(``scale <= 0``) give ``nan``, as in SciPy.

Examples:
  >>> import tapegrad as tg
  >>> from tapegrad.scipy.stats import norm
  >>> round(tg.grad(norm.logpdf, argnums=2)(1.0, 0.0, 1.0), 12)     # d/dscale
  0.0

Each module is callable as SciPy's object is, giving the frozen form:
``norm(loc=1.0, scale=2.0).logpdf(x)`` is ``norm.logpdf(x, loc=1.0, scale=2.0)``.
"""

from . import _common
from . import beta as beta
from . import cauchy as cauchy
from . import chi2 as chi2
from . import dirichlet as dirichlet
from . import expon as expon
from . import gamma as gamma
from . import laplace as laplace
from . import logistic as logistic
from . import lognorm as lognorm
from . import multivariate_normal as multivariate_normal
from . import norm as norm
from . import poisson as poisson
from . import t as t
from . import uniform as uniform
from ._summaries import zmap as zmap
from ._summaries import zscore as zscore

__all__ = ["beta", "cauchy", "chi2", "dirichlet", "expon", "gamma", "laplace", "logistic",
           "lognorm", "multivariate_normal", "norm", "poisson", "t", "uniform", "zmap", "zscore"]

for _module in (beta, cauchy, chi2, expon, gamma, laplace, logistic, lognorm, norm, poisson, t,
                uniform):
    _module.__class__ = _common.Distribution
    for _name in _module.__all__:       # scale=[s1, s2] of traced numbers, as SciPy's lists
        setattr(_module, _name, _common.array_like(getattr(_module, _name)))
