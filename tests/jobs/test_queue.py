"""The queue's wire format and the job runner's logic, on real SqliteHuey queues and in huey's immediate mode."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest

from stepper_cli import api
from stepper_cli.errors import GitError, RateLimited
from stepper_cli.generate import pipeline
from stepper_cli.generate.snapshot import remember
from stepper_cli.jobs import transport as queue
from stepper_cli.jobs.ledger import Ledger
from stepper_cli.jobs.registry import register
from stepper_cli.jobs.runner import JobRunner
from stepper_cli.jobs.submit import enqueue_commits
from stepper_cli.store import Store
from tests.support.gitutil import GitRepo
from tests.support.queuekit import create_job

KEY = "0123456789abcdef" * 2  # the shape of a cache key


def test_a_lean_push_is_a_message_the_real_consumer_runs(isolated_env: Path) -> None:
    queue.push("", "job-low", priority=-10)
    queue.push("", "job-high", priority=5)
    ran: list[str] = []
    huey = queue.open_huey("")
    queue.register(huey, ran.append)
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
    assert ran == ["job-high", "job-low"]
    assert (isolated_env / "queue.db").stat().st_mode & 0o777 == 0o600


def test_messages_are_json_and_round_trip_huey_messages(isolated_env: Path) -> None:
    huey = queue.open_huey("")
    task = queue.register(huey, lambda job_id: None)
    eta = datetime.datetime(2030, 1, 2, 3, 4, 5)
    data = huey.serialize_task(task.s("job-1", priority=2).__class__(("job-1",), {}, eta=eta, priority=2))
    assert data.startswith(b"{") and queue.message_job(data) == "job-1"
    back = huey.deserialize_task(data)
    assert back.args == ("job-1",) and back.eta == eta and back.priority == 2
    assert queue.message_job(queue.encode_message("job-2")) == "job-2" and queue.message_job(b"junk") is None


def test_waiting_jobs_lists_the_queue_and_the_schedule(isolated_env: Path) -> None:
    huey = queue.open_huey("")
    task = queue.register(huey, lambda job_id: None)
    queue.push("", "now")
    task.schedule(("later",), delay=60)
    assert queue.waiting_jobs(huey) == {"now", "later"}


def run_inline(store: Store, repo: GitRepo, sha: str, runner: JobRunner) -> tuple[Any, Any]:
    """Enqueue sha with huey in immediate mode: the task runs inside the push."""
    huey = queue.open_huey("")
    huey.immediate = True
    task = queue.register(huey, runner)
    ctx = api.open_context(repo.path)
    ctx.use_store(store)
    conf = remember(ctx.repo.root, ctx.config)
    results = enqueue_commits(ctx.repo, conf, [sha], store=store, push=lambda job_id, prio: task(job_id))
    return results[0], huey


def test_an_enqueued_job_runs_and_its_report_lands_in_the_cache(store: Store, repo: GitRepo) -> None:
    sha = repo.commit("feat: a", ("a.py", "a = 1\n"))
    lines: list[str] = []
    outcome, _ = run_inline(store, repo, sha, JobRunner(store, "w1", 60, lines.append))
    job = Ledger(store).get(outcome.job_id)
    assert outcome.status == "queued" and job is not None and job["state"] == "done"
    assert job["result"]["commit"] == sha and job["provider"] == "local"
    assert job["patch_id"] is None  # the enqueue reads no diff: the worker computes the patch id it needs
    assert api.report_cache(api.open_context(repo.path)).lookup(sha) is not None
    assert len(lines) == 1 and "done" in lines[0]


def registered_job(store: Store, repo: GitRepo) -> tuple[str, Ledger, Any]:
    """One commit, its repository registered on this machine, and a queued ledger job for it."""
    sha = repo.commit("feat: a", ("a.py", "a = 1\n"))
    ledger = Ledger(store)
    register(repo.path)
    return sha, ledger, create_job(ledger, KEY, sha, repo.path.name, str(repo.path))


def test_a_job_whose_report_is_cached_calls_no_provider(
    store: Store, repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    sha, ledger, job = registered_job(store, repo)
    api.generate_report(sha, repo=repo.path)  # the report arrives in the cache first

    def no_generation(*args: Any) -> Any:
        raise AssertionError("a provider was asked")

    monkeypatch.setattr(pipeline, "_generate", no_generation)
    JobRunner(store, "w1", 60, lambda line: None)(job["job_id"])
    done = ledger.get(job["job_id"])
    assert done is not None and done["state"] == "done" and done["result"]["cached"] is True


def test_a_rate_limited_job_goes_to_the_schedule_not_to_sleep(
    store: Store, repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    sha = repo.commit("feat: a", ("a.py", "a = 1\n"))
    seen: list[bool] = []

    def limited(ctx: Any, sha: str, options: api.ReportOptions) -> Any:
        seen.append(options.defer_rate_limits)
        raise RateLimited("429 from primary", retry_after=30)

    monkeypatch.setattr(pipeline, "report_for_sha", limited)
    outcome, huey = run_inline(store, repo, sha, JobRunner(store, "w1", 60, lambda line: None))
    job = Ledger(store).get(outcome.job_id)
    assert seen == [True] and job is not None and job["state"] == "queued" and job["not_before"] is not None
    assert huey.storage.schedule_size() == 1
    (scheduled,) = huey.scheduled()
    wait = (scheduled.eta - datetime.datetime.now(datetime.UTC).replace(tzinfo=None)).total_seconds()
    assert 25 < wait <= 30


def test_a_job_that_cannot_run_fails_with_its_reason(
    store: Store, repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    sha = repo.commit("feat: a", ("a.py", "a = 1\n"))

    def gone(*args: Any) -> Any:
        raise GitError("git cat-file failed: bad object")

    monkeypatch.setattr(pipeline, "report_for_sha", gone)
    outcome, _ = run_inline(store, repo, sha, JobRunner(store, "w1", 60, lambda line: None))
    job = Ledger(store).get(outcome.job_id)
    assert job is not None and job["state"] == "failed" and "bad object" in job["error"]
    entry = api.report_cache(api.open_context(repo.path)).entry(sha)
    assert entry is not None and entry["state"] == "failed"


def test_a_push_that_fails_leaves_nothing_behind(store: Store, repo: GitRepo) -> None:
    from stepper_cli.errors import StorageError

    sha = repo.commit("feat: a", ("a.py", "a = 1\n"))
    ctx = api.open_context(repo.path)
    conf = remember(ctx.repo.root, ctx.config)

    def broken(job_id: str, priority: int) -> None:
        raise StorageError("The queue is down.")

    with pytest.raises(StorageError):
        enqueue_commits(ctx.repo, conf, [sha], store=store, push=broken)
    assert Ledger(store).jobs() == [] and api.report_cache(ctx).entry(sha) is None


def test_a_store_outage_mid_job_leaves_the_job_to_its_lease(
    store: Store, repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stepper_cli.errors import StorageError

    _, ledger, job = registered_job(store, repo)

    def outage(*args: Any) -> Any:
        raise StorageError("Cannot reach Redis.")

    monkeypatch.setattr(pipeline, "report_for_sha", outage)
    runner = JobRunner(store, "w1", 60, lambda line: None)
    runner(job["job_id"])
    left = ledger.get(job["job_id"])
    assert left is not None and left["state"] == "running" and runner.inflight == set()
