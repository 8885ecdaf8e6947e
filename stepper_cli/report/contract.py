"""The report contract, written once as plain data: every key, its type and bounds, the key order, the version.

The data is JSON Schema (draft 2020-12, the subset below), so that it is also the document published as
`docs/report.schema.json` (`scripts/gen_report_schema.py` writes it; a test keeps it fresh). Everything else
derives from it: the pydantic model (report/model.py takes its bounds from here), the schema providers are
asked to follow (`provider_schema`), and the stdlib check of the lean cache-hit path (report/lean.py).

Keywords used: type, const, enum, minLength, maxLength, minItems, maxItems, items, minimum, properties,
required, additionalProperties. Text bounds count characters after surrounding whitespace is stripped; the
key order of `properties` is the order `--format json` prints. Standard library only (the hook path reads it).
"""

from __future__ import annotations

from typing import Any

SCHEMA_VERSION = 1
SCHEMA_ID = "https://stepper.invalid/report.schema.json"  # a name, not a download location


def _text(low: int, high: int) -> dict[str, Any]:
    return {"type": "string", "minLength": low, "maxLength": high}


def _texts(low: int, high: int, each: int) -> dict[str, Any]:
    return {"type": "array", "items": _text(1, each), "minItems": low, "maxItems": high}


def _count(low: int = 0) -> dict[str, Any]:
    return {"type": "integer", "minimum": low}


def _object(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    required = [k for k in properties if k not in optional]
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


# The seven fields of every report (what a provider is asked for and what the local analyzer writes).
REPORT = _object({
    "title": _text(10, 120),
    "summary": _text(50, 2000),
    "changes": _texts(1, 50, 500),
    "rationale": _text(20, 2000),
    "impact_and_tests": _text(20, 2000),
    "next_steps": _texts(0, 20, 500),
    "tags": _texts(0, 20, 40),
})  # fmt: skip

OUTCOMES = ("ok", "error", "skipped")
# The tokens one try cost, as the provider's replies counted them (input: the prompt, cache reads and writes
# included; output: the generated text, thinking included).
TOKENS = _object({"input": _count(), "output": _count()})
OPTIONAL_ATTEMPT_KEYS = ("detail", "tokens")
# One try of one provider; `detail` (a short reason) is present only when there is one, `tokens` only when
# the provider's reply counted them (a failed try that was billed, as a truncated one is, included).
ATTEMPT = _object({
    "provider": {"type": "string"},
    "attempt": _count(1),
    "outcome": {"type": "string", "enum": list(OUTCOMES)},
    "error": {"type": ["string", "null"]},
    "detail": {"type": "string"},
    "duration_ms": _count(),
    "tokens": TOKENS,
}, optional=OPTIONAL_ATTEMPT_KEYS)  # fmt: skip

# How much of the commit made it into the evidence text.
COVERAGE = _object({
    "files": _count(),
    "files_in_prompt": _count(),
    "diff_bytes": _count(),
    "diff_bytes_in_prompt": _count(),
    "truncated": {"type": "boolean"},
})  # fmt: skip

# What `stepper report --format json` prints for one commit (a range prints an array of these).
RESULT = _object({
    "schema_version": {"type": "integer", "const": SCHEMA_VERSION},
    "commit": {"type": "string"},
    "repo": {"type": "string"},
    "author": {"type": "string"},
    "date": {"type": "string"},
    "report": REPORT,
    "provider": {"type": "string"},
    "fallback": {"type": "boolean"},
    "cached": {"type": "boolean"},
    "attempts": {"type": "array", "items": ATTEMPT},
    "redactions": _count(),
    "coverage": COVERAGE,
    "timings": {"type": "object", "additionalProperties": {"type": "integer"}},
})  # fmt: skip

# What each key means, for people reading the published schema.
DESCRIPTIONS = {
    "schema_version": "The version of this shape; it changes only when a key changes meaning or goes away.",
    "commit": "The full object id of the commit.",
    "repo": "The repository's folder name.",
    "author": "The commit's author name.",
    "date": "The commit's author date, ISO 8601 with its UTC offset (as git log --date=iso-strict shows it).",
    "report": "The report; text bounds count characters after surrounding whitespace is stripped.",
    "provider": "The provider that wrote the report, or 'local' for the built-in analyzer.",
    "fallback": "True when configured providers were tried or skipped and the local analyzer answered.",
    "cached": "True when the report came from the cache (or git notes) rather than being generated now.",
    "attempts": "Every try of every provider, in order; `tokens` when the provider's reply counted them.",
    "redactions": "How many secrets were masked before anything left the machine.",
    "coverage": "How much of the commit made it into the evidence the providers saw.",
    "timings": "Milliseconds spent, by phase (total_ms at least).",
}


def properties(schema: dict[str, Any]) -> dict[str, Any]:
    """The properties of an object schema, in key order."""
    props: dict[str, Any] = schema["properties"]
    return props


def keys(schema: dict[str, Any]) -> tuple[str, ...]:
    """An object schema's keys in the order they are printed (optional ones included)."""
    return tuple(schema["properties"])


def text_bounds(name: str) -> tuple[int, int]:
    """(min, max) characters of a report text field."""
    field = REPORT["properties"][name]
    return field["minLength"], field["maxLength"]


def list_bounds(name: str) -> tuple[int, int, int]:
    """(min, max) items of a report list field, and the max characters of each item."""
    field = REPORT["properties"][name]
    return field["minItems"], field["maxItems"], field["items"]["maxLength"]


def result_schema() -> dict[str, Any]:
    """The published JSON schema of one report result (docs/report.schema.json)."""
    props = {k: {**v, "description": DESCRIPTIONS[k]} for k, v in RESULT["properties"].items()}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "stepper report result",
        "description": "One commit's report as `stepper report --format json` prints it (a range: an array of "
        "these). Keys appear in this order.",
        **{**RESULT, "properties": props},
    }


def provider_schema() -> dict[str, Any]:
    """The schema of the report alone, which structured-output modes ask providers to follow."""
    copied: dict[str, Any] = _copy(REPORT)
    return copied


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
