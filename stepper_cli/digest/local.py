"""The deterministic digest the `local` analyzer writes: per-commit reports grouped by kind, breaking first."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .kinds import KINDS, dependency_bumps, headline, is_breaking, kind_of
from .model import Body, CommitRef, Item, Section

Entry = tuple[CommitRef, dict[str, Any]]  # a commit and its report's seven fields


def local_digest(spec: str, entries: list[Entry]) -> Body:
    """Group the range's reports by kind (breaking changes first), each line naming its commit."""
    grouped: dict[str, list[Item]] = {kind: [] for kind in KINDS}
    breaking: list[Item] = []
    for ref, report in entries:
        kind = kind_of(report)
        if is_breaking(report):
            breaking.append(Item(text=headline(report), commits=[ref.commit]))
        lines = dependency_bumps(report) if kind == "deps" else []
        grouped[kind].extend(Item(text=line, commits=[ref.commit]) for line in lines or [headline(report)])
    sections = [Section(kind=k, title=KINDS[k], items=items) for k, items in grouped.items() if items]
    return Body(
        title=_title(spec, entries),
        overview=_overview(entries, sections, breaking),
        breaking=breaking,
        sections=sections,
        risks=_risks(breaking),
        follow_ups=_follow_ups(entries),
        authors=_authors(entries),
    )


def _title(spec: str, entries: list[Entry]) -> str:
    count = len(entries)
    return f"{count} commit{'s' if count != 1 else ''} in {spec}"


def _overview(entries: list[Entry], sections: list[Section], breaking: list[Item]) -> str:
    if not entries:
        return "The range holds no commits."
    parts = [f"{len(s.items)} {s.title.lower()}" for s in sections]
    authors = _authors(entries)
    text = f"{len(entries)} commit{'s' if len(entries) != 1 else ''} by {len(authors)} author" + (
        "s" if len(authors) != 1 else ""
    )
    text += ": " + ", ".join(parts) + "."
    if breaking:
        text += f" {len(breaking)} breaking change{'s' if len(breaking) != 1 else ''}: read them first."
    return text


def _risks(breaking: list[Item]) -> list[str]:
    return [f"Breaking: {item.text}" for item in breaking]


def _follow_ups(entries: list[Entry]) -> list[str]:
    seen: Counter[str] = Counter()
    for _, report in entries:
        for step in report.get("next_steps") or []:
            seen[str(step).strip()] += 1
    return [step for step, _ in seen.most_common(10) if step]


def _authors(entries: list[Entry]) -> list[str]:
    counts = Counter(ref.author for ref, _ in entries if ref.author)
    return [name for name, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
