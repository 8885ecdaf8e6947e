"""Writing output without Typer: stdout or --output (made safe for a terminal), warnings, whether a stream is
a terminal, log lines. The Typer command modules use these too (cli/common.py re-exports them).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any


def is_tty(stream: Any = None) -> bool:
    """Whether rich output is wanted on this stream (a terminal, and not TERM=dumb)."""
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)()) and os.environ.get("TERM") != "dumb"


def emit(text: str, output: Path | None = None) -> None:
    """Print text, or write it to --output (creating or replacing the file); terminal controls removed.

    A path the user gave that cannot be written is a usage error (exit 2), for every command.
    """
    from ...report.safe_text import clean

    text = clean(text)  # JSON from render.dumps holds no raw control characters, so it passes unchanged
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        return
    from ...errors import UsageError

    try:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"Cannot write --output {output}: {exc.strerror or exc}.", hint="") from exc


def emit_json(data: Any, output: Path | None = None) -> None:
    """Print data as indented JSON."""
    from ..render import dumps

    emit(dumps(data), output)


def warn(message: str) -> None:
    """A one-line warning on stderr (it may quote a stored error: terminal controls removed)."""
    from ...report.safe_text import clean

    print(clean(message), file=sys.stderr)


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
