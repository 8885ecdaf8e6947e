"""The pydantic models that check report data which is not already canonical (report/model.py tries the stdlib
check first): a provider's reply to strip and coerce, an entry of an older version, a hand-made value. Their
bounds come from report/contract.py; their names and keys are those of report/model.py (a test holds them
equal). Imported only when such data turns up."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from .contract import ATTEMPT, COVERAGE, RESULT, SCHEMA_VERSION, TOKENS, list_bounds, text_bounds


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

    model_config = ConfigDict(frozen=True, from_attributes=True)  # a report/model.py value is read as it is

    input: Annotated[int, _at_least(TOKENS, "input")]
    output: Annotated[int, _at_least(TOKENS, "output")]


class Attempt(BaseModel):
    """One try of one provider for one report; `tokens` only when the replies counted them."""

    model_config = ConfigDict(frozen=True, from_attributes=True)  # a report/model.py value is read as it is

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


def checked(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The data of a `kind` (a model's name) as the model checks and normalises it; pydantic's ValidationError
    when it does not fit."""
    model: type[BaseModel] = globals()[kind]
    return model.model_validate(data).model_dump()
