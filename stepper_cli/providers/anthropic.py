"""The Anthropic Messages protocol.

POST {base_url}/v1/messages with `x-api-key` and `anthropic-version: 2023-06-01` (the version Anthropic
keeps serving; the fields read here are the same in later ones), a top-level `system`, one user message
and `max_tokens`. JSON is asked for by forcing a tool whose `input_schema` is the report schema
(`tool_choice: {"type": "tool", "name": "commit_report"}`): the text is the tool_use block's `input` as
JSON, or the text blocks joined when the model answered in prose. No temperature by default: newer
models answer 400 "`temperature` is deprecated for this model". What `stop_reason` can mean instead:

    refusal       Refused (no retry, next provider)
    max_tokens    Truncated (one retry with a larger budget), unless a complete tool input came first
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import Refused, Truncated
from .base import Prompt
from .http import HttpAdapter
from .replies import invalid_shape
from .schema import report_schema
from .shape import Shape
from .usage import anthropic_tokens, note

DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"
TOOL = "commit_report"
TEMPERATURE = 0.2


class AnthropicProvider(HttpAdapter):
    """A Claude model behind the Messages API."""

    def generate(self, prompt: Prompt, shape: Shape) -> str:
        """Send the prompt and return the model's text."""
        data = self.post_json(f"{self._root()}/v1/messages", self.body(prompt, shape), self.headers(), shape)
        note(anthropic_tokens(data))
        return message_text(data, self.name)

    def headers(self) -> dict[str, str]:
        return {"anthropic-version": API_VERSION, **({"x-api-key": self._api_key} if self._api_key else {})}

    def models_url(self) -> str:
        return f"{self._root()}/v1/models"

    def _root(self) -> str:
        return self.base_url(DEFAULT_BASE_URL).removesuffix("/v1")

    def body(self, prompt: Prompt, shape: Shape) -> dict[str, Any]:
        """Return the request body for a prompt."""
        body: dict[str, Any] = {
            "model": self.settings.model,
            "max_tokens": shape.max_tokens,
            "system": prompt.system,
            "messages": [{"role": "user", "content": prompt.user}],
            "tools": [
                {
                    "name": TOOL,
                    "description": "Record the structured report about the commit.",
                    "input_schema": report_schema(shape.schema),
                }
            ],
            "tool_choice": {"type": "tool", "name": TOOL},
        }
        if shape.temperature:
            body["temperature"] = TEMPERATURE
        return body


def message_text(data: Any, provider: str) -> str:
    """Pull the report out of a Messages reply: the forced tool's input, else the text blocks."""
    blocks = data.get("content") if isinstance(data, dict) else None
    if not isinstance(blocks, list):
        raise invalid_shape(provider, "a content list")
    stop = data.get("stop_reason")
    if stop == "refusal":
        raise Refused(f"Provider '{provider}' refused: the model declined to answer", detail="stop_reason: refusal")
    for block in blocks:
        is_tool = isinstance(block, dict) and block.get("type") == "tool_use" and isinstance(block.get("input"), dict)
        if is_tool and stop != "max_tokens":
            return json.dumps(block["input"])
    if stop == "max_tokens":
        raise Truncated(f"Provider '{provider}' ran out of output tokens (stop_reason max_tokens)", detail=stop)
    text = "".join(
        b["text"] for b in blocks if isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str)
    )
    if text.strip():
        return text
    raise invalid_shape(provider, "a tool_use or text block", detail=f"stop_reason: {stop}")


ADAPTER = AnthropicProvider
