"""What the benchmarks share: a scratch STEPPER_HOME and repository, timing of whole processes, results."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

PYTHON = sys.executable  # the venv's interpreter for both sides of every ratio
STEPPER = str(Path(PYTHON).parent / "stepper")  # the console script a git hook runs


@dataclass(frozen=True)
class Result:
    """One measured line: a value, and how it compares with its target."""

    name: str
    value: float
    unit: str
    target: str = ""
    ok: bool | None = None
    note: str = ""

    def line(self) -> str:
        verdict = "" if self.ok is None else ("  ok" if self.ok else "  MISSED")
        target = f"  (target {self.target})" if self.target else ""
        note = f"  {self.note}" if self.note else ""
        return f"{self.name:<44} {self.value:>9.2f} {self.unit:<6}{target}{verdict}{note}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@contextmanager
def scratch(commits: int, where: str | None = None) -> Iterator[Path]:
    """A repository with `commits` commits and its own STEPPER_HOME (and no user config), for one benchmark,
    in a new directory under `where` (None: the temp dir)."""
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="stepper-bench-", dir=where) as tmp:
        root = Path(tmp)
        os.environ.update(STEPPER_HOME=str(root / "home"), HOME=str(root), XDG_CONFIG_HOME=str(root / "config"),
                          GIT_CONFIG_NOSYSTEM="1")  # fmt: skip
        os.environ.update(GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="b@example.com",
                          GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="b@example.com")  # fmt: skip
        for name in [k for k in os.environ if k.startswith("STEPPER_") and k != "STEPPER_HOME"]:
            del os.environ[name]
        repo = root / "repo"
        git("init", "-q", "-b", "main", str(repo), cwd=root)
        if commits:
            add_commits(repo, commits)
        try:
            yield repo
        finally:
            os.environ.clear()
            os.environ.update(saved)


def add_commits(repo: Path, count: int) -> None:
    """Commit f0.py, f1.py, ... one per commit, in one `git fast-import` (hundreds of commits in a second)."""
    stream = []
    for i in range(count):
        message, data = f"feat: change {i}\n".encode(), f"def f{i}():\n    return {i}\n".encode()
        stream += [b"commit refs/heads/main\n", f"committer bench <b@example.com> {1_700_000_000 + i} +0000\n".encode()]
        stream += [f"data {len(message)}\n".encode(), message, f"M 100644 inline f{i}.py\n".encode()]
        stream += [f"data {len(data)}\n".encode(), data, b"\n"]
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(stream), check=True)
    git("reset", "-q", "--hard", "main", cwd=repo)


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def shas(repo: Path) -> list[str]:
    """Every commit of the repository, oldest first."""
    return git("rev-list", "--reverse", "HEAD", cwd=repo).split()


def time_process(argv: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    """Wall time of one whole process, in seconds (output discarded; a failure stops the benchmark)."""
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - started


def median_ms(samples: Sequence[float]) -> float:
    return statistics.median(samples) * 1000


def side_by_side(runs: int, **measures: Callable[[], float]) -> dict[str, float]:
    """Take turns running each measure (seconds) `runs` times, so machine noise hits all alike; median ms each."""
    samples: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(runs):
        for name, measure in measures.items():
            samples[name].append(measure())
    return {name: median_ms(values) for name, values in samples.items()}


def python_pass(cwd: Path) -> Callable[[], float]:
    """The baseline of every whole-process ratio: `python -c pass` with the venv's interpreter."""
    return lambda: time_process([PYTHON, "-c", "pass"], cwd)
