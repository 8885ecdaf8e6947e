"""Bad input: provider replies that are random bytes, huge, deeply nested, truncated or oddly shaped.

Each is an attempt that failed with a kind (invalid_response, unavailable), and the report falls back to the
local analyzer: never an internal error, never a traceback. First the text extraction of each wire protocol
and the report parser over any JSON or text (hypothesis), then whole runs against a loopback server that
sends exactly the bytes under test.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepper_cli.config.settings import ProviderSettings
from stepper_cli.errors import ProviderError
from stepper_cli.providers import anthropic, cohere, gemini, hf_space, ollama, openai
from stepper_cli.providers.http import HttpAdapter, Reply
from stepper_cli.providers.replies import message_in
from stepper_cli.report.model import Report, parse_report
from tests.support.cli_run import stepper
from tests.support.gitutil import GitRepo
from tests.support.queuekit import reports

EXTRACTORS: dict[str, Callable[[Any, str], str]] = {
    "openai": openai.message_text,
    "anthropic": anthropic.message_text,
    "gemini": gemini.candidate_text,
    "cohere": cohere.message_text,
    "ollama": ollama.message_text,
    "hf-space tgi": hf_space.tgi_text,
    "hf-space infer": hf_space.infer_text,
}
# valid envelopes of each protocol, whose leaves hypothesis replaces with anything
ENVELOPES: dict[str, Any] = {
    "openai": {"choices": [{"message": {"content": "x"}, "finish_reason": "stop"}]},
    "anthropic": {"content": [{"type": "text", "text": "x"}], "stop_reason": "end_turn"},
    "gemini": {"candidates": [{"content": {"parts": [{"text": "x"}]}, "finishReason": "STOP"}]},
    "cohere": {"message": {"content": [{"type": "text", "text": "x"}]}, "finish_reason": "COMPLETE"},
    "ollama": {"message": {"content": "x"}, "done": True},
    "hf-space tgi": {"generated_text": "x", "details": {"finish_reason": "eos_token"}},
    "hf-space infer": {"success": True, "data": {"report": {"title": "x"}, "output": "x"}},
}
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
DEEP = "[" * 100_000 + "]" * 100_000


def mutations(value: Any) -> st.SearchStrategy[Any]:
    """The envelope with any one node, at any depth, replaced by any JSON value."""
    if isinstance(value, dict) and value:
        return st.one_of(JSON, *[st.builds(lambda v, k=k: {**value, k: v}, mutations(value[k])) for k in value])
    if isinstance(value, list) and value:
        return st.one_of(JSON, st.builds(lambda v: [v, *value[1:]], mutations(value[0])))
    return JSON


def extracts_or_refuses(protocol: str, data: Any) -> None:
    try:
        text = EXTRACTORS[protocol](data, "p")
    except ProviderError:
        return
    assert isinstance(text, str)


@pytest.mark.parametrize("protocol", sorted(EXTRACTORS))
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_each_protocol_pulls_text_out_of_any_reply_or_says_it_is_invalid(protocol: str, data: st.DataObject) -> None:
    extracts_or_refuses(protocol, data.draw(mutations(ENVELOPES[protocol])))
    extracts_or_refuses(protocol, data.draw(JSON))


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300) | JSON.map(json.dumps) | st.sampled_from([DEEP, "{" + DEEP, "```json\n" + DEEP]))
def test_the_report_parser_finds_a_report_or_says_there_is_none(text: str) -> None:
    try:
        assert isinstance(parse_report(text), Report)
    except ProviderError as exc:
        assert exc.kind == "invalid_response"


@pytest.mark.parametrize("body", [DEEP.encode(), b"\xff\xfe" * 100, b"", b"{" * 5000])
def test_a_reply_body_that_cannot_be_decoded_is_invalid_not_an_internal_error(body: bytes) -> None:
    adapter = HttpAdapter(ProviderSettings(name="p", kind="openai"), None, cast("httpx.Client", None))
    headers = httpx.Headers({"content-type": "application/json"})
    with pytest.raises(ProviderError) as caught:
        adapter.json_of(Reply(200, headers, body))
    assert caught.value.kind == "invalid_response"
    with pytest.raises(ProviderError) as failed:
        adapter.json_of(Reply(500, headers, body))
    assert failed.value.kind == "unavailable" and isinstance(message_in(Reply(500, headers, body).data), str)


class Replies(ThreadingHTTPServer):
    """A loopback server that answers every POST with `body` (and claims `length` bytes when set)."""

    body: bytes = b""
    length: int | None = None


class _Handler(BaseHTTPRequestHandler):
    server: Replies

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = self.server.body
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(self.server.length or len(body)))
        self.end_headers()
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):  # stepper cuts a huge reply off
            self.wfile.write(body)
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def replies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Replies]:
    server = Replies(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = tmp_path / "config.toml"
    config.write_text(
        '[retry]\nmax_attempts = 1\n[[providers]]\nname = "p"\nkind = "openai"\nmodel = "m"\n'
        f'base_url = "http://127.0.0.1:{server.server_port}/v1"\napi_key_env = ""\nrps = 1000\ntimeout_seconds = 5\n'
    )
    monkeypatch.setenv("STEPPER_CONFIG", str(config))
    yield server
    server.shutdown()
    server.server_close()


def envelope(text: str) -> bytes:
    return json.dumps({"choices": [{"message": {"content": text}}]}).encode()


CASES = {
    "random bytes": (bytes(range(256)) * 8, None, "invalid_response"),
    "deeply nested body": (DEEP.encode(), None, "invalid_response"),
    "deeply nested report": (envelope("{" + DEEP), None, "invalid_response"),
    "content parts of the wrong type": (
        b'{"choices": [{"message": {"content": [{"text": 5}]}}]}',
        None,
        "invalid_response",
    ),
    "huge (20 MB of prose)": (envelope("All good. " * 2_000_000), None, "invalid_response"),
    "truncated": (envelope("x" * 100), 100_000, "unavailable"),
    "null": (b"null", None, "invalid_response"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_reply_is_a_failed_attempt_and_a_fallback_report(case: str, replies: Replies, repo: GitRepo) -> None:
    body, length, kind = CASES[case]
    replies.body, replies.length = body, length
    sha = repo.commit("feat: a", ("a.py", "a = 1\n"))
    out = stepper("report", "--format", "json", cwd=repo.path)
    assert out.code == 0 and "Traceback" not in out.err, out.err
    result = json.loads(out.out)
    assert (result["provider"], result["fallback"]) == ("local", True)
    assert [(a["provider"], a["outcome"], a["error"]) for a in result["attempts"]] == [("p", "error", kind)]
    assert all(len(a.get("detail") or "") <= 300 for a in result["attempts"])
    (entry,) = reports()  # the fallback is cached whole, to be upgraded later
    assert entry["state"] == "ready" and entry["fallback"] is True and entry["result"]["commit"] == sha
