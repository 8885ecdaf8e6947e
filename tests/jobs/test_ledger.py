"""The job ledger: states, leases, and what `status --json` shows of a job."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stepper_cli.jobs.ledger import JobInfo, JobList, Ledger
from stepper_cli.store import open_store
from tests.support.queuekit import create_job


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ledger(tmp_path: Path, clock: Clock) -> Iterator[Ledger]:
    with open_store("", tmp_path) as store:
        yield Ledger(store, clock)


def new(ledger: Ledger, commit: str = "a" * 40) -> str:
    return str(create_job(ledger, "key", commit, "repo", "/src/repo", priority=3)["job_id"])


def test_a_job_goes_queued_running_done(ledger: Ledger, clock: Clock) -> None:
    job_id = new(ledger)
    assert ledger.get(job_id)["state"] == "queued"  # type: ignore[index]
    running = ledger.claim(job_id, "w1", lease=60)
    assert running is not None and running["state"] == "running" and running["attempts"] == 1
    clock.now += 5
    done = ledger.finish(job_id, {"provider": "primary", "fallback": False, "report": {}})
    assert done is not None and done["state"] == "done" and done["provider"] == "primary"
    assert done["finished_at"] == clock.now and done["worker"] is None


def test_a_running_job_cannot_be_claimed_twice_while_its_lease_is_live(ledger: Ledger, clock: Clock) -> None:
    job_id = new(ledger)
    assert ledger.claim(job_id, "w1", lease=60) is not None
    assert ledger.claim(job_id, "w2", lease=60) is None
    clock.now += 30
    assert ledger.renew(job_id, "w1", lease=60)
    clock.now += 59
    assert ledger.claim(job_id, "w2", lease=60) is None


def test_an_expired_lease_lets_another_worker_take_the_job(ledger: Ledger, clock: Clock) -> None:
    job_id = new(ledger)
    ledger.claim(job_id, "w1", lease=60)
    clock.now += 61
    taken = ledger.claim(job_id, "w2", lease=60)
    assert taken is not None and taken["worker"] == "w2" and taken["attempts"] == 2
    assert not ledger.renew(job_id, "w1", lease=60)  # the dead worker's lease is gone


def test_requeue_only_touches_running_jobs_of_the_named_worker(ledger: Ledger, clock: Clock) -> None:
    job_id = new(ledger)
    ledger.claim(job_id, "w1", lease=60)
    assert not ledger.requeue(job_id, "w2")
    assert ledger.requeue(job_id, "w1", not_before=clock.now + 30)
    job = ledger.get(job_id)
    assert job is not None and job["state"] == "queued" and job["not_before"] == clock.now + 30
    assert not ledger.requeue(job_id)  # queued already


def test_finished_jobs_stay_finished(ledger: Ledger) -> None:
    job_id = new(ledger)
    ledger.claim(job_id, "w1", lease=60)
    ledger.fail(job_id, "commit gone")
    assert ledger.claim(job_id, "w2", lease=60) is None
    assert ledger.fail(job_id, "again") is None
    assert ledger.get(job_id)["error"] == "commit gone"  # type: ignore[index]


def test_live_means_queued_or_running(ledger: Ledger) -> None:
    job_id = new(ledger)
    assert ledger.is_live(job_id)
    ledger.claim(job_id, "w1", lease=60)
    assert ledger.is_live(job_id)
    ledger.finish(job_id, {"provider": "local", "fallback": False})
    assert not ledger.is_live(job_id) and not ledger.is_live("no-such-job")


def test_jobs_are_listed_newest_first_with_counts(ledger: Ledger, clock: Clock) -> None:
    first = new(ledger)
    clock.now += 1
    second = new(ledger)
    ledger.claim(second, "w1", lease=60)
    assert [j["job_id"] for j in ledger.jobs()] == [second, first]
    assert ledger.counts() == {"queued": 1, "running": 1, "done": 0, "failed": 0}


def test_status_json_has_the_contract_keys(ledger: Ledger) -> None:
    job_id = new(ledger)
    info = JobInfo(ledger.get(job_id))  # type: ignore[arg-type]
    data = info.to_json()
    for key in ("job_id", "state", "commit", "repo", "created_at", "started_at", "finished_at", "provider",
                "fallback", "attempts", "error", "result"):  # fmt: skip
        assert key in data, key
    assert data["created_at"] == "2023-11-14T22:13:20Z" and data["started_at"] is None
    listed = JobList({"queued": 1}, [info]).to_json()
    assert "result" not in listed["jobs"][0] and listed["counts"] == {"queued": 1}


def test_job_ids_are_unique(ledger: Ledger) -> None:
    assert len({new(ledger) for _ in range(50)}) == 50


def test_store_is_the_only_state(tmp_path: Path, clock: Clock) -> None:
    with open_store("", tmp_path) as store:
        job_id = new(Ledger(store, clock))
    with open_store("", tmp_path) as store:
        assert Ledger(store, clock).get(job_id) is not None
