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

import math

from . import _common
from . import bernoulli as bernoulli
from . import beta as beta
from . import betabinom as betabinom
from . import binom as binom
from . import cauchy as cauchy
from . import chi2 as chi2
from . import dirichlet as dirichlet
from . import expon as expon
from . import f as f
from . import fisk as fisk
from . import gamma as gamma
from . import genextreme as genextreme
from . import gennorm as gennorm
from . import geom as geom
from . import gompertz as gompertz
from . import gumbel_l as gumbel_l
from . import gumbel_r as gumbel_r
from . import halfcauchy as halfcauchy
from . import halfnorm as halfnorm
from . import invgamma as invgamma
from . import laplace as laplace
from . import levy as levy
from . import logistic as logistic
from . import lognorm as lognorm
from . import maxwell as maxwell
from . import multinomial as multinomial
from . import multivariate_normal as multivariate_normal
from . import nbinom as nbinom
from . import norm as norm
from . import pareto as pareto
from . import poisson as poisson
from . import rayleigh as rayleigh
from . import skewnorm as skewnorm
from . import t as t
from . import triang as triang
from . import truncnorm as truncnorm
from . import uniform as uniform
from . import vonmises as vonmises
from . import weibull_max as weibull_max
from . import weibull_min as weibull_min
from . import wrapcauchy as wrapcauchy
from ._kde import gaussian_kde as gaussian_kde
from ._ranks import ModeResult as ModeResult
from ._ranks import mode as mode
from ._ranks import rankdata as rankdata
from ._ranks import sem as sem
from ._summaries import zmap as zmap
from ._summaries import zscore as zscore

_CONTINUOUS_MORE = [f, fisk, genextreme, gompertz, halfcauchy, halfnorm, invgamma, levy, maxwell,
                    rayleigh, skewnorm, triang, weibull_max, weibull_min]
__all__ = ["bernoulli", "beta", "betabinom", "binom", "cauchy", "chi2", "dirichlet", "expon", "f",
           "fisk", "gamma", "genextreme", "gennorm", "geom", "gompertz", "gumbel_l", "gumbel_r",
           "halfcauchy", "halfnorm", "invgamma", "laplace", "levy", "logistic", "lognorm",
           "maxwell", "multinomial", "multivariate_normal", "nbinom", "norm", "pareto", "poisson",
           "rayleigh", "skewnorm", "t", "triang", "truncnorm", "uniform", "vonmises",
           "weibull_max", "weibull_min", "wrapcauchy", "gaussian_kde", "mode", "rankdata", "sem",
           "zmap", "zscore"]

_EULER = 0.5772156649015329
for _module, _mu, _mu2 in ((norm, 0.0, 1.0), (expon, 1.0, 1.0), (laplace, 0.0, 2.0),
                           (logistic, 0.0, math.pi ** 2 / 3.0), (uniform, 0.5, 1.0 / 12),
                           (cauchy, math.nan, math.nan), (gumbel_r, _EULER, math.pi ** 2 / 6),
                           (gumbel_l, -_EULER, math.pi ** 2 / 6)):
    _common.add_moments(_module, _mu, _mu2)
for _module in (bernoulli, beta, betabinom, binom, cauchy, chi2, expon, gamma, gennorm, geom,
                gumbel_l, gumbel_r, laplace, logistic, lognorm, multinomial, nbinom, norm, pareto,
                poisson, t, truncnorm, uniform, vonmises, wrapcauchy, *_CONTINUOUS_MORE):
    _module.__class__ = _common.Distribution
    _common.add_summaries(_module)          # median, interval (from ppf), std (from var)
    for _name in _module.__all__:       # scale=[s1, s2] of traced numbers, as SciPy's lists
        setattr(_module, _name, _common.array_like(getattr(_module, _name)))

_NOT_HERE = {
    "ncx2": "its density is 0.5 exp(-(x + nc) / 2) (x / nc)**(df/4 - 1/2) "
            "I_(df/2 - 1)(sqrt(nc x)): write its log with "
            "tapegrad.scipy.special.ive(df / 2 - 1, sqrt(nc * x)) (times "
            "exp(sqrt(nc x))), differentiable in x and nc (not in df, a Bessel order); its CDF "
            "has no differentiable formula here",
    "nct": "its density and CDF have no differentiable formula here (the noncentrality enters "
           "a hypergeometric function's parameters); nc = 0 is tapegrad.scipy.stats.t, and "
           "with constant parameters call scipy.stats.nct on plain numbers",
}


def __getattr__(name: str) -> object:
    """SciPy's distributions tapegrad has not (``ncx2``, ``nct``): what to write instead."""
    if name in _NOT_HERE:
        raise AttributeError(f"tapegrad.scipy.stats has no {name}: {_NOT_HERE[name]}.")
    raise AttributeError(f"module 'tapegrad.scipy.stats' has no attribute {name!r}")
