"""Array programs, part seventeen: the programs of ``real_programs17.py`` under every transform.

Code as people write it in new domains, at three inputs whose trip counts and
branch outcomes differ where the program has them: ``jit`` equals NumPy bit
for bit (value, dtype and type) in one trace; ``grad`` agrees with central
differences; ``jit(grad)`` equals ``grad`` bit for bit; ``vmap`` of the value
and of ``grad`` equals a Python loop bit for bit; ``jvp`` returns NumPy's
value and ``grad @ v``; the Hessian agrees with central differences of
``grad``; the programs written with ``tapegrad.scipy`` give SciPy's numbers
with SciPy's modules. Then what running them found.
"""

from __future__ import annotations

import numpy as np
import real_programs8
import real_programs9
import real_programs10
import real_programs11
import real_programs12
import real_programs13
import real_programs14
import real_programs15
import real_programs16
import real_programs17
import test_real_programs4 as part_four
import test_real_programs6 as part_six
from program_battery import battery
from real_programs17 import PROGRAMS


def test_there_are_new_programs() -> None:
    earlier = {*part_four.PROGRAMS, *part_six.PROGRAMS, *real_programs8.PROGRAMS,
               *real_programs9.PROGRAMS, *real_programs10.PROGRAMS, *real_programs11.PROGRAMS,
               *real_programs12.PROGRAMS, *real_programs13.PROGRAMS, *real_programs14.PROGRAMS,
               *real_programs15.PROGRAMS, *real_programs16.PROGRAMS}
    assert len(PROGRAMS) >= 36 and not set(PROGRAMS) & earlier
    assert all(c.xs[0].dtype == np.float64 for c in PROGRAMS.values())


globals().update(battery(real_programs17, scipy_rtol=1e-12, scipy_programs=3))
