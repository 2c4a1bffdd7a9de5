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
from . import bernoulli as bernoulli
from . import beta as beta
from . import betabinom as betabinom
from . import binom as binom
from . import cauchy as cauchy
from . import chi2 as chi2
from . import dirichlet as dirichlet
from . import expon as expon
from . import gamma as gamma
from . import gennorm as gennorm
from . import geom as geom
from . import gumbel_l as gumbel_l
from . import gumbel_r as gumbel_r
from . import laplace as laplace
from . import logistic as logistic
from . import lognorm as lognorm
from . import multinomial as multinomial
from . import multivariate_normal as multivariate_normal
from . import nbinom as nbinom
from . import norm as norm
from . import pareto as pareto
from . import poisson as poisson
from . import t as t
from . import truncnorm as truncnorm
from . import uniform as uniform
from . import vonmises as vonmises
from . import wrapcauchy as wrapcauchy
from ._kde import gaussian_kde as gaussian_kde
from ._ranks import ModeResult as ModeResult
from ._ranks import mode as mode
from ._ranks import rankdata as rankdata
from ._ranks import sem as sem
from ._summaries import zmap as zmap
from ._summaries import zscore as zscore

__all__ = ["bernoulli", "beta", "betabinom", "binom", "cauchy", "chi2", "dirichlet", "expon",
           "gamma", "gennorm", "geom", "gumbel_l", "gumbel_r", "laplace", "logistic", "lognorm",
           "multinomial", "multivariate_normal", "nbinom", "norm", "pareto", "poisson", "t",
           "truncnorm", "uniform", "vonmises", "wrapcauchy", "gaussian_kde", "mode", "rankdata",
           "sem", "zmap", "zscore"]

for _module in (bernoulli, beta, betabinom, binom, cauchy, chi2, expon, gamma, gennorm, geom,
                gumbel_l, gumbel_r, laplace, logistic, lognorm, multinomial, nbinom, norm, pareto,
                poisson, t, truncnorm, uniform, vonmises, wrapcauchy):
    _module.__class__ = _common.Distribution
    for _name in _module.__all__:       # scale=[s1, s2] of traced numbers, as SciPy's lists
        setattr(_module, _name, _common.array_like(getattr(_module, _name)))
