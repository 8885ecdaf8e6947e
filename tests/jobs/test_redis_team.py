"""A team on one Redis: worker processes with STEPPER_HOMEs of their own share the queue, the cache, the ledger,
leases, breakers and rate limits, and ride out a Redis restart; password and TLS URLs work, and the password
never shows."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli_run import stepper, stepper_process
from tests.support.gitutil import GitRepo
from tests.support.queuekit import jobs, reports, wait_until
from tests.support.redis_server import RedisServer, Tls
from tests.support.teamkit import StampedServer, Team, make_history, max_in_window, team_config

pytestmark = pytest.mark.redis
StartRedis = Callable[..., RedisServer]


@pytest.fixture
def provider() -> Iterator[StampedServer]:
    with StampedServer() as server:
        yield server


def configure(monkeypatch: pytest.MonkeyPatch, url: str, config: Path, lease: float = 2.0) -> None:
    """Point this process and every worker started after it at the Redis URL and the config file."""
    monkeypatch.setenv("STEPPER_QUEUE__URL", url)
    monkeypatch.setenv("STEPPER_CONFIG", str(config))
    monkeypatch.setenv("STEPPER_QUEUE__LEASE_SECONDS", str(lease))


def enqueue(repo: GitRepo, *args: str) -> Any:
    out = stepper("enqueue", "--json", *args, cwd=repo.path)
    assert out.code == 0, out.err
    return json.loads(out.out)


def test_two_workers_on_two_homes_drain_a_hundred_jobs_each_done_once(
    redis_factory: StartRedis, provider: StampedServer, repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = redis_factory().url
    configure(monkeypatch, url, team_config(tmp_path / "config.toml", f"{provider.url}/v1"))
    shas = make_history(repo, 100)
    queued = enqueue(repo, f"{shas[0]}~1..{shas[-1]}")
    assert [q["status"] for q in queued] == ["queued"] * 100
    provider.scenario = "latency:100"  # long enough that both workers are up before the queue runs dry
    with Team(tmp_path / "team", repo.path) as team:
        a, b = team.start("a", "--burst"), team.start("b", "--burst")
        assert (a.wait(), b.wait()) == (0, 0), a.output() + b.output()
    for home in (a.home, b.home):  # nothing local: queue and store are on Redis
        assert not (home / "queue.db").exists() and not (home / "store").exists()
    done_a, done_b = a.done(), b.done()
    assert done_a and done_b and not set(done_a) & set(done_b)
    assert sorted(done_a + done_b) == sorted(q["job_id"] for q in queued)
    ledger = jobs(url)
    assert len(ledger) == 100
    assert {(j["state"], j["attempts"], j["provider"]) for j in ledger} == {("done", 1, "primary")}
    cached = reports(url)
    assert sorted(r["result"]["commit"] for r in cached) == sorted(shas)
    assert {r["state"] for r in cached} == {"ready"}
    assert len(provider.requests) == 100


def test_a_job_of_a_sigkilled_worker_is_finished_by_the_other_after_its_lease(
    redis_factory: StartRedis, provider: StampedServer, repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = redis_factory().url
    configure(monkeypatch, url, team_config(tmp_path / "config.toml", f"{provider.url}/v1"), lease=2.0)
    sha = repo.commit("feat: a", ("a.py", "a = 1\n"))
    provider.scenario = "latency:5000"
    with Team(tmp_path / "team", repo.path) as team:
        workers = {w.pid: w for w in (team.start("a"), team.start("b"))}
        job_id = enqueue(repo)["job_id"]
        wait_until(lambda: provider.requests, what="the first provider request")
        (running,) = jobs(url)
        assert running["state"] == "running"
        victim = workers.pop(int(running["worker"].split(":")[1]))
        (survivor,) = workers.values()
        victim.kill()
        provider.scenario = "ok"
        wait_until(lambda: jobs(url)[0]["state"] == "done", timeout=20, what="the job to finish elsewhere")
        assert survivor.stop() == 0, survivor.output()
    (job,) = jobs(url)
    assert (job["job_id"], job["attempts"], job["provider"]) == (job_id, 2, "primary")
    assert survivor.done() == [job_id] and victim.done() == []
    assert any(f"job {job_id} requeued: its worker stopped renewing the lease" in line for line in survivor.lines())
    (entry,) = reports(url)
    assert entry["state"] == "ready" and entry["result"]["commit"] == sha
    assert len(provider.requests) == 2


def test_a_breaker_opened_by_one_worker_is_open_for_the_other(
    redis_factory: StartRedis, provider: StampedServer, repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = redis_factory().url
    config = team_config(tmp_path / "config.toml", f"{provider.url}/v1", failure_threshold=2)
    configure(monkeypatch, url, config)
    first = make_history(repo, 2)
    provider.scenario = "500"
    enqueue(repo, f"{first[0]}~1..{first[-1]}")
    with Team(tmp_path / "team", repo.path) as team:
        assert team.start("a", "--burst").wait() == 0
        monkeypatch.setenv("STEPPER_HOME", str(team.root / "b"))
        (row, _) = json.loads(stepper("providers", "list", "--json", cwd=repo.path).out)
        assert (row["name"], row["breaker"], row["breaker_reason"]) == ("primary", "open", "unavailable")
        third = repo.commit("feat: third", ("c.py", "c = 3\n"))
        job_id = enqueue(repo)["job_id"]
        assert team.start("b", "--burst").wait() == 0
    assert len(provider.requests) == 2  # worker b sent nothing
    job = next(j for j in jobs(url) if j["job_id"] == job_id)
    assert job["result"]["commit"] == third and job["fallback"] is True
    assert [(a["provider"], a["outcome"], a["error"]) for a in job["result"]["attempts"]] == [
        ("primary", "skipped", "circuit_open")
    ]


def test_the_rate_limit_holds_across_both_workers(
    redis_factory: StartRedis, provider: StampedServer, repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = redis_factory().url
    configure(monkeypatch, url, team_config(tmp_path / "config.toml", f"{provider.url}/v1", rps=5, concurrency=8))
    shas = make_history(repo, 16)
    enqueue(repo, f"{shas[0]}~1..{shas[-1]}")
    with Team(tmp_path / "team", repo.path) as team:
        a, b = team.start("a", "--burst", "--concurrency", "4"), team.start("b", "--burst", "--concurrency", "4")
        assert (a.wait(), b.wait()) == (0, 0), a.output() + b.output()
    assert a.done() and b.done() and len(a.done() + b.done()) == 16
    stamps = provider.stamps
    assert len(stamps) == 16 and {j["provider"] for j in jobs(url)} == {"primary"}
    # 5 per second, spaced 0.2 s apart: at most 6 fit in any second, 11 in any two (bounds with room to spare)
    assert max_in_window(stamps, 1.0) <= 5 * 1.5 + 2
    assert max_in_window(stamps, 2.0) <= 10 * 1.5 + 2
    assert max(stamps) - min(stamps) >= 15 / 5 / 2


def test_workers_ride_out_a_redis_restart_and_nothing_is_lost(
    redis_factory: StartRedis, provider: StampedServer, repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    redis = redis_factory(persistent=True)  # fsynced append-only file: a restart keeps every key
    configure(monkeypatch, redis.url, team_config(tmp_path / "config.toml", f"{provider.url}/v1"), lease=2.0)
    before = make_history(repo, 20)
    enqueue(repo, f"{before[0]}~1..{before[-1]}")
    provider.scenario = "latency:500"
    with Team(tmp_path / "team", repo.path) as team:
        a, b = team.start("a"), team.start("b")
        wait_until(lambda: sum(j["state"] == "done" for j in jobs(redis.url)) >= 3, what="the first jobs")
        redis.stop()  # with jobs in flight: their ledger and cache writes fail
        during = repo.commit("feat: while down", ("down.py", "down = 1\n"))
        refused = stepper("enqueue", cwd=repo.path)
        assert refused.code == 7 and refused.err.startswith("stepper: Cannot reach Redis at redis://127.0.0.1:")
        time.sleep(1.0)  # down for longer than the client's own reconnect retries
        redis.start()
        after = [repo.commit(f"feat: after {i}", (f"after_{i}.py", f"x = {i}\n")) for i in range(4)]
        queued = enqueue(repo, f"{before[-1]}..HEAD")
        assert [q["status"] for q in queued] == ["queued"] * 5  # the refused enqueue left nothing behind
        wait_until(lambda: {j["state"] for j in jobs(redis.url)} == {"done"}, timeout=40, what="every job")
        assert (a.stop(), b.stop()) == (0, 0)
    ledger = jobs(redis.url)
    assert len(ledger) == 25 and {j["provider"] for j in ledger} == {"primary"}
    assert sorted(r["result"]["commit"] for r in reports(redis.url)) == sorted([*before, during, *after])
    lines = a.lines() + b.lines()
    assert any("interrupted: Cannot reach Redis" in line for line in lines)
    assert any("requeued: its worker stopped renewing the lease" in line for line in lines)
    for worker in (a, b):  # one line per complaint, no tracebacks
        assert "Traceback" not in worker.output() + "\n".join(worker.lines())
        assert len([line for line in worker.lines() if " queue: " in line]) <= 20


def test_after_a_restart_that_lost_redis_data_workers_go_on_and_enqueueing_again_restores_the_jobs(
    redis_factory: StartRedis, provider: StampedServer, repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    redis = redis_factory()  # no persistence: a restart empties it, as a server without AOF or RDB does
    configure(monkeypatch, redis.url, team_config(tmp_path / "config.toml", f"{provider.url}/v1"), lease=2.0)
    shas = make_history(repo, 6)
    span = f"{shas[0]}~1..{shas[-1]}"
    enqueue(repo, span)
    provider.scenario = "latency:500"
    with Team(tmp_path / "team", repo.path) as team:
        a, b = team.start("a", "--concurrency", "1"), team.start("b", "--concurrency", "1")
        wait_until(lambda: len(provider.requests) >= 2, what="a job in flight in each worker")
        redis.restart()
        assert jobs(redis.url) == []  # the queue and the ledger went with the data
        assert {q["status"] for q in enqueue(repo, span)} <= {"queued", "cached"}
        wait_until(lambda: len(reports(redis.url)) == 6 and {j["state"] for j in jobs(redis.url)} == {"done"})
        assert (a.stop(), b.stop()) == (0, 0)
    assert sorted(r["result"]["commit"] for r in reports(redis.url) if r["state"] == "ready") == sorted(shas)
    assert 6 <= len(provider.requests) <= 8  # the two jobs in flight may run twice, nothing more
    assert "Traceback" not in a.output() + b.output()


def test_a_password_url_works_and_the_password_shows_nowhere(
    redis_factory: StartRedis, repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "pw-" + os.urandom(8).hex()
    redis = redis_factory(password=secret)
    monkeypatch.setenv("STEPPER_QUEUE__URL", redis.url)
    sha = repo.commit("feat: a", ("a.py", "a = 1\n"))
    hook = stepper_process("enqueue", "--json", cwd=repo.path)  # the lean git-hook path, as a real process
    assert hook.code == 0, hook.err
    job_id = json.loads(hook.out)["job_id"]
    with Team(tmp_path / "team", repo.path) as team:
        worker = team.start("a", "--burst", "--verbose")
        assert worker.wait() == 0, worker.output()
    status = stepper("status", job_id, "--json", cwd=repo.path)
    assert json.loads(status.out)["result"]["commit"] == sha
    shown = stepper("config", "show", cwd=repo.path)
    assert f'"redis://:***@127.0.0.1:{redis.port}/0"' in shown.out
    outcomes = [hook, status, shown, *(stepper(*a, cwd=repo.path) for a in OTHER_COMMANDS)]
    assert [o.code for o in outcomes] == [0] * len(outcomes)
    wrong = redis.url.replace(secret, "not-" + secret)
    monkeypatch.setenv("STEPPER_QUEUE__URL", wrong)
    refused = stepper("enqueue", cwd=repo.path)
    assert refused.code == 7 and "refused to authenticate" in refused.err
    printed = "".join(o.out + o.err for o in [*outcomes, refused]) + worker.output()
    assert secret not in printed and "done" in "".join(worker.lines())
    assert files_holding(tmp_path, secret.encode()) == []  # homes, logs, snapshots, the repository


OTHER_COMMANDS = [("config", "show", "--json"), ("status", "--json"), ("cache", "stats"), ("providers", "list"),
                  ("metrics",), ("enqueue", "--json")]  # fmt: skip


def files_holding(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_an_enqueue_the_queue_refuses_leaves_no_job_and_no_pending_entry(
    redis_factory: StartRedis, repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    import redis as redis_py

    server = redis_factory(password="admin-pw")
    with redis_py.Redis.from_url(server.url) as admin:  # a user that may write keys but not queue messages
        admin.execute_command("ACL", "SETUSER", "hook", "on", ">hook-pw", "~*", "&*", "+@all", "-zadd")
        repo.commit("feat: a", ("a.py", "a = 1\n"))
        monkeypatch.setenv("STEPPER_QUEUE__URL", f"redis://hook:hook-pw@127.0.0.1:{server.port}/0")
        out = stepper("enqueue", cwd=repo.path)
        assert out.code == 7 and out.err.startswith(f"stepper: The queue at redis://hook:***@127.0.0.1:{server.port}/0")
        assert "no permissions to run the 'zadd' command" in out.err and "ACL" in out.err and "hook-pw" not in out.err
        assert admin.keys("*") == []  # the ledger record and the cache's pending mark were both undone


def test_a_rediss_url_with_its_ca_in_the_query_works_end_to_end(
    redis_factory: StartRedis, repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl CLI is not installed (needed to make a throwaway certificate)")
    try:
        server = redis_factory(tls=Tls.make(tmp_path))
    except RuntimeError as exc:
        if "tls" not in str(exc).lower():
            raise
        pytest.skip(f"this redis-server was built without TLS support: {str(exc).splitlines()[-1]}")
    assert server.url.startswith("rediss://127.0.0.1:") and "?ssl_ca_certs=" in server.url
    monkeypatch.setenv("STEPPER_QUEUE__URL", server.url)
    sha = repo.commit("feat: a", ("a.py", "a = 1\n"))
    job_id = enqueue(repo)["job_id"]
    with Team(tmp_path / "team", repo.path) as team:
        worker = team.start("a", "--burst")
        assert worker.wait() == 0, worker.output()
    assert json.loads(stepper("status", job_id, "--json", cwd=repo.path).out)["result"]["commit"] == sha
    monkeypatch.setenv("STEPPER_QUEUE__URL", server.url.partition("?")[0])  # without the CA: not trusted
    untrusted = stepper("enqueue", cwd=repo.path)
    assert untrusted.code == 7 and "certificate verify failed" in untrusted.err
