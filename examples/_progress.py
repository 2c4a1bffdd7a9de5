"""Progress output for the examples: a tqdm bar on a terminal, plain lines elsewhere.

A bar redraws itself with carriage returns, which in a log file or a pipe
becomes one very long line; there a line every tenth of the run is easier
to read. Without tqdm installed the examples still run: they print the
plain lines and say once how to get the bar.
"""

from __future__ import annotations

import sys
from typing import Any

INSTALL_HINT = ('pip install -e ".[examples]" in a checkout '
                '(elsewhere pip install "matplotlib>=3.7" "tqdm>=4.60")')


class Progress:
    """``update(**numbers)`` once per step; ``close()`` at the end."""

    def __init__(self, total: int, desc: str, enabled: bool = True):
        self.total, self.desc, self.done = total, desc, 0
        self.enabled = enabled
        self.bar: Any = None
        if not enabled or not sys.stderr.isatty():
            return
        try:
            from tqdm import tqdm
        except ImportError:
            print(f"(no progress bar: tqdm is not installed; {INSTALL_HINT} brings it)",
                  file=sys.stderr)
            return
        self.bar = tqdm(total=total, desc=desc, unit="step")

    def update(self, **numbers: str) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.set_postfix(numbers, refresh=False)
            self.bar.update()
        elif self.enabled and (self.done % max(self.total // 10, 1) == 0
                               or self.done == self.total):
            shown = "  ".join(f"{k} {v}" for k, v in numbers.items())
            print(f"{self.desc}: step {self.done:>{len(str(self.total))}}/{self.total}"
                  f"  {shown}", flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
