"""Shell completions: the files in completions/ match what the app generates, and they complete for real."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = str(Path(sys.executable).parent)


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_completions", ROOT / "scripts" / "gen_completions.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_completion_files_are_fresh(shell: str) -> None:
    gen = generator()
    path = ROOT / "completions" / gen.FILES[shell]
    assert path.read_text(encoding="utf-8") == gen.completion_script(shell), (
        "stale: run python scripts/gen_completions.py"
    )


def test_the_zsh_file_starts_with_compdef_so_fpath_autoload_finds_it() -> None:
    assert (ROOT / "completions" / "_stepper").read_text().startswith("#compdef stepper\n")


def bash_complete(words: str) -> list[str]:
    script = (
        f"source '{ROOT / 'completions' / 'stepper.bash'}'\n"
        f"COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1))\n"
        '_stepper_completion stepper\nprintf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(["bash", "--norc", "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completes_commands_subcommands_and_options() -> None:
    assert "hook" in bash_complete("stepper ho")
    assert set(bash_complete("stepper hook ''")) >= {"install", "uninstall", "status"}
    assert "--no-cache" in bash_complete("stepper report --no-c")
    assert "--textfile" in bash_complete("stepper metrics --t")


@pytest.mark.parametrize(("shell", "extra"), [("zsh", {}), ("fish", {"_TYPER_COMPLETE_FISH_ACTION": "get-args"})])
def test_zsh_and_fish_get_candidates_from_the_app(shell: str, extra: dict[str, str]) -> None:
    env = {**os.environ, **extra, "_STEPPER_COMPLETE": f"complete_{shell}", "_TYPER_COMPLETE_ARGS": "stepper hook "}
    proc = subprocess.run([sys.executable, "-m", "stepper_cli"], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "install" in proc.stdout and "uninstall" in proc.stdout
