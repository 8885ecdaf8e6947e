"""Options shared by the commands, and writing output to stdout or --output."""

from __future__ import annotations

import enum
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer


class Format(enum.StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


RepoOpt = Annotated[Path, typer.Option("--repo", help="Repository path (default: the current folder).")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only what scripts need.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Log each step to stderr.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the output to this file instead of stdout.")
]


def is_tty(stream: Any = None) -> bool:
    """Whether rich output is wanted on this stream (a terminal, and not TERM=dumb)."""
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)()) and os.environ.get("TERM") != "dumb"


def emit(text: str, output: Path | None = None) -> None:
    """Print text, or write it to --output (creating or replacing the file)."""
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        return
    from ..errors import UsageError

    try:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"Cannot write --output {output}: {exc.strerror or exc}.", hint="") from exc


def emit_json(data: Any, output: Path | None = None) -> None:
    """Print data as indented JSON."""
    emit(json.dumps(data, indent=2, ensure_ascii=False), output)


def warn(message: str) -> None:
    """A one-line warning on stderr."""
    print(message, file=sys.stderr)


def setup_logging(verbose: bool, debug: bool) -> None:
    """Send stepper's log lines to stderr with --verbose (INFO) or --debug (DEBUG)."""
    if not (verbose or debug):
        return
    import logging

    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format="stepper: %(message)s",
        stream=sys.stderr,
    )
    # httpcore's debug trace prints raw response headers, where a server may echo the API key back
    logging.getLogger("httpcore").setLevel(logging.INFO)
