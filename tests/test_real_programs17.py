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

import real_programs17
from program_battery import battery, there_are_new_programs

test_there_are_new_programs = there_are_new_programs(17, at_least=36)


globals().update(battery(real_programs17, scipy_rtol=1e-12, scipy_programs=3))
