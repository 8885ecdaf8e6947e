"""Security: after a full flow (report, enqueue, the git hook, a worker with a log file, providers list and
check, metrics, notes, a notify command, cache and config commands), under a umask of 000:

- every file under STEPPER_HOME is 0600 and every folder 0700;
- the API key's value is in no file under STEPPER_HOME, no log, no git note, no notification, and no
  command's output or error message, even when a provider echoes the key back in its error replies.

tests/resilience/test_secrets_never_leave.py covers redaction of what is sent and the key in `report`, `providers` and
`config show` output; tests/jobs/test_notify.py covers private addresses. This adds the rest of the flow.
"""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli_run import Outcome, stepper, stepper_process
from tests.support.gitutil import GitRepo
from tests.support.provider_server import ProviderServer
from tests.support.queuekit import finish, jobs, start_worker, wait_until

KEY_ENV = "STEPPER_SECURITY_TEST_API_KEY"
KEY = "sk-sec-7Qm2Zp9Lx4Rv8Tn3Wc6Yb1Hd5Kf0Ja"


class _Echo(BaseHTTPRequestHandler):
    """A provider that fails, echoing the request's credentials back in its body and a header."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        auth = self.headers.get("Authorization", "")
        status = 401 if "401" in self.path else 500
        body = json.dumps({"error": {"message": f"invalid credentials: {auth!r} ({auth})"}}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Echo", auth)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def echo() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def umask_000() -> Iterator[None]:
    """Nothing may rely on the caller's umask for owner-only files."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def provider(name: str, url: str, retries: int = 1) -> str:
    return (f'[[providers]]\nname = "{name}"\nkind = "openai"\nmodel = "m"\nbase_url = "{url}"\n'
            f'api_key_env = "{KEY_ENV}"\ntimeout_seconds = 5\nrps = 1000\n'
            f"[providers.retry]\nmax_attempts = {retries}\n")  # fmt: skip


def test_a_full_flow_leaves_owner_only_state_and_the_key_nowhere(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_env: Path, echo: str, umask_000: None
) -> None:
    outputs: list[Outcome] = []

    def run(*args: str, process: bool = False) -> Outcome:
        out = (stepper_process if process else stepper)(*args, cwd=repo.path)
        outputs.append(out)
        return out

    delivered = tmp_path / "notified.json"
    textfile = tmp_path / "node_exporter" / "stepper.prom"  # node_exporter's folder: world-readable on purpose
    textfile.parent.mkdir()
    with ProviderServer() as server:
        config = tmp_path / "config.toml"
        config.write_text(
            provider("echoing", f"{echo}/401/v1") + provider("flaky", f"{echo}/500/v1", retries=2)
            + provider("primary", f"{server.url}/v1")
            + f'[notify]\ncommand = "cat > {delivered}"\n[notes]\nworker = true\n'
        )  # fmt: skip
        monkeypatch.setenv("STEPPER_CONFIG", str(config))
        monkeypatch.setenv(KEY_ENV, KEY)
        monkeypatch.setenv("STEPPER_QUEUE__LEASE_SECONDS", "2")
        repo.commit("feat: a", ("a.py", "a = 1\n"))
        (repo.path / ".stepper.toml").write_text("[cache]\nstale_seconds = 3600\n")
        repo.commit("chore: repo settings", (".stepper.toml", "[cache]\nstale_seconds = 3600\n"))
        assert run("config", "trust", "--yes").code == 0
        report = run("report", "HEAD~1", "--format", "json", "--verbose", "--debug")
        assert report.code == 0 and json.loads(report.out)["provider"] == "primary"
        assert run("hook", "install").code == 0
        repo.commit("feat: b", ("b.py", "b = 1\n"))  # the hook enqueues it in the background
        wait_until(lambda: jobs(), what="the hook's job")
        run("enqueue", "HEAD~1", "--json")
        log = isolated_env / "worker.log"
        code, _, err = finish(start_worker("--burst", "--log-file", str(log), "--verbose", cwd=repo.path))
        outputs.append(Outcome(code, "", err))
        assert code == 0 and all(j["state"] == "done" for j in jobs()), err
        for args in (("status", "--json"), ("status",), ("providers", "list", "--json"), ("providers", "list"),
                     ("providers", "check", "--json"), ("providers", "check", "echoing"), ("metrics",),
                     ("metrics", "--textfile", str(textfile)), ("cache", "stats", "--json"),
                     ("config", "show", "--json"), ("report", "--dry-run")):  # fmt: skip
            run(*args)
        run("providers", "reset", "echoing")  # its 401s opened its breaker: let it fail once more, in words
        failing = run("report", "--no-cache", "--no-fallback", "--provider", "echoing", "--debug", process=True)
        assert failing.code == 5 and "credentials" in failing.err  # the error message is about the key ...
        assert wait_until(delivered.exists, what="the notification")
        time.sleep(0.2)  # the notify command finishes writing
    notes = repo.git("log", "--notes=stepper", "--format=%N", "-3")
    assert "stepper-report-json" in notes
    assert KEY not in notes and KEY not in delivered.read_text() and KEY not in textfile.read_text()
    leaked = [
        (o.code, [line for line in (o.out + o.err).splitlines() if KEY in line])
        for o in outputs
        if KEY in o.out or KEY in o.err
    ]
    assert leaked == []  # ... but never the key itself
    files = [p for p in isolated_env.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"cache.db", "queue.db", "worker.log", "trust.json"}
    assert [str(p) for p in files if KEY.encode() in p.read_bytes()] == []
    wrong = [f"{p} {oct(stat.S_IMODE(p.stat().st_mode))}" for p in [isolated_env, *isolated_env.rglob("*")]
             if stat.S_IMODE(p.stat().st_mode) != (0o700 if p.is_dir() else 0o600)]  # fmt: skip
    assert wrong == []
