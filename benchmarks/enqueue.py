"""Whole-process `stepper enqueue` (the git-hook path) against `python -c pass`; target ≤ 8×.

Both run with the venv's interpreter. The state exists already (an earlier commit was enqueued), as it does
for a hook; each timed run enqueues a new commit. For comparison, the naive path: the Typer command line,
the full pydantic-settings load and huey (with its redis import) for the push.
"""

from __future__ import annotations

from benchmarks.common import PYTHON, STEPPER, Result, median_ms, scratch, shas, time_process

RUNS = 15
TARGET = 8.0
NAIVE = "import sys, typer, huey; from stepper_cli import api; api.enqueue_report(sys.argv[1])"


def run() -> list[Result]:
    with scratch(commits=3 * RUNS + 1) as repo:
        commits = shas(repo)
        time_process([STEPPER, "enqueue", commits[0], "--quiet"], repo)  # creates the queue and the snapshot
        base = median_ms([time_process([PYTHON, "-c", "pass"], repo) for _ in range(RUNS)])
        new = commits[1 : 1 + RUNS]
        queued = median_ms([time_process([STEPPER, "enqueue", sha, "--quiet"], repo) for sha in new])
        dupes = median_ms([time_process([STEPPER, "enqueue", sha, "--quiet"], repo) for sha in new])
        naive = median_ms([time_process([PYTHON, "-c", NAIVE, sha], repo) for sha in commits[1 + RUNS : 1 + 2 * RUNS]])
    return [
        Result("python -c pass", base, "ms"),
        Result("stepper enqueue (new commit → queued)", queued, "ms"),
        Result("  ratio to python -c pass", queued / base, "×", f"≤ {TARGET:g}×", queued / base <= TARGET),
        Result("stepper enqueue (again → duplicate)", dupes / base, "×", f"≤ {TARGET:g}×", dupes / base <= TARGET),
        Result("naive path: Typer + settings + huey (before)", naive / base, "×", note=f"{naive:.0f} ms"),
    ]
