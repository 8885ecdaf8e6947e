"""The Typer-free entry: what `stepper` runs first, for every command line.

It answers what it can from the argument table (args.py, derived from the Typer declarations): `--help` and
`--version` from the help texts Typer printed when the table was made, shell completion (complete.py), and
the commands whose implementation lives here (`report`, `enqueue`). Those implementations are the only ones:
their Typer commands just call them. Anything else, or any argv the table cannot read for sure, answers None,
and cli/main.py hands the whole command line to Typer. `_STEPPER_NO_LEAN=1` sends everything to Typer.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from .args import commands, parse, usage

HELP = ("--help", "-h")


def dispatch(argv: list[str]) -> int | None:
    """Run argv here and return its exit code, or None to let Typer run it."""
    if os.environ.get("_STEPPER_NO_LEAN") == "1":
        return None
    if "_STEPPER_COMPLETE" in os.environ:
        from .complete import complete

        return complete(os.environ["_STEPPER_COMPLETE"])
    path, rest = _command_path(argv)
    if _wants_help(path, rest):
        return _print_help(path)
    if path == "" and rest == ["--version"]:
        from ... import __version__

        print(f"stepper {__version__}")
        return 0
    runner = _RUNNERS.get(path)
    values = parse(path, rest) if runner is not None else None
    return None if runner is None or values is None else runner(values)


def _command_path(argv: list[str]) -> tuple[str, list[str]]:
    """The leading words that name a command ("config show"), and the words after them."""
    table, path, i = commands(), "", 0
    while i < len(argv) and argv[i] in table[path]["commands"]:
        path, i = f"{path} {argv[i]}".strip(), i + 1
    return path, argv[i:]


def _wants_help(path: str, rest: list[str]) -> bool:
    """`--help` or `-h` among the command's own words (not after `--`, not as an option's value)."""
    before = rest[: rest.index("--")] if "--" in rest else rest
    at = next((i for i, word in enumerate(before) if word in HELP), None)
    if at is None:
        return False
    if at > 0:
        valued = {w for p in commands()[path]["params"] if p["kind"] != "flag" for w in p.get("opts", ())}
        if before[at - 1] in valued:
            return False
    return not commands()[path]["commands"] or at == 0


def _print_help(path: str) -> int:
    """The help Typer prints for this command (coloured on a terminal that wants colour)."""
    colour = sys.stdout.isatty() and os.environ.get("TERM") != "dumb" and not os.environ.get("NO_COLOR")
    sys.stdout.write(usage(path, colour))
    sys.stdout.flush()
    return 0


def _report(values: dict[str, Any]) -> int:
    from .report import ReportArgs, run_report

    return run_report(ReportArgs(**values))


def _enqueue(values: dict[str, Any]) -> int:
    from .enqueue import EnqueueArgs, run_enqueue

    return run_enqueue(EnqueueArgs(**values))


_RUNNERS: dict[str, Callable[[dict[str, Any]], int]] = {"report": _report, "enqueue": _enqueue}
