"""stepper: structured reports about git commits, from a chain of LLM providers or offline.

The library API (imported lazily so that `import stepper_cli` stays cheap on the git-hook path):
`generate_report`, `generate_reports`, `ReportOptions`, `enqueue_report`, `get_job`, `list_jobs`,
`wait_for_job`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # type checkers see the real signatures; at run time they load on first use
    from .api import ReportOptions as ReportOptions
    from .api import enqueue_report as enqueue_report
    from .api import generate_report as generate_report
    from .api import generate_reports as generate_reports
    from .api import get_job as get_job
    from .api import list_jobs as list_jobs
    from .api import wait_for_job as wait_for_job
    from .errors import StepperError as StepperError

__version__ = "0.1.0"

_EXPORTS = {
    "generate_report": "stepper_cli.api",
    "generate_reports": "stepper_cli.api",
    "ReportOptions": "stepper_cli.api",
    "enqueue_report": "stepper_cli.api",
    "get_job": "stepper_cli.api",
    "list_jobs": "stepper_cli.api",
    "wait_for_job": "stepper_cli.api",
    "StepperError": "stepper_cli.errors",
}
__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'stepper_cli' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
