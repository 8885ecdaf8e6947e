"""Help that people can read: examples under every command, exit codes at the top, clean metavars, one
default statement per option, nothing cut at 80 columns."""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from stepper_cli.cli.app import build_app
from stepper_cli.cli.helptext import EXIT_CODES


def command_paths() -> list[list[str]]:
    """Every command and group of the app, as argv prefixes."""
    root = typer.main.get_command(build_app())
    found: list[list[str]] = []

    def walk(cmd: Any, path: list[str]) -> None:  # typer's own click: a group is what has .commands
        found.append(path)
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                walk(sub, [*path, name])

    walk(root, [])
    return found


def help_of(path: list[str]) -> str:
    res = CliRunner().invoke(build_app(), [*path, "--help"], prog_name="stepper", terminal_width=80)
    assert res.exit_code == 0, res.output
    return res.output


PATHS = command_paths()


def test_the_app_has_the_commands_of_the_contract() -> None:
    names = {" ".join(p) for p in PATHS}
    assert {"report", "enqueue", "status", "worker", "metrics", "hook install", "config init", "cache show",
            "providers check"} <= names  # fmt: skip


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "stepper")
def test_every_help_has_one_to_three_examples_that_run_stepper(path: list[str]) -> None:
    text = help_of(path)
    block = text.split("Examples:\n", 1)[1].split("\n\n", 1)[0]
    examples = [line.strip() for line in block.splitlines() if line.strip()]
    assert 1 <= len(examples) <= 3 and all(e.startswith("stepper") for e in examples), examples


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "stepper")
def test_help_fits_80_columns_with_clean_metavars_and_one_default(path: list[str]) -> None:
    text = help_of(path)
    assert "<bool>" not in text and "<list[" not in text and "…" not in text
    too_wide = [line for line in text.splitlines() if len(line) > 80]
    assert not too_wide, too_wide
    entries = re.split(r"\n  (?=-)", text)
    assert not [e for e in entries if "(default:" in e and "[default:" in e], "a default stated twice"


def test_the_root_help_lists_every_exit_code() -> None:
    text = help_of([])
    for code, meaning in EXIT_CODES:
        assert re.search(rf"^\s+{code}\s+{re.escape(meaning)}$", text, re.M), (code, text)


def test_hook_install_help_keeps_its_long_option_names_whole_at_80_columns() -> None:
    text = help_of(["hook", "install"])
    assert "--skip-during-rebase / --queue-during-rebase" in text and "--mode MODE" in text


# every command that prints data takes --json (`config trust` gets it with its confirmation prompt, elsewhere)
PRINTS_DATA = ["report", "digest", "enqueue", "status", "worker", "metrics", "config show", "config path",
               "config init", "cache stats", "cache show", "cache clear", "providers", "providers list",
               "providers check", "providers reset", "hook install", "hook uninstall", "hook status"]  # fmt: skip


@pytest.mark.parametrize("command", PRINTS_DATA)
def test_every_command_that_prints_data_takes_json(command: str) -> None:
    assert "--json" in help_of(command.split())
