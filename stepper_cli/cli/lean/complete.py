"""Shell completion without Typer: one TAB costs a few `python -c pass`, not a Typer start-up.

The completion scripts in completions/ are Typer's: at each TAB they run `stepper` with
`_STEPPER_COMPLETE=complete_<shell>` and the words typed so far. This module answers from the argument table
(args.py) the way Typer would (the same candidates, in the same order, in each shell's format): subcommands
with their short help, options not given yet, an option's choices, and what a parameter's completion function
returns (named in the table; it is called here as Typer would call it). What it cannot answer for sure (an
unknown word, a function that wants Typer's context, help text with markup or long enough for rich to wrap
it in zsh and fish) answers None, and Typer does it.
"""

from __future__ import annotations

import importlib
import os
import re
import shlex
import sys
from typing import Any

from .args import commands

HELP_OPTION = {
    "name": "help",
    "kind": "flag",
    "opts": ["-h", "--help"],
    "off": [],
    "help": "Show this message and exit.",
}
Item = tuple[str, str]  # (value, help)
_SPACE = re.compile(r"\s")


def complete(instruction: str) -> int | None:
    """Print the candidates for `_STEPPER_COMPLETE=instruction` (complete_bash|zsh|fish); None: ask Typer."""
    shell = instruction.removeprefix("complete_")
    if shell not in ("bash", "zsh", "fish"):
        return None
    args, incomplete = _words(shell)
    items = candidates(args, incomplete)
    if items is None or any("[" in help or (shell != "bash" and len(help) > 70) for _, help in items):
        return None  # rich markup, or a help line rich would wrap: Typer renders those
    if shell == "fish":
        return _fish(items)
    sys.stdout.write(("\n".join(v for v, _ in items) if shell == "bash" else _zsh(items)) + "\n")
    sys.stdout.flush()
    return 0


def candidates(args: list[str], incomplete: str) -> list[Item] | None:
    """What completes `incomplete` after args (the words between `stepper` and it), as Typer would offer."""
    state = _walk(args)
    if state is None:
        return None
    path, used, positionals = state
    table = commands()[path]
    params = [*table["params"], HELP_OPTION]
    if incomplete == "=":
        incomplete = ""
    elif "=" in incomplete and incomplete.startswith("-"):
        name, _, incomplete = incomplete.partition("=")
        args = [*args, name]
    if "--" not in args and incomplete.startswith("-"):
        return _subcommands(path, incomplete) + _options(params, used, incomplete)
    waiting = _value_of(params, args)
    if waiting is not None:
        return _values(waiting, args, incomplete)
    arguments = [p for p in params if p.get("argument")]
    if positionals < len(arguments):
        return _values(arguments[positionals], args, incomplete)
    found = _subcommands(path, incomplete)
    return found + (_options(params, used, incomplete) if incomplete and not incomplete[0].isalnum() else [])


def _walk(args: list[str]) -> tuple[str, set[str], int] | None:
    """(command path, parameters given, positional words) after args; None when Typer should judge."""
    path, used, positionals, rest = "", set[str](), 0, list(args)
    while rest:
        word = rest.pop(0)
        table = commands()[path]
        if word == "--":
            positionals += len(rest)
            break
        if word.startswith("-") and word != "-":
            param = _option(table["params"], word.partition("=")[0] if word.startswith("--") else word)
            if param is None and word not in HELP_OPTION["opts"]:
                return None
            if param is not None:
                used.add(param["name"])
                if param["kind"] != "flag" and "=" not in word and rest:
                    rest.pop(0)
        elif table["commands"]:
            if word not in table["commands"]:
                return None
            path, used, positionals = f"{path} {word}".strip(), set(), 0
        else:
            positionals += 1
    return path, used, positionals


def _option(params: list[dict[str, Any]], word: str) -> dict[str, Any] | None:
    return next((p for p in params if word in p.get("opts", ()) or word in p.get("off", ())), None)


def _value_of(params: list[dict[str, Any]], args: list[str]) -> dict[str, Any] | None:
    """The option whose value is being typed (the last word is an option that takes one)."""
    if not args or not args[-1].startswith("-"):
        return None
    param = _option(params, args[-1])
    return param if param is not None and param["kind"] != "flag" else None


def _subcommands(path: str, incomplete: str) -> list[Item]:
    names = commands()[path]["commands"]
    return [(n, commands()[f"{path} {n}".strip()]["short"]) for n in names if n.startswith(incomplete)]


def _options(params: list[dict[str, Any]], used: set[str], incomplete: str) -> list[Item]:
    return [
        (word, p.get("help", ""))
        for p in params
        if "opts" in p and (p.get("multiple") or p["name"] not in used)
        for word in (*p["opts"], *p["off"])
        if word.startswith(incomplete)
    ]


def _values(param: dict[str, Any], args: list[str], incomplete: str) -> list[Item] | None:
    """A parameter's candidates: its completion function's, or its choices."""
    if "complete" in param:
        return _call(param["complete"], args, incomplete)
    if param["kind"] == "choice":
        return [(c, "") for c in param["choices"] if c.startswith(incomplete)]
    return []  # zsh then offers files; bash and fish their defaults


def _call(target: str, args: list[str], incomplete: str) -> list[Item] | None:
    """Call a Typer `autocompletion` function the way Typer does: by its parameters' names and types."""
    module, _, name = target.partition(":")
    fn = getattr(importlib.import_module(module), name)
    code, notes = fn.__code__, getattr(fn, "__annotations__", {})
    given: dict[str, Any] = {}
    for arg in code.co_varnames[: code.co_argcount]:
        note = str(notes.get(arg, ""))
        if arg == "ctx" or "Context" in note:
            return None  # it wants Typer's context: Typer answers
        given[arg] = args if arg == "args" or note.startswith(("list", "List")) else incomplete
    found = []
    for c in fn(**given):
        value, help = (c[0], c[1]) if isinstance(c, tuple) else (c, "")
        if value.startswith(incomplete):
            found.append((value, help or ""))
    return found


def _words(shell: str) -> tuple[list[str], str]:
    """(the words before the one being completed, that word), as each shell's script passes them."""
    if shell == "bash":
        words = _split(os.environ.get("COMP_WORDS", ""))
        at = int(os.environ.get("COMP_CWORD", "0") or 0)
        return words[1:at], words[at] if at < len(words) else ""
    line = os.environ.get("_TYPER_COMPLETE_ARGS", "")
    words = _split(line)[1:]
    if words and not line.endswith(" "):
        return words[:-1], words[-1]
    return words, ""


def _split(line: str) -> list[str]:
    """Split like a shell, keeping an unfinished quoted word (as Typer's split_arg_string does)."""
    lex = shlex.shlex(line, posix=True)
    lex.whitespace_split = True
    lex.commenters = ""
    out: list[str] = []
    try:
        out.extend(lex)
    except ValueError:
        out.append(lex.token)
    return out


def _zsh(items: list[Item]) -> str:
    if not items:
        return "_files"

    def escape(s: str) -> str:
        return s.replace('"', '""').replace("'", "''").replace("$", "\\$").replace("`", "\\`").replace(":", r"\\:")

    lines = [f'"{escape(v)}":"{escape(h)}"' if h else f'"{escape(v)}"' for v, h in items]
    return "_arguments '*: :((" + "\n".join(lines) + "))'"


def _fish(items: list[Item]) -> int:
    action = os.environ.get("_TYPER_COMPLETE_FISH_ACTION", "")
    if action == "is-args":
        return 0 if items else 1
    lines = [f"{v}\t{_SPACE.sub(' ', h)}" if h else v for v, h in items]
    shown = "\n".join(lines) if action == "get-args" else ""
    sys.stdout.write(shown + "\n")
    sys.stdout.flush()
    return 0
