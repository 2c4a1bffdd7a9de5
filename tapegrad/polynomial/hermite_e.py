"""``np.polynomial.hermite_e``'s ``hermeval``, taking traced coefficients (``tapegrad.series``)."""

from ..series import hermeval as hermeval

__all__ = ["hermeval"]
