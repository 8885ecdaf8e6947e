"""The digest for people: Markdown (CI step summaries, release notes) and plain text."""

from __future__ import annotations

from .model import DigestResult, Item


def digest_markdown(result: DigestResult) -> str:
    """Overview, breaking changes first, changes by kind, risks, follow-ups, authors, then the commits."""
    body = result.digest
    links = {ref.commit: ref.url for ref in result.commits}
    lines = [f"# {_md(body.title)}", "", _md(body.overview), "", _origin(result), ""]
    if body.breaking:
        lines += ["## Breaking changes", "", *(_md_item(i, links) for i in body.breaking), ""]
    for section in body.sections:
        lines += [f"## {section.title}", "", *(_md_item(i, links) for i in section.items), ""]
    for title, items in (("Risks", body.risks), ("Follow-ups", body.follow_ups)):
        if items:
            lines += [f"## {title}", "", *(f"- {_md(x)}" for x in items), ""]
    if body.authors:
        lines += ["## Authors", "", ", ".join(_md(a) for a in body.authors), ""]
    lines += ["## Commits", "", "| commit | type | title | author | date | report |", "|---|---|---|---|---|---|"]
    for ref in result.commits:
        origin = ref.provider + (" (fallback)" if ref.fallback else "") + (", cached" if ref.cached else "")
        lines.append(
            f"| {_link(ref.commit, links)} | {ref.type or ''} | {_cell(ref.title)} | {_cell(ref.author)} "
            f"| {ref.date[:10]} | {origin} |"
        )
    return "\n".join(lines) + "\n"


def digest_text(result: DigestResult) -> str:
    """The same digest as plain text for a terminal or a log."""
    body = result.digest
    lines = [body.title, "", body.overview, "", _origin(result).replace("*", "")]
    if body.breaking:
        lines += ["", "Breaking changes:", *(f"  ! {_text_item(i)}" for i in body.breaking)]
    for section in body.sections:
        lines += ["", f"{section.title}:", *(f"  - {_text_item(i)}" for i in section.items)]
    for title, items in (("Risks", body.risks), ("Follow-ups", body.follow_ups)):
        if items:
            lines += ["", f"{title}:", *(f"  - {x}" for x in items)]
    if body.authors:
        lines += ["", "Authors: " + ", ".join(body.authors)]
    return "\n".join(lines) + "\n"


def _origin(result: DigestResult) -> str:
    n = len(result.commits)
    who = result.provider + (" (fallback)" if result.fallback else "") + (", cached" if result.cached else "")
    return (
        f"*{n} commit{'s' if n != 1 else ''} in `{result.range}`; digest by {who}; "
        f"{result.reports_from_cache} of {n} commit reports from the cache.*"
    )


def _md_item(item: Item, links: dict[str, str | None]) -> str:
    refs = ", ".join(_link(sha, links) for sha in item.commits)
    return f"- {_md(item.text)}" + (f" ({refs})" if refs else "")


def _text_item(item: Item) -> str:
    refs = ", ".join(sha[:7] for sha in item.commits)
    return item.text + (f" ({refs})" if refs else "")


def _link(sha: str, links: dict[str, str | None]) -> str:
    url = links.get(sha)
    return f"[`{sha[:7]}`]({url})" if url else f"`{sha[:7]}`"


def _md(text: str) -> str:
    """Text as one Markdown line: no raw HTML, no line breaks that would start a new block."""
    return " ".join(text.replace("<", "&lt;").replace(">", "&gt;").split())


def _cell(text: str) -> str:
    return _md(text).replace("|", "\\|")
