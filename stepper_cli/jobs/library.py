"""The job-facing library API: enqueue reports, read and wait for jobs, run a worker, inspect the cache.

Re-exported by `stepper_cli.api`. Commands that need no repository (status, worker, cache stats) use the
repository's configuration inside one and the user's elsewhere (`state_config`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ..config.load import load_settings
from ..config.model import LoadedConfig
from ..git.commits import open_repo, resolve_revs

if TYPE_CHECKING:
    from ..cache.admin import CacheEntry, CacheStats, Cleared
    from ..generate.context import Context
    from ..store import Store
    from .ledger import JobInfo, JobList
    from .submit import EnqueueResult
    from .worker import WorkerOptions, WorkerSummary


def enqueue_report(
    rev: str = "HEAD", *, repo: str | Path = ".", priority: int = 0, context: Context | None = None
) -> list[EnqueueResult]:
    """Queue the report of a revision (or each commit of A..B) unless the cache or a live job covers it."""
    from ..generate.context import open_context
    from ..generate.snapshot import remember
    from .submit import enqueue_commits

    ctx = context or open_context(repo)
    conf = remember(ctx.repo.root, ctx.config)
    return enqueue_commits(ctx.repo, conf, resolve_revs(ctx.repo, rev), priority, store=ctx.store)


def get_job(job_id: str, *, repo: str | Path = ".", store: Store | None = None) -> JobInfo:
    """One job of the ledger; an unknown id is a JobError."""
    from ..errors import JobError
    from .ledger import JobInfo, Ledger

    with _store_for(repo, store) as st:
        record = Ledger(st).get(job_id)
    if record is None:
        raise JobError(f"There is no job '{job_id}'.", hint="Run 'stepper status' to list recent jobs.")
    return JobInfo(record)


def list_jobs(
    *, repo: str | Path = ".", limit: int = 10, commit: str | None = None, store: Store | None = None
) -> JobList:
    """Counts per state and the most recent jobs (of one commit, when given), newest first."""
    from .ledger import JobInfo, JobList, Ledger

    with _store_for(repo, store) as st:
        ledger = Ledger(st)
        records = ledger.jobs()
    chosen = [r for r in records if commit is None or r["commit"] == commit][:limit]
    return JobList(ledger.counts(records), [JobInfo(r) for r in chosen])


def job_for_commit(rev: str = "HEAD", *, repo: str | Path = ".") -> JobInfo:
    """The newest job of a commit; with none, its cached report as a done job without an id; else a JobError."""
    from ..errors import JobError
    from ..generate.context import open_context
    from ..generate.pipeline import report_cache
    from .ledger import JobInfo, Ledger

    ctx = open_context(repo)
    try:
        sha = _last_commit(ctx, rev)
        found = [job for job in Ledger(ctx.store).jobs() if job["commit"] == sha]
        if found:
            return JobInfo(found[0])
        cache = report_cache(ctx)
        hit = cache.lookup(sha)
    finally:
        ctx.close()
    if hit is None:
        raise JobError(f"There is no job or report for commit {sha[:12]}.", hint=f"Run 'stepper enqueue {rev}'.")
    return JobInfo.from_report({**hit.result, "cached": True}, cache.key(sha), str(ctx.repo.root))


def _last_commit(ctx: Context, rev: str) -> str:
    """The commit REV names, or the newest of the range A..B; an empty range is a GitError."""
    from ..errors import GitError
    from ..git.commits import shown

    shas = resolve_revs(ctx.repo, rev)
    if not shas:
        raise GitError(
            f"The range '{shown(rev)}' holds no commits.", hint="Give a commit, or a range A..B with B ahead of A."
        )
    return shas[-1]


def state_config(repo: str | Path = ".") -> LoadedConfig:
    """The configuration of commands that need no repository: the repository's inside one, else the user's."""
    from ..errors import GitError

    try:
        root: Path | None = open_repo(repo).root
    except GitError:
        root = None
    return load_settings(root)


@contextlib.contextmanager
def _store_for(repo: str | Path, store: Store | None) -> Iterator[Store]:
    if store is not None:
        yield store
        return
    from ..store import open_store

    with open_store(state_config(repo).settings.queue.url) as opened:
        yield opened


def wait_for_job(
    job_id: str, *, timeout: float | None = None, repo: str | Path = ".", store: Store | None = None,
    poll: float = 0.2, tick: Callable[[JobInfo], None] | None = None,
) -> JobInfo:  # fmt: skip
    """Block until the job is done or failed; a JobError if timeout seconds pass first."""
    from ..errors import JobError

    deadline = None if timeout is None else time.monotonic() + timeout
    with _store_for(repo, store) as st:
        while True:
            job = get_job(job_id, store=st)
            if job.state in ("done", "failed"):
                return job
            if tick is not None:
                tick(job)
            if deadline is not None and time.monotonic() >= deadline:
                raise JobError(
                    f"Job {job_id} is still {job.state} after {timeout:g} s.",
                    hint="Is a worker running? Start one with 'stepper worker'.",
                )
            time.sleep(poll if deadline is None else max(0.0, min(poll, deadline - time.monotonic())))


def run_worker(
    options: WorkerOptions, *, repo: str | Path = ".", log: Callable[[str], None] = print,
    on_start: Callable[[], None] | None = None,
) -> WorkerSummary:  # fmt: skip
    """Consume the queue in this process (see `worker.run_worker`); on_start is called once the store is open."""
    from ..store import open_store
    from .worker import run_worker as run

    url = state_config(repo).settings.queue.url
    # The repositories a team worker serves come from the user's own config (and STEPPER_* env) only: even a
    # trusted repository file must not widen what this machine's worker runs.
    listed = load_settings(None).settings.queue.repositories
    with open_store(url) as store:
        if on_start is not None:
            on_start()
        return run(store, url, options, log, listed)


def cache_stats(*, repo: str | Path = ".") -> CacheStats:
    """What the report cache holds."""
    from ..cache.admin import stats
    from ..generate.snapshot import from_settings
    from ..store import open_store

    settings = state_config(repo).settings
    with open_store(settings.queue.url) as store:
        return stats(store, from_settings(settings).policy)


def cache_entry(rev: str = "HEAD", *, repo: str | Path = ".") -> CacheEntry:
    """The cache entry (any state, or None) of one revision, with its key."""
    from ..cache.admin import CacheEntry
    from ..generate.context import open_context
    from ..generate.pipeline import report_cache

    ctx = open_context(repo)
    try:
        cache = report_cache(ctx)
        sha = _last_commit(ctx, rev)
        return CacheEntry(sha, cache.key(sha), cache.entry(sha))
    finally:
        ctx.close()


def clear_cache(*, repo: str | Path = ".") -> Cleared:
    """Remove the cached reports; a local store or queue file proven lost is deleted without being opened."""
    from ..cache.admin import Cleared, clear, drop_unreadable, proven_lost
    from ..store import local_store_dir, open_store, remove_local_store
    from . import transport as queue

    url = state_config(repo).settings.queue.url
    removers = (
        {}
        if url
        else {local_store_dir() / "cache.db": remove_local_store, queue.queue_file(): queue.remove_local_queue}
    )
    deleted = [path for path in proven_lost(tuple(removers)) if removers[path]()]
    with open_store(url) as store:
        removed = clear(store)
        return Cleared(removed, tuple(deleted), drop_unreadable(store))
