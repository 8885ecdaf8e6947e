"""`stepper report [REV | A..B]`: generate reports now (cache first). The options are declared here; the
implementation is cli/lean/report.py, which the lean entry runs without Typer.

Shapes: one revision prints one object (`--format json` or `--json`), a range an array (even of one
commit), `--format jsonl` one compact object a line, each written as soon as its report is done.
"""

from __future__ import annotations

from typing import Annotated

import typer

from .common import DebugOpt, Format, FormatOpt, OutputOpt, QuietOpt, RepoOpt, VerboseOpt
from .complete import provider_names, revisions
from .helptext import examples

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
    params = dict(locals())  # exactly the declared parameters: nothing else is bound yet
    from .lean.report import ReportArgs, run_report

    return run_report(ReportArgs(**params))  # the one implementation (the lean entry calls it too)
