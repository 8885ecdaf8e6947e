"""The OpenAI chat-completions protocol, spoken by OpenAI and every compatible server.

POST {base_url}/chat/completions with `Authorization: Bearer <key>` (omitted when there is no key, for
llama.cpp, vLLM or LM Studio on localhost), the system and user messages, and structured output
through `response_format: {"type": "json_schema", ...}`. The text is `choices[0].message.content`.
"""

from __future__ import annotations

from typing import Any

from ..report.model import report_json_schema
from .base import Prompt, chat_messages
from .http import HttpAdapter, bearer, invalid_shape

DEFAULT_BASE_URL = "https://api.openai.com/v1"
TEMPERATURE = 0.2


class OpenAIProvider(HttpAdapter):
    """A model behind an OpenAI-compatible chat-completions endpoint."""

    def generate(self, prompt: Prompt) -> str:
        """Send the prompt and return the model's text."""
        url = f"{self.base_url(DEFAULT_BASE_URL)}/chat/completions"
        return message_text(self.post_json(url, self.body(prompt), bearer(self._api_key)), self.name)

    def body(self, prompt: Prompt) -> dict[str, Any]:
        """Return the request body for a prompt."""
        return {
            "model": self.settings.model,
            "messages": chat_messages(prompt),
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "commit_report", "schema": report_json_schema(), "strict": False},
            },
            "max_tokens": self.settings.max_tokens,
            "temperature": TEMPERATURE,
        }


def message_text(data: Any, provider: str) -> str:
    """Pull the assistant's text out of a chat-completions reply."""
    try:
        message = data["choices"][0]["message"]
    except (KeyError, IndexError, TypeError):
        raise invalid_shape(provider, "choices[0].message") from None
    if not isinstance(message, dict):
        raise invalid_shape(provider, "choices[0].message")
    content = message.get("content")
    if isinstance(content, list):  # some compatible servers answer with content parts
        content = "".join(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    if isinstance(content, str) and content.strip():
        return content
    refusal = message.get("refusal")
    if isinstance(refusal, str) and refusal:
        raise invalid_shape(provider, "a report: the model refused", detail=refusal[:300])
    reason = data["choices"][0].get("finish_reason")
    raise invalid_shape(provider, "any text in choices[0].message.content", detail=f"finish_reason: {reason}")


ADAPTER = OpenAIProvider
