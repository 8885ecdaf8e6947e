"""Render typed results for people (text, Markdown, rich on a terminal) and scripts (JSON, JSON Lines).

Text and Markdown show untrusted text (a provider's reply, a repository's name), so every string passes
through `report.safe_text.clean` first; JSON keeps the exact text, escaped (`safe_text.escape_json`).
Shapes: one revision gives one object, a range an array (even of one commit), jsonl one object a line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..report.markdown import markdown_of
from ..report.safe_text import clean_data, escape_json

if TYPE_CHECKING:  # pydantic stays unloaded until a job's report is shown (the lean report path renders here)
    from ..jobs.ledger import JobInfo, JobList
    from ..report.model import ReportResult

__all__ = ["dumps", "print_rich_markdown", "render_reports", "report_markdown", "report_text", "reports_json"]

_TYPES = ("feat", "fix", "docs", "refactor", "perf", "test", "build", "ci", "chore", "style", "revert", "security")


def dumps(data: Any, indent: int | None = 2) -> str:
    """JSON for scripts: the exact text, with nothing a terminal would act on left raw."""
    separators = None if indent else (",", ":")
    return escape_json(json.dumps(data, indent=indent, ensure_ascii=False, separators=separators))


def render_reports(results: Sequence[dict[str, Any]], fmt: str, as_list: bool) -> str:
    """What `stepper report` prints for these results' JSON in format fmt (text, markdown, json, jsonl)."""
    if fmt == "json":
        text = json_of(list(results), as_list)
    elif fmt == "jsonl":
        text = "\n".join(dumps(r, indent=None) for r in results)
    elif fmt == "markdown":
        text = markdown_many(results, as_list)
    else:
        text = "\n".join(text_of(r) for r in results)
    return text if text.endswith("\n") else text + "\n"


def report_text(result: ReportResult) -> str:
    """The report as plain text for a pipe or a file."""
    return text_of(result.to_json())


def report_markdown(result: ReportResult) -> str:
    """The report as Markdown, safe for a terminal."""
    return markdown_of(clean_data(result.to_json()))


def text_of(data: dict[str, Any]) -> str:
    """The plain text of a result's JSON (`ReportResult.to_json()`)."""
    data = clean_data(data)
    r = data["report"]
    out = [r["title"], "=" * min(len(r["title"]), 79), f"commit {data['commit']} · {data['repo']} · {_origin(data)}"]
    if byline := _byline(data):
        out.append(byline)
    out += ["", r["summary"], "", "Changes:", *[f"  - {c}" for c in r["changes"]], ""]
    out += ["Rationale:", f"  {r['rationale']}", "", "Impact and tests:", f"  {r['impact_and_tests']}", ""]
    if r["next_steps"]:
        out += ["Next steps:", *[f"  - {s}" for s in r["next_steps"]], ""]
    if r["tags"]:
        out += ["Tags: " + ", ".join(r["tags"])]
    return "\n".join(out).rstrip() + "\n"


def markdown_many(results: Sequence[dict[str, Any]], as_list: bool) -> str:
    """Markdown of one report, or of a range: an overview table, then one section per commit."""
    sections = [_markdown_one(clean_data(r)) for r in results]
    if not as_list:
        return "\n---\n\n".join(sections)
    return "\n".join([overview_markdown(results), "---", "", "\n---\n\n".join(sections)])


def overview_markdown(results: Sequence[dict[str, Any]]) -> str:
    """A table of the range: commit, type, title, author, date, provider."""
    rows = ["| commit | type | title | author | date | provider |", "|---|---|---|---|---|---|"]
    for data in map(clean_data, results):
        cells = [f"`{data['commit'][:12]}`", commit_type(data), data["report"]["title"],
                 _author(data) or "-", _date(data) or "-", _origin(data)]  # fmt: skip
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join([f"# {len(results)} commit{'s' if len(results) != 1 else ''}", "", *rows, ""])


def commit_type(data: dict[str, Any]) -> str:
    """The conventional-commit type of a report: its `type` field, a tag or the title's prefix; else '-'."""
    if isinstance(data.get("type"), str) and data["type"]:
        return str(data["type"])
    r = data["report"]
    head = r["title"].split(":", 1)[0].split("(", 1)[0].strip().lower() if ":" in r["title"] else ""
    return next((t for t in [head, *(str(x).lower() for x in r["tags"])] if t in _TYPES), "-")


def json_of(data: list[dict[str, Any]], as_list: bool) -> str:
    """The JSON of results' JSON: one object, or an array for a range."""
    return dumps(data if as_list else data[0])


def print_rich_markdown(markdown: str) -> None:
    """Show Markdown on a terminal with rich (colour follows NO_COLOR)."""
    from rich.console import Console
    from rich.markdown import Markdown

    Console().print(Markdown(markdown))


def job_text(job: JobInfo, markdown: bool = False) -> str:
    """One job for a person: its state and times, then its report once done."""
    d = clean_data(job.to_json())
    origin = (d["provider"] or "-") + (" (fallback)" if d["fallback"] else "")
    lines = [
        f"job {d['job_id'] or '-'}  {d['state']}" + ("" if d["job_id"] else "  (a cached report; no job made it)"),
        f"commit    {d['commit']} · {d['repo']}",
    ]
    if d["job_id"]:
        lines.append(f"created   {d['created_at'] or '-'}   started {d['started_at'] or '-'}   "
                     f"finished {d['finished_at'] or '-'}")  # fmt: skip
    lines.append(f"provider  {origin}" + (f"   runs {d['attempts']}" if d["job_id"] else ""))
    if d["error"]:
        lines.append(f"error     {d['error']}")
    text = "\n".join(lines) + "\n"
    if isinstance(d["result"], dict):
        text += "\n" + (markdown_many([d["result"]], False) if markdown else text_of(d["result"]))
    return text


def job_list_markdown(jobs: JobList) -> str:
    """Counts per state and a Markdown table of recent jobs."""
    head = ", ".join(f"{state} {n}" for state, n in jobs.counts.items())
    rows = ["| job | state | commit | repo | created | provider |", "|---|---|---|---|---|---|"]
    for job in jobs.jobs:
        d = clean_data(job.to_json(with_result=False))
        provider = (d["provider"] or "-") + (" (fallback)" if d["fallback"] else "")
        cells = [d["job_id"], d["state"], f"`{d['commit'][:12]}`", d["repo"], d["created_at"] or "-", provider]
        rows.append("| " + " | ".join(_cell(str(c)) for c in cells) + " |")
    return "\n".join([f"**Jobs:** {head}", "", *rows]) + "\n" if jobs.jobs else f"**Jobs:** {head}\n"


def job_list_text(jobs: JobList) -> str:
    """Counts per state and a table of recent jobs (a provider marked * is a fallback to the local analyzer)."""
    head = "  ".join(f"{state} {n}" for state, n in jobs.counts.items())
    if not jobs.jobs:
        return head + "\nNo jobs yet: queue one with 'stepper enqueue'.\n"
    rows = [("JOB", "STATE", "COMMIT", "REPO", "CREATED", "PROVIDER")]
    fallback = False
    for job in jobs.jobs:
        d = clean_data(job.to_json(with_result=False))
        fallback = fallback or bool(d["fallback"])
        provider = (d["provider"] or "-") + ("*" if d["fallback"] else "")
        rows.append((d["job_id"], d["state"], d["commit"][:12], d["repo"], d["created_at"] or "-", provider))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    table = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    note = ["", "* a fallback: the local analyzer wrote the report after the providers failed."] if fallback else []
    return "\n".join([head, "", *table, *note]) + "\n"


def _markdown_one(data: dict[str, Any]) -> str:
    text = markdown_of(data)
    byline = _byline(data)
    if not byline:
        return text
    head, sep, rest = text.partition("\n\n")  # after the H1 title: the byline goes under the origin line
    first, sep2, rest2 = rest.partition("\n\n")
    return f"{head}{sep}{first}  \n{byline}{sep2}{rest2}" if sep and sep2 else text


def _origin(data: dict[str, Any]) -> str:
    return str(data["provider"]) + (" (fallback)" if data["fallback"] else "") + (", cached" if data["cached"] else "")


def _author(data: dict[str, Any]) -> str:
    author = data.get("author")
    if isinstance(author, dict):
        author = author.get("name")
    return author if isinstance(author, str) else ""


def _date(data: dict[str, Any]) -> str:
    date = data.get("date")
    return date if isinstance(date, str) else ""


def _byline(data: dict[str, Any]) -> str:
    parts = [p for p in (_author(data), _date(data)) if p]
    return " · ".join(parts)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def reports_json(results: Sequence[ReportResult], as_list: bool) -> str:
    """One JSON object, or an array for a range."""
    return json_of([r.to_json() for r in results], as_list)
