"""`stepper digest A..B`: one document for a pull request or a release, from the per-commit reports."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Annotated

import typer

from .common import (
    DebugOpt,
    Format,
    FormatOpt,
    JsonOpt,
    OutputOpt,
    QuietOpt,
    RepoOpt,
    VerboseOpt,
    emit,
    is_tty,
    warn,
)  # fmt: skip

EPILOG = """Examples:

  stepper digest main..HEAD --format markdown --output "$GITHUB_STEP_SUMMARY"

  stepper digest v1.2.0..v1.3.0 --offline --format markdown > RELEASE_NOTES.md

  stepper digest HEAD~20..HEAD --json | jq '.digest.breaking'
"""


def register(app: typer.Typer) -> None:
    app.command("digest", epilog=EPILOG)(digest)


def digest(
    spec: Annotated[str, typer.Argument(metavar="RANGE", help="The commits to digest, e.g. main..HEAD or v1.2..v1.3.")],
    repo: RepoOpt = ".",  # type: ignore[assignment]
    fmt: FormatOpt = Format.text,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the cache.")] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="Write the digest again even when cached.")] = False,
    offline: Annotated[bool, typer.Option("--offline", help="Use only the local analyzer.")] = False,
    provider: Annotated[
        list[str] | None, typer.Option("--provider", metavar="NAME", help="Use this chain instead (repeatable).")
    ] = None,
    no_fallback: Annotated[bool, typer.Option("--no-fallback", help="Exit 5 instead of a local digest.")] = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Summarise a range of commits (breaking changes, changes by kind, risks, follow-ups, authors)."""
    from .. import api
    from .common import setup_logging

    setup_logging(verbose, debug)
    ctx = api.open_context(repo)
    with ctx:
        for line in ctx.config.warnings:
            warn(line)
        report_options = api.ReportOptions(
            offline=offline, providers=tuple(provider or ()), use_cache=not no_cache,
            fallback=not no_fallback,
        )  # fmt: skip
        result = api.build_digest(
            ctx, spec, api.DigestOptions(report=report_options, refresh=refresh), _progress(quiet)
        )
    if as_json or fmt in (Format.json, Format.jsonl):
        from ..report.safe_text import escape_json
        from .render import dumps

        text = api.digest_json(result)
        emit(escape_json(text) if fmt is not Format.jsonl else dumps(json.loads(text), indent=None), output)
    elif fmt is Format.markdown:
        emit(api.digest_markdown(result), output)
    else:
        emit(api.digest_text(result), output)


def _progress(quiet: bool) -> Callable[[int, int], None] | None:
    """A one-line counter on stderr while commit reports are written (a terminal only)."""
    if quiet or not is_tty(sys.stderr):
        return None

    def tick(done: int, total: int) -> None:
        end = "\n" if done == total else ""
        print(f"\rstepper: commit reports {done}/{total}", end=end, file=sys.stderr, flush=True)

    return tick
