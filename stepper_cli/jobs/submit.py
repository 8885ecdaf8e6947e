"""Enqueue commits: each is "cached" (a fresh report of its own), "stale" (a stale one, one refresh queued),
"duplicate" (a job already holds the key) or "queued" (a new job).

Shared by the library (`api.enqueue_report`) and the lean CLI path (`cli.lean.enqueue`); standard library only.
An enqueue reads no diff: it looks up each commit's own cache entry (a store read), and a commit whose patch
matches an already reported one (a rebase, a cherry-pick) is queued like any other; the worker that runs its
job finds the report of the same patch and copies it without asking a provider.

Every job of a call (one commit, or a whole range) is recorded in ONE store transaction: for each commit the
cache entry is claimed (the atomic claim of the key, which is the dedupe) and the ledger record is written
only if the claim won; the cache-hit counters go in the same transaction. Then the messages go on the queue
together; if that fails, every job of the call is undone (one more transaction).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from ..errors import StepperError

if TYPE_CHECKING:
    from ..cache.reports import ReportCache
    from ..generate.snapshot import EnqueueSettings
    from ..git.commits import Repo
    from ..store import Store
    from ..store.base import Write
    from .ledger import Job, Ledger

Status = Literal["cached", "stale", "duplicate", "queued"]
REFRESH_PRIORITY = -10  # stale refreshes wait behind new commits
Push = Callable[[str, int], None]


class EnqueueResult(NamedTuple):
    """What happened to one commit (`stepper enqueue --json`, as the README describes it)."""

    status: Status
    job_id: str | None
    commit: str
    cache_key: str

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "job_id": self.job_id, "commit": self.commit, "cache_key": self.cache_key}


class _Claim(NamedTuple):
    """A commit that needs a job: the job's record, whether a stale report stands, and (once the transaction
    ran) the job that holds the commit's cache entry."""

    sha: str
    job: Job
    stale: bool
    holder: Callable[[], str]

    def won(self) -> bool:
        """Whether this job holds the cache entry (known once the transaction ran)."""
        return bool(self.holder() == self.job["job_id"])

    def result(self, key: str) -> EnqueueResult:
        return EnqueueResult("stale" if self.stale else "queued" if self.won() else "duplicate", self.holder(),
                             self.sha, key)  # fmt: skip


def enqueue_commits(
    repo: Repo, conf: EnqueueSettings, shas: list[str], priority: int = 0, *, store: Store | None = None,
    push: Push | None = None,
) -> list[EnqueueResult]:  # fmt: skip
    """Enqueue resolved commits of one repository with the store and queue that conf names (`push`, when given,
    puts each message on the queue instead)."""
    from ..cache.reports import ReportCache
    from ..store import open_store
    from .ledger import Ledger
    from .registry import register

    register(repo.root)  # before any job exists: this machine's workers run jobs of registered repositories only
    target = open_store(conf.queue_url) if store is None else store
    try:
        cache, ledger = ReportCache(target, repo, conf.templates, conf.policy), Ledger(target)
        answers, claims, writes = _plan(cache, ledger, shas, priority)
        target.write_many(writes)
        results = {sha: EnqueueResult(status, None, sha, cache.key(sha)) for sha, status in answers.items()}
        results.update((c.sha, c.result(cache.key(c.sha))) for c in claims)
        won = [c for c in claims if c.won()]
        try:
            _send(conf.queue_url, push, [(c.job["job_id"], c.job["priority"]) for c in won])
        except (StepperError, OSError):
            target.write_many(
                [w for c in won for w in (cache.release(c.sha, c.job["job_id"]), ledger.dropped(c.job["job_id"]))]
            )
            raise
        return [results[sha] for sha in shas]
    finally:
        if store is None:
            target.close()


def _plan(
    cache: ReportCache, ledger: Ledger, shas: list[str], priority: int
) -> tuple[dict[str, Status], list[_Claim], list[Write]]:
    """What each commit needs, from store reads only: its answer from the cache, or a claim; and the writes of
    the one transaction that records the claims and counts the answers."""
    from ..store.base import Write
    from ..store.counters import metric_key

    answers: dict[str, Status] = {}
    claims: list[_Claim] = []
    writes: list[Write] = []
    entries = cache.entries(shas) if cache.enabled else {}
    for sha in shas:
        hit = cache.own(sha, entries.get(sha, {})) if cache.enabled else None
        if hit is not None and hit.fresh:
            answers[sha] = "cached"
            continue
        job = ledger.record(cache.key(sha), sha, cache.repo.name, str(cache.repo.root),
                            priority if hit is None else min(priority, REFRESH_PRIORITY))  # fmt: skip
        claim, holder = cache.claim(sha, job["job_id"], ledger.is_live)
        claims.append(new := _Claim(sha, job, hit is not None, holder))
        writes += [claim, ledger.staged(job, new.won)]  # the record only if the claim won
    # a cached answer, fresh or stale, counts as a cache hit, as in `report` (a queued job's miss is counted by
    # the worker that generates it): one write per series, in the same transaction
    for label, answered in (("fresh", len(answers)), ("stale", sum(c.stale for c in claims))):
        if answered:
            writes.append(Write.incr(metric_key("cache_hits_total", {"status": label}), float(answered)))
    return answers, claims, writes


def _send(url: str, push: Push | None, messages: list[tuple[str, int]]) -> None:
    """Put the messages (job id, priority) on the queue: in one queue transaction, or through `push`."""
    from . import transport as queue

    if push is None:
        if messages:
            queue.push_many(url, messages)
        return
    for job_id, priority in messages:
        push(job_id, priority)
