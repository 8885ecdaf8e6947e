"""`stepper report` of fresh cached reports without Typer or pydantic: a cache hit costs a few `python -c pass`.

`cli.main` sends `report` here first. Plain arguments (REV or A..B, --repo, --format/-f, --quiet/-q) are parsed
by hand; the settings come from the snapshot the full command keeps (snapshot.py); every commit must have a
fresh cached report that `report_json.canonical` accepts. Anything else returns None before printing or
counting anything, and the Typer command does the whole run, so the output is the same either way.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...errors import GitError
from .args import plain_args

if TYPE_CHECKING:
    from ...generate.snapshot import EnqueueSettings
    from ...git.commits import Repo

_FORMATS = ("text", "markdown", "json")


@dataclass
class ReportArgs:
    rev: str = "HEAD"
    repo: str = "."
    fmt: str = "text"


def report_fast(argv: list[str]) -> int | None:
    """Run `stepper report ARGV` from the cache; None when the full command is needed."""
    args = parse(argv)
    if args is None or (args.fmt == "text" and _is_tty()):  # a terminal gets rich output
        return None
    from ...generate.snapshot import saved_settings
    from ...git.commits import open_repo, resolve_revs

    repo = open_repo(args.repo)
    conf = saved_settings(repo.root)
    if conf is None:
        return None
    try:
        shas = resolve_revs(repo, args.rev)
    except GitError:
        return None  # the full command says it after the config warnings
    results = _fresh_results(repo, conf, shas) if shas else None
    if results is None:
        return None
    for line in conf.warnings:
        print(line, file=sys.stderr)
    sys.stdout.write(render(results, args.fmt, as_list=".." in args.rev))
    sys.stdout.flush()
    return 0


def parse(argv: list[str]) -> ReportArgs | None:
    """The arguments, or None for anything but the plain forms."""
    # --quiet only hides progress and the "no commits" line, neither of which a cache hit shows
    parsed = plain_args(argv, {"--quiet", "-q"}, {"--repo", "--format", "-f"})
    if parsed is None:
        return None
    seen, rev = parsed
    fmt = seen.get("--format", seen.get("-f", "text"))
    if fmt not in _FORMATS:
        return None
    return ReportArgs(rev=rev, repo=seen.get("--repo", "."), fmt=fmt)


def _fresh_results(repo: Repo, conf: EnqueueSettings, shas: list[str]) -> list[dict[str, Any]] | None:
    """Every commit's fresh cached result marked cached (one hit counted each), or None if one is missing."""
    from ...cache.reports import ReportCache
    from ...report.lean import canonical
    from ...store import open_store
    from ...store.counters import count

    with open_store(conf.queue_url) as store:
        cache = ReportCache(store, repo, conf.templates, conf.policy)
        results = []
        for sha in shas:
            entry = cache.entry(sha) or {}
            stored = entry.get("result")
            found = canonical({**stored, "cached": True}) if isinstance(stored, dict) else None
            if found is None or conf.policy.age_state(entry, cache.clock()) != "fresh":
                return None
            results.append(found)
        count(store, "cache_hits_total", float(len(results)), status="fresh")  # one write for a whole range
    return results


def render(results: list[dict[str, Any]], fmt: str, as_list: bool) -> str:
    """What the full command prints for these results (cli/render.py, without pydantic)."""
    from ..render import render_reports

    return render_reports(results, fmt, as_list)


def _is_tty() -> bool:
    """cli.common.is_tty for stdout (that module loads Typer)."""
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"
