"""What the post-commit hook adds to `git commit`: median time with the hook minus without, in one run; target ≤ 5 ms.

Two scratch repositories, one with `stepper hook install` (enqueue mode, the default), one without; commits
alternate between them so machine noise hits both alike, with a pause after each pair (SETTLE) so the previous
commit's detached `stepper enqueue` (a Python process) is not competing for the CPU. That detached enqueue runs
after each commit returns; its cost is reported separately (it is not on the commit's path).
"""

from __future__ import annotations

import statistics
import subprocess
import time
from pathlib import Path

from benchmarks.common import STEPPER, Result, git, scratch

COMMITS = 30
SETTLE = 0.5  # seconds between pairs
TARGET_MS = 5.0


def run() -> list[Result]:
    with scratch(commits=1) as hooked:
        plain = hooked.parent / "plain"
        git("init", "-q", "-b", "main", str(plain), cwd=hooked.parent)
        timed_commit(plain, -1)
        subprocess.run([STEPPER, "hook", "install", "--quiet"], cwd=hooked, check=True, capture_output=True)
        without, with_hook = [], []
        for i in range(COMMITS):
            without.append(timed_commit(plain, i))
            with_hook.append(timed_commit(hooked, i))
            time.sleep(SETTLE)
        wait_for_jobs(COMMITS)
        start = time.perf_counter()
        subprocess.run([STEPPER, "enqueue", "--quiet", "HEAD"], cwd=hooked, check=True, capture_output=True)
        background = (time.perf_counter() - start) * 1000
    plain_ms, hooked_ms = statistics.median(without), statistics.median(with_hook)
    overhead = hooked_ms - plain_ms
    return [
        Result("git commit without the hook", plain_ms, "ms"),
        Result("git commit with the hook (enqueue mode)", hooked_ms, "ms"),
        Result("  hook overhead (with minus without)", overhead, "ms", f"≤ {TARGET_MS:g} ms", overhead <= TARGET_MS),
        Result("detached stepper enqueue (off the commit path)", background, "ms"),
    ]


def timed_commit(repo: Path, i: int) -> float:
    """Change a file, stage it, and time only the `git commit` (ms)."""
    (repo / "a.txt").write_text(f"{i + 1}\n")
    git("add", "a.txt", cwd=repo)
    start = time.perf_counter()
    git("commit", "-q", "-m", f"change {i}", cwd=repo)
    return (time.perf_counter() - start) * 1000


def wait_for_jobs(count: int, timeout: float = 60) -> None:
    """Let the detached enqueues finish before the scratch folder goes away."""
    from stepper_cli.jobs.ledger import Ledger
    from stepper_cli.store import open_store

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open_store() as store:
            if len(Ledger(store).jobs()) >= count:
                return
        time.sleep(0.1)
