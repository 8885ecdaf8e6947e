"""Run one job id, as a queue task: claim it under a lease, check it, generate (cache first), record the outcome.

The claim is one write; everything the job then records (the report and its alias in the cache, the ledger's
done, failed or requeued, the counters) is one more, a transaction at the end (`batch.BatchingStore`), so the
report reaches the cache exactly when the ledger says done. A job whose report is already cached, under its
commit or under another with the same patch (a rebase: the enqueue reads no diff, so this lookup is where the
report is reused), finishes without calling a provider; the patch id and the commit come from the worker's git
streams over the queued jobs (`ahead.Ahead`). A rate-limited job goes back to the queue for its Retry-After
(huey's schedule), so no worker thread sleeps on it. A job that fails its checks (`checks.JobGate`) is failed
unrun.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cache.reports import detach
from ..errors import RateLimited, StepperError, StorageError
from ..git.commits import shown
from .ahead import Ahead
from .batch import BatchingStore
from .checks import JobGate
from .ledger import Job, Ledger
from .transport import Deferred

if TYPE_CHECKING:
    from ..generate.context import Context
    from ..generate.pipeline import ReportOptions
    from ..report.model import ReportResult
    from ..store import Store

MAX_DEFERRALS = 5  # after this many rate-limited runs the chain may fall back instead
CONFIG_RECHECK = 1.0  # seconds between looks at a repository's configuration files
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Ending:
    """How a job ended, for the log line and the post-job actions that follow its recording."""

    line: str
    ctx: Context | None = None
    job: Job | None = None
    result: dict[str, Any] | None = None


class JobRunner:
    """Runs jobs for one worker process; `inflight` is what its lease keeper renews."""

    def __init__(
        self, store: Store, worker_id: str, lease: float, log: Callable[[str], None], gate: JobGate | None = None
    ) -> None:
        self.store = store if isinstance(store, BatchingStore) else BatchingStore(store)
        self.worker_id, self.lease, self.log = worker_id, lease, log
        self.gate = JobGate() if gate is None else gate
        self.ledger = Ledger(self.store)
        self.inflight: set[str] = set()
        self.ahead = Ahead()  # git streams over the queued commits, which the keeper tells it
        self.counts: Counter[str] = Counter()
        self._lock, self._opening = threading.Lock(), threading.Lock()
        self._contexts: dict[str, tuple[str, Context, float]] = {}  # path -> (fingerprint, context, checked at)

    def __call__(self, job_id: str) -> None:
        try:
            job = self.ledger.claim(job_id, self.worker_id, self.lease)
        except StorageError as exc:  # the job stays queued; a keeper sends it again once the store is back
            self.log(f"job {job_id} not started: {exc}")
            return
        if job is None:
            return  # done, failed, or running under another worker's live lease
        with self._lock:
            self.inflight.add(job_id)
        try:
            self._run(job, time.monotonic())
        finally:
            with self._lock:
                self.inflight.discard(job_id)

    def _run(self, job: Job, started: float) -> None:
        try:
            with self.store.collect():  # one transaction when the block ends, a Deferred included
                ending = self._attempt(job, started)
        except StorageError as exc:  # the store is unreachable: leave the job to its lease, then recovery
            self.log(f"job {job['job_id']} interrupted: {str(exc).rstrip('.')}; it runs again when its lease runs out")
            return
        self.log(ending.line)
        if ending.ctx is not None and ending.job is not None:
            self._after(ending.ctx, ending.job, ending.result)

    def _attempt(self, job: Job, started: float) -> _Ending:
        from ..generate.pipeline import ReportOptions

        refusal = self.gate.refusal(job)
        if refusal is not None:  # no git, no provider, no cache entry touched (its key is not trusted either)
            return self._failed(job, f"refused: {refusal}", None, started)
        ctx: Context | None = None
        try:
            ctx = self.context(job["repo_path"])
            # for the lookup of a report of the same patch, and the cache write that indexes a new one
            known = job.get("patch_id")  # jobs of older versions carry one
            ctx.patch_ids[job["commit"]] = known or self.ahead.patch_id(ctx.repo, job["repo_path"], job["commit"])
            data = self._report(ctx, job, ReportOptions(defer_rate_limits=job["attempts"] <= MAX_DEFERRALS)).to_json()
        except RateLimited as exc:
            self._defer(job, exc.retry_after)
        except StorageError:
            raise
        except Exception as exc:
            reason = _reason(job, exc)
            detach(self.store, job["key"], job["job_id"], error=reason)
            return self._failed(job, reason, ctx, started)
        finally:
            if ctx is not None:
                ctx.patch_ids.pop(job["commit"], None)
        finished = self.ledger.finish(job["job_id"], data) or job
        origin = data["provider"] + (" (fallback)" if data["fallback"] else "") + (", cached" if data["cached"] else "")
        line = self._tally(job, "done", f"{origin} in {time.monotonic() - started:.1f} s")
        return _Ending(line, ctx, finished, data)

    def _report(self, ctx: Context, job: Job, options: ReportOptions) -> ReportResult:
        """The job's report, its commit read from the worker's stream of queued commits when it is there."""
        from ..generate.pipeline import RangeRun, report_cache, report_for_sha

        commits = self.ahead.commits(ctx.repo, job["repo_path"], job["commit"])
        if commits is None:
            return report_for_sha(ctx, job["commit"], options)
        run = RangeRun(commits, report_cache(ctx), Counter(), {})
        try:
            return report_for_sha(ctx, job["commit"], options, run)
        finally:
            run.write_counts(self.store)  # in the job's transaction

    def context(self, repo_path: str) -> Context:
        """The repository's context, reloaded when its configuration files change; it shares our store.

        The files are looked at again at most every CONFIG_RECHECK seconds: a dozen stats a job add up at
        eighty jobs a second.
        """
        from ..generate.context import open_context
        from ..generate.snapshot import fingerprint, template_files

        now = time.monotonic()
        with self._lock:
            cached = self._contexts.get(repo_path)
        if cached is not None and now - cached[2] < CONFIG_RECHECK:
            return cached[1]
        with self._opening:  # one thread looks again (or opens the context) while the others wait for it
            with self._lock:
                cached = self._contexts.get(repo_path)
            if cached is not None:
                stamp, ctx, checked = cached
                if now - checked < CONFIG_RECHECK or stamp == fingerprint(ctx.repo.root, template_files(ctx.settings)):
                    with self._lock:
                        self._contexts[repo_path] = (stamp, ctx, max(now, checked))
                    return ctx
            ctx = open_context(repo_path)
            ctx.use_store(self.store)
            with self._lock:
                self._contexts[repo_path] = (fingerprint(ctx.repo.root, template_files(ctx.settings)), ctx, now)
            return ctx

    def _defer(self, job: Job, retry_after: float | None) -> None:
        delay = max(retry_after or 1.0, 0.5)
        self.ledger.requeue(job["job_id"], self.worker_id, not_before=time.time() + delay)
        self.log(self._tally(job, "deferred", f"rate limited; retry in {delay:.1f} s"))
        raise Deferred(delay)

    def _failed(self, job: Job, reason: str, ctx: Context | None, started: float) -> _Ending:
        finished = self.ledger.fail(job["job_id"], reason) or job
        line = self._tally(job, "failed", f"{reason} ({time.monotonic() - started:.1f} s)")
        return _Ending(line, ctx, finished)

    def _tally(self, job: Job, status: str, detail: str) -> str:
        """Count the outcome (in the job's transaction) and return its log line."""
        from ..store.counters import count

        with self._lock:
            self.counts[status] += 1
        count(self.store, "jobs_processed_total", status=status)
        commit, path = job.get("commit"), job.get("repo_path")
        where = (
            f"{shown(commit[:12])} {shown(Path(path).name)}"
            if isinstance(commit, str) and isinstance(path, str)
            else "-"
        )
        return f"job {job['job_id']} {status:<8} {where}: {detail}"

    def _after(self, ctx: Context, job: Job, result: dict[str, Any] | None) -> None:
        from .after import after_job

        try:
            after_job(ctx, job, result)
        except Exception as exc:  # notifications never fail a job
            self.log(f"job {job['job_id']} post-job actions failed: {exc}")


def _reason(job: Job, exc: Exception) -> str:
    """The one-line reason a job failed; an unexpected exception is also logged with its traceback."""
    if isinstance(exc, StepperError):
        return exc.message
    logger.error("job %s failed", job["job_id"], exc_info=exc)
    return f"internal error: {type(exc).__name__}: {exc}"
