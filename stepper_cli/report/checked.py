"""The pydantic models that check report data which is not already canonical (report/model.py tries the stdlib
check first): a provider's reply to strip and coerce, an entry of an older version, a hand-made value.

Each model is derived from its report/model.py dataclass (names, keys, types and defaults) and its part of
report/contract.py (the bounds), so neither is written twice. Imported only when such data turns up."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

from ..config.plain import hints, nested

# how each model reads its input beyond the contract: texts of a reply are stripped (in the bounds below), and
# a try's values may come as report/model.py values already
_CONFIG = {
    "Report": ConfigDict(frozen=True, extra="ignore"),
    "Tokens": ConfigDict(frozen=True, from_attributes=True),
    "Attempt": ConfigDict(frozen=True, from_attributes=True),
    "Coverage": ConfigDict(frozen=True),
    "ReportResult": ConfigDict(frozen=True),
}
_MODELS: dict[type[Any], type[BaseModel]] = {}


def _text(schema: dict[str, Any]) -> Any:
    return StringConstraints(strip_whitespace=True, min_length=schema["minLength"], max_length=schema["maxLength"])


def _bounded(kind: Any, schema: dict[str, Any]) -> Any:
    """The type of a field that holds no checked value, with its part of the contract as pydantic constraints."""
    if "const" in schema:
        return Annotated[kind, Field(ge=schema["const"], le=schema["const"])]
    if "minimum" in schema:
        return Annotated[kind, Field(ge=schema["minimum"])]
    if schema.get("type") == "string" and "minLength" in schema:
        return Annotated[kind, _text(schema)]
    if schema.get("type") == "array" and "minItems" in schema:
        item = Annotated[str, _text(schema["items"])]
        return Annotated[list[item], Field(min_length=schema["minItems"], max_length=schema["maxItems"])]
    return kind


def _field_type(kind: Any, schema: dict[str, Any]) -> Any:
    inner = nested(kind)
    if inner is None:
        return _bounded(kind, schema)
    checking = model_of(inner)
    if schema.get("type") == "array":
        return list[checking]  # type: ignore[valid-type]
    return checking | None if type(None) in getattr(kind, "__args__", ()) else checking


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return ...


def model_of(kind: type[Any]) -> type[BaseModel]:
    """The pydantic model of a report/model.py dataclass (made once; its nested values' models with it)."""
    found = _MODELS.get(kind)
    if found is None:
        props, kinds = kind.SCHEMA["properties"], hints(kind)
        fields: dict[str, Any] = {
            f.name: (_field_type(kinds[f.name], props[f.name]), _default(f)) for f in dataclasses.fields(kind)
        }
        found = _MODELS[kind] = create_model(
            kind.__name__, __config__=_CONFIG[kind.__name__], __doc__=kind.__doc__, __module__=__name__, **fields
        )
    return found


def checked(kind: type[Any], data: dict[str, Any]) -> dict[str, Any]:
    """The data of a report/model.py `kind` as its model checks and normalises it; pydantic's ValidationError
    when it does not fit."""
    return model_of(kind).model_validate(data).model_dump()
