"""Options shared by the commands, and writing output to stdout or --output (made safe for a terminal)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from .lean.output import emit, emit_json, is_tty, setup_logging, warn

__all__ = ["emit", "emit_json", "is_tty", "setup_logging", "warn"]  # the Typer-free helpers, shared


class Format(enum.StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"
    jsonl = "jsonl"


RepoOpt = Annotated[
    Path, typer.Option("--repo", metavar="PATH", help="The repository.", show_default="the current folder")
]
FormatOpt = Annotated[
    Format,
    typer.Option("--format", "-f", metavar="FORMAT", help="text, markdown, json, or jsonl (one report a line)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only what scripts need.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Log each step to stderr.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", metavar="FILE", help="Write the output to this file instead of stdout."),
]
