"""Fault drill: 200 jobs, the worker SIGKILLed 10 times at random moments and restarted each time.

Every job ends done, each commit has exactly one cache entry, and no job is left running: the ledger's leases
bring back what each killed worker held. Jobs are cheap (a loopback provider answering in 30 ms) so the drill
is about crashes, not about waiting.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.support.cli_run import stepper
from tests.support.gitutil import GitRepo
from tests.support.provider_server import ProviderServer
from tests.support.queuekit import finish, jobs, provider_config, reports, start_worker, wait_until

JOBS = 200
KILLS = 10


def fast_commits(repo: GitRepo, count: int) -> list[str]:
    """Make `count` commits of one new file each with one `git fast-import` (200 commits in well under 1 s)."""
    stream = []
    for i in range(count):
        message = f"feat: change {i}\n".encode()
        data = f"value = {i}\n".encode()
        stream += [b"commit refs/heads/main\n", f"committer Ada <ada@example.com> {1_700_000_000 + i} +0000\n".encode()]
        stream += [f"data {len(message)}\n".encode(), message]
        stream += [f"M 100644 inline src/f{i}.py\n".encode(), f"data {len(data)}\n".encode(), data, b"\n"]
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo.path, input=b"".join(stream), check=True)
    return repo.git("rev-list", "--reverse", "HEAD").split()


def test_two_hundred_jobs_survive_ten_sigkills_with_one_cache_entry_each(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shas = fast_commits(repo, JOBS + 1)
    with ProviderServer(scenario="latency:30") as server:
        monkeypatch.setenv("STEPPER_CONFIG", str(provider_config(tmp_path / "config.toml", f"{server.url}/v1")))
        monkeypatch.setenv("STEPPER_QUEUE__LEASE_SECONDS", "1")
        queued = stepper("enqueue", f"{shas[0]}..HEAD", "--quiet", cwd=repo.path)
        assert queued.code == 0 and len(queued.out.split()) == JOBS, queued.err
        rng = random.Random(7)
        kills = 0
        for _ in range(KILLS):
            before = sum(j["state"] == "done" for j in jobs())
            if before == JOBS:
                break
            worker = start_worker("--concurrency", "4", cwd=repo.path)
            # once it is working (a job more is done), kill it at a random moment
            wait_until(lambda b=before: sum(j["state"] == "done" for j in jobs()) > b, timeout=30, what="progress")
            time.sleep(rng.uniform(0.0, 0.3))
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
            kills += 1
        interrupted = sum(j["state"] == "running" for j in jobs())
        code, _, err = finish(start_worker("--burst", "--concurrency", "4", cwd=repo.path), timeout=90)
    assert code == 0, err
    assert kills == KILLS and interrupted > 0  # the kills landed while jobs were running
    states = Counter(j["state"] for j in jobs())
    assert states == {"done": JOBS}
    assert max(j["attempts"] for j in jobs()) >= 2  # some job ran again after its worker died
    entries = reports()
    per_commit = Counter(e["commit"] for e in entries)
    assert len(entries) == JOBS and set(per_commit.values()) == {1} and set(per_commit) == set(shas[1:])
    assert {(e["state"], e["result"]["provider"]) for e in entries} == {("ready", "primary")}


def test_the_provider_slot_of_a_sigkilled_worker_is_free_at_once(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    repo.commit("feat: b", ("b.py", "b = 1\n"))
    with ProviderServer(scenario="latency:5000") as server:
        config = provider_config(tmp_path / "config.toml", f"{server.url}/v1")
        # one request in flight at a time, and a report must not wait for the dead holder's 25 s slot lease
        text = config.read_text().replace("concurrency = 32", "concurrency = 1")
        config.write_text(text.replace("[retry]\n", "[retry]\ndeadline_seconds = 3\n"))
        monkeypatch.setenv("STEPPER_CONFIG", str(config))
        assert stepper("enqueue", "HEAD~1", cwd=repo.path).code == 0
        worker = start_worker(cwd=repo.path)
        wait_until(lambda: server.requests, what="the worker's request")
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        server.scenario = "ok"
        report = stepper("report", "--format", "json", cwd=repo.path)
    assert report.code == 0, report.err
    assert '"provider": "primary"' in report.out and '"fallback": false' in report.out
