"""`git rebase -f HEAD~40` with stepper's hooks installed ÷ without, in one run; target ≤ 1.3×.

Two scratch repositories with the same 41 commits, one with `stepper hook install` (the defaults: each
post-commit of the rebase does nothing, post-rewrite queues the 40 rewritten commits once, detached). The
rebases take turns; after each hooked one the benchmark waits for the queued jobs, and after every one for a
pause (SETTLE), so that the detached enqueue does not compete with the next timed rebase. Its own time is
reported separately.

A third repository has a post-commit hook that does nothing at all (`exit 0`, in the same shell as
stepper's): git starts a hook process for every commit it makes, so any post-commit hook pays that cost.
Ratios are medians of run-by-run ratios: this machine's disk makes the same rebase take 100 ms in one minute
and 400 ms in the next (a rebase renames a lock file into place for every ref and index it writes, and other
processes' writes delay those). The three take each place in the turn as often. The same is measured again
in memory (a tmpfs, where there is one), where only the CPU sets the pace.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import STEPPER, Result, add_commits, git, scratch

RUNS = 12
COMMITS = 40
SETTLE = 0.5
TARGET = 1.3


MEMORY = Path("/dev/shm")  # a tmpfs, where a rebase's pace is the CPU's alone
MEMORY_RUNS = 6


def run() -> list[Result]:
    disk = measure(None, RUNS)
    results = [
        Result(f"git rebase -f HEAD~{COMMITS} without the hooks", statistics.median(disk.without), "ms"),
        Result(f"git rebase -f HEAD~{COMMITS} with the hooks", statistics.median(disk.with_hook), "ms"),
        Result("  with ÷ without", disk.ratio, "×", f"≤ {TARGET:g}×", disk.ratio <= TARGET),
        Result("  a do-nothing post-commit (exit 0) ÷ without", disk.floor, "×", note=FLOOR_NOTE),
    ]
    if MEMORY.is_dir() and os.access(MEMORY, os.W_OK):
        memory = measure(str(MEMORY), MEMORY_RUNS)
        note = f"{statistics.median(memory.without):.0f} → {statistics.median(memory.with_hook):.0f} ms"
        results += [
            Result("in memory (tmpfs): with ÷ without", memory.ratio, "×", note=note),
            Result("  a do-nothing post-commit (exit 0) ÷ without", memory.floor, "×", note=FLOOR_NOTE),
        ]
    results.append(Result("detached enqueue of the 40 commits (after)", statistics.median(disk.queued), "ms",
                          note="off the rebase's path, one process"))  # fmt: skip
    return results


FLOOR_NOTE = "git starts a post-commit hook for every commit it makes; any hook pays that"


@dataclass
class Series:
    """The rebase times (ms) of the three repositories, and the detached enqueue's after each hooked one."""

    without: list[float] = field(default_factory=list)
    nothing: list[float] = field(default_factory=list)
    with_hook: list[float] = field(default_factory=list)
    queued: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return paired(self.with_hook, self.without)

    @property
    def floor(self) -> float:
        return paired(self.nothing, self.without)


def measure(where: str | None, runs: int) -> Series:
    """Three repositories of the same commits under `where` (None: the temp dir), rebased in turns."""
    with scratch(commits=COMMITS + 1, where=where) as hooked:
        plain, floor = hooked.parent / "plain", hooked.parent / "floor"
        for repo in (plain, floor):
            git("init", "-q", "-b", "main", str(repo), cwd=hooked.parent)
            add_commits(repo, COMMITS + 1)
        nothing_hook = floor / ".git" / "hooks" / "post-commit"
        nothing_hook.write_text("#!/bin/sh\nexit 0\n")
        nothing_hook.chmod(0o755)
        subprocess.run([STEPPER, "hook", "install", "--quiet"], cwd=hooked, check=True, capture_output=True)
        series = Series()
        turns = [(floor, series.nothing), (plain, series.without), (hooked, series.with_hook)]
        for i in range(runs):  # each repository takes each place in turn
            for repo, samples in turns[i % 3 :] + turns[: i % 3]:
                samples.append(timed_rebase(repo))
                if repo == hooked:
                    series.queued.append(wait_for_jobs(COMMITS * (i + 1)))
                time.sleep(SETTLE)
    return series


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
