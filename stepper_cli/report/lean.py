"""Check a stored report result without pydantic, for the lean cache-hit `stepper report` (cli/lean/).

`canonical` reads the contract (report/contract.py) and accepts exactly what `ReportResult.to_json()`
prints: the same keys in the same order, the same types, the same bounds, texts already stripped. For such a
dict, validating it with pydantic and printing it again gives it back unchanged (a property test holds the
two together), so the lean path prints what the full one would. Anything else answers None, and the full path
decides. Standard library only.
"""

from __future__ import annotations

from typing import Any

from .contract import RESULT

_TYPES: dict[str, Any] = {"string": str, "boolean": bool, "object": dict, "array": list, "null": type(None)}


def canonical(data: Any) -> dict[str, Any] | None:
    """The result if it is exactly what `ReportResult.to_json()` prints, else None."""
    return data if fits(RESULT, data) else None


def fits(schema: dict[str, Any], value: Any) -> bool:
    """Whether value fits this part of the contract (the JSON Schema subset it uses), canonically."""
    kinds = schema.get("type")
    if kinds is not None and not any(_is(kind, value) for kind in ([kinds] if isinstance(kinds, str) else kinds)):
        return False
    if "const" in schema and value != schema["const"]:
        return False
    if "enum" in schema and value not in schema["enum"]:
        return False
    if isinstance(value, str) and ("minLength" in schema or "maxLength" in schema):  # bounded texts are stripped
        low, high = schema.get("minLength", 0), schema.get("maxLength", len(value))
        return value == value.strip() and low <= len(value) <= high
    if isinstance(value, int) and not isinstance(value, bool):
        return bool(value >= schema.get("minimum", value))
    if isinstance(value, list):
        return schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)) and all(
            fits(schema.get("items", {}), item) for item in value
        )
    if isinstance(value, dict):
        return _object_fits(schema, value)
    return True


def _object_fits(schema: dict[str, Any], value: dict[str, Any]) -> bool:
    props: dict[str, Any] | None = schema.get("properties")
    if props is None:  # a map: every value fits `additionalProperties`
        extra = schema.get("additionalProperties", {})
        return all(isinstance(k, str) and fits(extra, v) for k, v in value.items())
    required = schema.get("required", [])
    in_order = tuple(k for k in props if k in value or k in required)  # optional keys only when present
    return tuple(value) == in_order and all(fits(props[k], value[k]) for k in in_order)


def _is(kind: str, value: Any) -> bool:
    if kind == "integer":
        return type(value) is int
    return isinstance(value, _TYPES[kind])
