"""Array programs, part eighteen: the programs of ``real_programs18.py`` under every transform.

Numerical methods as textbooks and notebooks write them, under the checks of
``program_battery.py`` (its docstring says them), SciPy's numbers with SciPy's
modules included. Then what running them found.
"""

from __future__ import annotations

import real_programs18
from program_battery import battery, there_are_new_programs

test_there_are_new_programs = there_are_new_programs(18, at_least=30)


globals().update(battery(real_programs18, scipy_rtol=1e-12, scipy_programs=5))
