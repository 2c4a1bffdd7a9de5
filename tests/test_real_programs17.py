"""Array programs, part seventeen: the programs of ``real_programs17.py`` under every transform.

Code as people write it in new domains, under the checks of ``program_battery.py`` (its
docstring says them), SciPy's numbers with SciPy's modules included. Then what
running them found.
"""

from __future__ import annotations

import real_programs17
from program_battery import battery, there_are_new_programs

test_there_are_new_programs = there_are_new_programs(17, at_least=36)


globals().update(battery(real_programs17, scipy_rtol=1e-12, scipy_programs=3))
