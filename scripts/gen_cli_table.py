"""Regenerate stepper_cli/cli/lean/table.json and help.json from the Typer app; `--check`: exit 1 if stale.

    python scripts/gen_cli_table.py          # rewrite the file
    python scripts/gen_cli_table.py --check  # CI / tests: compare only

The Typer declarations in stepper_cli/cli/ are the one place a command's arguments and options are declared.
This table is derived from them so that the Typer-free entry (stepper_cli/cli/lean/) parses, completes and
prints help without loading Typer: for every command, its subcommands in order and short help, each
parameter's name, option words, kind, default, choices, bounds and completion function, and the help text
Typer prints (at 80 columns, plain and coloured).
"""

from __future__ import annotations

import enum
import json
import os
import sys
import typing
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PATH = ROOT / "stepper_cli" / "cli" / "lean" / "table.json"
HELP = PATH.with_name("help.json")
WIDTH = "80"


def texts() -> dict[Path, str]:
    """The table and the help texts, as their files hold them (the help is read only for --help)."""
    for name in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "GITHUB_ACTIONS", "PY_COLORS"):
        os.environ.pop(name, None)
    os.environ.update(TERMINAL_WIDTH=WIDTH, TERM="xterm-256color")  # typer reads them as it is imported
    sys.path.insert(0, str(ROOT))
    import typer.main

    from stepper_cli.cli.app import build_app

    app = build_app()
    commands: dict[str, Any] = {}
    _walk(typer.main.get_command(app), (), commands)
    usage = {name: {"plain": _help(app, name, False), "colour": _help(app, name, True)} for name in commands}
    return {PATH: _dump({"commands": commands}), HELP: _dump({"usage": usage})}


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def _walk(command: Any, path: tuple[str, ...], out: dict[str, Any]) -> None:
    subs = getattr(command, "commands", None) or {}
    names = [n for n in command.list_commands(None) if not subs[n].hidden] if subs else []  # Typer's order
    out[" ".join(path)] = {
        "short": command.get_short_help_str(),
        "params": [_param(p) for p in command.params if not getattr(p, "hidden", False)],
        "commands": names,
    }
    for name, sub in subs.items():
        _walk(sub, (*path, name), out)


def _param(p: Any) -> dict[str, Any]:
    kind, choices, multiple = _kind(p.type_descriptor.annotation)
    entry: dict[str, Any] = {"name": p.name, "kind": kind, "default": _plain(p.default)}
    if p.param_type_name == "argument":
        entry["argument"] = True
    else:
        entry["opts"] = list(p.opts)
        entry["off"] = list(p.secondary_opts)
        entry["help"] = (p.help or "").strip()
    if multiple:
        entry["multiple"] = True
    callback = getattr(p.type_descriptor.parameter_info, "autocompletion", None)
    if callback is not None:  # the lean entry calls it by name (complete.py); keep such functions Typer-free
        entry["complete"] = f"{callback.__module__}:{callback.__qualname__}"
    if choices:
        entry["choices"] = choices
    for bound in ("min", "max"):
        if getattr(p, bound, None) is not None:
            entry[bound] = getattr(p, bound)
    return entry


def _kind(annotation: Any) -> tuple[str, list[str], bool]:
    """(kind, choices, multiple) of a parameter's annotation."""
    multiple = typing.get_origin(annotation) is list
    if multiple:
        annotation = typing.get_args(annotation)[0]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "choice", [str(m.value) for m in annotation], multiple
    names = {bool: "flag", int: "int", float: "float", Path: "path", str: "str"}
    return names.get(annotation, "str"), [], multiple


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _help(app: Any, name: str, colour: bool) -> str:
    """What `stepper NAME --help` prints at 80 columns (coloured as on a terminal, or plain)."""
    from typer import rich_utils
    from typer.testing import CliRunner

    rich_utils.FORCE_TERMINAL = colour  # read each time typer makes its console; set from FORCE_COLOR at import
    result = CliRunner().invoke(app, [*name.split(), "--help"], prog_name="stepper", color=colour)
    assert result.exit_code == 0, result.output
    return result.stdout


def main(argv: list[str]) -> int:
    stale = {path: text for path, text in texts().items() if not path.exists() or path.read_text("utf-8") != text}
    names = ", ".join(str(path.relative_to(ROOT)) for path in stale)
    if stale and "--check" in argv:
        print(f"stale {names}; run python scripts/gen_cli_table.py", file=sys.stderr)
        return 1
    for path, text in stale.items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
