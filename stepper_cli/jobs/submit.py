"""Enqueue one commit: "cached" (fresh report), "stale" (stale report, one refresh queued), "duplicate"
(a job already holds the key) or "queued" (a new job).

Shared by the library (`api.enqueue_report`) and the lean CLI path (`cli.fast`); standard library only.
The ledger record is written first, then the cache entry names it (an atomic claim of the key, which is the
dedupe), then the message goes on the queue; if the push fails, both are undone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ..errors import StepperError

if TYPE_CHECKING:
    from ..cache.reports import ReportCache
    from ..generate.snapshot import EnqueueSettings
    from ..git.commits import Repo
    from ..store import Store
    from .ledger import Ledger

Status = Literal["cached", "stale", "duplicate", "queued"]
REFRESH_PRIORITY = -10  # stale refreshes wait behind new commits
Push = Callable[[str, int], None]


@dataclass(frozen=True)
class EnqueueResult:
    """What happened to one commit (`stepper enqueue --json`, as the README describes it)."""

    status: Status
    job_id: str | None
    commit: str
    cache_key: str

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "job_id": self.job_id, "commit": self.commit, "cache_key": self.cache_key}


def enqueue_sha(cache: ReportCache, ledger: Ledger, push: Push, sha: str, priority: int = 0) -> EnqueueResult:
    """Enqueue the report of one resolved commit unless the cache or a live job already covers it."""
    key = cache.key(sha)
    hit = cache.lookup(sha) if cache.enabled else None
    if hit is not None and hit.fresh:
        return EnqueueResult("cached", None, sha, key)
    if hit is not None:
        priority = min(priority, REFRESH_PRIORITY)
    repo = cache.repo
    job = ledger.create(key, sha, repo.name, str(repo.root), priority, cache.patch_ids.get(sha))
    holder = cache.attach_job(sha, job["job_id"], ledger.is_live)
    if holder != job["job_id"]:
        ledger.discard(job["job_id"])
        return EnqueueResult("stale" if hit else "duplicate", holder, sha, key)
    try:
        push(job["job_id"], priority)
    except (StepperError, OSError):
        _undo(cache, ledger, sha, job["job_id"])
        raise
    return EnqueueResult("stale" if hit else "queued", job["job_id"], sha, key)


def count_answers(store: Store, results: list[EnqueueResult]) -> None:
    """Count a cached answer as a cache hit, fresh or stale, as `report` does (a queued job's miss is counted
    by the worker that generates it)."""
    from ..store.counters import count

    for status, label in (("cached", "fresh"), ("stale", "stale")):  # one write each, for a whole range
        if answered := sum(r.status == status for r in results):
            count(store, "cache_hits_total", float(answered), status=label)


def _undo(cache: ReportCache, ledger: Ledger, sha: str, job_id: str) -> None:
    """Forget a job whose message never reached the queue."""
    cache.detach_job(sha, job_id)
    ledger.discard(job_id)


def _enqueue_range(cache: ReportCache, ledger: Ledger, url: str, shas: list[str], priority: int) -> list[EnqueueResult]:
    """Enqueue many commits with their messages in one queue transaction, pushed once the jobs are recorded (if
    that fails, every job of the range is undone)."""
    from . import transport as queue

    messages: list[tuple[str, int]] = []
    results = [enqueue_sha(cache, ledger, lambda job_id, prio: messages.append((job_id, prio)), sha, priority)
               for sha in shas]  # fmt: skip
    try:
        queue.push_many(url, messages)
    except (StepperError, OSError):
        pushed = {job_id for job_id, _ in messages}
        for result in results:
            if result.job_id in pushed:
                _undo(cache, ledger, result.commit, result.job_id)
        raise
    return results


def enqueue_commits(
    repo: Repo, conf: EnqueueSettings, shas: list[str], priority: int = 0, *, store: Store | None = None,
    push: Push | None = None,
) -> list[EnqueueResult]:  # fmt: skip
    """Enqueue resolved commits of one repository with the store and queue that conf names."""
    from ..cache.reports import ReportCache
    from ..store import open_store
    from . import transport as queue
    from .ledger import Ledger
    from .registry import register

    register(repo.root)  # before any job exists: this machine's workers run jobs of registered repositories only
    target = open_store(conf.queue_url) if store is None else store
    ids = None
    try:
        cache = ReportCache(target, repo, conf.templates, conf.policy)
        # a range: every patch id from one git stream, computed while the jobs are recorded
        if len(shas) > 1 and cache.enabled:
            ids = cache.stream_patch_ids(cache.missing(shas))
        if push is not None or len(shas) < 2:
            send = push or (lambda job_id, prio: queue.push(conf.queue_url, job_id, prio))
            results = [enqueue_sha(cache, Ledger(target), send, sha, priority) for sha in shas]
        else:
            results = _enqueue_range(cache, Ledger(target), conf.queue_url, shas, priority)
        count_answers(target, results)
        return results
    finally:
        if ids is not None:
            ids.close()
        if store is None:
            target.close()
