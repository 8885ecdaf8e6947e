"""The report model (its keys and bounds from report/contract.py), the result around it, and pulling a report
out of a model's reply."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from ..errors import InvalidResponse
from .contract import (
    ATTEMPT,
    COVERAGE,
    OPTIONAL_ATTEMPT_KEYS,
    RESULT,
    SCHEMA_VERSION,
    TOKENS,
    list_bounds,
    provider_schema,
    text_bounds,
)  # fmt: skip

__all__ = ["SCHEMA_VERSION", "Attempt", "Coverage", "Report", "ReportResult", "Tokens", "attempts_json", "parse_report",
           "report_json_schema"]  # fmt: skip


def _text(name: str) -> StringConstraints:
    low, high = text_bounds(name)
    return StringConstraints(strip_whitespace=True, min_length=low, max_length=high)


def _item(name: str) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=list_bounds(name)[2])


def _count(name: str) -> Any:
    low, high, _ = list_bounds(name)
    return Field(min_length=low, max_length=high)


def _at_least(schema: dict[str, Any], name: str) -> Any:
    return Field(ge=schema["properties"][name]["minimum"])


class Report(BaseModel):
    """The seven fields every report has, with the contract's bounds (report/contract.py)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    title: Annotated[str, _text("title")]
    summary: Annotated[str, _text("summary")]
    changes: Annotated[list[Annotated[str, _item("changes")]], _count("changes")]
    rationale: Annotated[str, _text("rationale")]
    impact_and_tests: Annotated[str, _text("impact_and_tests")]
    next_steps: Annotated[list[Annotated[str, _item("next_steps")]], _count("next_steps")] = []
    tags: Annotated[list[Annotated[str, _item("tags")]], _count("tags")] = []


class Tokens(BaseModel):
    """The tokens one try cost, as the provider's replies counted them."""

    model_config = ConfigDict(frozen=True)

    input: Annotated[int, _at_least(TOKENS, "input")]
    output: Annotated[int, _at_least(TOKENS, "output")]


class Attempt(BaseModel):
    """One try of one provider for one report; `tokens` only when the replies counted them."""

    model_config = ConfigDict(frozen=True)

    provider: str
    attempt: Annotated[int, _at_least(ATTEMPT, "attempt")]
    outcome: Literal["ok", "error", "skipped"]
    error: str | None = None
    detail: str | None = None
    duration_ms: Annotated[int, _at_least(ATTEMPT, "duration_ms")] = 0
    tokens: Tokens | None = None


class Coverage(BaseModel):
    """How much of the commit made it into the evidence text."""

    model_config = ConfigDict(frozen=True)

    files: Annotated[int, _at_least(COVERAGE, "files")]
    files_in_prompt: Annotated[int, _at_least(COVERAGE, "files_in_prompt")]
    diff_bytes: Annotated[int, _at_least(COVERAGE, "diff_bytes")]
    diff_bytes_in_prompt: Annotated[int, _at_least(COVERAGE, "diff_bytes_in_prompt")]
    truncated: bool


class ReportResult(BaseModel):
    """What `generate_report` returns and `--format json` prints (docs/report.schema.json)."""

    model_config = ConfigDict(frozen=True)

    schema_version: Annotated[int, Field(ge=SCHEMA_VERSION, le=SCHEMA_VERSION)] = SCHEMA_VERSION
    commit: str
    repo: str
    author: str
    date: str
    report: Report
    provider: str
    fallback: bool = False
    cached: bool = False
    attempts: list[Attempt] = []
    redactions: Annotated[int, _at_least(RESULT, "redactions")] = 0
    coverage: Coverage
    timings: dict[str, int] = {}

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
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidResponse("The reply's report does not fit the schema.", detail=f"{where}: {first['msg']}") from exc


def report_json_schema() -> dict[str, Any]:
    """Return the JSON schema providers are asked to follow (structured-output modes)."""
    return provider_schema()
