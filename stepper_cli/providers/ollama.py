"""Ollama's native chat protocol.

POST {base_url}/api/chat (default http://localhost:11434) with `stream: false`, the report's JSON schema
as `format` (Ollama's structured outputs) and `options: {temperature, num_predict}`. No key is needed;
a Bearer header is sent only when one is configured (for an Ollama behind an authenticating proxy).
The text is `message.content`.
"""

from __future__ import annotations

from typing import Any

from ..report.model import report_json_schema
from .base import Prompt, chat_messages
from .http import HttpAdapter, bearer, invalid_shape

DEFAULT_BASE_URL = "http://localhost:11434"
TEMPERATURE = 0.2


class OllamaProvider(HttpAdapter):
    """A local (or remote) model served by Ollama."""

    def generate(self, prompt: Prompt) -> str:
        """Send the prompt and return the model's text."""
        base = self.base_url(DEFAULT_BASE_URL).removesuffix("/api")
        return message_text(self.post_json(f"{base}/api/chat", self.body(prompt), bearer(self._api_key)), self.name)

    def body(self, prompt: Prompt) -> dict[str, Any]:
        """Return the request body for a prompt."""
        return {
            "model": self.settings.model,
            "messages": chat_messages(prompt),
            "stream": False,
            "format": report_json_schema(),
            "options": {"temperature": TEMPERATURE, "num_predict": self.settings.max_tokens},
        }


def message_text(data: Any, provider: str) -> str:
    """Pull `message.content` out of a non-streamed chat reply."""
    message = data.get("message") if isinstance(data, dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, str) and content.strip():
        return content
    raise invalid_shape(provider, "text in message.content", detail=f"done_reason: {_get(data, 'done_reason')}")


def _get(data: Any, key: str) -> Any:
    return data.get(key) if isinstance(data, dict) else None


ADAPTER = OllamaProvider
