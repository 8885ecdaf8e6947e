"""What each model accepts: a small rules table for the first request, and reading a 400 that says otherwise.

Rules, first match wins per feature (the model name is matched without a vendor prefix such as
"openai/", so OpenRouter's names follow the same rules):

    protocol   when                                   shape
    openai     model o1/o3/o4…, gpt-5…               token_param max_completion_tokens, no temperature
    openai     host api.deepseek.com                 structured json_object (json_schema is refused)
    openai     host api.groq.com                     structured json_object, schema basic
    anthropic  any model                             no temperature (deprecated for newer models)
    gemini     model gemini-3…                       no temperature (Google advises the default)
    cohere     any model                             schema basic (no length or range keywords)
    otherwise                                        json_schema, full schema, max_tokens, temperature

Learning (`unsupported_feature`): a 400 whose error names a parameter or format the model does not
take gives the feature to step down (see `shape.LADDERS`):

    'max_tokens' ... use 'max_completion_tokens'   (OpenAI unsupported_parameter)   -> token_param
    param temperature / "temperature is deprecated" / "does not support temperature" -> temperature
    "response_format type is unavailable" (DeepSeek), "does not support response format", param
      response_format, "json_schema" not supported                                   -> structured
    "minItems is not supported", "Unknown name \"maxItems\"", invalid schema           -> schema
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from ..config.model import ProviderSettings
from .shape import Shape

_REASONING = re.compile(r"^(o\d|gpt-5)", re.I)
_GEMINI_3 = re.compile(r"^gemini-[3-9]", re.I)
_SCHEMA_WORDS = re.compile(
    r"(min|max)(Items|Length|imum)|additionalProperties|invalid schema|unknown name|schema.*not supported", re.I
)
_FORMAT_WORDS = re.compile(r"response.?format|json_schema|json_object|structured output", re.I)
_TEMPERATURE = re.compile(r"temperature", re.I)
_REFUSES = re.compile(r"deprecat|not support|unsupported|does not support", re.I)
_TOKENS = re.compile(r"max_completion_tokens|'max_tokens'|max_tokens.{0,40}not supported", re.I)


def model_name(settings: ProviderSettings) -> str:
    """The model without a vendor prefix ("openai/gpt-5-mini" -> "gpt-5-mini")."""
    return settings.model.rsplit("/", 1)[-1].removeprefix("models/")


def initial(settings: ProviderSettings) -> Shape:
    """Return the first shape to try for a provider's model, from the rules table above."""
    shape = Shape(max_tokens=settings.max_tokens)
    model = model_name(settings)
    host = (urlsplit(settings.base_url).hostname or "").lower()
    if settings.kind == "openai":
        if _REASONING.match(model):
            shape = replace(shape, token_param="max_completion_tokens", temperature=False)
        if host.endswith("deepseek.com"):
            shape = replace(shape, structured="json_object")
        if host.endswith("groq.com"):
            shape = replace(shape, structured="json_object", schema="basic")
    elif settings.kind == "anthropic" or (settings.kind == "gemini" and _GEMINI_3.match(model)):
        shape = replace(shape, temperature=False)
    elif settings.kind == "cohere":
        shape = replace(shape, schema="basic")
    return shape


def unsupported_feature(status: int, data: Any, shape: Shape) -> str | None:
    """Return the feature a 400 reply says the model does not take, if it says so and it can step down."""
    if status not in (400, 422):
        return None
    param, text = _param_and_text(data)
    candidates: list[str] = []
    if param in ("max_tokens", "max_completion_tokens") or _TOKENS.search(text):
        candidates.append("token_param")
    if param == "temperature" or (_TEMPERATURE.search(text) and _REFUSES.search(text)):
        candidates.append("temperature")
    if _SCHEMA_WORDS.search(text):
        candidates.append("schema")
    if param == "response_format" or _FORMAT_WORDS.search(text):
        candidates.append("structured")
    for feature in candidates:
        if shape.step_down(feature) is not None:
            return feature
    return None


def _param_and_text(data: Any) -> tuple[str | None, str]:
    """The `param` an OpenAI-style error names, and every message in the error, as one string."""
    error = data.get("error") if isinstance(data, dict) else None
    param = error.get("param") if isinstance(error, dict) else None
    texts: list[str] = []
    _collect(data, texts, depth=0)
    return (param if isinstance(param, str) else None), " | ".join(texts)


def _collect(data: Any, texts: list[str], depth: int) -> None:
    if depth > 6 or len(texts) > 20:
        return
    if isinstance(data, str):
        texts.append(data[:500])
    elif isinstance(data, dict):
        for key in ("message", "msg", "detail", "error", "description", "details", "metadata", "raw", "code"):
            if key in data:
                _collect(data[key], texts, depth + 1)
    elif isinstance(data, list):
        for item in data[:10]:
            _collect(item, texts, depth + 1)
