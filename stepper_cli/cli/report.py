"""`stepper report [REV | A..B]`: generate reports now (cache first).

Shapes: one revision prints one object (`--format json` or `--json`), a range an array (even of one
commit), `--format jsonl` one compact object a line, each written as soon as its report is done.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sized
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from .common import DebugOpt, Format, FormatOpt, OutputOpt, QuietOpt, RepoOpt, VerboseOpt, emit, is_tty, warn
from .complete import provider_names, revisions
from .helptext import examples

if TYPE_CHECKING:
    from pathlib import Path

    from ..api import ReportOptions
    from ..generate.context import Context
    from ..report.model import ReportResult

T = TypeVar("T")
RevArg = Annotated[
    str,
    typer.Argument(metavar="REV", help="A commit or a range A..B.", autocompletion=revisions),
]
EXAMPLES = examples(
    "stepper report                    # HEAD; offline unless providers are set",
    "stepper report main..HEAD --format markdown -o summary.md",
    "stepper report HEAD~5..HEAD --format jsonl | jq .report.title",
)


def register(app: typer.Typer) -> None:
    app.command("report", short_help="Write the report of a commit, or of each commit of a range.", epilog=EXAMPLES)(
        report
    )


def report(
    rev: RevArg = "HEAD",
    repo: RepoOpt = ".",  # type: ignore[assignment]
    fmt: FormatOpt = Format.text,
    as_json: Annotated[bool, typer.Option("--json", help="The same as --format json.")] = False,
    output: OutputOpt = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the cache.")] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="Regenerate even when cached.")] = False,
    offline: Annotated[bool, typer.Option("--offline", help="Use only the local analyzer.")] = False,
    provider: Annotated[
        list[str] | None,
        typer.Option(
            "--provider", metavar="NAME", help="Use this chain instead (repeatable).", autocompletion=provider_names
        ),
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
    from ..errors import UsageError
    from ..generate.snapshot import keep_fresh
    from ..git.commits import resolve_revs
    from .common import setup_logging
    from .waiting import watch_chain

    if offline and provider:
        raise UsageError("--offline uses only the local analyzer, so it cannot be combined with --provider.",
                         hint="Drop one of them.")  # fmt: skip
    fmt = Format.json if as_json else fmt
    setup_logging(verbose, debug)
    ctx = api.open_context(repo)
    for line in ctx.config.warnings:
        warn(line)
    options = api.ReportOptions(
        offline=offline, providers=tuple(provider or ()), use_cache=not no_cache, refresh=refresh,
        fallback=not no_fallback,
    )  # fmt: skip
    if dry_run:
        return _dry_run(ctx, rev, options, fmt, output)
    if not no_cache:
        keep_fresh(ctx.repo.root, ctx.config)  # what the lean cache-hit path (cli/lean/report.py) reads
    shas = resolve_revs(ctx.repo, rev)
    with watch_chain(quiet):
        results = _generate(ctx, shas, options, fmt, output, quiet, verbose)
    _print(results, fmt, ".." in rev, output)
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


def _generate(ctx: Context, shas: list[str], options: ReportOptions, fmt: Format, output: Path | None,
              quiet: bool, verbose: bool) -> list[ReportResult]:  # fmt: skip
    """Each commit's report, oldest first; jsonl to stdout is written line by line as each is done."""
    from .. import api
    from .render import dumps

    results = []  # a range's commits come from one git stream (generate.pipeline.reports_for_shas)
    for result in _progress(api.reports_for_shas(ctx, shas, options), quiet, total=len(shas)):
        if verbose and result.cached:
            warn(f"stepper: {result.commit[:12]}: a cache hit ({result.provider}); --refresh regenerates it.")
        if fmt is Format.jsonl and output is None:
            sys.stdout.write(dumps(result.to_json(), indent=None) + "\n")
            sys.stdout.flush()
        results.append(result)
    return results


def _print(results: list[ReportResult], fmt: Format, as_list: bool, output: Path | None) -> None:
    from .render import print_rich_markdown, render_reports, report_markdown

    if fmt is Format.jsonl and output is None:
        return  # already streamed
    if fmt is Format.text and output is None and is_tty():
        if as_list and results:
            from .render import overview_markdown

            print_rich_markdown(overview_markdown([r.to_json() for r in results]))
        for r in results:
            print_rich_markdown(report_markdown(r))
        return
    if results or fmt in (Format.json, Format.jsonl):
        emit(render_reports([r.to_json() for r in results], fmt.value, as_list), output)


def _dry_run(ctx: Context, rev: str, options: ReportOptions, fmt: Format, output: Path | None) -> int:
    from .. import api
    from .render import dumps

    plans = api.dry_run(ctx, rev, options)
    if fmt is Format.jsonl:
        emit("\n".join(dumps(p.to_json(), indent=None) for p in plans), output)
    elif fmt is Format.json:
        emit(dumps([p.to_json() for p in plans] if ".." in rev else plans[0].to_json()), output)
    else:
        emit("\n".join(p.to_text() for p in plans), output)
    return 0


def _progress(items: Iterable[T], quiet: bool, total: int | None = None) -> Iterable[T]:
    """A progress bar on stderr for a range (of `total` items, or of the list given), on a terminal only (rich
    honours NO_COLOR)."""
    total = len(items) if total is None and isinstance(items, Sized) else total or 0
    if total < 2 or quiet or not is_tty(sys.stderr):
        return items
    from rich.console import Console
    from rich.progress import track

    return track(items, total=total, description="Reports", transient=True, console=Console(stderr=True))
