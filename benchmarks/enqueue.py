"""Whole-process `stepper enqueue` (the git-hook path) against `python -c pass`; target ≤ 4×.

Both run with the venv's interpreter, taking turns. The state exists already (an earlier commit was enqueued),
as it does for a hook; each timed run enqueues a new commit, then the same one again (a duplicate). For
comparison, the naive path: the Typer command line, the full pydantic-settings load and huey (with its redis
import) for the push.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from benchmarks.common import PYTHON, STEPPER, Result, python_pass, scratch, shas, side_by_side, time_process

RUNS = 15
TARGET = 4.0
NAIVE = "import sys, typer, huey; from stepper_cli import api; api.enqueue_report(sys.argv[1])"


def run() -> list[Result]:
    with scratch(commits=3 * RUNS + 1) as repo:
        commits = shas(repo)
        time_process([STEPPER, "enqueue", commits[0], "--quiet"], repo)  # creates the queue and the snapshot
        new, again, naive = iter(commits[1 : 1 + RUNS]), iter(commits[1 : 1 + RUNS]), iter(commits[1 + RUNS :])
        ms = side_by_side(
            RUNS,
            base=python_pass(repo),
            queued=_each(new, lambda sha: [STEPPER, "enqueue", sha, "--quiet"], repo),
            duplicate=_each(again, lambda sha: [STEPPER, "enqueue", sha, "--quiet"], repo),
            naive=_each(naive, lambda sha: [PYTHON, "-c", NAIVE, sha], repo),
        )
    base, dupes = ms["base"], ms["duplicate"] / ms["base"]
    return [
        Result("python -c pass", base, "ms"),
        Result("stepper enqueue (new commit → queued)", ms["queued"], "ms"),
        Result("  ratio to python -c pass", ms["queued"] / base, "×", f"≤ {TARGET:g}×", ms["queued"] / base <= TARGET),
        Result(
            "stepper enqueue (again → duplicate)",
            dupes,
            "×",
            f"≤ {TARGET:g}×",
            dupes <= TARGET,
            f"{ms['duplicate']:.0f} ms",
        ),
        Result("naive path: Typer + settings + huey (before)", ms["naive"] / base, "×", note=f"{ms['naive']:.0f} ms"),
    ]


def _each(items: Iterator[str], argv: Callable[[str], list[str]], cwd: Path) -> Callable[[], float]:
    """A measure that times one process per call, on the next item."""
    return lambda: time_process(argv(next(items)), cwd)
