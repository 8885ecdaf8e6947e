"""Fault drill: corrupt state files and entries. Each command that meets one exits 7 with a sentence naming
the file and `stepper cache clear` as the way out, and that way out works.

tests/cli/test_cli_cache.py covers a store and a queue file overwritten with junk (report, enqueue, worker);
this adds a truncated store for every command that opens it, entries inside a sound file that stepper
cannot read, a junk write-ahead log, and a damaged settings snapshot.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from stepper_cli.jobs.ledger import JOB_PREFIX
from tests.support.cli_run import cache_and_queue, stepper
from tests.support.gitutil import GitRepo

COMMANDS = (("report",), ("enqueue",), ("status",), ("worker", "--burst"), ("cache", "stats"), ("metrics",))


@pytest.fixture
def used(repo: GitRepo) -> GitRepo:
    """A repository with a cached report of its first commit and a queued job for its second."""
    return cache_and_queue(repo)


def store_file(home: Path) -> Path:
    return home / "store" / "cache.db"


def test_a_truncated_store_is_exit_7_for_every_command_and_cache_clear_repairs_it(
    used: GitRepo, isolated_env: Path
) -> None:
    path = store_file(isolated_env)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    path.write_bytes(path.read_bytes()[:8192])  # a sound header, then nothing
    for args in COMMANDS:
        out = stepper(*args, cwd=used.path)
        assert out.code == 7, (args, out)
        assert str(path) in out.err and "stepper cache clear" in out.err and "Traceback" not in out.err, args
    cleared = stepper("cache", "clear", cwd=used.path)
    assert cleared.code == 0 and f"Deleted the corrupt file {path}." in cleared.out
    assert [stepper(*args, cwd=used.path).code for args in COMMANDS] == [0] * len(COMMANDS)


@pytest.mark.parametrize("prefix", ["report:", JOB_PREFIX, "metric:"])
def test_an_entry_stepper_cannot_read_is_exit_7_and_cache_clear_deletes_it(
    used: GitRepo, isolated_env: Path, prefix: str
) -> None:
    with sqlite3.connect(store_file(isolated_env)) as conn:
        changed = conn.execute('update Cache set value = \'["not", "ours"]\' where key like ?', (prefix + "%",))
        assert changed.rowcount >= 1
    args = {"report:": ("report",), JOB_PREFIX: ("status",), "metric:": ("metrics",)}[prefix]
    broken = stepper(*args, cwd=used.path)
    assert broken.code == 7 and str(store_file(isolated_env)) in broken.err, broken
    assert "stepper cache clear" in broken.err and "Traceback" not in broken.err
    cleared = stepper("cache", "clear", "--json", cwd=used.path)
    assert cleared.code == 0 and json.loads(cleared.out)["unreadable_removed"] >= (prefix != "report:")
    assert stepper(*args, cwd=used.path).code == 0
    assert [stepper(*a, cwd=used.path).code for a in COMMANDS] == [0] * len(COMMANDS)


def test_a_junk_write_ahead_log_is_exit_7_or_ignored_and_cache_clear_repairs_it(
    used: GitRepo, isolated_env: Path
) -> None:
    wal = store_file(isolated_env).with_name("cache.db-wal")
    wal.write_bytes(b"\x37\x7f\x06\x82" + b"junk" * 2000)  # a WAL magic number, then nothing valid
    out = stepper("report", "HEAD~1", "--format", "json", cwd=used.path)
    assert "Traceback" not in out.err
    if out.code != 0:  # SQLite cannot square the log with its index: the recent writes are gone with it
        assert out.code == 7 and str(store_file(isolated_env)) in out.err and "stepper cache clear" in out.err, out
        assert stepper("cache", "clear", cwd=used.path).code == 0
        out = stepper("report", "HEAD~1", "--format", "json", cwd=used.path)
    assert out.code == 0 and json.loads(out.out)["commit"] == used.git("rev-parse", "HEAD~1")
    assert stepper("status", cwd=used.path).code == 0


def test_a_damaged_settings_snapshot_is_ignored_and_written_again(used: GitRepo, isolated_env: Path) -> None:
    (snapshot,) = (isolated_env / "snapshots").glob("*.json")
    for junk in (b"{not json", b"[1, 2]", b'{"fingerprint": 3}', b"\xff\xfe"):
        snapshot.write_bytes(junk)
        used.commit(f"feat: {len(junk)}", (f"f{len(junk)}.py", "x = 1\n"))
        out = stepper("enqueue", "--json", cwd=used.path)
        assert out.code == 0 and json.loads(out.out)["status"] == "queued", (junk, out)
        assert json.loads(snapshot.read_text())["entries"][0]["fingerprint"]
