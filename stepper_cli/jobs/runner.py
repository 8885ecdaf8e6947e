"""Run one job id, as a queue task: claim it under a lease, generate (cache first), record the outcome.

The report reaches the cache (inside `api.report_for_sha`) before the ledger says done; a job whose report
is already cached finishes without calling a provider. A rate-limited job goes back to the queue for its
Retry-After (huey's schedule), so no worker thread sleeps on it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cache.reports import detach
from ..errors import RateLimited, StepperError, StorageError
from .checks import JobGate
from .ledger import Job, Ledger
from .transport import Deferred

if TYPE_CHECKING:
    from ..generate.context import Context
    from ..report.model import ReportResult
    from ..store import Store

MAX_DEFERRALS = 5  # after this many rate-limited runs the chain may fall back instead
logger = logging.getLogger(__name__)


class JobRunner:
    """Runs jobs for one worker process; `inflight` is what its lease keeper renews."""

    def __init__(
        self, store: Store, worker_id: str, lease: float, log: Callable[[str], None], gate: JobGate | None = None
    ) -> None:
        self.store, self.worker_id, self.lease, self.log = store, worker_id, lease, log
        self.gate = JobGate() if gate is None else gate
        self.ledger = Ledger(store)
        self.inflight: set[str] = set()
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._contexts: dict[str, tuple[str, Context]] = {}

    def __call__(self, job_id: str) -> None:
        try:
            job = self.ledger.claim(job_id, self.worker_id, self.lease)
        except StorageError as exc:  # the job stays queued; a keeper sends it again once the store is back
            self.log(f"job {job_id} not started: {exc}")
            return
        if job is None:
            return  # done, failed, or running under another worker's live lease
        refusal = self.gate.refusal(job)
        if refusal is not None:
            self._refused(job, refusal)
            return
        with self._lock:
            self.inflight.add(job_id)
        started = time.monotonic()
        try:
            self._run(job, started)
        finally:
            with self._lock:
                self.inflight.discard(job_id)

    def _run(self, job: Job, started: float) -> None:
        from ..generate.pipeline import ReportOptions, report_for_sha

        ctx: Context | None = None
        try:
            ctx = self.context(job["repo_path"])
            if job.get("patch_id"):  # computed by the enqueue: spares two git processes
                ctx.patch_ids[job["commit"]] = job["patch_id"]
            options = ReportOptions(defer_rate_limits=job["attempts"] <= MAX_DEFERRALS)
            result = report_for_sha(ctx, job["commit"], options)
        except RateLimited as exc:
            self._defer(job, exc.retry_after)
        except StorageError as exc:  # the store is unreachable: leave the job to its lease, then recovery
            self.log(f"job {job['job_id']} interrupted: {str(exc).rstrip('.')}; it runs again when its lease runs out")
        except Exception as exc:
            self._failed(job, exc, ctx, started)
        else:
            self._done(job, result, ctx, started)
        finally:
            if ctx is not None:
                ctx.patch_ids.pop(job["commit"], None)

    def context(self, repo_path: str) -> Context:
        """The repository's context, reloaded when its configuration files change; it shares our store."""
        from ..generate.context import open_context
        from ..generate.snapshot import fingerprint, template_files

        with self._lock:
            cached = self._contexts.get(repo_path)
        if cached is not None:
            ctx = cached[1]
            if cached[0] == fingerprint(ctx.repo.root, template_files(ctx.settings)):
                return ctx
        ctx = open_context(repo_path)
        ctx.use_store(self.store)
        with self._lock:
            self._contexts[repo_path] = (fingerprint(ctx.repo.root, template_files(ctx.settings)), ctx)
        return ctx

    def _defer(self, job: Job, retry_after: float | None) -> None:
        delay = max(retry_after or 1.0, 0.5)
        self.ledger.requeue(job["job_id"], self.worker_id, not_before=time.time() + delay)
        self._tally(job, "deferred", f"rate limited; retry in {delay:.1f} s")
        raise Deferred(delay)

    def _done(self, job: Job, result: ReportResult, ctx: Context, started: float) -> None:
        data = result.to_json()
        finished = self.ledger.finish(job["job_id"], data) or job
        origin = data["provider"] + (" (fallback)" if data["fallback"] else "") + (", cached" if data["cached"] else "")
        self._tally(job, "done", f"{origin} in {time.monotonic() - started:.1f} s")
        self._after(ctx, finished, data)

    def _failed(self, job: Job, exc: Exception, ctx: Context | None, started: float) -> None:
        reason = exc.message if isinstance(exc, StepperError) else f"internal error: {type(exc).__name__}: {exc}"
        if not isinstance(exc, StepperError):
            logger.error("job %s failed", job["job_id"], exc_info=exc)
        detach(self.store, job["key"], job["job_id"], error=reason)
        finished = self.ledger.fail(job["job_id"], reason) or job
        self._tally(job, "failed", f"{reason} ({time.monotonic() - started:.1f} s)")
        if ctx is not None:
            self._after(ctx, finished, None)

    def _refused(self, job: Job, refusal: str) -> None:
        """Fail a job that must not run: no git, no provider, no cache entry touched (its key is not trusted)."""
        from ..store.counters import count

        reason = f"refused: {refusal}"
        try:
            self.ledger.fail(job["job_id"], reason)
            count(self.store, "jobs_processed_total", status="failed")
        except StorageError as exc:
            self.log(f"job {job['job_id']} refused but not recorded: {exc}")
            return
        with self._lock:
            self.counts["failed"] += 1
        self.log(f"job {job['job_id']} failed   {reason}")

    def _tally(self, job: Job, status: str, detail: str) -> None:
        from ..store.counters import count

        with self._lock:
            self.counts[status] += 1
        try:
            count(self.store, "jobs_processed_total", status=status)
        except StepperError as exc:
            logger.warning("could not count job %s: %s", job["job_id"], exc)
        self.log(f"job {job['job_id']} {status:<8} {job['commit'][:12]} {Path(job['repo_path']).name}: {detail}")

    def _after(self, ctx: Context, job: Job, result: dict[str, Any] | None) -> None:
        from .after import after_job

        try:
            after_job(ctx, job, result)
        except Exception as exc:  # notifications never fail a job
            self.log(f"job {job['job_id']} post-job actions failed: {exc}")
