"""A job's bookkeeping is one store transaction: `Store.write_many` on both backends, the worker's batching
store, and the count of writes per job (a claim, the rate limiter's slot and turn, then one transaction)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from stepper_cli import api
from stepper_cli.errors import ProviderUnavailable
from stepper_cli.generate.snapshot import remember
from stepper_cli.jobs.batch import BatchingStore
from stepper_cli.jobs.ledger import Ledger
from stepper_cli.jobs.runner import JobRunner
from stepper_cli.jobs.submit import enqueue_commits
from stepper_cli.report.model import Report
from stepper_cli.resilience.base import Run
from stepper_cli.resilience.ratelimit import RateLimiter
from stepper_cli.resilience.steps import Limited
from stepper_cli.store import Store
from stepper_cli.store.base import JSON, Updater, Wrapped, Write
from tests.support.chainkit import LOCAL_REPORT, PROMPT
from tests.support.gitutil import GitRepo
from tests.support.provider_server import ProviderServer
from tests.support.queuekit import provider_config


class CountingStore(Wrapped):
    """A real store that counts transactions: each write method is one, a `write_many` is one."""

    def __init__(self, inner: Store) -> None:
        super().__init__(inner)
        self.single: Counter[str] = Counter()  # key prefix -> writes outside a batch
        self.batches: list[list[str]] = []  # the key prefixes of each write_many

    def _one(self, key: str) -> None:
        self.single[key.split(":")[0]] += 1

    @property
    def transactions(self) -> int:
        return sum(self.single.values()) + len(self.batches)

    def reset(self) -> None:
        self.single.clear()
        self.batches.clear()

    def put(self, key: str, value: JSON, ttl: float | None = None) -> None:
        self._one(key)
        self.inner.put(key, value, ttl)

    def delete(self, key: str) -> bool:
        self._one(key)
        return self.inner.delete(key)

    def update(self, key: str, fn: Updater, ttl: float | None = None) -> JSON | None:
        self._one(key)
        return self.inner.update(key, fn, ttl)

    def add(self, key: str, value: JSON, ttl: float | None = None) -> bool:
        self._one(key)
        return self.inner.add(key, value, ttl)

    def incr(self, key: str, amount: float = 1.0) -> float:
        self._one(key)
        return self.inner.incr(key, amount)

    def write_many(self, writes: Sequence[Write]) -> list[JSON | float | None]:
        self.batches.append([w.key.split(":")[0] for w in writes])
        return self.inner.write_many(writes)


def test_write_many_applies_puts_updates_and_counters_in_order(any_store: Store) -> None:
    done = any_store.write_many([
        Write.put("a", {"n": 1}),
        Write.update("a", lambda v: {"n": (v or {})["n"] + 1}),  # sees the put before it
        Write.update("gone", lambda v: None),
        Write.incr("c", 2),
        Write.incr("c"),
        Write.put("t", {"x": 1}, ttl=60),
    ])  # fmt: skip
    assert done == [{"n": 1}, {"n": 2}, None, 2.0, 3.0, {"x": 1}]
    assert any_store.get("a") == {"n": 2} and any_store.get("c") == {"value": 3.0} and any_store.get("gone") is None
    assert any_store.incr("c") == 4.0


def test_write_many_is_all_or_nothing(any_store: Store) -> None:
    any_store.put("kept", {"v": 1})

    def broken(value: JSON | None) -> JSON | None:
        raise RuntimeError("an updater bug")

    with pytest.raises(RuntimeError):
        any_store.write_many([Write.put("kept", {"v": 2}), Write.incr("n"), Write.update("x", broken)])
    assert any_store.get("kept") == {"v": 1} and any_store.get("n") is None


def test_the_batching_store_defers_one_threads_bookkeeping_and_reads_its_own_writes(store: Store) -> None:
    counting = CountingStore(store)
    batching = BatchingStore(counting)
    seen_elsewhere: list[Any] = []
    with batching.collect():
        batching.put("job:1", {"state": "running"})
        assert batching.update("job:1", lambda v: {**(v or {}), "state": "done"}) == {"state": "done"}
        assert batching.incr("metric:x") == 1.0 and batching.incr("metric:x", 2) == 3.0
        batching.put("breaker:p", {"state": "open"})  # live state writes through at once
        thread = threading.Thread(target=lambda: seen_elsewhere.append(batching.get("job:1")))
        thread.start()
        thread.join()
        assert batching.get("job:1") == {"state": "done"} and counting.get("job:1") is None
    assert seen_elsewhere == [None]
    assert counting.single == Counter({"breaker": 1}) and counting.batches == [["job", "job", "metric", "metric"]]
    assert store.get("job:1") == {"state": "done"} and store.get("metric:x") == {"value": 3.0}


def test_a_write_many_in_a_batch_writes_through_carrying_this_threads_writes_to_its_keys(store: Store) -> None:
    counting = CountingStore(store)
    batching = BatchingStore(counting)
    store.put("inflight:p", {"slots": {"old": 1.0}})

    def slots(fn: Any) -> Updater:
        return lambda v: {"slots": fn(dict((v or {}).get("slots", {})))}

    with batching.collect():
        batching.update("inflight:p", slots(lambda s: {k: e for k, e in s.items() if k != "old"}))  # deferred
        batching.put("job:1", {"state": "done"})
        assert counting.get("inflight:p") == {"slots": {"old": 1.0}} and not counting.single
        (taken,) = batching.write_many([Write.update("inflight:p", slots(lambda s: {**s, "new": 2.0}))])
        assert taken == {"slots": {"new": 2.0}} and counting.batches == [["inflight", "inflight"]]
        assert store.get("inflight:p") == {"slots": {"new": 2.0}}
    assert counting.batches[1:] == [["job"]]  # the carried write is not written twice


def test_in_a_job_a_slot_goes_back_at_once_after_an_error_and_with_the_job_after_a_report(store: Store) -> None:
    batching = BatchingStore(store)
    limiter = RateLimiter(batching, "p", rps=1000, concurrency=1, clock=time.time, sleep=time.sleep, lease=10)
    run = Run("c0ffee", lambda name: PROMPT, time.time() + 5, time.time)

    def step(outcome: Exception | None) -> Limited:
        def call(run: Run) -> Report:
            assert limiter.in_flight() == 1
            if outcome is not None:
                raise outcome
            return LOCAL_REPORT

        call.name = "p"  # type: ignore[attr-defined]
        return Limited(call, limiter)  # type: ignore[arg-type]

    with batching.collect():
        with pytest.raises(ProviderUnavailable):
            step(ProviderUnavailable("HTTP 500"))(run)
        assert store.get("inflight:p") is None  # free for every other thread during a backoff or a fallback
        step(None)(run)
        assert len(store.get("inflight:p")["slots"]) == 1  # type: ignore[index]
    assert store.get("inflight:p") is None  # given back in the job's transaction


def test_a_retried_call_in_a_job_takes_the_one_slot_again(
    repo: GitRepo, store: Store, server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    jobs_of: Any,
) -> None:  # fmt: skip
    config = provider_config(tmp_path / "config.toml", f"{server.url}/v1", timeout=5, attempts=2, concurrency=1)
    monkeypatch.setenv("STEPPER_CONFIG", str(config))
    server.scenario = "flaky:1"  # a 500, then a report
    (job_id,) = jobs_of(repo.commit("feat: a", ("a.py", "a = 1\n")))
    counting = CountingStore(store)
    JobRunner(counting, "w1", 60, lambda line: None)(job_id)
    job = Ledger(store).get(job_id)
    assert job is not None and job["state"] == "done" and job["provider"] == "primary"
    assert [a["outcome"] for a in job["result"]["attempts"]] == ["error", "ok"]
    assert counting.batches[-1].count("inflight") == 1 and store.get("inflight:primary") is None


@pytest.fixture
def jobs_of(repo: GitRepo, store: Store) -> Iterator[Any]:
    """Enqueue commits of repo (registering it) and return their job ids; the runner's store counts writes."""

    def enqueue(*shas: str) -> list[str]:
        ctx = api.open_context(repo.path)
        ids: list[str] = []
        enqueue_commits(ctx.repo, remember(ctx.repo.root, ctx.config), list(shas), store=store,
                        push=lambda job_id, prio: ids.append(job_id))  # fmt: skip
        ctx.close()
        return ids

    yield enqueue


def test_a_provider_job_is_a_claim_a_rate_limit_slot_and_one_transaction(
    repo: GitRepo, store: Store, server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    jobs_of: Any,
) -> None:  # fmt: skip
    monkeypatch.setenv("STEPPER_CONFIG", str(provider_config(tmp_path / "config.toml", f"{server.url}/v1")))
    shas = [repo.commit(f"feat: {n}", (f"{n}.py", f"{n} = 1\n")) for n in ("a", "b")]
    first, second = jobs_of(*shas)
    counting = CountingStore(store)
    runner = JobRunner(counting, "w1", 60, lambda line: None)
    runner(first)  # the first job of a context also loads config and warms the client
    counting.reset()
    runner(second)
    job = Ledger(store).get(second)
    assert job is not None and job["state"] == "done" and job["provider"] == "primary"
    assert counting.single["job"] == 1  # the claim
    assert not {"report", "alias", "metric"} & set(counting.single)  # all inside the one transaction
    limiter, batch = counting.batches  # the slot and turn in one, then the job's transaction gives the slot back
    assert sorted(limiter) == ["inflight", "ratelimit"]
    assert {"job", "report", "alias", "metric", "inflight"} <= set(batch)
    assert not counting.single.keys() - {"job"}
    assert counting.transactions == 3  # was 11: the claim, the rate limiter's slot and turn, one transaction


def test_a_cached_job_is_two_writes_and_a_failed_job_too(
    repo: GitRepo, store: Store, jobs_of: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sha = repo.commit("feat: a", ("a.py", "a = 1\n"))
    bad = repo.commit("feat: b", ("b.py", "b = 1\n"))
    cached, failing = jobs_of(sha, bad)
    api.generate_report(sha, repo=repo.path)
    counting = CountingStore(store)
    runner = JobRunner(counting, "w1", 60, lambda line: None)
    runner(cached)
    assert counting.transactions == 2 and Ledger(store).get(cached)["state"] == "done"  # type: ignore[index]
    counting.reset()
    from stepper_cli.errors import GitError
    from stepper_cli.generate import pipeline

    def gone(*args: Any) -> Any:
        raise GitError("git diff-tree failed: bad object")

    monkeypatch.setattr(pipeline, "report_for_sha", gone)
    runner(failing)
    failed = Ledger(store).get(failing)
    assert failed is not None and failed["state"] == "failed" and "bad object" in failed["error"]
    assert counting.transactions == 2 and set(counting.batches[0]) == {"report", "job", "metric"}


def test_an_enqueue_of_a_range_is_one_transaction_and_a_duplicate_leaves_no_record(
    repo: GitRepo, any_store: Store
) -> None:
    shas = [repo.commit(f"feat: {n}", (f"{n}.py", f"n = {n}\n")) for n in range(6)]
    ctx = api.open_context(repo.path)
    conf = remember(ctx.repo.root, ctx.config)
    ctx.close()
    counting, pushed = CountingStore(any_store), []
    first = enqueue_commits(ctx.repo, conf, shas[:3], store=counting, push=lambda job_id, _: pushed.append(job_id))
    assert [r.status for r in first] == ["queued"] * 3 and pushed == [r.job_id for r in first]
    assert counting.transactions == 1 and sorted(counting.batches[0]) == ["job"] * 3 + ["report"] * 3
    counting.reset()
    again = enqueue_commits(ctx.repo, conf, shas, store=counting, push=lambda job_id, _: pushed.append(job_id))
    assert [r.status for r in again] == ["duplicate"] * 3 + ["queued"] * 3
    assert [r.job_id for r in again[:3]] == [r.job_id for r in first] and pushed[3:] == [r.job_id for r in again[3:]]
    assert counting.transactions == 1 and {j["job_id"] for j in Ledger(any_store).jobs()} == set(pushed)
