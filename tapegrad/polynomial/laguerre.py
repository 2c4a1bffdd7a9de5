"""``np.polynomial.laguerre``'s ``lagval``, taking traced coefficients (``tapegrad.series``)."""

from ..series import lagval as lagval

__all__ = ["lagval"]
