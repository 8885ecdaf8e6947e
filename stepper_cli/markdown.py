"""The report as Markdown: what `--format markdown`, CI step summaries and git notes show."""

from __future__ import annotations

from .report import ReportResult


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
