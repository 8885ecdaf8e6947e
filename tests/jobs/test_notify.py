"""Notifications: a real loopback webhook receiver, address checks that refuse before connecting, the command."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import os
import stat
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from stepper_cli.config.settings import NotifySettings
from stepper_cli.jobs import notify
from stepper_cli.metrics.export import read_series
from stepper_cli.store import open_store

JOB = {"job_id": "abc123", "state": "done", "commit": "f" * 40, "repo": "repo", "attempts": 1}
RESULT = {"schema_version": 1, "commit": "f" * 40, "report": {"title": "A title of a report"}}


class Receiver(ThreadingHTTPServer):
    """Loopback webhook receiver; routes: /ok, /flaky (503 once), /down (500), /to-private, /to-ok."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict[str, Any]] = []
        self.flaky_left = 1

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        status, location = 200, None
        if self.path == "/flaky" and self.server.flaky_left:
            self.server.flaky_left -= 1
            status = 503
        elif self.path.startswith("/down"):
            status = 500
        elif self.path == "/to-private":
            status, location = 302, "http://10.0.0.1/steal"
        elif self.path == "/to-ok":
            status, location = 307, "/ok"
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def no_network() -> httpx.MockTransport:
    """A transport that fails the test if anything is sent: refusals must come before any connection."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"a request was sent to {request.url}")

    return httpx.MockTransport(handler)


def settings(url: str, **extra: Any) -> NotifySettings:
    return NotifySettings(webhook=url, **{"max_attempts": 2, **extra})


def test_webhook_posts_the_signed_job_json_to_a_loopback_receiver(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_SIGNING", "s3cret")
    failures = notify.deliver(settings(receiver.base + "/ok", secret_env="HOOK_SIGNING"), None, JOB, RESULT)
    assert failures == []
    [got] = receiver.requests
    data = json.loads(got["body"])
    assert data["event"] == "job.done" and data["job_id"] == "abc123" and data["result"] == RESULT
    expected = hmac.new(b"s3cret", got["body"], hashlib.sha256).hexdigest()
    assert got["headers"]["X-Stepper-Signature"] == f"sha256={expected}"
    assert got["headers"]["Content-Type"] == "application/json"
    assert got["headers"]["Host"] == receiver.base.removeprefix("http://")


def test_a_missing_signing_key_means_nothing_is_sent(receiver: Receiver) -> None:
    failures = notify.deliver(settings(receiver.base + "/ok", secret_env="NOT_SET_ANYWHERE"), None, JOB, RESULT)
    assert len(failures) == 1 and "NOT_SET_ANYWHERE" in failures[0] and receiver.requests == []


@pytest.mark.parametrize(
    "url", ["https://10.0.0.1/hook", "https://169.254.169.254/latest", "https://[fd00:ec2::254]/",
            "https://[::ffff:192.168.0.9]/", "https://100.64.0.1/", "https://0.0.0.0/", "http://93.184.216.34/"],
)  # fmt: skip
def test_private_metadata_and_plain_http_targets_are_refused_before_connecting(url: str) -> None:
    with pytest.raises(notify.Refused):
        notify.post_webhook(url, b"{}", settings(url), transport=no_network())


def test_a_refused_delivery_is_logged_without_the_token_and_counted() -> None:
    url = "https://10.0.0.1/hooks/T0KEN-in-the-path"
    with open_store() as store:
        failures = notify.deliver(settings(url), store, JOB, RESULT, transport=no_network())
        counted = [s for s in read_series(store) if s.name == "notify_failures_total"]
    assert len(failures) == 1 and "private address" in failures[0]
    assert counted[0].labels == {"channel": "webhook"} and counted[0].value["value"] == 1
    log = Path(os.environ["STEPPER_HOME"]) / "notify.log"
    assert "10.0.0.1" in log.read_text() and "T0KEN" not in log.read_text()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_allow_private_opens_private_ranges_but_never_metadata() -> None:
    check = notify.address_problem
    assert check(ipaddress.ip_address("192.168.1.5"), allow_private=True, allow_loopback=True) is None
    assert check(ipaddress.ip_address("192.168.1.5"), allow_private=False, allow_loopback=True)
    assert check(ipaddress.ip_address("169.254.169.254"), allow_private=True, allow_loopback=True)
    assert check(ipaddress.ip_address("8.8.8.8"), allow_private=False, allow_loopback=True) is None


def test_a_redirect_to_a_private_address_is_refused(receiver: Receiver) -> None:
    with pytest.raises(notify.Refused, match=r"10\.0\.0\.1"):
        notify.post_webhook(receiver.base + "/to-private", b"{}", settings(receiver.base))
    assert [r["path"] for r in receiver.requests] == ["/to-private"]


def test_a_redirect_to_an_allowed_place_is_followed_with_the_body(receiver: Receiver) -> None:
    status = notify.post_webhook(receiver.base + "/to-ok", b'{"x":1}', settings(receiver.base))
    assert status == 200 and [(r["path"], r["body"]) for r in receiver.requests] == [
        ("/to-ok", b'{"x":1}'), ("/ok", b'{"x":1}')]  # fmt: skip


def test_transient_failures_are_retried_with_backoff(receiver: Receiver) -> None:
    slept: list[float] = []
    status = notify.post_webhook(receiver.base + "/flaky", b"{}", settings(receiver.base), sleep=slept.append)
    assert status == 200 and len(receiver.requests) == 2 and len(slept) == 1


def test_a_receiver_that_keeps_failing_is_a_logged_failure_not_an_exception(receiver: Receiver) -> None:
    failures = notify.deliver(settings(receiver.base + "/down"), None, JOB, RESULT, sleep=lambda s: None)
    assert len(failures) == 1 and "500" in failures[0] and len(receiver.requests) == 2


def test_the_command_gets_the_json_on_stdin(tmp_path: Path) -> None:
    out = tmp_path / "got.json"
    conf = NotifySettings(command=f'cat > "{out}"; echo "$STEPPER_EVENT $STEPPER_JOB_ID" > "{out}.env"')
    assert notify.deliver(conf, None, JOB, RESULT) == []
    assert json.loads(out.read_text())["result"] == RESULT
    assert Path(f"{out}.env").read_text() == "job.done abc123\n"


def test_a_failing_or_hanging_command_is_logged() -> None:
    failing = notify.deliver(NotifySettings(command="echo broken >&2; exit 3"), None, JOB, RESULT)
    hanging = notify.deliver(NotifySettings(command="sleep 5", timeout_seconds=0.2), None, JOB, RESULT)
    assert "exited 3: broken" in failing[0] and "did not finish" in hanging[0]
    assert (Path(os.environ["STEPPER_HOME"]) / "notify.log").read_text().count("\n") == 2
