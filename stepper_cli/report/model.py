"""The report (its keys and bounds from report/contract.py), the result around it, and pulling a report out of
a model's reply.

The values are frozen dataclasses, and constructing one checks it: data that is already canonical (the stdlib
check of report/lean.py: the contract's types and bounds, texts stripped) is kept as it is, anything else is
checked and normalised by the pydantic models of report/checked.py (imported only then) or refused with
pydantic's ValidationError, as pydantic models would. So a report is exactly what pydantic would make of it,
and the usual paths (a reply that fits, the local analyzer's report, a cached result) never import pydantic.
`model_validate`, `model_dump` and `model_copy` are named as pydantic names them.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar

from ..config.plain import build, hints, nested, to_data
from ..errors import InvalidResponse
from .contract import (
    ATTEMPT,
    COVERAGE,
    OPTIONAL_ATTEMPT_KEYS,
    REPORT,
    RESULT,
    SCHEMA_VERSION,
    TOKENS,
    provider_schema,
)  # fmt: skip
from .lean import fits

__all__ = ["SCHEMA_VERSION", "Attempt", "Coverage", "Outcome", "Report", "ReportResult", "Tokens", "attempts_json",
           "parse_report", "report_json_schema"]  # fmt: skip

M = TypeVar("M", bound="_Checked")
Outcome = Literal["ok", "error", "skipped"]  # contract.OUTCOMES


class _Checked:
    """A value checked against its part of the contract when it is made (see the module's docstring)."""

    SCHEMA: ClassVar[dict[str, Any]]

    def __post_init__(self) -> None:
        if not _canonical(self):
            fixed = _from_checked(type(self), to_data(self))
            for f in dataclasses.fields(self):  # type: ignore[arg-type]
                object.__setattr__(self, f.name, getattr(fixed, f.name))

    @classmethod
    def model_validate(cls: type[M], data: Any) -> M:
        """The value of data (a dict, or a value already): checked as the constructor checks it."""
        if isinstance(data, cls):
            return data
        if not isinstance(data, dict):
            return _from_checked(cls, data)
        known = {f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data}  # type: ignore[arg-type]
        return build(cls, known) if fits(cls.SCHEMA, known) else _from_checked(cls, known)

    def model_dump(self, mode: str = "python") -> dict[str, Any]:
        """The plain data of the value, keys in the contract's order (`mode` as pydantic's; the data is JSON)."""
        data: dict[str, Any] = to_data(self)
        return data

    def model_copy(self: M, update: dict[str, Any]) -> M:
        """The value with these fields changed."""
        return dataclasses.replace(self, **update)  # type: ignore[type-var]


def _canonical(value: _Checked) -> bool:
    """Whether every field is as the contract prints it (nested values were checked when they were made)."""
    return all(
        ((item := getattr(value, name)) is None and optional) or _fits(schema, inner, item)
        for name, schema, inner, optional in _plan(type(value))
    )


def _plan(kind: type[_Checked]) -> tuple[tuple[str, dict[str, Any], type[Any] | None, bool], ...]:
    """Each field's name, its part of the contract, the checked class it holds (if any), and whether None means
    that an optional key is not set."""
    found = _PLANS.get(kind)
    if found is None:
        props, kinds = kind.SCHEMA["properties"], hints(kind)
        found = _PLANS[kind] = tuple(
            (f.name, props[f.name], nested(kinds[f.name]), f.default is None)
            for f in dataclasses.fields(kind)  # type: ignore[arg-type]
        )
    return found


_PLANS: dict[type[_Checked], tuple[tuple[str, dict[str, Any], type[Any] | None, bool], ...]] = {}


def _fits(schema: dict[str, Any], inner: type[Any] | None, item: Any) -> bool:
    if inner is None:
        return fits(schema, item)
    if schema.get("type") == "array":
        return isinstance(item, list) and all(isinstance(x, inner) for x in item)
    return isinstance(item, inner)


def _from_checked(kind: type[M], data: Any) -> M:
    """The value pydantic makes of data (or its ValidationError)."""
    from .checked import checked

    return _settled(kind, checked(kind, data))


def _settled(kind: type[M], data: dict[str, Any]) -> M:
    """A value of data pydantic made, as it is: not checked again (the stdlib check may not call canonical what
    pydantic keeps, as a text ending in a control character Python strips and pydantic does not)."""
    value = object.__new__(kind)
    for name, _schema, inner, _optional in _plan(kind):
        item = data[name]
        if inner is not None and item is not None:
            item = [_settled(inner, x) for x in item] if isinstance(item, list) else _settled(inner, item)
        object.__setattr__(value, name, item)
    return value


@dataclass(frozen=True, kw_only=True)
class Report(_Checked):
    """The seven fields every report has, with the contract's bounds (report/contract.py)."""

    SCHEMA: ClassVar[dict[str, Any]] = REPORT

    title: str
    summary: str
    changes: list[str]
    rationale: str
    impact_and_tests: str
    next_steps: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class Tokens(_Checked):
    """The tokens one try cost, as the provider's replies counted them."""

    SCHEMA: ClassVar[dict[str, Any]] = TOKENS

    input: int
    output: int


@dataclass(frozen=True, kw_only=True)
class Attempt(_Checked):
    """One try of one provider for one report; `tokens` only when the replies counted them."""

    SCHEMA: ClassVar[dict[str, Any]] = ATTEMPT

    provider: str
    attempt: int
    outcome: Outcome
    error: str | None = None
    detail: str | None = None
    duration_ms: int = 0
    tokens: Tokens | None = None


@dataclass(frozen=True, kw_only=True)
class Coverage(_Checked):
    """How much of the commit made it into the evidence text."""

    SCHEMA: ClassVar[dict[str, Any]] = COVERAGE

    files: int
    files_in_prompt: int
    diff_bytes: int
    diff_bytes_in_prompt: int
    truncated: bool


@dataclass(frozen=True, kw_only=True)
class ReportResult(_Checked):
    """What `generate_report` returns and `--format json` prints (docs/report.schema.json)."""

    SCHEMA: ClassVar[dict[str, Any]] = RESULT

    schema_version: int = SCHEMA_VERSION
    commit: str
    repo: str
    author: str
    date: str
    report: Report
    provider: str
    fallback: bool = False
    cached: bool = False
    attempts: list[Attempt] = field(default_factory=list)
    redactions: int = 0
    coverage: Coverage
    timings: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return the contract's JSON object (internal-only keys dropped)."""
        data = self.model_dump(mode="json")
        data["attempts"] = attempts_json(data["attempts"])
        return data


def attempts_json(attempts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Dumped attempts as the contract prints them: its optional keys (`detail`, `tokens`) only when set."""
    return [{k: v for k, v in a.items() if not (k in OPTIONAL_ATTEMPT_KEYS and v is None)} for a in attempts]


_THINK = re.compile(r"<think(?:ing)?>.*?</think(?:ing)?>", re.S | re.I)
_THINK_END = re.compile(r"</think(?:ing)?>", re.I)
_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.S)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_SMART = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})
SCAN_CHARS, SCAN_STARTS = 256 * 1024, 64  # bounds on the brace scan of one reply


def _candidates(text: str) -> list[str]:
    """The texts that may hold the report, best first: fenced blocks, each balanced {...}, the whole reply."""
    text = _THINK.sub("", text)
    ends = list(_THINK_END.finditer(text))
    if ends:  # a bare closing tag (the opening one was never sent): what comes before it is reasoning
        text = text[ends[-1].end() :]
    text = text.strip()
    return [*(m.group(1).strip() for m in _FENCE.finditer(text)), *_balanced_objects(text), text]


def _balanced_objects(text: str) -> list[str]:
    """Each {...} span whose braces balance (braces inside JSON strings ignored), outer ones first."""
    spans: list[str] = []
    text = text[:SCAN_CHARS]
    start = text.find("{")
    while start >= 0 and len(spans) < SCAN_STARTS:
        end = _closing(text, start)
        if end is not None:
            spans.append(text[start : end + 1])
        start = text.find("{", start + 1)
    return spans


def _closing(text: str, start: int) -> int | None:
    """The index of the brace that closes the one at `start`, or None when it never closes."""
    depth, in_string, escaped = 0, False, False
    for i in range(start, len(text)):
        ch = text[i]
        if in_string:
            escaped, in_string = (False, True) if escaped else (ch == "\\", ch != '"')
        elif ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
    return None


def _loads(candidate: str) -> Any:
    for attempt in (candidate, _TRAILING_COMMA.sub(r"\1", candidate.translate(_SMART))):
        try:
            return json.loads(attempt)
        except (json.JSONDecodeError, RecursionError):  # not JSON, or nested past the interpreter's limit
            continue
    raise ValueError("no JSON object")


def parse_report(text: str | dict[str, Any]) -> Report:
    """Pull a valid Report out of a reply: the first JSON object that validates, fenced, in prose, after <think>."""
    if isinstance(text, dict):
        return _validate(text)
    last_error = "the reply holds no JSON object"
    for candidate in _candidates(text):
        try:
            data = _loads(candidate)
        except ValueError:
            continue
        if isinstance(data, dict) and isinstance(data.get("report"), dict):
            data = data["report"]
        if not isinstance(data, dict):
            continue
        try:
            return _validate(data)
        except InvalidResponse as exc:
            last_error = exc.detail or str(exc)
    raise InvalidResponse("The reply holds no valid report.", detail=last_error)


def _validate(data: dict[str, Any]) -> Report:
    try:
        return Report.model_validate(data)
    except ValueError as exc:  # pydantic's ValidationError (a ValueError), from its check of non-canonical data
        if not hasattr(exc, "errors"):
            raise
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidResponse("The reply's report does not fit the schema.", detail=f"{where}: {first['msg']}") from exc


def report_json_schema() -> dict[str, Any]:
    """Return the JSON schema providers are asked to follow (structured-output modes)."""
    return provider_schema()
