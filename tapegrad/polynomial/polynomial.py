"""``np.polynomial.polynomial``'s ``polyval``, taking traced coefficients (``tapegrad.series``)."""

from ..series import polyval as polyval

__all__ = ["polyval"]
