"""`git rebase -f HEAD~40` with stepper's hooks installed ÷ without, in one run; target ≤ 1.3×.

Two scratch repositories with the same 41 commits, one with `stepper hook install` (the defaults: each
post-commit of the rebase does nothing, post-rewrite queues the 40 rewritten commits once, detached). The
rebases take turns; after each hooked one the benchmark waits for the queued jobs and a pause (SETTLE), so
that the detached enqueue does not compete with the next timed rebase. Its own time is reported separately.

A third repository has a post-commit hook that does nothing at all (`true`): the floor. git starts a hook
process for every commit it makes, so any post-commit hook pays that cost. Ratios are medians of run-by-run
ratios: this machine's disk makes the same rebase take 100 ms in one minute and 400 ms in the next.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from benchmarks.common import STEPPER, Result, add_commits, git, scratch

RUNS = 11
COMMITS = 40
SETTLE = 0.3
TARGET = 1.3


def run() -> list[Result]:
    with scratch(commits=COMMITS + 1) as hooked:
        plain = hooked.parent / "plain"
        git("init", "-q", "-b", "main", str(plain), cwd=hooked.parent)
        add_commits(plain, COMMITS + 1)
        floor = hooked.parent / "floor"
        git("init", "-q", "-b", "main", str(floor), cwd=hooked.parent)
        add_commits(floor, COMMITS + 1)
        os.symlink(shutil.which("true") or "/bin/true", floor / ".git" / "hooks" / "post-commit")
        subprocess.run([STEPPER, "hook", "install", "--quiet"], cwd=hooked, check=True, capture_output=True)
        without, nothing, with_hook, queued = [], [], [], []
        for i in range(RUNS):  # the plain rebase between the other two: each ratio is of neighbours in time
            nothing.append(timed_rebase(floor))
            without.append(timed_rebase(plain))
            with_hook.append(timed_rebase(hooked))
            queued.append(wait_for_jobs(COMMITS * (i + 1)))
            time.sleep(SETTLE)
    plain_ms, hooked_ms = statistics.median(without), statistics.median(with_hook)
    ratio, floor = paired(with_hook, without), paired(nothing, without)
    return [
        Result(f"git rebase -f HEAD~{COMMITS} without the hooks", plain_ms, "ms"),
        Result(f"git rebase -f HEAD~{COMMITS} with the hooks", hooked_ms, "ms"),
        Result("  with ÷ without", ratio, "×", f"≤ {TARGET:g}×", ratio <= TARGET),
        Result(
            "  a do-nothing post-commit (true) ÷ without",
            floor,
            "×",
            note="the floor: git starts a post-commit hook for every commit it makes",
        ),
        Result(
            "detached enqueue of the 40 commits (after)",
            statistics.median(queued),
            "ms",
            note="off the rebase's path, one process",
        ),
    ]


def paired(samples: list[float], baseline: list[float]) -> float:
    """The median of the run-by-run ratios (the machine's pace drifts between runs; a pair shares it)."""
    return statistics.median(a / b for a, b in zip(samples, baseline, strict=True))


def timed_rebase(repo: Path) -> float:
    """Time one `git rebase -f HEAD~N` (ms); the commit dates move, so every run makes new commits."""
    time.sleep(1.0 - time.time() % 1.0)  # a new second: new committer dates, new commits
    start = time.perf_counter()
    git("rebase", "-q", "-f", f"HEAD~{COMMITS}", cwd=repo)
    return (time.perf_counter() - start) * 1000


def wait_for_jobs(count: int, timeout: float = 60) -> float:
    """Wait until the ledger holds count jobs; the time it took (ms)."""
    from stepper_cli.jobs.ledger import Ledger
    from stepper_cli.store import open_store

    start = time.perf_counter()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open_store() as store:
            if len(Ledger(store).jobs()) >= count:
                break
        time.sleep(0.02)
    return (time.perf_counter() - start) * 1000
