"""A model served by a Hugging Face Space, in one of three modes (`mode` in its [[providers]] entry).

    gradio (default)  POST {base_url}/gradio_api/call/{api_name}  {"data": [prompt]}  -> {"event_id": id}
                      GET  {base_url}/gradio_api/call/{api_name}/{id}  -> Server-Sent Events:
                      `event: heartbeat|generating|complete|error`, `data: <JSON>`; the text is the
                      first string of the `complete` event's list. `error` is unavailable: its data is
                      {"error": message} from a `gr.Error` ({"error": null} for any other exception),
                      a bare message from the server itself, or null. A stream that ends without
                      either is unavailable too. (Checked against a real gradio app in the tests.)
    tgi               POST {base_url}/generate {"inputs": prompt, "parameters": {"max_new_tokens", ...}}
                      -> {"generated_text": ..., "details": {"finish_reason"}} (or a list of those);
                      finish_reason "length" is Truncated. (TGI's /v1/chat/completions: use kind openai.)
    infer             the original service's contract: POST {base_url}/api/infer {"prompt": prompt}
                      -> {"data": {"report": {...} | "...", "output": "..."}}: data.report, else data.output

`base_url` is the Space's own URL (https://owner-space.hf.space). A Hugging Face token, when given, is
sent as `Authorization: Bearer` on every request (private Spaces need one). The prompt is one text
(system, then user, then the JSON instructions: a Space is not given a schema).

Waking: a sleeping Space answers 503 (502/504 from its proxy) with `{"estimated_time": s}` while it
starts. Until a request has succeeded (`awake` is False) the adapter waits `estimated_time` and asks
again while the report's deadline allows; once awake, a 503 is a failure like any other (and the next
try waits again). Any other 5xx is a failure at once. The adapter lives as long as its context, so
`awake` carries over from one report to the next.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from ..config.model import ProviderSettings
from ..errors import ProviderUnavailable, Truncated
from . import deadline
from .base import Prompt, asking_json
from .http import HttpAdapter, Reply
from .replies import invalid_shape
from .shape import Shape

MIN_WAKE_WAIT, MAX_WAKE_WAIT = 0.5, 60.0  # bounds on one wait an estimated_time asks for
MAX_WAKING = 300.0  # all the waiting one try does, when the caller set no report deadline
WAKING = frozenset({502, 503, 504})


class HFSpaceProvider(HttpAdapter):
    """A Space speaking Gradio's HTTP API, TGI's /generate, or the original service's /api/infer."""

    def __init__(
        self,
        settings: ProviderSettings,
        api_key: str | None,
        client: httpx.Client,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(settings, api_key, client)
        self._sleep = sleep
        self.awake = False

    def generate(self, prompt: Prompt, shape: Shape) -> str:
        """Wake the Space if needed, send the prompt and return the model's text."""
        text = one_text(asking_json(prompt, shape, schema_sent=False))
        mode = self.settings.mode
        if mode == "tgi":
            return tgi_text(self._post(f"{self.base_url()}/generate", tgi_body(text, shape), shape), self.name)
        if mode == "infer":
            return infer_text(self._post(f"{self.base_url()}/api/infer", {"prompt": text}, shape), self.name)
        return self._gradio(text, shape)

    def _gradio(self, text: str, shape: Shape) -> str:
        call = f"{self.base_url()}/gradio_api/call/{self.settings.api_name.strip('/')}"
        started = self._post(call, {"data": [text]}, shape)
        event_id = started.get("event_id") if isinstance(started, dict) else None
        if not isinstance(event_id, str) or not event_id or "/" in event_id:
            raise invalid_shape(self.name, 'an "event_id" from the Gradio call')
        reply = self.send("GET", f"{call}/{event_id}", headers=self.headers())
        if not reply.ok:
            self.json_of(reply, shape)  # raises the status's error
        return gradio_text(reply, self.name)

    def _post(self, url: str, body: dict[str, Any], shape: Shape) -> Any:
        """POST, waiting through a sleeping Space's 503s (only until it has answered once)."""
        waited = 0.0
        while True:
            reply = self.send("POST", url, headers=self.headers(), json_body=body)
            wait = None if self.awake else waking_wait(reply)
            if wait is None:
                self.awake = reply.status not in WAKING  # asleep again: the next try waits for it
                data = self.json_of(reply, shape)
                self.awake = True
                return data
            if waited + wait > min(deadline.report_left() - 0.5, MAX_WAKING):
                raise ProviderUnavailable(
                    f"Provider '{self.name}' (a Hugging Face Space) is still waking up at the report's deadline",
                    retry_after=wait,
                    detail=f"HTTP {reply.status}, estimated_time {wait:g} s",
                )
            self._sleep(wait)
            waited += wait


def waking_wait(reply: Reply) -> float | None:
    """The wait a sleeping Space asks for (503 with `estimated_time`), or None when the reply is not that."""
    estimated = reply.data.get("estimated_time") if isinstance(reply.data, dict) else None
    if reply.status not in WAKING or not isinstance(estimated, int | float) or not 0 <= estimated < 1e6:
        return None
    return max(min(float(estimated), MAX_WAKE_WAIT), MIN_WAKE_WAIT)


def one_text(prompt: Prompt) -> str:
    """The whole prompt as the one text a Space takes."""
    return f"{prompt.system}\n\n{prompt.user}"


def tgi_body(text: str, shape: Shape) -> dict[str, Any]:
    """The body of TGI's /generate."""
    parameters: dict[str, Any] = {"max_new_tokens": shape.max_tokens, "return_full_text": False, "details": True}
    if shape.temperature:
        parameters["temperature"] = 0.2
    return {"inputs": text, "parameters": parameters}


def tgi_text(data: Any, provider: str) -> str:
    """Pull `generated_text` out of a TGI reply (an object or a one-item list)."""
    if isinstance(data, list) and data:
        data = data[0]
    details = data.get("details") if isinstance(data, dict) else None
    if isinstance(details, dict) and details.get("finish_reason") == "length":
        raise Truncated(f"Provider '{provider}' ran out of output tokens (finish_reason length)", detail="length")
    text = data.get("generated_text") if isinstance(data, dict) else None
    if isinstance(text, str) and text.strip():
        return text
    raise invalid_shape(provider, 'a "generated_text" field')


def infer_text(data: Any, provider: str) -> str:
    """Pull data.report (an object or a text) or data.output out of an /api/infer reply."""
    inner = data.get("data") if isinstance(data, dict) else None
    if isinstance(inner, dict):
        report = inner.get("report")
        if isinstance(report, dict):
            return json.dumps(report)
        for value in (report, inner.get("output")):
            if isinstance(value, str) and value.strip():
                return value
    raise invalid_shape(provider, '"data.report" or "data.output"')


def gradio_text(reply: Reply, provider: str) -> str:
    """Read a Gradio call's event stream: the `complete` event's first string, or the error it reports."""
    for event, data in sse_events(reply.text):
        if event == "error":
            message = gradio_error(data) or "the Space's function failed"
            raise ProviderUnavailable(f"Provider '{provider}' (a Gradio Space) reported an error", detail=message[:300])
        if event == "complete":
            item = data[0] if isinstance(data, list) and data else data
            if isinstance(item, dict):
                return json.dumps(item)
            if isinstance(item, str) and item.strip():
                return item
            raise invalid_shape(provider, "text in the complete event")
    raise ProviderUnavailable(f"Provider '{provider}' (a Gradio Space) ended its stream without a result")


def gradio_error(data: Any) -> str | None:
    """The message of an `error` event: {"error": text} from gr.Error, or a bare text from the server."""
    if isinstance(data, dict):
        data = data.get("error")
    return data if isinstance(data, str) and data.strip() else None


def sse_events(text: str) -> list[tuple[str, Any]]:
    """Split a Server-Sent Events body into (event, JSON data or raw text) pairs; comments are skipped."""
    events: list[tuple[str, Any]] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, lines = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                lines.append(line[5:].removeprefix(" "))
        if not lines and name == "message":
            continue
        raw = "\n".join(lines)
        try:
            events.append((name, json.loads(raw) if raw else None))
        except ValueError:
            events.append((name, raw))
    return events


ADAPTER = HFSpaceProvider
