"""Run the real CLI in-process (fast) or as a subprocess (for exit codes end to end)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from stepper_cli.cli.main import _run
from tests.support.gitutil import GitRepo


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def stepper(*args: str, cwd: Path | None = None) -> Outcome:
    """Run `stepper ARGS` in this process, capturing stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with redirect_stdout(out), redirect_stderr(err):
            code = _run(list(args), debug="--debug" in args)
    finally:
        os.chdir(old)
    return Outcome(code, out.getvalue(), err.getvalue())


def stepper_process(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Outcome:
    """Run `python -m stepper_cli ARGS` as a real process."""
    proc = subprocess.run(
        [sys.executable, "-m", "stepper_cli", *args],
        cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


def cache_and_queue(repo: GitRepo) -> GitRepo:
    """Give the repository a cached report (its first new commit) and a queued job (its second): the store
    and the queue file both exist afterwards."""
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    assert stepper("report", cwd=repo.path).code == 0
    repo.commit("feat: b", ("b.py", "b = 1\n"))
    assert stepper("enqueue", cwd=repo.path).code == 0
    return repo
