"""The argument table of every command (table.json, derived from the Typer declarations), its parser, and the
help texts (help.json).

The Typer declarations in cli/ are the one place an argument or option is declared; scripts/gen_cli_table.py
writes each command's parameters (and help texts) to table.json, and a test keeps it fresh. `parse` reads an
argv with that table for the commands the lean entry runs itself, so that a new flag is declared once and
parsed the same way on both paths. Anything it is not sure of (a typo, `-qv`, a value out of range) answers
None, and Typer parses it and says what is wrong. Standard library only.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

TABLE = Path(__file__).with_name("table.json")
HELP = Path(__file__).with_name("help.json")


@cache
def commands() -> dict[str, Any]:
    """Every command (by its words, "" for the root) with its parameters, subcommands and help texts."""
    data: dict[str, Any] = json.loads(TABLE.read_text(encoding="utf-8"))["commands"]
    return data


def usage(command: str, colour: bool) -> str:
    """What Typer prints for `stepper COMMAND --help` (at 80 columns; coloured as for a terminal, or plain)."""
    texts: dict[str, dict[str, str]] = json.loads(HELP.read_text(encoding="utf-8"))["usage"]
    return texts[command]["colour" if colour else "plain"]


def parse(command: str, argv: list[str]) -> dict[str, Any] | None:
    """{parameter name: value} for argv, defaults filled in; None when Typer should parse it."""
    params = commands()[command]["params"]
    values = {p["name"]: _default(p) for p in params}
    by_word = {word: (p, word not in p["off"]) for p in params if "opts" in p for word in (*p["opts"], *p["off"])}
    positional = [p for p in params if p.get("argument")]
    rest = list(argv)
    while rest:
        word = rest.pop(0)
        if word == "--":
            if len(rest) > len(positional):
                return None
            words, rest = rest, []
            for word in words:
                if not _take(values, positional.pop(0), word):
                    return None
        elif word.startswith("-") and word != "-":
            name, eq, given = word.partition("=")
            found = by_word.get(name if name.startswith("--") else word)
            if found is None:
                return None
            param, on = found
            if param["kind"] == "flag":
                if eq:
                    return None
                values[param["name"]] = on
                continue
            if not eq and not rest:
                return None
            value = _convert(param, given if eq else rest.pop(0))
            if value is None:
                return None
            values[param["name"]] = [*(values[param["name"]] or []), value] if param.get("multiple") else value
        elif not (positional and _take(values, positional.pop(0), word)):
            return None
    return values


def _take(values: dict[str, Any], param: dict[str, Any], word: str) -> bool:
    """Set an argument from a word; False when Typer should judge the word."""
    value = _convert(param, word)
    values[param["name"]] = value
    return value is not None


def _default(param: dict[str, Any]) -> Any:
    default = param["default"]
    if param["kind"] == "path" and isinstance(default, str):
        return Path(default)
    return list(default) if isinstance(default, list) else default


def _convert(param: dict[str, Any], word: str) -> Any:
    """The value of one word for a parameter, or None when Typer should judge it."""
    kind = param["kind"]
    if kind == "choice":
        return word if word in param["choices"] else None
    if kind == "path":
        return Path(word) if word else None
    if kind in ("int", "float"):
        try:
            number = int(word) if kind == "int" else float(word)
        except ValueError:
            return None
        low, high = param.get("min"), param.get("max")
        return None if (low is not None and number < low) or (high is not None and number > high) else number
    return word
