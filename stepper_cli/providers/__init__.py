"""The provider adapters, one module per wire protocol (config/presets.py names them), and what they share.

httpx imports its command-line client (click, rich, pygments: tens of milliseconds) whenever those are
installed; stepper never runs it, so that import is refused here and httpx keeps its stand-in `main`.
"""

import sys

sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
