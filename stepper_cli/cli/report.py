"""`stepper report [REV | A..B]`: generate reports now (cache first)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Annotated

import typer

from .common import DebugOpt, Format, FormatOpt, OutputOpt, QuietOpt, RepoOpt, VerboseOpt, emit, is_tty, warn


def register(app: typer.Typer) -> None:
    app.command("report")(report)


def report(
    rev: Annotated[str, typer.Argument(help="A commit (default HEAD) or a range A..B.")] = "HEAD",
    repo: RepoOpt = ".",  # type: ignore[assignment]
    fmt: FormatOpt = Format.text,
    output: OutputOpt = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the cache.")] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="Regenerate even when cached.")] = False,
    offline: Annotated[bool, typer.Option("--offline", help="Use only the local analyzer.")] = False,
    provider: Annotated[
        list[str] | None, typer.Option("--provider", help="Use this chain instead (repeatable).")
    ] = None,
    no_fallback: Annotated[bool, typer.Option("--no-fallback", help="Exit 5 instead of a local report.")] = False,
    fail_on_fallback: Annotated[
        bool, typer.Option("--fail-on-fallback", help="Print the report but exit 5 if it is a fallback.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be sent to the providers; send nothing.")
    ] = False,
    notes: Annotated[bool, typer.Option("--notes", help="Also write each report to git notes (notes.ref).")] = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    debug: DebugOpt = False,
) -> int:
    """Generate the report of a commit, or of each commit of a range (oldest first)."""
    from .. import api
    from ..generate.snapshot import keep_fresh
    from ..git.commits import resolve_revs
    from .common import setup_logging
    from .render import print_rich_markdown, report_markdown, report_text, reports_json

    setup_logging(verbose, debug)
    ctx = api.open_context(repo)
    for line in ctx.config.warnings:
        warn(line)
    options = api.ReportOptions(
        offline=offline, providers=tuple(provider or ()), use_cache=not no_cache, refresh=refresh,
        fallback=not no_fallback,
    )  # fmt: skip
    if dry_run:
        plans = api.dry_run(ctx, rev, options)
        as_json = [p.to_json() for p in plans] if ".." in rev else plans[0].to_json()
        emit(json.dumps(as_json, indent=2) if fmt is Format.json else "\n".join(p.to_text() for p in plans), output)
        return 0
    if not no_cache:
        keep_fresh(ctx.repo.root, ctx.config)  # what the lean cache-hit path (fast_report.py) reads
    shas = resolve_revs(ctx.repo, rev)
    results = [api.report_for_sha(ctx, sha, options) for sha in _progress(shas, quiet)]
    if fmt is Format.json:
        emit(reports_json(results, as_list=".." in rev), output)
    elif fmt is Format.markdown:
        emit("\n---\n\n".join(report_markdown(r) for r in results), output)
    elif output is None and is_tty():
        for r in results:
            print_rich_markdown(report_markdown(r))
    else:
        emit("\n".join(report_text(r) for r in results), output)
    if not results and not quiet:
        warn(f"No commits in {rev}.")
    if notes:
        from ..git.notes import write_note

        for r in results:
            write_note(ctx.repo, r, ctx.settings.notes.ref)
    if fail_on_fallback and any(r.fallback for r in results):
        warn("stepper: the report came from the local analyzer, and --fail-on-fallback was given.")
        return 5
    return 0


def _progress(shas: list[str], quiet: bool) -> Iterable[str]:
    if len(shas) < 2 or quiet or not is_tty(sys.stderr):
        return shas
    from rich.console import Console
    from rich.progress import track

    return track(shas, description="Reports", transient=True, console=Console(stderr=True))
