"""Render typed results for people (text, Markdown, rich on a terminal) and scripts (JSON)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from ..report import ReportResult


def report_markdown(result: ReportResult) -> str:
    """The report as Markdown (also what goes to git notes and CI step summaries)."""
    r = result.report
    origin = result.provider + (" (fallback)" if result.fallback else "") + (", cached" if result.cached else "")
    lines = [f"# {r.title}", "", f"`{result.commit[:12]}` · {result.repo} · {origin}", "", r.summary, ""]
    lines += ["## Changes", "", *[f"- {c}" for c in r.changes], ""]
    lines += ["## Rationale", "", r.rationale, "", "## Impact and tests", "", r.impact_and_tests, ""]
    if r.next_steps:
        lines += ["## Next steps", "", *[f"- {s}" for s in r.next_steps], ""]
    if r.tags:
        lines += ["Tags: " + ", ".join(f"`{t}`" for t in r.tags), ""]
    return "\n".join(lines)


def report_text(result: ReportResult) -> str:
    """The report as plain text for a pipe or a file."""
    r = result.report
    origin = result.provider + (" (fallback)" if result.fallback else "") + (", cached" if result.cached else "")
    out = [r.title, "=" * min(len(r.title), 79), f"commit {result.commit} · {result.repo} · {origin}", ""]
    out += [r.summary, "", "Changes:", *[f"  - {c}" for c in r.changes], ""]
    out += ["Rationale:", f"  {r.rationale}", "", "Impact and tests:", f"  {r.impact_and_tests}", ""]
    if r.next_steps:
        out += ["Next steps:", *[f"  - {s}" for s in r.next_steps], ""]
    if r.tags:
        out += ["Tags: " + ", ".join(r.tags)]
    return "\n".join(out).rstrip() + "\n"


def reports_json(results: Sequence[ReportResult], as_list: bool) -> str:
    """One JSON object, or an array for a range."""
    data = [r.to_json() for r in results]
    return json.dumps(data if as_list else data[0], indent=2, ensure_ascii=False)


def print_rich_markdown(markdown: str) -> None:
    """Show Markdown on a terminal with rich (colour follows NO_COLOR)."""
    from rich.console import Console
    from rich.markdown import Markdown

    Console().print(Markdown(markdown))
