"""The project's own checks run with the suite, so one command runs what CI runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = BIN / name
    if not found.exists():
        which = shutil.which(name)
        if which is None:
            pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
        return which
    return str(found)


def test_ruff_finds_no_lint_errors() -> None:
    proc = subprocess.run([tool("ruff"), "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_code_is_formatted_by_ruff() -> None:
    proc = subprocess.run(
        [tool("ruff"), "format", "--check", "stepper_cli", "tests", "benchmarks", "scripts"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict_passes_on_the_package() -> None:
    proc = subprocess.run([tool("mypy")], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
