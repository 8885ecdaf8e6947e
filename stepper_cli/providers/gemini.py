"""The Gemini generateContent protocol (Google AI Studio, v1beta).

POST {base_url}/models/{model}:generateContent with the key in the `x-goog-api-key` header (never in
the URL, where proxies and logs would keep it), `systemInstruction`, `contents` and
`generationConfig.responseMimeType = "application/json"` with a `responseSchema`. Gemini's schema is an
OpenAPI 3.0 subset, so keywords it rejects (`additionalProperties`, string lengths, ...) are pruned
first. The text is the joined `candidates[0].content.parts[*].text`; a blocked or empty candidate is an
invalid response.
"""

from __future__ import annotations

from typing import Any

from ..report.model import report_json_schema
from .base import Prompt
from .http import HttpAdapter, invalid_shape, prune_schema

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com/v1beta"
TEMPERATURE = 0.2
#: Schema fields Gemini's responseSchema accepts that the report schema uses
SCHEMA_KEYWORDS = frozenset(
    {"type", "format", "description", "nullable", "enum", "items", "properties", "required",
     "minItems", "maxItems", "propertyOrdering", "anyOf", "minimum", "maximum"}
)  # fmt: skip


class GeminiProvider(HttpAdapter):
    """A Gemini model behind the Generative Language API."""

    def generate(self, prompt: Prompt) -> str:
        """Send the prompt and return the model's text."""
        model = self.settings.model.removeprefix("models/")
        url = f"{self.base_url(DEFAULT_BASE_URL)}/models/{model}:generateContent"
        headers = {"x-goog-api-key": self._api_key} if self._api_key else {}
        return candidate_text(self.post_json(url, self.body(prompt), headers), self.name)

    def body(self, prompt: Prompt) -> dict[str, Any]:
        """Return the request body for a prompt."""
        return {
            "systemInstruction": {"parts": [{"text": prompt.system}]},
            "contents": [{"role": "user", "parts": [{"text": prompt.user}]}],
            "generationConfig": {
                "responseMimeType": "application/json",
                "responseSchema": gemini_schema(report_json_schema()),
                "maxOutputTokens": self.settings.max_tokens,
                "temperature": TEMPERATURE,
            },
        }


def gemini_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Return the report schema in Gemini's subset, with the properties' order kept."""
    pruned: dict[str, Any] = prune_schema(schema, SCHEMA_KEYWORDS)
    if isinstance(pruned.get("properties"), dict):
        pruned["propertyOrdering"] = list(pruned["properties"])
    return pruned


def candidate_text(data: Any, provider: str) -> str:
    """Pull the text out of a generateContent reply; a blocked prompt or empty candidate is invalid."""
    if not isinstance(data, dict):
        raise invalid_shape(provider, "a JSON object")
    candidates = data.get("candidates")
    if not isinstance(candidates, list) or not candidates or not isinstance(candidates[0], dict):
        feedback = data.get("promptFeedback")
        reason = feedback.get("blockReason") if isinstance(feedback, dict) else None
        raise invalid_shape(provider, "a candidate", detail=f"blockReason: {reason}" if reason else None)
    candidate = candidates[0]
    content = candidate.get("content")
    parts = content.get("parts") if isinstance(content, dict) else None
    texts = [
        p["text"]
        for p in parts or []
        if isinstance(p, dict) and isinstance(p.get("text"), str) and not p.get("thought")
    ]
    text = "".join(texts)
    if text.strip():
        return text
    raise invalid_shape(provider, "text in candidates[0]", detail=f"finishReason: {candidate.get('finishReason')}")


ADAPTER = GeminiProvider
