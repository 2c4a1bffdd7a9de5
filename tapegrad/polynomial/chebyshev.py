"""``np.polynomial.chebyshev``'s ``chebval``, taking traced coefficients (``tapegrad.series``)."""

from ..series import chebval as chebval

__all__ = ["chebval"]
