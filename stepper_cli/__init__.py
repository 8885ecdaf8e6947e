"""stepper: structured reports about git commits, from a chain of LLM providers or offline.

The library API (imported lazily so that `import stepper_cli` stays cheap on the git-hook path):
`generate_report`, `generate_reports`, `ReportOptions`, `enqueue_report`, `get_job`.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "generate_report": "stepper_cli.api",
    "generate_reports": "stepper_cli.api",
    "ReportOptions": "stepper_cli.api",
    "enqueue_report": "stepper_cli.api",
    "get_job": "stepper_cli.api",
    "StepperError": "stepper_cli.errors",
}
__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'stepper_cli' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
