"""Fault drill: the disk fills up while a report is written.

stepper exits 7 with a sentence saying the disk is full, and the store holds no half-written entry: every
entry still reads, the commit's entry is absent or complete, and once space is freed the same command works.
On a small tmpfs when this machine lets the test mount one (root), and always with a patched writer that
fails with SQLite's "database or disk is full" exactly when the report itself is written.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import diskcache
import pytest

from stepper_cli.store import files, open_store
from tests.support.cli_run import stepper
from tests.support.gitutil import GitRepo
from tests.support.queuekit import jobs, reports


@pytest.fixture
def two(repo: GitRepo) -> GitRepo:
    repo.commit("feat: a", ("a.py", "a = 1\n"))
    body = "Why this change matters. " * 60  # a long rationale: a report of several pages
    repo.commit(f"feat: b\n\n{body}", ("b.py", "b = 1\n" * 50))
    return repo


@pytest.fixture
def small_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """STEPPER_HOME on an 8 MiB tmpfs (skipped where mounting is not allowed)."""
    mount = tmp_path / "small"
    mount.mkdir()
    tried = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(mount)], capture_output=True
    )
    if tried.returncode != 0:
        pytest.skip("cannot mount a tmpfs here; the patched-writer drill covers it")
    monkeypatch.setenv("STEPPER_HOME", str(mount / "home"))
    try:
        yield mount / "home"
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    """Take every free byte of the file system holding folder."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 4096, 1):  # big blocks, then what is left of the last page
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size):
                    pass
    finally:
        os.close(fd)
    with pytest.raises(OSError) as full:
        (folder / "one-more").write_bytes(b"x")
    assert full.value.errno == errno.ENOSPC
    return filler


def assert_store_sound(home: Path, sha: str) -> None:
    """Every entry decodes, the commit's entry is absent or complete, and SQLite finds no damage."""
    entries = [e for e in reports() if e["commit"] == sha]
    assert all(e["state"] == "ready" and e["result"]["commit"] == sha for e in entries), entries
    with sqlite3.connect(home / "store" / "cache.db") as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"


def test_a_full_tmpfs_gives_exit_7_and_no_half_entry(two: GitRepo, small_home: Path) -> None:
    assert stepper("report", "HEAD~1", cwd=two.path).code == 0  # the store exists
    filler = fill(small_home)
    full = stepper("report", "--format", "json", cwd=two.path)
    assert full.code == 7 and "full" in full.err and "Traceback" not in full.err, full
    assert len(full.err.strip().splitlines()) <= 2
    filler.unlink()
    assert_store_sound(small_home, two.head())
    again = stepper("report", "--format", "json", cwd=two.path)
    assert again.code == 0 and two.head() in again.out
    assert_store_sound(small_home, two.head())


def test_a_disk_full_error_on_the_report_write_gives_exit_7_and_no_half_entry(
    two: GitRepo, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert stepper("report", "HEAD~1", cwd=two.path).code == 0
    real_set = diskcache.Cache.set

    def full_disk(self: Any, key: Any, value: Any, *args: Any, **kwargs: Any) -> Any:
        if str(key).startswith("report:"):
            raise sqlite3.OperationalError("database or disk is full")
        return real_set(self, key, value, *args, **kwargs)

    monkeypatch.setattr(diskcache.Cache, "set", full_disk)
    full = stepper("report", cwd=two.path)
    assert full.code == 7 and "is full" in full.err and "Free some space" in full.err, full
    assert "Traceback" not in full.err
    monkeypatch.setattr(diskcache.Cache, "set", real_set)
    assert_store_sound(isolated_env, two.head())
    assert [e for e in reports() if e["commit"] == two.head()] == []
    assert stepper("report", cwd=two.path).code == 0
    assert_store_sound(isolated_env, two.head())
    with open_store("") as store:
        assert store.get("report:" + "0" * 32) is None  # the store is usable after all


@pytest.fixture
def two_queued(repo: GitRepo) -> GitRepo:
    """A repository whose two commits are queued (ledger records and queue messages), with no worker."""
    for name in ("a", "b"):
        repo.commit(f"feat: {name}", (f"{name}.py", f"{name} = 1\n"))
        assert stepper("enqueue", "--quiet", cwd=repo.path).code == 0
    assert [j["state"] for j in jobs()] == ["queued", "queued"]
    return repo


def assert_both_jobs_survive(home: Path) -> None:
    """Both ledger records are queued and both messages are still in queue.db."""
    assert sorted(j["state"] for j in jobs()) == ["queued", "queued"]
    with sqlite3.connect(home / "queue.db") as conn:
        assert conn.execute("select count(*) from task").fetchone()[0] == 2


def test_cache_clear_on_a_full_tmpfs_deletes_nothing_and_both_queued_jobs_survive(
    small_home: Path, two_queued: GitRepo
) -> None:
    filler = fill(small_home)
    before = sorted(p.name for p in small_home.rglob("*"))
    cleared = stepper("cache", "clear", cwd=two_queued.path)
    assert cleared.code == 7 and "Traceback" not in cleared.err, cleared
    assert "cleared nothing" in cleared.err and "Free some space" in cleared.err
    assert "cache clear" not in cleared.err.replace("stepper: ", "")  # the way out of a full disk is space
    assert {p.name for p in small_home.rglob("*")} >= {"queue.db", "cache.db"}
    assert {"queue.db", "cache.db"} <= set(before)
    filler.unlink()
    assert_both_jobs_survive(small_home)
    assert stepper("cache", "clear", cwd=two_queued.path).code == 0  # with space back it clears reports only
    assert_both_jobs_survive(small_home)


def test_cache_clear_when_quick_check_reports_a_disk_io_error_deletes_nothing(
    two_queued: GitRepo, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What SQLite says on a full disk when it cannot grow its -shm file: an I/O error, not corruption."""
    real_connect = sqlite3.connect

    class FullDiskConnection:
        def __init__(self, conn: sqlite3.Connection) -> None:
            self.conn = conn

        def execute(self, sql: str, *args: Any) -> Any:
            if "quick_check" in sql:
                raise sqlite3.OperationalError("disk I/O error")
            return self.conn.execute(sql, *args)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.conn, name)

    def connect(database: Any, *args: Any, **kwargs: Any) -> Any:
        conn = real_connect(database, *args, **kwargs)
        return FullDiskConnection(conn) if "mode=ro" in str(database) else conn

    monkeypatch.setattr(sqlite3, "connect", connect)
    cleared = stepper("cache", "clear", cwd=two_queued.path)
    assert cleared.code == 7 and "disk I/O error" in cleared.err and "cleared nothing" in cleared.err, cleared
    assert "Free some space" in cleared.err and "cache clear" not in cleared.err.replace("stepper: ", "")
    monkeypatch.setattr(sqlite3, "connect", real_connect)
    assert (isolated_env / "store" / "cache.db").exists()
    assert_both_jobs_survive(isolated_env)


def test_the_disk_full_hint_never_suggests_cache_clear(
    two: GitRepo, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(*args: Any, **kwargs: Any) -> Any:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(diskcache.Cache, "set", full_disk)
    monkeypatch.setattr(files, "write_rows", full_disk)  # a batch (the enqueue's) writes its rows itself
    for args in (("report",), ("enqueue",)):
        out = stepper(*args, cwd=two.path)
        assert out.code == 7 and "is full" in out.err and "cache clear" not in out.err, (args, out)
