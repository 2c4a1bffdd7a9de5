"""``np.polynomial.hermite``'s ``hermval``, taking traced coefficients (``tapegrad.series``)."""

from ..series import hermval as hermval

__all__ = ["hermval"]
