"""SciPy's ``scipy.signal`` on traced values, as ``jax.scipy.signal`` has it.

``convolve`` (N-dimensional, SciPy's modes, autograd's ``axes`` and
``dot_axes``) is one primitive (``_convolve.py``); ``correlate``,
``convolve2d``, ``correlate2d`` (SciPy's boundaries) and ``fftconvolve``
(with ``axes``) are that convolution of their inputs rearranged
(``_correlate.py``). ``lfilter`` is a primitive whose derivatives are filters
again (``_lfilter.py``); ``savgol_filter`` is a correlation with constant
weights (``_savgol.py``).
"""

from __future__ import annotations

from ._convolve import convolve
from ._correlate import convolve2d, correlate, correlate2d, fftconvolve
from ._lfilter import lfilter
from ._savgol import savgol_filter

__all__ = ["convolve", "convolve2d", "correlate", "correlate2d", "fftconvolve", "lfilter",
           "savgol_filter"]
