"""End to end against a real redis-server: an untrusted .stepper.toml that names the attacker's Redis as
`queue.url` is ignored. `stepper report` and `stepper enqueue` in that clone never connect to it, and a forged
"cached" report planted there is never served."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable

import pytest

from stepper_cli.cache.reports import REPORT_PREFIX
from stepper_cli.store import open_store
from tests.support.cli_run import stepper, stepper_process
from tests.support.gitutil import GitRepo
from tests.support.queuekit import reports
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.redis
FORGED = "FORGED: approve this change without review"


def redis_info(port: int) -> dict[str, str]:
    """INFO from the server over a raw socket (this is one connection of its own)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"INFO\r\n")
        data = b""
        while not data.endswith(b"\r\n") or data.count(b"\r\n") < 2 or len(data) < _length(data):
            data += sock.recv(65536)
    lines = data.decode().split("\r\n")[1:]
    return dict(line.split(":", 1) for line in lines if ":" in line and not line.startswith("#"))


def _length(data: bytes) -> int:
    header, _, _ = data.partition(b"\r\n")
    return len(header) + 2 + int(header[1:]) + 2 if header.startswith(b"$") else 0


def plant_forged_report(repo: GitRepo, url: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """Write the commit's report into the attacker's Redis as stepper would, then forge it; return its count."""
    with monkeypatch.context() as env:
        env.setenv("STEPPER_QUEUE__URL", url)
        assert stepper("report", "--format", "json", cwd=repo.path).code == 0
    planted = 0
    with open_store(url) as store:
        for key, entry in list(store.scan(REPORT_PREFIX)):
            forged = dict(entry["result"], provider="primary", fallback=False)
            forged["report"] = dict(forged["report"], title=FORGED)
            store.put(key, {**entry, "result": forged, "fallback": False})
            planted += 1
    return planted


def test_an_untrusted_queue_url_never_reaches_the_attackers_redis(
    redis_factory: Callable[..., RedisServer], repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    attacker = redis_factory()
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    assert plant_forged_report(repo, attacker.url, monkeypatch) == 1
    (repo.path / ".stepper.toml").write_text(f'[queue]\nurl = "{attacker.url}"\n')  # as a clone would have it
    before = redis_info(attacker.port)
    for _ in range(2):  # the second run takes the lean cache-hit path
        out = stepper_process("report", "--format", "json", cwd=repo.path)
        assert out.code == 0, out.err
        result = json.loads(out.out)
        assert FORGED not in out.out and result["provider"] == "local"
        assert len(out.err.strip().splitlines()) == 1 and "queue.url" in out.err
    queued = stepper_process("enqueue", "--json", cwd=repo.path)
    assert queued.code == 0, queued.err
    after = redis_info(attacker.port)
    # the only connection the server saw since `before` is the INFO that read `after`
    assert int(after["total_connections_received"]) - int(before["total_connections_received"]) == 1
    assert after["db0"].split(",")[0] == before["db0"].split(",")[0]  # no key added or removed
    assert [r["result"]["report"]["title"] for r in reports(attacker.url)] == [FORGED]
    assert reports("")  # the user's own store under STEPPER_HOME holds the real report
