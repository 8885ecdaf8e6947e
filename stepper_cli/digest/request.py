"""The digest through the provider chain: one request over the per-commit reports (not the diffs), or, when
they do not fit the evidence budget, a few: each part summarised first, then the parts together.

The request asks for the report's JSON shape, so the chain validates it like any report; the fields map to
the digest: title, summary → overview, changes → lines by kind, rationale → breaking changes,
impact_and_tests → risks, next_steps → follow-ups.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from ..providers.base import Prompt
from ..report.model import Attempt, Report
from .kinds import KINDS, headline, kind_of
from .local import Entry
from .model import Body, Item, Section

Ask = Callable[[str, Prompt, Callable[[], Report]], "Answer"]
_LINE = re.compile(
    r"^(?:(?P<kind>[a-z]+):\s*)?(?P<text>.+?)(?:\s*\((?P<ids>[0-9a-f]{7,40}(?:[,\s]+[0-9a-f]{7,40})*)\))?$"
)
_NO_BREAKING = re.compile(r"^\s*no breaking changes?\.?\s*$", re.I)


@dataclass
class Answer:
    """What the chain said to one request."""

    report: Report
    provider: str
    fallback: bool
    attempts: list[Attempt] = field(default_factory=list)


@lru_cache(maxsize=1)
def instructions() -> str:
    """The digest's prompt template (part of the digest's cache key)."""
    return resources.files("stepper_cli.prompts").joinpath("digest.txt").read_text("utf-8")


def compact(entries: list[Entry]) -> list[str]:
    """One paragraph per commit report: the part of each report the digest request carries."""
    out = []
    for ref, report in entries:
        changes = "; ".join(str(c) for c in (report.get("changes") or [])[:8])
        out.append(
            f"- {ref.commit[:12]} [{kind_of(report)}] {headline(report)} (by {ref.author}, {ref.date[:10]})\n"
            f"  {str(report.get('summary', ''))[:600]}\n  changes: {changes[:800]}"
        )
    return out


def chunks(blocks: list[str], budget: int) -> list[list[str]]:
    """Split the blocks into parts of at most budget bytes each (a block larger than that stands alone)."""
    parts: list[list[str]] = [[]]
    size = 0
    for block in blocks:
        n = len(block.encode("utf-8")) + 1
        if parts[-1] and size + n > budget:
            parts.append([])
            size = 0
        parts[-1].append(block)
        size += n
    return [p for p in parts if p]


def staged(spec: str, blocks: list[str], budget: int, ask: Ask, fallback: Callable[[], Report]) -> tuple[Answer, int]:
    """Ask for the digest of blocks; in stages while they exceed the budget. Return the final answer and the
    number of requests made."""
    requests = 0
    level = 0
    while True:
        parts = chunks(blocks, budget)
        if len(parts) == 1 or level >= 3:  # bounded: three stages cover thousands of commits
            text = "\n".join(b for part in parts for b in part)
            return ask(spec, _prompt(spec, text, final=True), fallback), requests + 1
        partials = []
        for i, part in enumerate(parts, 1):
            answer = ask(f"{spec} (part {i}/{len(parts)})", _prompt(spec, "\n".join(part), final=False), fallback)
            requests += 1
            if answer.fallback:  # no provider answered: the caller writes the local digest instead
                return answer, requests
            partials.append(_as_block(i, answer.report))
        blocks, level = partials, level + 1


def _prompt(spec: str, text: str, *, final: bool) -> Prompt:
    what = "the per-commit reports" if final else "one part of the range's per-commit reports"
    return Prompt(system=instructions(), user=f"Range {spec}: {what}.\n\n{text}")


def _as_block(index: int, report: Report) -> str:
    lines = "\n  ".join(report.changes)
    return f"- part {index}: {report.title}\n  {report.summary}\n  {lines}\n  breaking: {report.rationale}"


def body_of(report: Report, entries: list[Entry], authors: list[str]) -> Body:
    """The digest a model wrote, its lines mapped back to full commit ids of the range."""
    ids = [ref.commit for ref, _ in entries]
    grouped: dict[str, list[Item]] = {}
    for line in report.changes:
        kind, item = _item(line, ids)
        grouped.setdefault(kind if kind in KINDS else "other", []).append(item)
    sections = [Section(kind=k, title=KINDS[k], items=grouped[k]) for k in KINDS if k in grouped]
    breaking = [] if _NO_BREAKING.match(report.rationale) else [
        _item(line, ids)[1] for line in report.rationale.splitlines() if line.strip(" -*")
    ]  # fmt: skip
    risks = [line.strip(" -*") for line in report.impact_and_tests.splitlines() if line.strip(" -*")]
    return Body(
        title=report.title, overview=report.summary, breaking=breaking, sections=sections, risks=risks,
        follow_ups=list(report.next_steps), authors=authors,
    )  # fmt: skip


def _item(line: str, ids: list[str]) -> tuple[str, Item]:
    match = _LINE.match(line.strip(" -*"))
    if match is None:
        return "other", Item(text=line.strip())
    named = re.split(r"[,\s]+", match["ids"]) if match["ids"] else []
    commits = [full for short in named for full in ids if full.startswith(short)]
    return (match["kind"] or "other"), Item(text=match["text"].strip(), commits=list(dict.fromkeys(commits)))
