"""The Cohere Chat v2 protocol.

POST {base_url}/v2/chat with `Authorization: Bearer <key>`, system and user `messages`, and JSON Schema
mode: `response_format: {"type": "json_object", "json_schema": ...}`. Cohere's schema mode leaves out
length and range keywords, so those are pruned. The text is the joined `message.content[*].text`.
"""

from __future__ import annotations

from typing import Any

from ..report.model import report_json_schema
from .base import Prompt, chat_messages
from .http import HttpAdapter, bearer, invalid_shape, prune_schema

DEFAULT_BASE_URL = "https://api.cohere.com"
TEMPERATURE = 0.2
SCHEMA_KEYWORDS = frozenset({"type", "description", "enum", "items", "properties", "required"})


class CohereProvider(HttpAdapter):
    """A Command model behind Cohere's v2 chat endpoint."""

    def generate(self, prompt: Prompt) -> str:
        """Send the prompt and return the model's text."""
        base = self.base_url(DEFAULT_BASE_URL).removesuffix("/v2")
        return message_text(self.post_json(f"{base}/v2/chat", self.body(prompt), bearer(self._api_key)), self.name)

    def body(self, prompt: Prompt) -> dict[str, Any]:
        """Return the request body for a prompt."""
        return {
            "model": self.settings.model,
            "messages": chat_messages(prompt),
            "response_format": {
                "type": "json_object",
                "json_schema": prune_schema(report_json_schema(), SCHEMA_KEYWORDS),
            },
            "max_tokens": self.settings.max_tokens,
            "temperature": TEMPERATURE,
        }


def message_text(data: Any, provider: str) -> str:
    """Pull the text blocks out of a v2 chat reply."""
    message = data.get("message") if isinstance(data, dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, list):
        raise invalid_shape(provider, "message.content")
    text = "".join(
        b["text"] for b in content if isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str)
    )
    if text.strip():
        return text
    raise invalid_shape(provider, "text in message.content", detail=f"finish_reason: {data.get('finish_reason')}")


ADAPTER = CohereProvider
