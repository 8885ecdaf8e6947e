"""The Anthropic Messages protocol.

POST {base_url}/v1/messages with `x-api-key` and `anthropic-version: 2023-06-01`, a top-level `system`,
one user message and `max_tokens`. JSON is asked for by forcing a tool whose `input_schema` is the report
schema (`tool_choice: {"type": "tool", "name": "commit_report"}`): the text is the tool_use block's
`input` as JSON, or the text blocks joined when the model answered in prose.
"""

from __future__ import annotations

import json
from typing import Any

from ..report.model import report_json_schema
from .base import Prompt
from .http import HttpAdapter, invalid_shape

DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"
TOOL = "commit_report"
TEMPERATURE = 0.2


class AnthropicProvider(HttpAdapter):
    """A Claude model behind the Messages API."""

    def generate(self, prompt: Prompt) -> str:
        """Send the prompt and return the model's text."""
        base = self.base_url(DEFAULT_BASE_URL).removesuffix("/v1")
        headers = {
            "anthropic-version": API_VERSION,
            **({"x-api-key": self._api_key} if self._api_key else {}),
        }
        return message_text(self.post_json(f"{base}/v1/messages", self.body(prompt), headers), self.name)

    def body(self, prompt: Prompt) -> dict[str, Any]:
        """Return the request body for a prompt."""
        return {
            "model": self.settings.model,
            "max_tokens": self.settings.max_tokens,
            "system": prompt.system,
            "messages": [{"role": "user", "content": prompt.user}],
            "tools": [
                {
                    "name": TOOL,
                    "description": "Record the structured report about the commit.",
                    "input_schema": report_json_schema(),
                }
            ],
            "tool_choice": {"type": "tool", "name": TOOL},
            "temperature": TEMPERATURE,
        }


def message_text(data: Any, provider: str) -> str:
    """Pull the report out of a Messages reply: the forced tool's input, else the text blocks."""
    blocks = data.get("content") if isinstance(data, dict) else None
    if not isinstance(blocks, list):
        raise invalid_shape(provider, "a content list")
    for block in blocks:
        if isinstance(block, dict) and block.get("type") == "tool_use" and isinstance(block.get("input"), dict):
            return json.dumps(block["input"])
    text = "".join(
        b["text"] for b in blocks if isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str)
    )
    if text.strip():
        return text
    raise invalid_shape(provider, "a tool_use or text block", detail=f"stop_reason: {data.get('stop_reason')}")


ADAPTER = AnthropicProvider
