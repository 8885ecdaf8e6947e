"""The report's JSON schema in each protocol's dialect, and the words that ask for JSON without one.

full     the report schema as published (OpenAI json_schema, Anthropic tool input, Ollama format)
basic    only type, properties, items, required, enum, description (Cohere, Groq, after a schema 400)
gemini   an OpenAPI 3.0 subset with upper-case types ("OBJECT", "STRING"), as google-genai sends it
"""

from __future__ import annotations

import json
from typing import Any

from ..report.model import report_json_schema

BASIC = frozenset({"type", "description", "enum", "items", "properties", "required"})
GEMINI = frozenset(
    {"type", "format", "description", "nullable", "enum", "items", "properties", "required",
     "minItems", "maxItems", "propertyOrdering", "anyOf", "minimum", "maximum"}
)  # fmt: skip


def report_schema(dialect: str = "full") -> dict[str, Any]:
    """Return the report schema in a dialect: full, basic or gemini."""
    schema = report_json_schema()
    if dialect == "full":
        return schema
    if dialect == "gemini":
        return gemini_schema(schema)
    pruned: dict[str, Any] = prune_schema(schema, BASIC)
    return pruned


def gemini_schema(schema: dict[str, Any], basic: bool = False) -> dict[str, Any]:
    """Return a schema in Gemini's subset, types upper-cased and the properties' order kept."""
    pruned: dict[str, Any] = _upper_types(prune_schema(schema, BASIC if basic else GEMINI))
    if isinstance(pruned.get("properties"), dict):
        pruned["propertyOrdering"] = list(pruned["properties"])
    return pruned


def prune_schema(schema: Any, keep: frozenset[str]) -> Any:
    """Return a copy of a JSON schema keeping only the keywords in `keep` (property names are kept)."""
    if isinstance(schema, list):
        return [prune_schema(item, keep) for item in schema]
    if not isinstance(schema, dict):
        return schema
    pruned: dict[str, Any] = {}
    for key, value in schema.items():
        if key not in keep:
            continue
        if key == "properties" and isinstance(value, dict):
            pruned[key] = {name: prune_schema(sub, keep) for name, sub in value.items()}
        elif isinstance(value, dict | list) and key not in ("required", "enum", "propertyOrdering"):
            pruned[key] = prune_schema(value, keep)
        else:
            pruned[key] = value
    return pruned


def _upper_types(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_upper_types(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _upper_types(v) if k in ("items", "anyOf") else v for k, v in schema.items()}
    if isinstance(out.get("type"), str):
        out["type"] = out["type"].upper()
    if isinstance(out.get("properties"), dict):
        out["properties"] = {name: _upper_types(sub) for name, sub in out["properties"].items()}
    return out


def json_instructions(dialect: str = "basic") -> str:
    """The words added to the system prompt when the API is not given the schema itself."""
    return (
        "Answer with one JSON object and nothing else: no prose, no code fence. "
        f"It must follow this JSON schema: {json.dumps(report_schema(dialect), separators=(',', ':'))}"
    )
