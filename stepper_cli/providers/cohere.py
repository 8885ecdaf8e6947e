"""The Cohere Chat v2 protocol.

POST {base_url}/v2/chat with `Authorization: Bearer <key>`, system and user `messages`, and JSON Schema
mode: `response_format: {"type": "json_object", "json_schema": ...}` (the schema in its basic dialect:
Cohere's schema mode leaves out length and range keywords), stepping down to `json_object` alone and
then to instructions in the prompt. The text is the joined `message.content[*].text`. What
`finish_reason` can mean instead: MAX_TOKENS is Truncated (one retry with a larger budget).
"""

from __future__ import annotations

from typing import Any

from ..errors import Truncated
from .base import Prompt, asking_json, chat_messages
from .http import HttpAdapter
from .replies import invalid_shape
from .schema import report_schema
from .shape import Shape
from .usage import cohere_tokens, note

DEFAULT_BASE_URL = "https://api.cohere.com"
TEMPERATURE = 0.2


class CohereProvider(HttpAdapter):
    """A Command model behind Cohere's v2 chat endpoint."""

    def generate(self, prompt: Prompt, shape: Shape) -> str:
        """Send the prompt and return the model's text."""
        data = self.post_json(f"{self._root()}/v2/chat", self.body(prompt, shape), self.headers(), shape)
        note(cohere_tokens(data))
        return message_text(data, self.name)

    models_field = ("models", "name")

    def models_url(self) -> str:
        return f"{self._root()}/v1/models"

    def _root(self) -> str:
        return self.base_url(DEFAULT_BASE_URL).removesuffix("/v2")

    def body(self, prompt: Prompt, shape: Shape) -> dict[str, Any]:
        """Return the request body for a prompt."""
        schema_sent = shape.structured == "json_schema"
        body: dict[str, Any] = {
            "model": self.settings.model,
            "messages": chat_messages(asking_json(prompt, shape, schema_sent=schema_sent)),
            "max_tokens": shape.max_tokens,
        }
        if schema_sent:
            body["response_format"] = {"type": "json_object", "json_schema": report_schema(shape.schema)}
        elif shape.structured == "json_object":
            body["response_format"] = {"type": "json_object"}
        if shape.temperature:
            body["temperature"] = TEMPERATURE
        return body


def message_text(data: Any, provider: str) -> str:
    """Pull the text blocks out of a v2 chat reply."""
    message = data.get("message") if isinstance(data, dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    reason = data.get("finish_reason") if isinstance(data, dict) else None
    if reason == "MAX_TOKENS":
        raise Truncated(f"Provider '{provider}' ran out of output tokens (finish_reason MAX_TOKENS)", detail=reason)
    if not isinstance(content, list):
        raise invalid_shape(provider, "message.content", detail=f"finish_reason: {reason}")
    text = "".join(
        b["text"] for b in content if isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str)
    )
    if text.strip():
        return text
    raise invalid_shape(provider, "text in message.content", detail=f"finish_reason: {reason}")


ADAPTER = CohereProvider
