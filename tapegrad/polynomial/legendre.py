"""``np.polynomial.legendre``'s ``legval``, taking traced coefficients (``tapegrad.series``)."""

from ..series import legval as legval

__all__ = ["legval"]
