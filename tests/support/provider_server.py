"""A real loopback HTTP server that speaks the provider protocols, with scenario routes, for tests.

Routes (by path; any path may be prefixed with /scenario/<name> to pick a scenario per request):

    POST /chat/completions, /v1/chat/completions   openai      POST /v2/chat                cohere
    POST /v1/messages                              anthropic   POST /api/chat               ollama
    POST /models/<model>:generateContent (any prefix, e.g. /v1beta/...)      gemini
    POST /gradio_api/call/<api>, GET /gradio_api/call/<api>/<event_id>       hf-space, Gradio (SSE)
    POST /generate                                 hf-space, TGI
    POST /api/infer                                hf-space, the original service's contract
    GET  /v1/models, /models, /v1beta/models, /api/tags                      model listings
    GET  /_control/state, POST /_control/scenario {"scenario": ...}, POST /_control/reset

Scenarios (`server.scenario = ...`), bodies from `provider_replies`:

    ok, prose, fenced, think, think-braces, braces, two, invalid   200 with the report as text
    hostile                200 with a report whose text carries terminal escape sequences
    empty                  200 with an envelope holding no text
    refusal, filter, blocked, tool-calls                 the model declined / answered with a tool call
    truncated, truncated:N                               out of output tokens (below an N-token budget)
    echo-key               200 with the request's key inside the report (a leaking gateway)
    deepseek, o-series, groq-schema, no-temperature      400s naming what the model does not take
    gemini-key, gemini-429, openrouter-429, openrouter-choice, 404-model   vendor-shaped failures
    <status>               e.g. 500, 503, 401, 403, 400, 404: that status, shaped like the API
    429, 429-date, 429-ms, 429-reset, 429-long[:S]       429 with each form of Retry-After
    hang, health-hang      no answer for up to `hang_seconds` (5), then ok
    drip                   the headers one line a second (a read timeout never fires)
    huge                   an endless 200 body (cut off by max_reply_bytes)
    flaky:N, latency:MS    the first N requests answer 500 / ok after MS milliseconds
    asleep:N               a Space answers 503 {"estimated_time": 1} to its first N POSTs
    gradio-error, gradio-error-msg   the Gradio event stream ends in `event: error`

A refused connection is a closed port: `refused_url()`. From a script or benchmark:

    python -m tests.support.provider_server --port 8765 --scenario ok     # prints "listening on http://..."
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import re
import signal
import socket
import socketserver
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from tests.support.provider_replies import (
    HOSTILE_REPORT,
    HOSTILE_SEQUENCES,
    INVALID_REPORT,
    MODELS,
    REPORT,
    Reply,
    budget,
    envelope,
    error_body,
    model_not_found,
    openrouter,
    rate_limit,
    report_text,
    vendor_errors,
)

try:
    import pytest
except ImportError:  # the server also runs as a plain script
    pytest = None  # type: ignore[assignment]

__all__ = [
    "HOSTILE_REPORT",
    "HOSTILE_SEQUENCES",
    "INVALID_REPORT",
    "REPORT",
    "ProviderServer",
    "RecordedRequest",
    "provider_server",
    "refused_url",
]
HANG_SECONDS = 5.0
ROUTES: list[tuple[str, re.Pattern[str]]] = [
    ("openai", re.compile(r"^(/v1)?/chat/completions$")),
    ("anthropic", re.compile(r"^/v1/messages$")),
    ("gemini", re.compile(r"^(/[^:]*)?/models/[^/:]+:generateContent$")),
    ("cohere", re.compile(r"^/v2/chat$")),
    ("ollama", re.compile(r"^/api/chat$")),
    ("gradio", re.compile(r"^/gradio_api/call/[^/]+$")),
    ("gradio-result", re.compile(r"^/gradio_api/call/[^/]+/[^/]+$")),
    ("tgi", re.compile(r"^/generate$")),
    ("infer", re.compile(r"^/api/infer$")),
    ("models", re.compile(r"^(/v1|/v1beta)?/models$|^/api/tags$")),
]
GETS = frozenset({"gradio-result", "models"})
REASONS = {"refusal": "refusal", "filter": "filter", "blocked": "blocked", "tool-calls": "tool_calls"}


@dataclass
class RecordedRequest:
    """One request as it was on the wire."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    json: Any
    scenario: str
    protocol: str | None


def respond(protocol: str, scenario: str, count: int, request: Any, headers: dict[str, str]) -> Reply:
    """Decide the reply to a generation request under a scenario (count: its number in that scenario)."""
    req = request if isinstance(request, dict) else {}
    name, _, arg = scenario.partition(":")
    early = vendor_errors(name, protocol, req) or rate_limit(name, protocol, arg) or openrouter(name, req)
    if early is not None:
        return early
    if name == "flaky" and count <= int(arg or 1):
        return Reply(500, error_body(protocol, 500))
    if name == "asleep" and count <= int(arg or 1):
        return Reply(503, {"error": "Space is waking up", "estimated_time": 1.0})
    if name == "429-date":
        return Reply(
            429, error_body(protocol, 429), {"Retry-After": formatdate(math.ceil(time.time()) + 2, usegmt=True)}
        )
    if name == "404-model":
        return model_not_found(protocol, str(req.get("model") or "test-model"))
    if name.isdigit():
        return Reply(int(name), error_body(protocol, int(name)))
    if name == "garbage":
        return Reply(200, b"<html><body>Gateway says hello</body></html>", {"Content-Type": "text/html"})
    if name == "drip":
        return Reply(200, envelope(protocol, report_text("ok"), req), style="drip")
    if name == "huge":
        return Reply(200, b"", style="huge")
    if name == "empty":
        return Reply(200, envelope(protocol, "", req))
    if name in REASONS:
        return Reply(200, envelope(protocol, None, req, REASONS[name]))
    if name == "truncated" and (not arg or budget(protocol, req) < int(arg)):
        return Reply(200, envelope(protocol, report_text("ok")[:40], req, "length"))
    if name == "echo-key":
        key = headers.get("authorization", headers.get("x-api-key", headers.get("x-goog-api-key", "")))
        text = json.dumps({**REPORT, "summary": f"{REPORT['summary']} Debug: {key.removeprefix('Bearer ')}"})
        return Reply(200, envelope(protocol, text, req))
    delay = {"latency": int(arg or 0) / 1000, "hang": math.inf}.get(name, 0.0)
    return Reply(200, envelope(protocol, report_text(name), req), delay=delay)


def gradio_result(scenario: str) -> Reply:
    """The event stream of a Gradio call: heartbeat, then complete (or error)."""
    events = ["event: heartbeat\ndata: null\n\n"]
    if scenario == "empty":
        events.append('event: complete\ndata: [""]\n\n')
    elif scenario == "gradio-error":
        events.append('event: error\ndata: {"error": null}\n\n')  # any exception but gr.Error (gradio 6)
    elif scenario == "gradio-error-msg":  # a gr.Error's message, as gradio 6 frames it
        events.append(
            'event: error\ndata: {"error": "ZeroGPU quota exceeded", "duration": 10, "visible": true, '
            '"title": "Error"}\n\n'
        )
    else:
        events.append(f"event: generating\ndata: {json.dumps([report_text('ok')[:30]])}\n\n")
        events.append(f"event: complete\ndata: {json.dumps([report_text(scenario.partition(':')[0])])}\n\n")
    return Reply(200, "".join(events).encode(), {"Content-Type": "text/event-stream"}, style="sse")


def models_listing(path: str, headers: dict[str, str]) -> Reply:
    """GET /models as each vendor lists them."""
    if path == "/api/tags":
        return Reply(200, {"models": [{"name": m, "model": m, "size": 2019393189} for m in MODELS["ollama"]]})
    if path == "/v1beta/models":
        return Reply(200, {"models": [{"name": f"models/{m}", "supportedGenerationMethods": ["generateContent"]}
                                      for m in MODELS["gemini"]]})  # fmt: skip
    if "anthropic-version" in headers:
        return Reply(200, {"data": [{"type": "model", "id": m, "display_name": m} for m in MODELS["anthropic"]],
                           "has_more": False, "first_id": None, "last_id": None})  # fmt: skip
    return Reply(200, {"object": "list", "data": [{"id": m, "object": "model", "owned_by": "openai"}
                                                  for m in MODELS["openai"]]})  # fmt: skip


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # socketserver's 5 drops a worker's 32 threads connecting at once; real servers do not
    owner: ProviderServer

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS lookup of the host (slow where DNS is unreachable)."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that hung up (timeouts are the point of some scenarios)."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes; Nagle would delay the second
    server: _Server

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr log."""

    def _handle(self) -> None:
        owner = self.server.owner
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = None
        path, _, query = self.path.partition("?")
        scenario = owner.scenario
        if match := re.match(r"^/scenario/([^/]+)(/.*)$", path):
            scenario, path = unquote(match.group(1)), match.group(2)
        if path.startswith("/_control/"):
            self._send(owner.control(self.command, path, data))
            return
        protocol = next((name for name, pattern in ROUTES if pattern.match(path)), None)
        headers = {k.lower(): v for k, v in self.headers.items()}
        count = owner.record(RecordedRequest(self.command, path, query, headers, raw, data, scenario, protocol))
        if protocol is None or (protocol in GETS) != (self.command == "GET"):
            self._send(Reply(404, {"error": f"no route for {self.command} {path}"}))
        elif protocol == "models":
            self._send(models_listing(path, headers))
        elif protocol == "gradio-result":
            self._send(gradio_result(scenario))
        elif protocol == "gradio":
            self._send(self._gradio_call(scenario, count, data, headers))
        else:
            self._send(respond(protocol, scenario, count, data, headers))

    def _gradio_call(self, scenario: str, count: int, data: Any, headers: dict[str, str]) -> Reply:
        reply = respond("gradio", scenario, count, data, headers)
        if reply.status != 200 or isinstance(reply.body, bytes) or reply.delay or reply.style:
            return reply  # failures, garbage, hangs and drips happen on the call itself
        if not (isinstance(data, dict) and isinstance(data.get("data"), list)):
            return Reply(422, {"detail": [{"type": "missing", "loc": ["body", "data"], "msg": "Field required"}]})
        return Reply(200, {"event_id": uuid.uuid4().hex})

    def _send(self, reply: Reply) -> None:
        owner = self.server.owner
        if reply.delay:
            owner.stopping.wait(min(reply.delay, owner.hang_seconds))
        body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
        headers = {"Content-Type": "application/json", **reply.headers}
        try:
            if reply.style == "drip":
                self._drip()
                return
            self.send_response(reply.status)
            if reply.style != "huge":
                headers["Content-Length"] = str(len(body))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            if reply.style == "huge":
                self._endless()
            self.wfile.write(body)
        except OSError:  # the client gave up (timed out) before the answer
            self.close_connection = True

    def _drip(self) -> None:
        """The status line, then one header line a second, for as long as the client listens."""
        self.close_connection = True
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
        self.wfile.flush()
        for i in range(int(self.server.owner.hang_seconds * 20)):
            if self.server.owner.stopping.wait(1.0):
                return
            self.wfile.write(f"X-Drip-{i}: still coming\r\n".encode())
            self.wfile.flush()

    def _endless(self) -> None:
        """A body that never ends (until the client hangs up or the server stops)."""
        chunk = b'{"pad": "' + b"x" * (1 << 20)
        self.close_connection = True
        while not self.server.owner.stopping.is_set():
            self.wfile.write(chunk)


class ProviderServer:
    """The loopback server: `.url`, `.scenario`, `.requests` (what was on the wire), `.counts`."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, scenario: str = "ok", hang_seconds: float = HANG_SECONDS
    ) -> None:
        self.scenario = scenario
        self.hang_seconds = hang_seconds
        self.requests: list[RecordedRequest] = []
        self.counts: Counter[str] = Counter()
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd = _Server((host, port), _Handler)
        self._httpd.owner = self
        self._host = host
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    def scenario_url(self, scenario: str, path: str = "") -> str:
        """Return a base URL that forces `scenario` whatever `.scenario` says (for multi-provider chains)."""
        return f"{self.url}/scenario/{scenario}{path}"

    def record(self, request: RecordedRequest) -> int:
        """Keep a request; return its number among requests of its kind under its scenario."""
        key = f"{request.method}:{request.scenario}" if request.method == "GET" else request.scenario
        with self._lock:
            self.requests.append(request)
            self.counts[key] += 1
            return self.counts[key]

    @property
    def last(self) -> RecordedRequest:
        return self.requests[-1]

    def generations(self) -> list[RecordedRequest]:
        """The requests that asked a model for text (not listings, not Gradio result streams)."""
        return [r for r in self.requests if r.method == "POST" and r.protocol not in (None, "models")]

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.counts.clear()

    def control(self, method: str, path: str, data: Any) -> Reply:
        """Answer the /_control routes used by other processes."""
        if method == "POST" and path == "/_control/scenario" and isinstance(data, dict):
            self.scenario = str(data.get("scenario", "ok"))
        elif method == "POST" and path == "/_control/reset":
            self.reset()
        elif path != "/_control/state":
            return Reply(404, {"error": f"no control route {path}"})
        return Reply(200, {"scenario": self.scenario, "counts": dict(self.counts), "requests": len(self.requests)})

    def start(self) -> ProviderServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.01},
            name=f"provider-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release hanging handlers, stop serving and close the socket."""
        self.stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()

    def __enter__(self) -> ProviderServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def closed_port() -> int:
    """Return a loopback port nothing listens on (connections to it are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def refused_url() -> str:
    """Return a base URL whose connections are refused (the `refuse` scenario)."""
    return f"http://127.0.0.1:{closed_port()}"


if pytest is not None:

    @pytest.fixture
    def provider_server() -> Iterator[ProviderServer]:
        """A running loopback provider server, scenario "ok", stopped after the test."""
        with ProviderServer() as server:
            yield server


def main(argv: list[str] | None = None) -> None:
    """Serve until killed (SIGTERM or Ctrl-C)."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.provider_server", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed on stdout)")
    parser.add_argument("--scenario", default="ok")
    parser.add_argument("--hang-seconds", type=float, default=HANG_SECONDS)
    args = parser.parse_args(argv)
    server = ProviderServer(args.host, args.port, args.scenario, args.hang_seconds)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with server:
        print(f"listening on http://{args.host}:{server.port}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while not done.wait(0.2):
                pass


if __name__ == "__main__":
    main()
