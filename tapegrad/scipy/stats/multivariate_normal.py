"""The multivariate normal as a module, as ``jax.scipy.stats.multivariate_normal``.

``import tapegrad.scipy.stats.multivariate_normal as mvn`` gives ``mvn.logpdf``
and ``mvn.pdf`` with SciPy's arguments; the module is also callable like
SciPy's object, ``mvn(mean, cov).logpdf(x)`` (the frozen form).

Examples:
  >>> import numpy as np
  >>> import tapegrad.scipy.stats.multivariate_normal as mvn
  >>> round(mvn.logpdf(np.zeros(2), cov=np.eye(2)), 6)
  -1.837877
"""

from __future__ import annotations

import sys
import types
from typing import Any

from .._multivariate_normal import multivariate_normal as _dist

__all__ = ["entropy", "logpdf", "pdf"]

logpdf = _dist.logpdf
pdf = _dist.pdf
entropy = _dist.entropy


class _CallableModule(types.ModuleType):
    """This module, callable as SciPy's ``multivariate_normal(mean, cov)``."""

    def __call__(self, mean: Any = None, cov: Any = 1, allow_singular: bool = False) -> Any:
        """The distribution with fixed parameters (SciPy's frozen form)."""
        return _dist(mean, cov, allow_singular)


sys.modules[__name__].__class__ = _CallableModule
