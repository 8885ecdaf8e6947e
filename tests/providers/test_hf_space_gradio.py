"""hf-space against a real Gradio server: a gradio app on loopback, `stepper report` end to end.

The simulated Space in tests/support/provider_server.py is shaped after what this module sees from gradio itself.
The app runs in this process (gradio's own thread), bound to 127.0.0.1, with no share link and no
analytics, so nothing leaves the machine. Installed by the `space` extra (part of `test`).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Before gradio is imported: no analytics, no version check, no hub calls.
for _var, _value in {"GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
                     "GRADIO_SHARE": "False", "DO_NOT_TRACK": "1"}.items():  # fmt: skip
    os.environ.setdefault(_var, _value)

gr = pytest.importorskip("gradio")

from tests.support.chainkit import config_file  # noqa: E402
from tests.support.cli_run import stepper  # noqa: E402
from tests.support.gitutil import GitRepo  # noqa: E402
from tests.support.provider_server import REPORT  # noqa: E402
from tests.support.redis_server import free_port  # noqa: E402

TOKEN = "hf_SECRETtoken0123456789"
SLOW_SECONDS = 3.0


class Space:
    """A gradio Blocks app with one endpoint per scenario; it records what each call received."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str | None]] = []  # (endpoint, prompt, authorization header)
        self.lock = threading.Lock()
        self.port = free_port()
        self.app = self._build()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _record(self, endpoint: str, prompt: str, request: Any) -> None:
        with self.lock:
            self.calls.append((endpoint, prompt, request.headers.get("authorization")))

    def _build(self) -> Any:
        def report(prompt: str, request: gr.Request) -> str:
            self._record("report", prompt, request)
            return json.dumps(REPORT)

        def fails(prompt: str, request: gr.Request) -> str:
            self._record("fails", prompt, request)
            raise gr.Error("ZeroGPU quota exceeded")

        def crashes(prompt: str, request: gr.Request) -> str:
            self._record("crashes", prompt, request)
            raise ValueError("an internal error the Space keeps to itself")

        def prose(prompt: str, request: gr.Request) -> str:
            self._record("prose", prompt, request)
            return "This commit adds a retry helper. It looks fine to me."

        def slow(prompt: str, request: gr.Request) -> str:
            self._record("slow", prompt, request)
            time.sleep(SLOW_SECONDS)
            return json.dumps(REPORT)

        def streams(prompt: str, request: gr.Request) -> Iterator[str]:
            self._record("streams", prompt, request)
            text = json.dumps(REPORT)
            for end in range(40, len(text), 40):
                yield text[:end]
            yield text

        with gr.Blocks(analytics_enabled=False) as app:
            box, out = gr.Textbox(), gr.Textbox()
            for fn in (report, fails, crashes, prose, slow, streams):
                box.submit(fn, box, out, api_name=fn.__name__)
        return app

    def start(self) -> Space:
        self.app.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=self.port, share=False,
                        quiet=True, inbrowser=False)  # fmt: skip
        return self

    def stop(self) -> None:
        self.app.close()


@pytest.fixture(scope="module")
def space() -> Iterator[Space]:
    running = Space().start()
    try:
        yield running
    finally:
        running.stop()


def report_via(space: Space, repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **fields: Any) -> Any:
    """`stepper report --format json` with one hf-space provider pointing at the real Space."""
    entry = {"name": "space", "kind": "hf-space", "base_url": space.url, "api_key_env": "HF_SPACE_TOKEN",
             "timeout_seconds": 20, "rps": 1000, **fields}  # fmt: skip
    monkeypatch.setenv("STEPPER_CONFIG", str(config_file(tmp_path / "config.toml", entry, max_attempts=1)))
    monkeypatch.setenv("HF_SPACE_TOKEN", TOKEN)
    space.calls.clear()
    res = stepper("report", "--format", "json", "--no-cache", cwd=repo.path)
    assert res.code == 0, res.err
    assert TOKEN not in res.out + res.err
    return json.loads(res.out)


def outcomes(data: Any) -> list[tuple[str, str, str | None]]:
    return [(a["provider"], a["outcome"], a["error"]) for a in data["attempts"]]


@pytest.mark.parametrize("api_name", ["report", "/report"])
def test_the_report_comes_from_the_gradio_app(
    api_name: str, space: Space, committed: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = report_via(space, committed, tmp_path, monkeypatch, api_name=api_name)
    assert data["provider"] == "space" and data["fallback"] is False
    assert data["report"]["title"] == REPORT["title"] and data["report"]["changes"] == REPORT["changes"]
    assert outcomes(data) == [("space", "ok", None)]
    [(endpoint, prompt, authorization)] = space.calls
    assert endpoint == "report" and "src/retry.py" in prompt and "JSON" in prompt
    assert authorization == f"Bearer {TOKEN}"  # a private Space needs the token on every request


def test_a_generator_app_gives_its_last_value(
    space: Space, committed: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = report_via(space, committed, tmp_path, monkeypatch, api_name="streams")
    assert data["provider"] == "space" and data["report"]["title"] == REPORT["title"]


@pytest.mark.parametrize(("api_name", "detail"), [("fails", "ZeroGPU quota exceeded"),
                                                  ("crashes", "the Space's function failed")])  # fmt: skip
def test_an_error_in_the_app_is_unavailable_with_its_message(
    api_name: str, detail: str, space: Space, committed: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = report_via(space, committed, tmp_path, monkeypatch, api_name=api_name)
    assert data["provider"] == "local" and data["fallback"] is True
    assert outcomes(data) == [("space", "error", "unavailable")]
    assert data["attempts"][0]["detail"] == detail
    assert "internal error" not in json.dumps(data)  # gradio keeps a plain exception's text to itself


def test_prose_from_the_app_is_an_invalid_response(
    space: Space, committed: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = report_via(space, committed, tmp_path, monkeypatch, api_name="prose")
    assert data["provider"] == "local" and outcomes(data) == [("space", "error", "invalid_response")]


def test_an_unknown_endpoint_is_a_failure_not_a_crash(
    space: Space, committed: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = report_via(space, committed, tmp_path, monkeypatch, api_name="no_such_endpoint")
    assert data["provider"] == "local" and outcomes(data) == [("space", "error", "unavailable")]  # gradio: a 500


def test_an_app_slower_than_the_request_limit_times_out(
    space: Space, committed: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = report_via(space, committed, tmp_path, monkeypatch, api_name="slow", timeout_seconds=1)
    assert data["provider"] == "local" and outcomes(data) == [("space", "error", "timeout")]
    assert [c[0] for c in space.calls] == ["slow"]  # the call reached the app's queue and was waited on
