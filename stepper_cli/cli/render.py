"""Render typed results for people (text, Markdown, rich on a terminal) and scripts (JSON)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..report.markdown import report_markdown

if TYPE_CHECKING:  # pydantic stays unloaded until a job's report is shown (the lean report path renders here)
    from ..jobs.ledger import JobInfo, JobList
    from ..report.model import ReportResult

__all__ = ["print_rich_markdown", "report_markdown", "report_text", "reports_json"]


def report_text(result: ReportResult) -> str:
    """The report as plain text for a pipe or a file."""
    return text_of(result.to_json())


def text_of(data: dict[str, Any]) -> str:
    """The plain text of a result's JSON (`ReportResult.to_json()`)."""
    r = data["report"]
    origin = data["provider"] + (" (fallback)" if data["fallback"] else "") + (", cached" if data["cached"] else "")
    out = [r["title"], "=" * min(len(r["title"]), 79), f"commit {data['commit']} · {data['repo']} · {origin}", ""]
    out += [r["summary"], "", "Changes:", *[f"  - {c}" for c in r["changes"]], ""]
    out += ["Rationale:", f"  {r['rationale']}", "", "Impact and tests:", f"  {r['impact_and_tests']}", ""]
    if r["next_steps"]:
        out += ["Next steps:", *[f"  - {s}" for s in r["next_steps"]], ""]
    if r["tags"]:
        out += ["Tags: " + ", ".join(r["tags"])]
    return "\n".join(out).rstrip() + "\n"


def reports_json(results: Sequence[ReportResult], as_list: bool) -> str:
    """One JSON object, or an array for a range."""
    return json_of([r.to_json() for r in results], as_list)


def json_of(data: list[dict[str, Any]], as_list: bool) -> str:
    """The JSON of results' JSON: one object, or an array for a range."""
    return json.dumps(data if as_list else data[0], indent=2, ensure_ascii=False)


def print_rich_markdown(markdown: str) -> None:
    """Show Markdown on a terminal with rich (colour follows NO_COLOR)."""
    from rich.console import Console
    from rich.markdown import Markdown

    Console().print(Markdown(markdown))


def job_text(job: JobInfo, markdown: bool = False) -> str:
    """One job for a person: its state and times, then its report once done."""
    d = job.to_json()
    origin = (d["provider"] or "-") + (" (fallback)" if d["fallback"] else "")
    lines = [
        f"job {d['job_id'] or '-'}  {d['state']}" + ("" if d["job_id"] else "  (a cached report; no job made it)"),
        f"commit    {d['commit']} · {d['repo']}",
        f"created   {d['created_at']}   started {d['started_at'] or '-'}   finished {d['finished_at'] or '-'}",
        f"provider  {origin}   runs {d['attempts']}",
    ]
    if d["error"]:
        lines.append(f"error     {d['error']}")
    text = "\n".join(lines) + "\n"
    if d["result"]:
        from ..report.model import ReportResult

        result = ReportResult.model_validate(d["result"])
        text += "\n" + (report_markdown(result) if markdown else report_text(result))
    return text


def job_list_text(jobs: JobList) -> str:
    """Counts per state and a table of recent jobs."""
    head = "  ".join(f"{state} {n}" for state, n in jobs.counts.items())
    if not jobs.jobs:
        return head + "\nNo jobs yet: queue one with 'stepper enqueue'.\n"
    rows = [("JOB", "STATE", "COMMIT", "REPO", "CREATED", "PROVIDER")]
    for job in jobs.jobs:
        d = job.to_json(with_result=False)
        provider = (d["provider"] or "-") + ("*" if d["fallback"] else "")
        rows.append((d["job_id"], d["state"], d["commit"][:12], d["repo"], d["created_at"] or "-", provider))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    table = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join([head, "", *table]) + "\n"
