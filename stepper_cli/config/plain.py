"""Frozen dataclasses and their plain data (tables, lists, values), both ways, in the standard library only.

What the settings (config/model.py) and the report (report/model.py) are read as: `to_data` gives the plain data
of a value, keys in field order, and `build` makes the value again from such data, nested values included.
"""

from __future__ import annotations

import types
import typing
from dataclasses import fields, is_dataclass
from typing import Any, TypeVar

T = TypeVar("T")


_HINTS: dict[type[Any], dict[str, Any]] = {}


def hints(cls: type[Any]) -> dict[str, Any]:
    """The resolved type of each field of a dataclass (resolved once)."""
    found = _HINTS.get(cls)
    if found is None:
        found = _HINTS[cls] = typing.get_type_hints(cls)
    return found


def nested(kind: Any) -> Any:
    """The dataclass a field of this type holds (itself, as list items, or else None), or None."""
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        kind = next((k for k in typing.get_args(kind) if k is not type(None)), None)
    if typing.get_origin(kind) is list:
        kind = typing.get_args(kind)[0]
    return kind if isinstance(kind, type) and is_dataclass(kind) else None


def build(cls: type[T], data: dict[str, Any]) -> T:
    """A value from the plain data of a valid one (`to_data`); unknown keys raise TypeError."""
    if not isinstance(data, dict):
        raise TypeError(f"{cls.__name__}: a table was expected")
    kinds = hints(cls)
    values: dict[str, Any] = {}
    for key, value in data.items():
        inner = nested(kinds.get(key))
        if inner is None or value is None:
            values[key] = value
        elif isinstance(value, list):
            values[key] = [build(inner, item) for item in value]
        else:
            values[key] = build(inner, value)
    return cls(**values)


def to_data(value: Any) -> Any:
    """The plain data (tables, lists, values) of a value, keys in field order."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list):
        return [to_data(item) for item in value]
    return value
