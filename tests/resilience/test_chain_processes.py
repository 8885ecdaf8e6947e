"""Breakers and rate limits shared by real processes through the files store under STEPPER_HOME."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stepper_cli.store import open_store
from tests.support.chainkit import provider
from tests.support.cli_run import stepper_process
from tests.support.gitutil import GitRepo
from tests.support.provider_server import ProviderServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server() -> Iterator[ProviderServer]:
    with ProviderServer(hang_seconds=3.0) as s:
        yield s


def spawn(settings: dict[str, Any], count: int = 1) -> subprocess.Popen[str]:
    """Start `python -m tests.support.chainkit`, which prints "ready" and waits for a line on stdin."""
    args = [sys.executable, "-m", "tests.support.chainkit", "--settings", json.dumps(settings), "--count", str(count)]
    return subprocess.Popen(
        [*args, "--wait-go"], cwd=ROOT, env=dict(os.environ), text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def run_together(procs: list[subprocess.Popen[str]]) -> list[list[dict[str, Any]]]:
    """Release every process at once (after all are ready) and return each one's JSON lines."""
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready", p.stderr and p.stderr.read()
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    outputs = [p.communicate(timeout=60) for p in procs]
    for p, (_, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
    return [[json.loads(line) for line in out.splitlines() if line.strip()] for out, _ in outputs]


def test_a_breaker_opened_by_one_process_is_open_in_the_next(
    repo: GitRepo, server: ProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("feat: x", ("x.py", "x = 1\n"))
    config = tmp_path / "config.toml"
    config.write_text(
        "[retry]\nmax_attempts = 2\nbase_delay_seconds = 0.01\n[breaker]\nfailure_threshold = 2\n"
        f'[[providers]]\nname = "p"\nkind = "openai"\nbase_url = "{server.url}/v1"\napi_key_env = ""\n'
        "timeout_seconds = 0.3\nrps = 1000\n"
    )
    monkeypatch.setenv("STEPPER_CONFIG", str(config))
    server.scenario = "500"
    first = stepper_process("report", "--format", "json", "--no-cache", cwd=repo.path)
    assert [a["error"] for a in json.loads(first.out)["attempts"]] == ["unavailable", "unavailable"]
    server.scenario = "ok"
    second = stepper_process("report", "--format", "json", "--no-cache", cwd=repo.path)
    data = json.loads(second.out)
    assert [(a["outcome"], a["error"]) for a in data["attempts"]] == [("skipped", "circuit_open")]
    assert data["provider"] == "local" and data["fallback"] is True and len(server.requests) == 2
    listed = stepper_process("providers", "list", "--json", cwd=repo.path)
    assert json.loads(listed.out)[0]["breaker"] == "open"


def test_exactly_one_process_probes_a_half_open_breaker(server: ProviderServer) -> None:
    with open_store("") as store:  # opened long ago: the cooldown is over, nobody has probed yet
        store.put("breaker:p", {"state": "open", "opened_at": time.time() - 600, "reason": "unavailable"})
    server.scenario = "latency:1500"  # the probe stays in flight while the others ask
    settings = {"providers": [provider("p", server.url + "/v1", timeout_seconds=5)]}
    results = [rows[0] for rows in run_together([spawn(settings) for _ in range(4)])]
    assert len(server.requests) == 1
    assert sorted(r["provider"] for r in results) == ["local", "local", "local", "p"]
    skipped = [r["attempts"] for r in results if r["provider"] == "local"]
    assert all([(a["outcome"], a["error"]) for a in s] == [("skipped", "circuit_open")] for s in skipped)
    with open_store("") as store:
        assert store.get("breaker:p") is None  # the probe succeeded: closed


def test_requests_per_second_are_held_across_four_processes(server: ProviderServer) -> None:
    arrivals: list[float] = []
    lock = threading.Lock()
    original = server.record

    def stamped(req):  # type: ignore[no-untyped-def]
        with lock:
            arrivals.append(time.monotonic())
        return original(req)

    server.record = stamped  # type: ignore[method-assign]
    rps, per_process = 8.0, 5
    settings = {"providers": [provider("p", server.url + "/v1", rps=rps, timeout_seconds=5)]}
    rows = run_together([spawn(settings, count=per_process) for _ in range(4)])
    assert all(r["provider"] == "p" for proc in rows for r in proc)
    assert len(arrivals) == 4 * per_process
    arrivals.sort()
    busiest = max(sum(1 for t in arrivals if start <= t < start + 1.0) for start in arrivals)
    assert busiest <= rps + 3  # 20 requests unlimited would all land within a fraction of a second
    assert arrivals[-1] - arrivals[0] >= (len(arrivals) - 1) / rps * 0.7
