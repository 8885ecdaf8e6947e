"""The Gemini generateContent protocol (Google AI Studio, v1beta).

POST {base_url}/models/{model}:generateContent with the key in the `x-goog-api-key` header (never in
the URL, where proxies and logs would keep it), `systemInstruction`, `contents` and
`generationConfig.responseMimeType = "application/json"` with a `responseSchema` in Gemini's OpenAPI
subset (types upper-cased, as google-genai sends them). The text is the joined
`candidates[0].content.parts[*].text`, thought parts left out. What a reply can mean instead:

    promptFeedback.blockReason, finishReason SAFETY, RECITATION, BLOCKLIST,
      PROHIBITED_CONTENT, SPII, IMAGE_SAFETY                 Refused (no retry, next provider)
    finishReason MAX_TOKENS (thinking models can spend the whole budget thinking and return a candidate
      with no parts)                                        Truncated: one retry with a larger budget and
                                                            a bounded thinking budget (thinkingBudget on
                                                            2.x, thinkingLevel "low" on 3.x)
    400 with ErrorInfo reason API_KEY_INVALID               AuthFailed (see replies)
    429 with RetryInfo.retryDelay                           RateLimited for that long (see retry_after)
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import Refused, Truncated
from .base import Prompt, asking_json
from .capabilities import model_name
from .http import HttpAdapter
from .replies import invalid_shape
from .schema import gemini_schema, report_schema
from .shape import Shape
from .usage import gemini_tokens, note

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com/v1beta"
TEMPERATURE = 0.2
THINKING_BUDGET = 1024  # tokens a thinking 2.x model may think after a truncated reply
BLOCKED = frozenset({"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "LANGUAGE"})
_GEMINI_3 = re.compile(r"^gemini-[3-9]")


class GeminiProvider(HttpAdapter):
    """A Gemini model behind the Generative Language API."""

    def generate(self, prompt: Prompt, shape: Shape) -> str:
        """Send the prompt and return the model's text."""
        model = self.settings.model.removeprefix("models/")
        url = f"{self.base_url(DEFAULT_BASE_URL)}/models/{model}:generateContent"
        data = self.post_json(url, self.body(prompt, shape), self.headers(), shape)
        note(gemini_tokens(data))
        return candidate_text(data, self.name)

    models_field = ("models", "name")

    def headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self._api_key} if self._api_key else {}

    def models_url(self) -> str:
        return f"{self.base_url(DEFAULT_BASE_URL)}/models"

    def body(self, prompt: Prompt, shape: Shape) -> dict[str, Any]:
        """Return the request body for a prompt."""
        prompt = asking_json(prompt, shape, schema_sent=shape.structured == "json_schema")
        config: dict[str, Any] = {"maxOutputTokens": shape.max_tokens}
        if shape.structured != "prompt":
            config["responseMimeType"] = "application/json"
        if shape.structured == "json_schema":
            config["responseSchema"] = gemini_schema(report_schema(), basic=shape.schema == "basic")
        if shape.temperature:
            config["temperature"] = TEMPERATURE
        if shape.thinking == "low":
            gemini_3 = _GEMINI_3.match(model_name(self.settings))
            config["thinkingConfig"] = {"thinkingLevel": "low"} if gemini_3 else {"thinkingBudget": THINKING_BUDGET}
        return {
            "systemInstruction": {"parts": [{"text": prompt.system}]},
            "contents": [{"role": "user", "parts": [{"text": prompt.user}]}],
            "generationConfig": config,
        }


def candidate_text(data: Any, provider: str) -> str:
    """Pull the text out of a generateContent reply, or raise what the reply means instead."""
    if not isinstance(data, dict):
        raise invalid_shape(provider, "a JSON object")
    feedback = data.get("promptFeedback")
    blocked = feedback.get("blockReason") if isinstance(feedback, dict) else None
    candidates = data.get("candidates")
    if not isinstance(candidates, list) or not candidates or not isinstance(candidates[0], dict):
        if blocked:
            raise Refused(f"Provider '{provider}' refused: the prompt was blocked", detail=f"blockReason: {blocked}")
        raise invalid_shape(provider, "a candidate")
    candidate = candidates[0]
    reason = str(candidate.get("finishReason"))
    if reason in BLOCKED:
        raise Refused(f"Provider '{provider}' refused: the answer was blocked", detail=f"finishReason: {reason}")
    content = candidate.get("content")
    parts = content.get("parts") if isinstance(content, dict) else None
    text = "".join(
        p["text"]
        for p in (parts if isinstance(parts, list) else [])
        if isinstance(p, dict) and isinstance(p.get("text"), str) and not p.get("thought")
    )
    if reason == "MAX_TOKENS":
        raise Truncated(f"Provider '{provider}' ran out of output tokens (finishReason MAX_TOKENS)", detail=reason)
    if text.strip():
        return text
    raise invalid_shape(provider, "text in candidates[0]", detail=f"finishReason: {reason}")


ADAPTER = GeminiProvider
