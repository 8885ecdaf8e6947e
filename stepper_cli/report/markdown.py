"""The report as Markdown: what `--format markdown`, CI step summaries and git notes show."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model import ReportResult


def report_markdown(result: ReportResult) -> str:
    """The report as Markdown (also what goes to git notes and CI step summaries)."""
    return markdown_of(result.to_json())


def markdown_of(data: dict[str, Any]) -> str:
    """The Markdown of a result's JSON (`ReportResult.to_json()`); the lean cache-hit path has only that."""
    r = data["report"]
    origin = data["provider"] + (" (fallback)" if data["fallback"] else "") + (", cached" if data["cached"] else "")
    lines = [f"# {r['title']}", "", f"`{data['commit'][:12]}` · {data['repo']} · {origin}", "", r["summary"], ""]
    lines += ["## Changes", "", *[f"- {c}" for c in r["changes"]], ""]
    lines += ["## Rationale", "", r["rationale"], "", "## Impact and tests", "", r["impact_and_tests"], ""]
    if r["next_steps"]:
        lines += ["## Next steps", "", *[f"- {s}" for s in r["next_steps"]], ""]
    if r["tags"]:
        lines += ["Tags: " + ", ".join(f"`{t}`" for t in r["tags"]), ""]
    return "\n".join(lines)
