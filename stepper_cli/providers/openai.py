"""The OpenAI chat-completions protocol, spoken by OpenAI and every compatible server.

POST {base_url}/chat/completions with `Authorization: Bearer <key>` (omitted when there is no key, for
llama.cpp, vLLM or LM Studio on localhost) and the system and user messages. The shape decides:
`response_format` json_schema (strict false) | json_object | none (the schema goes in the prompt);
`max_tokens` or `max_completion_tokens` (o-series, gpt-5); a temperature or none. The text is
`choices[0].message.content`. What a reply can mean instead:

    message.refusal, finish_reason content_filter     Refused (no retry, next provider)
    finish_reason length                              Truncated (one retry with a larger budget)
    tool_calls and no content                         NoAnswer (no retry)
    {"error": ...} in an HTTP 200 (OpenRouter)        the error its code names (see replies)
"""

from __future__ import annotations

from typing import Any

from ..errors import NoAnswer, Refused, Truncated
from .base import Prompt, asking_json, chat_messages
from .http import HttpAdapter
from .replies import invalid_shape
from .schema import report_schema
from .shape import Shape
from .usage import note, openai_tokens

DEFAULT_BASE_URL = "https://api.openai.com/v1"
TEMPERATURE = 0.2


class OpenAIProvider(HttpAdapter):
    """A model behind an OpenAI-compatible chat-completions endpoint."""

    def generate(self, prompt: Prompt, shape: Shape) -> str:
        """Send the prompt and return the model's text."""
        url = f"{self.base_url(DEFAULT_BASE_URL)}/chat/completions"
        data = self.post_json(url, self.body(prompt, shape), self.headers(), shape)
        note(openai_tokens(data))
        return message_text(data, self.name)

    def models_url(self) -> str:
        return f"{self.base_url(DEFAULT_BASE_URL)}/models"

    def body(self, prompt: Prompt, shape: Shape) -> dict[str, Any]:
        """Return the request body for a prompt."""
        body: dict[str, Any] = {
            "model": self.settings.model,
            "messages": chat_messages(asking_json(prompt, shape, schema_sent=shape.structured == "json_schema")),
            shape.token_param: shape.max_tokens,
        }
        if shape.structured == "json_schema":
            schema = report_schema(shape.schema)
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "commit_report", "schema": schema, "strict": False},
            }
        elif shape.structured == "json_object":
            body["response_format"] = {"type": "json_object"}
        if shape.temperature:
            body["temperature"] = TEMPERATURE
        if shape.thinking == "low" and shape.token_param == "max_completion_tokens":
            body["reasoning_effort"] = "low"
        return body


def message_text(data: Any, provider: str) -> str:
    """Pull the assistant's text out of a chat-completions reply."""
    try:
        choice = data["choices"][0]
        message = choice["message"]
    except (KeyError, IndexError, TypeError):
        raise invalid_shape(provider, "choices[0].message") from None
    if not isinstance(message, dict) or not isinstance(choice, dict):
        raise invalid_shape(provider, "choices[0].message")
    reason = choice.get("finish_reason")
    refusal = message.get("refusal")
    if isinstance(refusal, str) and refusal.strip():
        raise Refused(f"Provider '{provider}' refused: the model declined to answer", detail=refusal[:300])
    if reason == "content_filter":
        raise Refused(f"Provider '{provider}' refused: its content filter stopped the answer", detail=str(reason))
    content = message.get("content")
    if isinstance(content, list):  # some compatible servers answer with content parts
        content = "".join(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    if reason == "length":
        raise Truncated(f"Provider '{provider}' ran out of output tokens (finish_reason length)", detail=reason)
    if isinstance(content, str) and content.strip():
        return content
    if message.get("tool_calls") or reason == "tool_calls":
        raise NoAnswer(
            f"Provider '{provider}' answered with tool calls instead of text", detail=f"finish_reason: {reason}"
        )
    raise invalid_shape(provider, "any text in choices[0].message.content", detail=f"finish_reason: {reason}")


ADAPTER = OpenAIProvider
