"""Fault drill: a storm of 429s with Retry-After under a queue of jobs.

The queue defers each rate-limited job (huey's schedule holds it for the Retry-After), no worker thread
sleeps on it while holding a slot, and the provider sees a bounded number of requests, not a busy loop.
"""

from __future__ import annotations

import json
import signal
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli_run import stepper
from tests.support.gitutil import GitRepo
from tests.support.provider_server import ProviderServer
from tests.support.queuekit import finish, jobs, provider_config, start_worker, wait_until

JOBS = 12
STORM_SECONDS = 3.5
RETRY_AFTER = 2.0  # what the server's "429" scenario sends


@pytest.fixture
def server() -> Iterator[ProviderServer]:
    with ProviderServer() as s:
        yield s


def set_scenario(server: ProviderServer, scenario: str) -> None:
    """Switch the server's scenario through its control route, as another process would."""
    body = json.dumps({"scenario": scenario}).encode()
    request = urllib.request.Request(f"{server.url}/_control/scenario", data=body, method="POST")
    with urllib.request.urlopen(request, timeout=5) as reply:
        assert reply.status == 200


def test_a_storm_of_429s_defers_jobs_to_the_queue_without_a_busy_loop(
    repo: GitRepo, server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = provider_config(tmp_path / "config.toml", f"{server.url}/v1")
    config.write_text(config.read_text() + "[breaker]\ncooldown_seconds = 1\n")  # 429s may open it: probe soon
    monkeypatch.setenv("STEPPER_CONFIG", str(config))
    first = repo.commit("init", ("base.txt", "base\n"))
    for i in range(JOBS):
        repo.commit(f"feat: change {i}", (f"f{i}.py", f"x = {i}\n"))
    assert stepper("enqueue", f"{first}..HEAD", "--quiet", cwd=repo.path).code == 0
    arrivals: list[float] = []
    record = server.record
    monkeypatch.setattr(server, "record", lambda request: arrivals.append(time.monotonic()) or record(request))
    set_scenario(server, "429")
    worker = start_worker("--concurrency", "4", cwd=repo.path)
    longest_running = 0.0
    try:
        wait_until(lambda: arrivals, what="the first request")
        storm_started = time.monotonic()
        while time.monotonic() - storm_started < STORM_SECONDS:
            now = time.time()
            running = [now - j["started_at"] for j in jobs() if j["state"] == "running"]
            longest_running = max([longest_running, *running])
            time.sleep(0.05)
        in_storm = len(arrivals)
        set_scenario(server, "ok")
        wait_until(lambda: all(j["state"] == "done" for j in jobs()), timeout=30, what="every job done")
    finally:
        worker.send_signal(signal.SIGTERM)
        code, _, err = finish(worker)
    done = jobs()

    assert code == 0 and len(done) == JOBS
    assert {(j["state"], j["provider"], j["fallback"]) for j in done} == {("done", "primary", False)}
    assert "deferred" in err and all(j["attempts"] >= 2 for j in done)
    # each job tries at most once per Retry-After: a busy loop would send hundreds
    assert in_storm <= JOBS * (STORM_SECONDS / RETRY_AFTER + 1), in_storm
    # a 429 comes back at once: a job that stays running for long is a thread sleeping on it
    assert longest_running < 1.0, longest_running
