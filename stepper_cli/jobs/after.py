"""What happens after a worker finishes a job: notifications and git notes (configured in [notify]
and [notes]). Delivery problems are logged and counted; they never fail the job or lose the report."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..generate.context import Context

NOTES_LOG = "notes.log"


def after_job(ctx: Context, job: dict[str, Any], result: dict[str, Any] | None) -> None:
    """Run the configured post-job actions for a finished job (result is the report JSON, if done)."""
    settings = ctx.settings
    if result is not None and settings.notes.worker:
        _write_note(ctx, result)
    if settings.notify.webhook or settings.notify.command:
        from .notify import deliver

        store = None
        with contextlib.suppress(Exception):
            store = ctx.store
        deliver(settings.notify, store, job, result)


def _write_note(ctx: Context, result: dict[str, Any]) -> None:
    from ..git.notes import write_note
    from ..report.model import ReportResult
    from .notify import append_log

    try:
        write_note(ctx.repo, ReportResult.model_validate(result), ctx.settings.notes.ref)
    except Exception as exc:  # a note is a copy: the report is already in the cache and the ledger
        with contextlib.suppress(Exception):
            append_log(NOTES_LOG, f"note for {str(result.get('commit'))[:12]} failed: {exc}")
