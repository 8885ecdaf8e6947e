"""Real worker processes on the real SQLite queue: the flows, and jobs surviving killed and stopped workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from stepper_cli.jobs import transport as queue
from tests.support.cli_run import stepper, stepper_process
from tests.support.gitutil import GitRepo, counting_git
from tests.support.provider_server import ProviderServer
from tests.support.queuekit import age_reports, finish, jobs, parse, provider_config, reports, start_worker, wait_until

DAY = 86400


@pytest.fixture
def server() -> Iterator[ProviderServer]:
    with ProviderServer() as s:
        yield s


@pytest.fixture
def with_provider(server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ProviderServer:
    """STEPPER_CONFIG names one provider on the loopback server; leases are short so recovery is quick."""
    monkeypatch.setenv("STEPPER_CONFIG", str(provider_config(tmp_path / "config.toml", f"{server.url}/v1")))
    monkeypatch.setenv("STEPPER_QUEUE__LEASE_SECONDS", "2")
    return server


def enqueue(repo: GitRepo, *args: str) -> dict[str, str]:
    out = stepper("enqueue", "--json", *args, cwd=repo.path)
    assert out.code == 0, out.err
    data: dict[str, str] = parse(out.out)
    return data


def burst(repo: GitRepo, *args: str) -> str:
    code, _, err = finish(start_worker("--burst", *args, cwd=repo.path))
    assert code == 0, err
    return err


def test_enqueue_then_a_burst_worker_then_status_done_then_a_cache_hit(repo: GitRepo) -> None:
    sha = repo.commit("feat: a", ("a.py", "a = 1\n"))
    queued = parse(stepper_process("enqueue", "--json", cwd=repo.path).out)
    assert queued["status"] == "queued" and queued["commit"] == sha
    assert "1 done" in burst(repo)
    status = stepper_process("status", queued["job_id"], "--json", cwd=repo.path)
    job = parse(status.out)
    assert status.code == 0 and job["state"] == "done" and job["result"]["commit"] == sha
    assert enqueue(repo)["status"] == "cached"
    report = parse(stepper("report", "--format", "json", cwd=repo.path).out)
    assert report["cached"] is True and report["report"] == job["result"]["report"]


def test_a_second_enqueue_is_a_duplicate_and_a_stale_report_queues_one_refresh(repo: GitRepo) -> None:
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    first, second = enqueue(repo), enqueue(repo)
    assert (first["status"], second["status"]) == ("queued", "duplicate")
    assert second["job_id"] == first["job_id"] and len(jobs()) == 1
    burst(repo)
    age_reports(2 * DAY)
    stale, again = enqueue(repo), enqueue(repo)
    assert (stale["status"], again["status"]) == ("stale", "stale")
    assert stale["job_id"] == again["job_id"] != first["job_id"]
    refresh = [j for j in jobs() if j["state"] == "queued"]
    assert [j["priority"] for j in refresh] == [-10]
    burst(repo)
    assert enqueue(repo)["status"] == "cached"


def test_a_fallback_report_is_upgraded_once_the_provider_is_back(repo: GitRepo, with_provider: ProviderServer) -> None:
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    with_provider.scenario = "500"
    job_id = enqueue(repo)["job_id"]
    burst(repo)
    first = parse(stepper("status", job_id, "--json", cwd=repo.path).out)
    assert first["result"]["fallback"] is True and first["result"]["provider"] == "local"
    assert enqueue(repo)["status"] == "cached"  # fresh for an hour
    age_reports(2 * 3600)  # stale for a fallback, still fresh for a provider report
    with_provider.scenario = "ok"
    refresh = enqueue(repo)
    assert refresh["status"] == "stale"
    burst(repo)
    report = parse(stepper("report", "--format", "json", cwd=repo.path).out)
    assert report["cached"] is True and report["provider"] == "primary" and report["fallback"] is False
    assert enqueue(repo)["status"] == "cached"


def test_a_sigkilled_worker_loses_nothing(repo: GitRepo, with_provider: ProviderServer) -> None:
    sha = repo.commit("feat: a", ("a.py", "a = 1\n"))
    with_provider.scenario = "latency:5000"
    job_id = enqueue(repo)["job_id"]
    worker = start_worker(cwd=repo.path)
    wait_until(lambda: with_provider.requests, what="the worker's provider request")
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    assert [j["state"] for j in jobs()] == ["running"]
    with_provider.scenario = "ok"
    burst(repo)  # waits for the dead worker's lease to run out, then runs the job again
    (job,) = jobs()
    assert job["job_id"] == job_id and job["state"] == "done" and job["attempts"] == 2
    assert job["provider"] == "primary" and len(with_provider.requests) == 2
    (entry,) = reports()
    assert entry["state"] == "ready" and entry["result"]["commit"] == sha


def test_sigterm_lets_the_running_job_finish(repo: GitRepo, with_provider: ProviderServer) -> None:
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    with_provider.scenario = "latency:1500"
    enqueue(repo)
    worker = start_worker(cwd=repo.path)
    wait_until(lambda: with_provider.requests, what="the worker's provider request")
    worker.send_signal(signal.SIGTERM)
    code, _, err = finish(worker, timeout=30)
    assert code == 0 and "1 done" in err
    assert [(j["state"], j["provider"]) for j in jobs()] == [("done", "primary")]


def test_sigterm_past_the_shutdown_timeout_hands_the_job_back(repo: GitRepo, with_provider: ProviderServer) -> None:
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    with_provider.scenario = "latency:5000"
    enqueue(repo)
    worker = start_worker("--shutdown-timeout", "0.2", cwd=repo.path)
    wait_until(lambda: with_provider.requests, what="the worker's provider request")
    worker.send_signal(signal.SIGINT)
    code, _, err = finish(worker, timeout=30)
    assert code == 0 and "1 handed back" in err
    assert [j["state"] for j in jobs()] == ["queued"]
    with_provider.scenario = "ok"
    burst(repo)
    assert [(j["state"], j["attempts"]) for j in jobs()] == [("done", 2)]


def test_fifty_enqueue_processes_at_once_make_fifty_jobs(repo: GitRepo) -> None:
    repo.commit("init", ("base.txt", "base\n"))
    assert enqueue(repo)["status"] == "queued"  # as after an earlier commit: the queue and store exist
    shas = [repo.commit(f"feat: change {i}", (f"f{i}.py", f"x = {i}\n")) for i in range(50)]
    argv = [sys.executable, "-m", "stepper_cli", "enqueue", "--json"]
    pipe = subprocess.PIPE
    procs = [subprocess.Popen([*argv, sha], cwd=repo.path, stdout=pipe, stderr=pipe, text=True) for sha in shas]
    outputs = [p.communicate(timeout=120) for p in procs]
    errors = [err for p, (_, err) in zip(procs, outputs, strict=True) if p.returncode != 0 or err]
    assert errors == []
    results = [json.loads(out) for out, _ in outputs]
    assert {r["status"] for r in results} == {"queued"} and len({r["job_id"] for r in results}) == 50
    assert queue.open_huey("").storage.queue_size() == 51
    burst(repo, "--concurrency", "8")
    assert [j["state"] for j in jobs()] == ["done"] * 51


def test_a_rebased_commit_reuses_its_report(repo: GitRepo, with_provider: ProviderServer) -> None:
    """The enqueue reads no diff, so a rebased commit is queued; its job finds the report of the same patch and
    copies it, asking no provider."""
    repo.commit("init", ("base.txt", "base\n"))
    repo.git("checkout", "-q", "-b", "topic")
    old = repo.commit("feat: topic", ("topic.py", "x = 1\n"))
    enqueue(repo)
    burst(repo)
    asked = len(with_provider.requests)
    repo.git("checkout", "-q", "main")
    repo.commit("docs: other", ("other.md", "other\n"))
    repo.git("checkout", "-q", "topic")
    repo.git("rebase", "-q", "main")
    assert repo.head() != old and asked > 0
    rebased = enqueue(repo)
    assert rebased["status"] == "queued" and rebased["commit"] == repo.head()
    assert "1 done" in burst(repo)
    done = {j["commit"]: j for j in jobs()}
    assert len(with_provider.requests) == asked and done[repo.head()]["state"] == "done"
    copied, source = done[repo.head()]["result"], done[old]["result"]
    assert copied["cached"] is True and copied["provider"] == "primary" == source["provider"]
    assert {**copied, "commit": old, "cached": False} == source
    assert enqueue(repo)["status"] == "cached"


def test_a_rebased_range_reads_its_patch_ids_in_one_git_stream_and_reuses_every_report(
    repo: GitRepo, with_provider: ProviderServer, tmp_path: Path
) -> None:
    repo.commit("init", ("base.txt", "base\n"))
    repo.git("checkout", "-q", "-b", "topic")
    old = [repo.commit(f"feat: topic {n}", (f"t{n}.py", f"t = {n}\n")) for n in range(4)]
    enqueue(repo, "main..topic")
    burst(repo, "--concurrency", "2")
    asked = len(with_provider.requests)
    repo.git("checkout", "-q", "main")
    repo.commit("docs: other", ("other.md", "other\n"))
    repo.git("checkout", "-q", "topic")
    repo.git("rebase", "-q", "main")
    new = repo.git("rev-list", "--reverse", "main..topic").split()
    queued = parse(stepper("enqueue", "--json", "main..topic", cwd=repo.path).out)
    assert [r["status"] for r in queued] == ["queued"] * 4
    env, log = counting_git(tmp_path)
    code, _, err = finish(start_worker("--burst", "--concurrency", "2", cwd=repo.path, env=env))
    assert code == 0 and "4 done" in err, err
    started = log.read_text().splitlines()
    assert sum("patch-id" in line for line in started) == 1 and not any(sha in line for sha in new for line in started)
    done = {j["commit"]: j["result"] for j in jobs()}
    assert len(with_provider.requests) == asked and all(done[sha]["cached"] for sha in new)
    assert [done[sha]["report"] for sha in new] == [done[sha]["report"] for sha in old]


def test_status_wait_follows_a_job_and_times_out_without_a_worker(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    job_id = enqueue(repo)["job_id"]
    late = stepper("status", job_id, "--wait", "--timeout", "0.3", cwd=repo.path)
    assert late.code == 6 and "still queued" in late.err
    log = tmp_path / "worker.log"
    worker = start_worker("--log-file", str(log), cwd=repo.path)
    try:
        waited = stepper("status", job_id, "--wait", "--timeout", "30", "--json", cwd=repo.path)
    finally:
        worker.send_signal(signal.SIGTERM)
        finish(worker)
    assert waited.code == 0 and parse(waited.out)["state"] == "done"
    assert f"job {job_id} done" in log.read_text()


def test_a_rate_limited_job_waits_in_the_queue_for_its_retry_after(
    repo: GitRepo, with_provider: ProviderServer
) -> None:
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    with_provider.scenario = "429"  # Retry-After: 2
    enqueue(repo)
    worker = start_worker("--burst", cwd=repo.path)
    wait_until(lambda: with_provider.requests, what="the first provider request")
    with_provider.scenario = "ok"
    deferred = wait_until(lambda: [j for j in jobs() if j["state"] == "queued" and j["not_before"]], what="deferral")
    assert deferred[0]["attempts"] == 1
    code, _, err = finish(worker)
    assert code == 0 and "1 done" in err and "1 deferred" in err
    (job,) = jobs()
    assert (job["state"], job["provider"], job["fallback"], job["attempts"]) == ("done", "primary", False, 2)
    assert job["started_at"] >= deferred[0]["not_before"] - 0.05  # not run again before its Retry-After
    assert len(with_provider.requests) == 2
