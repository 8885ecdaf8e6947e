"""The digest's JSON contract (its own schema_version), published as docs/digest.schema.json."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ..report.checked import model_of
from ..report.model import Attempt as PlainAttempt
from ..report.model import attempts_json

Attempt = model_of(PlainAttempt)  # the pydantic model of a report's try (it reads a report/model.py one as it is)

DIGEST_SCHEMA_VERSION = 1


class Item(BaseModel):
    """One line of the digest and the commits it speaks of (full ids)."""

    model_config = ConfigDict(frozen=True)

    text: str
    commits: list[str] = []


class Section(BaseModel):
    """Notable changes of one kind (features, fixes, dependencies, ...)."""

    model_config = ConfigDict(frozen=True)

    kind: str
    title: str
    items: list[Item]


class Body(BaseModel):
    """What the digest says: overview, breaking changes first, changes by kind, risks, follow-ups, authors."""

    model_config = ConfigDict(frozen=True)

    title: str
    overview: str
    breaking: list[Item] = []
    sections: list[Section] = []
    risks: list[str] = []
    follow_ups: list[str] = []
    authors: list[str] = []


class CommitRef(BaseModel):
    """One commit the digest covers, and where its report came from."""

    model_config = ConfigDict(frozen=True)

    commit: str
    title: str
    type: str | None
    author: str
    date: str
    provider: str
    fallback: bool
    cached: bool
    url: str | None = None


class DigestResult(BaseModel):
    """What `stepper digest --format json` prints."""

    model_config = ConfigDict(frozen=True)

    schema_version: int = DIGEST_SCHEMA_VERSION
    kind: Literal["digest"] = "digest"
    repo: str
    range: str
    commits: list[CommitRef]
    reports_from_cache: int
    digest: Body
    provider: str
    fallback: bool
    cached: bool = False
    requests: int = 0
    attempts: list[Attempt] = []  # type: ignore[valid-type]  # a model made from report/model.py's Attempt
    timings: dict[str, int] = {}

    def to_json(self) -> dict[str, Any]:
        """The digest's JSON object (attempts printed as in reports)."""
        data = self.model_dump(mode="json")
        data["attempts"] = attempts_json(data["attempts"])
        return data


def digest_json_schema() -> dict[str, Any]:
    """The JSON schema of the digest object (docs/digest.schema.json)."""
    schema = DigestResult.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "stepper digest"
    return schema
