"""Fault drill: the store's and the queue's SQLite files locked by another process for 3 s.

stepper waits (SQLite's busy timeout) and proceeds; past its timeout it exits 7 with a sentence naming the
file, never a traceback, and leaves no half-written state: no job without its message, no pending cache entry.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from stepper_cli.jobs import transport as queue
from stepper_cli.store import files
from tests.support.cli_run import stepper, stepper_process
from tests.support.gitutil import GitRepo
from tests.support.queuekit import jobs, reports

LOCK_SECONDS = 3.0
HOLDER = """
import sqlite3, sys, time
conns = [sqlite3.connect(path, timeout=10, isolation_level=None) for path in sys.argv[2:]]
for conn in conns:
    conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[1]))
for conn in conns:
    conn.execute("COMMIT")
"""


@contextmanager
def locked(*paths: Path, seconds: float = LOCK_SECONDS) -> Iterator[subprocess.Popen[str]]:
    """Another process holds BEGIN EXCLUSIVE on each file for `seconds` (or until the block ends)."""
    argv = [sys.executable, "-c", HOLDER, str(seconds), *map(str, paths)]
    holder = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield holder
    finally:
        holder.terminate()
        holder.wait(timeout=10)


@pytest.fixture
def state(repo: GitRepo, isolated_env: Path) -> tuple[Path, Path]:
    """A repository whose first commit was enqueued, so that the store and the queue files exist."""
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    assert stepper("enqueue", cwd=repo.path).code == 0
    repo.commit("feat: b", ("b.py", "b = 1\n"))
    return isolated_env / "store" / "cache.db", isolated_env / "queue.db"


@pytest.fixture
def short_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite gives up after 1 s instead of 10 (in this process), so the lock outlasts the timeout."""
    monkeypatch.setattr(queue, "BUSY_TIMEOUT", 1.0)
    init = files.FileStore.__init__

    def quick(self: files.FileStore, directory: Path, *, timeout: float = 10.0) -> None:
        init(self, directory, timeout=1.0)

    monkeypatch.setattr(files.FileStore, "__init__", quick)


def test_enqueue_and_report_wait_for_a_lock_and_proceed(repo: GitRepo, state: tuple[Path, Path]) -> None:
    with locked(*state):
        started = time.monotonic()
        queued = stepper_process("enqueue", "--json", cwd=repo.path)
        waited = time.monotonic() - started
    assert waited > 1.0  # it could not write before the other process let go
    assert queued.code == 0 and '"status": "queued"' in queued.out, queued.err
    with locked(*state):
        report = stepper_process("report", "HEAD~1", "--format", "json", cwd=repo.path)
    assert report.code == 0 and '"commit"' in report.out, report.err
    assert sorted(j["state"] for j in jobs()) == ["queued", "queued"]
    assert [e["state"] for e in reports() if e.get("result")] == ["ready"]


def test_past_the_timeout_enqueue_exits_7_and_leaves_nothing_half_done(
    repo: GitRepo, state: tuple[Path, Path], short_timeouts: None
) -> None:
    before, head = jobs(), repo.head()
    for paths in ([state[0]], [state[1]], list(state)):  # the store, the queue, both
        with locked(*paths):
            out = stepper("enqueue", "--json", cwd=repo.path)
        assert out.code == 7, out
        assert "stayed locked" in out.err and any(str(p) in out.err for p in paths) and "Traceback" not in out.err
        assert jobs() == before  # no job record left without its message
        assert [e for e in reports() if e["commit"] == head] == []  # and no cache entry claimed by one
        assert queue.open_huey("").storage.queue_size() == 1
    assert stepper("enqueue", "--json", cwd=repo.path).code == 0  # the lock gone, the same command works


def test_past_the_timeout_report_exits_7_without_a_cache_entry(
    repo: GitRepo, state: tuple[Path, Path], short_timeouts: None
) -> None:
    with locked(state[0]):
        out = stepper("report", cwd=repo.path)
    assert out.code == 7 and str(state[0]) in out.err and "Traceback" not in out.err, out
    assert [e for e in reports() if e["commit"] == repo.head()] == []
    after = stepper("report", "--format", "json", cwd=repo.path)
    assert after.code == 0 and [e["state"] for e in reports() if e["commit"] == repo.head()] == ["ready"]
