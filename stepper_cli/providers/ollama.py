"""Ollama's native chat protocol.

POST {base_url}/api/chat (default http://localhost:11434) with `stream: false`, the report's JSON schema
as `format` (Ollama's structured outputs; "json" one step down, nothing below that) and
`options: {temperature, num_predict}`. No key is needed; a Bearer header is sent only when one is
configured (for an Ollama behind an authenticating proxy). The text is `message.content`;
`done_reason: "length"` is Truncated (one retry with a larger budget). A model that is not pulled is a
404 `{"error": "model \"x\" not found, try pulling it first"}`: ModelNotFound.
"""

from __future__ import annotations

from typing import Any

from ..errors import Truncated
from .base import Prompt, asking_json, chat_messages
from .http import HttpAdapter
from .replies import invalid_shape
from .schema import report_schema
from .shape import Shape
from .usage import note, ollama_tokens

DEFAULT_BASE_URL = "http://localhost:11434"
TEMPERATURE = 0.2


class OllamaProvider(HttpAdapter):
    """A local (or remote) model served by Ollama."""

    def generate(self, prompt: Prompt, shape: Shape) -> str:
        """Send the prompt and return the model's text."""
        data = self.post_json(f"{self._root()}/api/chat", self.body(prompt, shape), self.headers(), shape)
        note(ollama_tokens(data))
        return message_text(data, self.name)

    models_field = ("models", "name")

    def models_url(self) -> str:
        return f"{self._root()}/api/tags"

    def _root(self) -> str:
        return self.base_url(DEFAULT_BASE_URL).removesuffix("/api")

    def body(self, prompt: Prompt, shape: Shape) -> dict[str, Any]:
        """Return the request body for a prompt."""
        schema_sent = shape.structured == "json_schema"
        options: dict[str, Any] = {"num_predict": shape.max_tokens}
        if shape.temperature:
            options = {"temperature": TEMPERATURE, **options}
        body: dict[str, Any] = {
            "model": self.settings.model,
            "messages": chat_messages(asking_json(prompt, shape, schema_sent=schema_sent)),
            "stream": False,
            "options": options,
        }
        if schema_sent:
            body["format"] = report_schema(shape.schema)
        elif shape.structured == "json_object":
            body["format"] = "json"
        return body


def message_text(data: Any, provider: str) -> str:
    """Pull `message.content` out of a non-streamed chat reply."""
    message = data.get("message") if isinstance(data, dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    reason = data.get("done_reason") if isinstance(data, dict) else None
    if reason == "length":
        raise Truncated(f"Provider '{provider}' ran out of output tokens (done_reason length)", detail=reason)
    if isinstance(content, str) and content.strip():
        return content
    raise invalid_shape(provider, "text in message.content", detail=f"done_reason: {reason}")


ADAPTER = OllamaProvider
